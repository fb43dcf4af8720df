//! `--skip-bad-records` on `verify --against FILE...` and `detect --logs FILE...`, run as the
//! real binary over exports with one bad line in the middle: strict by default (exit 2, the
//! error alone); with the flag the rest is read, each skipped record is reported on stderr with
//! file:line and the reason, and the summary counts them.

use crate::served::ROOT;
use assert_cmd::Command;
use std::path::{Path, PathBuf};

const LAB: &str = "scenarios/user01-password-failures.yaml";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

/// The lab's sign-ins exported as `format` into `dir`; the file's path.
fn exported(dir: &Path, format: &str, file: &str) -> PathBuf {
    let out = dir.join(format);
    let generated = entralab()
        .args(["generate", LAB, "--format", format, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    out.join(file)
}

/// NDJSON sign-ins with a line cut short inserted as line 3.
fn ndjson_with_a_bad_line(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(exported(dir, "ndjson", "signIns.ndjson")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    lines.insert(2, r#"{"id":"cut-short","createdDateTime":"2025-03-17T15:"#);
    let path = dir.join("signIns-bad.ndjson");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Event Hub sign-ins, one `{"records":[...]}` envelope per line (as stream dumps hold them),
/// with an envelope whose record has a time that is not a time inserted as line 3.
fn event_hub_with_a_bad_line(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(exported(dir, "eventhub", "SignInLogs.json")).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut lines: Vec<String> = envelope["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::json!({ "records": [r] }).to_string())
        .collect();
    assert_eq!(lines.len(), 4);
    lines.insert(
        2,
        r#"{"records":[{"time":"yesterday","category":"SignInLogs","resultType":"0","properties":{"id":"bad-time"}}]}"#.into(),
    );
    let path = dir.join("SignInLogs-bad.json");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn verify_refuses_a_bad_line_by_default_and_skips_it_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            ndjson_with_a_bad_line(dir.path()),
            "signIns-bad.ndjson:3:1: record 3: line 3 ends inside a string",
        ),
        (
            event_hub_with_a_bad_line(dir.path()),
            "SignInLogs-bad.json:3:13: record 3: in `properties`: `createdDateTime`: expected a timestamp",
        ),
    ];
    for (file, reported) in cases {
        let strict = run(entralab().args(["verify", LAB, "--against"]).arg(&file));
        assert_eq!(strict.code, Some(2), "{}", strict.stderr);
        assert_eq!(strict.stdout, "", "strict: the error alone");
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(
            strict
                .stderr
                .contains(&format!("error: {}", file.display()))
                && strict.stderr.contains(&format!("{name}:3:")),
            "{}",
            strict.stderr
        );
        assert!(
            !strict.stderr.contains("warning: skipped"),
            "{}",
            strict.stderr
        );

        let skipping = run(entralab()
            .args(["verify", LAB, "--skip-bad-records", "--against"])
            .arg(&file));
        assert_eq!(
            skipping.code,
            Some(0),
            "{}{}",
            skipping.stdout,
            skipping.stderr
        );
        let warnings: Vec<&str> = skipping
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning: skipped a bad record: "))
            .collect();
        assert_eq!(warnings.len(), 1, "{}", skipping.stderr);
        assert!(warnings[0].contains(reported), "{}", warnings[0]);
        assert!(
            skipping
                .stdout
                .contains("(4 records; 1 bad record skipped))"),
            "{}",
            skipping.stdout
        );
        assert!(
            skipping.stdout.ends_with("4 passed, 0 failed\n"),
            "{}",
            skipping.stdout
        );
    }
}

#[test]
fn detect_skips_bad_lines_in_every_file_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let ndjson = ndjson_with_a_bad_line(dir.path());
    let event_hub = event_hub_with_a_bad_line(dir.path());
    let detect = |extra: &[&str]| {
        run(entralab()
            .args(["detect", "--rules", "tests/data/sigma"])
            .args(extra)
            .arg("--logs")
            .arg(&ndjson)
            .arg(&event_hub))
    };
    let strict = detect(&[]);
    assert_eq!(strict.code, Some(2), "{}", strict.stderr);
    assert!(
        strict.stderr.contains("signIns-bad.ndjson:3:1"),
        "{}",
        strict.stderr
    );

    let skipping = detect(&["--skip-bad-records"]);
    assert_eq!(skipping.code, Some(0), "{}", skipping.stderr);
    assert_eq!(
        skipping
            .stderr
            .matches("warning: skipped a bad record: ")
            .count(),
        2,
        "{}",
        skipping.stderr
    );
    assert!(
        skipping
            .stdout
            .contains("(8 records; 2 bad records skipped)"),
        "{}",
        skipping.stdout
    );

    let json = detect(&["--skip-bad-records", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["scenarios"][0]["bad_records_skipped"], 2);
    assert_eq!(report["scenarios"][0]["records"], 8);
}

#[test]
fn the_flag_belongs_to_log_files_only() {
    let verify = run(entralab().args(["verify", LAB, "--skip-bad-records"]));
    assert_eq!(verify.code, Some(2));
    assert!(
        verify
            .stderr
            .contains("--skip-bad-records applies to log files"),
        "{}",
        verify.stderr
    );
    assert_eq!(verify.stdout, "");
    let detect = run(entralab().args([
        "detect",
        "--rules",
        "tests/data/sigma",
        "--skip-bad-records",
        LAB,
    ]));
    assert_eq!(detect.code, Some(2));
    assert!(detect.stderr.contains("--logs"), "{}", detect.stderr);
}
