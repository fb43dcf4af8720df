//! The records the shipped labs generate: pinned byte for byte by snapshots, checked against
//! what the reference lab logged, and deterministic.

use entralab::export::{ExportOptions, Format, collect_newest_first, export_all};
use entralab::graph::{DirectoryAudit, SignIn, Timestamp};
use entralab::scenario::{self, Scenario};
use entralab::sim;
use std::collections::BTreeSet;
use std::path::Path;

pub const SHIPPED: &[&str] = &[
    "user01-password-failures",
    "user02-smart-lockout",
    "user03-sspr",
    "same-wrong-password",
];

pub fn load(relative: &str) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(relative)).unwrap();
    scenario::load_str(Path::new(relative), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn shipped(name: &str) -> Scenario {
    load(&format!("scenarios/{name}.yaml"))
}

fn records(scenario: &Scenario) -> (Vec<SignIn>, Vec<DirectoryAudit>) {
    collect_newest_first(sim::simulate(scenario).filter_map(|i| i.record))
}

fn with_seed(name: &str, seed: u64) -> (Vec<SignIn>, Vec<DirectoryAudit>) {
    let mut scenario = shipped(name);
    scenario.seed = seed;
    records(&scenario)
}

/// The two files `generate` writes, as text.
fn generated(scenario: &Scenario) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let records = sim::simulate(scenario).filter_map(|item| item.record);
    export_all(
        Format::Graph,
        dir.path(),
        &ExportOptions::default(),
        records,
    )
    .unwrap();
    let read = |name| std::fs::read_to_string(dir.path().join(name)).unwrap();
    (read("signIns.json"), read("directoryAudits.json"))
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn codes(sign_ins: &[SignIn]) -> Vec<i32> {
    // Oldest first, as people read a timeline.
    sign_ins.iter().rev().map(|s| s.status.error_code).collect()
}

#[test]
fn generated_records_of_every_shipped_scenario() {
    for name in SHIPPED {
        let (sign_ins, audits) = generated(&shipped(name));
        insta::assert_snapshot!(format!("{name}.signIns"), sign_ins);
        insta::assert_snapshot!(format!("{name}.directoryAudits"), audits);
    }
}

#[test]
fn generated_files_are_graph_collections_newest_first() {
    for name in SHIPPED {
        let (sign_ins, audits) = generated(&shipped(name));
        for (text, context, time_field) in [
            (&sign_ins, "signIns", "createdDateTime"),
            (&audits, "directoryAudits", "activityDateTime"),
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                value["@odata.context"],
                format!("https://graph.microsoft.com/v1.0/$metadata#auditLogs/{context}")
            );
            let times: Vec<Timestamp> = value["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| at(r[time_field].as_str().unwrap()))
                .collect();
            assert!(
                times.windows(2).all(|w| w[0] >= w[1]),
                "{name} {context} is not newest first"
            );
        }
    }
}

#[test]
fn same_scenario_and_seed_give_identical_bytes() {
    for name in SHIPPED {
        assert_eq!(
            generated(&shipped(name)),
            generated(&shipped(name)),
            "{name}"
        );
    }
    let small = load("tests/data/population-small.yaml");
    assert_eq!(generated(&small), generated(&small));
}

#[test]
fn another_seed_changes_ids_but_not_the_lab_outcomes() {
    let ids = |(s, a): &(Vec<SignIn>, Vec<DirectoryAudit>)| -> BTreeSet<String> {
        s.iter()
            .map(|r| r.id.to_string())
            .chain(a.iter().map(|r| r.id.to_string()))
            .collect()
    };
    for name in SHIPPED {
        let base = with_seed(name, 20250317);
        let other = with_seed(name, 1);
        assert!(
            ids(&base).is_disjoint(&ids(&other)),
            "{name}: ids must change with the seed"
        );
    }
    for seed in 0..40 {
        assert_eq!(
            codes(&with_seed("user01-password-failures", seed).0),
            [50126, 50126, 50140, 0]
        );
        let same = codes(&with_seed("same-wrong-password", seed).0);
        assert_eq!(same.iter().filter(|c| **c == 50126).count(), 30);
        assert_eq!(&same[30..], [50140, 0]);
        let (_, audits) = with_seed("user03-sspr", seed);
        let outcome: Vec<(&str, &str)> = audits
            .iter()
            .rev()
            .map(|a| {
                (
                    a.activity_display_name.as_deref().unwrap(),
                    a.result_reason.as_deref().unwrap(),
                )
            })
            .collect();
        let (_, base) = with_seed("user03-sspr", 20250317);
        let base_outcome: Vec<(&str, &str)> = base
            .iter()
            .rev()
            .map(|a| {
                (
                    a.activity_display_name.as_deref().unwrap(),
                    a.result_reason.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(outcome, base_outcome, "seed {seed}");
    }
}

#[test]
fn user01_matches_the_lab() {
    let (sign_ins, audits) = records(&shipped("user01-password-failures"));
    assert!(audits.is_empty());
    assert_eq!(codes(&sign_ins), [50126, 50126, 50140, 0]);
    let success = &sign_ins[0];
    assert_eq!(success.created_date_time, at("2025-03-17T15:08:07Z"));
    assert_eq!(success.user_display_name.as_deref(), Some("ユーザ01"));
    assert_eq!(success.app_display_name.as_deref(), Some("OfficeHome"));
    assert_eq!(success.client_app_used.as_deref(), Some("Browser"));
    assert_eq!(success.status.failure_reason.as_deref(), Some("Other."));
    assert_eq!(
        success.status.additional_details.as_deref(),
        Some("MFA requirement satisfied by claim in the token")
    );
    assert_eq!(
        success.device_detail.browser.as_deref(),
        Some("Firefox 136.0")
    );
    assert_eq!(
        success.correlation_id, sign_ins[1].correlation_id,
        "the interrupt and the success share a correlationId"
    );
    assert_eq!(sign_ins[1].created_date_time, success.created_date_time);
    for s in &sign_ins {
        assert!(
            s.created_date_time >= at("2025-03-17T15:00:00Z")
                && s.created_date_time < at("2025-03-17T15:10:00Z")
        );
    }
    let json = serde_json::to_string(success).unwrap();
    assert!(json.contains("\"createdDateTime\":\"2025-03-17T15:08:07Z\""));
    assert!(json.contains("ユーザ01"), "non-ASCII must be written as is");
}

#[test]
fn user02_locks_the_unfamiliar_browser_only() {
    let (sign_ins, _) = records(&shipped("user02-smart-lockout"));
    let codes = codes(&sign_ins);
    let wrong = codes.iter().take_while(|c| **c == 50126).count();
    assert!((5..=7).contains(&wrong), "{codes:?}");
    assert!(codes[wrong..].starts_with(&[50053]));
    assert_eq!(&codes[codes.len() - 2..], [50140, 0]);
    assert_eq!(sign_ins[0].created_date_time, at("2025-03-17T15:42:32Z"));
    assert_eq!(
        sign_ins[0].device_detail.browser.as_deref(),
        Some("Edge 134.0.0")
    );
    assert!(
        sign_ins
            .iter()
            .any(|s| s.created_date_time == at("2025-03-17T15:42:26Z") && s.status.error_code != 0)
    );
    for s in sign_ins.iter().filter(|s| s.status.error_code == 50053) {
        assert_eq!(s.device_detail.browser.as_deref(), Some("Firefox 136.0"));
    }
}

#[test]
fn user02_drift_spreads_lockout_over_the_6th_and_7th_attempt() {
    let mut seen = BTreeSet::new();
    for seed in 0..200 {
        let codes = codes(&with_seed("user02-smart-lockout", seed).0);
        let wrong = codes.iter().take_while(|c| **c == 50126).count();
        assert!((5..=6).contains(&wrong), "seed {seed}: {codes:?}");
        seen.insert(wrong + 1);
    }
    assert_eq!(
        seen,
        BTreeSet::from([6, 7]),
        "lockout must come at the 6th or the 7th attempt"
    );
}

#[test]
fn user03_sspr_block_matches_the_lab() {
    for seed in [20250317, 1, 2, 3, 99] {
        let (_, audits) = with_seed("user03-sspr", seed);
        assert!(audits.iter().all(|a| a.id.starts_with("SSPR_")));
        let failures: Vec<&DirectoryAudit> = audits
            .iter()
            .filter(|a| a.result.as_deref() == Some("failure"))
            .collect();
        assert_eq!(failures.len(), 2, "exactly the two block rows fail");
        // Newest first: the block row, then the flow-progress row about 1 ms earlier.
        assert_eq!(
            failures[0].activity_display_name.as_deref(),
            Some("Blocked from self-service password reset")
        );
        assert_eq!(
            failures[0].result_reason.as_deref(),
            Some("User throttle for attempting challenge: UserSMSOtp too many times.")
        );
        assert_eq!(
            failures[1].activity_display_name.as_deref(),
            Some("Self-service password reset flow activity progress")
        );
        assert_eq!(
            failures[1].result_reason.as_deref(),
            Some(
                "User entered too many invalid SMS verification codes and is blocked for 24 hours"
            )
        );
        let gap = failures[0].activity_date_time.ticks() - failures[1].activity_date_time.ticks();
        assert!(
            (9_000..=11_000).contains(&gap),
            "about 1 ms apart, got {gap} ticks"
        );
        assert_eq!(failures[0].correlation_id, failures[1].correlation_id);
        for a in &audits {
            assert!(
                a.activity_date_time >= at("2025-03-17T16:20:00Z")
                    && a.activity_date_time < at("2025-03-17T16:40:05Z"),
                "seed {seed}: {}",
                a.activity_date_time
            );
            assert_eq!(a.operation_type.as_deref(), Some("Update"));
            assert_eq!(
                a.logged_by_service.as_deref(),
                Some("Self-service Password Management")
            );
        }
        let resets = audits
            .iter()
            .filter(|a| a.activity_display_name.as_deref() == Some("Reset password (self-service)"))
            .count();
        assert_eq!(resets, 2, "paths 1 and 2 reset; path 3 is blocked");
    }
}

#[test]
fn user03_each_flow_has_one_correlation_id() {
    let (_, audits) = records(&shipped("user03-sspr"));
    // A flow starts with "User submitted their user ID"; every row until the next start shares
    // its correlationId, and different flows have different ones.
    let mut flows: Vec<Vec<&str>> = Vec::new();
    for a in audits.iter().rev() {
        if a.result_reason.as_deref() == Some("User submitted their user ID") {
            flows.push(Vec::new());
        }
        flows
            .last_mut()
            .unwrap()
            .push(a.correlation_id.as_deref().unwrap());
    }
    assert_eq!(
        flows.len(),
        4,
        "path 1, path 2, and path 3 twice (sent back to the start)"
    );
    let mut ids = BTreeSet::new();
    for flow in &flows {
        assert!(flow.iter().all(|c| *c == flow[0]));
        assert!(ids.insert(flow[0]), "each flow has its own correlationId");
    }
}

#[test]
fn every_sign_in_has_every_v1_property() {
    let (sign_ins, _) = records(&shipped("user01-password-failures"));
    let value = serde_json::to_value(&sign_ins[0]).unwrap();
    assert_eq!(
        value.as_object().unwrap().len(),
        entralab::graph::SIGN_IN_PROPERTIES.len()
    );
    // The v1.0 properties of reference/graph-api.md 1.1, on the wire in the lab's order, then
    // the schema's.
    let text = serde_json::to_string(&sign_ins[0]).unwrap();
    let positions: Vec<usize> = entralab::graph::SIGN_IN_PROPERTIES
        .iter()
        .map(|key| {
            text.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("missing {key}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "properties out of order: {text}"
    );
    assert_eq!(
        value["location"]["geoCoordinates"]["altitude"],
        serde_json::Value::Null
    );
    assert_eq!(value["status"]["errorCode"], 0);
}

#[test]
fn population_members_are_generated_deterministically() {
    let scenario = load("tests/data/population-small.yaml");
    let (sign_ins, _) = records(&scenario);
    let members: BTreeSet<&str> = sign_ins
        .iter()
        .filter_map(|s| s.user_principal_name.as_deref())
        .filter(|u| u.starts_with("staff"))
        .collect();
    assert_eq!(members.len(), 20);
    assert!(members.contains("staff001@contoso.onmicrosoft.com"));
    let successes = sign_ins.iter().filter(|s| s.status.error_code == 0).count();
    assert_eq!(
        successes,
        20 * 3 + 1,
        "every sign-in ends in success, typos or not"
    );
    let typos = sign_ins
        .iter()
        .filter(|s| s.status.error_code == 50126)
        .count();
    assert!(
        typos > 0 && typos < 60,
        "a typo rate of 0.3 gives some typos: {typos}"
    );
    let start = at("2025-04-01T01:00:00Z");
    let end = at("2025-04-02T01:01:00Z");
    assert!(
        sign_ins
            .iter()
            .all(|s| s.created_date_time >= start && s.created_date_time < end)
    );
    let cities: BTreeSet<&str> = sign_ins
        .iter()
        .filter_map(|s| s.location.city.as_deref())
        .collect();
    assert!(cities.contains("Tokyo") && cities.contains("Osaka"));
}
