//! The ID Protection keys as written: the tenant's `identity_protection:` settings and the
//! `risk_detection:` and `risky_user:` steps.

use crate::scenario::values::{Cidr, DurationValue};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `tenant.identity_protection`: turns the risk model on (see docs/identity-protection.md).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProtectionSpec {
    /// `p2` (default), `p1` or `free`: without P2 premium detections are `generic` and levels
    /// `hidden`.
    pub license: Option<Spanned<LicenseSpec>>,
    /// Threat intelligence: the ranges Microsoft knows as anonymizers or as malicious.
    #[serde(default)]
    pub threat_intel: ThreatIntelSpec,
    /// Sign-ins of one user farther apart than this speed allows are atypical travel
    /// (default 500 km/h).
    pub travel_speed_kmh: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseSpec {
    P2,
    P1,
    Free,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatIntelSpec {
    /// Tor exit nodes and anonymizing VPNs: `anonymizedIPAddress`.
    #[serde(default)]
    pub anonymizers: Vec<Cidr>,
    /// Known malicious addresses: `maliciousIPAddress`.
    #[serde(default)]
    pub malicious: Vec<Cidr>,
}

/// `risk_detection:` an explicit detection of any documented type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDetectionStepSpec {
    pub user: Spanned<String>,
    /// The `riskEventType`, spelt as Graph does (e.g. `leakedCredentials`).
    #[serde(rename = "type")]
    pub risk_type: Spanned<String>,
    /// `low`, `medium` or `high` (default: the type's).
    pub level: Option<Spanned<String>>,
    /// `realtime`, `nearRealtime` or `offline` (default: the type's).
    pub timing: Option<Spanned<String>>,
    /// Time from the activity to `detectedDateTime`; within the timing's documented window
    /// (default: drawn from it).
    pub delay: Option<Spanned<DurationValue>>,
}

/// `risky_user:` an admin acts on risky users.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskyUserStepSpec {
    pub action: RiskyUserActionSpec,
    pub users: Vec<Spanned<String>>,
    /// The admin (a declared user); `initiatedBy` of the history item.
    pub by: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskyUserActionSpec {
    Dismiss,
    ConfirmCompromised,
}
