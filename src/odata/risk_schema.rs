//! What `$filter` can name on the ID Protection resources (`riskDetection`, `riskyUser`,
//! `riskyUserHistoryItem`), and how to read it from a record.

use super::schema::{Coll, Entity, Kind, Prop, Schema, Val, text};
use crate::graph::{RiskDetection, RiskyUser, RiskyUserHistoryItem};

pub static RISK_DETECTION: Schema = Schema {
    name: "riskDetection",
    properties: &[
        ("id", Prop::Id, Kind::Str),
        ("requestId", Prop::RequestId, Kind::Str),
        ("correlationId", Prop::CorrelationId, Kind::Str),
        ("riskEventType", Prop::RiskEventType, Kind::Str),
        ("riskState", Prop::RiskState, Kind::Str),
        ("riskLevel", Prop::RiskLevel, Kind::Str),
        ("riskDetail", Prop::RiskDetail, Kind::Str),
        ("source", Prop::RiskSource, Kind::Str),
        ("detectionTimingType", Prop::DetectionTimingType, Kind::Str),
        ("activity", Prop::RiskActivity, Kind::Str),
        ("tokenIssuerType", Prop::TokenIssuerType, Kind::Str),
        ("ipAddress", Prop::IpAddress, Kind::Str),
        ("activityDateTime", Prop::ActivityDateTime, Kind::Time),
        ("detectedDateTime", Prop::DetectedDateTime, Kind::Time),
        ("lastUpdatedDateTime", Prop::LastUpdatedDateTime, Kind::Time),
        ("userId", Prop::UserId, Kind::Str),
        ("userDisplayName", Prop::UserDisplayName, Kind::Str),
        ("userPrincipalName", Prop::UserPrincipalName, Kind::Str),
        ("location/city", Prop::LocationCity, Kind::Str),
        (
            "location/countryOrRegion",
            Prop::LocationCountryOrRegion,
            Kind::Str,
        ),
    ],
    collections: &[],
    time: Some(Prop::DetectedDateTime),
};

/// What `$filter` can name on a riskyUser, then `$extra` (a history item's own).
macro_rules! risky_user_filters {
    ($($extra:expr),*) => {
        &[
            ("id", Prop::Id, Kind::Str),
            ("isDeleted", Prop::IsDeleted, Kind::Bool),
            ("isProcessing", Prop::IsProcessing, Kind::Bool),
            ("riskLastUpdatedDateTime", Prop::RiskLastUpdatedDateTime, Kind::Time),
            ("riskLevel", Prop::RiskLevel, Kind::Str),
            ("riskState", Prop::RiskState, Kind::Str),
            ("riskDetail", Prop::RiskDetail, Kind::Str),
            ("userDisplayName", Prop::UserDisplayName, Kind::Str),
            ("userPrincipalName", Prop::UserPrincipalName, Kind::Str),
            $($extra),*
        ]
    };
}

pub static RISKY_USER: Schema = Schema {
    name: "riskyUser",
    properties: risky_user_filters!(),
    collections: &[],
    time: Some(Prop::RiskLastUpdatedDateTime),
};

pub static RISKY_USER_HISTORY: Schema = Schema {
    name: "riskyUserHistoryItem",
    properties: risky_user_filters!(
        ("userId", Prop::UserId, Kind::Str),
        ("initiatedBy", Prop::InitiatedBy, Kind::Str)
    ),
    collections: &[],
    time: Some(Prop::RiskLastUpdatedDateTime),
};

impl Entity for RiskDetection {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::Id => Val::Str(&self.id),
            Prop::RequestId => text(&self.request_id),
            Prop::CorrelationId => text(&self.correlation_id),
            Prop::RiskEventType => Val::Str(&self.risk_event_type),
            Prop::RiskState => Val::Str(&self.risk_state),
            Prop::RiskLevel => Val::Str(&self.risk_level),
            Prop::RiskDetail => Val::Str(&self.risk_detail),
            Prop::RiskSource => Val::Str(&self.source),
            Prop::DetectionTimingType => Val::Str(&self.detection_timing_type),
            Prop::RiskActivity => Val::Str(&self.activity),
            Prop::TokenIssuerType => Val::Str(&self.token_issuer_type),
            Prop::IpAddress => text(&self.ip_address),
            Prop::ActivityDateTime => Val::Time(self.activity_date_time),
            Prop::DetectedDateTime => Val::Time(self.detected_date_time),
            Prop::LastUpdatedDateTime => Val::Time(self.last_updated_date_time),
            Prop::UserId => Val::Str(&self.user_id),
            Prop::UserDisplayName => Val::Str(&self.user_display_name),
            Prop::UserPrincipalName => Val::Str(&self.user_principal_name),
            Prop::LocationCity => self.location.as_ref().map_or(Val::Null, |l| text(&l.city)),
            Prop::LocationCountryOrRegion => self
                .location
                .as_ref()
                .map_or(Val::Null, |l| text(&l.country_or_region)),
            _ => Val::Null,
        }
    }

    fn any(&self, _: Coll, _: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        false
    }
}

impl Entity for RiskyUser {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::Id => Val::Str(&self.id),
            Prop::IsDeleted => Val::Bool(self.is_deleted),
            Prop::IsProcessing => Val::Bool(self.is_processing),
            Prop::RiskLastUpdatedDateTime => Val::Time(self.risk_last_updated_date_time),
            Prop::RiskLevel => Val::Str(&self.risk_level),
            Prop::RiskState => Val::Str(&self.risk_state),
            Prop::RiskDetail => Val::Str(&self.risk_detail),
            Prop::UserDisplayName => Val::Str(&self.user_display_name),
            Prop::UserPrincipalName => Val::Str(&self.user_principal_name),
            _ => Val::Null,
        }
    }

    fn any(&self, _: Coll, _: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        false
    }
}

impl Entity for RiskyUserHistoryItem {
    fn get(&self, prop: Prop) -> Val<'_> {
        match prop {
            Prop::UserId => Val::Str(&self.user_id),
            Prop::InitiatedBy => text(&self.initiated_by),
            other => self.risk.get(other),
        }
    }

    fn any(&self, _: Coll, _: &mut dyn FnMut(&dyn Entity) -> bool) -> bool {
        false
    }
}
