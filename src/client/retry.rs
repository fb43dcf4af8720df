//! When to try again: `Retry-After` (seconds or an HTTP date) and capped exponential backoff
//! with full jitter.

use super::config::RetryPolicy;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// How long a `Retry-After` value asks to wait, measured from `now`: integer (or decimal)
/// seconds, or an HTTP date. `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Larger than u64 seconds: wait "forever", the caller caps it.
        return Some(
            value
                .parse::<u64>()
                .map(Duration::from_secs)
                .unwrap_or(Duration::MAX),
        );
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // Older Graph documentation shows `Retry-After: 2.128`.
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Backoff delays: attempt `n` (1-based, the attempt that just failed) waits a uniformly
/// random time in `[0, min(max_delay, base_delay * 2^(n-1))]`.
pub struct Backoff {
    policy: RetryPolicy,
    state: u64,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Self {
        // A random seed without another dependency: std's per-process hash keys.
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Backoff::with_seed(policy, seed)
    }

    pub fn with_seed(policy: RetryPolicy, seed: u64) -> Self {
        Backoff {
            policy,
            state: seed,
        }
    }

    /// The ceiling for the wait after failed attempt `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        self.policy
            .base_delay
            .saturating_mul(1u32 << doublings.min(31))
            .min(self.policy.max_delay)
    }

    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay(&mut self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next_u64() % nanos.saturating_add(1))
    }

    /// A `Retry-After` wait, capped by the policy's `max_delay`.
    pub fn cap(&self, wait: Duration) -> Duration {
        wait.min(self.policy.max_delay)
    }

    /// splitmix64: small, fast, good enough for jitter.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A duration for people: `2s`, `1.5s`, `120ms`.
pub fn human(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        let ms = duration.as_millis();
        if ms.is_multiple_of(1000) {
            format!("{}s", ms / 1000)
        } else {
            format!("{:.1}s", duration.as_secs_f64())
        }
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }

    #[test]
    fn retry_after_in_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("10", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("2.128", now),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn retry_after_as_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:03 GMT", now),
            Some(Duration::from_secs(3))
        );
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let mut backoff = Backoff::with_seed(policy(), 7);
        assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(2), Duration::from_millis(200));
        assert_eq!(backoff.ceiling(5), Duration::from_millis(1600));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(2));
        for attempt in 1..40 {
            assert!(backoff.delay(attempt) <= backoff.ceiling(attempt));
        }
        let delays: Vec<_> = (0..20).map(|_| backoff.delay(5)).collect();
        assert!(
            delays.iter().any(|d| *d != delays[0]),
            "jittered: {delays:?}"
        );
        assert_eq!(
            backoff.cap(Duration::from_secs(120)),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn durations_for_people() {
        assert_eq!(human(Duration::from_secs(2)), "2s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_millis(120)), "120ms");
    }
}
