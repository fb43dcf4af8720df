//! The v1.0 `directoryAudit` resource, in the field order of the reference lab's rows.

use super::{Text, Timestamp, UnknownProperties};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryAudit {
    pub id: Text,
    pub category: Option<Text>,
    pub correlation_id: Option<Text>,
    pub result: Option<Text>,
    pub result_reason: Option<Text>,
    pub activity_display_name: Option<Text>,
    pub activity_date_time: Timestamp,
    pub logged_by_service: Option<Text>,
    pub operation_type: Option<Text>,
    pub initiated_by: AuditActivityInitiator,
    #[serde(default)]
    pub target_resources: Vec<TargetResource>,
    #[serde(default)]
    pub additional_details: Vec<KeyValue>,
    /// Properties a file carried that no field holds (beta's `userAgent`, newer ones).
    #[serde(skip)]
    pub unknown: UnknownProperties,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AuditActivityInitiator {
    pub app: Option<AppIdentity>,
    pub user: Option<UserIdentity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    pub id: Option<Text>,
    pub display_name: Option<Text>,
    pub user_principal_name: Option<Text>,
    pub ip_address: Option<Text>,
    #[serde(default)]
    pub user_type: Option<Text>,
    #[serde(default)]
    pub home_tenant_id: Option<Text>,
    #[serde(default)]
    pub home_tenant_name: Option<Text>,
    /// Properties a file carried that no field holds, kept as they were.
    #[serde(flatten, default)]
    pub other: UnknownProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppIdentity {
    pub app_id: Option<Text>,
    pub display_name: Option<Text>,
    pub service_principal_id: Option<Text>,
    pub service_principal_name: Option<Text>,
    /// Properties a file carried that no field holds, kept as they were.
    #[serde(flatten, default)]
    pub other: UnknownProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetResource {
    pub id: Option<Text>,
    pub display_name: Option<Text>,
    #[serde(rename = "type")]
    pub resource_type: Option<Text>,
    #[serde(default)]
    pub user_principal_name: Option<Text>,
    #[serde(default)]
    pub group_type: Option<Text>,
    #[serde(default)]
    pub modified_properties: Vec<ModifiedProperty>,
    /// Properties a file carried that no field holds, kept as they were.
    #[serde(flatten, default)]
    pub other: UnknownProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedProperty {
    pub display_name: Option<Text>,
    pub old_value: Option<Text>,
    pub new_value: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: Option<Text>,
    pub value: Option<Text>,
}
