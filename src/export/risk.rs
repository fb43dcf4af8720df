//! ID Protection detections in the two export shapes: the Event Hub record of the
//! `UserRiskEvents` diagnostic category, and the columns of the Log Analytics
//! `AADUserRiskEvents` table (its rows are made with the other tables',
//! [`super::loganalytics::user_risk_event_row`]). Both carry the Graph `riskDetection` (Event
//! Hub inside `properties`, Log Analytics in PascalCase columns); sources:
//! `reference/identity-protection.md` (the table's columns) and the `UserRiskEvents` samples
//! of elastic/integrations (envelope fields).

use super::timefmt::risk_envelope;
use crate::graph::RiskDetection;
use serde_json::{Value, json};

/// `operationName` of a detection in both exports.
pub const USER_RISK_OPERATION: &str = "User Risk Detection";

/// The `AADUserRiskEvents` columns, in the table's (alphabetical) order.
pub const USER_RISK_EVENT_COLUMNS: &[&str] = &[
    "Activity",
    "ActivityDateTime",
    "AdditionalInfo",
    "CorrelationId",
    "DetectedDateTime",
    "DetectionTimingType",
    "Id",
    "IpAddress",
    "LastUpdatedDateTime",
    "Location",
    "OperationName",
    "RequestId",
    "RiskDetail",
    "RiskEventType",
    "RiskLevel",
    "RiskState",
    "Source",
    "SourceSystem",
    "TenantId",
    "TimeGenerated",
    "TokenIssuerType",
    "Type",
    "UserDisplayName",
    "UserId",
    "UserPrincipalName",
];

/// The `resourceId` of ID Protection's diagnostic records: their provider in lower case,
/// `/tenants/<tenantId>/providers/microsoft.aadiam`, as in every `UserRiskEvents` and
/// `RiskyUsers` record of Elastic's real samples (sign-in and audit records write
/// `Microsoft.aadiam`).
pub fn risk_resource_id(tenant_id: &str) -> String {
    format!(
        "/tenants/{tenant_id}/providers/{}",
        super::RESOURCE_PROVIDER.to_ascii_lowercase()
    )
}

/// The diagnostic-settings category of detections.
pub const USER_RISK_CATEGORY: &str = "UserRiskEvents";

/// The Event Hub record of a detection (`category: UserRiskEvents`), with the envelope fields
/// of Elastic's `UserRiskEvents` samples in their order: `resultSignature` `None`, and
/// `location` the detection's country in lower case (`de`), left out when it has none.
pub fn user_risk_event_hub(d: &RiskDetection, tenant_id: &str) -> Value {
    let mut record = json!({
        "time": risk_envelope(d.last_updated_date_time),
        "resourceId": risk_resource_id(tenant_id),
        "operationName": USER_RISK_OPERATION,
        "operationVersion": "1.0",
        "category": USER_RISK_CATEGORY,
        "tenantId": tenant_id,
        "resultSignature": "None",
        "durationMs": 0,
        "callerIpAddress": d.ip_address,
        "correlationId": d.id,
        "identity": d.user_display_name,
        "Level": 4,
    });
    let country = d
        .location
        .as_ref()
        .and_then(|l| l.country_or_region.as_deref());
    if let Some(country) = country.filter(|c| !c.is_empty()) {
        record["location"] = Value::from(country.to_ascii_lowercase());
    }
    record["properties"] = json!(d);
    record
}
