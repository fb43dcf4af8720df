//! The rows of one sign-in attempt: the lab's (failure, or the "Stay signed in?" interrupt and
//! the success) and the richer ones (disabled account, Conditional Access, MFA, legacy clients).

use super::{Origin, Simulation};
use crate::catalog;
use crate::graph::{Record, SignInStatus, Text, Timestamp};
use crate::scenario::{MfaMethod, MfaResponse, StaySignedIn};
use crate::sim::authentication::{FirstFactor, RequiredBy, RowAuth, SecondFactor};
use crate::sim::conditional_access::{CaEvaluation, RiskNow};
use crate::sim::directory_effects::AccountBlock;
use crate::sim::lockout::LockoutDecision;
use crate::sim::records::{Actor, AppTexts, ContextTexts};
use crate::sim::streams::{guid, ticks_between_ms};
use rand::Rng;

impl Simulation<'_> {
    /// The rows of one sign-in attempt: a failure row, or (with the "Stay signed in?" prompt)
    /// the 50140 interrupt and the success, sharing a correlationId and the same second.
    /// Returns that correlationId.
    pub(super) fn sign_in_rows(&mut self, rng: &mut impl Rng, attempt: Attempt<'_>) -> Text {
        if attempt.extra.is_rich(&self.scenario.tenant) {
            return self.rich_sign_in_rows(rng, attempt);
        }
        let Attempt {
            at,
            origin,
            decision,
            stay_signed_in,
            actor,
            app,
            context,
            note,
            extra: _,
            session,
        } = attempt;
        // Drawn even when the attempt continues a session, so the rest of its rows keep
        // their draws.
        let drawn = guid(rng);
        let correlation = session.unwrap_or(drawn);
        let code = decision.error_code();
        let mut codes = vec![code];
        if code == 0 && stay_signed_in != StaySignedIn::NotAsked {
            codes = vec![50140, 0];
        }
        let auth = match code {
            50126 => RowAuth::first_factor(FirstFactor::Wrong),
            50053 => RowAuth::first_factor(FirstFactor::Locked),
            // The lab's successes: "MFA requirement satisfied by claim in the token".
            _ => RowAuth::with(FirstFactor::Right, SecondFactor::ClaimInToken),
        };
        for code in codes {
            let row = self
                .texts
                .sign_in(rng, at, code, auth, actor, app, context, &correlation);
            let note = (code == decision.error_code())
                .then(|| note.clone())
                .flatten();
            self.emit(
                at,
                origin,
                &actor.upn,
                Some(Record::SignIn(Box::new(row))),
                note,
            );
        }
        correlation
    }

    /// The rows of one attempt with the behaviours beyond the lab's: a disabled account
    /// (50057), a Conditional Access block (53003), the MFA prompt (50074, 500121 per denied or
    /// unanswered prompt, then success "MFA completed in Azure AD"), a legacy client app. All
    /// rows of the attempt share one correlationId, which it returns.
    pub(super) fn rich_sign_in_rows(&mut self, rng: &mut impl Rng, attempt: Attempt<'_>) -> Text {
        let Attempt {
            at,
            origin,
            decision,
            stay_signed_in,
            actor,
            app,
            context,
            note,
            extra,
            session,
        } = attempt;
        let drawn = guid(rng);
        let correlation = session.unwrap_or(drawn);
        let client_app = extra.client_app.unwrap_or("Browser");
        let legacy = extra.client_app.is_some_and(is_legacy_client);
        let ca = CaEvaluation::new(
            &self.scenario.tenant.conditional_access,
            extra.user,
            &context.country,
            client_app,
            &app.name,
            legacy,
            self.risk_now(origin, extra.user, at),
        );
        let required_by = if ca.requires_mfa() {
            RequiredBy::ConditionalAccess
        } else {
            RequiredBy::Tenant
        };
        let mut rows: Vec<PlannedRow> = Vec::new();
        let right = |second| RowAuth {
            required_by,
            ..RowAuth::with(FirstFactor::Right, second)
        };
        let blocking = ca.blocking();
        if extra.blocked == Some(AccountBlock::NotFound) {
            // UNSURE: no source shows the password step of a 50034 row; the invalid-password
            // text ("Invalid username or password ...") is the default.
            let auth = RowAuth::first_factor(FirstFactor::Wrong);
            rows.push((at, 50034, None, auth, note));
        } else if extra.blocked == Some(AccountBlock::Disabled) {
            let auth = RowAuth::first_factor(FirstFactor::Disabled);
            rows.push((at, 50057, None, auth, note));
        } else if decision.error_code() != 0 {
            let first = if decision.error_code() == 50053 {
                FirstFactor::Locked
            } else {
                FirstFactor::Wrong
            };
            let auth = RowAuth::first_factor(first);
            rows.push((at, decision.error_code(), None, auth, note));
        } else if !blocking.is_empty() {
            let note = note.map(|n| {
                format!(
                    "{n}; blocked by Conditional Access: {}",
                    blocking.join(", ")
                )
            });
            rows.push((at, 53003, None, right(SecondFactor::NotRequired), note));
        } else if let Some((code, policies)) = risk_interrupt(&ca, extra.mfa.is_some()) {
            let what = if code == 50135 {
                "password change required by"
            } else {
                "no MFA method to answer"
            };
            let note = note.map(|n| format!("{n}; {what} {}", policies.join(", ")));
            rows.push((at, code, None, right(SecondFactor::NotRequired), note));
        } else if let Some((method, mfa)) = extra.mfa {
            rows.push((
                at,
                50074,
                None,
                right(SecondFactor::Prompted(method)),
                note.map(|n| match ca.risk_mfa().as_slice() {
                    [] => format!("{n}; MFA prompt"),
                    policies => format!("{n}; MFA prompt required by {}", policies.join(", ")),
                }),
            ));
            let mut t = at;
            for i in 1..=mfa.deny {
                t = t.plus_ticks(ticks_between_ms(rng, 4_000, 15_000));
                rows.push((
                    t,
                    500121,
                    Some(catalog::MFA_DECLINED),
                    right(SecondFactor::Denied(method, catalog::MFA_DECLINED)),
                    Some(format!("MFA prompt denied ({i} of {})", mfa.deny)),
                ));
            }
            for i in 1..=mfa.ignore {
                t = t.plus_ticks(MFA_PROMPT_TIMEOUT_TICKS);
                rows.push((
                    t,
                    500121,
                    Some(catalog::MFA_NO_RESPONSE),
                    right(SecondFactor::Denied(method, catalog::MFA_NO_RESPONSE)),
                    Some(format!("MFA prompt not answered ({i} of {})", mfa.ignore)),
                ));
            }
            if mfa.approve {
                if ca.remediates_sign_in()
                    && let Some(risk) = &mut self.risk
                {
                    risk.remediated(origin);
                }
                t = t.plus_ticks(ticks_between_ms(rng, 5_000, 20_000));
                let completed = right(SecondFactor::Completed(method));
                if stay_signed_in != StaySignedIn::NotAsked {
                    rows.push((t, 50140, None, completed, None));
                }
                rows.push((
                    t,
                    0,
                    Some(catalog::MFA_COMPLETED),
                    completed,
                    Some(if ca.remediates_sign_in() {
                        "MFA approved: signed in; the sign-in's risk is remediated".into()
                    } else {
                        "MFA approved: signed in".into()
                    }),
                ));
            }
        } else {
            // Basic authentication cannot carry an MFA claim: a legacy client's success is
            // single-factor, with no MFA detail (UNSURE: the reference shows null as one of the
            // values). Anyone else satisfies an MFA requirement with the claim in the token.
            let auth = right(if legacy {
                SecondFactor::NotRequired
            } else {
                SecondFactor::ClaimInToken
            });
            if stay_signed_in != StaySignedIn::NotAsked {
                rows.push((at, 50140, None, auth, None));
            }
            rows.push((at, 0, None, auth, note));
        }
        for (time, code, details, auth, note) in rows {
            // The row builder knows the lab's codes; the others get their texts here.
            let known = matches!(code, 0 | 50126 | 50053 | 50140);
            let mut row = self.texts.sign_in(
                rng,
                time,
                if known { code } else { 0 },
                auth,
                actor,
                app,
                context,
                &correlation,
            );
            if !known {
                let entry = catalog::sign_in_code(code);
                row.status = SignInStatus {
                    error_code: code,
                    failure_reason: Some(entry.failure_reason.into()),
                    additional_details: entry.additional_details.map(Text::from),
                };
            }
            if let Some(details) = details {
                row.status.additional_details = Some(details.into());
            }
            if code == 50034 {
                // No account answers to the name: nothing resolves the user's id or display
                // name (entra-behavior.md 4: "The row has no resolvable userId"; UNSURE
                // whether Graph writes null or an empty string, null is the default).
                row.user_id = None;
                row.user_display_name = None;
            }
            if let Some(client_app) = extra.client_app {
                row.client_app_used = Some(client_app.into());
                if code == 0 && details.is_none() && is_legacy_client(client_app) {
                    row.status.additional_details = None;
                }
            }
            ca.annotate(code, &mut row);
            self.emit(
                time,
                origin,
                &actor.upn,
                Some(Record::SignIn(Box::new(row))),
                note,
            );
        }
        correlation
    }
}

