//! What `$filter` can name on each resource: property paths, their types, and how to read
//! them from a record. Names match case-insensitively.

use crate::graph::{
    AppliedConditionalAccessPolicy, DirectoryAudit, SignIn, TargetResource, Timestamp,
    sign_in_event_type,
};

/// A property value as a filter sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(Timestamp),
}

/// The type of a property, which decides the literals it may be compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Float,
    Bool,
    Time,
}

/// Every property a filter can read, across resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    /// The element itself, in a lambda over a collection of strings.
    Itself,
    Id,
    CreatedDateTime,
    UserDisplayName,
    UserPrincipalName,
    UserId,
    AppId,
    AppDisplayName,
    IpAddress,
    ClientAppUsed,
    CorrelationId,
    ConditionalAccessStatus,
    IsInteractive,
    RiskDetail,
    RiskLevelAggregated,
    RiskLevelDuringSignIn,
    RiskState,
    ResourceDisplayName,
    ResourceId,
    UserAgent,
    StatusErrorCode,
    StatusFailureReason,
    StatusAdditionalDetails,
    DeviceId,
    DeviceDisplayName,
    DeviceOperatingSystem,
    DeviceBrowser,
    DeviceIsCompliant,
    DeviceIsManaged,
    DeviceTrustType,
    LocationCity,
    LocationState,
    LocationCountryOrRegion,
    // directoryAudit
    Category,
    Result,
    ResultReason,
    ActivityDisplayName,
    ActivityDateTime,
    LoggedByService,
    OperationType,
    InitiatedByUserId,
    InitiatedByUserDisplayName,
    InitiatedByUserPrincipalName,
    InitiatedByUserIpAddress,
    InitiatedByAppId,
    InitiatedByAppDisplayName,
    InitiatedByAppServicePrincipalId,
    InitiatedByAppServicePrincipalName,
    // targetResource
    TargetId,
    TargetDisplayName,
    TargetType,
    TargetUserPrincipalName,
    // appliedConditionalAccessPolicy
    PolicyId,
    PolicyDisplayName,
    PolicyResult,
    // riskDetection, riskyUser, riskyUserHistoryItem (`risk_schema`)
    RequestId,
    RiskEventType,
    RiskLevel,
    RiskSource,
    DetectionTimingType,
    RiskActivity,
    TokenIssuerType,
    DetectedDateTime,
    LastUpdatedDateTime,
    RiskLastUpdatedDateTime,
    IsDeleted,
    IsProcessing,
    InitiatedBy,
}

/// Every collection a lambda can range over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coll {
    RiskEventTypes,
    RiskEventTypesV2,
    SignInEventTypes,
    AppliedConditionalAccessPolicies,
    TargetResources,
}

pub struct Schema {
    pub name: &'static str,
    pub properties: &'static [(&'static str, Prop, Kind)],
    pub collections: &'static [(&'static str, Coll, &'static Schema)],
    /// The property `$orderby` and time windows use.
    pub time: Option<Prop>,
}

impl Schema {
    pub fn property(&self, path: &str) -> Option<(Prop, Kind)> {
        self.properties
            .iter()
            .find(|(p, _, _)| p.eq_ignore_ascii_case(path))
            .map(|(_, prop, kind)| (*prop, *kind))
    }

    pub fn collection(&self, path: &str) -> Option<(Coll, &'static Schema)> {
        self.collections
            .iter()
            .find(|(p, _, _)| p.eq_ignore_ascii_case(path))
            .map(|(_, c, s)| (*c, *s))
    }
}

/// Something a filter can be evaluated on.
pub trait Entity {
    fn get(&self, prop: Prop) -> Val<'_>;
    /// Calls `visit` on each element of `coll` until it returns true; returns whether it did.
    fn any(&self, coll: Coll, visit: &mut dyn FnMut(&dyn Entity) -> bool) -> bool;
}

static STRING_ELEMENT: Schema = Schema {
    name: "string",
    properties: &[("", Prop::Itself, Kind::Str)],
    collections: &[],
    time: None,
};

