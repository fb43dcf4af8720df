//! ID Protection: decides, from what a scenario did, the risk detections Entra raises, the
//! risk fields of each sign-in and each user's risk with its history. It runs over one
//! scenario's simulated items (after the sign-ins exist, since an offline detection raises
//! `riskLevelAggregated` of a sign-in that came before it) and only when the tenant declares
//! `identity_protection`, so scenarios without it keep every risk field `none`.
//!
//! Behaviour-based detections are in `signals`, the user state machine in `users`, the Graph
//! records in `records`. Deterministic: delays and ids come from the scenario's `Risk` streams.

mod realtime;
mod records;
mod signals;
mod tenant;
mod users;

#[cfg(test)]
mod realtime_tests;
#[cfg(test)]
mod tests;

pub use realtime::{RealtimeRisk, settle};
pub use signals::{MIN_TRAVEL_KM, distance_km};
pub use tenant::{AssessedItems, simulate_tenant_with_risk, simulate_with_risk};

use super::schedule::{Origin, SimItem};
use super::streams::{Purpose, Streams, fingerprint, guid};
use crate::catalog::SsprText;
use crate::catalog::risk::{RiskLevel, RiskType, Timing, risk_type};
use crate::graph::{Record, RiskDetection, RiskyUserHistoryItem, SignInLocation, Text, Timestamp};
use crate::scenario::{Action, IdentityProtection, RiskyUserAction, Scenario};
use rand::Rng;
use signals::{Profile, Seen};
use std::collections::BTreeMap;
use users::RiskEvent;

/// What ID Protection made of a scenario.
#[derive(Debug, Clone, Default)]
pub struct RiskOutcome {
    /// Oldest `detectedDateTime` first.
    pub detections: Vec<RiskDetection>,
    /// Why each detection was raised, for people (same order).
    pub reasons: Vec<String>,
    /// Every user's risk changes, oldest first.
    pub history: Vec<RiskyUserHistoryItem>,
}

/// One detection before it becomes a record.
#[derive(Debug, Clone)]
struct Finding {
    user: usize,
    risk_type: &'static RiskType,
    level: RiskLevel,
    timing: Timing,
    activity_at: Timestamp,
    detected_at: Timestamp,
    /// The sign-in attempt it belongs to (index into `Attempts`).
    attempt: Option<usize>,
    why: String,
    related: Option<Seen>,
    /// Its state after remediation or an admin's action: (state, detail, when).
    closed: Option<(&'static str, &'static str, Timestamp)>,
    /// Seeds its id.
    key: u64,
    /// Raised by an admin's confirmation, which sets the user's risk itself.
    confirmed: bool,
}

/// One evaluated sign-in attempt: the rows of one correlation id.
#[derive(Debug)]
struct Attempt {
    user: usize,
    rows: Vec<usize>,
    seen: Seen,
    request_id: Text,
    correlation_id: Option<Text>,
    location: SignInLocation,
}

/// What ID Protection found in one scenario's items, before it becomes records.
struct Assessment {
    streams: Streams,
    attempts: Vec<Attempt>,
    findings: Vec<Finding>,
    /// What else moves a user's risk: password remediations and the admins' steps (the
    /// detections are added when they are played).
    events: Vec<(Timestamp, usize, RiskEvent)>,
}

