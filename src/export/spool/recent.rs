//! The last few values seen in one place of a record, so that a repeated value is written as a
//! one-byte reference.

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
                && chunk.get(e.at as usize..(e.at + e.len) as usize) == Some(value)
        })
    }
}

/// The first and last eight bytes of a value, and its length.
#[inline]
pub(super) fn fingerprint(value: &[u8]) -> u64 {
    let word = |bytes: &[u8]| {
        let mut word = [0; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    match value.len() {
        0..=8 => word(value) ^ value.len() as u64,
        len => word(&value[..8]) ^ word(&value[len - 8..]).rotate_left(29) ^ len as u64,
    }
}
