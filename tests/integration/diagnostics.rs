//! Broken scenarios: every file in `tests/data/broken/` has exactly one mistake, and the
//! diagnostic it gets (`path:line:col: message`, the snippet with its label, the `help:` line)
//! is snapshot-tested. A new file there is picked up automatically.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// Relative to the crate root, so rendered paths (and snapshots) do not name the checkout.
const BROKEN: &str = "tests/data/broken";

/// The entries of `tests/data/broken/` that `keep` accepts (given the full path), sorted, as
/// paths relative to the crate root.
fn broken_entries(keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(BROKEN))
        .expect("tests/data/broken/ is readable")
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| keep(&entry.path()))
        .map(|entry| Path::new(BROKEN).join(entry.file_name()))
        .collect();
    found.sort();
    found
}

/// The broken scenarios.
fn broken_scenarios() -> Vec<PathBuf> {
    broken_entries(|path| {
        path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml")
    })
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

/// `entralab check PATH` from the crate root: it must exit 2; its stderr.
fn check_refuses(path: &str) -> String {
    let output = Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", path])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn check_points_at_the_unknown_user() {
    let stderr = check_refuses("tests/data/broken/unknown-user.yaml");
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
    broken_entries(Path::is_dir)
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
    let stderr = check_refuses("tests/data/broken/two-tenants-one-domain");
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
