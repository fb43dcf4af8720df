//! Microsoft Graph resource types for Entra ID logs (`signIn`, `directoryAudit`) and their exact
//! JSON form: field names, field order, `null`s and timestamp precision follow the v1.0 wire
//! format (see `reference/graph-api.md`; the reference lab wins over documentation).

mod beta;
mod collection;
mod directory_audit;
pub mod paths;
mod query_text;
mod risk;
mod sign_in;
mod sign_in_beta;
pub(crate) mod timestamp;
pub(crate) mod wire;

pub use beta::{
    BETA_SIGN_IN_PROPERTIES, DIRECTORY_AUDIT_PROPERTIES, SIGN_IN_PROPERTIES, beta_audit,
    beta_sign_in, sign_in_event_type,
};
pub use collection::{
    ApiVersion, BETA_DIRECTORY_AUDITS_CONTEXT, BETA_SIGN_INS_CONTEXT, DIRECTORY_AUDITS_CONTEXT,
    SIGN_INS_CONTEXT,
};
pub use directory_audit::{
    AppIdentity, AuditActivityInitiator, DirectoryAudit, KeyValue, ModifiedProperty,
    TargetResource, UserIdentity,
};
pub use query_text::encode_query_value;
pub use risk::{
    BETA_RISK_DETECTION_PROPERTIES, RISK_DETECTION_PROPERTIES, RISKY_USER_HISTORY_PROPERTIES,
    RISKY_USER_PROPERTIES, RiskDetection, RiskUserActivity, RiskyUser, RiskyUserHistoryItem,
    beta_risk_detection, mitre_technique,
};
pub use sign_in::{
    AppliedConditionalAccessPolicy, DeviceDetail, GeoCoordinates, SignIn, SignInLocation,
    SignInStatus,
};
pub use sign_in_beta::{
    AuthenticationDetail, AuthenticationRequirementPolicy, BetaSignIn, MfaDetail,
    NetworkLocationDetail, UnknownProperties,
};
pub use timestamp::{Precision, Timestamp, TimestampError};
pub use wire::{SignInForm, write_sign_in, write_sign_in_fields};

use serde::Serialize;
use std::sync::Arc;

/// Shared immutable text. Records of one user share their UPN, names and app strings, which
/// keeps clones cheap and a large in-memory store small.
pub type Text = Arc<str>;

/// One log record as Graph serves it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Record {
    SignIn(Box<SignIn>),
    Audit(Box<DirectoryAudit>),
}

impl Record {
    pub fn time(&self) -> Timestamp {
        match self {
            Record::SignIn(s) => s.created_date_time,
            Record::Audit(a) => a.activity_date_time,
        }
    }

    /// The record as `version` writes it.
    pub fn to_json(&self, version: ApiVersion) -> serde_json::Value {
        match (self, version) {
            (Record::SignIn(s), ApiVersion::Beta) => beta_sign_in(s),
            (Record::Audit(a), ApiVersion::Beta) => beta_audit(a),
            (record, ApiVersion::V1) => serde_json::to_value(record).expect("records serialize"),
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Record::SignIn(s) => &s.id,
            Record::Audit(a) => &a.id,
        }
    }
}
