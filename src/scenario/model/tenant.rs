//! The tenant: its settings (smart lockout, SSPR, Conditional Access, named locations) and app
//! registrations.

use crate::catalog::SsprMethod;
use crate::catalog::risk::RiskLevel;
use crate::scenario::values::Cidr;

#[derive(Debug, Clone)]
pub struct Tenant {
    /// The tenant id as written; `None` derives it from the domain (`sim::tenant_id`).
    pub id: Option<String>,
    pub domain: String,
    pub display_name: String,
    pub premium: bool,
    pub lockout: LockoutPolicy,
    pub sspr: SsprPolicy,
    pub conditional_access: Vec<CaPolicy>,
    pub named_locations: Vec<NamedLocation>,
    /// ID Protection; `None`: no risk is decided (every risk field `none`).
    pub identity_protection: Option<super::IdentityProtection>,
}

/// A named location defined by IP ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedLocation {
    pub name: String,
    pub ranges: Vec<Cidr>,
    pub trusted: bool,
}

/// A Conditional Access policy. Empty lists match everything, except the risk conditions: a
/// policy with `sign_in_risk` or `user_risk` applies only when ID Protection (P2) puts the
/// sign-in or the user at one of the listed levels.
#[derive(Debug, Clone, PartialEq)]
pub struct CaPolicy {
    pub id: String,
    pub display_name: String,
    pub countries: Vec<String>,
    pub except_countries: Vec<String>,
    /// `clientAppUsed` values, compared case-insensitively.
    pub client_apps: Vec<String>,
    /// App display names, compared case-insensitively.
    pub apps: Vec<String>,
    /// Indexes into `Scenario::users`; empty: every user (and every population member).
    pub users: Vec<usize>,
    /// Real-time sign-in risk levels the policy acts on (`signInRiskLevels`); empty: any.
    pub sign_in_risk: Vec<RiskLevel>,
    /// User risk levels the policy acts on (`userRiskLevels`); empty: any.
    pub user_risk: Vec<RiskLevel>,
    pub grant: CaGrant,
}

/// What a Conditional Access policy asks for when its conditions hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaGrant {
    Block,
    /// Require multifactor authentication (`enforcedGrantControls` `Mfa`).
    Mfa,
    /// Require a (secure) password change (`enforcedGrantControls` `PasswordChange`); only
    /// meaningful in a user risk policy.
    PasswordChange,
}

impl CaGrant {
    /// `enforcedGrantControls` of the policy.
    pub fn control(self) -> &'static str {
        match self {
            CaGrant::Block => "Block",
            CaGrant::Mfa => "Mfa",
            CaGrant::PasswordChange => "PasswordChange",
        }
    }
}

impl CaPolicy {
    /// Whether the policy's conditions hold for this sign-in.
    pub fn applies(&self, user: Option<usize>, country: &str, client_app: &str, app: &str) -> bool {
        let any = |list: &[String], value: &str| list.iter().any(|v| v.eq_ignore_ascii_case(value));
        (self.users.is_empty() || user.is_some_and(|u| self.users.contains(&u)))
            && (self.countries.is_empty() || any(&self.countries, country))
            && (self.except_countries.is_empty() || !any(&self.except_countries, country))
            && (self.client_apps.is_empty() || any(&self.client_apps, client_app))
            && (self.apps.is_empty() || any(&self.apps, app))
    }

    /// Whether the policy has a risk condition (it then needs ID Protection with P2).
    pub fn is_risk_based(&self) -> bool {
        !self.sign_in_risk.is_empty() || !self.user_risk.is_empty()
    }

    /// Whether the risk conditions hold for a sign-in at `sign_in` real-time risk by a user at
    /// `user` risk. A policy without risk conditions always holds.
    pub fn risk_holds(&self, sign_in: RiskLevel, user: RiskLevel) -> bool {
        (self.sign_in_risk.is_empty() || self.sign_in_risk.contains(&sign_in))
            && (self.user_risk.is_empty() || self.user_risk.contains(&user))
    }
}

/// Smart lockout. Entra does not publish how the duration grows or how a context becomes
/// familiar; those are the named defaults below (see docs/behaviour.md).
#[derive(Debug, Clone, PartialEq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub duration_ticks: i64,
    /// Extra failures, 0..=drift, drawn from the seed per lockout cycle: the lag of the
    /// failure count between data centres.
    pub drift: u32,
    /// Factor by which each repeated lockout's duration grows.
    pub growth: f64,
    pub max_duration_ticks: i64,
    pub familiar_match: FamiliarMatch,
    /// Whether a successful sign-in clears the failure count (UNSURE in the reference).
    pub reset_on_success: bool,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            threshold: 10,
            duration_ticks: 60 * crate::graph::timestamp::TICKS_PER_SECOND,
            drift: 1,
            growth: 2.0,
            max_duration_ticks: 5 * 3600 * crate::graph::timestamp::TICKS_PER_SECOND,
            familiar_match: FamiliarMatch::IpAndBrowser,
            reset_on_success: true,
        }
    }
}

/// Which parts of a sign-in's context must match one of the user's familiar contexts for the
/// sign-in to count against the familiar lockout counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamiliarMatch {
    IpAndBrowser,
    Ip,
    Browser,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SsprPolicy {
    pub enabled: bool,
    pub methods: Vec<SsprMethod>,
    /// Wrong codes in one flow before the user is sent back to the start (reference lab: 3).
    pub wrong_codes_before_restart: u32,
    /// Failed verifications within `verification_window` that block SSPR (documented: 5).
    pub failed_verifications_before_block: u32,
    pub verification_window_ticks: i64,
    pub block_duration_ticks: i64,
}

impl Default for SsprPolicy {
    fn default() -> Self {
        let day = 86_400 * crate::graph::timestamp::TICKS_PER_SECOND;
        SsprPolicy {
            enabled: true,
            methods: vec![SsprMethod::Sms],
            wrong_codes_before_restart: 3,
            failed_verifications_before_block: 5,
            verification_window_ticks: day,
            block_duration_ticks: day,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRegistration {
    pub display_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub permissions: Vec<String>,
}
