//! Smart lockout for one user and one familiarity bucket (familiar and unfamiliar contexts
//! count separately).
//!
//! The model, each part named in `LockoutPolicy`:
//! - only distinct wrong passwords count: one of the last three wrong passwords typed again
//!   fails but is not counted;
//! - the counter locks when it reaches `threshold + drift`, where drift is drawn per lockout
//!   cycle from 0..=`drift` (the lag between data centres the lab saw);
//! - while locked every attempt from this bucket gets 50053, even with the right password;
//! - the first distinct wrong password after a lockout expires locks again at once, and each
//!   repeated lockout lasts `growth` times longer, up to `max_duration`;
//! - a successful sign-in clears the count (`reset_on_success`).

use crate::graph::Timestamp;
use crate::scenario::LockoutPolicy;

/// How many recent wrong passwords smart lockout remembers (documented).
pub const REMEMBERED_WRONG_PASSWORDS: usize = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockoutCounter {
    failures: u32,
    recent_wrong: Vec<u64>,
    /// `threshold + drift` of the current cycle, fixed at its first failure.
    cycle_limit: Option<(u32, u32)>,
    locked_until: Option<Timestamp>,
    /// Lockouts so far; drives the duration growth.
    lockouts: u32,
    /// Set when a lockout expired and no sign-in has succeeded since.
    relock_armed: bool,
    /// Cycles started so far; names the drift draw of the next cycle.
    cycles: u32,
}

/// What the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Right,
    /// A wrong password, by fingerprint.
    Wrong(u64),
}

/// What smart lockout decided about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockoutDecision {
    /// Right password, not locked.
    Allowed,
    /// A distinct wrong password, counted.
    Counted {
        failure: u32,
        threshold: u32,
        drift: u32,
    },
    /// One of the last three wrong passwords again: not counted.
    Repeated { failures: u32 },
    /// A wrong password that locked the account (threshold reached, or the first failure
    /// after a lockout expired).
    LockedNow {
        failure: u32,
        threshold: u32,
        drift: u32,
        duration_ticks: i64,
        until: Timestamp,
        relock: bool,
    },
    /// Refused: the bucket is locked.
    Refused { until: Timestamp },
}

impl LockoutDecision {
    pub fn error_code(self) -> i32 {
        match self {
            LockoutDecision::Allowed => 0,
            LockoutDecision::Refused { .. } => 50053,
            _ => 50126,
        }
    }
}

impl LockoutCounter {
    /// Decides one attempt at `now`. `draw_drift(cycle)` gives the extra failures of a cycle.
    pub fn attempt(
        &mut self,
        now: Timestamp,
        check: PasswordCheck,
        policy: &LockoutPolicy,
        draw_drift: impl FnOnce(u32) -> u32,
    ) -> LockoutDecision {
        if let Some(until) = self.locked_until {
            if now < until {
                return LockoutDecision::Refused { until };
            }
            self.locked_until = None;
            self.relock_armed = true;
        }
        let hash = match check {
            PasswordCheck::Right => {
                if policy.reset_on_success {
                    self.failures = 0;
                    self.cycle_limit = None;
                    self.relock_armed = false;
                }
                return LockoutDecision::Allowed;
            }
            PasswordCheck::Wrong(hash) => hash,
        };
        if self.recent_wrong.contains(&hash) {
            return LockoutDecision::Repeated {
                failures: self.failures,
            };
        }
        if self.recent_wrong.len() == REMEMBERED_WRONG_PASSWORDS {
            self.recent_wrong.remove(0);
        }
        self.recent_wrong.push(hash);
        self.failures += 1;
        let (threshold, drift) = match self.cycle_limit {
            Some(limit) => limit,
            None => {
                let drift = draw_drift(self.cycles).min(policy.drift);
                self.cycles += 1;
                *self.cycle_limit.insert((policy.threshold, drift))
            }
        };
        let failure = self.failures;
        let relock = self.relock_armed;
        if !relock && failure < threshold + drift {
            return LockoutDecision::Counted {
                failure,
                threshold,
                drift,
            };
        }
        self.lockouts += 1;
        let duration_ticks = lockout_duration(policy, self.lockouts);
        let until = now.plus_ticks(duration_ticks);
        self.locked_until = Some(until);
        self.failures = 0;
        self.cycle_limit = None;
        self.relock_armed = false;
        LockoutDecision::LockedNow {
            failure,
            threshold,
            drift,
            duration_ticks,
            until,
            relock,
        }
    }

    /// A full self-service password reset sets the lockout back to nothing.
    pub fn clear(&mut self) {
        *self = LockoutCounter {
            cycles: self.cycles,
            ..LockoutCounter::default()
        };
    }

    pub fn is_default(&self) -> bool {
        *self == LockoutCounter::default()
    }
}

