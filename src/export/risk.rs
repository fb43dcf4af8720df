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
        "identity": risk_identity(&d.user_display_name),
        "Level": 4,
    });
    let country = d
        .location
        .as_ref()
        .and_then(|l| l.country_or_region.as_deref());
    if let Some(country) = country.filter(|c| !c.is_empty()) {
        record["location"] = Value::from(country.to_ascii_lowercase());
    }
    record["properties"] = event_hub_properties(d, tenant_id);
    record
}

/// The envelope's `identity`: the user's display name in lower case, as in every record of
/// Elastic's `UserRiskEvents` and `RiskyUsers` samples (`joe danger` for `Joe Danger`).
pub fn risk_identity(display_name: &str) -> String {
    display_name.to_lowercase()
}

/// The properties in the order of Elastic's real `UserRiskEvents` records, which is not
/// Graph's, with their deprecated `riskType` beside `riskEventType`, and after
/// `tokenIssuerType` the user's tenancy those records end with (Graph's `riskDetection` has
/// none of it): see [`RISK_USER_TYPE`].
fn event_hub_properties(d: &RiskDetection, tenant_id: &str) -> Value {
    const ORDER: &[&str] = &[
        "id",
        "requestId",
        "correlationId",
        "riskType",
        "riskEventType",
        "riskState",
        "riskLevel",
        "riskDetail",
        "source",
        "detectionTimingType",
        "activity",
        "ipAddress",
        "location",
        "activityDateTime",
        "detectedDateTime",
        "lastUpdatedDateTime",
        "userId",
        "userDisplayName",
        "userPrincipalName",
        "additionalInfo",
        "tokenIssuerType",
        "resourceTenantId",
        "homeTenantId",
        "userType",
        "crossTenantAccessType",
    ];
    let mut graph = json!(d);
    graph["riskType"] = Value::from(legacy_risk_type(&d.risk_event_type));
    graph["resourceTenantId"] = Value::Null;
    graph["homeTenantId"] = Value::from(tenant_id);
    graph["userType"] = Value::from(RISK_USER_TYPE);
    graph["crossTenantAccessType"] = Value::from(RISK_CROSS_TENANT_ACCESS_TYPE);
    in_order(graph, ORDER)
}

/// Who a detection's or a risky user's user is to the tenant, as ID Protection's diagnostic
/// records (not Graph) say it: every `UserRiskEvents` record of Elastic's samples ends with
/// `resourceTenantId: null`, `homeTenantId` the tenant, `userType: member` (lower case, unlike
/// the sign-ins' `Member`) and `crossTenantAccessType: none`, and every `RiskyUsers` record has
/// `isGuest: false`. entralab decides risk only for the scenario's users and population, all
/// members of the tenant, so these are the values of every record it writes; a file converted
/// from a real tenant's logs gets them too (its readers keep the Graph properties only).
pub const RISK_USER_TYPE: &str = "member";
/// See [`RISK_USER_TYPE`].
pub const RISK_CROSS_TENANT_ACCESS_TYPE: &str = "none";
/// See [`RISK_USER_TYPE`].
pub const RISK_USER_IS_GUEST: bool = false;

/// `object`'s properties, those named in `order` first and in that order, then the others as
/// they were (anything the model adds later keeps a place).
pub(super) fn in_order(object: Value, order: &[&str]) -> Value {
    let Value::Object(mut rest) = object else {
        return object;
    };
    let mut ordered = serde_json::Map::with_capacity(rest.len());
    for key in order {
        if let Some(value) = rest.shift_remove(*key) {
            ordered.insert((*key).to_string(), value);
        }
    }
    ordered.extend(rest);
    Value::Object(ordered)
}

/// The deprecated `riskType`: the detection's type when the old `riskEventType` enum has it,
/// else `generic` (Elastic's `passwordSpray` sample is `generic`).
fn legacy_risk_type(event_type: &str) -> &str {
    const LEGACY: &[&str] = &[
        "unlikelyTravel",
        "anonymizedIPAddress",
        "maliciousIPAddress",
        "unfamiliarFeatures",
        "malwareInfectedIPAddress",
        "suspiciousIPAddress",
        "leakedCredentials",
        "investigationsThreatIntelligence",
        "generic",
        "adminConfirmedUserCompromised",
        "mcasImpossibleTravel",
        "mcasSuspiciousInboxManipulationRules",
        "investigationsThreatIntelligenceSigninLinked",
        "maliciousIPAddressValidCredentialsBlockedIP",
    ];
    if LEGACY.contains(&event_type) {
        event_type
    } else {
        "generic"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deprecated_risk_type_is_generic_past_the_old_enum() {
        assert_eq!(
            legacy_risk_type("anonymizedIPAddress"),
            "anonymizedIPAddress"
        );
        assert_eq!(legacy_risk_type("passwordSpray"), "generic");
        assert_eq!(legacy_risk_type("generic"), "generic");
    }
}
