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
            let offset = span.byte_offset().unwrap_or(0) as usize;
            let len = span.byte_len().unwrap_or(0).max(1) as usize;
            let offset = offset.min(file.text.len());
            SourceSpan::from((
                offset,
                len.min(file.text.len().saturating_sub(offset)),
            ))
        });
        ScenarioError {
            message: message.into(),
            source_code: NamedSource::new(file.display_name(), file.text.clone()),
            span,
            label: label.into(),
            help,
            path: file.path.clone(),
            position: known.then(|| (location.line(), location.column())),
        }
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
    let message = strip_position_prefix(message).trim().to_string();
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
        let help =
            format!("add `{field}:` to this mapping (see the scenario format in the README)");
        return (message.clone(), "here".into(), Some(help));
    }
    let help = if message.starts_with("invalid u") || message.contains("invalid value: integer") {
        "write a whole number of zero or more, without quotes or a sign".to_string()
    } else if message.contains("not a duration") {
        "a duration is a number and a unit (ms, s, m, h, d), e.g. 90s, 5m or 1h30m".to_string()
    } else if message.contains("not a UTC timestamp") {
        "write an RFC 3339 instant with its offset, e.g. 2025-03-17T15:00:00Z".to_string()
    } else if message.contains("invalid type") {
        "check the value's type against the scenario format in the README".to_string()
    } else {
        "check indentation, quoting and the scenario format in the README".to_string()
    };
    (message, "here".into(), Some(help))
}

fn strip_position_prefix(message: &str) -> &str {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(rest) = message.strip_prefix("line ")
        && let Some(colon) = rest.find(": ")
        && rest[..colon].contains("column")
    {
        return &rest[colon + 2..];
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
}
