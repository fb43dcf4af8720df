//! rsigma's case-insensitive string matchers answered for ASCII values without the lowercased
//! copy rsigma makes of the value at every matcher (`to_lowercase` for a `contains`, a `Cow`
//! for a group): the value's bytes are lowercased one by one as they are compared. Sigma's
//! modifiers are case-insensitive by default, so that copy (an allocation and a free) was made
//! for most values a rule looks at; with the shipped rules (`Status|contains`,
//! `userAgent|contains`, SigmaHQ's style) it was about 4% of the instructions of `detect --logs`.
//!
//! The answers are rsigma's exactly: a value that is not an ASCII string, or a matcher other
//! than these, is left to rsigma. For an ASCII string, rsigma's lowercasing (Unicode
//! or ASCII) is ASCII lowercasing, and its needles are compared as they are stored.

use rsigma_eval::CompiledMatcher;
use rsigma_eval::event::{Event, EventValue};
use rsigma_eval::matcher::GroupMode;

/// Whether `matcher` matches `value`, as `CompiledMatcher::matches` says.
pub(super) fn matches(matcher: &CompiledMatcher, value: &EventValue, event: &impl Event) -> bool {
    match (matcher, value) {
        // rsigma's own `AnyOf`/`AllOf` ask each matcher with the same value.
        (CompiledMatcher::AnyOf(all), _) => all.iter().any(|m| matches(m, value, event)),
        (CompiledMatcher::AllOf(all), _) => all.iter().all(|m| matches(m, value, event)),
        (_, EventValue::Str(s)) if lowerable(matcher) && s.is_ascii() => {
            lowered(matcher, s.as_bytes())
        }
        _ => matcher.matches(value, event),
    }
}

/// Whether `matcher` is a case-insensitive string matcher, or a group of them only (rsigma's
/// groups only hold those).
fn lowerable(matcher: &CompiledMatcher) -> bool {
    match matcher {
        CompiledMatcher::Exact {
            case_insensitive, ..
        }
        | CompiledMatcher::Contains {
            case_insensitive, ..
        }
        | CompiledMatcher::StartsWith {
            case_insensitive, ..
        }
        | CompiledMatcher::EndsWith {
            case_insensitive, ..
        } => *case_insensitive,
        CompiledMatcher::CaseInsensitiveGroup { children, .. } => children.iter().all(lowerable),
        _ => false,
    }
}

/// What a [`lowerable`] matcher says of the ASCII `value`, whose lowercase is compared with
/// the matcher's stored (lowercased) needles.
fn lowered(matcher: &CompiledMatcher, value: &[u8]) -> bool {
    match matcher {
        CompiledMatcher::Exact { value: needle, .. } => same_lowered(value, needle.as_bytes()),
        CompiledMatcher::Contains { value: needle, .. } => {
            contains_lowered(value, needle.as_bytes())
        }
        CompiledMatcher::StartsWith { value: needle, .. } => value
            .get(..needle.len())
            .is_some_and(|start| same_lowered(start, needle.as_bytes())),
        CompiledMatcher::EndsWith { value: needle, .. } => value
            .len()
            .checked_sub(needle.len())
            .is_some_and(|at| same_lowered(&value[at..], needle.as_bytes())),
        CompiledMatcher::CaseInsensitiveGroup { children, mode } => match mode {
            GroupMode::Any => children.iter().any(|c| lowered(c, value)),
            GroupMode::All => children.iter().all(|c| lowered(c, value)),
        },
        // Not lowerable: never asked.
        _ => false,
    }
}

/// Whether `value`, lowercased, is `needle`.
fn same_lowered(value: &[u8], needle: &[u8]) -> bool {
    value.len() == needle.len()
        && value
            .iter()
            .zip(needle)
            .all(|(v, n)| v.to_ascii_lowercase() == *n)
}

