//! Runs sources (timeline steps and population members) in time order and hands out their
//! rows in time order. A step's rows can run on after the next step has started (an SSPR
//! flow takes minutes), so rows wait in a small reorder buffer until no later-starting event
//! can come before them.

use super::authentication::{FirstFactor, RequiredBy, RowAuth, SecondFactor};
use super::conditional_access::CaEvaluation;
use super::lockout::{LockoutCounter, LockoutDecision, PasswordCheck};
use super::population::{self, PopulationTexts};
use super::records::{Actor, AppTexts, ContextTexts, Texts};
use super::sspr::SsprState;
use super::streams::{Purpose, Streams, fingerprint, guid, ticks_between_ms};
use crate::catalog;
use crate::graph::{Record, SignInStatus, Text, Timestamp};
use crate::scenario::{
    Action, ClientContext, FamiliarMatch, LockoutPolicy, MfaMethod, MfaResponse, Scenario,
    SignInStep, SprayStep, SprayTarget, SsprStep, StaySignedIn, User,
};
use rand::Rng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Where an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Repetition `repetition` (0-based) of timeline step `index`.
    Step { index: usize, repetition: u32 },
    /// A member of population `index`.
    Population { index: usize },
}

/// One thing the simulation produced: a log record, or something that happened and left no
/// record (a wrong CAPTCHA), with the state behind it for people.
#[derive(Debug, Clone)]
pub struct SimItem {
    pub time: Timestamp,
    pub origin: Origin,
    /// The UPN of the user it concerns.
    pub user: Text,
    pub record: Option<Record>,
    pub note: Option<String>,
}

/// The simulation of one scenario: an iterator of items in time order.
pub struct Simulation<'a> {
    scenario: &'a Scenario,
    streams: Streams,
    texts: Texts,
    users: Vec<UserState>,
    steps: Vec<StepTexts>,
    populations: Vec<PopulationTexts>,
    member_lockouts: BTreeMap<(usize, u32), LockoutCounter>,
    pending: PendingQueue,
    ready: BinaryHeap<Reverse<Ready>>,
    next_seq: u64,
}

struct UserState {
    actor: Actor,
    password: String,
    /// Index 0: familiar contexts; 1: unfamiliar ones.
    lockout: [LockoutCounter; 2],
    sspr: SsprState,
}

struct StepTexts {
    app: Option<AppTexts>,
    context: ContextTexts,
    familiar: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    at: i64,
    rank: u64,
    source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Step { index: usize, repetition: u32 },
    Member { population: usize, n: u32, k: u32 },
}

/// The pending starts, soonest first. A source (a step, a member) has at most one pending
/// start, under its own rank, so `(at, rank)` orders them totally and any correct queue pops
/// them in the same order. This one is a 4-ary heap of `(at, rank)` only (a node's four
/// children share one or two cache lines), with the sources beside it by rank: with many
/// members the queue is the simulation's largest structure, and the cache misses of a
/// binary heap of whole `Pending`s were a fifth of the time of a population sign-in.
#[derive(Default)]
struct PendingQueue {
    heap: Vec<(i64, u64)>,
    sources: Vec<Option<Source>>,
}

