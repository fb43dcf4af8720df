//! Values that repeat across records (app names, OS, browser, result strings, policy names,
//! tenant ids, ...) shared instead of allocated once per record: a small table per decoding
//! thread hands out clones of one `Arc<str>` per distinct value.
//!
//! Only fields whose values repeat are read as [`Shared`] (not ids, user names or addresses,
//! which would fill the table with values seen once). The table is bounded
//! ([`MAX_ENTRIES`], [`MAX_LEN`]): once full, further values are allocated as before. The
//! records are equal either way; only their allocations differ.

use crate::graph::Text;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// Distinct values a table keeps: far more than the exports repeat (a few hundred), few
/// enough to stay small (at most about 1 MB a table).
pub(super) const MAX_ENTRIES: usize = 4096;
/// Longer values are not kept (user agents fit).
pub(super) const MAX_LEN: usize = 256;

/// A `Text` read through the current thread's table.
pub(super) struct Shared(pub(super) Text);

impl Shared {
    pub(super) fn text(shared: Option<Shared>) -> Option<Text> {
        shared.map(|s| s.0)
    }

    pub(super) fn texts<C: FromIterator<Text>>(shared: Option<Vec<Shared>>) -> Option<C> {
        shared.map(|v| v.into_iter().map(|s| s.0).collect())
    }
}

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(SharedVisitor)
    }
}

struct SharedVisitor;

impl Visitor<'_> for SharedVisitor {
    type Value = Shared;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Shared, E> {
        Ok(Shared(intern(value)))
    }
}

/// FxHash (as rustc uses): the keys are short strings, the table private, so a fast hash
/// with no defence against chosen collisions is enough (the table is bounded anyway).
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last));
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// One thread's shared values.
#[derive(Default)]
pub(super) struct Table(HashSet<Text, BuildHasherDefault<FxHasher>>);

thread_local! {
    /// Decoding threads live for one run (`fast::Run`): each fills its table anew, which
    /// costs a few hundred allocations a run of thousands of records.
    static CURRENT: RefCell<Table> = RefCell::default();
}

/// The shared `Text` equal to `value`.
pub(super) fn intern(value: &str) -> Text {
    if value.len() > MAX_LEN {
        return Text::from(value);
    }
    CURRENT.with_borrow_mut(|table| {
        if let Some(shared) = table.0.get(value) {
            return shared.clone();
        }
        let text = Text::from(value);
        if table.0.len() < MAX_ENTRIES {
            table.0.insert(text.clone());
        }
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
            for n in 0..MAX_ENTRIES + 10 {
                assert_eq!(&*intern(&format!("v{n}")), format!("v{n}"));
            }
            assert_eq!(CURRENT.with_borrow(|t| t.0.len()), MAX_ENTRIES);
            assert_eq!(&*intern("v3"), "v3");
            assert_eq!(&*intern("not kept"), "not kept");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn reads_escaped_strings_as_their_value() {
        let shared: Shared = serde_json::from_str(r#""Caf\u00e9 \"A\"""#).unwrap();
        assert_eq!(&*shared.0, "Café \"A\"");
        assert!(serde_json::from_str::<Shared>("1").is_err());
    }
}
