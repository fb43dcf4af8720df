//! Errors of a KQL query, located in the query text.

use std::fmt;

/// A byte range of the query text.
///
/// Two spans always compare equal: syntax trees are compared for their meaning (the
/// pretty-printer round trip), never for where their parts stood in the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Which stage found the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not KQL (lexer, parser).
    Syntax,
    /// KQL that entralab does not run yet.
    Unsupported,
    /// An unknown table, column or function, or a wrong argument (binder).
    Semantic,
}

/// A query that cannot run, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct KqlError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
    pub hint: Option<String>,
}

pub type Result<T, E = KqlError> = std::result::Result<T, E>;

impl KqlError {
    pub fn syntax(span: Span, message: impl Into<String>) -> KqlError {
        KqlError {
            kind: ErrorKind::Syntax,
            message: message.into(),
            span,
            hint: None,
        }
    }

    pub fn semantic(span: Span, message: impl Into<String>) -> KqlError {
        KqlError {
            kind: ErrorKind::Semantic,
            message: message.into(),
            span,
            hint: None,
        }
    }

    pub fn unsupported(span: Span, what: impl fmt::Display) -> KqlError {
        KqlError {
            kind: ErrorKind::Unsupported,
            message: format!("{what} is not supported yet"),
            span,
            hint: Some("docs/kql.md lists what entralab runs".to_string()),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> KqlError {
        self.hint = Some(hint.into());
        self
    }

    /// Suggests the closest of `candidates` to `word`, if one is close.
    pub fn did_you_mean<'a>(
        self,
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> KqlError {
        match crate::scenario::suggest(word, candidates) {
            Some(best) => self.with_hint(format!("did you mean `{best}`?")),
            None => self,
        }
    }

    /// 1-based line and column (in characters) of the start of the span in `query`.
    pub fn line_col(&self, query: &str) -> (usize, usize) {
        let at = floor_char_boundary(query, self.span.start);
        let before = &query[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The error as a person reads it: `query:LINE:COL: message`, the line of the query with
    /// the offending token underlined, and the hint.
    pub fn render(&self, query: &str) -> String {
        let (line, col) = self.line_col(query);
        let mut out = format!("query:{line}:{col}: {}\n", self.message);
        let text = query.lines().nth(line - 1).unwrap_or("");
        let start = floor_char_boundary(query, self.span.start);
        let end = floor_char_boundary(query, self.span.end.max(self.span.start));
        let token: String = query[start..end]
            .chars()
            .take_while(|c| *c != '\n')
            .collect();
        let width = token.chars().count().max(1);
        out.push_str(&format!(
            "  | {text}\n  | {}{}\n",
            " ".repeat(col - 1),
            "^".repeat(width)
        ));
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  = help: {hint}\n"));
        }
        out
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_column_and_underline() {
        let query = "SigninLogs\n| wher x";
        let error = KqlError::syntax(Span::new(13, 17), "unknown operator `wher`")
            .with_hint("did you mean `where`?");
        assert_eq!(error.line_col(query), (2, 3));
        assert_eq!(
            error.render(query),
            "query:2:3: unknown operator `wher`\n  | | wher x\n  |   ^^^^\n  = help: did you mean `where`?\n"
        );
    }
}
