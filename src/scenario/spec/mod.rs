//! The scenario file as written: the YAML model, deserialized with locations. Cross-references
//! and limits are checked afterwards by `resolve`, which turns a `ScenarioSpec` into a
//! `Scenario`.

pub mod detections;
pub mod directory;
pub mod expect;
pub mod questions;
pub mod risk;

use crate::catalog::SsprMethod;
use crate::graph::Timestamp;
use crate::scenario::values::{Cidr, DurationValue, IpText, Probability};
use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: Option<Spanned<String>>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    /// Ordinary traffic only: any rule firing on it is a false positive (`detect --coverage`).
    #[serde(default)]
    pub benign: bool,
    pub tenant: TenantSpec,
    #[serde(default)]
    pub app_registrations: Vec<AppRegistrationSpec>,
    /// Apps beyond the built-in first-party catalogue.
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    /// Spanned so a mistake of the whole entry (a missing `display_name`) points at it.
    #[serde(default)]
    pub users: Vec<Spanned<UserSpec>>,
    #[serde(default)]
    pub populations: Vec<PopulationSpec>,
    pub timeline: Option<TimelineSpec>,
    /// What `entralab serve` does wrong on purpose, for rehearsing retries and waiting.
    pub faults: Option<Spanned<FaultsSpec>>,
    /// What the logs must show (`entralab verify`).
    #[serde(default)]
    pub expect: Vec<Spanned<expect::ExpectationSpec>>,
    /// Sigma rules that must fire or stay quiet (`entralab verify --rules DIR`).
    pub detections: Option<Spanned<detections::DetectionsSpec>>,
    /// Exercises whose answers come from the records (`entralab exercise`).
    #[serde(default)]
    pub questions: Vec<Spanned<questions::QuestionSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSpec {
    pub throttle: Option<ThrottleSpec>,
    pub latency: Option<DurationValue>,
    pub server_errors: Option<Probability>,
    pub ingestion_delay: Option<IngestionDelaySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSpec {
    pub requests: Spanned<u32>,
    pub per: Spanned<DurationValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestionDelaySpec {
    #[serde(default)]
    pub min: DurationValue,
    pub median: Spanned<DurationValue>,
    pub max: Option<DurationValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    pub id: Option<Spanned<String>>,
    pub domain: Spanned<String>,
    pub display_name: Option<Spanned<String>>,
    /// P1/P2 licence; true when absent.
    pub premium: Option<Spanned<bool>>,
    pub smart_lockout: Option<Spanned<SmartLockoutSpec>>,
    pub sspr: Option<Spanned<SsprPolicySpec>>,
    /// Conditional Access block policies, evaluated after the right password.
    #[serde(default)]
    pub conditional_access: Vec<ConditionalAccessSpec>,
    /// Named locations: a sign-in from one of their ranges lists it in
    /// `networkLocationDetails`.
    #[serde(default)]
    pub named_locations: Vec<NamedLocationSpec>,
    /// ID Protection: licence and threat intelligence; absent, no risk is decided.
    pub identity_protection: Option<Spanned<risk::IdentityProtectionSpec>>,
}

/// A named location defined by IP ranges (Conditional Access > Named locations).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedLocationSpec {
    pub name: Spanned<String>,
    pub ips: Vec<Cidr>,
    /// "Mark as trusted location": `trustedNamedLocation` rather than `namedNetwork`.
    #[serde(default)]
    pub trusted: bool,
}

/// A device known to Entra ID, as `deviceDetail` shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// The device's display name, e.g. `TOKYO-PC-0042`.
    pub name: Spanned<String>,
    /// The device id; derived from the seed and the name when absent.
    pub id: Option<Spanned<String>>,
    pub join: JoinSpec,
    /// Marked compliant by Intune (default: yes when joined, no when registered).
    pub compliant: Option<bool>,
    /// Managed by an MDM (default: yes when joined, no when registered).
    pub managed: Option<bool>,
}

/// How a device is known to Entra ID (`trustType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinSpec {
    EntraJoined,
    HybridJoined,
    Registered,
}

/// Corporate devices of a population's members; the others sign in from personal,
/// unregistered devices.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationDevicesSpec {
    /// The share of members with a corporate device (default 1).
    pub share: Option<Probability>,
    #[serde(default = "entra_joined")]
    pub join: JoinSpec,
    /// The share of those devices that are compliant (default 1).
    pub compliant: Option<Probability>,
    /// The device name of member `{n}` (default `PC-{n:06}`).
    pub name: Option<Spanned<String>>,
}

