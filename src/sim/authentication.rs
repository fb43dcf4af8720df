//! How a sign-in row says the user authenticated, from what the simulator decided: the beta
//! properties `authenticationRequirement`, `authenticationDetails` (one step per factor),
//! `authenticationMethodsUsed`, `mfaDetail` and the constant ones (`tokenIssuerType`, ...).
//!
//! The step texts are the documented values (reference entra-behavior.md 4.6). Choices where
//! the reference is silent (UNSURE, documented in docs/behaviour.md):
//! - a row whose first factor failed is single-factor: the MFA requirement is only evaluated
//!   after the right password (the lab's 50126 rows precede any MFA);
//! - the 50053 and 50057 password steps say `Account is locked` / `User account is disabled`;
//! - the 50074 row lists the MFA step as not (yet) succeeded with `MFA required in Azure AD`.

use crate::catalog;
use crate::graph::{
    AuthenticationDetail, AuthenticationRequirementPolicy, BetaSignIn, KeyValue, MfaDetail,
    NetworkLocationDetail, Text, Timestamp,
};
use crate::scenario::MfaMethod;
use std::sync::Arc;

const MFA_METHODS: [MfaMethod; 4] = [
    MfaMethod::Push,
    MfaMethod::Sms,
    MfaMethod::PhoneCall,
    MfaMethod::Oath,
];

/// What happened to the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstFactor {
    Wrong,
    Locked,
    Disabled,
    Right,
}

/// What happened after the right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// MFA was not required (legacy authentication cannot do it), or never reached.
    NotRequired,
    /// Required and satisfied by an earlier MFA (the lab's "MFA requirement satisfied by claim
    /// in the token").
    ClaimInToken,
    /// Required: the prompt was sent (50074).
    Prompted(MfaMethod),
    /// Required and denied or unanswered (500121), with the step's result text.
    Denied(MfaMethod, &'static str),
    /// Required and completed now.
    Completed(MfaMethod),
}

/// Who required MFA, when a Conditional Access policy did (`authenticationRequirementPolicies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequiredBy {
    /// Security defaults, per-user MFA or a token claim: no policy entry is written (UNSURE:
    /// the reference documents only the Conditional Access entry).
    Tenant,
    ConditionalAccess,
}

/// The authentication facts of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowAuth {
    pub first: FirstFactor,
    pub second: SecondFactor,
    pub required_by: RequiredBy,
}

impl RowAuth {
    pub fn first_factor(first: FirstFactor) -> Self {
        RowAuth {
            first,
            second: SecondFactor::NotRequired,
            required_by: RequiredBy::Tenant,
        }
    }

    pub fn with(first: FirstFactor, second: SecondFactor) -> Self {
        RowAuth {
            first,
            second,
            required_by: RequiredBy::Tenant,
        }
    }

    fn multi_factor(&self) -> bool {
        self.first == FirstFactor::Right && self.second != SecondFactor::NotRequired
    }
}

/// The constant texts of the beta properties, made once per simulation.
pub struct BetaTexts {
    member: Text,
    azure_ad: Text,
    empty: Text,
    none: Text,
    interactive: Arc<[Text]>,
    non_interactive: Arc<[Text]>,
    single: Text,
    multi: Text,
    password: Text,
    password_detail: Text,
    primary: Text,
    secondary: Text,
    no_methods: Arc<[Text]>,
    password_only: Arc<[Text]>,
    /// `Password` and each MFA method, in [`MFA_METHODS`] order.
    password_and: Vec<Arc<[Text]>>,
    ca_requirement: Arc<[AuthenticationRequirementPolicy]>,
    no_requirement: Arc<[AuthenticationRequirementPolicy]>,
    no_processing_details: Arc<[KeyValue]>,
    no_session_policies: Arc<[serde_json::Value]>,
    no_network: Arc<[NetworkLocationDetail]>,
}

impl Default for BetaTexts {
    fn default() -> Self {
        BetaTexts {
            member: "member".into(),
            azure_ad: "AzureAD".into(),
            empty: "".into(),
            none: "none".into(),
            interactive: Arc::from([Text::from("interactiveUser")]),
            non_interactive: Arc::from([Text::from("nonInteractiveUser")]),
            single: "singleFactorAuthentication".into(),
            multi: "multiFactorAuthentication".into(),
            password: "Password".into(),
            password_detail: "Password in the cloud".into(),
            primary: "Primary authentication".into(),
            secondary: "Multi-factor authentication".into(),
            no_methods: Arc::from([]),
            password_only: Arc::from([Text::from("Password")]),
            password_and: MFA_METHODS
                .iter()
                .map(|m| Arc::from([Text::from("Password"), Text::from(m.label())]))
                .collect(),
            // The documented Event Hub example (reference entra-behavior.md 6.3).
            ca_requirement: Arc::from([AuthenticationRequirementPolicy {
                requirement_provider: Some("multiConditionalAccess".into()),
                detail: Some("Conditional Access".into()),
            }]),
            no_requirement: Arc::from([]),
            no_processing_details: Arc::from([]),
            no_session_policies: Arc::from([]),
            no_network: Arc::from([]),
        }
    }
}

