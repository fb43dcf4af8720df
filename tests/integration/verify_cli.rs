//! `entralab verify` as a person and a CI job run it: against the embedded mock, against a
//! running `entralab serve` as if it were a live tenant, and with reports for machines.

use crate::served::{ROOT, Served};
use assert_cmd::Command;
use std::path::Path;

const SECRET: &str = "entralab-lab-secret-not-for-production";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

/// A copy of a shipped scenario with its expectations replaced.
pub fn scenario_with(dir: &Path, base: &str, expect: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(Path::new(ROOT).join(base)).unwrap();
    let path = dir.join(Path::new(base).file_name().unwrap());
    std::fs::write(
        &path,
        format!(
            "{}\nexpect:\n{expect}",
            text.split("\nexpect:").next().unwrap()
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_built_in_labs_pass_against_the_mock() {
    let output = entralab().arg("verify").output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(" passed, 0 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("user03-sspr (mock http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"));
}

#[test]
fn a_wrong_expectation_fails_with_exit_1_the_reason_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_with(
        dir.path(),
        "scenarios/user02-smart-lockout.yaml",
        "  - name: lockout at the 5th attempt\n    sign_ins: { user: user02 }\n    sequence:\n      - { status/errorCode: 50126, times: 4 }\n      - { status/errorCode: 50053, times: 1.. }\n      - { status/errorCode: 50140 }\n      - { status/errorCode: 0 }\n  - name: one success\n    sign_ins: { status/errorCode: 0 }\n    count: 1\n",
    );
    let junit = dir.path().join("junit.xml");
    let output = entralab()
        .arg("verify")
        .arg(&scenario)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("  FAIL  lockout at the 5th attempt"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "saw 6 × 50126 at 2025-03-17T15:41:58Z, then 2 × 50053 at 2025-03-17T15:42:22Z"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("        records: "), "{stdout}");
    assert!(stdout.contains("  PASS  one success"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(
        xml.contains("testsuite name=\"user02-smart-lockout\""),
        "{xml}"
    );

    let json = entralab()
        .arg("verify")
        .arg(&scenario)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (value["passed"].as_u64(), value["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(value["scenarios"][0]["outcomes"][0]["passed"], false);
}

fn live(served: &Served, scenario: &str, tenant: &str, secret: &str) -> std::process::Output {
    let base = served.base();
    entralab()
        .args([
            "verify",
            scenario,
            "--against",
            "live",
            "-vv",
            "--graph-url",
        ])
        .arg(format!("{base}/v1.0"))
        .arg("--authority")
        .arg(&base)
        .arg("--ca-cert")
        .arg(&served.cert)
        .env("AZURE_TENANT_ID", tenant)
        .env("AZURE_CLIENT_ID", "e17a1ab0-0000-4000-8000-00000000c11e")
        .env("AZURE_CLIENT_SECRET", secret)
        .output()
        .unwrap()
}

#[test]
fn live_against_a_running_serve_passes_and_never_shows_the_secret() {
    let served = Served::start(&[
        "scenarios/user02-smart-lockout.yaml",
        "scenarios/user03-sspr.yaml",
    ]);
    let output = live(
        &served,
        "scenarios/user03-sspr.yaml",
        "e17a1ab0-0000-4000-8000-000000000001",
        SECRET,
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("user03-sspr (live https://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stderr.contains("auditLogs/directoryAudits: 20 records"),
        "-v says what was queried: {stderr}"
    );
    assert!(
        stderr.contains("GET https://127.0.0.1:"),
        "-vv shows each request: {stderr}"
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "the secret must never be shown"
    );
    assert!(
        !stderr.contains("eyJ"),
        "no access token in the output: {stderr}"
    );

    let wrong = live(
        &served,
        "scenarios/user02-smart-lockout.yaml",
        "e17a1ab0-0000-4000-8000-000000000001",
        "not-the-secret-123",
    );
    let stderr = String::from_utf8(wrong.stderr).unwrap();
    assert_eq!(wrong.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("AADSTS7000215") || stderr.contains("7000215"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-secret-123"), "{stderr}");
}

#[test]
fn live_without_credentials_or_reachable_host_says_why() {
    let output = entralab()
        .args([
            "verify",
            "scenarios/user01-password-failures.yaml",
            "--against",
            "live",
        ])
        .env_remove("AZURE_TENANT_ID")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs AZURE_TENANT_ID"));
    let output = entralab()
        .args([
            "verify",
            "scenarios/user01-password-failures.yaml",
            "--against",
            "live",
            "--authority",
            "https://127.0.0.1:9",
            "--graph-url",
            "https://127.0.0.1:9/v1.0",
        ])
        .env("AZURE_TENANT_ID", "t")
        .env("AZURE_CLIENT_ID", "c")
        .env("AZURE_CLIENT_SECRET", "s3cr3t-value")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("s3cr3t-value"));
}

#[test]
fn generate_then_verify_against_the_files_passes_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["graph", "ndjson", "eventhub", "loganalytics"] {
        for lab in [
            "user01-password-failures",
            "user02-smart-lockout",
            "user03-sspr",
        ] {
            let out = dir.path().join(format!("{lab}-{format}"));
            let scenario = format!("scenarios/{lab}.yaml");
            let generated = entralab()
                .args(["generate", &scenario, "--format", format, "--out"])
                .arg(&out)
                .output()
                .unwrap();
            assert!(
                generated.status.success(),
                "{}",
                String::from_utf8_lossy(&generated.stderr)
            );
            let mut files: Vec<_> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                // A Log Analytics export holds each table twice (JSON lines and CSV): read one.
                .filter(|p| format != "loganalytics" || p.extension().is_some_and(|e| e == "csv"))
                .collect();
            files.sort();
            let output = entralab()
                .args(["verify", &scenario, "--against"])
                .args(&files)
                .output()
                .unwrap();
            let stdout = String::from_utf8(output.stdout).unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{format} {lab}: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(stdout.ends_with(" passed, 0 failed\n"), "{stdout}");
        }
    }
}

#[test]
fn a_missing_or_broken_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"value\": [ {\"id\": 1,, ] }").unwrap();
    let output = entralab()
        .args([
            "verify",
            "scenarios/user01-password-failures.yaml",
            "--against",
        ])
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json:1:"), "{stderr}");
    // The error alone: no "0 passed, 0 failed" summary of nothing.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let missing = dir.path().join("missing.json");
    let output = entralab()
        .args([
            "verify",
            "scenarios/user01-password-failures.yaml",
            "--against",
        ])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json"));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}

#[test]
fn a_scenario_that_does_not_load_prints_only_its_error() {
    for against in ["mock", "tests/data/exports/graph-signins.ndjson"] {
        let output = entralab()
            .args([
                "verify",
                "scenarios/user01-password-failures.yaml",
                "tests/data/broken/unknown-user.yaml",
                "--format",
                "json",
                "--against",
                against,
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("unknown user `usr01`"), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "", "{against}");
    }
    let output = entralab()
        .args(["verify", "tests/data/broken/yaml-syntax-error.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}
