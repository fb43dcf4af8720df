//! Timeline steps: sign-ins, password sprays and SSPR attempts.

use super::{App, ClientContext, DirectoryStep, MfaResponse};
use crate::catalog::SsprMethod;
use crate::scenario::template::Template;
use crate::scenario::values::Cidr;

#[derive(Debug, Clone)]
pub struct Step {
    /// Offset from the timeline start of the first repetition.
    pub at_ticks: i64,
    pub repeat: Repeat,
    pub action: Action,
    /// Line of the step in the scenario file, for people.
    pub line: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub count: u32,
    pub every_ticks: i64,
}

impl Repeat {
    pub const ONCE: Repeat = Repeat {
        count: 1,
        every_ticks: 0,
    };
}

#[derive(Debug, Clone)]
pub enum Action {
    SignIn(SignInStep),
    Sspr(SsprStep),
    /// One client tries passwords against many users; repetition `r` is one attempt (see
    /// `SprayStep::attempt`).
    Spray(SprayStep),
    /// A change to the directory (users, groups, roles, apps, policy, devices): audit rows.
    Directory(Box<DirectoryStep>),
    /// An explicit ID Protection detection: no log record, read by `sim::risk`.
    RiskDetection(super::RiskDetectionStep),
    /// An admin acts on risky users: no log record, read by `sim::risk`.
    RiskyUser(super::RiskyUserStep),
}

/// Who a spray tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SprayTarget {
    User(usize),
    /// Member `n` (1-based) of population `population`.
    Member {
        population: usize,
        n: u32,
    },
}

#[derive(Debug, Clone)]
pub struct SprayStep {
    pub targets: Vec<SprayTarget>,
    pub app: App,
    /// One password per round, each round over every target; `{n}` is the attempt (1-based).
    pub passwords: Vec<Template>,
    pub client: ClientContext,
    pub client_app: Option<String>,
    /// Rotate the source address through this range, one per attempt.
    pub ips: Option<Cidr>,
    pub stay_signed_in: StaySignedIn,
}

impl SprayStep {
    /// Attempt `repetition` (0-based): the target and the round.
    pub fn attempt(&self, repetition: u32) -> (SprayTarget, usize) {
        let per_round = self.targets.len().max(1);
        let r = repetition as usize;
        (self.targets[r % per_round], r / per_round)
    }
}

#[derive(Debug, Clone)]
pub struct SignInStep {
    pub user: usize,
    pub app: App,
    /// What the user types; `None` is the right password.
    pub password: Option<Template>,
    pub client: ClientContext,
    pub stay_signed_in: StaySignedIn,
    /// `clientAppUsed`; `None` is `Browser`.
    pub client_app: Option<String>,
    pub mfa: MfaResponse,
    /// Continues the user's unfinished sign-in from the same address: the attempts share one
    /// correlationId until a password is accepted (UNSURE, see docs/scenario-format.md).
    pub same_session: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaySignedIn {
    /// The prompt is shown and answered yes.
    Yes,
    /// The prompt is shown and answered no.
    No,
    /// No prompt (an app or browser that does not show it).
    NotAsked,
}

#[derive(Debug, Clone)]
pub struct SsprStep {
    pub user: usize,
    pub method: SsprMethod,
    pub wrong_captcha: u32,
    pub wrong_phone_number: u32,
    pub wrong_codes: u32,
    pub outcome: SsprOutcome,
    pub new_password: Option<String>,
    pub client: ClientContext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsprOutcome {
    Reset,
    Abandon,
}
