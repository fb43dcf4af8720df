//! The pending starts of a simulation (steps and population members), soonest first.
//!
//! A source (a step, a member) has at most one pending start, under its own rank, so
//! `(at, rank)` orders them totally and any correct queue pops them in the same order.
//!
//! This one is a radix heap over that pair as one 128-bit key. A source's next start is
//! pushed when its current one is popped, and comes after it, so keys arrive no earlier than
//! the last one taken out: each waits, with its source, in the bucket of the highest bit in
//! which it differs from that last key, and moves to a lower bucket only when its own is
//! emptied, a few appends in its life. The 4-ary heap before it sifted through about eight
//! levels of a 50,000-member array per pop and then fetched the source from a table by rank,
//! cache misses nearly all: about 6% of `generate`'s processor time on a million sign-ins,
//! twice what this queue takes. A start pushed earlier than the last key taken out (none of
//! today's sources does) waits in a small binary heap of its own, so the order stays exact
//! whatever is pushed.

use super::{Pending, Source};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Buckets: 0 for the last key taken out, `i` for keys whose highest differing bit is `i - 1`.
const BUCKETS: usize = 129;

pub(super) struct PendingQueue {
    /// Keys with their sources: a source kept apart by rank was a cache miss a pop.
    buckets: Vec<Vec<(u128, Source)>>,
    /// Bit `i - 1` set when bucket `i` (1 to 128) holds keys: the lowest found in one step
    /// rather than by looking through the empty ones below it.
    occupied: u128,
    /// The key all bucketed keys are at or after: the last one popped or brought to the front.
    last: u128,
    /// Keys pushed before `last`.
    early: BinaryHeap<Reverse<(u128, Source)>>,
}

impl Default for PendingQueue {
    fn default() -> Self {
        PendingQueue {
            buckets: vec![Vec::new(); BUCKETS],
            occupied: 0,
            last: 0,
            early: BinaryHeap::new(),
        }
    }
}

/// `(at, rank)` as one key that orders the same way.
fn key(at: i64, rank: u64) -> u128 {
    let at = (at as u64) ^ (1 << 63);
    (u128::from(at) << 64) | u128::from(rank)
}

fn at_and_rank(key: u128) -> (i64, u64) {
    let at = ((key >> 64) as u64 ^ (1 << 63)) as i64;
    (at, key as u64)
}

impl PendingQueue {
    pub(super) fn push(&mut self, Reverse(pending): Reverse<Pending>) {
        let entry = (key(pending.at, pending.rank), pending.source);
        if entry.0 < self.last {
            self.early.push(Reverse(entry));
        } else {
            self.put(entry);
        }
    }

    /// Puts an entry whose key is at or after `last` in its bucket.
    fn put(&mut self, entry: (u128, Source)) {
        let bucket = (u128::BITS - (entry.0 ^ self.last).leading_zeros()) as usize;
        if bucket > 0 {
            self.occupied |= 1 << (bucket - 1);
        }
        self.buckets[bucket].push(entry);
    }

    /// The soonest key, without taking it out: brought to bucket 0 (or found in `early`).
    fn front(&mut self) -> Option<u128> {
        if let Some(&Reverse((key, _))) = self.early.peek() {
            return Some(key);
        }
        if self.buckets[0].is_empty() {
            if self.occupied == 0 {
                return None;
            }
            let index = self.occupied.trailing_zeros() as usize + 1;
            self.occupied &= !(1 << (index - 1));
            let mut entries = std::mem::take(&mut self.buckets[index]);
            self.last = entries
                .iter()
                .map(|e| e.0)
                .min()
                .expect("an occupied bucket");
            // Every entry of the bucket goes lower, relative to its smallest.
            for entry in entries.drain(..) {
                self.put(entry);
            }
            // The emptied bucket keeps its allocation for later entries.
            self.buckets[index] = entries;
        }
        self.buckets[0].last().map(|e| e.0)
    }

    pub(super) fn peek_at(&mut self) -> Option<i64> {
        self.front().map(|key| at_and_rank(key).0)
    }

    pub(super) fn pop(&mut self) -> Option<Reverse<Pending>> {
        let key = self.front()?;
        let (_, source) = if self.early.peek().is_some_and(|e| e.0.0 == key) {
            self.early.pop().map(|Reverse(entry)| entry)
        } else {
            self.buckets[0].pop()
        }?;
        let (at, rank) = at_and_rank(key);
        Some(Reverse(Pending { at, rank, source }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pending(at: i64, rank: u64) -> Reverse<Pending> {
        Reverse(Pending {
            at,
            rank,
            source: Source::Step {
                index: rank as usize,
                repetition: 0,
            },
        })
    }

    #[test]
    fn keys_order_as_their_pairs() {
        let pairs = [
            (i64::MIN, 0),
            (-5, u64::MAX),
            (-1, 3),
            (0, 0),
            (0, 1),
            (7, 0),
            (i64::MAX, u64::MAX),
        ];
        for window in pairs.windows(2) {
            let (a, b) = (window[0], window[1]);
            assert!(key(a.0, a.1) < key(b.0, b.1), "{a:?} {b:?}");
            assert_eq!(at_and_rank(key(a.0, a.1)), a);
        }
    }

    proptest! {
        /// Any mix of pushes (later or earlier than what was taken out) and pops gives the
        /// order of a binary heap of the same starts.
        #[test]
        fn pops_in_the_order_of_a_binary_heap(
            ops in proptest::collection::vec((any::<bool>(), -1_000i64..1_000, any::<bool>()), 1..300),
        ) {
            let mut queue = PendingQueue::default();
            let mut reference = BinaryHeap::new();
            let mut next_rank = 0u64;
            let mut last_at = 0i64;
            for (is_push, offset, peek) in ops {
                if is_push {
                    // Mostly after the last start taken out, as sources push; sometimes not.
                    let at = if offset % 7 == 0 {
                        last_at - offset.abs()
                    } else {
                        last_at + offset.abs()
                    };
                    queue.push(pending(at, next_rank));
                    reference.push(Reverse((at, next_rank)));
                    next_rank += 1;
                } else {
                    if peek {
                        prop_assert_eq!(queue.peek_at(), reference.peek().map(|Reverse((at, _))| *at));
                    }
                    let popped = queue.pop().map(|Reverse(p)| {
                        assert_eq!(p.source, pending(p.at, p.rank).0.source, "its own source");
                        (p.at, p.rank)
                    });
                    let expected = reference.pop().map(|Reverse(pair)| pair);
                    prop_assert_eq!(popped, expected);
                    if let Some((at, _)) = popped {
                        last_at = at;
                    }
                }
            }
            while let Some(Reverse(pair)) = reference.pop() {
                prop_assert_eq!(queue.pop().map(|Reverse(p)| (p.at, p.rank)), Some(pair));
            }
            prop_assert!(queue.pop().is_none());
        }
    }
}
