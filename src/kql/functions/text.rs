//! String functions.

use super::Context;
use crate::kql::value::Value;
use serde_json::Value as Json;

/// `substring(s, start[, length])`, in characters.
pub fn substring(a: &[Value]) -> Value {
    let text: Vec<char> = a[0].to_text().chars().collect();
    let Some(start) = a[1].to_long() else {
        return Value::Null;
    };
    let start = start.clamp(0, text.len() as i64) as usize;
    let len = match a.get(2) {
        Some(l) => match l.to_long() {
            Some(l) => l.max(0) as usize,
            None => return Value::Null,
        },
        None => text.len(),
    };
    Value::Str(text[start..].iter().take(len).collect())
}

/// `indexof(s, lookup[, start[, length[, occurrence]]])`: the character index, or -1.
pub fn index_of(a: &[Value]) -> Value {
    let text = a[0].to_text();
    let needle = a[1].to_text();
    let start = a.get(2).and_then(Value::to_long).unwrap_or(0).max(0) as usize;
    let byte_start = if start == text.chars().count() {
        text.len()
    } else {
        match text.char_indices().nth(start) {
            Some((at, _)) => at,
            None => return Value::Long(-1),
        }
    };
    let occurrence = a.get(4).and_then(Value::to_long).unwrap_or(1).max(1) as usize;
    let found = text[byte_start..]
        .match_indices(needle.as_str())
        .nth(occurrence - 1)
        .map(|(i, _)| text[..byte_start + i].chars().count() as i64);
    Value::Long(found.unwrap_or(-1))
}

/// `split(s, delimiter[, index])`: an array of strings, or the one at `index`.
pub fn split(a: &[Value]) -> Value {
    let text = a[0].to_text();
    let delimiter = a[1].to_text();
    let parts: Vec<Json> = if delimiter.is_empty() {
        vec![Json::String(text)]
    } else {
        text.split(delimiter.as_str())
            .map(|p| Json::String(p.to_string()))
            .collect()
    };
    match a.get(2) {
        None => Value::Dynamic(Json::Array(parts)),
        Some(i) => match i.to_long() {
            Some(i) if i >= 0 && (i as usize) < parts.len() => {
                Value::Dynamic(Json::Array(vec![parts[i as usize].clone()]))
            }
            _ => Value::Dynamic(Json::Array(Vec::new())),
        },
    }
}

/// `trim(regex, s)`: removes matches of `regex` at the start and/or end.
pub fn trim(a: &[Value], c: &Context, start: bool, end: bool) -> Value {
    let pattern = a[0].to_text();
    let mut text = a[1].to_text();
    if pattern.is_empty() {
        return Value::Str(text);
    }
    if start && let Some(re) = c.regex(&format!("^(?:{pattern})+")) {
        text = re.replace(&text, "").into_owned();
    }
    if end && let Some(re) = c.regex(&format!("(?:{pattern})+$")) {
        text = re.replace(&text, "").into_owned();
    }
    Value::Str(text)
}

/// `replace_regex(s, regex, rewrite)`; `\1` in the rewrite is a group.
pub fn replace_regex(a: &[Value], c: &Context) -> Value {
    let Some(re) = c.regex(&a[1].to_text()) else {
        return Value::Null;
    };
    let rewrite = a[2].to_text();
    let rewrite = regex::Regex::new(r"\\(\d)")
        .map(|r| r.replace_all(&rewrite, "$${$1}").into_owned())
        .unwrap_or(rewrite);
    Value::Str(
        re.replace_all(&a[0].to_text(), rewrite.as_str())
            .into_owned(),
    )
}

/// `extract(regex, group, s[, typeof(T)])`
pub fn extract(a: &[Value], c: &Context) -> Value {
    let Some(re) = c.regex(&a[0].to_text()) else {
        return Value::Null;
    };
    let Some(group) = a[1].to_long() else {
        return Value::Null;
    };
    let text = a[2].to_text();
    let found = re
        .captures(&text)
        .and_then(|caps| caps.get(group.max(0) as usize))
        .map(|m| m.as_str().to_string());
    match found {
        Some(s) => Value::Str(s),
        None => Value::str(""),
    }
}

