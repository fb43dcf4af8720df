//! Broken scenarios: every file in `tests/data/broken/` has exactly one mistake, and the
//! diagnostic it gets (`path:line:col: message`, the snippet with its label, the `help:` line)
//! is snapshot-tested. A new file there is picked up automatically.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// Relative to the crate root, so rendered paths (and snapshots) do not name the checkout.
const BROKEN: &str = "tests/data/broken";

/// The broken scenarios, sorted, as paths relative to the crate root.
fn broken_scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(BROKEN))
        .expect("tests/data/broken/ is readable")
        .map(|entry| entry.expect("a directory entry").file_name())
        .filter(|name| {
            Path::new(name)
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml")
        })
        .map(|name| Path::new(BROKEN).join(name))
        .collect();
    files.sort();
    files
}

#[test]
fn every_broken_scenario_is_rejected_with_a_pointed_diagnostic() {
    // Cargo runs integration tests from the crate root; the relative paths rely on it.
    assert_eq!(
        std::env::current_dir().unwrap().canonicalize().unwrap(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .canonicalize()
            .unwrap(),
        "run the tests from the crate root"
    );
    let files = broken_scenarios();
    assert!(
        files.len() >= 14,
        "only {} broken scenarios in {BROKEN}",
        files.len()
    );
    for path in &files {
        let name = path.file_stem().unwrap().to_str().unwrap();
        let error = match entralab::scenario::load_file(path) {
            Ok(_) => panic!("{} loaded, but it has a mistake", path.display()),
            Err(error) => error,
        };
        let rendered = error.render();
        let headline = format!("{}:", path.display());
        assert!(
            rendered.starts_with(&headline),
            "{name}: the report does not start with `{headline}line:col:`:\n{rendered}"
        );
        assert!(
            rendered.contains("\n  help: "),
            "{name}: no help line:\n{rendered}"
        );
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn check_points_at_the_unknown_user() {
    let output = Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "tests/data/broken/unknown-user.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Line 25, column 24: `usr01` in `sign_in: { user: usr01, app: OfficeHome }`.
    assert!(
        stderr.contains("tests/data/broken/unknown-user.yaml:25:24: unknown user `usr01`"),
        "{stderr}"
    );
    assert!(stderr.contains("help: did you mean `user01`?"), "{stderr}");
}

/// The folders of `tests/data/broken/`: each holds two files that describe one tenant (or one
/// domain) in two ways.
fn broken_pairs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join(BROKEN))
        .expect("tests/data/broken/ is readable")
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| Path::new(BROKEN).join(entry.file_name()))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_broken_pair_is_rejected_with_a_diagnostic_naming_both_files() {
    let pairs = broken_pairs();
    assert!(pairs.len() >= 4, "only {} broken pairs", pairs.len());
    for dir in &pairs {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let files = entralab::scenario::discover(std::slice::from_ref(dir)).unwrap();
        assert_eq!(files.len(), 2, "{name}: a pair is two files");
        let scenarios: Vec<_> = files
            .iter()
            .map(|f| entralab::scenario::load_file(f).expect("each file alone is valid"))
            .collect();
        let (tenants, errors) =
            entralab::scenario::group_tenants(&scenarios, entralab::sim::tenant_id);
        assert_eq!(errors.len(), 1, "{name}: one mistake");
        assert_eq!(
            tenants
                .iter()
                .map(|t| t.members.clone())
                .collect::<Vec<_>>(),
            vec![vec![0]],
            "{name}: the second file is left out"
        );
        let rendered = errors[0].render();
        let headline = rendered.lines().next().unwrap();
        assert!(
            headline.starts_with(&format!("{}:", files[1].display())),
            "{name}: the headline points into the second file: {headline}"
        );
        assert!(
            headline.contains(&format!("see {}:", files[0].display())),
            "{name}: the headline names the first file: {headline}"
        );
        assert!(rendered.contains("\n  help: "), "{name}: no help line");
        insta::assert_snapshot!(format!("pair-{name}"), rendered);
    }
}

#[test]
fn check_of_two_files_that_contradict_each_other_exits_2_naming_both() {
    let output = Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "tests/data/broken/two-tenants-one-domain"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "tests/data/broken/two-tenants-one-domain/b-second.yaml:4:7: two tenants share the domain `shared.onmicrosoft.com`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("tests/data/broken/two-tenants-one-domain/a-first.yaml:4:7"),
        "{stderr}"
    );
}
