//! Comparing the short byte strings the spool matches a record against: a skeleton's pieces
//! between its values (`","userDisplayName":"`, 21 bytes; a sign-in has about seventy) and
//! values against the recent ones of their place (a GUID, an app's name). A call to `memcmp`
//! each was 11% of `generate`'s time; a word at a time, inline, they cost a fraction of that.

/// Slices longer than this go to `memcmp`, which is faster at them.
const INLINE_LIMIT: usize = 64;

/// Whether `a` and `b` hold the same bytes.
#[inline(always)]
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let word = |bytes: &[u8], at: usize| {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    };
    let half = |bytes: &[u8], at: usize| {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
    };
    match len {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4),
        8..=INLINE_LIMIT => {
            // Whole words from the start, then the last eight bytes (which may overlap the
            // words before them).
            let mut at = 0;
            while at + 8 < len {
                if word(a, at) != word(b, at) {
                    return false;
                }
                at += 8;
            }
            word(a, len - 8) == word(b, len - 8)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_slices_of_every_length_byte_for_byte() {
        let text: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
        for len in 0..=text.len() {
            let a = &text[..len];
            let elsewhere = [b"x".as_slice(), a].concat();
            assert!(same(a, &elsewhere[1..]), "{len}");
            assert!(
                !same(a, &text[..len.saturating_sub(1)]) || len == 0,
                "{len}: lengths"
            );
            for flip in 0..len {
                let mut b = a.to_vec();
                b[flip] ^= 0x20;
                assert!(!same(a, &b), "{len} bytes, byte {flip} differs");
            }
        }
    }
}
