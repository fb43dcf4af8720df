//! Splitting a record that is already compact JSON (written by the direct writer,
//! `graph::write_sign_in`, or by serde_json) into its skeleton and its scalar values, the same
//! parts `Splitter` makes while serde_json writes.
//!
//! Most records of a kind share their skeleton, so the previous record's skeleton is tried
//! first: its pieces between holes are compared whole (word by word, `same_bytes`) and only
//! the values are scanned. A record that differs anywhere is scanned token by token instead.
//! Either way the skeleton and values interleave back into exactly the input bytes, which is
//! all reading back relies on; the split only decides how well the spool compresses.

use super::split::RecordParts;
use crate::same_bytes::same;

/// Splits `json` into `parts` (cleared first). Returns true when `json` follows `previous`
/// (a skeleton and its holes): only the values are collected then, the skeleton being
/// `previous` (not copied into `parts`, which is most of the cost of a record otherwise).
pub(super) fn split_json(
    json: &[u8],
    previous: Option<(&[u8], &[usize])>,
    parts: &mut RecordParts,
) -> bool {
    parts.clear();
    if let Some((skeleton, holes)) = previous
        && follow(json, skeleton, holes, parts)
    {
        return true;
    }
    parts.clear();
    scan(json, parts);
    false
}

/// Matches `json` against a known skeleton, collecting only the values; false at the first
/// difference (the parts are then partly filled).
fn follow(json: &[u8], skeleton: &[u8], holes: &[usize], parts: &mut RecordParts) -> bool {
    let mut at = 0;
    let mut written = 0;
    for &hole in holes {
        let piece = &skeleton[written..hole];
        if !json
            .get(at..at + piece.len())
            .is_some_and(|here| same(here, piece))
        {
            return false;
        }
        at += piece.len();
        written = hole;
        let Some(end) = value_end(json, at) else {
            return false;
        };
        parts.spans.push((at, end));
        at = end;
    }
    let tail = &skeleton[written..];
    json.get(at..).is_some_and(|rest| same(rest, tail))
}

/// Where the scalar value starting at `at` ends (one past its last byte), if one starts there.
fn value_end(json: &[u8], at: usize) -> Option<usize> {
    match *json.get(at)? {
        b'"' => Some(string_end(json, at)),
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => Some(scalar_end(json, at)),
        _ => None,
    }
}

/// Token by token: keys and punctuation into the skeleton, values into the values.
fn scan(json: &[u8], parts: &mut RecordParts) {
    let mut at = 0;
    while at < json.len() {
        match json[at] {
            b'"' => {
                let end = string_end(json, at);
                if json.get(end) == Some(&b':') {
                    parts.skeleton.extend_from_slice(&json[at..=end]);
                    at = end + 1;
                } else {
                    value(at, end, parts);
                    at = end;
                }
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                let end = scalar_end(json, at);
                value(at, end, parts);
                at = end;
            }
            byte => {
                parts.skeleton.push(byte);
                at += 1;
            }
        }
    }
}

fn value(start: usize, end: usize, parts: &mut RecordParts) {
    parts.holes.push(parts.skeleton.len());
    parts.spans.push((start, end));
}

/// One past the closing quote of the string whose opening quote is at `at` (the end of `json`
/// when it is not closed).
fn string_end(json: &[u8], at: usize) -> usize {
    let mut from = at + 1;
    loop {
        let Some(found) = find_quote_or_backslash(json, from) else {
            return json.len();
        };
        if json[found] == b'"' {
            return found + 1;
        }
        // A backslash escapes the next byte, whatever it is.
        from = found + 2;
    }
}

/// One past the last byte of a number, `true`, `false` or `null` starting at `at`: compact
/// JSON ends one at the next `,`, `}` or `]`.
fn scalar_end(json: &[u8], at: usize) -> usize {
    json[at..]
        .iter()
        .position(|&b| matches!(b, b',' | b'}' | b']'))
        .map_or(json.len(), |n| at + n)
}

