//! `detect --logs` and `verify --against FILE` stream the files (issue 11): the same matches
//! and verdicts whatever the order of the records in the files and however they are split
//! across files, with a file too far out of order read again whole (noted on stderr).

use crate::served::ROOT;
use assert_cmd::Command;
use std::path::{Path, PathBuf};

const LAB: &str = "scenarios/detections/password-spray.yaml";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

/// `entralab generate SCENARIO --format FORMAT` into `dir/FORMAT`, which it returns.
fn generate(dir: &Path, scenario: &str, format: &str) -> PathBuf {
    let out = dir.join(format);
    let generated = entralab()
        .args(["generate", scenario, "--format", format, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    out
}

/// The lab's sign-ins as NDJSON lines, oldest first.
fn lines(dir: &Path) -> Vec<String> {
    let out = generate(dir, LAB, "ndjson");
    let text = std::fs::read_to_string(out.join("signIns.ndjson")).unwrap();
    text.lines().map(String::from).collect()
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// `detect --format json` over `files`: the per-rule results, and stderr.
fn detect(files: &[PathBuf]) -> (serde_json::Value, String) {
    let out = entralab()
        .args([
            "detect",
            "--rules",
            "tests/data/sigma",
            "--format",
            "json",
            "--logs",
        ])
        .args(files)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (json["scenarios"][0]["rules"].clone(), stderr)
}

#[test]
fn detect_gives_the_same_matches_whatever_the_order_and_the_split() {
    let dir = tempfile::tempdir().unwrap();
    let lines = lines(dir.path());
    assert!(lines.len() > 100, "{}", lines.len());
    let in_order = write(dir.path(), "in-order.ndjson", &lines);
    let (expected, stderr) = detect(std::slice::from_ref(&in_order));
    assert!(stderr.contains("records/s"), "{stderr}");
    let spray = expected
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["service"] == "signinlogs" && r["title"].as_str().unwrap().contains("Password Spray")
        })
        .unwrap();
    assert!(spray["matches"].as_u64().unwrap() > 0, "{spray}");

    // Newest first: within the reorder buffer, so streamed without a second reading.
    let reversed: Vec<String> = lines.iter().rev().cloned().collect();
    let (rules, stderr) = detect(&[write(dir.path(), "reversed.ndjson", &reversed)]);
    assert_eq!(rules, expected);
    assert!(!stderr.contains("not in time order"), "{stderr}");

    // Split across two files, alternating lines: merged back by time.
    let every_other =
        |first: usize| -> Vec<String> { lines.iter().skip(first).step_by(2).cloned().collect() };
    let halves = [
        write(dir.path(), "even.ndjson", &every_other(0)),
        write(dir.path(), "odd.ndjson", &every_other(1)),
    ];
    let (rules, _) = detect(&halves);
    assert_eq!(rules, expected);
}

#[test]
fn verify_reads_a_newest_first_file_again_whole_with_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let lines = lines(dir.path());
    let reversed: Vec<String> = lines.iter().rev().cloned().collect();
    let verify = |file: &Path| {
        let out = entralab()
            .args(["verify", LAB, "--rules", "tests/data/sigma", "--against"])
            .arg(file)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).replace(&file.display().to_string(), "FILE"),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, in_order, stderr) = verify(&write(dir.path(), "in-order.ndjson", &lines));
    assert!(matches!(code, Some(0 | 1)), "{in_order}{stderr}");
    assert!(in_order.contains("passed"), "{in_order}");
    assert!(!stderr.contains("not in time order"), "{stderr}");
    let newest_first = write(dir.path(), "newest-first.ndjson", &reversed);
    let (turned_code, turned, stderr) = verify(&newest_first);
    assert_eq!(turned_code, code, "{turned}{stderr}");
    assert_eq!(turned, in_order);
    assert_eq!(
        stderr.matches("is not in time order").count(),
        1,
        "{stderr}"
    );
}

/// The envelopes and rows the rules see name each record's own tenant: an Event Hub record's
/// `tenantId` when its sign-in names none (as Elastic's raw samples), and for a Graph audit
/// beside it, the first tenant the files name.
#[test]
fn rules_see_the_tenant_each_record_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(dir.path(), LAB, "eventhub");
    // The sign-ins' own tenants removed: only the envelopes (a line each) name one.
    let mut tenant = String::new();
    let mut sign_in_count = 0;
    let mut lines = Vec::new();
    for line in std::fs::read_to_string(out.join("SignInLogs.json"))
        .unwrap()
        .lines()
    {
        let mut envelope: serde_json::Value = serde_json::from_str(line).unwrap();
        for record in envelope["records"].as_array_mut().unwrap() {
            tenant = record["tenantId"].as_str().unwrap().to_string();
            let properties = record["properties"].as_object_mut().unwrap();
            properties.remove("resourceTenantId");
            properties.remove("homeTenantId");
            sign_in_count += 1;
        }
        lines.push(envelope.to_string());
    }
    let sign_ins = write(dir.path(), "SignInLogs.json", &lines);
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    for service in ["signinlogs", "auditlogs"] {
        std::fs::write(
            rules.join(format!("{service}.yml")),
            format!(
                "title: {service} of the tenant\nid: 00000000-0000-4000-8000-00000000000{}\nstatus: test\nlogsource:\n    product: azure\n    service: {service}\ndetection:\n    selection:\n        tenantId: {tenant}\n    condition: selection\nlevel: low\n",
                service.len()
            ),
        )
        .unwrap();
    }
    let audits =
        generate(dir.path(), "scenarios/user03-sspr.yaml", "ndjson").join("directoryAudits.ndjson");
    let out = entralab()
        .args(["detect", "--format", "json", "--rules"])
        .arg(&rules)
        .arg("--logs")
        .args([&sign_ins, &audits])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let matches = |title: &str| {
        json["scenarios"][0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == title)
            .map(|r| r["matches"].as_u64().unwrap())
    };
    assert!(sign_in_count > 0);
    assert_eq!(matches("signinlogs of the tenant"), Some(sign_in_count));
    let audit_count = std::fs::read_to_string(&audits).unwrap().lines().count() as u64;
    assert!(audit_count > 0);
    assert_eq!(matches("auditlogs of the tenant"), Some(audit_count));
}