/// The evaluated sign-in attempts and their findings. Reads only what the sign-ins and the
/// audit rows say and the scenario's steps, so that a pass with risk-based Conditional Access
/// (`realtime`) finds what the final assessment finds.
fn collect(scenario: &Scenario, policy: &IdentityProtection, items: &[SimItem]) -> Assessment {
    let streams = Streams::for_scenario(scenario.seed, &scenario.name);
    let by_upn: BTreeMap<String, usize> = scenario
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.upn.to_lowercase(), i))
        .collect();
    let mut profiles: Vec<Profile> = scenario.users.iter().map(Profile::declared).collect();
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut by_correlation: BTreeMap<(usize, Text), usize> = BTreeMap::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut events: Vec<(Timestamp, usize, RiskEvent)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(&user) = by_upn.get(&item.user.to_lowercase()) else {
            continue;
        };
        match &item.record {
            Some(Record::SignIn(s)) if signals::credentials_validated(s) => {
                let key = s.correlation_id.clone().unwrap_or_else(|| s.id.clone());
                if let Some(&a) = by_correlation.get(&(user, key.clone())) {
                    attempts[a].rows.push(i);
                    continue;
                }
                let seen = Seen::of(s);
                let in_spray = matches!(item.origin, Origin::Step { index, .. }
                    if matches!(scenario.steps[index].action, Action::Spray(_)));
                let found = signals::evaluate(policy, &profiles[user], &seen, in_spray);
                profiles[user].learn(&seen, found.is_empty());
                let attempt = attempts.len();
                by_correlation.insert((user, key), attempt);
                attempts.push(Attempt {
                    user,
                    rows: vec![i],
                    seen: seen.clone(),
                    request_id: s.id.clone(),
                    correlation_id: s.correlation_id.clone(),
                    location: s.location.clone(),
                });
                for signal in found {
                    let timing = signal.risk_type.timing;
                    let key = fingerprint(&s.id) ^ fingerprint(signal.risk_type.name);
                    findings.push(Finding {
                        user,
                        risk_type: signal.risk_type,
                        level: signal.risk_type.level,
                        timing,
                        activity_at: seen.time,
                        detected_at: seen.time.plus_ticks(draw_delay(&streams, key, timing)),
                        attempt: Some(attempt),
                        why: signal.why,
                        related: signal.related,
                        closed: None,
                        key,
                        confirmed: false,
                    });
                }
            }
            Some(Record::Audit(a)) if a.result.as_deref() == Some("success") => {
                let reset = match a.activity_display_name.as_deref() {
                    Some(SsprText::RESET) => true,
                    Some("Change password (self-service)") => false,
                    _ => continue,
                };
                events.push((
                    a.activity_date_time,
                    user,
                    RiskEvent::PasswordRemediation { reset },
                ));
            }
            _ => {}
        }
    }
    step_findings(scenario, &streams, &attempts, &mut findings, &mut events);
    Assessment {
        streams,
        attempts,
        findings,
        events,
    }
}

impl Assessment {
    /// The events of every user in the order they are played: by user, then time, a
    /// detection before a remediation at the same instant (which then remediates it). The
    /// detections of sign-ins remediated by MFA (`skipped`) never raise the user's risk.
    fn played(&self, skipped: impl Fn(&Finding) -> bool) -> Vec<(Timestamp, usize, RiskEvent)> {
        let mut events = self.events.clone();
        for (index, f) in self.findings.iter().enumerate() {
            if !f.confirmed && !skipped(f) {
                events.push((
                    f.detected_at,
                    f.user,
                    RiskEvent::Detected {
                        index,
                        level: f.level,
                    },
                ));
            }
        }
        events.sort_by_key(|(time, user, event)| {
            (*user, *time, !matches!(event, RiskEvent::Detected { .. }))
        });
        events
    }
}

/// Runs ID Protection over `items` (one scenario's simulation, in time order), writing the
/// sign-ins' risk fields in place.
pub fn assess(scenario: &Scenario, items: &mut [SimItem]) -> RiskOutcome {
    let Some(policy) = &scenario.tenant.identity_protection else {
        return RiskOutcome::default();
    };
    let mut assessment = collect(scenario, policy, items);
    // A sign-in whose user passed the MFA a sign-in risk policy asked for is remediated, with
    // every detection of it.
    for a in 0..assessment.attempts.len() {
        if let Some(at) = realtime::passed_risk_mfa(scenario, items, &assessment.attempts[a]) {
            for f in assessment
                .findings
                .iter_mut()
                .filter(|f| f.attempt == Some(a))
            {
                f.closed = Some(("remediated", realtime::MFA_REMEDIATION, at));
            }
        }
    }
    let events = assessment.played(|f| f.closed.is_some());
    let Assessment {
        streams,
        attempts,
        mut findings,
        ..
    } = assessment;
    let user_ids: Vec<Text> = scenario
        .users
        .iter()
        .map(|u| guid(&mut streams.rng(Purpose::User, fingerprint(&u.upn), 0)))
        .collect();
    let mut history = Vec::new();
    let mut start = 0;
    while start < events.len() {
        let user = events[start].1;
        let end = start + events[start..].iter().take_while(|e| e.1 == user).count();
        let played: Vec<(Timestamp, RiskEvent)> = events[start..end]
            .iter()
            .map(|(t, _, e)| (*t, e.clone()))
            .collect();
        for (n, change) in users::play(&played).into_iter().enumerate() {
            for &closed in &change.closes {
                findings[closed].closed =
                    Some((change.risk.state, change.risk.detail, change.time));
            }
            history.push(records::history_item(
                scenario,
                &streams,
                user,
                &user_ids,
                n as u64,
                &change,
                &findings
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| change.detections.contains(i))
                    .map(|(_, f)| f.risk_type.name)
                    .collect::<Vec<_>>(),
            ));
        }
        start = end;
    }
    history.sort_by_key(|h| h.risk.risk_last_updated_date_time);
    records::write_sign_ins(policy.license, items, &attempts, &findings);
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| (findings[i].detected_at, i));
    let mut outcome = RiskOutcome {
        history,
        ..RiskOutcome::default()
    };
    for i in order {
        let f = &findings[i];
        outcome.detections.push(records::detection(
            scenario,
            policy.license,
            &streams,
            &user_ids,
            f,
            f.attempt.map(|a| &attempts[a]),
        ));
        outcome.reasons.push(f.why.clone());
    }
    outcome
}