/// `extract_all(regex, s)`: the first group (or the whole match) of every match; several
/// groups give an array per match.
pub fn extract_all(a: &[Value], c: &Context) -> Value {
    let Some(re) = c.regex(&a[0].to_text()) else {
        return Value::Null;
    };
    let text = a[a.len() - 1].to_text();
    let groups = re.captures_len() - 1;
    let matches: Vec<Json> = re
        .captures_iter(&text)
        .map(|caps| match groups {
            0 => Json::String(caps[0].to_string()),
            1 => Json::String(caps.get(1).map_or("", |m| m.as_str()).to_string()),
            _ => Json::Array(
                (1..=groups)
                    .map(|g| Json::String(caps.get(g).map_or("", |m| m.as_str()).to_string()))
                    .collect(),
            ),
        })
        .collect();
    if matches.is_empty() {
        Value::Null
    } else {
        Value::Dynamic(Json::Array(matches))
    }
}

/// `countof(s, search[, "normal"|"regex"])`
pub fn count_of(a: &[Value], c: &Context) -> Value {
    let text = a[0].to_text();
    let search = a[1].to_text();
    if a.get(2).is_some_and(|k| k.to_text() == "regex") {
        return c.regex(&search).map_or(Value::Null, |re| {
            Value::Long(re.find_iter(&text).count() as i64)
        });
    }
    if search.is_empty() {
        return Value::Long(0);
    }
    Value::Long(text.matches(search.as_str()).count() as i64)
}

pub fn url_decode(v: &Value) -> Value {
    let text = v.to_text();
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = [bytes[i + 1], bytes[i + 2]];
                let hex = std::str::from_utf8(&hex).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 3;
                continue;
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    Value::Str(String::from_utf8_lossy(&out).into_owned())
}

pub fn base64_decode(v: &Value) -> Value {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v.to_text().trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map_or(Value::Null, Value::Str)
}

pub fn base64_encode(v: &Value) -> Value {
    use base64::Engine;
    Value::Str(base64::engine::general_purpose::STANDARD.encode(v.to_text()))
}

/// `hash(x[, mod])`: a stable 64-bit FNV-1a of the value's text (not Kusto's xxhash).
pub fn hash(a: &[Value]) -> Value {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in a[0].to_text().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let h = (h >> 1) as i64;
    match a.get(1).and_then(Value::to_long) {
        Some(m) if m > 0 => Value::Long(h % m),
        _ => Value::Long(h),
    }
}

/// Whether `needle` occurs in `haystack` as a whole term (between non-alphanumeric
/// characters or the ends), as `has` looks for it.
pub fn has_term(
    haystack: &str,
    needle: &str,
    case_sensitive: bool,
    prefix: bool,
    suffix: bool,
) -> bool {
    if needle.is_empty() {
        return true;
    }
    let (h, n) = if case_sensitive {
        (haystack.to_string(), needle.to_string())
    } else {
        (haystack.to_lowercase(), needle.to_lowercase())
    };
    let is_term_char = |c: char| c.is_alphanumeric() || c == '_';
    h.match_indices(n.as_str()).any(|(at, _)| {
        let before = h[..at].chars().next_back();
        let after = h[at + n.len()..].chars().next();
        let starts = before.is_none_or(|c| !is_term_char(c)) || !n.starts_with(is_term_char);
        let ends = after.is_none_or(|c| !is_term_char(c)) || !n.ends_with(is_term_char);
        match (prefix, suffix) {
            (true, _) => starts,
            (_, true) => ends,
            _ => starts && ends,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_finds_whole_terms_only() {
        assert!(has_term(
            "Mozilla/5.0 (Windows NT 10.0)",
            "windows",
            false,
            false,
            false
        ));
        assert!(!has_term("Windows10", "windows", false, false, false));
        assert!(has_term("Windows10", "windows", false, true, false));
        assert!(!has_term("user01@x.com", "user", false, false, false));
        assert!(has_term(
            "user01@x.com",
            "user01@x.com",
            false,
            false,
            false
        ));
        assert!(!has_term("ABC", "abc", true, false, false));
    }

    #[test]
    fn splits_and_substrings() {
        assert_eq!(
            split(&[Value::str("a/b/c"), Value::str("/"), Value::Long(1)]).to_text(),
            r#"["b"]"#
        );
        assert_eq!(
            substring(&[Value::str("hello"), Value::Long(1), Value::Long(3)]),
            Value::str("ell")
        );
        assert_eq!(
            index_of(&[Value::str("abcb"), Value::str("b"), Value::Long(2)]),
            Value::Long(3)
        );
    }
}
