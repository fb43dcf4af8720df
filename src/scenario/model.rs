//! The validated scenario the simulator runs: every reference resolved, every limit checked,
//! every default filled in.

use super::template::Template;
use super::values::Cidr;
use crate::catalog::SsprMethod;
use crate::graph::Timestamp;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub source: PathBuf,
    pub seed: u64,
    pub tenant: Tenant,
    pub app_registrations: Vec<AppRegistration>,
    pub users: Vec<User>,
    pub populations: Vec<Population>,
    pub start: Timestamp,
    pub steps: Vec<Step>,
    pub faults: Faults,
    pub expectations: Vec<super::expect::Expectation>,
}

/// Faults the mock Graph injects for this tenant (none by default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub throttle: Option<Throttle>,
    pub latency_ticks: i64,
    /// Share of Graph requests answered 503 or 504.
    pub server_error_rate: f64,
    pub ingestion_delay: Option<IngestionDelay>,
}

/// Graph's throttling: `requests` per `window` per app and tenant, then 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub requests: u32,
    pub window_ticks: i64,
}

/// How long after it happened a record becomes visible: drawn per record between `min` and
/// `max`, half of them within `median`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestionDelay {
    pub min_ticks: i64,
    pub median_ticks: i64,
    pub max_ticks: i64,
}

/// The seed a scenario runs with when it names none.
pub const DEFAULT_SEED: u64 = 20_250_317;

#[derive(Debug, Clone)]
pub struct Tenant {
    /// The tenant id as written; `None` derives it from the seed.
    pub id: Option<String>,
    pub domain: String,
    pub display_name: String,
    pub premium: bool,
    pub lockout: LockoutPolicy,
    pub sspr: SsprPolicy,
}

/// Smart lockout. Entra does not publish how the duration grows or how a context becomes
/// familiar; those are the named defaults below (see README, "Behaviour model").
#[derive(Debug, Clone, PartialEq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub duration_ticks: i64,
    /// Extra failures, 0..=drift, drawn from the seed per lockout cycle: the lag of the
    /// failure count between data centres.
    pub drift: u32,
    /// Factor by which each repeated lockout's duration grows.
    pub growth: f64,
    pub max_duration_ticks: i64,
    pub familiar_match: FamiliarMatch,
    /// Whether a successful sign-in clears the failure count (UNSURE in the reference).
    pub reset_on_success: bool,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            threshold: 10,
            duration_ticks: 60 * crate::graph::timestamp::TICKS_PER_SECOND,
            drift: 1,
            growth: 2.0,
            max_duration_ticks: 5 * 3600 * crate::graph::timestamp::TICKS_PER_SECOND,
            familiar_match: FamiliarMatch::IpAndBrowser,
            reset_on_success: true,
        }
    }
}

/// Which parts of a sign-in's context must match one of the user's familiar contexts for the
/// sign-in to count against the familiar lockout counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamiliarMatch {
    IpAndBrowser,
    Ip,
    Browser,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SsprPolicy {
    pub enabled: bool,
    pub methods: Vec<SsprMethod>,
    /// Wrong codes in one flow before the user is sent back to the start (reference lab: 3).
    pub wrong_codes_before_restart: u32,
    /// Failed verifications within `verification_window` that block SSPR (documented: 5).
    pub failed_verifications_before_block: u32,
    pub verification_window_ticks: i64,
    pub block_duration_ticks: i64,
}

impl Default for SsprPolicy {
    fn default() -> Self {
        let day = 86_400 * crate::graph::timestamp::TICKS_PER_SECOND;
        SsprPolicy {
            enabled: true,
            methods: vec![SsprMethod::Sms],
            wrong_codes_before_restart: 3,
            failed_verifications_before_block: 5,
            verification_window_ticks: day,
            block_duration_ticks: day,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRegistration {
    pub display_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub permissions: Vec<String>,
}

/// An app users sign in to.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub display_name: String,
    pub app_id: String,
    pub resource_display_name: String,
    pub resource_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The name steps refer to the user by.
    pub key: String,
    pub upn: String,
    pub display_name: String,
    pub password: String,
    pub home: ClientContext,
    pub familiar: Vec<ClientContext>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientContext {
    pub ip: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub os: String,
    pub browser: String,
    pub user_agent: Option<String>,
}

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
}

#[derive(Debug, Clone)]
pub struct SignInStep {
    pub user: usize,
    pub app: App,
    /// What the user types; `None` is the right password.
    pub password: Option<Template>,
    pub client: ClientContext,
    pub stay_signed_in: StaySignedIn,
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

/// Many generated users who sign in on a rhythm.
#[derive(Debug, Clone)]
pub struct Population {
    pub name: String,
    pub count: u32,
    pub upn: Template,
    pub display_name: Template,
    pub password: Template,
    pub apps: Vec<App>,
    pub locations: Vec<PopulationLocation>,
    pub sign_ins_per_user: u32,
    pub from_ticks: i64,
    pub over_ticks: i64,
    pub typo_rate: f64,
    pub stay_signed_in: StaySignedIn,
}

#[derive(Debug, Clone)]
pub struct PopulationLocation {
    pub ips: Cidr,
    pub city: String,
    pub state: String,
    pub country: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub os: String,
    pub browser: String,
    pub weight: f64,
}