/// Whether `value`, lowercased, holds `needle`. Candidates are found by the needle's first
/// byte: where a byte lowercases to it (itself, or its capital for a letter).
fn contains_lowered(value: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if value.len() < needle.len() || first.is_ascii_uppercase() {
        // A lowercased byte is never a capital.
        return false;
    }
    let last_start = value.len() - needle.len();
    let follows = |at: usize| same_lowered(&value[at + 1..at + needle.len()], rest);
    let candidates = &value[..=last_start];
    if first.is_ascii_lowercase() {
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), candidates).any(follows)
    } else {
        memchr::memchr_iter(first, candidates).any(follows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rsigma_eval::event::JsonEvent;

    fn ci(kind: u8, needle: &str) -> CompiledMatcher {
        let value = needle.to_string();
        let case_insensitive = true;
        match kind % 4 {
            0 => CompiledMatcher::Exact {
                value,
                case_insensitive,
            },
            1 => CompiledMatcher::Contains {
                value,
                case_insensitive,
            },
            2 => CompiledMatcher::StartsWith {
                value,
                case_insensitive,
            },
            _ => CompiledMatcher::EndsWith {
                value,
                case_insensitive,
            },
        }
    }

    fn both(matcher: &CompiledMatcher, value: &str) -> (bool, bool) {
        let json = serde_json::json!({});
        let event = JsonEvent::borrow(&json);
        let value = EventValue::Str(value.into());
        (
            matches(matcher, &value, &event),
            matcher.matches(&value, &event),
        )
    }

    #[test]
    fn answers_as_rsigma_for_the_usual_cases() {
        let user_agent = "Mozilla/5.0 BAV2ROPC (Windows NT 10.0)";
        for (matcher, value, expected) in [
            (ci(1, "bav2ropc"), user_agent, true),
            (ci(1, "cbainprod"), user_agent, false),
            (ci(1, "BAV2ROPC"), user_agent, false),
            (ci(0, "success"), "Success", true),
            (ci(0, "success"), "Successful", false),
            (ci(2, "mozilla/"), user_agent, true),
            (ci(3, "0.0)"), user_agent, true),
            (ci(3, "x"), "", false),
            (ci(1, ""), "", true),
            (ci(1, "é"), "CAFÉ", true),
        ] {
            assert_eq!(
                both(&matcher, value),
                (expected, expected),
                "{matcher:?} {value}"
            );
        }
    }

    #[test]
    fn groups_and_lists_answer_as_rsigma() {
        let group = |mode| CompiledMatcher::CaseInsensitiveGroup {
            children: vec![ci(1, "mfa denied"), ci(2, "{\"failurereason\"")],
            mode,
        };
        let status = r#"{"errorCode":500121,"failureReason":"MFA denied"}"#;
        assert_eq!(both(&group(GroupMode::Any), status), (true, true));
        assert_eq!(both(&group(GroupMode::All), status), (false, false));
        let list = CompiledMatcher::AnyOf(vec![ci(0, "a"), ci(1, "denied")]);
        assert_eq!(both(&list, status), (true, true));
        let all = CompiledMatcher::AllOf(vec![ci(1, "mfa"), ci(1, "nothing")]);
        assert_eq!(both(&all, status), (false, false));
        // A case-sensitive matcher is rsigma's to answer, alone or in a group.
        let sensitive = CompiledMatcher::Contains {
            value: "MFA".into(),
            case_insensitive: false,
        };
        assert_eq!(both(&sensitive, status), (true, true));
        assert!(!lowerable(&sensitive));
        let mixed = CompiledMatcher::CaseInsensitiveGroup {
            children: vec![ci(1, "mfa"), sensitive],
            mode: GroupMode::Any,
        };
        assert!(!lowerable(&mixed));
        assert!(lowerable(&group(GroupMode::Any)));
    }

    proptest! {
        #[test]
        fn agrees_with_rsigma(value in "[aAbBzZ0é\"{} ]{0,24}",
                              needle in "[abzAZ0é ]{0,4}",
                              kind in any::<u8>()) {
            // rsigma stores needles lowercased; unlowered ones are checked too.
            let matcher = ci(kind, &needle);
            let (ours, rsigma) = both(&matcher, &value);
            prop_assert_eq!(ours, rsigma);
        }
    }
}