static TARGET_RESOURCE: Schema = Schema {
    name: "targetResource",
    properties: &[
        ("id", Prop::TargetId, Kind::Str),
        ("displayName", Prop::TargetDisplayName, Kind::Str),
        ("type", Prop::TargetType, Kind::Str),
        (
            "userPrincipalName",
            Prop::TargetUserPrincipalName,
            Kind::Str,
        ),
    ],
    collections: &[],
    time: None,
};

static APPLIED_POLICY: Schema = Schema {
    name: "appliedConditionalAccessPolicy",
    properties: &[
        ("id", Prop::PolicyId, Kind::Str),
        ("displayName", Prop::PolicyDisplayName, Kind::Str),
        ("result", Prop::PolicyResult, Kind::Str),
    ],
    collections: &[],
    time: None,
};

const SIGN_IN_PROPERTIES: &[(&str, Prop, Kind)] = &[
    ("id", Prop::Id, Kind::Str),
    ("createdDateTime", Prop::CreatedDateTime, Kind::Time),
    ("userDisplayName", Prop::UserDisplayName, Kind::Str),
    ("userPrincipalName", Prop::UserPrincipalName, Kind::Str),
    ("userId", Prop::UserId, Kind::Str),
    ("appId", Prop::AppId, Kind::Str),
    ("appDisplayName", Prop::AppDisplayName, Kind::Str),
    ("ipAddress", Prop::IpAddress, Kind::Str),
    ("clientAppUsed", Prop::ClientAppUsed, Kind::Str),
    ("correlationId", Prop::CorrelationId, Kind::Str),
    (
        "conditionalAccessStatus",
        Prop::ConditionalAccessStatus,
        Kind::Str,
    ),
    ("isInteractive", Prop::IsInteractive, Kind::Bool),
    ("riskDetail", Prop::RiskDetail, Kind::Str),
    ("riskLevelAggregated", Prop::RiskLevelAggregated, Kind::Str),
    (
        "riskLevelDuringSignIn",
        Prop::RiskLevelDuringSignIn,
        Kind::Str,
    ),
    ("riskState", Prop::RiskState, Kind::Str),
    ("resourceDisplayName", Prop::ResourceDisplayName, Kind::Str),
    ("resourceId", Prop::ResourceId, Kind::Str),
    ("userAgent", Prop::UserAgent, Kind::Str),
    ("status/errorCode", Prop::StatusErrorCode, Kind::Int),
    ("status/failureReason", Prop::StatusFailureReason, Kind::Str),
    (
        "status/additionalDetails",
        Prop::StatusAdditionalDetails,
        Kind::Str,
    ),
    ("deviceDetail/deviceId", Prop::DeviceId, Kind::Str),
    (
        "deviceDetail/displayName",
        Prop::DeviceDisplayName,
        Kind::Str,
    ),
    (
        "deviceDetail/operatingSystem",
        Prop::DeviceOperatingSystem,
        Kind::Str,
    ),
    ("deviceDetail/browser", Prop::DeviceBrowser, Kind::Str),
    (
        "deviceDetail/isCompliant",
        Prop::DeviceIsCompliant,
        Kind::Bool,
    ),
    ("deviceDetail/isManaged", Prop::DeviceIsManaged, Kind::Bool),
    ("deviceDetail/trustType", Prop::DeviceTrustType, Kind::Str),
    ("location/city", Prop::LocationCity, Kind::Str),
    ("location/state", Prop::LocationState, Kind::Str),
    (
        "location/countryOrRegion",
        Prop::LocationCountryOrRegion,
        Kind::Str,
    ),
];

pub static SIGN_IN: Schema = Schema {
    name: "signIn",
    properties: SIGN_IN_PROPERTIES,
    collections: &[
        ("riskEventTypes", Coll::RiskEventTypes, &STRING_ELEMENT),
        ("riskEventTypes_v2", Coll::RiskEventTypesV2, &STRING_ELEMENT),
        (
            "appliedConditionalAccessPolicies",
            Coll::AppliedConditionalAccessPolicies,
            &APPLIED_POLICY,
        ),
    ],
    time: Some(Prop::CreatedDateTime),
};

