//! The last few values seen in one place of a record, so that a repeated value is written as a
//! one-byte reference.

use crate::same_bytes::same;

/// How many earlier values of each place a value is compared with.
const RECENT: usize = 8;

/// The last values of one place, in a ring: where each is in the chunk, and (when encoding)
/// a fingerprint that rules most unequal values out without comparing them.
#[derive(Clone, Copy, Default)]
pub(super) struct Recent {
    values: [Entry; RECENT],
    len: usize,
    next: usize,
}

#[derive(Clone, Copy, Default)]
pub(super) struct Entry {
    pub(super) at: u32,
    pub(super) len: u32,
    pub(super) fingerprint: u64,
}

impl Recent {
    /// Keeps `entry`, in place of the oldest once the ring is full.
    #[inline]
    pub(super) fn insert(&mut self, entry: Entry) {
        self.values[self.next] = entry;
        self.next = (self.next + 1) % RECENT;
        self.len = (self.len + 1).min(RECENT);
    }

    /// The `i`-th entry kept, if there is one.
    pub(super) fn get(&self, i: usize) -> Option<Entry> {
        (i < self.len).then(|| self.values[i])
    }

    /// The entry equal to `value`, which is in `chunk`.
    #[inline]
    pub(super) fn find(&self, chunk: &[u8], value: &[u8], fingerprint: u64) -> Option<usize> {
        self.values[..self.len].iter().position(|e| {
            e.fingerprint == fingerprint
                && e.len as usize == value.len()
                && chunk
                    .get(e.at as usize..(e.at + e.len) as usize)
                    .is_some_and(|kept| same(kept, value))
        })
    }
}

/// The first and last eight bytes of a value, and its length. Read as whole words, never
/// copied byte by byte: a copy of the few bytes of a `null` or a `false` was a call to
/// `memmove` for most values.
#[inline]
pub(super) fn fingerprint(value: &[u8]) -> u64 {
    let len = value.len();
    let u32_at = |at: usize| {
        u64::from(u32::from_le_bytes(
            value[at..at + 4].try_into().expect("four bytes"),
        ))
    };
    let u64_at = |at: usize| u64::from_le_bytes(value[at..at + 8].try_into().expect("eight bytes"));
    let word = match len {
        0..4 => value.iter().fold(0, |word, &b| word << 8 | u64::from(b)),
        // The first four bytes and the last four, which overlap below eight.
        4..=8 => u32_at(0) | u32_at(len - 4) << 32,
        _ => u64_at(0) ^ u64_at(len - 8).rotate_left(29),
    };
    word ^ len as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_a_fingerprint_and_most_others_do_not() {
        let values: Vec<&[u8]> = vec![
            b"",
            b"1",
            b"12",
            b"null",
            b"false",
            b"\"ab\"",
            b"\"abcdef\"",
            b"\"a longer value\"",
            b"\"a longer valuf\"",
            b"\"b longer value\"",
        ];
        for a in &values {
            // The same bytes elsewhere in memory (at another alignment).
            let elsewhere = [b"x".as_slice(), a].concat();
            assert_eq!(fingerprint(a), fingerprint(&elsewhere[1..]));
        }
        let mut prints: Vec<u64> = values.iter().map(|v| fingerprint(v)).collect();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), values.len(), "no two of these collide");
    }
}
