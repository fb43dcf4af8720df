//! Grading a learner's answers: compared as the answer's kind says (an address as an
//! address, a timestamp as an instant), with a hint after a wrong one.

use super::Solution;
use crate::scenario::{AnswerKind, Pick, Question, RowPick};
use crate::verify::describe;

/// How one answer turned out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub id: String,
    pub right: bool,
    /// What the learner wrote (`None`: not answered).
    pub given: Option<String>,
    /// Why it is wrong and where to look; empty when right.
    pub hints: Vec<String>,
}

/// What kind of answer a question wants, for people (not where to find it: that is the
/// hint after a wrong answer).
pub fn guidance(question: &Question) -> String {
    // Shapes, never sample values: a sample such as "like 7" can be the answer itself.
    let kind = match question.kind {
        AnswerKind::Integer => "an integer (digits only)",
        AnswerKind::Ipv4 => "an IPv4 address (four numbers joined by dots)",
        AnswerKind::Upn => "a user principal name (name@domain)",
        AnswerKind::CorrelationId => "a correlation id (a GUID: 8-4-4-4-12 hex digits)",
        AnswerKind::Timestamp => "a UTC timestamp (YYYY-MM-DDThh:mm:ssZ)",
        AnswerKind::Text => "text, as the log writes it (case does not matter)",
    };
    kind.to_string()
}

/// Grades `given` (the learner's answer, if any) against `solution`.
pub fn grade(question: &Question, solution: &Solution, given: Option<&str>) -> Grade {
    let mut hints = Vec::new();
    let right = match (given, &solution.value) {
        (None, _) => {
            hints.push("not answered".to_string());
            false
        }
        (Some(_), None) => {
            hints.push(
                "the scenario's records hold no answer to this question (tell the author)".into(),
            );
            false
        }
        (Some(given), Some(expected)) => match same(question.kind, given, expected) {
            Ok(true) => true,
            Ok(false) => {
                if let Some(hint) = &question.hint {
                    hints.push(hint.clone());
                }
                if question.kind == AnswerKind::Integer
                    && let (Ok(g), Ok(e)) = (given.trim().parse::<i64>(), expected.parse::<i64>())
                {
                    hints.push(if g > e { "too high" } else { "too low" }.to_string());
                }
                hints.push(format!("look at the {}", look_at(question)));
                false
            }
            Err(expected_form) => {
                hints.push(format!("`{}` is not {expected_form}", given.trim()));
                false
            }
        },
    };
    Grade {
        id: question.id.clone(),
        right,
        given: given.map(str::to_string),
        hints,
    }
}

/// Whether `given` is `expected` for this kind; `Err` names the form `given` should take.
fn same(kind: AnswerKind, given: &str, expected: &str) -> Result<bool, &'static str> {
    let given = given.trim();
    match kind {
        AnswerKind::Integer => given
            .parse::<i64>()
            .map(|g| expected.parse::<i64>() == Ok(g))
            .map_err(|_| "an integer"),
        AnswerKind::Ipv4 => given
            .parse::<std::net::Ipv4Addr>()
            .map(|g| expected.parse::<std::net::Ipv4Addr>() == Ok(g))
            .map_err(|_| "an IPv4 address"),
        AnswerKind::Upn => {
            if !given.contains('@') {
                return Err("a user principal name (name@domain)");
            }
            Ok(given.eq_ignore_ascii_case(expected))
        }
        AnswerKind::CorrelationId => {
            let bare = given.trim_start_matches('{').trim_end_matches('}');
            if !crate::scenario::is_guid(bare) {
                return Err("a GUID (8-4-4-4-12 hex digits)");
            }
            Ok(bare.eq_ignore_ascii_case(expected))
        }
        AnswerKind::Timestamp => {
            let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
            let g = parse(given).ok_or("an RFC 3339 timestamp, like 2025-03-17T15:42:22Z")?;
            Ok(parse(expected) == Some(g))
        }
        AnswerKind::Text => Ok(words(given).eq_ignore_ascii_case(&words(expected))),
    }
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the answer is, said from the expression: which rows, and what to read from them.
fn look_at(question: &Question) -> String {
    let expr = &question.answer;
    let rows = format!("{} rows{}", expr.records.label(), selection(&expr.select));
    match &expr.pick {
        Pick::Count => format!("{rows}: how many are there?"),
        Pick::CountDistinct(path) => format!("{rows}: how many different {path}?"),
        Pick::Position(matchers) => format!(
            "{rows} in time order: which one is the first with {}?",
            matchers.iter().map(describe).collect::<Vec<_>>().join(", ")
        ),
        Pick::Field { path, row } => {
            let which = match row {
                RowPick::First => "the first".to_string(),
                RowPick::Last => "the last".to_string(),
                RowPick::Nth(n) => format!("row {n}"),
            };
            format!("{rows}: {path} of {which}")
        }
        Pick::MostDistinct { path, by } => {
            format!("{rows}: the {path} with the most different {by}")
        }
    }
}

fn selection(select: &[crate::scenario::FieldMatch]) -> String {
    if select.is_empty() {
        String::new()
    } else {
        format!(
            " with {}",
            select.iter().map(describe).collect::<Vec<_>>().join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_compare_by_kind() {
        assert_eq!(same(AnswerKind::Integer, " 7 ", "7"), Ok(true));
        assert_eq!(same(AnswerKind::Integer, "6", "7"), Ok(false));
        assert!(same(AnswerKind::Integer, "seven", "7").is_err());
        assert_eq!(
            same(AnswerKind::Ipv4, "198.51.100.66", "198.51.100.66"),
            Ok(true)
        );
        assert!(same(AnswerKind::Ipv4, "198.51.100", "198.51.100.66").is_err());
        assert_eq!(
            same(
                AnswerKind::Upn,
                "User02@XXX.onmicrosoft.com",
                "user02@xxx.onmicrosoft.com"
            ),
            Ok(true)
        );
        let guid = "0b5b6f1e-3c7a-4d9e-8f00-123456789abc";
        assert_eq!(
            same(
                AnswerKind::CorrelationId,
                &format!("{{{}}}", guid.to_uppercase()),
                guid
            ),
            Ok(true)
        );
        assert_eq!(
            same(
                AnswerKind::Timestamp,
                "2025-03-18T00:42:22+09:00",
                "2025-03-17T15:42:22Z"
            ),
            Ok(true)
        );
        assert_eq!(same(AnswerKind::Text, " other. ", "Other."), Ok(true));
    }
}
