//! What the server is told about each tenant. The server knows nothing of scenarios or the
//! simulator: the command line turns a simulated scenario into a `TenantConfig`.

use crate::graph::Timestamp;
use crate::store::Store;

pub struct TenantConfig {
    pub name: String,
    pub id: String,
    pub domain: String,
    pub display_name: String,
    /// Sign-in logs need a P1/P2 licence through Graph.
    pub premium: bool,
    pub apps: Vec<AppCredentials>,
    pub store: Store,
    pub faults: FaultConfig,
    /// Seeds the fault decisions (which request fails, each record's ingestion delay).
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub display_name: String,
    pub client_id: String,
    pub client_secret: String,
    /// Application permissions, carried as `roles` in tokens.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// (requests, window in seconds) per app and tenant.
    pub throttle: Option<(u32, u64)>,
    pub latency_ms: u64,
    pub server_error_rate: f64,
    /// (min, median, max) seconds between a record's time and when Graph shows it.
    pub ingestion_delay: Option<(u64, u64, u64)>,
}

/// The time the server believes it is, for ingestion delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Clock::Fixed(t) => t,
            Clock::System => {
                let now = chrono::Utc::now();
                Timestamp::from_ticks(
                    now.timestamp() * 10_000_000 + i64::from(now.timestamp_subsec_nanos() / 100),
                )
            }
        }
    }
}

pub struct ServerConfig {
    pub tenants: Vec<TenantConfig>,
    pub clock: Clock,
    /// Seconds an access token lives: its `expires_in`, after which Graph answers 401
    /// (`DEFAULT_TOKEN_LIFETIME` as Entra; shorter to rehearse clients' token renewal).
    pub token_lifetime: u64,
}

impl ServerConfig {
    /// Two tenants with one id or one domain, which the login host could not tell apart.
    /// (Scenario files that name one tenant are merged into one `TenantConfig` before this.)
    pub fn ambiguity(&self) -> Option<String> {
        for (i, a) in self.tenants.iter().enumerate() {
            for b in &self.tenants[..i] {
                if a.id.eq_ignore_ascii_case(&b.id) {
                    return Some(format!("two tenants have the id {}", a.id));
                }
                if a.domain.eq_ignore_ascii_case(&b.domain) {
                    return Some(format!(
                        "two tenants ({} and {}) share the domain {}",
                        b.id, a.id, a.domain
                    ));
                }
            }
        }
        None
    }
}