impl PendingQueue {
    fn push(&mut self, Reverse(pending): Reverse<Pending>) {
        let rank = pending.rank as usize;
        if self.sources.len() <= rank {
            self.sources.resize(rank + 1, None);
        }
        debug_assert!(self.sources[rank].is_none(), "one pending start per source");
        self.sources[rank] = Some(pending.source);
        let key = (pending.at, pending.rank);
        let mut i = self.heap.len();
        self.heap.push(key);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.heap[parent] <= key {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = key;
    }

    fn peek_at(&self) -> Option<i64> {
        self.heap.first().map(|&(at, _)| at)
    }

    fn pop(&mut self) -> Option<Reverse<Pending>> {
        let (at, rank) = *self.heap.first()?;
        let last = self.heap.pop().expect("the heap has a first entry");
        let len = self.heap.len();
        if len > 0 {
            // Sift the last entry down from the root.
            let mut i = 0;
            loop {
                let first = 4 * i + 1;
                if first >= len {
                    break;
                }
                let mut child = first;
                for c in first + 1..(first + 4).min(len) {
                    if self.heap[c] < self.heap[child] {
                        child = c;
                    }
                }
                if self.heap[child] >= last {
                    break;
                }
                self.heap[i] = self.heap[child];
                i = child;
            }
            self.heap[i] = last;
        }
        let source = self.sources[rank as usize]
            .take()
            .expect("a pending start has its source");
        Some(Reverse(Pending { at, rank, source }))
    }
}

struct Ready {
    time: Timestamp,
    seq: u64,
    item: SimItem,
}

impl PartialEq for Ready {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ready {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

impl<'a> Simulation<'a> {
    pub fn new(scenario: &'a Scenario) -> Self {
        let streams = Streams::for_scenario(scenario.seed, &scenario.name);
        let texts = Texts::new(
            &super::tenant_id(scenario),
            &scenario.tenant.named_locations,
        );
        let located = |client: &ClientContext| {
            let mut context = ContextTexts::from(client);
            texts.locate(&mut context);
            context
        };
        let users = scenario
            .users
            .iter()
            .map(|u| UserState {
                actor: Actor {
                    id: guid(&mut streams.rng(Purpose::User, fingerprint(&u.upn), 0)),
                    upn: u.upn.as_str().into(),
                    display_name: u.display_name.as_str().into(),
                },
                password: u.password.clone(),
                lockout: Default::default(),
                sspr: SsprState::default(),
            })
            .collect();
        let steps = scenario
            .steps
            .iter()
            .map(|step| match &step.action {
                Action::SignIn(s) => StepTexts {
                    app: Some(AppTexts::from(&s.app)),
                    context: located(&s.client),
                    familiar: is_familiar(
                        &scenario.users[s.user],
                        &s.client,
                        scenario.tenant.lockout.familiar_match,
                    ),
                },
                Action::Sspr(s) => StepTexts {
                    app: None,
                    context: located(&s.client),
                    familiar: true,
                },
                // Familiarity depends on the target; worked out per attempt.
                Action::Spray(s) => StepTexts {
                    app: Some(AppTexts::from(&s.app)),
                    context: located(&s.client),
                    familiar: false,
                },
            })
            .collect();
        let mut pending = PendingQueue::default();
        for (index, step) in scenario.steps.iter().enumerate() {
            pending.push(Reverse(Pending {
                at: scenario.start.ticks() + step.at_ticks,
                rank: index as u64,
                source: Source::Step {
                    index,
                    repetition: 0,
                },
            }));
        }
        let mut rank = scenario.steps.len() as u64;
        for (index, population) in scenario.populations.iter().enumerate() {
            for n in 1..=population.count {
                let at = population::event_time(&streams, scenario.start, index, population, n, 0);
                pending.push(Reverse(Pending {
                    at: at.ticks(),
                    rank,
                    source: Source::Member {
                        population: index,
                        n,
                        k: 0,
                    },
                }));
                rank += 1;
            }
        }
        Simulation {
            scenario,
            streams,
            texts,
            users,
            steps,
            populations: scenario
                .populations
                .iter()
                .map(PopulationTexts::new)
                .collect(),
            member_lockouts: BTreeMap::new(),
            pending,
            ready: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    fn emit(
        &mut self,
        time: Timestamp,
        origin: Origin,
        user: &Text,
        record: Option<Record>,
        note: Option<String>,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let item = SimItem {
            time,
            origin,
            user: user.clone(),
            record,
            note,
        };
        self.ready.push(Reverse(Ready { time, seq, item }));
    }

    fn run(&mut self, pending: Pending) {
        match pending.source {
            Source::Step { index, repetition } => {
                let step = &self.scenario.steps[index];
                if repetition + 1 < step.repeat.count {
                    self.pending.push(Reverse(Pending {
                        at: pending.at + step.repeat.every_ticks,
                        source: Source::Step {
                            index,
                            repetition: repetition + 1,
                        },
                        ..pending
                    }));
                }
                let at = Timestamp::from_ticks(pending.at);
                let origin = Origin::Step { index, repetition };
                match &step.action {
                    Action::SignIn(s) => self.step_sign_in(at, origin, index, repetition, s),
                    Action::Sspr(s) => self.step_sspr(at, origin, index, repetition, s),
                    Action::Spray(s) => self.step_spray(at, origin, index, repetition, s),
                }
            }
            Source::Member { population, n, k } => {
                let spec = &self.scenario.populations[population];
                if k + 1 < spec.sign_ins_per_user {
                    let at = population::event_time(
                        &self.streams,
                        self.scenario.start,
                        population,
                        spec,
                        n,
                        k + 1,
                    );
                    self.pending.push(Reverse(Pending {
                        at: at.ticks(),
                        source: Source::Member {
                            population,
                            n,
                            k: k + 1,
                        },
                        ..pending
                    }));
                }
                self.member_sign_in(Timestamp::from_ticks(pending.at), population, n, k);
            }
        }
    }

    fn step_sign_in(
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
        let user = &mut self.users[step.user];
        let check = match typed {
            Some(typed) if typed != user.password => PasswordCheck::Wrong(fingerprint(&typed)),
            _ => PasswordCheck::Right,
        };
        let texts = &self.steps[index];
        let extra = Extra {
            disabled: !model.enabled,
            mfa: model.mfa.map(|method| (method, step.mfa)),
            client_app: step.client_app.as_deref(),
            user: Some(step.user),
        };
        let (decision, note) = if extra.disabled {
            (
                LockoutDecision::Allowed,
                "account disabled: refused whatever was typed".to_string(),
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
            },
        );
    }

    /// Attempt `repetition` of a spray: one target, one password, from the spray's client.
    fn step_spray(
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
                let user = &mut self.users[u];
                let check = if typed == user.password {
                    PasswordCheck::Right
                } else {
                    PasswordCheck::Wrong(fingerprint(&typed))
                };
                let extra = Extra {
                    disabled: !model.enabled,
                    mfa: model.mfa.map(|method| (method, MfaResponse::APPROVE)),
                    client_app: step.client_app.as_deref(),
                    user: Some(u),
                };
                let (decision, note) = if extra.disabled {
                    (
                        LockoutDecision::Allowed,
                        "spray: account disabled".to_string(),
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
            },
        );
    }

    /// Smart lockout of population member `n` (one counter per member).
    fn member_attempt(
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

    fn step_sspr(
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
        if run.reset {
            user.lockout.iter_mut().for_each(LockoutCounter::clear);
            if let Some(new_password) = &step.new_password {
                user.password = new_password.clone();
            }
        }
        let actor = user.actor.clone();
        let ip = self.steps[index].context.ip.clone();
        for remark in run.remarks {
            self.emit(remark.time, origin, &actor.upn, None, Some(remark.text));
        }
        let reset_at = run.rows.last().map(|r| r.time);
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
        if let Some(reset_at) = reset_at.filter(|_| run.reset) {
            self.emit(
                reset_at,
                origin,
                &actor.upn,
                None,
                Some("password reset: smart lockout cleared".into()),
            );
        }
    }

    fn member_sign_in(&mut self, at: Timestamp, population: usize, n: u32, k: u32) {
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
                },
            );
        }
    }

