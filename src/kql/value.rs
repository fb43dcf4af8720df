//! Values and types of the KQL engine.
//!
//! `int` and `long` are one 64-bit value, `real` and `decimal` one `f64`, `guid` a string;
//! datetimes and timespans are 100 ns ticks (datetimes since the Unix epoch). A `dynamic`
//! value read from a column or a JSON text keeps arrays and objects as JSON; its scalars
//! become plain values (`Status.errorCode` is a long, `DeviceDetail.browser` a string), which
//! is how KQL compares them anyway.

use crate::graph::{Precision, Timestamp};
use serde_json::Value as Json;
use std::cmp::Ordering;

pub const TICKS_PER_SECOND: i64 = 10_000_000;
pub const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int,
    Long,
    Real,
    String,
    DateTime,
    TimeSpan,
    Dynamic,
    Guid,
}

impl Type {
    /// A type by its KQL name (`typeof(string)`, `Col:long`).
    pub fn parse(name: &str) -> Option<Type> {
        Some(match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => Type::Bool,
            "int" => Type::Int,
            "long" => Type::Long,
            "real" | "double" | "decimal" => Type::Real,
            "string" => Type::String,
            "datetime" | "date" => Type::DateTime,
            "timespan" | "time" => Type::TimeSpan,
            "dynamic" => Type::Dynamic,
            "guid" | "uniqueid" => Type::Guid,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    Str(String),
    DateTime(i64),
    TimeSpan(i64),
    /// An array or an object.
    Dynamic(Json),
}

impl Value {
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    /// A JSON value as a KQL value: scalars become plain values.
    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Long(i),
                None => n.as_f64().map_or(Value::Null, Value::Real),
            },
            Json::String(s) => Value::Str(s.clone()),
            other => Value::Dynamic(other.clone()),
        }
    }

    pub fn into_json(self) -> Json {
        match self {
            Value::Dynamic(j) => j,
            other => other.to_json(),
        }
    }

    /// The value inside a dynamic array or object, and in the query API's JSON rows.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Long(n) => Json::from(*n),
            Value::Real(r) => serde_json::Number::from_f64(*r).map_or(Json::Null, Json::Number),
            Value::Str(s) => Json::String(s.clone()),
            Value::DateTime(t) => Json::String(format_datetime_iso(*t)),
            Value::TimeSpan(t) => Json::String(format_timespan(*t)),
            Value::Dynamic(j) => j.clone(),
        }
    }

    /// Converts a value to a column's type, as a table reads its rows (`datetime` columns
    /// from ISO text, `dynamic` from JSON). What does not convert is null.
    pub fn convert(self, ty: Type) -> Value {
        match (ty, self) {
            (_, Value::Null) => Value::Null,
            (Type::String | Type::Guid, Value::Str(s)) => Value::Str(s),
            (Type::String | Type::Guid, other) => Value::Str(other.to_text()),
            (Type::Dynamic, Value::Str(s)) => match serde_json::from_str::<Json>(&s) {
                Ok(json) => Value::from_json(&json),
                Err(_) => Value::Str(s),
            },
            (Type::Dynamic, other) => other,
            (Type::DateTime, Value::Str(s)) => {
                parse_datetime(&s).map_or(Value::Null, Value::DateTime)
            }
            (Type::DateTime, v @ Value::DateTime(_)) => v,
            (Type::TimeSpan, Value::Str(s)) => {
                parse_timespan(&s).map_or(Value::Null, Value::TimeSpan)
            }
            (Type::TimeSpan, v @ Value::TimeSpan(_)) => v,
            (Type::TimeSpan, Value::Long(n)) => Value::TimeSpan(n),
            (Type::Long | Type::Int, v) => v.to_long().map_or(Value::Null, Value::Long),
            (Type::Real, v) => v.to_real().map_or(Value::Null, Value::Real),
            (Type::Bool, Value::Bool(b)) => Value::Bool(b),
            (Type::Bool, Value::Long(n)) => Value::Bool(n != 0),
            (Type::Bool, Value::Str(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => Value::Null,
            },
            _ => Value::Null,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// `isempty`: null or the empty string.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    pub fn is_true(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn to_long(&self) -> Option<i64> {
        match self {
            Value::Long(n) => Some(*n),
            Value::Real(r) if r.is_finite() => Some(r.trunc() as i64),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Str(s) => {
                let s = s.trim();
                s.parse::<i64>().ok().or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|r| r.is_finite())
                        .map(|r| r as i64)
                })
            }
            Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
            _ => None,
        }
    }

    pub fn to_real(&self) -> Option<f64> {
        match self {
            Value::Long(n) => Some(*n as f64),
            Value::Real(r) => Some(*r),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Str(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
    }

    /// `tostring`: the empty string for null, JSON for dynamic values.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Long(n) => n.to_string(),
            Value::Real(r) => format_real(*r),
            Value::Str(s) => s.clone(),
            Value::DateTime(t) => format_datetime_iso(*t),
            Value::TimeSpan(t) => format_timespan(*t),
            Value::Dynamic(j) => j.to_string(),
        }
    }

    /// The type a value has (`gettype`), `dynamic` for arrays and objects.
    pub fn type_of(&self) -> Option<Type> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => Type::Bool,
            Value::Long(_) => Type::Long,
            Value::Real(_) => Type::Real,
            Value::Str(_) => Type::String,
            Value::DateTime(_) => Type::DateTime,
            Value::TimeSpan(_) => Type::TimeSpan,
            Value::Dynamic(_) => Type::Dynamic,
        })
    }

    /// A hashable, totally ordered stand-in for grouping, `dcount`, `distinct` and join keys.
    pub fn key(&self) -> Key {
        match self {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            Value::Long(n) => Key::Long(*n),
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 9e15 => Key::Long(*r as i64),
            Value::Real(r) => Key::Real(r.to_bits()),
            Value::Str(s) => Key::Str(s.clone()),
            Value::DateTime(t) => Key::DateTime(*t),
            Value::TimeSpan(t) => Key::TimeSpan(*t),
            Value::Dynamic(j) => Key::Dynamic(j.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Null,
    Bool(bool),
    Long(i64),
    Real(u64),
    Str(String),
    DateTime(i64),
    TimeSpan(i64),
    Dynamic(String),
}

/// `==`: numbers across types, a string and a number by the string's number (`ResultType
/// == 50053` on a string column), otherwise values of one kind; null compared is null.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Null, _) | (_, Value::Null) => return None,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Str(s), n @ (Value::Long(_) | Value::Real(_)))
        | (n @ (Value::Long(_) | Value::Real(_)), Value::Str(s)) => {
            match (Value::Str(s.clone()).to_real(), n.to_real()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            }
        }
        (Value::Dynamic(x), Value::Dynamic(y)) => x == y,
        // `Set != "[]"`: a dynamic value compared with text compares as its JSON text.
        (Value::Dynamic(x), Value::Str(s)) | (Value::Str(s), Value::Dynamic(x)) => {
            serde_json::from_str::<Json>(s).is_ok_and(|parsed| parsed == *x)
        }
        _ => compare(a, b)? == Ordering::Equal,
    })
}

