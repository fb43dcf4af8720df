//! One tenant, many files: the seed lab's three files are one tenant when served, verified
//! and exported; files that contradict each other, or two tenants on one domain, are refused.

use crate::served::{ROOT, Served};
use assert_cmd::Command;
use entralab::client::{ClientConfig, GraphClient, LogKind, Secret};
use entralab::graph::Record;
use std::path::Path;

const SEED_TENANT: &str = "e17a1ab0-0000-4000-8000-000000000001";
const CLIENT: &str = "e17a1ab0-0000-4000-8000-00000000c11e";
const SECRET: &str = "entralab-lab-secret-not-for-production";
/// The seed's own query (user01's lab).
const USER01_WINDOW: &str =
    "createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z";
/// user02's rows at 15:42 (the lockout and the familiar browser's sign-in).
const USER02_WINDOW: &str =
    "createdDateTime ge 2025-03-17T15:42:00Z and createdDateTime lt 2025-03-17T15:43:00Z";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

fn upns(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            assert!(
                matches!(r, Record::SignIn(_)),
                "a sign-in query returned an audit"
            );
            let json = serde_json::to_value(r).unwrap();
            json["userPrincipalName"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn serve_scenarios_answers_the_seed_query_from_one_tenant() {
    let served = Served::start(&["scenarios"]);
    let tenants = served.info["tenants"].as_array().unwrap();
    assert_eq!(
        tenants.len(),
        2,
        "the seed tenant and same-wrong-password's"
    );
    let seed = tenants
        .iter()
        .find(|t| t["tenant_id"] == SEED_TENANT)
        .expect("the seed tenant is served");
    assert_eq!(seed["domain"], "xxx.onmicrosoft.com");
    assert_eq!(
        seed["scenarios"],
        serde_json::json!([
            "user01-password-failures",
            "user02-smart-lockout",
            "user03-sspr"
        ])
    );
    assert_eq!(seed["sign_ins"], 14, "user01's 4 and user02's 10");
    assert_eq!(seed["directory_audits"], 20, "user03's");

    // The authority by domain, as the seed lab's client might write it.
    let mut config = ClientConfig::new(
        served.base(),
        format!("{}/v1.0", served.base()),
        "xxx.onmicrosoft.com",
        CLIENT,
        Secret::new(SECRET),
    );
    config.extra_root_certificate_pem = Some(std::fs::read(&served.cert).unwrap());
    config.system_roots = false;
    let mut client = GraphClient::new(config).unwrap();

    let mut user01 = Vec::new();
    let stats = client
        .for_each_record(LogKind::SignIns, Some(USER01_WINDOW), Some(3), &mut |r| {
            user01.push(r)
        })
        .unwrap();
    assert_eq!(stats.pages, 2, "4 rows at $top=3 are two pages");
    assert_eq!(upns(&user01), vec!["user01@xxx.onmicrosoft.com"; 4]);

    let mut user02 = Vec::new();
    client
        .for_each_record(LogKind::SignIns, Some(USER02_WINDOW), Some(3), &mut |r| {
            user02.push(r)
        })
        .unwrap();
    assert!(user02.len() >= 4, "{} rows", user02.len());
    assert!(
        upns(&user02)
            .iter()
            .all(|u| u == "user02@xxx.onmicrosoft.com")
    );

    // The whole tenant: both labs, newest first, from one token.
    let mut every = Vec::new();
    client
        .for_each_record(LogKind::SignIns, None, None, &mut |r| every.push(r))
        .unwrap();
    assert_eq!(every.len(), 14);
    assert!(every.windows(2).all(|w| w[0].time() >= w[1].time()));
}

#[test]
fn verify_passes_for_every_source_of_the_merged_tenant() {
    let output = entralab().args(["verify", "scenarios"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("16 passed, 0 failed"), "{stdout}");

    // The merged tenant exported, then each lab verified against the export.
    let dir = tempfile::tempdir().unwrap();
    let output = entralab()
        .args(["generate", "scenarios", "--tenant", "xxx.onmicrosoft.com"])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with(
            "user01-password-failures, user02-smart-lockout, user03-sspr: 14 sign-ins, 20 directory audits"
        ),
        "{stdout}"
    );
    let output = entralab()
        .args([
            "verify",
            "scenarios/user01-password-failures.yaml",
            "scenarios/user02-smart-lockout.yaml",
            "scenarios/user03-sspr.yaml",
            "--against",
        ])
        .arg(dir.path().join("signIns.json"))
        .arg(dir.path().join("directoryAudits.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("14 passed, 0 failed"), "{stdout}");
}

/// `generate --format ndjson` of `paths` into a fresh folder: the sign-in and audit lines.
fn ndjson(paths: &[&str]) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let output = entralab()
        .arg("generate")
        .args(paths)
        .args(["--format", "ndjson", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.path().join(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    };
    (lines("signIns.ndjson"), lines("directoryAudits.ndjson"))
}

#[test]
fn the_merged_export_is_deterministic_and_keeps_each_files_records() {
    let labs = [
        "scenarios/user03-sspr.yaml",
        "scenarios/user01-password-failures.yaml",
        "scenarios/user02-smart-lockout.yaml",
    ];
    let merged = ndjson(&labs);
    assert_eq!(merged, ndjson(&labs), "same files, same bytes");
    assert_eq!(
        merged,
        ndjson(&[
            "scenarios/user01-password-failures.yaml",
            "scenarios/user02-smart-lockout.yaml",
            "scenarios/user03-sspr.yaml"
        ]),
        "the order the files are named in does not matter when no two records share an instant"
    );
    let (sign_ins, audits) = &merged;
    assert_eq!((sign_ins.len(), audits.len()), (14, 20));
    let time = |line: &String| -> String {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        value["createdDateTime"]
            .as_str()
            .or(value["activityDateTime"].as_str())
            .unwrap()
            .to_string()
    };
    let times: Vec<String> = sign_ins.iter().map(time).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {times:?}"
    );
    for lab in labs {
        let (alone_sign_ins, alone_audits) = ndjson(&[lab]);
        for (alone, merged) in [(&alone_sign_ins, sign_ins), (&alone_audits, audits)] {
            let kept: Vec<&String> = merged.iter().filter(|l| alone.contains(l)).collect();
            assert_eq!(
                kept,
                alone.iter().collect::<Vec<_>>(),
                "{lab}: its records, byte for byte and in order, in the merged export"
            );
        }
    }
    // No two files of the one seed drew the same ids.
    let ids = |lines: &[String], key: &str| -> std::collections::BTreeSet<String> {
        lines
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()[key]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids(sign_ins, "id").len(), 14, "record ids are unique");
    let user01 = ids(&ndjson(&[labs[1]]).0, "correlationId");
    let user02 = ids(&ndjson(&[labs[2]]).0, "correlationId");
    assert!(
        user01.is_disjoint(&user02),
        "user01's and user02's correlationIds never collide"
    );
}

#[test]
fn contradicting_files_and_shared_domains_are_refused_by_every_command() {
    let settings = "tests/data/broken/tenant-settings-differ";
    let domains = "tests/data/broken/two-tenants-one-domain";
    for args in [
        vec!["serve", settings],
        vec!["verify", settings],
        vec!["serve", domains],
        vec!["run", domains],
    ] {
        let output = entralab().args(&args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let dir = Path::new(args[1]);
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| dir.join(e.unwrap().file_name()).display().to_string())
            .collect();
        for name in &names {
            assert!(
                stderr.contains(name.as_str()),
                "{args:?} names {name}: {stderr}"
            );
        }
    }
}
