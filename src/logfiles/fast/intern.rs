//! Values that repeat across records (app names, OS, browser, result strings, policy names,
//! tenant ids, ...) shared instead of allocated once per record: a small table per decoding
//! thread hands out clones of one `Arc<str>` per distinct value.
//!
//! Only fields whose values repeat are read through it ([`super::text::Shared`]; not ids, user
//! names or addresses, which would fill the table with values seen once). The table is bounded
//! ([`SLOTS`], [`MAX_LEN`]): a value that finds no room replaces an older one, which later
//! records allocate anew. The records are equal either way; only their allocations differ.
//! The table is emptied at the start of every job of lines ([`forget_all`]).

use crate::graph::Text;
use crate::same_bytes::{eight, four, same};
use std::cell::RefCell;

/// Distinct values a table keeps: far more than the exports repeat (a few hundred), few
/// enough to stay small (at most about 1 MB a table). A power of two.
pub(super) const SLOTS: usize = 4096;
/// Longer values are not kept (user agents fit).
pub(super) const MAX_LEN: usize = 256;

/// One thread's shared values: a cache of [`SLOTS`] values in pairs, found by a hash of a few
/// of their bytes rather than all of them (a hash table's lookups, hashing every byte, were a
/// sixth of the NDJSON reader's time). A value is always compared whole before it is shared;
/// a value whose pair is full replaces the older of the two, so the cache stays bounded and
/// two values that land on one pair are both kept.
pub(super) struct Table(Box<[Option<Text>]>);

impl Default for Table {
    fn default() -> Self {
        Table(vec![None; SLOTS].into_boxed_slice())
    }
}

/// A value's bytes sampled as one number, in the same few loads whatever its length: eight
/// bytes at its start, middle and end when it has eight (all of its bytes up to 24), else all
/// of them, in two overlapping loads of four or one load a byte (up to three). Those tell apart
/// the values that repeat (ids differ at both ends, user agents at the end or in the middle).
/// Loading short values a byte at a time, in a loop, was a third of the instructions spent here.
#[inline]
fn sample(value: &[u8]) -> u64 {
    let len = value.len();
    match len {
        0 => 0,
        1..4 => {
            u64::from(value[0]) | u64::from(value[len / 2]) << 8 | u64::from(value[len - 1]) << 16
        }
        4..8 => u64::from(four(value, 0)) | u64::from(four(value, len - 4)) << 32,
        _ => {
            (eight(value, 0).wrapping_mul(K) ^ eight(value, (len - 8) / 2)).rotate_left(23)
                ^ eight(value, len - 8)
        }
    }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// The first of a value's pair of slots: from its length and [`sample`].
#[inline]
fn pair(value: &[u8]) -> usize {
    let mixed = sample(value) ^ (value.len() as u64).wrapping_mul(K);
    (mixed.wrapping_mul(K) >> (64 - SLOTS.trailing_zeros())) as usize & !1
}

thread_local! {
    /// Each decoding thread's table, filled anew for every job it decodes.
    static CURRENT: RefCell<Table> = RefCell::default();
}

/// Empties the current thread's table. Called as a thread starts a job
/// ([`super::ahead`]): the values of one job are then shared by its records only, never by
/// those of a job the scanner is taking (and dropping) on another core at the same time,
/// whose counts the two cores would otherwise take turns to update (the atomic increment
/// was a quarter of the time spent here).
pub(super) fn forget_all() {
    CURRENT.with_borrow_mut(|table| table.0.fill(None));
}

/// The shared `Text` equal to `value`.
pub(super) fn intern(value: &str) -> Text {
    if value.len() > MAX_LEN {
        return Text::from(value);
    }
    CURRENT.with_borrow_mut(|table| {
        let at = pair(value.as_bytes());
        let slots = &mut table.0[at..at + 2];
        for text in slots.iter().flatten() {
            if same(text.as_bytes(), value.as_bytes()) {
                return text.clone();
            }
        }
        let text = Text::from(value);
        slots[1] = slots[0].replace(text.clone());
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn equal_values_share_one_allocation_and_equal_the_original() {
        {
            let a = intern("Microsoft Teams");
            let b = intern("Microsoft Teams");
            assert_eq!(&*a, "Microsoft Teams");
            assert!(Arc::ptr_eq(&a, &b));
            assert_eq!(&*intern(""), "");
            let long = "x".repeat(MAX_LEN + 1);
            let (c, d) = (intern(&long), intern(&long));
            assert_eq!(*c, *long);
            assert!(!Arc::ptr_eq(&c, &d), "long values are not kept");
        }
    }

    #[test]
    fn a_full_table_still_gives_equal_values() {
        // On a thread of its own, so that no other test finds its table full.
        std::thread::spawn(|| {
            for n in 0..2 * SLOTS {
                assert_eq!(&*intern(&format!("v{n}")), format!("v{n}"));
            }
            let kept = CURRENT.with_borrow(|t| t.0.iter().flatten().count());
            assert!(kept <= SLOTS, "{kept}");
            assert_eq!(&*intern("v3"), "v3");
            assert_eq!(&*intern("not kept"), "not kept");
            // Values that differ only in the middle, or only in length, are told apart.
            let a = "Mozilla/5.0 (Windows NT 10.0) Safari/537.36";
            let b = "Mozilla/5.0 (Macintosh; Intel) Safari/537.36";
            assert_eq!((&*intern(a), &*intern(b)), (a, b));
            assert_eq!((&*intern("ab"), &*intern("ab\0")), ("ab", "ab\0"));
            assert!(Arc::ptr_eq(&intern(a), &intern(a)));
        })
        .join()
        .unwrap();
    }
}
