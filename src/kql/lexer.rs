//! Tokens of a KQL query.
//!
//! Hyphenated operator names (`mv-expand`, `project-away`) are one token; `datetime(...)` and
//! `timespan(...)` literals are read whole, as their contents are not KQL tokens
//! (`datetime(2025-03-17 15:00)`); a number followed by a unit (`30m`, `1.5h`) is a timespan.

use super::error::{KqlError, Result, Span};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword; quoted names (`['Column Name']`) are [`Tok::Quoted`].
    Ident(String),
    Quoted(String),
    Str(String),
    Long(i64),
    Real(f64),
    /// A timespan in 100 ns ticks.
    Span(i64),
    /// The raw text between the parentheses of `datetime(...)`.
    DateTime(String),
    /// The raw text between the parentheses of `timespan(...)`.
    TimeSpan(String),
    Punct(&'static str),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Operators written with a hyphen.
const HYPHENATED: &[&str] = &[
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "mv-expand",
    "mv-apply",
    "make-series",
    "parse-where",
    "parse-kv",
    "top-nested",
    "top-hitters",
    "make-graph",
];

/// Punctuation, longest first.
const PUNCT: &[&str] = &[
    "==", "!=", "<>", "<=", ">=", "=~", "!~", "..", "=>", "|", "(", ")", "[", "]", "{", "}", ",",
    ";", ".", ":", "=", "<", ">", "+", "-", "*", "/", "%", "!", "~",
];

pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// The ticks of one timespan unit, by its KQL spelling.
pub fn unit_ticks(unit: &str) -> Option<i64> {
    Some(match unit {
        "d" | "day" | "days" => 86_400 * TICKS_PER_SECOND,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600 * TICKS_PER_SECOND,
        "m" | "min" | "minute" | "minutes" => 60 * TICKS_PER_SECOND,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => TICKS_PER_SECOND / 1000,
        "microsecond" | "microseconds" => 10,
        "tick" | "ticks" => 1,
        _ => return None,
    })
}

/// Words after which a value starts (so `['x']` after them is a quoted name; the printer
/// writes a member of such a word as `word.x`).
pub(super) fn is_keyword(word: &str) -> bool {
    !matches!(word, "true" | "false" | "null") && super::print::RESERVED.contains(&word)
        || super::parser::OPERATORS.contains(&word)
        || HYPHENATED.contains(&word)
        || word.starts_with('!')
        || super::ast::StrOp::ALL.iter().any(|(name, _)| *name == word)
        || matches!(
            word,
            "print" | "range" | "datatable" | "isfuzzy" | "withsource"
        )
}

pub fn tokenize(text: &str) -> Result<Vec<Token>> {
    let mut lexer = Lexer {
        text,
        at: 0,
        after_value: false,
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next()?;
        lexer.after_value = match &token.tok {
            Tok::Ident(w) => !is_keyword(w),
            _ => false,
        } || matches!(
            token.tok,
            Tok::Quoted(_)
                | Tok::Str(_)
                | Tok::Long(_)
                | Tok::Real(_)
                | Tok::Span(_)
                | Tok::DateTime(_)
                | Tok::TimeSpan(_)
                | Tok::Punct(")" | "]")
        );
        let end = token.tok == Tok::Eof;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    at: usize,
    /// The last token ends a value: a `[` after it indexes (`a["b"]`) rather than quoting a
    /// name (`['Column Name']`).
    after_value: bool,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_blank(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            if self.rest().starts_with("//") {
                self.at += self.rest().find('\n').unwrap_or(self.rest().len());
            } else {
                return;
            }
        }
    }

    fn next(&mut self) -> Result<Token> {
        self.skip_blank();
        let start = self.at;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: Span::new(start, start),
            });
        };
        let tok = if c == '"' || c == '\'' {
            Tok::Str(self.string(c, false)?)
        } else if (c == '@' || c == 'h' || c == 'H')
            && matches!(self.rest()[1..].chars().next(), Some('"' | '\''))
        {
            self.at += 1;
            let quote = self.peek().unwrap_or('"');
            Tok::Str(self.string(quote, c == '@')?)
        } else if (c == 'h' || c == 'H')
            && (self.rest()[1..].starts_with("@\"") || self.rest()[1..].starts_with("@'"))
        {
            self.at += 2;
            let quote = self.peek().unwrap_or('"');
            Tok::Str(self.string(quote, true)?)
        } else if self.rest().starts_with("```") {
            self.at += 3;
            match self.rest().find("```") {
                Some(end) => {
                    let body = self.rest()[..end].to_string();
                    self.at += end + 3;
                    Tok::Str(body)
                }
                None => {
                    return Err(KqlError::syntax(
                        Span::new(start, self.text.len()),
                        "unterminated ``` string",
                    ));
                }
            }
        } else if !self.after_value
            && (self.rest().starts_with("['") || self.rest().starts_with("[\""))
            && let Some(name) = self.quoted_name()?
        {
            Tok::Quoted(name)
        } else if c.is_ascii_digit() {
            self.number(start)?
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            self.word()
        } else if let Some(p) = PUNCT.iter().find(|p| self.rest().starts_with(**p)) {
            self.at += p.len();
            Tok::Punct(p)
        } else {
            self.at += c.len_utf8();
            return Err(KqlError::syntax(
                Span::new(start, self.at),
                format!("unexpected character `{c}`"),
            ));
        };
        Ok(Token {
            tok,
            span: Span::new(start, self.at),
        })
    }

    /// `['Column Name']`; `None` (nothing consumed) when the string is not followed by `]`,
    /// as in `dynamic(["a", "b"])`.
    fn quoted_name(&mut self) -> Result<Option<String>> {
        let start = self.at;
        self.at += 1;
        let quote = self.peek().unwrap_or('\'');
        let name = self.string(quote, false)?;
        self.skip_blank();
        if self.rest().starts_with(']') {
            self.at += 1;
            Ok(Some(name))
        } else {
            self.at = start;
            Ok(None)
        }
    }

    /// A quoted string starting at the quote; `verbatim` strings have no escapes.
    fn string(&mut self, quote: char, verbatim: bool) -> Result<String> {
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(KqlError::syntax(
                    Span::new(start, self.text.len()),
                    "unterminated string",
                )
                .with_hint(format!("close it with {quote}")));
            };
            self.at += c.len_utf8();
            if c == quote {
                if verbatim && self.peek() == Some(quote) {
                    self.at += 1;
                    out.push(quote);
                    continue;
                }
                return Ok(out);
            }
            if c == '\\' && !verbatim {
                let Some(e) = self.peek() else { continue };
                self.at += e.len_utf8();
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'u' => {
                        let hex: String = self.rest().chars().take(4).collect();
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) if hex.len() == 4 => {
                                self.at += 4;
                                out.push(ch);
                            }
                            _ => {
                                return Err(KqlError::syntax(
                                    Span::new(self.at - 2, self.at),
                                    "`\\u` needs four hex digits",
                                ));
                            }
                        }
                    }
                    other => out.push(other),
                }
            } else {
                out.push(c);
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<Tok> {
        let bytes = self.text.as_bytes();
        let mut end = self.at;
        let hex = self.rest().starts_with("0x");
        if hex {
            end += 2;
            while end < bytes.len() && bytes[end].is_ascii_hexdigit() {
                end += 1;
            }
            self.at = end;
            return i64::from_str_radix(&self.text[start + 2..end], 16)
                .map(Tok::Long)
                .map_err(|_| KqlError::syntax(Span::new(start, end), "invalid hex number"));
        }
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let mut real = false;
        if end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
            real = true;
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
        if end < bytes.len() && (bytes[end] == b'e' || bytes[end] == b'E') {
            let mut e = end + 1;
            if e < bytes.len() && (bytes[e] == b'+' || bytes[e] == b'-') {
                e += 1;
            }
            if e < bytes.len() && bytes[e].is_ascii_digit() {
                while e < bytes.len() && bytes[e].is_ascii_digit() {
                    e += 1;
                }
                real = true;
                end = e;
            }
        }
        let number = &self.text[start..end];
        // A unit right after the number makes it a timespan: 30m, 1.5h, 100ms.
        let mut unit_end = end;
        while unit_end < bytes.len() && bytes[unit_end].is_ascii_alphabetic() {
            unit_end += 1;
        }
        if unit_end > end {
            let unit = &self.text[end..unit_end];
            self.at = unit_end;
            let span = Span::new(start, unit_end);
            let ticks = unit_ticks(unit).ok_or_else(|| {
                KqlError::syntax(span, format!("unknown timespan unit `{unit}`"))
                    .with_hint("units are d, h, m, s, ms, microsecond, tick")
            })?;
            return timespan_ticks(number, ticks)
                .map(Tok::Span)
                .ok_or_else(|| KqlError::syntax(span, "timespan out of range"));
        }
        self.at = end;
        let span = Span::new(start, end);
        if real {
            number
                .parse::<f64>()
                .ok()
                .filter(|r| r.is_finite())
                .map(Tok::Real)
                .ok_or_else(|| KqlError::syntax(span, "number out of range"))
        } else {
            number
                .parse::<i64>()
                .map(Tok::Long)
                .map_err(|_| KqlError::syntax(span, "number out of range for a long"))
        }
    }

    fn word(&mut self) -> Tok {
        let start = self.at;
        let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        let len = self
            .rest()
            .find(|c| !is_word(c))
            .unwrap_or(self.rest().len());
        self.at += len;
        let word = &self.text[start..self.at];
        if self.rest().starts_with('-') {
            let after = &self.rest()[1..];
            let next_len = after.find(|c| !is_word(c)).unwrap_or(after.len());
            let joined = format!("{word}-{}", &after[..next_len]);
            if HYPHENATED.contains(&joined.as_str()) {
                self.at += 1 + next_len;
                return Tok::Ident(joined);
            }
        }
        let lower = word.to_ascii_lowercase();
        if (lower == "datetime" || lower == "timespan" || lower == "time")
            && self.raw_literal_ahead()
        {
            let rest = self.rest();
            let open = rest.find('(').unwrap_or(0);
            let close = rest.find(')').unwrap_or(rest.len());
            let raw = rest[open + 1..close].trim().to_string();
            self.at += (close + 1).min(rest.len());
            return if lower == "datetime" {
                Tok::DateTime(raw)
            } else {
                Tok::TimeSpan(raw)
            };
        }
        Tok::Ident(word.to_string())
    }

    /// `(` then a literal body without quotes, nesting or a pipe before `)`.
    fn raw_literal_ahead(&self) -> bool {
        let rest = self.rest().trim_start();
        if !rest.starts_with('(') {
            return false;
        }
        let Some(close) = rest.find(')') else {
            return false;
        };
        let body = &rest[1..close];
        !body.contains(['(', '"', '\'', '|', ','])
    }
}

