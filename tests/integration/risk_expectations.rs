//! `expect:` over ID Protection records: `risk_detections:` and `risky_users:` selections
//! checked against the mock and against exported risk files, a wrong one failing with the
//! reason, and a misspelt field or a missing risk file refused with a pointed error.

use crate::served::ROOT;
use assert_cmd::Command;
use std::path::Path;

const LAB: &str = "scenarios/identity-protection/lab-anonymous-travel-sspr.yaml";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

/// The lab with its expectations replaced by `expect`.
fn lab_with(dir: &Path, expect: &str) -> std::path::PathBuf {
    crate::verify_cli::scenario_with(dir, LAB, expect)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn the_lab_risk_expectations_pass_against_the_mock() {
    let output = entralab().args(["verify", LAB]).output().unwrap();
    let stdout = text(output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(", 8 riskDetections, 2 riskyUsers)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  PASS  user04's risk ends remediated by the reset  [1 risky user]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  PASS  ID Protection flagged the Tor address in real time, and the reset closed it  [1 risk detection]"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_risk_expectation_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = lab_with(
        dir.path(),
        "  - name: user04 is still at risk\n    risky_users: { user: user04 }\n    all: { riskState: atRisk }\n  - name: a malicious address was flagged\n    risk_detections: { riskEventType: maliciousIPAddress }\n    count: 1..\n",
    );
    let output = entralab().arg("verify").arg(&scenario).output().unwrap();
    let stdout = text(output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("1 of 1 records do not match riskState=\"atRisk\"")
            && stdout.contains("riskState is remediated"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expected at least 1 risk detection; saw 0"),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 passed, 2 failed\n"), "{stdout}");
}

#[test]
fn generated_risk_files_verify_in_every_format_and_logs_without_them_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["graph", "ndjson", "eventhub"] {
        let out = dir.path().join(format);
        let generated = entralab()
            .args(["generate", LAB, "--format", format, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(generated.status.success(), "{}", text(generated.stderr));
        let mut files: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let verify = |files: &[&std::path::PathBuf]| {
            let output = entralab()
                .args(["verify", LAB, "--against"])
                .args(files)
                .output()
                .unwrap();
            (
                output.status.code(),
                text(output.stdout),
                text(output.stderr),
            )
        };
        let (code, stdout, stderr) = verify(&files.iter().collect::<Vec<_>>());
        assert_eq!(code, Some(0), "{format}: {stdout}{stderr}");
        assert!(stdout.ends_with("8 passed, 0 failed\n"), "{stdout}");
        // The logs alone: the risk expectations cannot be checked.
        let logs: Vec<_> = files
            .iter()
            .filter(|p| !p.to_string_lossy().to_lowercase().contains("risk"))
            .collect();
        let (code, stdout, stderr) = verify(&logs);
        assert_eq!(code, Some(2), "{format}: {stdout}{stderr}");
        assert!(
            stderr.contains("expects risk detections but these logs hold none: give riskDetections.json or .ndjson, UserRiskEvents.json (Event Hub)"),
            "{stderr}"
        );
    }
}

#[test]
fn a_misspelt_risk_field_or_two_kinds_in_one_expectation_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = lab_with(
        dir.path(),
        "  - name: misspelt\n    risk_detections: { riskEventTyp: anonymizedIPAddress }\n  - name: two kinds\n    risky_users: {}\n    risk_detections: {}\n",
    );
    let output = entralab().arg("check").arg(&scenario).output().unwrap();
    let stderr = text(output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let path = scenario.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{path}:62:24: `riskEventTyp` is not a field of risk detections"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `riskEventType`?"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}:63:5: an expectation reads one kind of record; this one reads risk detections and risky users"
        )),
        "{stderr}"
    );
}