    /// The rows of one sign-in attempt: a failure row, or (with the "Stay signed in?" prompt)
    /// the 50140 interrupt and the success, sharing a correlationId and the same second.
    fn sign_in_rows(&mut self, rng: &mut impl Rng, attempt: Attempt<'_>) {
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
        } = attempt;
        let correlation = guid(rng);
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
    }
}

impl Simulation<'_> {
    /// The rows of one attempt with the behaviours beyond the lab's: a disabled account
    /// (50057), a Conditional Access block (53003), the MFA prompt (50074, 500121 per denied or
    /// unanswered prompt, then success "MFA completed in Azure AD"), a legacy client app. All
    /// rows of the attempt share one correlationId.
    fn rich_sign_in_rows(&mut self, rng: &mut impl Rng, attempt: Attempt<'_>) {
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
        } = attempt;
        let correlation = guid(rng);
        let client_app = extra.client_app.unwrap_or("Browser");
        let legacy = extra.client_app.is_some_and(is_legacy_client);
        let ca = CaEvaluation::new(
            &self.scenario.tenant.conditional_access,
            extra.user,
            &context.country,
            client_app,
            &app.name,
            legacy,
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
        if extra.disabled {
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
        } else if let Some((method, mfa)) = extra.mfa {
            rows.push((
                at,
                50074,
                None,
                right(SecondFactor::Prompted(method)),
                note.map(|n| format!("{n}; MFA prompt")),
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
                    Some("MFA approved: signed in".into()),
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
    }
}

/// A row an attempt writes: time, code, `additionalDetails` override, how the user
/// authenticated, the note for the timeline.
type PlannedRow = (
    Timestamp,
    i32,
    Option<&'static str>,
    RowAuth,
    Option<String>,
);

/// Whether a `clientAppUsed` value is a legacy (basic authentication) client: anything but
/// `Browser` and `Mobile Apps and Desktop clients` (reference 4.3).
fn is_legacy_client(client_app: &str) -> bool {
    !client_app.eq_ignore_ascii_case("Browser")
        && !client_app.eq_ignore_ascii_case("Mobile Apps and Desktop clients")
}

/// How long an MFA push waits for an answer before it counts as not answered (UNSURE: the
/// reference gives no figure; the Authenticator notification expires after about a minute).
const MFA_PROMPT_TIMEOUT_TICKS: i64 = 60 * crate::graph::timestamp::TICKS_PER_SECOND;

/// One sign-in attempt to write rows for: when, who, from where, what smart lockout decided.
struct Attempt<'a> {
    at: Timestamp,
    origin: Origin,
    decision: LockoutDecision,
    stay_signed_in: StaySignedIn,
    actor: &'a Actor,
    app: &'a AppTexts,
    context: &'a ContextTexts,
    /// The state behind it, for the timeline.
    note: Option<String>,
    extra: &'a Extra<'a>,
}

/// What an attempt has beyond the lab's behaviour.
#[derive(Debug, Default, Clone, Copy)]
struct Extra<'e> {
    /// The account is disabled: 50057 whatever was typed, smart lockout not consulted.
    disabled: bool,
    /// The user must do MFA after the right password, with this method, and responds so.
    mfa: Option<(MfaMethod, MfaResponse)>,
    /// `clientAppUsed` when not `Browser`.
    client_app: Option<&'e str>,
    /// The declared user (for Conditional Access `users`); `None` for population members.
    user: Option<usize>,
}

impl Extra<'_> {
    /// Whether the attempt needs more than the lab's rows.
    fn is_rich(&self, tenant: &crate::scenario::Tenant) -> bool {
        self.disabled
            || self.mfa.is_some()
            || self.client_app.is_some()
            || !tenant.conditional_access.is_empty()
    }
}

impl Iterator for Simulation<'_> {
    type Item = SimItem;

