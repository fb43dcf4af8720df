//! Timeline steps: a sign-in, one attempt of a password spray, an SSPR attempt.

use super::familiar::is_familiar;
use super::notes::describe;
use super::rows::{Attempt, Extra};
use super::{Origin, Simulation, draw_drift};
use crate::graph::{Record, Text, Timestamp};
use crate::scenario::{MfaResponse, SignInStep, SprayStep, SprayTarget, SsprStep};
use crate::sim::deferred::PendingReset;
use crate::sim::lockout::{LockoutDecision, PasswordCheck};
use crate::sim::population;
use crate::sim::streams::{Purpose, fingerprint, guid};

impl Simulation<'_> {
    pub(super) fn step_sign_in(
        &mut self,
        at: Timestamp,
        origin: Origin,
        index: usize,
        repetition: u32,
        step: &SignInStep,
    ) {
        let mut rng = self
            .streams
            .rng(Purpose::Step, index as u64, u64::from(repetition));
        let typed = step
            .password
            .as_ref()
            .map(|t| t.render(u64::from(repetition) + 1));
        let model = &self.scenario.users[step.user];
        let blocked = self.directory.account(step.user, model.enabled).block();
        let user = &mut self.users[step.user];
        let check = match typed {
            Some(typed) if typed != user.password => PasswordCheck::Wrong(fingerprint(&typed)),
            _ => PasswordCheck::Right,
        };
        let texts = &self.steps[index];
        let extra = Extra {
            blocked,
            mfa: model.mfa.map(|method| (method, step.mfa)),
            client_app: step.client_app.as_deref(),
            user: Some(step.user),
        };
        let (decision, note) = if let Some(block) = extra.blocked {
            (
                LockoutDecision::Allowed,
                format!("{}: refused whatever was typed", block.describe()),
            )
        } else {
            let bucket = usize::from(!texts.familiar);
            let policy = &self.scenario.tenant.lockout;
            let streams = self.streams;
            let decision = user.lockout[bucket].attempt(at, check, policy, |cycle| {
                draw_drift(&streams, step.user as u64, bucket, cycle, policy)
            });
            (
                decision,
                describe(decision, check, texts.familiar, step.stay_signed_in),
            )
        };
        let actor = user.actor.clone();
        let (app, context) = (
            texts.app.clone().expect("a sign-in step has an app"),
            texts.context.clone(),
        );
        let session = match &user.open_session {
            Some((ip, correlation)) if step.same_session && *ip == context.ip => {
                Some(correlation.clone())
            }
            _ => None,
        };
        let correlation = self.sign_in_rows(
            &mut rng,
            Attempt {
                at,
                origin,
                decision,
                stay_signed_in: step.stay_signed_in,
                actor: &actor,
                app: &app,
                context: &context,
                note: Some(note),
                extra: &extra,
                session,
            },
        );
        // The login page stays open while the password is refused; an accepted one ends it.
        let refused = extra.blocked.is_some() || decision.error_code() != 0;
        self.users[step.user].open_session =
            (step.same_session && refused).then(|| (context.ip.clone(), correlation));
    }

    /// Attempt `repetition` of a spray: one target, one password, from the spray's client.
    pub(super) fn step_spray(
        &mut self,
        at: Timestamp,
        origin: Origin,
        index: usize,
        repetition: u32,
        step: &SprayStep,
    ) {
        let mut rng = self
            .streams
            .rng(Purpose::Step, index as u64, u64::from(repetition));
        let (target, round) = step.attempt(repetition);
        let typed = step.passwords[round].render(u64::from(repetition) + 1);
        let texts = &self.steps[index];
        let app = texts.app.clone().expect("a spray has an app");
        let mut context = texts.context.clone();
        if let Some(ips) = &step.ips {
            context.ip = ips.address(u64::from(repetition)).to_string().into();
            self.texts.locate(&mut context);
        }
        let policy = &self.scenario.tenant.lockout;
        let streams = self.streams;
        let (actor, decision, note, extra) = match target {
            SprayTarget::User(u) => {
                let model = &self.scenario.users[u];
                let mut client = step.client.clone();
                client.ip = context.ip.to_string();
                let familiar = is_familiar(model, &client, policy.familiar_match);
                let blocked = self.directory.account(u, model.enabled).block();
                let user = &mut self.users[u];
                let check = if typed == user.password {
                    PasswordCheck::Right
                } else {
                    PasswordCheck::Wrong(fingerprint(&typed))
                };
                let extra = Extra {
                    blocked,
                    mfa: model.mfa.map(|method| (method, MfaResponse::APPROVE)),
                    client_app: step.client_app.as_deref(),
                    user: Some(u),
                };
                let (decision, note) = if let Some(block) = extra.blocked {
                    (
                        LockoutDecision::Allowed,
                        format!("spray: {}", block.describe()),
                    )
                } else {
                    let bucket = usize::from(!familiar);
                    let decision = user.lockout[bucket].attempt(at, check, policy, |cycle| {
                        draw_drift(&streams, u as u64, bucket, cycle, policy)
                    });
                    let note = describe(decision, check, familiar, step.stay_signed_in);
                    (decision, format!("spray: {note}"))
                };
                (user.actor.clone(), decision, note, extra)
            }
            SprayTarget::Member { population, n } => {
                let spec = &self.scenario.populations[population];
                let member = self.populations[population].member(
                    &self.texts,
                    &self.streams,
                    population,
                    spec,
                    n,
                );
                let check = if typed == population::password(spec, n) {
                    PasswordCheck::Right
                } else {
                    PasswordCheck::Wrong(fingerprint(&typed))
                };
                let decision = self.member_attempt(at, population, n, check);
                let note = describe(decision, check, true, step.stay_signed_in);
                let extra = Extra {
                    client_app: step.client_app.as_deref(),
                    ..Extra::default()
                };
                (member.actor, decision, format!("spray: {note}"), extra)
            }
        };
        self.sign_in_rows(
            &mut rng,
            Attempt {
                at,
                origin,
                decision,
                stay_signed_in: step.stay_signed_in,
                actor: &actor,
                app: &app,
                context: &context,
                note: Some(note),
                extra: &extra,
                session: None,
            },
        );
    }

    pub(super) fn step_sspr(
        &mut self,
        at: Timestamp,
        origin: Origin,
        index: usize,
        repetition: u32,
        step: &SsprStep,
    ) {
        let mut rng = self
            .streams
            .rng(Purpose::Step, index as u64, u64::from(repetition));
        let user = &mut self.users[step.user];
        let run = user
            .sspr
            .attempt(at, step, &self.scenario.tenant.sspr, &mut rng);
        if let Some(reset_at) = run.reset_at {
            self.resets.push(
                reset_at,
                PendingReset {
                    user: step.user,
                    new_password: step.new_password.clone(),
                },
            );
        }
        let actor = user.actor.clone();
        let ip = self.steps[index].context.ip.clone();
        for remark in run.remarks {
            self.emit(remark.time, origin, &actor.upn, None, Some(remark.text));
        }
        let mut correlations: Vec<Text> = Vec::new();
        for row in run.rows {
            while correlations.len() <= row.flow as usize {
                correlations.push(guid(&mut rng));
            }
            let audit = self.texts.sspr_audit(
                &mut rng,
                row.time,
                &actor,
                &ip,
                &correlations[row.flow as usize],
                row.activity,
                row.success,
                row.reason,
            );
            self.emit(
                row.time,
                origin,
                &actor.upn,
                Some(Record::Audit(Box::new(audit))),
                None,
            );
        }
        if let Some(reset_at) = run.reset_at {
            self.emit(
                reset_at,
                origin,
                &actor.upn,
                None,
                Some("password reset: smart lockout cleared".into()),
            );
        }
    }
}
