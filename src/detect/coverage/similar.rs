//! How close a seen value or field name comes to what a rule looks for: the "closest seen"
//! value and the "did you mean" field of a dead rule's explanation.

use super::explain::SeenValue;
use super::probe::{ItemStats, Op, Wanted};
use std::collections::BTreeSet;

/// Longest value text a report shows.
const SHOWN_CHARS: usize = 80;

/// A field name records have, spelled like `field` (another case, a letter more or less).
pub(super) fn similar_field<'a>(field: &str, fields: &'a BTreeSet<String>) -> Option<&'a str> {
    let wanted = field.to_lowercase();
    let first = field.split('.').next().unwrap_or(field);
    fields
        .iter()
        .map(|f| {
            let candidate = f.to_lowercase();
            let score = if candidate == wanted {
                // The same name in another case; the one that keeps the first segment as
                // written is the one to suggest.
                if f.split('.').next() == Some(first) {
                    1.1
                } else {
                    1.0
                }
            } else if candidate.starts_with(&wanted) {
                // A longer name (`ClientApp` → `ClientAppUsed`); not the object holding a
                // missing member (`DeviceDetail` for `DeviceDetail.isCompliant`).
                0.9
            } else {
                strsim::normalized_damerau_levenshtein(&wanted, &candidate)
            };
            (score, f)
        })
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, f)| f.as_str())
}

/// The seen value most like one the test wants (for a test without literal values, the most
/// common one). Ties go to the more common value, then the first in order.
pub(super) fn closest(item: &ItemStats) -> Option<SeenValue> {
    let near = !item.near.is_empty();
    let candidates = if near { &item.near } else { &item.seen };
    let mut best: Option<(f64, u64, &String)> = None;
    for (value, &records) in candidates {
        let score = if item.wanted.is_empty() {
            0.0
        } else {
            item.wanted
                .iter()
                .map(|w| similarity(w, value))
                .fold(0.0, f64::max)
        };
        let better = match best {
            None => true,
            Some((s, r, _)) => score > s || (score == s && records > r),
        };
        if better {
            best = Some((score, records, value));
        }
    }
    best.map(|(_, records, value)| SeenValue {
        value: value.clone(),
        records,
        where_rest_matched: near,
    })
}

/// How close `value` comes to what `wanted` looks for, from 0 to 1.
pub(super) fn similarity(wanted: &Wanted, value: &str) -> f64 {
    let w: Vec<char> = wanted.value.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().take(4096).collect();
    let text = |chars: &[char]| chars.iter().collect::<String>();
    match wanted.op {
        Op::Equals => strsim::normalized_levenshtein(&text(&w), &text(&v)),
        Op::Contains => longest_common_run(&w, &v) as f64 / w.len().max(1) as f64,
        Op::StartsWith => {
            strsim::normalized_levenshtein(&text(&w), &text(&v[..w.len().min(v.len())]))
        }
        Op::EndsWith => {
            strsim::normalized_levenshtein(&text(&w), &text(&v[v.len().saturating_sub(w.len())..]))
        }
    }
}

/// The length of the longest run of characters `a` and `b` share.
fn longest_common_run(a: &[char], b: &[char]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    let mut best = 0;
    for &ca in a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            if ca == cb {
                current[j + 1] = previous[j] + 1;
                best = best.max(current[j + 1]);
            }
        }
        previous = current;
    }
    best
}

pub(super) fn shorten(value: &str) -> String {
    if value.chars().count() <= SHOWN_CHARS {
        value.to_string()
    } else {
        let cut: String = value.chars().take(SHOWN_CHARS - 3).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_value_is_the_most_similar_then_the_most_common() {
        let seen = [
            ("Strong Authentication is required.", 600),
            (
                "Authentication failed during strong authentication request.",
                2,
            ),
            ("Other.", 9000),
        ];
        let contains = ItemStats::example(
            "ResultDescription",
            Op::Contains,
            "Strong Auth required",
            &seen,
        );
        assert_eq!(
            closest(&contains).unwrap().value,
            "Strong Authentication is required."
        );
        let equals = ItemStats::example("ResultDescription", Op::Equals, "Othr", &seen);
        assert_eq!(
            closest(&equals),
            Some(SeenValue {
                value: "Other.".into(),
                records: 9000,
                where_rest_matched: false,
            })
        );
        // Equally far from everything: the most common wins.
        let none = ItemStats::example("X", Op::Equals, "", &[("ab", 1), ("cd", 5)]);
        assert_eq!(closest(&none).unwrap().value, "cd");
    }
}
