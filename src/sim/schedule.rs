//! Runs sources (timeline steps and population members) in time order and hands out their
//! rows in time order. A step's rows can run on after the next step has started (an SSPR
//! flow takes minutes), so rows wait in a small reorder buffer until no later-starting event
//! can come before them.

use super::lockout::{LockoutCounter, LockoutDecision, PasswordCheck};
use super::population::{self, PopulationTexts};
use super::records::{Actor, AppTexts, ContextTexts, Texts};
use super::sspr::SsprState;
use super::streams::{Purpose, Streams, fingerprint, guid, ticks_between_ms};
use crate::graph::{Record, Text, Timestamp};
use crate::scenario::{
    Action, ClientContext, FamiliarMatch, LockoutPolicy, Scenario, SignInStep, SsprStep,
    StaySignedIn, User,
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
    pending: BinaryHeap<Reverse<Pending>>,
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
        let streams = Streams::new(scenario.seed);
        let texts = Texts::new(&super::tenant_id(scenario));
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
                    context: ContextTexts::from(&s.client),
                    familiar: is_familiar(
                        &scenario.users[s.user],
                        &s.client,
                        scenario.tenant.lockout.familiar_match,
                    ),
                },
                Action::Sspr(s) => StepTexts {
                    app: None,
                    context: ContextTexts::from(&s.client),
                    familiar: true,
                },
            })
            .collect();
        let mut pending = BinaryHeap::new();
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
        let user = &mut self.users[step.user];
        let check = match typed {
            Some(typed) if typed != user.password => PasswordCheck::Wrong(fingerprint(&typed)),
            _ => PasswordCheck::Right,
        };
        let texts = &self.steps[index];
        let bucket = usize::from(!texts.familiar);
        let policy = &self.scenario.tenant.lockout;
        let streams = self.streams;
        let decision = user.lockout[bucket].attempt(at, check, policy, |cycle| {
            draw_drift(&streams, step.user as u64, bucket, cycle, policy)
        });
        let note = describe(decision, check, texts.familiar, step.stay_signed_in);
        let actor = user.actor.clone();
        let (app, context) = (
            texts.app.clone().expect("a sign-in step has an app"),
            texts.context.clone(),
        );
        self.sign_in_rows(
            &mut rng,
            at,
            origin,
            decision,
            step.stay_signed_in,
            &actor,
            &app,
            &context,
            Some(note),
        );
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
        let member = texts.member(&self.streams, population, spec, n);
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
                    PasswordCheck::Wrong(fingerprint(&format!("{}#typo{k}", member.password))),
                ),
                (retry, PasswordCheck::Right),
            ];
        }
        let policy = &self.scenario.tenant.lockout;
        let streams = self.streams;
        for (time, check) in attempts {
            let counter = self.member_lockouts.entry((population, n)).or_default();
            let member_key = (1 << 63) | ((population as u64) << 32) | u64::from(n);
            let decision = counter.attempt(time, check, policy, |cycle| {
                draw_drift(&streams, member_key, 0, cycle, policy)
            });
            if counter.is_default() {
                self.member_lockouts.remove(&(population, n));
            }
            self.sign_in_rows(
                &mut rng,
                time,
                origin,
                decision,
                spec.stay_signed_in,
                &member.actor,
                &app,
                &member.context,
                None,
            );
        }
    }

    /// The rows of one sign-in attempt: a failure row, or (with the "Stay signed in?" prompt)
    /// the 50140 interrupt and the success, sharing a correlationId and the same second.
    #[allow(clippy::too_many_arguments)]
    fn sign_in_rows(
        &mut self,
        rng: &mut impl Rng,
        at: Timestamp,
        origin: Origin,
        decision: LockoutDecision,
        stay_signed_in: StaySignedIn,
        actor: &Actor,
        app: &AppTexts,
        context: &ContextTexts,
        note: Option<String>,
    ) {
        let correlation = guid(rng);
        let code = decision.error_code();
        let mut codes = vec![code];
        if code == 0 && stay_signed_in != StaySignedIn::NotAsked {
            codes = vec![50140, 0];
        }
        for code in codes {
            let row = self
                .texts
                .sign_in(rng, at, code, actor, app, context, &correlation);
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

impl Iterator for Simulation<'_> {
    type Item = SimItem;

    fn next(&mut self) -> Option<SimItem> {
        loop {
            let next_start = self.pending.peek().map(|p| p.0.at);
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
