//! Reading ID Protection detections and risky users, for `verify`: through a Graph client
//! (the `service: riskdetection` rules of `detections:` and the `risk_detections:` /
//! `risky_users:` expectations) or from exported files.

use super::sources::{SourceError, counted};
use crate::client::GraphClient;
use crate::graph::{RiskDetection, RiskyUser, RiskyUserHistoryItem, Timestamp};
use crate::logfiles::{self, RiskItem};
use crate::scenario::{RecordKind, Scenario};
use crate::verify::RiskRecord;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Whether any of the scenario's expectations reads `kind`.
pub fn reads(scenario: &Scenario, kind: RecordKind) -> bool {
    scenario.expectations.iter().any(|e| e.kind == kind)
}

/// The detections of activity from the window's start on, when the scenario declares ID
/// Protection and has `detections:` to check, or has `risk_detections:` expectations; none
/// otherwise (no request is made). Offline
/// detections land up to 48 hours after the activity, so the window has no end here.
pub fn fetch_risk_detections(
    client: &mut GraphClient,
    scenario: &Scenario,
    window: (Timestamp, Timestamp),
) -> Result<Vec<RiskDetection>, SourceError> {
    let for_rules =
        scenario.tenant.identity_protection.is_some() && !scenario.detections.is_empty();
    if !for_rules && !reads(scenario, RecordKind::RiskDetections) {
        return Ok(Vec::new());
    }
    let filter = format!("activityDateTime ge {}", window.0);
    list(
        client,
        "identityProtection/riskDetections",
        Some(&filter),
        "riskDetection",
    )
}

/// `counts` (of the logs read) with the ID Protection collections the expectations read.
pub fn with_risk_counts(
    counts: String,
    scenario: &Scenario,
    detections: &[RiskDetection],
    users: &[RiskyUser],
) -> String {
    let mut all: Vec<String> = [counts].into_iter().filter(|c| !c.is_empty()).collect();
    if reads(scenario, RecordKind::RiskDetections) {
        all.push(counted(detections.len(), "riskDetection", "riskDetections"));
    }
    if reads(scenario, RecordKind::RiskyUsers) {
        all.push(counted(users.len(), "riskyUser", "riskyUsers"));
    }
    all.join(", ")
}

/// Every risky user (each user's latest risk state), when an expectation reads them.
pub fn fetch_risky_users(
    client: &mut GraphClient,
    scenario: &Scenario,
) -> Result<Vec<RiskyUser>, SourceError> {
    if !reads(scenario, RecordKind::RiskyUsers) {
        return Ok(Vec::new());
    }
    list(client, "identityProtection/riskyUsers", None, "riskyUser")
}

fn list<T: DeserializeOwned>(
    client: &mut GraphClient,
    resource: &str,
    filter: Option<&str>,
    type_name: &str,
) -> Result<Vec<T>, SourceError> {
    let mut found = Vec::new();
    let mut bad = None;
    client.list(
        resource,
        filter,
        None,
        &mut |value| match serde_json::from_value::<T>(value) {
            Ok(d) => found.push(d),
            Err(e) => bad = Some(e.to_string()),
        },
    )?;
    match bad {
        Some(e) => Err(SourceError::BadInput(format!(
            "a record of {resource} does not read as {type_name}: {e}"
        ))),
        None => Ok(found),
    }
}

/// The export files `verify --against FILE` reads ID Protection records from, by name.
pub const RISK_FILES: &[&str] = &[
    "riskDetections.json",
    "riskDetections.ndjson",
    "riskyUsers.json",
    "riskyUserHistory.ndjson",
];

/// Whether `path` is one of `RISK_FILES` (the logs readers do not read them).
pub fn is_risk_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| RISK_FILES.contains(&n))
}