/// beta: v1.0 plus `signInEventTypes`.
pub static SIGN_IN_BETA: Schema = Schema {
    name: "signIn",
    properties: SIGN_IN_PROPERTIES,
    collections: &[
        ("riskEventTypes_v2", Coll::RiskEventTypesV2, &STRING_ELEMENT),
        (
            "appliedConditionalAccessPolicies",
            Coll::AppliedConditionalAccessPolicies,
            &APPLIED_POLICY,
        ),
        ("signInEventTypes", Coll::SignInEventTypes, &STRING_ELEMENT),
    ],
    time: Some(Prop::CreatedDateTime),
};

pub static DIRECTORY_AUDIT: Schema = Schema {
    name: "directoryAudit",
    properties: &[
        ("id", Prop::Id, Kind::Str),
        ("category", Prop::Category, Kind::Str),
        ("correlationId", Prop::CorrelationId, Kind::Str),
        ("result", Prop::Result, Kind::Str),
        ("resultReason", Prop::ResultReason, Kind::Str),
        ("activityDisplayName", Prop::ActivityDisplayName, Kind::Str),
        ("activityDateTime", Prop::ActivityDateTime, Kind::Time),
        ("loggedByService", Prop::LoggedByService, Kind::Str),
        ("operationType", Prop::OperationType, Kind::Str),
        ("initiatedBy/user/id", Prop::InitiatedByUserId, Kind::Str),
        (
            "initiatedBy/user/displayName",
            Prop::InitiatedByUserDisplayName,
            Kind::Str,
        ),
        (
            "initiatedBy/user/userPrincipalName",
            Prop::InitiatedByUserPrincipalName,
            Kind::Str,
        ),
        (
            "initiatedBy/user/ipAddress",
            Prop::InitiatedByUserIpAddress,
            Kind::Str,
        ),
        ("initiatedBy/app/appId", Prop::InitiatedByAppId, Kind::Str),
        (
            "initiatedBy/app/displayName",
            Prop::InitiatedByAppDisplayName,
            Kind::Str,
        ),
        (
            "initiatedBy/app/servicePrincipalId",
            Prop::InitiatedByAppServicePrincipalId,
            Kind::Str,
        ),
        (
            "initiatedBy/app/servicePrincipalName",
            Prop::InitiatedByAppServicePrincipalName,
            Kind::Str,
        ),
    ],
    collections: &[("targetResources", Coll::TargetResources, &TARGET_RESOURCE)],
    time: Some(Prop::ActivityDateTime),
};

pub(super) fn text(value: &Option<crate::graph::Text>) -> Val<'_> {
    value.as_deref().map_or(Val::Null, Val::Str)
}

fn flag(value: Option<bool>) -> Val<'static> {
    value.map_or(Val::Null, Val::Bool)
}

impl Entity for SignIn {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::Id => Val::Str(&self.id),
            Prop::CreatedDateTime => Val::Time(self.created_date_time),
            Prop::UserDisplayName => text(&self.user_display_name),
            Prop::UserPrincipalName => text(&self.user_principal_name),
            Prop::UserId => text(&self.user_id),
            Prop::AppId => text(&self.app_id),
            Prop::AppDisplayName => text(&self.app_display_name),
            Prop::IpAddress => text(&self.ip_address),
            Prop::ClientAppUsed => text(&self.client_app_used),
            Prop::CorrelationId => text(&self.correlation_id),
            Prop::ConditionalAccessStatus => text(&self.conditional_access_status),
            Prop::IsInteractive => flag(self.is_interactive),
            Prop::RiskDetail => text(&self.risk_detail),
            Prop::RiskLevelAggregated => text(&self.risk_level_aggregated),
            Prop::RiskLevelDuringSignIn => text(&self.risk_level_during_sign_in),
            Prop::RiskState => text(&self.risk_state),
            Prop::ResourceDisplayName => text(&self.resource_display_name),
            Prop::ResourceId => text(&self.resource_id),
            Prop::UserAgent => text(&self.user_agent),
            Prop::StatusErrorCode => Val::Int(i64::from(self.status.error_code)),
            Prop::StatusFailureReason => text(&self.status.failure_reason),
            Prop::StatusAdditionalDetails => text(&self.status.additional_details),
            Prop::DeviceId => text(&self.device_detail.device_id),
            Prop::DeviceDisplayName => text(&self.device_detail.display_name),
            Prop::DeviceOperatingSystem => text(&self.device_detail.operating_system),
            Prop::DeviceBrowser => text(&self.device_detail.browser),
            Prop::DeviceIsCompliant => flag(self.device_detail.is_compliant),
            Prop::DeviceIsManaged => flag(self.device_detail.is_managed),
            Prop::DeviceTrustType => text(&self.device_detail.trust_type),
            Prop::LocationCity => text(&self.location.city),
            Prop::LocationState => text(&self.location.state),
            Prop::LocationCountryOrRegion => text(&self.location.country_or_region),
            _ => Val::Null,
        }
    }

    fn any(&self, coll: Coll, visit: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        match coll {
            Coll::RiskEventTypes => self.risk_event_types.iter().any(|t| visit(&StrElement(t))),
            Coll::RiskEventTypesV2 => self
                .risk_event_types_v2
                .iter()
                .any(|t| visit(&StrElement(t))),
            Coll::AppliedConditionalAccessPolicies => self
                .applied_conditional_access_policies
                .iter()
                .any(|p| visit(p)),
            Coll::SignInEventTypes => visit(&StrElement(sign_in_event_type(self))),
            Coll::TargetResources => false,
        }
    }
}

