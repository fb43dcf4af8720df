//! The validated scenario the simulator runs: every reference resolved, every limit checked,
//! every default filled in. Plain data: it knows nothing of the file format (`spec`) or of how
//! a file becomes a scenario (`resolve`).

mod detections;
mod directory;
mod expectations;
mod populations;
mod questions;
mod steps;
mod tenant;
mod users;

pub use detections::*;
pub use directory::*;
pub use expectations::*;
pub use populations::*;
pub use questions::*;
pub use steps::*;
pub use tenant::*;
pub use users::*;

use super::diagnostic::SourceFile;
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
    pub expectations: Vec<Expectation>,
    /// The `detections:` section.
    pub detections: Vec<DetectionExpectation>,
    /// The `questions:` section: exercises (`entralab exercise`).
    pub questions: Vec<Question>,
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
