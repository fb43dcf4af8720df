//! Everything the handlers share: tenants with their stores, the token signer, the clock.

use super::config::{Clock, ServerConfig, TenantConfig};
use super::faults::{IngestionDelays, Throttle};
use super::token::TokenSigner;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::sync::Semaphore;

pub struct AppState {
    pub tenants: Vec<TenantState>,
    pub signer: TokenSigner,
    pub clock: Clock,
    /// Seconds an access token lives.
    pub token_lifetime: u64,
    /// `https` or `http`, for the absolute URLs the server hands out.
    pub scheme: &'static str,
    /// `host:port` for requests that do not name the host.
    pub host: String,
    /// Log Analytics queries running at once (see `log_analytics::QUERY_SLOTS`).
    pub query_slots: Arc<Semaphore>,
}

pub struct TenantState {
    pub config: TenantConfig,
    pub delays: Option<IngestionDelays>,
    pub throttle: Throttle,
    /// Graph requests so far; numbers the fault decisions.
    pub requests: AtomicU64,
}

impl AppState {
    pub fn new(config: ServerConfig, scheme: &'static str, host: String) -> Self {
        let tenants = config
            .tenants
            .into_iter()
            .map(|tenant| TenantState {
                delays: IngestionDelays::draw(&tenant),
                throttle: Throttle::default(),
                requests: AtomicU64::new(0),
                config: tenant,
            })
            .collect();
        AppState {
            tenants,
            signer: TokenSigner::random(),
            clock: config.clock,
            token_lifetime: config.token_lifetime,
            scheme,
            host,
            query_slots: Arc::new(Semaphore::new(super::log_analytics::QUERY_SLOTS)),
        }
    }

    /// Wall-clock Unix seconds, for token lifetimes and throttling windows.
    pub fn unix_now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }

    /// A tenant by id or domain, ignoring case. A domain two tenants declare reaches neither
    /// (never silently the first): `ServerConfig::ambiguity` refuses such a configuration
    /// before the server starts.
    pub fn tenant(&self, id_or_domain: &str) -> Option<&TenantState> {
        let unique = |same: &dyn Fn(&TenantState) -> bool| {
            let mut found = self.tenants.iter().filter(|t| same(t));
            match (found.next(), found.next()) {
                (Some(t), None) => Some(t),
                _ => None,
            }
        };
        unique(&|t| t.config.id.eq_ignore_ascii_case(id_or_domain))
            .or_else(|| unique(&|t| t.config.domain.eq_ignore_ascii_case(id_or_domain)))
    }
}
