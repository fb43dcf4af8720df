//! Finding a row's group by its key values without building a [`Key`] for every row:
//! `summarize` and `join` hash the values in place (FxHash: the keys are the data's own,
//! not an attacker's, so SipHash's protection buys nothing here) and compare them with the
//! group's stored values only when the hashes meet.
//!
//! Two values are the same key exactly when their [`Value::key`]s are equal, so results are
//! those a map of `Vec<Key>` gives.

use super::value::{Key, Value};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The hasher of rustc (FxHash): a multiply and a rotate per word.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak; the table indexes by the high ones too.
        self.0.rotate_left(26)
    }
}

/// For maps and sets keyed by [`Key`]s (`dcount`, `make_set`, `distinct`).
pub type FxBuild = BuildHasherDefault<FxHasher>;

/// Hashes `values` as their keys would hash together.
pub fn hash_values<'a>(values: impl IntoIterator<Item = &'a Value>) -> u64 {
    let mut hasher = FxHasher::default();
    for value in values {
        hash_value(value, &mut hasher);
    }
    hasher.finish()
}

fn hash_value(value: &Value, hasher: &mut FxHasher) {
    match value {
        Value::Str(s) => {
            hasher.write_u8(4);
            hasher.write(s.as_bytes());
        }
        Value::Long(n) => {
            hasher.write_u8(2);
            hasher.write_u64(*n as u64);
        }
        Value::DateTime(t) => {
            hasher.write_u8(5);
            hasher.write_u64(*t as u64);
        }
        // The rest as their key: a whole real hashes as the long it equals.
        other => match other.key() {
            Key::Long(n) => {
                hasher.write_u8(2);
                hasher.write_u64(n as u64);
            }
            key => key.hash(hasher),
        },
    }
}

/// Whether two values are the same key.
pub fn same_key(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Long(x), Value::Long(y))
        | (Value::DateTime(x), Value::DateTime(y))
        | (Value::TimeSpan(x), Value::TimeSpan(y)) => x == y,
        (Value::Str(_), _) | (_, Value::Str(_)) => false,
        _ => a.key() == b.key(),
    }
}

/// Whether two rows of key values are the same keys.
pub fn same_keys(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_key(x, y))
}

/// An index from hashes to group numbers (0, 1, 2, ... in first-seen order); the caller
/// holds the groups and says which of them equal the key sought.
#[derive(Default)]
pub struct GroupIndex {
    /// Open addressing: a group's number plus one, 0 for an empty slot.
    slots: Vec<u32>,
    /// Each group's hash, to grow the table without hashing again.
    hashes: Vec<u64>,
}

impl GroupIndex {
    /// The group with `hash` that `is_group` accepts, or a new one (numbered by how many there
    /// were); whether it is new.
    pub fn find_or_add(&mut self, hash: u64, is_group: impl Fn(usize) -> bool) -> (usize, bool) {
        if let Some(group) = self.find(hash, is_group) {
            return (group, false);
        }
        if (self.hashes.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let group = self.hashes.len();
        self.hashes.push(hash);
        self.place(hash, group);
        (group, true)
    }

    /// The group with `hash` that `is_group` accepts.
    pub fn find(&self, hash: u64, is_group: impl Fn(usize) -> bool) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            match self.slots[at] {
                0 => return None,
                slot => {
                    let group = slot as usize - 1;
                    if self.hashes[group] == hash && is_group(group) {
                        return Some(group);
                    }
                }
            }
            at = (at + 1) & mask;
        }
    }

    fn place(&mut self, hash: u64, group: usize) {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = group as u32 + 1;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        self.slots = vec![0; size];
        for group in 0..self.hashes.len() {
            self.place(self.hashes[group], group);
        }
    }
}

/// A [`Key`] map's stand-in, for tests: the group numbers a list of key rows gets.
#[cfg(test)]
fn numbered(rows: &[Vec<Value>]) -> Vec<usize> {
    let mut index = GroupIndex::default();
    let mut groups: Vec<&[Value]> = Vec::new();
    rows.iter()
        .map(|row| {
            let (group, new) = index.find_or_add(hash_values(row), |g| same_keys(groups[g], row));
            if new {
                groups.push(row);
            }
            group
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn groups_are_those_of_keys() {
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Long(1),
            Value::Real(1.0),
            Value::Real(1.5),
            Value::str("1"),
            Value::str(""),
            Value::str("a long string past eight bytes"),
            Value::DateTime(1),
            Value::TimeSpan(1),
            Value::Dynamic(serde_json::json!([1])),
            Value::Dynamic(serde_json::json!({"a": 1})),
        ];
        let mut rows = Vec::new();
        for a in &values {
            for b in &values {
                rows.push(vec![a.clone(), b.clone()]);
            }
        }
        // Many groups: the table grows several times.
        for n in 0..2000 {
            rows.push(vec![
                Value::Long(n % 700),
                Value::str(format!("u{}", n % 300)),
            ]);
        }
        let mut by_key: BTreeMap<Vec<Key>, usize> = BTreeMap::new();
        let expected: Vec<usize> = rows
            .iter()
            .map(|row| {
                let next = by_key.len();
                *by_key
                    .entry(row.iter().map(Value::key).collect())
                    .or_insert(next)
            })
            .collect();
        assert_eq!(numbered(&rows), expected);
    }
}