    fn next(&mut self) -> Option<SimItem> {
        loop {
            let next_start = self.pending.peek_at();
            if let Some(Reverse(top)) = self.ready.peek()
                && next_start.is_none_or(|start| top.time.ticks() <= start)
            {
                return self.ready.pop().map(|r| r.0.item);
            }
            let Reverse(pending) = self.pending.pop()?;
            self.run(pending);
        }
    }
}

fn draw_drift(
    streams: &Streams,
    user: u64,
    bucket: usize,
    cycle: u32,
    policy: &LockoutPolicy,
) -> u32 {
    streams
        .rng(
            Purpose::Drift,
            user,
            ((bucket as u64) << 32) | u64::from(cycle),
        )
        .random_range(0..=policy.drift)
}

/// Whether `context` is one the user is known to sign in from.
pub fn is_familiar(user: &User, context: &ClientContext, rule: FamiliarMatch) -> bool {
    std::iter::once(&user.home)
        .chain(&user.familiar)
        .any(|known| match rule {
            FamiliarMatch::IpAndBrowser => known.ip == context.ip && same_browser(known, context),
            FamiliarMatch::Ip => known.ip == context.ip,
            FamiliarMatch::Browser => same_browser(known, context),
        })
}

/// Browsers match by name and OS, not version: an update does not make a browser unfamiliar.
fn same_browser(a: &ClientContext, b: &ClientContext) -> bool {
    let name = |c: &ClientContext| {
        c.browser
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    name(a) == name(b) && a.os.eq_ignore_ascii_case(&b.os)
}

/// The state behind a sign-in, for the timeline.
fn describe(
    decision: LockoutDecision,
    check: PasswordCheck,
    familiar: bool,
    stay: StaySignedIn,
) -> String {
    let counter = if familiar { "familiar" } else { "unfamiliar" };
    match decision {
        LockoutDecision::Allowed => match stay {
            StaySignedIn::Yes => "right password; \"Stay signed in?\" answered yes".into(),
            StaySignedIn::No => "right password; \"Stay signed in?\" answered no".into(),
            StaySignedIn::NotAsked => "right password".into(),
        },
        LockoutDecision::Counted {
            failure,
            threshold,
            drift,
        } => {
            format!(
                "distinct failure {failure} of threshold {threshold} + drift {drift} ({counter} context)"
            )
        }
        LockoutDecision::Repeated { failures } => {
            format!(
                "one of the last 3 wrong passwords again: not counted (still {failures}, {counter} context)"
            )
        }
        LockoutDecision::LockedNow {
            failure,
            threshold,
            drift,
            duration_ticks,
            relock,
            ..
        } => {
            let seconds = duration_ticks / crate::graph::timestamp::TICKS_PER_SECOND;
            if relock {
                format!(
                    "first failure after the lockout expired: locked again for {seconds} s ({counter} context)"
                )
            } else {
                format!(
                    "distinct failure {failure} of threshold {threshold} + drift {drift}: locked for {seconds} s ({counter} context)"
                )
            }
        }
        LockoutDecision::Refused { until } => {
            let password = if check == PasswordCheck::Right {
                "right"
            } else {
                "wrong"
            };
            format!("{counter} context locked until {until}: refused ({password} password)")
        }
    }
}
