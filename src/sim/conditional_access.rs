//! Conditional Access on a sign-in: which policies apply, whether they block or require MFA,
//! and what the rows past the password say about them (`conditionalAccessStatus`,
//! `appliedConditionalAccessPolicies`; reference entra-behavior.md 4.2).
//!
//! Choices where the reference is UNSURE (docs/behaviour.md):
//! - rows before the password is known good (50126, 50053, 50057) are `notApplied` with no
//!   policies; so are rows of a sign-in no policy applies to;
//! - otherwise every policy is listed: those that applied with `success` or `failure`, the
//!   others `notApplied`;
//! - the rows of an MFA prompt not (yet) satisfied (50074, 500121) are `failure`, as is a
//!   block (53003); a completed sign-in is `success`;
//! - an `mfa` policy does not apply to legacy clients, which cannot do MFA;
//! - a risk-based policy (`sign_in_risk`, `user_risk`) applies only when ID Protection with P2
//!   gives the attempt its risk ([`RiskNow`]); its rows: Block 53003, password change 50135,
//!   MFA 50074 and the prompt's rows (a fresh MFA: the claim in the token does not satisfy
//!   it), or 53004 when the user has no MFA method to answer with.

use crate::catalog::risk::RiskLevel;
use crate::graph::{AppliedConditionalAccessPolicy, SignIn};
use crate::scenario::{CaGrant, CaPolicy};

/// The risk ID Protection puts on a sign-in as it happens: its real-time level and its
/// user's level from the detections landed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskNow {
    pub sign_in: RiskLevel,
    pub user: RiskLevel,
}

/// The tenant's policies evaluated for one sign-in.
pub struct CaEvaluation<'p> {
    policies: &'p [CaPolicy],
    applies: Vec<bool>,
}

impl<'p> CaEvaluation<'p> {
    pub fn new(
        policies: &'p [CaPolicy],
        user: Option<usize>,
        country: &str,
        client_app: &str,
        app: &str,
        legacy: bool,
        risk: Option<RiskNow>,
    ) -> Self {
        let applies = policies
            .iter()
            .map(|p| {
                p.applies(user, country, client_app, app)
                    && !(legacy && p.grant == CaGrant::Mfa)
                    && (!p.is_risk_based() || risk.is_some_and(|r| p.risk_holds(r.sign_in, r.user)))
            })
            .collect();
        CaEvaluation { policies, applies }
    }

    fn applied(&self) -> impl Iterator<Item = &CaPolicy> {
        self.policies
            .iter()
            .zip(&self.applies)
            .filter(|(_, a)| **a)
            .map(|(p, _)| p)
    }

    /// The names of the policies that block the sign-in.
    pub fn blocking(&self) -> Vec<&str> {
        self.applied()
            .filter(|p| p.grant == CaGrant::Block)
            .map(|p| p.display_name.as_str())
            .collect()
    }

    pub fn requires_mfa(&self) -> bool {
        self.applied().any(|p| p.grant == CaGrant::Mfa)
    }

    /// The names of the user risk policies that require a password change.
    pub fn password_change(&self) -> Vec<&str> {
        self.applied()
            .filter(|p| p.grant == CaGrant::PasswordChange)
            .map(|p| p.display_name.as_str())
            .collect()
    }

    /// The names of the risk-based policies that require MFA: a fresh prompt, which the claim
    /// in an earlier token does not satisfy.
    pub fn risk_mfa(&self) -> Vec<&str> {
        self.applied()
            .filter(|p| p.grant == CaGrant::Mfa && p.is_risk_based())
            .map(|p| p.display_name.as_str())
            .collect()
    }

    /// Whether passing the MFA remediates the sign-in's risk: a sign-in risk policy asked.
    pub fn remediates_sign_in(&self) -> bool {
        self.applied()
            .any(|p| p.grant == CaGrant::Mfa && !p.sign_in_risk.is_empty())
    }

    /// Writes what a row with `code` says about Conditional Access.
    pub fn annotate(&self, code: i32, row: &mut SignIn) {
        // Which grants the row is about: a block stops the sign-in before any other grant is
        // looked at, a password change before MFA.
        let (outcome, about): (&str, fn(CaGrant) -> bool) = match code {
            53003 => ("failure", |g| g == CaGrant::Block),
            50135 => ("failure", |g| g == CaGrant::PasswordChange),
            50074 | 500121 | 53004 => ("failure", |g| g == CaGrant::Mfa),
            0 | 50140 => ("success", |g| g != CaGrant::Block),
            _ => return,
        };
        let mut any = false;
        row.applied_conditional_access_policies = self
            .policies
            .iter()
            .zip(&self.applies)
            .map(|(p, applies)| {
                let counts = *applies && about(p.grant);
                any |= counts;
                AppliedConditionalAccessPolicy {
                    id: p.id.as_str().into(),
                    display_name: Some(p.display_name.as_str().into()),
                    enforced_grant_controls: vec![p.grant.control().into()],
                    enforced_session_controls: Vec::new(),
                    result: Some(if counts { outcome } else { "notApplied" }.into()),
                    other: Default::default(),
                }
            })
            .collect();
        if any {
            row.conditional_access_status = Some(outcome.into());
        } else {
            row.applied_conditional_access_policies.clear();
        }
    }
}