/// The duration of the `nth` lockout (1-based): `duration × growth^(n-1)`, capped.
pub fn lockout_duration(policy: &LockoutPolicy, nth: u32) -> i64 {
    let factor = policy
        .growth
        .powi(i32::try_from(nth.saturating_sub(1)).unwrap_or(i32::MAX));
    let ticks = policy.duration_ticks as f64 * factor;
    if ticks.is_finite() && ticks < policy.max_duration_ticks as f64 {
        ticks as i64
    } else {
        policy.max_duration_ticks.max(policy.duration_ticks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::timestamp::TICKS_PER_SECOND;

    fn policy(threshold: u32, drift: u32) -> LockoutPolicy {
        LockoutPolicy {
            threshold,
            drift,
            ..LockoutPolicy::default()
        }
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_742_224_000 + seconds)
    }

    /// Wrong passwords 1, 2, 3, ... until the first refusal; returns the codes.
    fn codes_until_refused(
        counter: &mut LockoutCounter,
        policy: &LockoutPolicy,
        drift: u32,
    ) -> Vec<i32> {
        let mut codes = Vec::new();
        for i in 0..50u64 {
            let d = counter.attempt(at(i as i64), PasswordCheck::Wrong(i), policy, |_| drift);
            codes.push(d.error_code());
            if d.error_code() == 50053 {
                break;
            }
        }
        codes
    }

    #[test]
    fn locks_after_threshold_plus_drift_distinct_failures() {
        for drift in 0..=2 {
            let p = policy(5, 2);
            let mut counter = LockoutCounter::default();
            let codes = codes_until_refused(&mut counter, &p, drift);
            let wrong = codes.iter().filter(|c| **c == 50126).count();
            assert_eq!(wrong, 5 + drift as usize, "drift {drift}");
            assert_eq!(codes.last(), Some(&50053));
        }
    }

    #[test]
    fn drift_is_capped_by_the_policy() {
        let p = policy(5, 1);
        let mut counter = LockoutCounter::default();
        let codes = codes_until_refused(&mut counter, &p, 9);
        assert_eq!(codes.iter().filter(|c| **c == 50126).count(), 6);
    }

    #[test]
    fn the_same_wrong_password_never_locks() {
        let p = policy(3, 0);
        let mut counter = LockoutCounter::default();
        for i in 0..100 {
            let d = counter.attempt(at(i), PasswordCheck::Wrong(42), &p, |_| 0);
            assert_ne!(d.error_code(), 50053);
        }
        assert_eq!(counter.failures, 1);
    }

    #[test]
    fn only_the_last_three_wrong_passwords_are_remembered() {
        let p = policy(10, 0);
        let mut counter = LockoutCounter::default();
        for hash in [1, 2, 3, 4] {
            counter.attempt(at(0), PasswordCheck::Wrong(hash), &p, |_| 0);
        }
        // 1 has been forgotten, so it counts again; 4 is remembered.
        assert!(matches!(
            counter.attempt(at(1), PasswordCheck::Wrong(1), &p, |_| 0),
            LockoutDecision::Counted { failure: 5, .. }
        ));
        assert!(matches!(
            counter.attempt(at(2), PasswordCheck::Wrong(4), &p, |_| 0),
            LockoutDecision::Repeated { failures: 5 }
        ));
    }

    #[test]
    fn locked_refuses_the_right_password_until_expiry() {
        let p = policy(2, 0);
        let mut counter = LockoutCounter::default();
        counter.attempt(at(0), PasswordCheck::Wrong(1), &p, |_| 0);
        let locked = counter.attempt(at(1), PasswordCheck::Wrong(2), &p, |_| 0);
        assert!(
            matches!(locked, LockoutDecision::LockedNow { duration_ticks, .. } if duration_ticks == 60 * TICKS_PER_SECOND)
        );
        assert_eq!(
            counter
                .attempt(at(30), PasswordCheck::Right, &p, |_| 0)
                .error_code(),
            50053
        );
        assert_eq!(
            counter.attempt(at(61), PasswordCheck::Right, &p, |_| 0),
            LockoutDecision::Allowed
        );
    }

    #[test]
    fn a_failure_after_expiry_locks_again_for_longer() {
        let p = policy(2, 0);
        let mut counter = LockoutCounter::default();
        counter.attempt(at(0), PasswordCheck::Wrong(1), &p, |_| 0);
        counter.attempt(at(1), PasswordCheck::Wrong(2), &p, |_| 0);
        let again = counter.attempt(at(100), PasswordCheck::Wrong(3), &p, |_| 0);
        assert!(
            matches!(again, LockoutDecision::LockedNow { relock: true, duration_ticks, .. } if duration_ticks == 120 * TICKS_PER_SECOND)
        );
        let third = counter.attempt(at(300), PasswordCheck::Wrong(4), &p, |_| 0);
        assert!(
            matches!(third, LockoutDecision::LockedNow { duration_ticks, .. } if duration_ticks == 240 * TICKS_PER_SECOND)
        );
    }

    #[test]
    fn duration_growth_is_capped() {
        let p = LockoutPolicy {
            max_duration_ticks: 300 * TICKS_PER_SECOND,
            ..policy(5, 0)
        };
        assert_eq!(lockout_duration(&p, 1), 60 * TICKS_PER_SECOND);
        assert_eq!(lockout_duration(&p, 3), 240 * TICKS_PER_SECOND);
        assert_eq!(lockout_duration(&p, 4), 300 * TICKS_PER_SECOND);
        assert_eq!(lockout_duration(&p, u32::MAX), 300 * TICKS_PER_SECOND);
    }

    #[test]
    fn success_resets_the_count() {
        let p = policy(3, 0);
        let mut counter = LockoutCounter::default();
        counter.attempt(at(0), PasswordCheck::Wrong(1), &p, |_| 0);
        counter.attempt(at(1), PasswordCheck::Wrong(2), &p, |_| 0);
        counter.attempt(at(2), PasswordCheck::Right, &p, |_| 0);
        assert!(matches!(
            counter.attempt(at(3), PasswordCheck::Wrong(5), &p, |_| 0),
            LockoutDecision::Counted { failure: 1, .. }
        ));
    }

    #[test]
    fn clear_unlocks_but_keeps_the_cycle_count() {
        let p = policy(1, 0);
        let mut counter = LockoutCounter::default();
        counter.attempt(at(0), PasswordCheck::Wrong(1), &p, |_| 0);
        counter.clear();
        assert_eq!(
            counter.attempt(at(1), PasswordCheck::Right, &p, |_| 0),
            LockoutDecision::Allowed
        );
        assert_eq!(counter.cycles, 1);
    }
}
