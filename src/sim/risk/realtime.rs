//! The risk ID Protection knows while a sign-in happens, for risk-based Conditional Access: the
//! sign-in's real-time level (`riskLevelDuringSignIn`) and the user's level from the
//! detections that have landed by then (an offline detection still under way does not count).
//!
//! ID Protection's assessment (`assess`) reads the finished records, while Conditional Access
//! decides rows as they are written. The two meet in passes: a pass simulates with the risk
//! the previous pass's records gave (the first with none) and writes down every answer it was
//! given. The findings of a sign-in depend only on it and earlier sign-ins, never on what
//! Conditional Access made of it (a blocked or interrupted sign-in is evaluated like a
//! successful one), so the passes settle: when a pass is given the answers of the one before,
//! its records are the same, and they agree with their own assessment. Deterministic: each
//! pass is the same seeded simulation.
//!
//! Named default (docs/behaviour.md): at most [`MAX_PASSES`] passes; a scenario that has not
//! settled by then (none in the library) keeps the last pass.

use super::{Assessment, Attempt, Finding, collect, users};
use crate::catalog::risk::{RiskLevel, Timing};
use crate::graph::{Record, Timestamp};
use crate::scenario::{CaGrant, RiskLicense, Scenario};
use crate::sim::conditional_access::RiskNow;
use crate::sim::schedule::{Origin, SimItem, Simulation};
use std::collections::{BTreeMap, BTreeSet};

/// `riskDetail` of a sign-in (and its detections) whose user passed the MFA a sign-in risk
/// policy required.
pub const MFA_REMEDIATION: &str = "userPassedMFADrivenByRiskBasedPolicy";

/// Passes before the simulation gives up settling (named default).
pub const MAX_PASSES: usize = 8;

/// What ID Protection knows of each sign-in and user as the simulation runs.
#[derive(Debug, Clone, Default)]
pub struct RealtimeRisk {
    /// The evaluated attempt of each step repetition, and its real-time level.
    sign_ins: BTreeMap<(usize, u32), (usize, RiskLevel)>,
    /// Each user's risk events in play order, with the attempt a detection belongs to.
    events: Vec<Vec<(Timestamp, users::RiskEvent, Option<usize>)>>,
    /// Attempts whose user passed a sign-in risk policy's MFA in this pass: their detections
    /// no longer count for the user.
    remediated: BTreeSet<usize>,
    /// Every answer given in this pass, in order.
    answers: Vec<RiskNow>,
}

impl RealtimeRisk {
    /// The risk of a sign-in attempt (`origin`) by declared user `user` at `at`.
    pub fn now(&mut self, origin: Origin, user: usize, at: Timestamp) -> RiskNow {
        let sign_in = self
            .step(origin)
            .map_or(RiskLevel::None, |(_, level)| level);
        let remediated = &self.remediated;
        let played: Vec<(Timestamp, users::RiskEvent)> = self
            .events
            .get(user)
            .into_iter()
            .flatten()
            .filter(|(time, _, attempt)| {
                *time <= at && !attempt.is_some_and(|a| remediated.contains(&a))
            })
            .map(|(time, event, _)| (*time, event.clone()))
            .collect();
        let user = users::play(&played)
            .last()
            .map_or(RiskLevel::None, |c| c.risk.level);
        let answer = RiskNow { sign_in, user };
        self.answers.push(answer);
        answer
    }

    /// The user of attempt `origin` passed the MFA of a sign-in risk policy.
    pub fn remediated(&mut self, origin: Origin) {
        if let Some((attempt, _)) = self.step(origin) {
            self.remediated.insert(attempt);
        }
    }

    fn step(&self, origin: Origin) -> Option<(usize, RiskLevel)> {
        match origin {
            Origin::Step { index, repetition } => self.sign_ins.get(&(index, repetition)).copied(),
            Origin::Population { .. } => None,
        }
    }

    /// The risk `items` (one pass's records) give.
    fn from_items(scenario: &Scenario, items: &[SimItem]) -> RealtimeRisk {
        let Some(policy) = &scenario.tenant.identity_protection else {
            return RealtimeRisk::default();
        };
        let assessment: Assessment = collect(scenario, policy, items);
        let mut sign_ins = BTreeMap::new();
        for (a, attempt) in assessment.attempts.iter().enumerate() {
            if let Origin::Step { index, repetition } = items[attempt.rows[0]].origin {
                sign_ins.insert((index, repetition), (a, during(&assessment.findings, a)));
            }
        }
        let mut events = vec![Vec::new(); scenario.users.len()];
        for (time, user, event) in assessment.played(|_| false) {
            let attempt = match &event {
                users::RiskEvent::Detected { index, .. } => assessment.findings[*index].attempt,
                _ => None,
            };
            events[user].push((time, event, attempt));
        }
        RealtimeRisk {
            sign_ins,
            events,
            ..RealtimeRisk::default()
        }
    }

    /// The same knowledge, before any answer of a pass.
    fn fresh(&self) -> RealtimeRisk {
        RealtimeRisk {
            remediated: BTreeSet::new(),
            answers: Vec::new(),
            ..self.clone()
        }
    }
}

/// The level during the sign-in: its real-time detections, as `riskLevelDuringSignIn` says.
fn during(findings: &[Finding], attempt: usize) -> RiskLevel {
    findings
        .iter()
        .filter(|f| f.attempt == Some(attempt) && f.timing == Timing::Realtime)
        .map(|f| f.level)
        .max()
        .unwrap_or(RiskLevel::None)
}

/// The risk the simulation of `scenario` runs with, or `None` when no policy is risk-based or
/// the tenant has no ID Protection with P2 (risk-based policies then never apply).
pub fn settle(scenario: &Scenario) -> Option<RealtimeRisk> {
    let policy = scenario.tenant.identity_protection.as_ref()?;
    let risk_based = scenario
        .tenant
        .conditional_access
        .iter()
        .any(|p| p.is_risk_based());
    if policy.license != RiskLicense::P2 || !risk_based {
        return None;
    }
    let mut risk = RealtimeRisk::default();
    let mut previous: Option<Vec<RiskNow>> = None;
    for _ in 0..MAX_PASSES {
        let mut simulation = Simulation::with_risk(scenario, Some(risk.fresh()));
        let items: Vec<SimItem> = simulation.by_ref().collect();
        let answers = simulation
            .take_risk()
            .map(|r| r.answers)
            .unwrap_or_default();
        if previous.as_ref() == Some(&answers) {
            break;
        }
        previous = Some(answers);
        risk = RealtimeRisk::from_items(scenario, &items);
    }
    Some(risk.fresh())
}

/// When the user of `attempt` passed the MFA of a sign-in risk policy: its success row lists
/// such a policy as `success`.
pub(super) fn passed_risk_mfa(
    scenario: &Scenario,
    items: &[SimItem],
    attempt: &Attempt,
) -> Option<Timestamp> {
    let remediating: Vec<&str> = scenario
        .tenant
        .conditional_access
        .iter()
        .filter(|p| p.grant == CaGrant::Mfa && !p.sign_in_risk.is_empty())
        .map(|p| p.id.as_str())
        .collect();
    if remediating.is_empty() {
        return None;
    }
    attempt
        .rows
        .iter()
        .find_map(|&row| match &items[row].record {
            Some(Record::SignIn(s))
                if s.status.error_code == 0
                    && s.applied_conditional_access_policies.iter().any(|p| {
                        p.result.as_deref() == Some("success")
                            && remediating.contains(&p.id.as_ref())
                    }) =>
            {
                Some(s.created_date_time)
            }
            _ => None,
        })
}
