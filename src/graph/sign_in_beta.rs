//! The `signIn` properties beyond v1.0: the beta endpoint's, which the Event Hub and Log
//! Analytics exports carry too (reference graph-api.md 1.4, entra-behavior.md 4.6-4.7, 6.2-6.3).
//!
//! Every property is optional and `None` means "not decided" (the simulator did not model it)
//! or "absent" (the file did not carry it): a projection writes what is there and never fills
//! in a default.

use super::{KeyValue, Text, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The beta-only properties of a sign-in, in the order the beta resource lists them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BetaSignIn {
    /// Shared between rows that say the same (most do).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_event_types: Option<Arc<[Text]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_requirement: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_requirement_policies: Option<Arc<[AuthenticationRequirementPolicy]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_details: Option<Vec<AuthenticationDetail>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_methods_used: Option<Arc<[Text]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_protocol: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_processing_details: Option<Arc<[KeyValue]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_detail: Option<MfaDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_issuer_type: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_issuer_name: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_tenant_access_type: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incoming_token_type: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_tenant_restricted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flagged_for_review: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_time_in_milliseconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_location_details: Option<Arc<[NetworkLocationDetail]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_lifetime_policies: Option<Arc<[Value]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_request_id: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_token_identifier: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autonomous_system_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_credential_type: Option<Text>,
}

/// One step of `authenticationDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationDetail {
    pub authentication_step_date_time: Option<Timestamp>,
    pub authentication_method: Option<Text>,
    pub authentication_method_detail: Option<Text>,
    pub succeeded: Option<bool>,
    pub authentication_step_result_detail: Option<Text>,
    pub authentication_step_requirement: Option<Text>,
    /// Properties a file carried that no field holds, kept as they were.
    #[serde(flatten, default)]
    pub other: UnknownProperties,
}

/// Why the sign-in had the requirement it had (`requirementProvider`, `detail`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRequirementPolicy {
    pub requirement_provider: Option<Text>,
    pub detail: Option<Text>,
}

/// A named location the sign-in's address fell in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkLocationDetail {
    pub network_type: Option<Text>,
    #[serde(default)]
    pub network_names: Vec<Text>,
}

/// The deprecated `mfaDetail` (`MfaDetail` in Log Analytics): `{}` when no MFA was done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_method: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_detail: Option<Text>,
}

/// Properties a file carried that entralab has no field for: at the top of a record (newer Entra
/// properties such as `sessionId` or `agent`) or inside a nested object (a policy's
/// `conditionsSatisfied`), kept by name so that a record read from a file and exported again
/// loses nothing. Simulated records have none, and then it costs one pointer. Nested, it is
/// `#[serde(flatten)]`ed into its object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownProperties(pub Option<Box<Map<String, Value>>>);

impl UnknownProperties {
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().flat_map(|m| m.iter())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.as_ref().and_then(|m| m.get(key))
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn from_map(map: Map<String, Value>) -> Self {
        UnknownProperties((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl Serialize for UnknownProperties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for UnknownProperties {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(UnknownProperties::from_map)
    }
}