/// The first `"` or `\` at or after `from`, eight bytes at a time.
#[inline]
fn find_quote_or_backslash(json: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    // Flags the bytes of `word` that are zero; a false flag can only follow a true one, so
    // the lowest flag is always right.
    let zeros = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut at = from;
    while let Some(block) = json.get(at..at + 8) {
        let word = u64::from_le_bytes(block.try_into().expect("eight bytes"));
        let found = zeros(word ^ QUOTES) | zeros(word ^ BACKSLASHES);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    json.get(at..)?
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|n| at + n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};
    use proptest::prelude::*;

    /// The bytes the parts stand for, their values in `source`.
    fn join(parts: &RecordParts, source: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut written = 0;
        for (&hole, &(start, end)) in parts.holes.iter().zip(&parts.spans) {
            out.extend_from_slice(&parts.skeleton[written..hole]);
            out.extend_from_slice(&source[start..end]);
            written = hole;
        }
        out.extend_from_slice(&parts.skeleton[written..]);
        out
    }

    /// The values of `parts`, which lie in `source`.
    fn values<'a>(parts: &RecordParts, source: &'a [u8]) -> Vec<&'a [u8]> {
        parts.spans.iter().map(|&(s, e)| &source[s..e]).collect()
    }

    /// What `Splitter` makes of `value` while serde_json writes it.
    fn split_by_serde(value: &impl serde::Serialize) -> RecordParts {
        let mut parts = RecordParts::default();
        let mut serializer = serde_json::Serializer::with_formatter(
            std::io::sink(),
            super::super::split::Splitter {
                parts: &mut parts,
                in_key: false,
            },
        );
        value.serialize(&mut serializer).unwrap();
        parts
    }

    /// Whether `scanned`, split from `json`, is what `Splitter` made (`by_serde`).
    fn same_parts(scanned: &RecordParts, json: &[u8], by_serde: &RecordParts) -> bool {
        (&scanned.skeleton, &scanned.holes) == (&by_serde.skeleton, &by_serde.holes)
            && values(scanned, json) == values(by_serde, &by_serde.values)
    }

    #[test]
    fn splits_records_as_serde_json_does_with_and_without_a_previous_skeleton() {
        let mut sign_in = sample_sign_in();
        let first = serde_json::to_vec(&sign_in).unwrap();
        let want = split_by_serde(&sign_in);
        let mut parts = RecordParts::default();
        split_json(&first, None, &mut parts);
        assert!(same_parts(&parts, &first, &want));

        sign_in.user_display_name = Some("Quote \" and \\ back\nslash".into());
        sign_in.risk_event_types = vec!["a".into(), "b\"".into()];
        let second = serde_json::to_vec(&sign_in).unwrap();
        let want = split_by_serde(&sign_in);
        let mut again = RecordParts::default();
        let followed = split_json(&second, Some((&parts.skeleton, &parts.holes)), &mut again);
        assert!(!followed, "more risk event types: another skeleton");
        assert!(same_parts(&again, &second, &want));
        assert_eq!(join(&again, &second), second);

        let audit = serde_json::to_vec(&sample_audit()).unwrap();
        let followed = split_json(&audit, Some((&parts.skeleton, &parts.holes)), &mut again);
        assert!(!followed);
        assert!(same_parts(&again, &audit, &split_by_serde(&sample_audit())));

        // The same skeleton with other values: only the values are collected.
        let mut other = sample_sign_in();
        other.id = "another id".into();
        other.user_display_name = Some("Another user".into());
        let third = serde_json::to_vec(&other).unwrap();
        let followed = split_json(&third, Some((&parts.skeleton, &parts.holes)), &mut again);
        assert!(followed);
        assert!(again.skeleton.is_empty() && again.holes.is_empty());
        again.skeleton.clone_from(&parts.skeleton);
        again.holes.clone_from(&parts.holes);
        assert_eq!(join(&again, &third), third);
    }

    #[test]
    fn finds_quotes_and_backslashes_in_any_block() {
        let text = b"abcdefghijklmnop\"qrs\\";
        assert_eq!(find_quote_or_backslash(text, 0), Some(16));
        assert_eq!(find_quote_or_backslash(text, 17), Some(20));
        assert_eq!(find_quote_or_backslash(b"abc", 0), None);
        assert_eq!(string_end(br#""a\"b\\"x"#, 0), 8);
        assert_eq!(string_end(br#""open"#, 0), 5);
    }

    proptest! {
        #[test]
        fn any_json_splits_like_serde_json(
            texts in proptest::collection::vec(proptest::option::of("\\PC{0,40}|[a-c\"\\\\\u{0}-\u{1f}]{0,12}"), 1..20),
            numbers in proptest::collection::vec(any::<f64>(), 0..4),
        ) {
            let value = serde_json::json!({"t": texts, "n": numbers, "o": {"x": texts.first(), "b": [true, false, null]}});
            let json = serde_json::to_vec(&value).unwrap();
            let mut parts = RecordParts::default();
            split_json(&json, None, &mut parts);
            prop_assert!(same_parts(&parts, &json, &split_by_serde(&value)));
            let previous = (parts.skeleton.clone(), parts.holes.clone());
            prop_assert!(split_json(&json, Some((&previous.0, &previous.1)), &mut parts));
            (parts.skeleton, parts.holes) = previous;
            prop_assert_eq!(join(&parts, &json), json);
        }

        #[test]
        fn any_bytes_split_into_parts_that_join_back(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut parts = RecordParts::default();
            split_json(&bytes, None, &mut parts);
            prop_assert_eq!(join(&parts, &bytes), bytes);
        }
    }
}
