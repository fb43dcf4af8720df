//! The validated scenario the simulator runs: every reference resolved, every limit checked,
//! every default filled in.

use super::diagnostic::SourceFile;
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
    /// Marked `benign: true`: ordinary traffic, where any rule firing is noise.
    pub benign: bool,
    pub tenant: Tenant,
    pub app_registrations: Vec<AppRegistration>,
    pub users: Vec<User>,
    pub populations: Vec<Population>,
    pub start: Timestamp,
    pub steps: Vec<Step>,
    pub faults: Faults,
    pub expectations: Vec<super::expect::Expectation>,
    /// The `detections:` section.
    pub detections: Vec<super::detections::DetectionExpectation>,
    /// Where the file says what it says about its tenant, for errors that name two files.
    pub places: TenantPlaces,
}

/// Where a scenario file writes its tenant's settings, app registrations and users. A setting
/// the file leaves out points at the tenant's `domain:`.
#[derive(Debug, Clone)]
pub struct TenantPlaces {
    pub file: SourceFile,
    /// `name:`, or the domain when the name comes from the file name.
    pub name: serde_saphyr::Location,
    pub id: Option<serde_saphyr::Location>,
    pub domain: serde_saphyr::Location,
    pub display_name: Option<serde_saphyr::Location>,
    pub premium: Option<serde_saphyr::Location>,
    pub smart_lockout: Option<serde_saphyr::Location>,
    pub sspr: Option<serde_saphyr::Location>,
    pub conditional_access: Option<serde_saphyr::Location>,
    pub named_locations: Option<serde_saphyr::Location>,
    pub faults: Option<serde_saphyr::Location>,
    /// The `client_id` of each app registration, in `Scenario::app_registrations` order.
    pub app_registrations: Vec<serde_saphyr::Location>,
    /// The `upn` of each user, in `Scenario::users` order.
    pub users: Vec<serde_saphyr::Location>,
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
    /// The tenant id as written; `None` derives it from the domain (`sim::tenant_id`).
    pub id: Option<String>,
    pub domain: String,
    pub display_name: String,
    pub premium: bool,
    pub lockout: LockoutPolicy,
    pub sspr: SsprPolicy,
    pub conditional_access: Vec<CaPolicy>,
    pub named_locations: Vec<NamedLocation>,
}

/// A named location defined by IP ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedLocation {
    pub name: String,
    pub ranges: Vec<Cidr>,
    pub trusted: bool,
}

/// A Conditional Access policy with the Block grant. Empty lists match everything.
#[derive(Debug, Clone, PartialEq)]
pub struct CaPolicy {
    pub id: String,
    pub display_name: String,
    pub countries: Vec<String>,
    pub except_countries: Vec<String>,
    /// `clientAppUsed` values, compared case-insensitively.
    pub client_apps: Vec<String>,
    /// App display names, compared case-insensitively.
    pub apps: Vec<String>,
    /// Indexes into `Scenario::users`; empty: every user (and every population member).
    pub users: Vec<usize>,
    pub grant: CaGrant,
}

/// What a Conditional Access policy asks for when its conditions hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaGrant {
    Block,
    /// Require multifactor authentication (`enforcedGrantControls` `Mfa`).
    Mfa,
}

impl CaGrant {
    /// `enforcedGrantControls` of the policy.
    pub fn control(self) -> &'static str {
        match self {
            CaGrant::Block => "Block",
            CaGrant::Mfa => "Mfa",
        }
    }
}

impl CaPolicy {
    /// Whether the policy's conditions hold for this sign-in.
    pub fn applies(&self, user: Option<usize>, country: &str, client_app: &str, app: &str) -> bool {
        let any = |list: &[String], value: &str| list.iter().any(|v| v.eq_ignore_ascii_case(value));
        (self.users.is_empty() || user.is_some_and(|u| self.users.contains(&u)))
            && (self.countries.is_empty() || any(&self.countries, country))
            && (self.except_countries.is_empty() || !any(&self.except_countries, country))
            && (self.client_apps.is_empty() || any(&self.client_apps, client_app))
            && (self.apps.is_empty() || any(&self.apps, app))
    }
}

/// Smart lockout. Entra does not publish how the duration grows or how a context becomes
/// familiar; those are the named defaults below (see docs/behaviour.md).
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
    /// `accountEnabled`: a disabled account gets 50057 on every attempt.
    pub enabled: bool,
    /// The MFA method the user must use after the right password, if any.
    pub mfa: Option<MfaMethod>,
}

