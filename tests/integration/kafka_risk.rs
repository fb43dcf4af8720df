//! ID Protection through Kafka: `generate --to kafka://...` of a scenario with ID Protection
//! streams its detections and risky-user changes beside the logs (as diagnostic settings send
//! the `UserRiskEvents` and `RiskyUsers` categories to an event hub), keyed by their user, and
//! `verify --against kafka://...` checks `risk_detections:` and `risky_users:` from the topic.

use crate::kafka::{Broker, entralab, exported, python_read, stdout_of};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Detections and risky-user changes, declared and offline, over two users.
const LAB: &str = "scenarios/identity-protection/lab-anonymous-travel-sspr.yaml";

/// The records of an Event Hub export file, as JSON.
fn records_of(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .flat_map(|line| {
            let envelope: Value = serde_json::from_str(line).unwrap();
            envelope["records"].as_array().unwrap().clone()
        })
        .collect()
}

#[test]
fn id_protection_streams_beside_the_logs_and_verifies_from_the_topic() {
    let (_dir, files) = exported(LAB, "eventhub");
    let file = |name: &str| files.iter().find(|f| f.ends_with(name)).unwrap();
    let detections = records_of(file("UserRiskEvents.json"));
    let changes = records_of(file("RiskyUsers.json"));
    assert!(!detections.is_empty() && !changes.is_empty());

    let broker = Broker::start();
    let url = format!("{}?partitions=3", broker.url("entra-risk"));
    let sent = stdout_of(entralab().args(["generate", LAB, "--to", &url]));
    assert!(
        sent.contains(&format!(
            "with ID Protection: {} risk detections, {} risky-user changes",
            detections.len(),
            changes.len()
        )),
        "{sent}"
    );

    // kafka-python: each detection once, in a `UserRiskEvents` envelope keyed by its user,
    // each change in a `RiskyUsers` one keyed by its user (whose id the riskyUser carries).
    let user_of: BTreeMap<&str, &str> = detections
        .iter()
        .map(|d| {
            let p = &d["properties"];
            (p["id"].as_str().unwrap(), p["userId"].as_str().unwrap())
        })
        .collect();
    let (mut seen_detections, mut seen_changes) = (Vec::new(), 0);
    for message in python_read(&broker, "entra-risk") {
        let key = message["key"].as_str().unwrap();
        let categories = message["categories"].as_array().unwrap();
        for (id, category) in message["ids"].as_array().unwrap().iter().zip(categories) {
            let id = id.as_str().unwrap();
            match category.as_str().unwrap() {
                "UserRiskEvents" => {
                    assert_eq!(user_of[id], key, "{message}");
                    seen_detections.push(id.to_string());
                }
                "RiskyUsers" => {
                    assert_eq!(id, key, "{message}");
                    seen_changes += 1;
                }
                _ => {}
            }
        }
    }
    let unique: BTreeSet<&String> = seen_detections.iter().collect();
    assert_eq!(unique.len(), seen_detections.len(), "no detection twice");
    assert_eq!(
        unique
            .into_iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        user_of.keys().copied().collect(),
        "every detection"
    );
    assert_eq!(seen_changes, changes.len(), "every risky-user change");

    // entralab's reader keeps them aside from the logs, and skips none.
    let summary =
        entralab::stream::read_topic(&url.parse().unwrap(), &mut |_, _| true, None).unwrap();
    assert_eq!(summary.risk.len(), detections.len() + changes.len());
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);

    // The lab's expectations, risk detections and risky users included, hold from the topic.
    let verified = stdout_of(entralab().args(["verify", LAB, "--against", &url]));
    assert!(verified.contains("[1 risky user]"), "{verified}");
    assert!(verified.contains(" 0 failed"), "{verified}");
}

#[test]
fn id_protection_in_ndjson_messages_verifies_too() {
    let broker = Broker::start();
    let url = broker.url("entra-risk-ndjson");
    let sent = stdout_of(entralab().args(["generate", LAB, "--format", "ndjson", "--to", &url]));
    assert!(sent.contains("with ID Protection:"), "{sent}");
    let verified = stdout_of(entralab().args(["verify", LAB, "--against", &url]));
    assert!(verified.contains("[1 risk detection]"), "{verified}");
    assert!(verified.contains(" 0 failed"), "{verified}");
}