/// `<` and friends: numbers across types, datetimes, timespans, strings (ordinal); other
/// pairs do not compare.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Long(x), Value::Long(y)) => Some(x.cmp(y)),
        (Value::Long(_) | Value::Real(_), Value::Long(_) | Value::Real(_)) => {
            a.to_real()?.partial_cmp(&b.to_real()?)
        }
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Str(_), Value::Long(_) | Value::Real(_))
        | (Value::Long(_) | Value::Real(_), Value::Str(_)) => {
            a.to_real()?.partial_cmp(&b.to_real()?)
        }
        (Value::DateTime(x), Value::DateTime(y)) | (Value::TimeSpan(x), Value::TimeSpan(y)) => {
            Some(x.cmp(y))
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The order of `sort`: comparable values as [`compare`] says, nulls first, then by kind.
pub fn sort_order(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    compare(a, b).unwrap_or_else(|| a.key().cmp(&b.key()))
}

/// A real as KQL prints it: no fraction when it is whole.
pub fn format_real(r: f64) -> String {
    if r.is_nan() {
        "NaN".into()
    } else if r.is_infinite() {
        if r > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        format!("{r}")
    }
}

/// `2025-03-17T15:08:07Z`, `2025-03-17T16:40:04.414272Z`: up to 7 fractional digits.
pub fn format_datetime_iso(ticks: i64) -> String {
    let mut out = String::new();
    Timestamp::from_ticks(ticks).write_to(&mut out, Precision::Ticks);
    out
}

/// `[-][d.]hh:mm:ss[.fffffff]`
pub fn format_timespan(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let days = t / (TICKS_PER_DAY as u64);
    let seconds = (t / tps) % 86_400;
    let fraction = t % tps;
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    ));
    if fraction > 0 {
        out.push_str(&format!(".{fraction:07}"));
    }
    out
}