/// The explicit steps: `risk_detection` findings and `risky_user` actions.
fn step_findings(
    scenario: &Scenario,
    streams: &Streams,
    attempts: &[Attempt],
    findings: &mut Vec<Finding>,
    events: &mut Vec<(Timestamp, usize, RiskEvent)>,
) {
    for (index, step) in scenario.steps.iter().enumerate() {
        for r in 0..step.repeat.count {
            let at = scenario
                .start
                .plus_ticks(step.at_ticks + i64::from(r) * step.repeat.every_ticks);
            let key = ((index as u64) << 32) | u64::from(r);
            match &step.action {
                Action::RiskDetection(d) => {
                    // A sign-in detection belongs to the user's latest evaluated sign-in.
                    let attempt = (d.risk_type.activity
                        == crate::catalog::risk::RiskActivity::SignIn)
                        .then(|| latest_attempt(attempts, d.user, at))
                        .flatten();
                    let activity_at = attempt.map_or(at, |a| attempts[a].seen.time);
                    // The delay runs from the activity, as the timing's documented window does
                    // (and as the scenario check of `delay` reads it), not from the step.
                    let delay = d
                        .delay_ticks
                        .unwrap_or_else(|| draw_delay(streams, key, d.timing));
                    findings.push(Finding {
                        user: d.user,
                        risk_type: d.risk_type,
                        level: d.level,
                        timing: d.timing,
                        activity_at,
                        detected_at: activity_at.plus_ticks(delay),
                        attempt,
                        why: format!(
                            "declared by the `risk_detection` step at line {}",
                            step.line
                        ),
                        related: None,
                        closed: None,
                        key,
                        confirmed: false,
                    });
                }
                Action::RiskyUser(a) => {
                    for &user in &a.users {
                        let event = match a.action {
                            RiskyUserAction::Dismiss => RiskEvent::Dismissed { by: a.by },
                            RiskyUserAction::ConfirmCompromised => {
                                findings.push(Finding {
                                    user,
                                    risk_type: risk_type("adminConfirmedUserCompromised"),
                                    level: RiskLevel::High,
                                    timing: Timing::Offline,
                                    activity_at: at,
                                    detected_at: at,
                                    attempt: None,
                                    why: format!(
                                        "an admin confirmed the user compromised (line {})",
                                        step.line
                                    ),
                                    related: None,
                                    closed: None,
                                    key: key ^ (user as u64) << 48,
                                    confirmed: true,
                                });
                                RiskEvent::ConfirmedCompromised {
                                    by: a.by,
                                    detection: findings.len() - 1,
                                }
                            }
                        };
                        events.push((at, user, event));
                    }
                }
                _ => {}
            }
        }
    }
}

fn latest_attempt(attempts: &[Attempt], user: usize, at: Timestamp) -> Option<usize> {
    attempts
        .iter()
        .enumerate()
        .rev()
        .find(|(_, a)| a.user == user && a.seen.time <= at)
        .map(|(i, _)| i)
}

/// `detectedDateTime - activityDateTime`, drawn within the timing's documented window.
fn draw_delay(streams: &Streams, key: u64, timing: Timing) -> i64 {
    let (min, max) = timing.window();
    let seconds = streams.rng(Purpose::Risk, key, 0).random_range(min..=max);
    seconds * crate::graph::timestamp::TICKS_PER_SECOND
}
