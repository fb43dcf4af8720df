//! Population members: one sign-in (with a typo now and then) and its smart lockout decision.

use super::rows::{Attempt, Extra};
use super::{Origin, Simulation, draw_drift};
use crate::graph::Timestamp;
use crate::scenario::{MfaMethod, MfaResponse};
use crate::sim::lockout::{LockoutCounter, LockoutDecision, PasswordCheck};
use crate::sim::population;
use crate::sim::streams::{fingerprint, ticks_between_ms};
use rand::Rng;

impl Simulation<'_> {
    /// Smart lockout of population member `n` (one counter per member).
    pub(super) fn member_attempt(
        &mut self,
        time: Timestamp,
        population: usize,
        n: u32,
        check: PasswordCheck,
    ) -> LockoutDecision {
        let policy = &self.scenario.tenant.lockout;
        let streams = self.streams;
        let member_key = (1 << 63) | ((population as u64) << 32) | u64::from(n);
        let drift = |cycle| draw_drift(&streams, member_key, 0, cycle, policy);
        // Only members with lockout state are kept: most attempts neither find nor leave any.
        let key = (population, n);
        match self.member_lockouts.get_mut(&key) {
            Some(counter) => {
                let decision = counter.attempt(time, check, policy, drift);
                if counter.is_default() {
                    self.member_lockouts.remove(&key);
                }
                decision
            }
            None => {
                let mut counter = LockoutCounter::default();
                let decision = counter.attempt(time, check, policy, drift);
                if !counter.is_default() {
                    self.member_lockouts.insert(key, counter);
                }
                decision
            }
        }
    }

    pub(super) fn member_sign_in(&mut self, at: Timestamp, population: usize, n: u32, k: u32) {
        let spec = &self.scenario.populations[population];
        let texts = &self.populations[population];
        let member = texts.member(&self.texts, &self.streams, population, spec, n);
        let mut rng = population::event_rng(&self.streams, population, n, k);
        let _place: f64 = rng.random();
        let app = texts.apps[rng.random_range(0..texts.apps.len())].clone();
        let origin = Origin::Population { index: population };
        let mut attempts = vec![(at, PasswordCheck::Right)];
        if rng.random_bool(spec.typo_rate) {
            let retry = at.plus_ticks(ticks_between_ms(&mut rng, 5_000, 20_000));
            attempts = vec![
                (
                    at,
                    PasswordCheck::Wrong(fingerprint(&format!(
                        "{}#typo{k}",
                        population::password(spec, n)
                    ))),
                ),
                (retry, PasswordCheck::Right),
            ];
        }
        // Drawn only when asked for, so populations without MFA keep their streams.
        let extra = Extra {
            // Population members answer push notifications (UNSURE: a named default).
            mfa: (spec.mfa_rate > 0.0 && rng.random_bool(spec.mfa_rate))
                .then_some((MfaMethod::Push, MfaResponse::APPROVE)),
            ..Extra::default()
        };
        for (time, check) in attempts {
            let decision = self.member_attempt(time, population, n, check);
            self.sign_in_rows(
                &mut rng,
                Attempt {
                    at: time,
                    origin,
                    decision,
                    stay_signed_in: spec.stay_signed_in,
                    actor: &member.actor,
                    app: &app,
                    context: &member.context,
                    note: None,
                    extra: &extra,
                    session: None,
                },
            );
        }
    }
}
