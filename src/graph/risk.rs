//! ID Protection resources: `riskDetection`, `riskyUser` and `riskyUserHistoryItem`, in the
//! property order of the Graph documentation's examples. v1.0 and beta share these shapes; beta
//! adds `mitreTechniqueId` to a detection (see [`beta_risk_detection`]).

use super::{SignInLocation, Text, Timestamp};
use serde::{Deserialize, Serialize};

/// One risk detection (`/identityProtection/riskDetections`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskDetection {
    pub id: Text,
    /// The sign-in's id (`signIn.id`) for a sign-in detection; `null` for a user detection.
    pub request_id: Option<Text>,
    /// The sign-in's `correlationId`; `null` when not tied to a sign-in.
    pub correlation_id: Option<Text>,
    pub risk_event_type: Text,
    pub risk_state: Text,
    pub risk_level: Text,
    pub risk_detail: Text,
    pub source: Text,
    pub detection_timing_type: Text,
    pub activity: Text,
    pub token_issuer_type: Text,
    pub ip_address: Option<Text>,
    pub activity_date_time: Timestamp,
    pub detected_date_time: Timestamp,
    pub last_updated_date_time: Timestamp,
    pub user_id: Text,
    pub user_display_name: Text,
    pub user_principal_name: Text,
    /// A string that holds JSON: `[{"Key":"userAgent","Value":"..."}, ...]`.
    pub additional_info: Text,
    pub location: Option<SignInLocation>,
}

/// A user's current risk (`/identityProtection/riskyUsers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskyUser {
    /// The user's object id.
    pub id: Text,
    pub is_deleted: bool,
    pub is_processing: bool,
    pub risk_last_updated_date_time: Timestamp,
    pub risk_level: Text,
    pub risk_state: Text,
    pub risk_detail: Text,
    pub user_display_name: Text,
    pub user_principal_name: Text,
}

/// One change of a user's risk (`/identityProtection/riskyUsers/{id}/history`): the risky
/// user it leaves behind, then who and what changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskyUserHistoryItem {
    /// `id` is the item's own (Graph reuses the user id; entralab draws one so items can be
    /// told apart); the other properties are the user's risk after the change.
    #[serde(flatten)]
    pub risk: RiskyUser,
    pub user_id: Text,
    /// The id of the actor (an admin's user id, an app's id) or `null` for the service.
    pub initiated_by: Option<Text>,
    pub activity: RiskUserActivity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskUserActivity {
    pub detail: Text,
    pub risk_event_types: Vec<Text>,
}

impl RiskyUserHistoryItem {
    /// The risky user this item leaves behind.
    pub fn user(&self) -> RiskyUser {
        RiskyUser {
            id: self.user_id.clone(),
            ..self.risk.clone()
        }
    }
}

/// MITRE ATT&CK technique of a detection type, beta's `mitreTechniqueId` (the techniques the
/// portal lists; `null` for the others).
pub fn mitre_technique(risk_event_type: &str) -> Option<&'static str> {
    Some(match risk_event_type {
        "anonymizedIPAddress" | "riskyIPAddress" => "T1090.003",
        "passwordSpray" => "T1110.003",
        "leakedCredentials" => "T1589.001",
        "anomalousToken" | "tokenIssuerAnomaly" => "T1539",
        "suspiciousInboxForwarding" => "T1114.003",
        "mcasSuspiciousInboxManipulationRules" => "T1564.008",
        "unfamiliarFeatures" | "unlikelyTravel" | "mcasImpossibleTravel" | "newCountry" => {
            "T1078.004"
        }
        _ => return None,
    })
}

/// A detection as beta writes it: v1.0's properties plus `mitreTechniqueId`.
pub fn beta_risk_detection(detection: &RiskDetection) -> serde_json::Value {
    let mut value = serde_json::to_value(detection).expect("detections serialize");
    if let serde_json::Value::Object(object) = &mut value {
        object.insert(
            "mitreTechniqueId".into(),
            mitre_technique(&detection.risk_event_type).into(),
        );
    }
    value
}

/// Property names `$select` accepts on each resource, in wire order.
pub const RISK_DETECTION_PROPERTIES: &[&str] = &[
    "id",
    "requestId",
    "correlationId",
    "riskEventType",
    "riskState",
    "riskLevel",
    "riskDetail",
    "source",
    "detectionTimingType",
    "activity",
    "tokenIssuerType",
    "ipAddress",
    "activityDateTime",
    "detectedDateTime",
    "lastUpdatedDateTime",
    "userId",
    "userDisplayName",
    "userPrincipalName",
    "additionalInfo",
    "location",
];
pub const BETA_RISK_DETECTION_PROPERTIES: &[&str] = &["mitreTechniqueId"];
/// The riskyUser properties, then `$extra` (a history item's own), in wire order.
macro_rules! risky_user_properties {
    ($($extra:literal),*) => {
        &[
            "id",
            "isDeleted",
            "isProcessing",
            "riskLastUpdatedDateTime",
            "riskLevel",
            "riskState",
            "riskDetail",
            "userDisplayName",
            "userPrincipalName",
            $($extra),*
        ]
    };
}
pub const RISKY_USER_PROPERTIES: &[&str] = risky_user_properties!();
pub const RISKY_USER_HISTORY_PROPERTIES: &[&str] =
    risky_user_properties!("userId", "initiatedBy", "activity");

#[cfg(test)]
mod tests {
    use super::*;

    fn detection() -> RiskDetection {
        let at = Timestamp::parse("2025-03-17T15:40:00Z").unwrap();
        RiskDetection {
            id: "d1".into(),
            request_id: Some("r1".into()),
            correlation_id: Some("c1".into()),
            risk_event_type: "anonymizedIPAddress".into(),
            risk_state: "atRisk".into(),
            risk_level: "medium".into(),
            risk_detail: "none".into(),
            source: "IdentityProtection".into(),
            detection_timing_type: "realtime".into(),
            activity: "signin".into(),
            token_issuer_type: "AzureAD".into(),
            ip_address: Some("185.220.101.1".into()),
            activity_date_time: at,
            detected_date_time: at,
            last_updated_date_time: at,
            user_id: "u1".into(),
            user_display_name: "User".into(),
            user_principal_name: "user@x".into(),
            additional_info: "[]".into(),
            location: None,
        }
    }

    #[test]
    fn v1_keys_follow_the_documented_order_and_beta_adds_the_technique() {
        let value = serde_json::to_value(detection()).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys, RISK_DETECTION_PROPERTIES);
        let beta = beta_risk_detection(&detection());
        assert_eq!(beta["mitreTechniqueId"], "T1090.003");
        let back: RiskDetection = serde_json::from_value(value).unwrap();
        assert_eq!(back, detection());
    }
}