/// What a row needs besides its authentication facts.
pub struct RowFacts<'a> {
    pub time: Timestamp,
    pub request_id: &'a Text,
    pub interactive: bool,
    /// `None`: outside every named location.
    pub network: &'a Option<Arc<[NetworkLocationDetail]>>,
}

impl BetaTexts {
    pub fn beta(&self, auth: RowAuth, facts: RowFacts<'_>) -> BetaSignIn {
        let step_time = facts.time.truncate_to_seconds();
        let mut steps = vec![self.password_step(auth.first, step_time)];
        if auth.first == FirstFactor::Right
            && let Some(step) = self.second_step(auth.second, step_time)
        {
            steps.push(step);
        }
        let methods = match (auth.first, auth.second) {
            (FirstFactor::Right, SecondFactor::Completed(method)) => {
                let i = MFA_METHODS.iter().position(|m| *m == method).unwrap_or(0);
                self.password_and[i].clone()
            }
            (FirstFactor::Right, _) => self.password_only.clone(),
            _ => self.no_methods.clone(),
        };
        let mfa_detail = match auth.second {
            SecondFactor::Prompted(m) | SecondFactor::Denied(m, _) | SecondFactor::Completed(m)
                if auth.first == FirstFactor::Right =>
            {
                MfaDetail {
                    auth_method: Some(m.label().into()),
                    auth_detail: None,
                }
            }
            _ => MfaDetail::default(),
        };
        let multi = auth.multi_factor();
        BetaSignIn {
            sign_in_event_types: Some(if facts.interactive {
                self.interactive.clone()
            } else {
                self.non_interactive.clone()
            }),
            user_type: Some(self.member.clone()),
            authentication_requirement: Some(if multi {
                self.multi.clone()
            } else {
                self.single.clone()
            }),
            authentication_requirement_policies: Some(
                if multi && auth.required_by == RequiredBy::ConditionalAccess {
                    self.ca_requirement.clone()
                } else {
                    self.no_requirement.clone()
                },
            ),
            authentication_details: Some(steps),
            authentication_methods_used: Some(methods),
            authentication_protocol: Some(self.none.clone()),
            authentication_processing_details: Some(self.no_processing_details.clone()),
            mfa_detail: Some(mfa_detail),
            token_issuer_type: Some(self.azure_ad.clone()),
            token_issuer_name: Some(self.empty.clone()),
            cross_tenant_access_type: Some(self.none.clone()),
            incoming_token_type: Some(self.none.clone()),
            is_tenant_restricted: Some(false),
            flagged_for_review: Some(false),
            processing_time_in_milliseconds: Some(processing_time(facts.request_id)),
            network_location_details: Some(
                facts
                    .network
                    .clone()
                    .unwrap_or_else(|| self.no_network.clone()),
            ),
            session_lifetime_policies: Some(self.no_session_policies.clone()),
            original_request_id: Some(facts.request_id.clone()),
            unique_token_identifier: None,
            autonomous_system_number: None,
            client_credential_type: Some(self.none.clone()),
        }
    }

    fn password_step(&self, first: FirstFactor, time: Timestamp) -> AuthenticationDetail {
        let (succeeded, result) = match first {
            FirstFactor::Wrong => (false, catalog::STEP_INVALID_PASSWORD),
            FirstFactor::Locked => (false, catalog::STEP_ACCOUNT_LOCKED),
            FirstFactor::Disabled => (false, catalog::STEP_ACCOUNT_DISABLED),
            FirstFactor::Right => (true, catalog::STEP_CORRECT_PASSWORD),
        };
        AuthenticationDetail {
            authentication_step_date_time: Some(time),
            authentication_method: Some(self.password.clone()),
            authentication_method_detail: Some(self.password_detail.clone()),
            succeeded: Some(succeeded),
            authentication_step_result_detail: Some(result.into()),
            authentication_step_requirement: Some(self.primary.clone()),
            other: Default::default(),
        }
    }

