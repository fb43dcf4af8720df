//! `generate --shard K/N`: the N shards of a run hold its records exactly once, byte for byte,
//! and a user's records all in one shard.

use assert_cmd::Command;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Many users (population), app-initiated audits, a spray over users, SSPR audits, and ID
/// Protection's detections and risky users (written beside the logs).
const SCENARIOS: [&str; 5] = [
    "tests/data/population-small.yaml",
    "scenarios/detections/app-credential-after-admin-consent.yaml",
    "scenarios/detections/password-spray.yaml",
    "scenarios/user03-sspr.yaml",
    "scenarios/identity-protection/lab-anonymous-travel-sspr.yaml",
];

const FILES: [&str; 2] = ["signIns.ndjson", "directoryAudits.ndjson"];

fn generate(scenario: &str, out: &Path, format: &str, shard: Option<String>) {
    let mut command = Command::cargo_bin("entralab").unwrap();
    command.args(["generate", scenario, "--format", format, "--out"]);
    command.arg(out);
    if let Some(shard) = shard {
        command.args(["--shard", &shard]);
    }
    command.assert().success();
}

/// Each line of `file` and how often it occurs.
fn line_counts(file: &Path, into: &mut BTreeMap<String, usize>) {
    let text = std::fs::read_to_string(file).unwrap();
    for line in text.lines() {
        *into.entry(line.to_string()).or_default() += 1;
    }
}

/// The names of the NDJSON files `dir` holds.
fn ndjson_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".ndjson"))
        .collect()
}

#[test]
fn the_shards_of_a_run_hold_its_records_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in SCENARIOS {
        let whole = dir.path().join("whole");
        generate(scenario, &whole, "ndjson", None);
        let files = ndjson_files(&whole);
        assert!(
            FILES.iter().all(|f| files.contains(*f)),
            "{scenario}: {files:?}"
        );
        for count in [1, 3, 7] {
            let parts: Vec<_> = (1..=count)
                .map(|k| {
                    let part = dir.path().join(format!("{count}-{k}"));
                    generate(scenario, &part, "ndjson", Some(format!("{k}/{count}")));
                    part
                })
                .collect();
            for file in &files {
                let mut expected = BTreeMap::new();
                line_counts(&whole.join(file), &mut expected);
                let mut union = BTreeMap::new();
                for part in &parts {
                    line_counts(&part.join(file), &mut union);
                }
                assert_eq!(union, expected, "{scenario} {file} in {count} shards");
            }
        }
    }
}

#[test]
fn a_users_sign_ins_stay_in_one_shard() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = SCENARIOS[0];
    let mut shard_of_user: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for k in 1..=3 {
        let part = dir.path().join(k.to_string());
        generate(scenario, &part, "ndjson", Some(format!("{k}/3")));
        let text = std::fs::read_to_string(part.join(FILES[0])).unwrap();
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let user = record["userId"].as_str().unwrap().to_string();
            shard_of_user.entry(user).or_default().insert(k);
        }
    }
    assert!(shard_of_user.len() > 3, "a population of users");
    for (user, shards) in shard_of_user {
        assert_eq!(shards.len(), 1, "{user} in shards {shards:?}");
    }
}

#[test]
fn graph_shards_hold_the_runs_records() {
    // Graph collections hold one record a line between the envelope's first and last lines
    // (each but the last ending in a comma).
    fn records(file: &Path, into: &mut BTreeMap<String, usize>) {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for line in lines.iter().filter(|l| l.starts_with("{\"id\"")) {
            *into
                .entry(line.trim_end_matches(',').to_string())
                .or_default() += 1;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = SCENARIOS[1];
    let whole = dir.path().join("whole");
    generate(scenario, &whole, "graph", None);
    for file in ["signIns.json", "directoryAudits.json"] {
        let mut expected = BTreeMap::new();
        records(&whole.join(file), &mut expected);
        assert!(!expected.is_empty(), "{file}");
        let mut union = BTreeMap::new();
        for k in 1..=3 {
            let part = dir.path().join(k.to_string());
            generate(scenario, &part, "graph", Some(format!("{k}/3")));
            records(&part.join(file), &mut union);
        }
        assert_eq!(union, expected, "{file}");
    }
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["0/3", "4/3", "x"] {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::cargo_bin("entralab")
            .unwrap()
            .args(["generate", SCENARIOS[0], "--shard", bad, "--out"])
            .arg(dir.path())
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let stderr = String::from_utf8(output).unwrap();
        assert!(
            stderr.contains(&format!("`{bad}` is not a shard: write K/N")),
            "{stderr}"
        );
    }
}