/// Reads a risk file `generate --format graph|ndjson` wrote: the detections, or the risky
/// users (from `riskyUserHistory.ndjson`, each user's latest change).
pub fn read_risk_file(path: &Path) -> Result<Vec<RiskRecord>, SourceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SourceError::BadInput(format!("cannot read {}: {e}", path.display())))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let records = match name {
        "riskDetections.json" => collection::<RiskDetection>(path, &text)?
            .iter()
            .map(RiskRecord::detection)
            .collect(),
        "riskDetections.ndjson" => lines::<RiskDetection>(path, &text)?
            .iter()
            .map(RiskRecord::detection)
            .collect(),
        "riskyUsers.json" => collection::<RiskyUser>(path, &text)?
            .iter()
            .map(RiskRecord::risky_user)
            .collect(),
        _ => RiskRecord::all_of(&[], &lines::<RiskyUserHistoryItem>(path, &text)?),
    };
    Ok(records)
}

fn collection<T: DeserializeOwned>(path: &Path, text: &str) -> Result<Vec<T>, SourceError> {
    #[derive(serde::Deserialize)]
    struct Page<T> {
        value: Vec<T>,
    }
    serde_json::from_str::<Page<T>>(text)
        .map(|p| p.value)
        .map_err(|e| SourceError::BadInput(format!("{}: {e}", path.display())))
}

fn lines<T: DeserializeOwned>(path: &Path, text: &str) -> Result<Vec<T>, SourceError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| SourceError::BadInput(format!("{}:{}: {e}", path.display(), i + 1)))
        })
        .collect()
}

/// The ID Protection records among the logs `paths` name (files, or `kafka://` topics):
/// Event Hub records of the `UserRiskEvents` and `RiskyUsers` categories, Log Analytics rows
/// of `AADUserRiskEvents` and `AADRiskyUsers`, Graph `riskDetection` and `riskyUser` objects.
/// A pass of their own over the logs, made only when a scenario reads these records: the
/// pass that checks the logs needs them in time order from its first record on. Bad records
/// are skipped when `skip_bad` (the pass over the logs notes them).
pub fn read_risk_in_logs(
    paths: &[PathBuf],
    skip_bad: bool,
) -> Result<Vec<RiskRecord>, SourceError> {
    match super::log_stream::risk_in(paths, skip_bad) {
        Ok(items) => Ok(risk_records(items)),
        Err(e) if e.kind == logfiles::ErrorKind::Unreachable => {
            Err(SourceError::Unreachable(e.to_string()))
        }
        Err(e) => Err(SourceError::BadInput(e.to_string())),
    }
}

/// The detections, and each user's latest state, as the Graph collections list them. A
/// user's changes come in order (a file's, or the one partition of its key).
fn risk_records(items: Vec<RiskItem>) -> Vec<RiskRecord> {
    let (mut detections, mut changes) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            RiskItem::Detection(d) => detections.push(*d),
            change => changes.extend(change.user_state()),
        }
    }
    RiskRecord::latest_of(&detections, changes)
}

/// Why `scenario`'s risk expectations cannot be checked against `files`: a kind it reads that
/// none of the files holds.
pub fn missing_risk_files(scenario: &Scenario, risk: &[RiskRecord]) -> Option<String> {
    [
        (
            RecordKind::RiskDetections,
            "riskDetections.json or .ndjson, UserRiskEvents.json (Event Hub) or AADUserRiskEvents.ndjson (Log Analytics)",
        ),
        (
            RecordKind::RiskyUsers,
            "riskyUsers.json, riskyUserHistory.ndjson, RiskyUsers.json (Event Hub) or AADRiskyUsers.ndjson (Log Analytics)",
        ),
    ]
    .into_iter()
    .find(|(kind, _)| reads(scenario, *kind) && !risk.iter().any(|r| r.kind == *kind))
    .map(|(kind, files)| {
        format!(
            "{} expects {} but these logs hold none: give {files} (`generate` writes them for a scenario with ID Protection)",
            scenario.name,
            kind.label()
        )
    })
}