/// How a user does MFA; names the method in notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaMethod {
    Push,
    Sms,
    PhoneCall,
    Oath,
}

impl MfaMethod {
    pub fn label(self) -> &'static str {
        match self {
            MfaMethod::Push => "Mobile app notification",
            MfaMethod::Sms => "Text message",
            MfaMethod::PhoneCall => "Phone call",
            MfaMethod::Oath => "OATH verification code",
        }
    }
}

/// What the user does with MFA prompts in one sign-in: deny some, ignore some, then approve
/// the last one or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaResponse {
    pub deny: u32,
    pub ignore: u32,
    pub approve: bool,
}

impl MfaResponse {
    pub const APPROVE: MfaResponse = MfaResponse {
        deny: 0,
        ignore: 0,
        approve: true,
    };
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
    /// The registered device; `None`: an unregistered (personal) device.
    pub device: Option<Device>,
}

/// A device known to Entra ID.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub trust: TrustType,
    pub compliant: bool,
    pub managed: bool,
}

/// `deviceDetail.trustType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustType {
    EntraJoined,
    HybridJoined,
    Registered,
}

impl TrustType {
    /// The text sign-in rows carry (reference entra-behavior.md 4.7).
    pub fn label(self) -> &'static str {
        match self {
            TrustType::EntraJoined => "Azure AD joined",
            TrustType::HybridJoined => "Hybrid Azure AD joined",
            TrustType::Registered => "Azure AD registered",
        }
    }

    /// Joined devices are managed and compliant unless the scenario says otherwise;
    /// registered (personal) ones are neither.
    pub fn managed_by_default(self) -> bool {
        self != TrustType::Registered
    }
}

/// The corporate devices of a population's members.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationDevices {
    pub share: f64,
    pub trust: TrustType,
    pub compliant: f64,
    pub name: Template,
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
    /// One client tries passwords against many users; repetition `r` is one attempt (see
    /// `SprayStep::attempt`).
    Spray(SprayStep),
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
    /// Chance a sign-in gets the MFA prompt, approved.
    pub mfa_rate: f64,
    /// Sign-ins only in working hours on weekdays; `None` spreads them evenly.
    pub rhythm: Option<WorkingRhythm>,
    /// Members' corporate devices; `None`: every member on an unregistered device.
    pub devices: Option<PopulationDevices>,
}

/// Working hours on weekdays in a fixed UTC offset, as intervals of the population's period.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingRhythm {
    /// Start and end of the working day, minutes after local midnight.
    pub hours: (u32, u32),
    pub utc_offset_minutes: i32,
    /// (offset from the timeline start, length) of each working interval in the period, and
    /// the working time before it, in ticks; filled in once the timeline start is known.
    pub intervals: Vec<(i64, i64, i64)>,
    pub total_ticks: i64,
}

impl WorkingRhythm {
    /// Lays the working intervals over `[from, from + over)` (ticks after `start`).
    pub fn lay_out(&mut self, start: Timestamp, from: i64, over: i64) {
        const MINUTE: i64 = 60 * crate::graph::timestamp::TICKS_PER_SECOND;
        const DAY: i64 = 1440 * MINUTE;
        let offset = i64::from(self.utc_offset_minutes) * MINUTE;
        let (lo, hi) = (start.ticks() + from, start.ticks() + from + over);
        // Local midnight of the first day, in UTC ticks since the Unix epoch.
        let epoch = crate::graph::Timestamp::from_unix_seconds(0).ticks();
        let local = lo - epoch + offset;
        let mut day = local.div_euclid(DAY) * DAY - offset + epoch;
        self.intervals.clear();
        let mut total = 0;
        while day < hi {
            // 1970-01-01 was a Thursday: weekday 0 = Monday.
            let weekday = ((day + offset - epoch).div_euclid(DAY) + 3).rem_euclid(7);
            if weekday < 5 {
                let a = (day + i64::from(self.hours.0) * MINUTE).max(lo);
                let b = (day + i64::from(self.hours.1) * MINUTE).min(hi);
                if b > a {
                    self.intervals.push((a - start.ticks(), b - a, total));
                    total += b - a;
                }
            }
            day += DAY;
        }
        self.total_ticks = total;
    }

    /// The offset from the timeline start of working-time offset `working` (0..total).
    pub fn place(&self, working: i64) -> i64 {
        let i = self
            .intervals
            .partition_point(|&(_, _, before)| before <= working)
            .saturating_sub(1);
        match self.intervals.get(i) {
            Some(&(at, len, before)) => at + (working - before).min(len - 1).max(0),
            None => 0,
        }
    }
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
