//! Faults the mock injects on purpose, deterministic from the tenant's seed: Graph's
//! throttling, latency, 503/504 answers, and ingestion delay (records show up minutes after
//! they happened).

use super::config::TenantConfig;
use crate::graph::Timestamp;
use axum::http::StatusCode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Per record, seconds between its time and when Graph shows it.
pub struct IngestionDelays {
    sign_ins: Vec<u32>,
    audits: Vec<u32>,
    min: u32,
}

/// Which collection a record index belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SignIns,
    Audits,
}

impl IngestionDelays {
    pub fn draw(tenant: &TenantConfig) -> Option<Self> {
        let (min, median, max) = tenant.faults.ingestion_delay?;
        let mut rng = ChaCha8Rng::seed_from_u64(tenant.seed ^ 0x1d6e_57de_1a75_0000);
        // delay = min + (max - min) * u^k, with k chosen so that half the draws are below the
        // median: most records arrive early, a few late.
        let span = max.saturating_sub(min) as f64;
        let k = if span > 0.0 && median > min {
            ((median - min) as f64 / span).ln() / 0.5f64.ln()
        } else {
            1.0
        };
        let mut draw = |n: usize| -> Vec<u32> {
            (0..n)
                .map(|_| (min as f64 + span * rng.random::<f64>().powf(k)).round() as u32)
                .collect()
        };
        let sign_ins = draw(tenant.store.sign_ins.len());
        let audits = draw(tenant.store.audits.len());
        Some(IngestionDelays {
            sign_ins,
            audits,
            min: min as u32,
        })
    }

    /// Nothing that happened after this is visible at `now`.
    pub fn latest(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(-i64::from(self.min))
    }

    pub fn visible(&self, kind: Kind, index: usize, time: Timestamp, now: Timestamp) -> bool {
        let delays = match kind {
            Kind::SignIns => &self.sign_ins,
            Kind::Audits => &self.audits,
        };
        let delay = delays.get(index).copied().unwrap_or(self.min);
        time.plus_seconds(i64::from(delay)) <= now
    }
}

/// Request budgets per app: a fixed window that starts with the first request.
#[derive(Default)]
pub struct Throttle {
    windows: Mutex<BTreeMap<String, (i64, u32)>>,
}

impl Throttle {
    /// Admits a request of `app` at `now` (Unix seconds), or says how many seconds to wait.
    pub fn admit(&self, app: &str, now: i64, requests: u32, window: u64) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = window.max(1) as i64;
        let entry = windows.entry(app.to_string()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        if entry.1 >= requests {
            return Err((entry.0 + window - now).max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Whether request number `n` of a tenant fails with 503 or 504.
pub fn server_error(seed: u64, n: u64, rate: f64) -> Option<StatusCode> {
    if rate <= 0.0 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5e7e_e77e_0000_0000);
    rng.set_stream(n);
    rng.random_bool(rate.min(1.0)).then(|| {
        if rng.random_bool(0.5) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::GATEWAY_TIMEOUT
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_refuses_past_the_budget_until_the_window_ends() {
        let throttle = Throttle::default();
        for _ in 0..5 {
            assert!(throttle.admit("app", 100, 5, 10).is_ok());
        }
        assert_eq!(throttle.admit("app", 103, 5, 10), Err(7));
        assert!(throttle.admit("other", 103, 5, 10).is_ok());
        assert!(throttle.admit("app", 110, 5, 10).is_ok());
    }

    #[test]
    fn server_errors_follow_the_rate_and_the_seed() {
        let failures = (0..10_000)
            .filter(|n| server_error(7, *n, 0.1).is_some())
            .count();
        assert!((800..1200).contains(&failures), "{failures}");
        assert_eq!(server_error(7, 42, 0.5), server_error(7, 42, 0.5));
        assert_eq!(server_error(7, 42, 0.0), None);
    }
}
