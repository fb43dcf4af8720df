//! ID Protection: the tenant's settings and the risk steps, resolved.

use crate::catalog::risk::{RiskLevel, RiskType, Timing};
use crate::scenario::values::Cidr;

/// The licence that decides what ID Protection shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskLicense {
    P2,
    P1,
    Free,
}

/// `tenant.identity_protection`; absent, entralab decides no risk (every risk field `none`).
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityProtection {
    pub license: RiskLicense,
    pub anonymizers: Vec<Cidr>,
    pub malicious: Vec<Cidr>,
    /// Faster than this between two sign-ins of one user is atypical travel.
    pub travel_speed_kmh: f64,
}

/// entralab's named default for atypical travel: an airliner's cruising speed, so that a
/// flight between two sign-ins is never flagged and a continent hop within the hour is.
pub const DEFAULT_TRAVEL_SPEED_KMH: f64 = 500.0;

/// An explicit detection (`risk_detection:`).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskDetectionStep {
    pub user: usize,
    pub risk_type: &'static RiskType,
    pub level: RiskLevel,
    pub timing: Timing,
    /// Ticks from the step to `detectedDateTime`; `None`: drawn within the timing's window.
    pub delay_ticks: Option<i64>,
}

/// An admin's action on risky users (`risky_user:`).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskyUserStep {
    pub action: RiskyUserAction,
    pub users: Vec<usize>,
    pub by: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskyUserAction {
    Dismiss,
    ConfirmCompromised,
}
