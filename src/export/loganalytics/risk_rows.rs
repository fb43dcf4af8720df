//! ID Protection's tables, `AADUserRiskEvents` and `AADRiskyUsers`, made as the sign-in tables
//! are: one walk over a row's columns ([`Cells`]) writes both files (JSON lines and the
//! portal's CSV) and gives `query` and the Sentinel rules the row's values.

use super::cells::{Cells, Json::Dynamic};
use super::table::Table;
use super::values::RowValues;
use crate::export::risk::{USER_RISK_EVENT_COLUMNS, USER_RISK_OPERATION};
use crate::export::risk_files::{RISKY_USER_COLUMNS, RISKY_USER_OPERATION};
use crate::graph::{RiskDetection, RiskyUserHistoryItem};
use serde_json::Value;
use std::io;
use std::path::{Path, PathBuf};

/// The table of detections (its `Type` column and file name).
pub const RISK_EVENTS: &str = "AADUserRiskEvents";
const RISKY_USERS: &str = "AADRiskyUsers";

/// The `AADUserRiskEvents` row of a detection: the `riskDetection` in PascalCase plus the
/// table's own columns. String columns are never null in the table: a property Graph leaves
/// null (an offline detection's request, correlation and address) is `""`.
fn user_risk_event(cells: &mut impl Cells, d: &RiskDetection, tenant_id: &str) {
    // A dynamic column: the JSON the Graph string holds.
    let info = serde_json::from_str::<Value>(&d.additional_info)
        .ok()
        .filter(|info| !info.is_null());
    cells.text("Activity", Some(&d.activity));
    cells.time("ActivityDateTime", d.activity_date_time);
    cells.serde("AdditionalInfo", Dynamic, info.as_ref());
    cells.text("CorrelationId", d.correlation_id.as_deref());
    cells.time("DetectedDateTime", d.detected_date_time);
    cells.text("DetectionTimingType", Some(&d.detection_timing_type));
    cells.text("Id", Some(&d.id));
    cells.text("IpAddress", d.ip_address.as_deref());
    cells.time("LastUpdatedDateTime", d.last_updated_date_time);
    cells.serde("Location", Dynamic, d.location.as_ref());
    cells.text("OperationName", Some(USER_RISK_OPERATION));
    cells.text("RequestId", d.request_id.as_deref());
    cells.text("RiskDetail", Some(&d.risk_detail));
    cells.text("RiskEventType", Some(&d.risk_event_type));
    cells.text("RiskLevel", Some(&d.risk_level));
    cells.text("RiskState", Some(&d.risk_state));
    cells.text("Source", Some(&d.source));
    cells.text("SourceSystem", Some("Azure AD"));
    cells.text("TenantId", Some(tenant_id));
    cells.time("TimeGenerated", d.detected_date_time);
    cells.text("TokenIssuerType", Some(&d.token_issuer_type));
    cells.text("Type", Some(RISK_EVENTS));
    cells.text("UserDisplayName", Some(&d.user_display_name));
    cells.text("UserId", Some(&d.user_id));
    cells.text("UserPrincipalName", Some(&d.user_principal_name));
}

/// The `AADRiskyUsers` row of a risky-user change: the riskyUser in PascalCase plus the
/// table's own columns (`CorrelationId` is the change's id).
fn risky_user(cells: &mut impl Cells, h: &RiskyUserHistoryItem, tenant_id: &str) {
    let u = h.user();
    cells.text("CorrelationId", Some(&h.risk.id));
    cells.text("Id", Some(&u.id));
    cells.flag("IsDeleted", Some(u.is_deleted));
    cells.flag("IsProcessing", Some(u.is_processing));
    cells.text("OperationName", Some(RISKY_USER_OPERATION));
    cells.text("RiskDetail", Some(&u.risk_detail));
    cells.time("RiskLastUpdatedDateTime", u.risk_last_updated_date_time);
    cells.text("RiskLevel", Some(&u.risk_level));
    cells.text("RiskState", Some(&u.risk_state));
    cells.text("SourceSystem", Some("Azure AD"));
    cells.text("TenantId", Some(tenant_id));
    cells.time("TimeGenerated", u.risk_last_updated_date_time);
    cells.text("Type", Some(RISKY_USERS));
    cells.text("UserDisplayName", Some(&u.user_display_name));
    cells.text("UserPrincipalName", Some(&u.user_principal_name));
}

/// A detection's `AADUserRiskEvents` row, in [`USER_RISK_EVENT_COLUMNS`] order.
pub fn user_risk_event_row(d: &RiskDetection, tenant_id: &str) -> Vec<(&'static str, Value)> {
    let mut row = RowValues::new(USER_RISK_EVENT_COLUMNS, None);
    user_risk_event(&mut row, d, tenant_id);
    row.end()
}

/// A risky-user change's `AADRiskyUsers` row, in [`RISKY_USER_COLUMNS`] order.
pub fn risky_user_row(h: &RiskyUserHistoryItem, tenant_id: &str) -> Vec<(&'static str, Value)> {
    let mut row = RowValues::new(RISKY_USER_COLUMNS, None);
    risky_user(&mut row, h, tenant_id);
    row.end()
}

/// Writes both tables, each as `.ndjson` and `.csv`, into `dir`; the files written.
pub(in crate::export) fn write_risk_tables(
    dir: &Path,
    tenant_id: &str,
    detections: &[RiskDetection],
    history: &[RiskyUserHistoryItem],
) -> io::Result<Vec<PathBuf>> {
    let mut events = Table::create(dir, RISK_EVENTS, USER_RISK_EVENT_COLUMNS, false)?;
    for d in detections {
        events.push_with(|row| row.write_with(|cells| user_risk_event(cells, d, tenant_id)))?;
    }
    let mut users = Table::create(dir, RISKY_USERS, RISKY_USER_COLUMNS, false)?;
    for h in history {
        users.push_with(|row| row.write_with(|cells| risky_user(cells, h, tenant_id)))?;
    }
    let mut written = events.finish()?;
    written.extend(users.finish()?);
    Ok(written)
}