/// `number` (digits with an optional fraction) times `unit` ticks.
pub fn timespan_ticks(number: &str, unit: i64) -> Option<i64> {
    if let Ok(whole) = number.parse::<i64>() {
        return whole.checked_mul(unit);
    }
    let value = number.parse::<f64>().ok()? * unit as f64;
    (value.is_finite() && value.abs() < 9.2e18).then(|| value.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn reads_operators_literals_and_names() {
        assert_eq!(
            toks("T | mv-expand x=['a b'] // note\n| where y >= 1.5e1 and z == 30m"),
            vec![
                Tok::Ident("T".into()),
                Tok::Punct("|"),
                Tok::Ident("mv-expand".into()),
                Tok::Ident("x".into()),
                Tok::Punct("="),
                Tok::Quoted("a b".into()),
                Tok::Punct("|"),
                Tok::Ident("where".into()),
                Tok::Ident("y".into()),
                Tok::Punct(">="),
                Tok::Real(15.0),
                Tok::Ident("and".into()),
                Tok::Ident("z".into()),
                Tok::Punct("=="),
                Tok::Span(30 * 60 * TICKS_PER_SECOND),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn reads_strings_and_raw_literals() {
        assert_eq!(
            toks(r#"'it\'s' @"C:\x" datetime(2025-03-17 15:00) timespan(1.00:00:00) x-y"#),
            vec![
                Tok::Str("it's".into()),
                Tok::Str("C:\\x".into()),
                Tok::DateTime("2025-03-17 15:00".into()),
                Tok::TimeSpan("1.00:00:00".into()),
                Tok::Ident("x".into()),
                Tok::Punct("-"),
                Tok::Ident("y".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn locates_bad_input() {
        let error = tokenize("T | where x == \"open").unwrap_err();
        assert_eq!(error.span.start, 15);
        assert_eq!(
            tokenize("x == 3parsecs").unwrap_err().message,
            "unknown timespan unit `parsecs`"
        );
        assert!(tokenize("a # b").is_err());
    }
}
