//! Scenario errors that point into the file like a compiler: file, line, column, the offending
//! line, and how to fix it.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};
use serde_saphyr::Location;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct ScenarioError {
    pub message: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    pub help: Option<String>,
    /// The other place a mistake involves, in another file (a tenant described two ways).
    #[related]
    related: Vec<OtherPlace>,
    pub path: PathBuf,
    /// 1-based line and column; `None` when the mistake has no single place (an empty file).
    pub position: Option<(u64, u64)>,
}

impl ScenarioError {
    pub fn new(
        file: &SourceFile,
        location: Location,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let known = location.line() > 0;
        let span = location.span();
        let span = known.then(|| {
            let text = &*file.text;
            // Syntax errors carry a line and column but no byte offset.
            let offset = span
                .byte_offset()
                .map(|o| o as usize)
                .or_else(|| file.byte_offset(location.line(), location.column()))
                .unwrap_or(0)
                .min(text.len());
            let len = span.byte_len().unwrap_or(0).max(1) as usize;
            let mut end = offset.saturating_add(len).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            SourceSpan::from((offset, end - offset))
        });
        ScenarioError {
            message: message.into(),
            source_code: NamedSource::new(file.display_name(), file.text.clone()),
            span,
            label: label.into(),
            help,
            related: Vec::new(),
            path: file.path.clone(),
            position: known.then(|| (location.line(), location.column())),
        }
    }

    /// A deserializer error, explained for people (see `explain_parse_error`).
    pub fn from_parse_error(file: &SourceFile, location: Location, raw_message: &str) -> Self {
        let (message, label, help) = explain_parse_error(raw_message);
        let tab = message.contains("found a tab");
        let mut error = ScenarioError::new(file, location, message, label, help);
        // "while scanning a plain scalar, found a tab" points at the start of the scalar
        // before the tab; point at the tab itself.
        if tab
            && let Some(span) = error.span
            && let Some(found) = file.text[span.offset()..].find('\t')
        {
            let offset = span.offset() + found;
            error.span = Some(SourceSpan::from((offset, 1)));
            error.position = Some(file.line_column(offset));
        }
        error
    }

    /// This mistake, shown with `other` (a place in another file that it contradicts).
    pub fn with_related(mut self, other: ScenarioError) -> Self {
        self.related.push(OtherPlace {
            message: other.message,
            source_code: other.source_code,
            span: other.span,
            label: other.label,
        });
        self
    }

    /// `path:line:col: message`, the one-line form for logs and summaries.
    pub fn headline(&self) -> String {
        match self.position {
            Some((line, column)) => {
                format!("{}:{line}:{column}: {}", self.path.display(), self.message)
            }
            None => format!("{}: {}", self.path.display(), self.message),
        }
    }

    /// The full report with the offending line, without colours.
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.headline());
        let handler =
            GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        let _ = handler.render_report(&mut out, self);
        out
    }
}

/// The place in another file that a mistake contradicts, shown after it as advice.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(severity(Advice))]
pub struct OtherPlace {
    message: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
}

/// A scenario file's name and text, shared by all the errors that point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(path: &Path, text: &str) -> Self {
        SourceFile {
            path: path.to_path_buf(),
            text: Arc::from(text),
        }
    }

    /// The byte offset of 1-based `line` and `column` (counted in characters), if the file
    /// has that line; a column past the end of the line is the end of the line.
    fn byte_offset(&self, line: u64, column: u64) -> Option<usize> {
        let line_start = match usize::try_from(line).ok()?.checked_sub(2) {
            None => 0,
            Some(breaks) => self.text.match_indices('\n').nth(breaks)?.0 + 1,
        };
        let rest = &self.text[line_start..];
        let line_text = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let column = usize::try_from(column.saturating_sub(1)).ok()?;
        let in_line = line_text
            .char_indices()
            .nth(column)
            .map_or(line_text.len(), |(i, _)| i);
        Some(line_start + in_line)
    }

    /// The 1-based line and column (counted in characters) of a byte offset.
    fn line_column(&self, offset: usize) -> (u64, u64) {
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        (line as u64, column as u64)
    }

    fn display_name(&self) -> String {
        self.path.display().to_string()
    }
}

