//! The real binary, as a person runs it.

use assert_cmd::Command;
use std::path::Path;

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn run_without_paths_shows_the_built_in_labs() {
    let text = stdout_of(entralab().arg("run"));
    insta::assert_snapshot!("run_builtin_labs", text);
}

#[test]
fn run_on_the_scenarios_folder_equals_the_built_in_run() {
    let folder = stdout_of(entralab().args(["run", "scenarios"]));
    assert!(
        folder == stdout_of(entralab().arg("run")),
        "the built-in labs differ from scenarios/"
    );
}

#[test]
fn run_explains_lockout_and_sspr_state() {
    let text = stdout_of(entralab().args([
        "run",
        "scenarios/user02-smart-lockout.yaml",
        "scenarios/user03-sspr.yaml",
    ]));
    assert!(text.contains("of threshold 5 + drift"));
    assert!(text.contains(": locked for 60 s (unfamiliar context)"));
    assert!(text.contains("Interrupted"));
    assert!(text.contains("wrong CAPTCHA 1 (no log row)"));
    assert!(text.contains("SSPR blocked until 2025-03-18T"));
}

#[test]
fn run_with_another_seed_changes_the_run() {
    let base = stdout_of(entralab().args(["run", "scenarios/user03-sspr.yaml"]));
    let other = stdout_of(entralab().args(["run", "scenarios/user03-sspr.yaml", "--seed", "5"]));
    assert_ne!(base, other);
    assert!(other.contains("seed 5"));
}

#[test]
fn generate_writes_graph_collections() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab1");
    let text = stdout_of(
        entralab()
            .args([
                "generate",
                "scenarios/user01-password-failures.yaml",
                "--out",
            ])
            .arg(&out),
    );
    assert!(text.contains("4 sign-ins, 0 directory audits"), "{text}");
    let sign_ins: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("signIns.json")).unwrap()).unwrap();
    assert_eq!(sign_ins["value"].as_array().unwrap().len(), 4);
    assert_eq!(
        sign_ins["value"][0]["createdDateTime"],
        "2025-03-17T15:08:07Z"
    );
    let audits: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("directoryAudits.json")).unwrap()).unwrap();
    assert_eq!(audits["value"], serde_json::json!([]));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn generate_is_byte_identical_and_the_seed_flag_changes_ids() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: Option<&str>| {
        let out = dir.path().join(name);
        let mut cmd = entralab();
        cmd.args(["generate", "scenarios/user03-sspr.yaml", "--out"])
            .arg(&out);
        if let Some(seed) = seed {
            cmd.args(["--seed", seed]);
        }
        stdout_of(&mut cmd);
        std::fs::read(out.join("directoryAudits.json")).unwrap()
    };
    let first = run("a", None);
    assert_eq!(first, run("b", None));
    assert_ne!(first, run("c", Some("42")));
}

#[test]
fn check_accepts_the_shipped_scenarios() {
    let text =
        stdout_of(entralab().args(["check", "scenarios", "tests/data/population-small.yaml"]));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok  ")).count(),
        5,
        "{text}"
    );
    assert!(text.contains("population-small.yaml: 1 user(s), 20 generated, 1 step(s)"));
}

#[test]
fn a_broken_scenario_exits_2_and_points_at_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/user01-password-failures.yaml"),
    )
    .unwrap()
    .replace(
        "app: OfficeHome, password: correct-horse-01",
        "app: OfficeHom, password: correct-horse-01",
    );
    std::fs::write(&path, text).unwrap();
    for command in ["run", "check"] {
        let output = entralab().arg(command).arg(&path).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains(&format!(
                "{}:60:37: unknown app `OfficeHom`",
                path.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("did you mean `OfficeHome`?"), "{stderr}");
    }
    let output = entralab()
        .args(["generate"])
        .arg(&path)
        .args(["--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written for a broken scenario"
    );
}

#[test]
fn missing_files_and_bad_usage_exit_2() {
    let output = entralab()
        .args(["check", "no/such/scenario.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read no/such/scenario.yaml"));
    let output = entralab().arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = entralab().args(["generate", "scenarios"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "--out is required");
}

#[test]
fn generate_of_several_tenants_asks_which_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = entralab()
        .args(["generate", "scenarios", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("these files describe 2 tenants; generate writes one: pass --tenant"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  xxx.onmicrosoft.com (e17a1ab0-0000-4000-8000-000000000001): user01-password-failures, user02-smart-lockout, user03-sspr"),
        "{stderr}"
    );
    let output = entralab()
        .args([
            "generate",
            "scenarios",
            "--tenant",
            "nowhere.example",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no tenant `nowhere.example`"));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written"
    );
}