/// A datetime in the spellings `datetime()` and `todatetime()` accept: ISO 8601 with or
/// without an offset (a space for the `T`), a date alone; read as UTC.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = Timestamp::parse(text) {
        return Some(t.ticks());
    }
    let to_ticks = |t: chrono::NaiveDateTime| {
        let utc = t.and_utc();
        utc.timestamp()
            .checked_mul(TICKS_PER_SECOND)?
            .checked_add(i64::from(utc.timestamp_subsec_nanos() / 100))
    };
    let bare = text.trim_end_matches(['Z', 'z']);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(bare, format) {
            return to_ticks(t);
        }
    }
    for format in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(bare, format) {
            return to_ticks(d.and_hms_opt(0, 0, 0)?);
        }
    }
    None
}

/// A timespan as `timespan()` and `totimespan()` take it: `1d`, `30m`, `[-][d.]hh:mm[:ss[.f]]`.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let ticks = if let Some(unit_at) = body.find(|c: char| c.is_ascii_alphabetic()) {
        let unit = super::lexer::unit_ticks(&body[unit_at..])?;
        super::lexer::timespan_ticks(&body[..unit_at], unit)?
    } else if body.contains(':') {
        let (days, clock) = match body.split_once('.') {
            Some((d, rest)) if !d.contains(':') => (d.parse::<i64>().ok()?, rest),
            _ => (0, body),
        };
        let mut parts = clock.split(':');
        let hours: i64 = parts.next()?.parse().ok()?;
        let minutes: i64 = parts.next()?.parse().ok()?;
        let seconds: f64 = parts.next().map_or(Some(0.0), |s| s.parse().ok())?;
        if parts.next().is_some() {
            return None;
        }
        let whole = (days * 86_400 + hours * 3600 + minutes * 60) as f64 + seconds;
        (whole * TICKS_PER_SECOND as f64).round() as i64
    } else {
        // A bare number of days, as `timespan(2)` reads it.
        super::lexer::timespan_ticks(body, TICKS_PER_DAY)?
    };
    Some(if negative { -ticks } else { ticks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_compare_by_number() {
        assert_eq!(
            equals(&Value::str("50053"), &Value::Long(50053)),
            Some(true)
        );
        assert_eq!(equals(&Value::str("0"), &Value::Long(1)), Some(false));
        assert_eq!(equals(&Value::str("abc"), &Value::Long(0)), Some(false));
        assert_eq!(equals(&Value::Null, &Value::Long(0)), None);
        assert_eq!(equals(&Value::Long(2), &Value::Real(2.0)), Some(true));
    }

    #[test]
    fn datetimes_and_timespans_read_and_print() {
        let t = parse_datetime("2025-03-17 15:08:07").unwrap();
        assert_eq!(format_datetime_iso(t), "2025-03-17T15:08:07Z");
        assert_eq!(
            parse_datetime("2025-03-17"),
            parse_datetime("2025-03-17T00:00:00Z")
        );
        assert_eq!(
            parse_timespan("1.02:03:04"),
            Some((93_784) * TICKS_PER_SECOND)
        );
        assert_eq!(parse_timespan("30m"), Some(1800 * TICKS_PER_SECOND));
        assert_eq!(
            format_timespan(93_784 * TICKS_PER_SECOND + 5),
            "1.02:03:04.0000005"
        );
        assert_eq!(format_timespan(-60 * TICKS_PER_SECOND), "-00:01:00");
    }

    #[test]
    fn columns_convert_to_their_type() {
        assert_eq!(
            Value::str(r#"{"a":[1]}"#).convert(Type::Dynamic),
            Value::Dynamic(serde_json::json!({"a":[1]}))
        );
        assert_eq!(
            Value::str("2025-03-17T15:08:07.0000000Z")
                .convert(Type::DateTime)
                .to_text(),
            "2025-03-17T15:08:07Z"
        );
        assert_eq!(Value::Long(7).convert(Type::String), Value::str("7"));
    }
}