impl Simulation<'_> {
    /// The risk during the attempt, when a risk-based policy may act on it (a declared user's
    /// sign-in in a P2 tenant with such a policy).
    fn risk_now(&mut self, origin: Origin, user: Option<usize>, at: Timestamp) -> Option<RiskNow> {
        let risk = self.risk.as_mut()?;
        Some(risk.now(origin, user?, at))
    }
}

/// The row a risk-based policy writes instead of the sign-in, after the right password: 50135
/// when a user risk policy requires a password change (the user changes it later, e.g. with
/// SSPR); 53004 when a risk-based policy requires MFA and the user has no method to answer
/// with (UNSURE: entralab's named default, Entra's "ProofUpBlockedDueToRisk").
fn risk_interrupt<'c>(ca: &'c CaEvaluation<'_>, has_mfa: bool) -> Option<(i32, Vec<&'c str>)> {
    let change = ca.password_change();
    if !change.is_empty() {
        return Some((50135, change));
    }
    let mfa = ca.risk_mfa();
    (!mfa.is_empty() && !has_mfa).then_some((53004, mfa))
}

/// A row an attempt writes: time, code, `additionalDetails` override, how the user
/// authenticated, the note for the timeline.
pub(super) type PlannedRow = (
    Timestamp,
    i32,
    Option<&'static str>,
    RowAuth,
    Option<String>,
);

