//! ID Protection in `generate`'s formats, beside the sign-in and audit files: the detections
//! and the risky-user changes of a tenant.
//!
//! | format | detections | risky users |
//! |---|---|---|
//! | graph | `riskDetections.json` (collection, newest first) | `riskyUsers.json` (each user's latest change) |
//! | ndjson | `riskDetections.ndjson` | `riskyUserHistory.ndjson` |
//! | eventhub | `UserRiskEvents.json` | `RiskyUsers.json` (one record per change) |
//! | loganalytics | `AADUserRiskEvents.ndjson` and `.csv` | `AADRiskyUsers.ndjson` and `.csv` (one row per change) |
//!
//! The Log Analytics tables are written as the sign-in tables are ([`super::loganalytics`]):
//! JSON lines with datetimes of seven digits, and the portal's CSV.
//!
//! The `RiskyUsers` / `AADRiskyUsers` envelope (`operationName`, `Level`) is UNSURE in the
//! reference: the values here are entralab's named defaults.

use super::Format;
use super::loganalytics::write_risk_tables;
use super::risk::{
    RISK_USER_IS_GUEST, in_order, risk_identity, risk_resource_id, user_risk_event_hub,
};
use super::timefmt::risk_envelope;
use crate::graph::{RiskDetection, RiskyUserHistoryItem};
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// `operationName` of a risky-user change in both exports (UNSURE).
pub const RISKY_USER_OPERATION: &str = "Risky user";

/// Writes the tenant's detections and risky-user changes in `format` into `dir`; the files
/// written.
pub fn write_risk_files(
    format: Format,
    dir: &Path,
    tenant_id: &str,
    detections: &[RiskDetection],
    history: &[RiskyUserHistoryItem],
) -> io::Result<Vec<PathBuf>> {
    let mut newest: Vec<&RiskDetection> = detections.iter().collect();
    newest.sort_by_key(|d| std::cmp::Reverse(d.detected_date_time));
    let (detections_file, users_file, detections_out, users_out): (_, _, Vec<Value>, Vec<Value>) =
        match format {
            Format::Graph => {
                let mut latest: Vec<&RiskyUserHistoryItem> = Vec::new();
                for item in history {
                    latest.retain(|l| l.user_id != item.user_id);
                    latest.push(item);
                }
                latest.reverse();
                (
                    "riskDetections.json",
                    "riskyUsers.json",
                    vec![json!({
                        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskDetections",
                        "value": newest,
                    })],
                    vec![json!({
                        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyUsers",
                        "value": latest.iter().map(|h| h.user()).collect::<Vec<_>>(),
                    })],
                )
            }
            Format::Ndjson => (
                "riskDetections.ndjson",
                "riskyUserHistory.ndjson",
                newest.iter().map(|d| json!(d)).collect(),
                history.iter().map(|h| json!(h)).collect(),
            ),
            Format::EventHub => (
                "UserRiskEvents.json",
                "RiskyUsers.json",
                vec![
                    json!({ "records": detections.iter().map(|d| user_risk_event_hub(d, tenant_id)).collect::<Vec<_>>() }),
                ],
                vec![
                    json!({ "records": history.iter().map(|h| risky_user_hub(h, tenant_id)).collect::<Vec<_>>() }),
                ],
            ),
            Format::LogAnalytics => {
                return write_risk_tables(dir, tenant_id, detections, history);
            }
        };
    let mut written = Vec::new();
    for (name, values) in [(detections_file, detections_out), (users_file, users_out)] {
        let path = dir.join(name);
        let mut file = io::BufWriter::new(std::fs::File::create(&path)?);
        for value in values {
            serde_json::to_writer(&mut file, &value)?;
            file.write_all(b"\n")?;
        }
        file.flush()?;
        written.push(path);
    }
    Ok(written)
}

/// The diagnostic-settings category of risky-user changes.
pub const RISKY_USERS_CATEGORY: &str = "RiskyUsers";

/// The Event Hub record of a risky-user change (`category: RiskyUsers`), with the envelope
/// fields of Elastic's `RiskyUsers` samples (their `location`, an Azure region such as `neu`,
/// is not modelled) and their `isGuest` ([`super::risk::RISK_USER_TYPE`]).
pub fn risky_user_hub(h: &RiskyUserHistoryItem, tenant_id: &str) -> Value {
    let mut properties = json!(h.user());
    properties["isGuest"] = Value::from(RISK_USER_IS_GUEST);
    json!({
        "time": risk_envelope(h.risk.risk_last_updated_date_time),
        "resourceId": risk_resource_id(tenant_id),
        "operationName": RISKY_USER_OPERATION,
        "operationVersion": "1.0",
        "category": RISKY_USERS_CATEGORY,
        "tenantId": tenant_id,
        "resultSignature": "None",
        "durationMs": 0,
        "correlationId": h.risk.id,
        "identity": risk_identity(&h.risk.user_display_name),
        "Level": 4,
        "properties": in_order(properties, RISKY_USER_HUB_ORDER),
    })
}

/// A risky user's properties in the order of Elastic's real `RiskyUsers` records.
const RISKY_USER_HUB_ORDER: &[&str] = &[
    "id",
    "userDisplayName",
    "userPrincipalName",
    "riskLastUpdatedDateTime",
    "riskState",
    "riskDetail",
    "riskLevel",
    "isGuest",
    "isDeleted",
    "isProcessing",
];

/// The `AADRiskyUsers` columns, in the order [`super::loganalytics::risky_user_row`] writes them.
pub const RISKY_USER_COLUMNS: &[&str] = &[
    "CorrelationId",
    "Id",
    "IsDeleted",
    "IsProcessing",
    "OperationName",
    "RiskDetail",
    "RiskLastUpdatedDateTime",
    "RiskLevel",
    "RiskState",
    "SourceSystem",
    "TenantId",
    "TimeGenerated",
    "Type",
    "UserDisplayName",
    "UserPrincipalName",
];
