//! The v1.0 `signIn` resource. Field order follows the record the reference lab got back from
//! Graph; the properties the v1.0 schema has beyond it come last.

use super::{BetaSignIn, Text, Timestamp, UnknownProperties};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub id: Text,
    /// Simulated rows carry whole seconds, as the reference lab's do; a row read from a file
    /// keeps the fraction it had.
    pub created_date_time: Timestamp,
    pub user_display_name: Option<Text>,
    pub user_principal_name: Option<Text>,
    pub user_id: Option<Text>,
    pub app_id: Option<Text>,
    pub app_display_name: Option<Text>,
    pub ip_address: Option<Text>,
    pub client_app_used: Option<Text>,
    pub correlation_id: Option<Text>,
    pub conditional_access_status: Option<Text>,
    pub is_interactive: Option<bool>,
    pub risk_detail: Option<Text>,
    pub risk_level_aggregated: Option<Text>,
    pub risk_level_during_sign_in: Option<Text>,
    pub risk_state: Option<Text>,
    #[serde(default)]
    pub risk_event_types: Vec<Text>,
    #[serde(rename = "riskEventTypes_v2", default)]
    pub risk_event_types_v2: Vec<Text>,
    pub resource_display_name: Option<Text>,
    pub resource_id: Option<Text>,
    pub status: SignInStatus,
    pub device_detail: DeviceDetail,
    pub location: SignInLocation,
    #[serde(default)]
    pub applied_conditional_access_policies: Vec<AppliedConditionalAccessPolicy>,
    #[serde(default)]
    pub authentication_app_device_details: Option<serde_json::Value>,
    #[serde(default)]
    pub home_tenant_id: Option<Text>,
    #[serde(default)]
    pub resource_tenant_id: Option<Text>,
    #[serde(default)]
    pub service_principal_id: Option<Text>,
    #[serde(default)]
    pub service_principal_name: Option<Text>,
    #[serde(default)]
    pub user_agent: Option<Text>,
    /// The beta-only properties (the Event Hub and Log Analytics exports carry them too). Not
    /// part of the v1.0 form this type serializes to; see [`super::beta_sign_in`].
    #[serde(skip)]
    pub beta: BetaSignIn,
    /// Properties a file carried that no field holds.
    #[serde(skip)]
    pub unknown: UnknownProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInStatus {
    pub error_code: i32,
    pub failure_reason: Option<Text>,
    pub additional_details: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDetail {
    pub device_id: Option<Text>,
    pub display_name: Option<Text>,
    pub operating_system: Option<Text>,
    pub browser: Option<Text>,
    pub is_compliant: Option<bool>,
    pub is_managed: Option<bool>,
    pub trust_type: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInLocation {
    pub city: Option<Text>,
    pub state: Option<Text>,
    pub country_or_region: Option<Text>,
    pub geo_coordinates: GeoCoordinates,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoCoordinates {
    pub altitude: Option<f64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedConditionalAccessPolicy {
    pub id: Text,
    pub display_name: Option<Text>,
    #[serde(default)]
    pub enforced_grant_controls: Vec<Text>,
    #[serde(default)]
    pub enforced_session_controls: Vec<Text>,
    pub result: Option<Text>,
    /// Properties a file carried that no field holds, kept as they were.
    #[serde(flatten, default)]
    pub other: UnknownProperties,
}