/// Whether a `clientAppUsed` value is a legacy (basic authentication) client: anything but
/// `Browser` and `Mobile Apps and Desktop clients` (reference 4.3).
pub(super) fn is_legacy_client(client_app: &str) -> bool {
    !client_app.eq_ignore_ascii_case("Browser")
        && !client_app.eq_ignore_ascii_case("Mobile Apps and Desktop clients")
}

/// How long an MFA push waits for an answer before it counts as not answered (UNSURE: the
/// reference gives no figure; the Authenticator notification expires after about a minute).
pub(super) const MFA_PROMPT_TIMEOUT_TICKS: i64 = 60 * crate::graph::timestamp::TICKS_PER_SECOND;

/// One sign-in attempt to write rows for: when, who, from where, what smart lockout decided.
pub(super) struct Attempt<'a> {
    pub(super) at: Timestamp,
    pub(super) origin: Origin,
    pub(super) decision: LockoutDecision,
    pub(super) stay_signed_in: StaySignedIn,
    pub(super) actor: &'a Actor,
    pub(super) app: &'a AppTexts,
    pub(super) context: &'a ContextTexts,
    /// The state behind it, for the timeline.
    pub(super) note: Option<String>,
    pub(super) extra: &'a Extra<'a>,
    /// The correlationId of the unfinished sign-in this attempt continues (`same_session`);
    /// `None`: a new sign-in with its own.
    pub(super) session: Option<Text>,
}

/// What an attempt has beyond the lab's behaviour.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Extra<'e> {
    /// The account is disabled (50057) or deleted (50034): refused whatever was typed, smart
    /// lockout not consulted.
    pub(super) blocked: Option<AccountBlock>,
    /// The user must do MFA after the right password, with this method, and responds so.
    pub(super) mfa: Option<(MfaMethod, MfaResponse)>,
    /// `clientAppUsed` when not `Browser`.
    pub(super) client_app: Option<&'e str>,
    /// The declared user (for Conditional Access `users`); `None` for population members.
    pub(super) user: Option<usize>,
}

impl Extra<'_> {
    /// Whether the attempt needs more than the lab's rows.
    pub(super) fn is_rich(&self, tenant: &crate::scenario::Tenant) -> bool {
        self.blocked.is_some()
            || self.mfa.is_some()
            || self.client_app.is_some()
            || !tenant.conditional_access.is_empty()
    }
}