fn entra_joined() -> JoinSpec {
    JoinSpec::EntraJoined
}

/// A Conditional Access policy: Block, or require MFA. Every condition given must hold; an
/// absent condition matches everything.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionalAccessSpec {
    pub name: Spanned<String>,
    /// The policy id; derived from the seed and the name when absent.
    pub id: Option<Spanned<String>>,
    /// Block sign-ins from these countries (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub countries: Vec<Spanned<String>>,
    /// Block sign-ins from every country but these.
    #[serde(default)]
    pub except_countries: Vec<Spanned<String>>,
    /// Block these `clientAppUsed` values (e.g. `Exchange ActiveSync`, `Other clients`).
    #[serde(default)]
    pub client_apps: Vec<Spanned<String>>,
    /// Block sign-ins to these apps.
    #[serde(default)]
    pub apps: Vec<Spanned<String>>,
    /// Only these users (keys or UPNs); all users when absent.
    #[serde(default)]
    pub users: Vec<Spanned<String>>,
    /// Only sign-ins whose real-time risk is one of these levels (`low`, `medium`, `high`).
    #[serde(default)]
    pub sign_in_risk: Vec<Spanned<String>>,
    /// Only users whose risk at the time of the sign-in is one of these levels.
    #[serde(default)]
    pub user_risk: Vec<Spanned<String>>,
    /// `block` (default), `mfa` or `password_change`.
    pub grant: Option<CaGrantSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaGrantSpec {
    Block,
    Mfa,
    PasswordChange,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartLockoutSpec {
    pub threshold: Option<Spanned<u32>>,
    pub duration: Option<DurationValue>,
    pub drift: Option<u32>,
    pub growth: Option<Spanned<f64>>,
    pub max_duration: Option<DurationValue>,
    pub familiar_match: Option<FamiliarMatchSpec>,
    pub reset_on_success: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamiliarMatchSpec {
    IpAndBrowser,
    Ip,
    Browser,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsprPolicySpec {
    pub enabled: Option<bool>,
    pub methods: Option<Spanned<Vec<SsprMethod>>>,
    pub wrong_codes_before_restart: Option<Spanned<u32>>,
    pub failed_verifications_before_block: Option<Spanned<u32>>,
    pub verification_window: Option<DurationValue>,
    pub block_duration: Option<DurationValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRegistrationSpec {
    pub display_name: String,
    pub client_id: Spanned<String>,
    pub client_secret: String,
    #[serde(default)]
    pub permissions: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    pub display_name: Spanned<String>,
    pub app_id: Spanned<String>,
    pub resource_display_name: Option<String>,
    pub resource_id: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// The name steps use; defaults to the part of the UPN before `@`.
    pub id: Option<Spanned<String>>,
    pub upn: Spanned<String>,
    /// Required; optional here only so its absence is reported at the user entry, with a hint,
    /// rather than at whichever key the parser saw last.
    pub display_name: Option<String>,
    pub password: String,
    pub home: ContextSpec,
    #[serde(default)]
    pub familiar: Vec<ContextSpec>,
    /// `accountEnabled`; a disabled account gets 50057 on every attempt (default true).
    pub enabled: Option<bool>,
    /// Whether the user must do MFA after the right password: `true`, `false`, or a method.
    pub mfa: Option<UserMfaSpec>,
}

/// `mfa: true | false | push | sms | phone_call | oath`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum UserMfaSpec {
    On(bool),
    Method(MfaMethodSpec),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaMethodSpec {
    Push,
    Sms,
    PhoneCall,
    Oath,
}

/// Where and with what a sign-in happens. In a step every field is optional and falls back to
/// the user's home context.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    pub ip: Option<IpText>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<Spanned<String>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub os: Option<String>,
    pub browser: Option<String>,
    pub user_agent: Option<String>,
    /// `clientAppUsed` (steps only): `Browser` (default), `Mobile Apps and Desktop clients`, or a
    /// legacy client such as `Exchange ActiveSync`, `IMAP4`, `POP3`, `Authenticated SMTP`,
    /// `Other clients`.
    pub client_app: Option<Spanned<String>>,
    /// The registered device signing in; absent: an unregistered (personal) device.
    pub device: Option<DeviceSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    pub name: String,
    pub count: Spanned<u32>,
    pub upn: Spanned<String>,
    pub display_name: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub apps: Spanned<Vec<Spanned<String>>>,
    pub locations: Spanned<Vec<PopulationLocationSpec>>,
    pub sign_ins: SignInRhythmSpec,
    #[serde(default)]
    pub typo_rate: Probability,
    pub stay_signed_in: Option<StaySignedInSpec>,
    /// Chance a sign-in gets the MFA prompt (50074, then success "MFA completed in Azure AD").
    #[serde(default)]
    pub mfa_rate: Probability,
    pub devices: Option<PopulationDevicesSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationLocationSpec {
    pub ips: Cidr,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Spanned<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub os: Option<String>,
    pub browser: Option<String>,
    #[serde(default = "one")]
    pub weight: Spanned<f64>,
}

fn one() -> Spanned<f64> {
    Spanned::new(
        1.0,
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRhythmSpec {
    pub per_user: Spanned<u32>,
    #[serde(default)]
    pub from: DurationValue,
    pub over: Spanned<DurationValue>,
    /// `even` (default): spread evenly over the period; `working_days`: only on weekdays within
    /// `hours` local time.
    pub rhythm: Option<RhythmSpec>,
    /// Local working hours, `"08:00-18:00"` (default), for `rhythm: working_days`.
    pub hours: Option<Spanned<String>>,
    /// The members' UTC offset, `"+09:00"` (default `+00:00`), for `rhythm: working_days`.
    pub utc_offset: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RhythmSpec {
    Even,
    WorkingDays,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineSpec {
    pub start: Timestamp,
    #[serde(default)]
    pub steps: Vec<StepSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub at: Spanned<DurationValue>,
    pub repeat: Option<RepeatSpec>,
    pub sign_in: Option<SignInStepSpec>,
    pub sspr: Option<SsprStepSpec>,
    pub spray: Option<SpraySpec>,
    /// A change to the directory by a user or an app.
    pub directory: Option<directory::DirectoryStepSpec>,
    /// An explicit ID Protection detection (leaked credentials, user reported, ...).
    pub risk_detection: Option<risk::RiskDetectionStepSpec>,
    /// An admin dismisses risky users or confirms them compromised.
    pub risky_user: Option<risk::RiskyUserStepSpec>,
}

/// One client tries one password (per round) against many users.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpraySpec {
    /// Declared users to try, in order.
    #[serde(default)]
    pub users: Vec<Spanned<String>>,
    /// A population whose first `members` members are tried after `users`.
    pub population: Option<Spanned<String>>,
    pub members: Option<Spanned<u32>>,
    pub app: Spanned<String>,
    /// The password tried against every user; `{n}` is the attempt number (1-based).
    pub password: Option<Spanned<String>>,
    /// One password per round, each round over every user.
    #[serde(default)]
    pub passwords: Vec<Spanned<String>>,
    /// Time between two attempts.
    pub every: Spanned<DurationValue>,
    #[serde(default)]
    pub client: ContextSpec,
    /// Rotate the source address through this range, one per attempt (credential stuffing).
    pub ips: Option<Cidr>,
    pub stay_signed_in: Option<StaySignedInSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatSpec {
    pub count: Spanned<u32>,
    pub every: Spanned<DurationValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInStepSpec {
    pub user: Spanned<String>,
    pub app: Spanned<String>,
    /// What the user typed; absent means the right password. `{n}` is the repetition number.
    pub password: Option<Spanned<String>>,
    #[serde(default)]
    pub client: ContextSpec,
    pub stay_signed_in: Option<StaySignedInSpec>,
    /// What the user does with the MFA prompt (users with `mfa`).
    pub mfa: Option<MfaStepSpec>,
    /// Continue the user's unfinished sign-in from the same address (one login page retried):
    /// share its correlationId. Default `false`: every attempt is a new sign-in.
    #[serde(default)]
    pub same_session: bool,
}

/// MFA prompts denied or ignored before the last one is approved (or not).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaStepSpec {
    #[serde(default)]
    pub deny: u32,
    #[serde(default)]
    pub ignore: u32,
    /// Whether the last prompt is approved (default true).
    pub approve: Option<bool>,
}

/// The answer to "Stay signed in?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaySignedInSpec {
    Yes,
    No,
    NotAsked,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsprStepSpec {
    pub user: Spanned<String>,
    pub method: Option<Spanned<SsprMethod>>,
    pub wrong_captcha: Option<Spanned<u32>>,
    pub wrong_phone_number: Option<Spanned<u32>>,
    pub wrong_codes: Option<Spanned<u32>>,
    pub outcome: Option<SsprOutcomeSpec>,
    pub new_password: Option<String>,
    #[serde(default)]
    pub client: ContextSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsprOutcomeSpec {
    Reset,
    Abandon,
}
