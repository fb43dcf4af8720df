//! Runs sources (timeline steps and population members) in time order and hands out their
//! rows in time order. A step's rows can run on after the next step has started (an SSPR
//! flow takes minutes), so rows wait in a small reorder buffer until no later-starting event
//! can come before them.
//!
//! This file is the engine (the pending queue, the ready buffer, the iterator); what one
//! source does is in `timeline` (steps) and `members` (populations), the rows of one attempt in
//! `rows`, the notes for people in `notes`.

mod directory;
mod familiar;
mod members;
mod notes;
mod pending;
mod rows;
mod timeline;

use super::deferred::{DeferredResets, PendingReset};
use super::directory_effects::{DirectoryEffects, PasswordChange};
use super::lockout::LockoutCounter;
use super::population::{self, PopulationTexts};
use super::records::{Actor, AppTexts, ContextTexts, Texts};
use super::risk::RealtimeRisk;
use super::sspr::SsprState;
use super::streams::{Purpose, Streams, fingerprint, guid};
use crate::graph::{Record, Text, Timestamp};
use crate::scenario::{Action, ClientContext, LockoutPolicy, Scenario};
use familiar::is_familiar;
use pending::PendingQueue;
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
    /// Driven by [`Simulation::next_run`]: items are collected here as emitted, unordered.
    by_runs: bool,
    emitted: Vec<SimItem>,
    /// SSPR resets decided but not yet logged.
    resets: DeferredResets,
    /// What the `directory:` steps so far changed (accounts, credentials, revocations).
    directory: DirectoryEffects,
    /// ID Protection's risk during each sign-in, for risk-based Conditional Access (`None`:
    /// no such policy applies).
    risk: Option<RealtimeRisk>,
}

struct UserState {
    actor: Actor,
    password: String,
    /// Index 0: familiar contexts; 1: unfamiliar ones.
    lockout: [LockoutCounter; 2],
    sspr: SsprState,
    /// The address and correlationId of the user's sign-in left unfinished by a refused
    /// `same_session` attempt, for the next one to continue.
    open_session: Option<(Text, Text)>,
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

/// An item waiting in a reorder buffer: handed out by time, then in the order it was made.
pub(super) struct Ready<T = SimItem> {
    pub(super) time: Timestamp,
    pub(super) seq: u64,
    pub(super) item: T,
}

impl<T> PartialEq for Ready<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<T> Eq for Ready<T> {}
impl<T> PartialOrd for Ready<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Ready<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

impl<'a> Simulation<'a> {
    /// The simulation, with the risk its risk-based Conditional Access policies act on
    /// (`risk::settle`, which runs passes of its own when there are such policies).
    pub fn new(scenario: &'a Scenario) -> Self {
        Self::with_risk(scenario, super::risk::settle(scenario))
    }

    /// The simulation with the given real-time risk.
    pub fn with_risk(scenario: &'a Scenario, risk: Option<RealtimeRisk>) -> Self {
        Self::part(scenario, risk, true, &|_, _| true)
    }

