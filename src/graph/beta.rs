//! The beta form of a sign-in: v1.0's properties without `riskEventTypes`, plus the beta-only
//! properties, derived from what the v1.0 record says.

use super::SignIn;
use serde_json::{Value, json};

/// Top-level properties of a v1.0 `signIn`, for `$select`.
pub const SIGN_IN_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "clientAppUsed",
    "correlationId",
    "conditionalAccessStatus",
    "isInteractive",
    "riskDetail",
    "riskLevelAggregated",
    "riskLevelDuringSignIn",
    "riskState",
    "riskEventTypes",
    "riskEventTypes_v2",
    "resourceDisplayName",
    "resourceId",
    "status",
    "deviceDetail",
    "location",
    "appliedConditionalAccessPolicies",
    "authenticationAppDeviceDetails",
    "homeTenantId",
    "resourceTenantId",
    "servicePrincipalId",
    "servicePrincipalName",
    "userAgent",
];

/// Properties beta adds.
pub const BETA_SIGN_IN_PROPERTIES: &[&str] = &[
    "signInEventTypes",
    "userType",
    "authenticationRequirement",
    "authenticationDetails",
    "authenticationMethodsUsed",
    "authenticationProtocol",
    "authenticationProcessingDetails",
    "tokenIssuerType",
    "tokenIssuerName",
    "crossTenantAccessType",
    "incomingTokenType",
    "isTenantRestricted",
    "flaggedForReview",
    "processingTimeInMilliseconds",
    "networkLocationDetails",
    "sessionLifetimePolicies",
    "originalRequestId",
    "uniqueTokenIdentifier",
    "autonomousSystemNumber",
    "clientCredentialType",
];

/// Top-level properties of a `directoryAudit`, for `$select`.
pub const DIRECTORY_AUDIT_PROPERTIES: &[&str] = &[
    "id",
    "category",
    "correlationId",
    "result",
    "resultReason",
    "activityDisplayName",
    "activityDateTime",
    "loggedByService",
    "operationType",
    "initiatedBy",
    "targetResources",
    "additionalDetails",
];

/// The beta `signInEventTypes` value of a v1.0 record.
pub fn sign_in_event_type(sign_in: &SignIn) -> &'static str {
    if sign_in.is_interactive == Some(false) {
        "nonInteractiveUser"
    } else {
        "interactiveUser"
    }
}

/// The beta JSON of a sign-in.
pub fn beta_sign_in(sign_in: &SignIn) -> Value {
    let mut value = serde_json::to_value(sign_in).expect("records serialize");
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    object.remove("riskEventTypes");
    let code = sign_in.status.error_code;
    let password_ok = !matches!(code, 50126 | 50053);
    let step_detail = match code {
        50126 => "Invalid username or password or Invalid on-premise username or password.",
        50053 => "Account is locked",
        _ => "Correct password",
    };
    let created = object
        .get("createdDateTime")
        .cloned()
        .unwrap_or(Value::Null);
    // A stable, plausible processing time from the request id.
    let processing = sign_in
        .id
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 400
        + 80;
    let extra = json!({
        "signInEventTypes": [sign_in_event_type(sign_in)],
        "userType": "member",
        "authenticationRequirement": "singleFactorAuthentication",
        "authenticationDetails": [{
            "authenticationStepDateTime": created,
            "authenticationMethod": "Password",
            "authenticationMethodDetail": "Password in the cloud",
            "succeeded": password_ok,
            "authenticationStepResultDetail": step_detail,
            "authenticationStepRequirement": "Primary authentication",
        }],
        "authenticationMethodsUsed": if password_ok { json!(["Password"]) } else { json!([]) },
        "authenticationProtocol": "none",
        "authenticationProcessingDetails": [],
        "tokenIssuerType": "AzureAD",
        "tokenIssuerName": "",
        "crossTenantAccessType": "none",
        "incomingTokenType": "none",
        "isTenantRestricted": false,
        "flaggedForReview": false,
        "processingTimeInMilliseconds": processing,
        "networkLocationDetails": [],
        "sessionLifetimePolicies": [],
        "originalRequestId": sign_in.id.as_ref(),
        "uniqueTokenIdentifier": null,
        "autonomousSystemNumber": null,
        "clientCredentialType": "none",
    });
    if let Value::Object(extra) = extra {
        object.extend(extra);
    }
    value
}
