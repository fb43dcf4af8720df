//! Changes that a step decides when it is played but that hold only later. An SSPR attempt is
//! played at its start, yet its reset is logged minutes afterwards: the new password and the
//! cleared smart lockout hold from that logged instant, and a sign-in in between still meets
//! the old password and the lockout.

use crate::graph::Timestamp;
use std::collections::BTreeMap;

/// A password reset waiting for the instant it is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReset {
    /// The declared user (index into the scenario's users).
    pub user: usize,
    /// The password from then on; `None` keeps the old one (the scenario did not say).
    pub new_password: Option<String>,
}

/// Resets not yet in effect, soonest first; resets at the same instant in the order they were
/// decided.
#[derive(Debug, Default)]
pub struct DeferredResets {
    due: BTreeMap<(i64, u64), PendingReset>,
    next_seq: u64,
}

impl DeferredResets {
    pub fn push(&mut self, at: Timestamp, reset: PendingReset) {
        self.due.insert((at.ticks(), self.next_seq), reset);
        self.next_seq += 1;
    }

    /// The instant (ticks) of the soonest reset.
    pub fn peek_at(&self) -> Option<i64> {
        self.due.first_key_value().map(|(&(at, _), _)| at)
    }

    pub fn pop(&mut self) -> Option<PendingReset> {
        self.due.pop_first().map(|(_, reset)| reset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reset(user: usize) -> PendingReset {
        PendingReset {
            user,
            new_password: None,
        }
    }

    #[test]
    fn soonest_first_and_ties_in_the_order_decided() {
        let t = |s: i64| {
            Timestamp::parse("2025-03-17T16:20:00Z")
                .unwrap()
                .plus_seconds(s)
        };
        let mut resets = DeferredResets::default();
        resets.push(t(60), reset(0));
        resets.push(t(10), reset(1));
        resets.push(t(60), reset(2));
        assert_eq!(resets.peek_at(), Some(t(10).ticks()));
        let order: Vec<usize> = std::iter::from_fn(|| resets.pop())
            .map(|r| r.user)
            .collect();
        assert_eq!(order, [1, 0, 2]);
        assert_eq!(resets.peek_at(), None);
    }
}