    /// The simulation of part of the scenario's sources: its timeline steps or none, and the
    /// population members `member(population, n)` picks (`sim::parallel`, which runs two
    /// parts on two threads). Every source keeps the rank it has in the whole simulation.
    pub(super) fn part(
        scenario: &'a Scenario,
        risk: Option<RealtimeRisk>,
        with_steps: bool,
        member: &dyn Fn(usize, u32) -> bool,
    ) -> Self {
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
                open_session: None,
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
                Action::Directory(s) => StepTexts {
                    app: None,
                    context: located(&s.client),
                    familiar: true,
                },
                // Risk steps write no sign-in; `sim::risk` reads them.
                Action::RiskDetection(_) | Action::RiskyUser(_) => StepTexts {
                    app: None,
                    context: located(
                        &scenario
                            .users
                            .first()
                            .expect("a risk step names a user")
                            .home,
                    ),
                    familiar: true,
                },
            })
            .collect();
        let mut pending = PendingQueue::default();
        for (index, step) in scenario.steps.iter().enumerate().filter(|_| with_steps) {
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
                if !member(index, n) {
                    rank += 1;
                    continue;
                }
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
            by_runs: false,
            emitted: Vec::new(),
            resets: DeferredResets::default(),
            directory: DirectoryEffects::default(),
            risk,
        }
    }

    /// The real-time risk with the answers it gave (after the run).
    pub fn take_risk(&mut self) -> Option<RealtimeRisk> {
        self.risk.take()
    }

    fn emit(
        &mut self,
        time: Timestamp,
        origin: Origin,
        user: &Text,
        record: Option<Record>,
        note: Option<String>,
    ) {
        let item = SimItem {
            time,
            origin,
            user: user.clone(),
            record,
            note,
        };
        if self.by_runs {
            self.emitted.push(item);
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
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
                    Action::Directory(s) => self.step_directory(at, origin, index, repetition, s),
                    Action::RiskDetection(_) | Action::RiskyUser(_) => {
                        self.step_risk_note(at, origin, &step.action)
                    }
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

    /// A risk step leaves no record here (`sim::risk` decides what it does); a note says it
    /// happened, for people.
    fn step_risk_note(&mut self, at: Timestamp, origin: Origin, action: &Action) {
        let (user, note) = match action {
            Action::RiskDetection(d) => (
                d.user,
                format!(
                    "ID Protection: {} ({}, {})",
                    d.risk_type.name,
                    d.level.as_str(),
                    d.timing.as_str()
                ),
            ),
            Action::RiskyUser(r) => (
                r.users.first().copied().unwrap_or_default(),
                format!(
                    "ID Protection: admin action {:?} on {} user(s)",
                    r.action,
                    r.users.len()
                ),
            ),
            _ => return,
        };
        let upn = self.users[user].actor.upn.clone();
        self.emit(at, origin, &upn, None, Some(note));
    }

    /// The reset is logged: the new password holds and smart lockout is cleared.
    fn apply_reset(&mut self, reset: PendingReset) {
        let user = &mut self.users[reset.user];
        user.lockout.iter_mut().for_each(LockoutCounter::clear);
        if let Some(new_password) = reset.new_password {
            user.password = new_password;
        }
    }

    /// A directory step's password reset or change holds from its instant on.
    fn apply_password_change(&mut self, change: PasswordChange, temporary: String) {
        let user = &mut self.users[change.user];
        if change.clears_lockout {
            user.lockout.iter_mut().for_each(LockoutCounter::clear);
        }
        user.password = change.new_password.unwrap_or(temporary);
    }
}

impl Simulation<'_> {
    /// Runs the next source (after the resets due before it), appends the items it emitted to
    /// `items` in the order it emitted them, and returns its start and rank; `None` when
    /// every source has run. `next` hands the same items out in time order; this hands them
    /// out run by run, for `sim::parallel` to reorder the runs of two parts as one. A
    /// simulation is driven one way or the other, not both.
    pub(super) fn next_run(&mut self, items: &mut Vec<SimItem>) -> Option<(i64, u64)> {
        self.by_runs = true;
        self.apply_due_resets();
        let Reverse(pending) = self.pending.pop()?;
        let key = (pending.at, pending.rank);
        self.run(pending);
        items.append(&mut self.emitted);
        Some(key)
    }

    /// A reset holds from its instant on: before any start at or after it. With no start
    /// left nothing can observe it.
    fn apply_due_resets(&mut self) {
        let next_start = self.pending.peek_at();
        while let Some(due) = self.resets.peek_at()
            && next_start.is_some_and(|start| due <= start)
        {
            let reset = self.resets.pop().expect("a reset is due");
            self.apply_reset(reset);
        }
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
            self.apply_due_resets();
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