impl Entity for DirectoryAudit {
    fn get(&self, prop: Prop) -> Val<'_> {
        let user = self.initiated_by.user.as_ref();
        let app = self.initiated_by.app.as_ref();
        match prop {
            Prop::Id => Val::Str(&self.id),
            Prop::Category => text(&self.category),
            Prop::CorrelationId => text(&self.correlation_id),
            Prop::Result => text(&self.result),
            Prop::ResultReason => text(&self.result_reason),
            Prop::ActivityDisplayName => text(&self.activity_display_name),
            Prop::ActivityDateTime => Val::Time(self.activity_date_time),
            Prop::LoggedByService => text(&self.logged_by_service),
            Prop::OperationType => text(&self.operation_type),
            Prop::InitiatedByUserId => user.map_or(Val::Null, |u| text(&u.id)),
            Prop::InitiatedByUserDisplayName => user.map_or(Val::Null, |u| text(&u.display_name)),
            Prop::InitiatedByUserPrincipalName => {
                user.map_or(Val::Null, |u| text(&u.user_principal_name))
            }
            Prop::InitiatedByUserIpAddress => user.map_or(Val::Null, |u| text(&u.ip_address)),
            Prop::InitiatedByAppId => app.map_or(Val::Null, |a| text(&a.app_id)),
            Prop::InitiatedByAppDisplayName => app.map_or(Val::Null, |a| text(&a.display_name)),
            Prop::InitiatedByAppServicePrincipalId => {
                app.map_or(Val::Null, |a| text(&a.service_principal_id))
            }
            Prop::InitiatedByAppServicePrincipalName => {
                app.map_or(Val::Null, |a| text(&a.service_principal_name))
            }
            _ => Val::Null,
        }
    }

    fn any(&self, coll: Coll, visit: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        match coll {
            Coll::TargetResources => self.target_resources.iter().any(|t| visit(t)),
            _ => false,
        }
    }
}

impl Entity for TargetResource {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::TargetId => text(&self.id),
            Prop::TargetDisplayName => text(&self.display_name),
            Prop::TargetType => text(&self.resource_type),
            Prop::TargetUserPrincipalName => text(&self.user_principal_name),
            _ => Val::Null,
        }
    }

    fn any(&self, _: Coll, _: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        false
    }
}

impl Entity for AppliedConditionalAccessPolicy {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::PolicyId => Val::Str(&self.id),
            Prop::PolicyDisplayName => text(&self.display_name),
            Prop::PolicyResult => text(&self.result),
            _ => Val::Null,
        }
    }

    fn any(&self, _: Coll, _: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        false
    }
}

/// A string element of a collection, in a lambda.
pub struct StrElement<'a>(pub &'a str);

impl Entity for StrElement<'_> {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::Itself => Val::Str(self.0),
            _ => Val::Null,
        }
    }

    fn any(&self, _: Coll, _: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        false
    }
}