    fn second_step(&self, second: SecondFactor, time: Timestamp) -> Option<AuthenticationDetail> {
        let (method, succeeded, result) = match second {
            SecondFactor::NotRequired => return None,
            SecondFactor::ClaimInToken => (
                catalog::STEP_PREVIOUSLY_SATISFIED,
                true,
                catalog::STEP_MFA_CLAIM,
            ),
            SecondFactor::Prompted(m) => (m.label(), false, catalog::STEP_MFA_REQUIRED),
            SecondFactor::Denied(m, detail) => (m.label(), false, detail),
            SecondFactor::Completed(m) => (m.label(), true, catalog::STEP_MFA_SUCCEEDED),
        };
        Some(AuthenticationDetail {
            authentication_step_date_time: Some(time),
            authentication_method: Some(method.into()),
            authentication_method_detail: None,
            succeeded: Some(succeeded),
            authentication_step_result_detail: Some(result.into()),
            authentication_step_requirement: Some(self.secondary.clone()),
            other: Default::default(),
        })
    }
}

/// A stable, plausible processing time (80-479 ms) from the request id, so that it costs no
/// draw from the seeded streams.
fn processing_time(request_id: &str) -> u32 {
    let hash = request_id
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    (hash % 400 + 80) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(id: &'a Text, network: &'a Option<Arc<[NetworkLocationDetail]>>) -> RowFacts<'a> {
        RowFacts {
            time: Timestamp::parse("2025-03-17T15:08:07Z").unwrap(),
            request_id: id,
            interactive: true,
            network,
        }
    }

    #[test]
    fn a_wrong_password_is_single_factor_with_one_failed_step() {
        let id = Text::from("r1");
        let beta =
            BetaTexts::default().beta(RowAuth::first_factor(FirstFactor::Wrong), facts(&id, &None));
        assert_eq!(
            beta.authentication_requirement.as_deref(),
            Some("singleFactorAuthentication")
        );
        let steps = beta.authentication_details.unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].succeeded, Some(false));
        assert_eq!(
            steps[0].authentication_step_result_detail.as_deref(),
            Some("Invalid username or password or Invalid on-premise username or password.")
        );
        assert_eq!(beta.authentication_methods_used.as_deref(), Some(&[][..]));
    }

    #[test]
    fn a_denied_push_is_multi_factor_and_names_the_method() {
        let id = Text::from("r2");
        let beta = BetaTexts::default().beta(
            RowAuth::with(
                FirstFactor::Right,
                SecondFactor::Denied(MfaMethod::Push, catalog::MFA_DECLINED),
            ),
            facts(&id, &None),
        );
        assert_eq!(
            beta.authentication_requirement.as_deref(),
            Some("multiFactorAuthentication")
        );
        let steps = beta.authentication_details.unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(
            steps[1].authentication_method.as_deref(),
            Some("Mobile app notification")
        );
        assert_eq!(
            steps[1].authentication_step_result_detail.as_deref(),
            Some(catalog::MFA_DECLINED)
        );
        assert_eq!(
            beta.mfa_detail.unwrap().auth_method.as_deref(),
            Some("Mobile app notification")
        );
    }

    #[test]
    fn a_claim_in_the_token_is_multi_factor_without_a_prompt() {
        let id = Text::from("r3");
        let beta = BetaTexts::default().beta(
            RowAuth::with(FirstFactor::Right, SecondFactor::ClaimInToken),
            facts(&id, &None),
        );
        assert_eq!(
            beta.authentication_requirement.as_deref(),
            Some("multiFactorAuthentication")
        );
        assert_eq!(beta.mfa_detail, Some(MfaDetail::default()));
        assert_eq!(
            beta.authentication_methods_used.as_deref(),
            Some(&[Text::from("Password")][..])
        );
        assert_eq!(beta.original_request_id.as_deref(), Some("r3"));
    }

    #[test]
    fn conditional_access_names_itself_as_the_requirement() {
        let id = Text::from("r4");
        let auth = RowAuth {
            required_by: RequiredBy::ConditionalAccess,
            ..RowAuth::with(FirstFactor::Right, SecondFactor::Completed(MfaMethod::Sms))
        };
        let beta = BetaTexts::default().beta(auth, facts(&id, &None));
        let policies = beta.authentication_requirement_policies.unwrap();
        assert_eq!(
            policies[0].requirement_provider.as_deref(),
            Some("multiConditionalAccess")
        );
        assert_eq!(
            beta.authentication_methods_used.as_deref(),
            Some(&[Text::from("Password"), Text::from("Text message")][..])
        );
    }
}