/// The closest of `candidates` to a misspelt `word`, if one is close enough to suggest.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::normalized_damerau_levenshtein(&word_lower, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Turns a deserializer message into the message, label and help a person needs.
pub fn explain_parse_error(message: &str) -> (String, String, Option<String>) {
    let message = strip_position(message).trim().to_string();
    if let Some((word, expected)) = unknown_name(&message) {
        let candidates: Vec<&str> = expected.split(", ").map(|c| c.trim_matches('`')).collect();
        let help = match suggest(&word, candidates.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("expected one of: {}", candidates.join(", ")),
        };
        let label = if message.starts_with("unknown variant") {
            "unknown value"
        } else {
            "unknown key"
        };
        return (message, label.into(), Some(help));
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        let help = format!(
            "add `{field}:` beside this key, at the same indentation (see docs/scenario-format.md)"
        );
        return (
            message.clone(),
            format!("this mapping has no `{field}:`"),
            Some(help),
        );
    }
    if let Some(key) = message
        .strip_prefix("duplicate mapping key: ")
        .and_then(|m| m.split(", set DuplicateKeyPolicy").next())
    {
        return (
            format!("`{key}` appears twice in this mapping"),
            "second time".into(),
            Some("keep one of them: each key may appear once per mapping".into()),
        );
    }
    // serde-saphyr's "invalid u32" names a Rust type; say what a person may write instead.
    let message = match message.strip_prefix("invalid ") {
        Some(ty @ ("u8" | "u16" | "u32" | "u64")) => {
            let max = match ty {
                "u8" => u64::from(u8::MAX),
                "u16" => u64::from(u16::MAX),
                "u32" => u64::from(u32::MAX),
                _ => u64::MAX,
            };
            format!("expected a whole number from 0 to {max}")
        }
        _ => message,
    };
    let has = |part: &str| message.contains(part);
    let (label, help) = if message.starts_with("expected a whole number")
        || has("invalid value: integer")
    {
        (
            "not a whole number",
            "write a whole number of zero or more, without quotes or a sign",
        )
    } else if has("longer than the 100 years") {
        (
            "too long",
            "a scenario spans at most 100 years; write a shorter duration, e.g. 30d",
        )
    } else if has("not a duration") || has("a duration is zero or more") {
        (
            "not a duration",
            "a duration is a number and a unit (ms, s, m, h, d), e.g. 90s, 5m or 1h30m",
        )
    } else if has("not a UTC timestamp") {
        (
            "not a UTC timestamp",
            "write an RFC 3339 instant with its offset, e.g. 2025-03-17T15:00:00Z",
        )
    } else if has("not an IP address") {
        (
            "not an IP address",
            "write one IPv4 or IPv6 address, e.g. 203.0.113.7 or 2001:db8::7",
        )
    } else if has("not an address range") {
        (
            "not an address range",
            "write an address or a CIDR range, e.g. 203.0.113.0/24 (IPv4 prefixes go up to /32, IPv6 up to /128)",
        )
    } else if has("not a probability") {
        ("not from 0 to 1", "a rate is a share of 1: 5 % is 0.05")
    } else if has("did not find expected ',' or '}'") {
        (
            "unexpected here",
            "a `{ ... }` mapping is not closed: check this line and the one above for a missing `}` or `,`",
        )
    } else if has("did not find expected ',' or ']'") {
        (
            "unexpected here",
            "a `[ ... ]` list is not closed: check this line and the one above for a missing `]` or `,`",
        )
    } else if has("unclosed bracket") {
        (
            "never closed",
            "add the matching `}` (or `]` for a list) where its entries end",
        )
    } else if has("illegal placement of ':'") {
        (
            "unexpected `:`",
            "check the lines above for an unclosed `[` or `{`, and quote values that contain `: `",
        )
    } else if has("found a tab") || message.starts_with("tabs disallowed") {
        (
            "tab in the indentation",
            "indent with spaces: YAML does not allow tabs in indentation",
        )
    } else if message.starts_with("expected sequence") {
        (
            "not a list",
            "this key takes a list: write `[a, b]` or one `- item` per line",
        )
    } else if message.starts_with("expected mapping") {
        (
            "not a mapping",
            "this key takes a mapping: write `key: value` lines indented below it, or `{ key: value }`",
        )
    } else if has("unexpected end of input") {
        (
            "ends here",
            "the file is empty or ends early: a scenario needs at least `tenant:` with a `domain:`",
        )
    } else if has("invalid type") {
        (
            "wrong type",
            "check the value's type against docs/scenario-format.md",
        )
    } else {
        (
            "here",
            "check indentation, quoting and docs/scenario-format.md",
        )
    };
    (message, label.into(), Some(help.into()))
}

/// Drops the position the deserializer writes into its messages (`line 4 column 5: ...` or
/// `... at line 4, column 5`): the headline and the snippet already show it.
fn strip_position(message: &str) -> &str {
    let mut message = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(rest) = message.strip_prefix("line ")
        && let Some(colon) = rest.find(": ")
        && rest[..colon].contains("column")
    {
        message = &rest[colon + 2..];
    }
    if let Some(at) = message.rfind(" at line ")
        && let Some((line, column)) = message[at + " at line ".len()..].split_once(", column ")
        && !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && !column.is_empty()
        && column.bytes().all(|b| b.is_ascii_digit())
    {
        message = &message[..at];
    }
    message
}

/// `unknown field `x`, expected one of a, b` → (`x`, `a, b`).
fn unknown_name(message: &str) -> Option<(String, String)> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest
        .strip_prefix(", expected one of ")
        .or_else(|| rest.strip_prefix(", expected "))
        .unwrap_or("");
    Some((word.to_string(), expected.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("treshold", ["threshold", "duration"]),
            Some("threshold")
        );
        assert_eq!(suggest("colour", ["threshold", "duration"]), None);
    }

    #[test]
    fn explains_unknown_keys() {
        let (message, label, help) = explain_parse_error(
            "line 4 column 5: unknown field `cuont`, expected one of name, count",
        );
        assert_eq!(
            message,
            "unknown field `cuont`, expected one of name, count"
        );
        assert_eq!(label, "unknown key");
        assert_eq!(help.as_deref(), Some("did you mean `count`?"));
    }

    #[test]
    fn drops_the_position_suffix_and_names_the_number_expected() {
        let (message, _, help) = explain_parse_error(
            "unknown variant `maybe`, expected one of yes, no at line 3, column 9",
        );
        assert_eq!(message, "unknown variant `maybe`, expected one of yes, no");
        assert_eq!(help.as_deref(), Some("expected one of: yes, no"));
        let (message, _, _) = explain_parse_error("invalid u32 at line 9, column 16");
        assert_eq!(message, "expected a whole number from 0 to 4294967295");
    }

    #[test]
    fn points_syntax_errors_without_byte_offsets_at_their_line_and_column() {
        let file = SourceFile::new(Path::new("x.yaml"), "a: 1\nbé: [2\nc: 3\n");
        assert_eq!(file.byte_offset(1, 1), Some(0));
        assert_eq!(file.byte_offset(2, 3), Some(8));
        assert_eq!(file.byte_offset(2, 99), Some(12));
        assert_eq!(file.byte_offset(9, 1), None);
    }
}
