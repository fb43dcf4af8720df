//! ID Protection detections in the two export shapes: the Event Hub record of the
//! `UserRiskEvents` diagnostic category and the Log Analytics `AADUserRiskEvents` row. Both
//! carry the Graph `riskDetection` (Event Hub inside `properties`, Log Analytics in PascalCase
//! columns); sources: `reference/identity-protection.md` (the table's columns) and the
//! `UserRiskEvents` samples of elastic/integrations (envelope fields).

use super::resource_id;
use crate::graph::Precision;
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

/// The Log Analytics row of a detection, in [`USER_RISK_EVENT_COLUMNS`] order. String
/// columns are never null in the table: a property Graph leaves null is `""`.
pub fn user_risk_event_row(d: &RiskDetection, tenant_id: &str) -> Vec<(&'static str, Value)> {
    let time = |t| Value::from(super::risk_files::table_time(t));
    // AdditionalInfo is a dynamic column: the JSON the Graph string holds.
    let info = serde_json::from_str(&d.additional_info).unwrap_or(Value::Null);
    let values = [
        Value::from(&*d.activity),
        time(d.activity_date_time),
        info,
        Value::from(d.correlation_id.as_deref().unwrap_or_default()),
        time(d.detected_date_time),
        Value::from(&*d.detection_timing_type),
        Value::from(&*d.id),
        Value::from(d.ip_address.as_deref().unwrap_or_default()),
        time(d.last_updated_date_time),
        serde_json::to_value(&d.location).unwrap_or(Value::Null),
        Value::from(USER_RISK_OPERATION),
        Value::from(d.request_id.as_deref().unwrap_or_default()),
        Value::from(&*d.risk_detail),
        Value::from(&*d.risk_event_type),
        Value::from(&*d.risk_level),
        Value::from(&*d.risk_state),
        Value::from(&*d.source),
        Value::from("Azure AD"),
        Value::from(tenant_id),
        time(d.detected_date_time),
        Value::from(&*d.token_issuer_type),
        Value::from("AADUserRiskEvents"),
        Value::from(&*d.user_display_name),
        Value::from(&*d.user_id),
        Value::from(&*d.user_principal_name),
    ];
    USER_RISK_EVENT_COLUMNS
        .iter()
        .copied()
        .zip(values)
        .collect()
}

/// The diagnostic-settings category of detections.
pub const USER_RISK_CATEGORY: &str = "UserRiskEvents";

/// The Event Hub record of a detection (`category: UserRiskEvents`), with the envelope fields
/// of Elastic's `UserRiskEvents` samples in their order: `resultSignature` `None`, and
/// `location` the detection's country in lower case (`de`), left out when it has none.
pub fn user_risk_event_hub(d: &RiskDetection, tenant_id: &str) -> Value {
    let mut record = json!({
        "time": d.detected_date_time.to_graph_string(Precision::Ticks),
        "resourceId": resource_id(tenant_id),
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
