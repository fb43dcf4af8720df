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
//! - an `mfa` policy does not apply to legacy clients, which cannot do MFA.

use crate::graph::{AppliedConditionalAccessPolicy, SignIn};
use crate::scenario::{CaGrant, CaPolicy};

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
    ) -> Self {
        let applies = policies
            .iter()
            .map(|p| {
                p.applies(user, country, client_app, app) && !(legacy && p.grant == CaGrant::Mfa)
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

    /// Writes what a row with `code` says about Conditional Access.
    pub fn annotate(&self, code: i32, row: &mut SignIn) {
        let outcome = match code {
            53003 | 50074 | 500121 => "failure",
            0 | 50140 => "success",
            _ => return,
        };
        // A block stops the sign-in before any other grant is looked at.
        let blocked = code == 53003;
        let mut any = false;
        row.applied_conditional_access_policies = self
            .policies
            .iter()
            .zip(&self.applies)
            .map(|(p, applies)| {
                let counts = *applies && (p.grant == CaGrant::Block) == blocked;
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
