//! The property lists of the resources (for `$select` and readers) and the beta form of a
//! sign-in.

use super::{DirectoryAudit, SignIn};
use serde_json::Value;

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
    "authenticationRequirementPolicies",
    "authenticationDetails",
    "authenticationMethodsUsed",
    "authenticationProtocol",
    "authenticationProcessingDetails",
    "mfaDetail",
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

/// The beta JSON of a directory audit: v1.0's properties and whatever else a file carried.
pub fn beta_audit(audit: &DirectoryAudit) -> Value {
    let mut value = serde_json::to_value(audit).expect("records serialize");
    if let Some(object) = value.as_object_mut() {
        for (key, v) in audit.unknown.iter() {
            object.entry(key.clone()).or_insert_with(|| v.clone());
        }
    }
    value
}

/// The beta `signInEventTypes` of a record: what it carries, else what `isInteractive` says.
pub fn sign_in_event_type(sign_in: &SignIn) -> &str {
    match sign_in.beta.sign_in_event_types.as_deref() {
        Some([first, ..]) => first,
        _ if sign_in.is_interactive == Some(false) => "nonInteractiveUser",
        _ => "interactiveUser",
    }
}

/// The beta JSON of a sign-in: v1.0's properties without `riskEventTypes`, the beta ones the
/// record has, `null` for the beta ones it has not (Graph's beta resource lists them all), and
/// whatever else a file carried.
pub fn beta_sign_in(sign_in: &SignIn) -> Value {
    let mut value = serde_json::to_value(sign_in).expect("records serialize");
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    object.shift_remove("riskEventTypes");
    if let Ok(Value::Object(beta)) = serde_json::to_value(&sign_in.beta) {
        object.extend(beta);
    }
    for key in BETA_SIGN_IN_PROPERTIES {
        object.entry(*key).or_insert(Value::Null);
    }
    for (key, v) in sign_in.unknown.iter() {
        object.entry(key.clone()).or_insert_with(|| v.clone());
    }
    value
}
