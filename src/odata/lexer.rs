//! Tokens of an OData `$filter` expression.

use super::FilterError;
use crate::graph::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A name: a property, a keyword (`and`, `eq`, ...), a function or a lambda variable.
    Name(String),
    Str(String),
    Int(i64),
    Float(f64),
    /// An unquoted DateTimeOffset literal.
    Time(Timestamp),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
}

/// A token and the byte offset where it starts.
pub type Spanned = (Token, usize);

pub fn tokenize(text: &str) -> Result<Vec<Spanned>, FilterError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let token = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => single(&mut i, Token::LParen),
            b')' => single(&mut i, Token::RParen),
            b',' => single(&mut i, Token::Comma),
            b'/' => single(&mut i, Token::Slash),
            b':' => single(&mut i, Token::Colon),
            b'\'' => Token::Str(string(text, &mut i)?),
            b'0'..=b'9' | b'-' => number_or_time(text, &mut i)?,
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'@' || c == b'$' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b'@' | b'$'))
                {
                    i += 1;
                }
                Token::Name(text[start..i].to_string())
            }
            _ => {
                return Err(FilterError::at(
                    start,
                    format!("unexpected character `{}`", char_at(text, start)),
                ));
            }
        };
        tokens.push((token, start));
    }
    Ok(tokens)
}

fn single(i: &mut usize, token: Token) -> Token {
    *i += 1;
    token
}

fn char_at(text: &str, at: usize) -> char {
    text[at..].chars().next().unwrap_or(' ')
}

/// A single-quoted string; `''` is a quote inside it.
fn string(text: &str, i: &mut usize) -> Result<String, FilterError> {
    let start = *i;
    let bytes = text.as_bytes();
    let mut out = String::new();
    *i += 1;
    let mut run_start = *i;
    while *i < bytes.len() {
        if bytes[*i] == b'\'' {
            out.push_str(&text[run_start..*i]);
            if bytes.get(*i + 1) == Some(&b'\'') {
                out.push('\'');
                *i += 2;
                run_start = *i;
                continue;
            }
            *i += 1;
            return Ok(out);
        }
        *i += 1;
    }
    Err(FilterError::at(start, "a string is never closed with `'`"))
}

/// `42`, `-1`, `4.5`, or an unquoted `2025-03-17T15:00:00Z`.
fn number_or_time(text: &str, i: &mut usize) -> Result<Token, FilterError> {
    let start = *i;
    let bytes = text.as_bytes();
    *i += 1;
    while *i < bytes.len()
        && (bytes[*i].is_ascii_alphanumeric() || matches!(bytes[*i], b'.' | b':' | b'-' | b'+'))
    {
        *i += 1;
    }
    let word = &text[start..*i];
    if word.len() >= 10 && word.as_bytes()[4] == b'-' && word.as_bytes()[7] == b'-' {
        return Timestamp::parse(word).map(Token::Time).map_err(|_| {
            FilterError::at(
                start,
                format!("`{word}` is not a DateTimeOffset like 2025-03-17T15:00:00Z"),
            )
        });
    }
    if let Ok(n) = word.parse::<i64>() {
        return Ok(Token::Int(n));
    }
    match word.parse::<f64>() {
        Ok(f) if f.is_finite() && !word.contains(['e', 'E', 'i', 'n', 'N']) => Ok(Token::Float(f)),
        _ => Err(FilterError::at(start, format!("`{word}` is not a number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn lexes_the_lab_filter() {
        let tokens = kinds("createdDateTime ge 2025-03-17T15:00:00Z and status/errorCode eq 50126");
        assert_eq!(
            tokens[2],
            Token::Time(Timestamp::parse("2025-03-17T15:00:00Z").unwrap())
        );
        assert_eq!(tokens[5], Token::Slash);
        assert_eq!(tokens[8], Token::Int(50126));
    }

    #[test]
    fn strings_escape_quotes() {
        assert_eq!(kinds("'O''Brien'"), [Token::Str("O'Brien".into())]);
        assert!(tokenize("'open").is_err());
    }

    #[test]
    fn rejects_odd_characters_and_numbers() {
        assert!(tokenize("a eq #").is_err());
        assert!(tokenize("a eq 12abc").is_err());
        assert!(tokenize("a eq 2025-13-45T00:00:00Z").is_err());
    }
}
