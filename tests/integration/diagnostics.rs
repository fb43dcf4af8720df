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
