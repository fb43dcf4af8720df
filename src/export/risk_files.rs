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
use super::loganalytics::csv_cell;
use super::risk::{USER_RISK_EVENT_COLUMNS, user_risk_event_hub, user_risk_event_row};
use super::timefmt::{portal_csv, seven_digits};
use crate::graph::{Precision, RiskDetection, RiskyUserHistoryItem, Timestamp};
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
            Format::LogAnalytics => (
                "AADUserRiskEvents.ndjson",
                "AADRiskyUsers.ndjson",
                detections
                    .iter()
                    .map(|d| {
                        Value::Object(
                            user_risk_event_row(d, tenant_id)
                                .into_iter()
                                .map(|(k, v)| (k.to_string(), v))
                                .collect(),
                        )
                    })
                    .collect(),
                history
                    .iter()
                    .map(|h| risky_user_row(h, tenant_id))
                    .collect(),
            ),
        };
    let mut written = Vec::new();
    let tables = [
        (detections_file, detections_out, USER_RISK_EVENT_COLUMNS),
        (users_file, users_out, RISKY_USER_COLUMNS),
    ];
    for (name, values, columns) in tables {
        let path = dir.join(name);
        let mut file = io::BufWriter::new(std::fs::File::create(&path)?);
        for value in &values {
            serde_json::to_writer(&mut file, value)?;
            file.write_all(b"\n")?;
        }
        file.flush()?;
        let csv = path.with_extension("csv");
        written.push(path);
        if format == Format::LogAnalytics {
            write_csv_table(&csv, columns, &values)?;
            written.push(csv);
        }
    }
    Ok(written)
}

/// A table's rows as the portal exports them ([`super::loganalytics`]'s CSV): the columns'
/// header, datetimes in the portal's form, dynamic columns as JSON text, null as nothing.
fn write_csv_table(path: &Path, columns: &[&str], rows: &[Value]) -> io::Result<()> {
    let mut out = Vec::new();
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            csv_cell(&mut out, cell.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    };
    line(&mut columns.iter().map(|c| c.to_string()));
    for row in rows {
        line(&mut columns.iter().map(|&column| {
            match row.get(column) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(text)) if is_time_column(column) => Timestamp::parse(text)
                    .map(portal_csv)
                    .unwrap_or_else(|_| text.clone()),
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
            }
        }));
    }
    std::fs::write(path, out)
}

/// The datetime columns of the ID Protection tables.
fn is_time_column(column: &str) -> bool {
    column.ends_with("DateTime") || column == "TimeGenerated"
}

fn time(t: Timestamp) -> String {
    t.to_graph_string(Precision::Ticks)
}

/// A datetime column of a Log Analytics row, as the sign-in tables write them.
pub(super) fn table_time(t: Timestamp) -> String {
    seven_digits(t, "Z")
}

/// The diagnostic-settings category of risky-user changes.
pub const RISKY_USERS_CATEGORY: &str = "RiskyUsers";

/// The Event Hub record of a risky-user change (`category: RiskyUsers`), with the envelope
/// fields of Elastic's `RiskyUsers` samples (their `location`, an Azure region such as `neu`,
/// is not modelled).
pub fn risky_user_hub(h: &RiskyUserHistoryItem, tenant_id: &str) -> Value {
    json!({
        "time": time(h.risk.risk_last_updated_date_time),
        "resourceId": super::resource_id(tenant_id),
        "operationName": RISKY_USER_OPERATION,
        "operationVersion": "1.0",
        "category": RISKY_USERS_CATEGORY,
        "tenantId": tenant_id,
        "resultSignature": "None",
        "durationMs": 0,
        "correlationId": h.risk.id,
        "identity": h.risk.user_display_name,
        "Level": 4,
        "properties": h.user(),
    })
}

/// The `AADRiskyUsers` columns, in the order [`risky_user_row`] writes them.
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

/// The `AADRiskyUsers` row of a risky-user change: the riskyUser in PascalCase plus the
/// table's own columns.
pub fn risky_user_row(h: &RiskyUserHistoryItem, tenant_id: &str) -> Value {
    let u = h.user();
    json!({
        "CorrelationId": h.risk.id,
        "Id": u.id,
        "IsDeleted": u.is_deleted,
        "IsProcessing": u.is_processing,
        "OperationName": RISKY_USER_OPERATION,
        "RiskDetail": u.risk_detail,
        "RiskLastUpdatedDateTime": table_time(u.risk_last_updated_date_time),
        "RiskLevel": u.risk_level,
        "RiskState": u.risk_state,
        "SourceSystem": "Azure AD",
        "TenantId": tenant_id,
        "TimeGenerated": table_time(u.risk_last_updated_date_time),
        "Type": "AADRiskyUsers",
        "UserDisplayName": u.user_display_name,
        "UserPrincipalName": u.user_principal_name,
    })
}
