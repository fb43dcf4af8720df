//! Strings read straight from the JSON text: serde's own `Arc<str>` and `Cow<str>` (without
//! `#[serde(borrow)]`) read a `String` first, an allocation, a copy and a free for every
//! field that then allocates again for the value it keeps.

use super::intern::intern;
use crate::graph::Text;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// Reads a string value with `read`, which says `None` when it does not take it.
pub(super) fn read_str<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    read: impl FnOnce(&str) -> Option<T>,
) -> Result<T, D::Error> {
    deserializer.deserialize_str(StrVisitor(read))
}

struct StrVisitor<F>(F);

impl<T, F: FnOnce(&str) -> Option<T>> Visitor<'_> for StrVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        (self.0)(value).ok_or_else(|| E::custom("not a value the fast path takes"))
    }
}

/// A `Text` read through the current thread's table of repeated values
/// ([`super::intern`]): for fields whose values repeat across records.
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
        read_str(deserializer, |value| Some(Shared(intern(value))))
    }
}

/// A `Text` of its own, for values seen once (ids, names, addresses): one allocation.
pub(super) struct Unique(pub(super) Text);

impl Unique {
    pub(super) fn text(unique: Option<Unique>) -> Option<Text> {
        unique.map(|u| u.0)
    }
}

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_str(deserializer, |value| Some(Unique(Text::from(value))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_escaped_strings_as_their_value() {
        let shared: Shared = serde_json::from_str(r#""Caf\u00e9 \"A\"""#).unwrap();
        assert_eq!(&*shared.0, "Café \"A\"");
        let unique: Unique = serde_json::from_str(r#""a\\b""#).unwrap();
        assert_eq!(&*unique.0, "a\\b");
        assert!(serde_json::from_str::<Shared>("1").is_err());
        assert!(serde_json::from_str::<Unique>("null").is_err());
    }
}
