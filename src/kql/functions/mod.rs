//! Scalar functions, by name. A function takes evaluated arguments and never fails: what it
//! cannot compute is null, as in KQL.

pub mod dynamic;
mod net;
pub mod series;
pub mod text;
mod time;

use super::value::{Type, Value, equals};
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;

/// What a function call evaluates with besides its arguments.
pub struct Context {
    /// `now()`, in ticks.
    pub now: i64,
    /// Compiled patterns, so that a pattern used on every row compiles once.
    regexes: RefCell<HashMap<std::string::String, Option<Regex>>>,
    /// The rows `prev()` and `next()` read.
    pub rows: super::window::Rows,
}

impl Context {
    pub fn new(now: i64) -> Context {
        Context {
            now,
            regexes: RefCell::new(HashMap::new()),
            rows: super::window::Rows::default(),
        }
    }

    /// The compiled `pattern`, or `None` when it is not a valid regular expression.
    pub fn regex(&self, pattern: &str) -> Option<Regex> {
        let mut cache = self.regexes.borrow_mut();
        if cache.len() > 1000 {
            cache.clear();
        }
        cache
            .entry(pattern.to_string())
            .or_insert_with(|| {
                regex::RegexBuilder::new(pattern)
                    .size_limit(1 << 20)
                    .build()
                    .ok()
            })
            .clone()
    }
}

/// The type a function returns.
#[derive(Debug, Clone, Copy)]
pub enum Ret {
    Fixed(Type),
    /// The type of the argument at this index.
    Arg(usize),
}

pub struct Function {
    pub name: &'static str,
    pub min_args: usize,
    pub max_args: usize,
    pub ret: Ret,
    pub eval: fn(&[Value], &Context) -> Value,
}

const MANY: usize = 64;

macro_rules! f {
    ($name:literal, $min:expr, $max:expr, $ret:expr, $eval:expr) => {
        Function {
            name: $name,
            min_args: $min,
            max_args: $max,
            ret: $ret,
            eval: $eval,
        }
    };
}

use Ret::{Arg, Fixed};
use Type::*;

/// Every scalar function entralab runs.
pub static FUNCTIONS: &[Function] = &[
    // conversions
    f!("tostring", 1, 1, Fixed(String), |a, _| Value::Str(
        a[0].to_text()
    )),
    f!("toint", 1, 1, Fixed(Int), |a, _| a[0].clone().convert(Long)),
    f!("tolong", 1, 1, Fixed(Long), |a, _| a[0]
        .clone()
        .convert(Long)),
    f!("toreal", 1, 1, Fixed(Real), |a, _| a[0]
        .clone()
        .convert(Real)),
    f!("todouble", 1, 1, Fixed(Real), |a, _| a[0]
        .clone()
        .convert(Real)),
    f!("todecimal", 1, 1, Fixed(Real), |a, _| a[0]
        .clone()
        .convert(Real)),
    f!("tobool", 1, 1, Fixed(Bool), |a, _| a[0]
        .clone()
        .convert(Bool)),
    f!("toboolean", 1, 1, Fixed(Bool), |a, _| a[0]
        .clone()
        .convert(Bool)),
    f!("toguid", 1, 1, Fixed(Guid), |a, _| a[0]
        .clone()
        .convert(String)),
    f!("todatetime", 1, 1, Fixed(DateTime), |a, _| a[0]
        .clone()
        .convert(DateTime)),
    f!("totimespan", 1, 1, Fixed(TimeSpan), |a, _| a[0]
        .clone()
        .convert(TimeSpan)),
    f!("parse_json", 1, 1, Fixed(Dynamic), |a, _| {
        dynamic::parse_json(&a[0])
    }),
    f!("todynamic", 1, 1, Fixed(Dynamic), |a, _| {
        dynamic::parse_json(&a[0])
    }),
    f!(
        "toobject",
        1,
        1,
        Fixed(Dynamic),
        |a, _| dynamic::parse_json(&a[0])
    ),
    f!("gettype", 1, 1, Fixed(String), |a, _| Value::str(gettype(
        &a[0]
    ))),
    // logic
    f!("iff", 3, 3, Arg(1), |a, _| iff(a)),
    f!("iif", 3, 3, Arg(1), |a, _| iff(a)),
    f!("case", 3, MANY, Arg(1), |a, _| case(a)),
    f!("coalesce", 1, MANY, Arg(0), |a, _| a
        .iter()
        .find(|v| !v.is_empty())
        .cloned()
        .unwrap_or(Value::Null)),
    f!("isempty", 1, 1, Fixed(Bool), |a, _| Value::Bool(
        a[0].is_empty()
    )),
    f!("isnotempty", 1, 1, Fixed(Bool), |a, _| Value::Bool(
        !a[0].is_empty()
    )),
    f!("isnull", 1, 1, Fixed(Bool), |a, _| Value::Bool(
        a[0].is_null()
    )),
    f!("isnotnull", 1, 1, Fixed(Bool), |a, _| Value::Bool(
        !a[0].is_null()
    )),
    f!("not", 1, 1, Fixed(Bool), |a, _| match &a[0] {
        Value::Bool(b) => Value::Bool(!b),
        _ => Value::Null,
    }),
    f!("isnan", 1, 1, Fixed(Bool), |a, _| Value::Bool(
        matches!(a[0], Value::Real(r) if r.is_nan())
    )),
    // math
    f!("abs", 1, 1, Arg(0), |a, _| match &a[0] {
        Value::Long(n) => n.checked_abs().map_or(Value::Null, Value::Long),
        Value::Real(r) => Value::Real(r.abs()),
        Value::TimeSpan(t) => t.checked_abs().map_or(Value::Null, Value::TimeSpan),
        _ => Value::Null,
    }),
    f!("round", 1, 2, Fixed(Real), |a, _| round(a)),
    f!("ceiling", 1, 1, Arg(0), |a, _| real_fn(&a[0], f64::ceil)),
    f!("sqrt", 1, 1, Fixed(Real), |a, _| real_fn(&a[0], f64::sqrt)),
    f!("exp", 1, 1, Fixed(Real), |a, _| real_fn(&a[0], f64::exp)),
    f!("log", 1, 1, Fixed(Real), |a, _| real_fn(&a[0], f64::ln)),
    f!("log10", 1, 1, Fixed(Real), |a, _| real_fn(
        &a[0],
        f64::log10
    )),
    f!("log2", 1, 1, Fixed(Real), |a, _| real_fn(&a[0], f64::log2)),
    f!(
        "pow",
        2,
        2,
        Fixed(Real),
        |a, _| match (a[0].to_real(), a[1].to_real()) {
            (Some(x), Some(y)) => finite(x.powf(y)),
            _ => Value::Null,
        }
    ),
    f!("min_of", 1, MANY, Arg(0), |a, _| extreme(
        a,
        std::cmp::Ordering::Less
    )),
    f!("max_of", 1, MANY, Arg(0), |a, _| extreme(
        a,
        std::cmp::Ordering::Greater
    )),
    f!("bin", 2, 2, Arg(0), |a, _| time::bin(&a[0], &a[1])),
    f!("floor", 2, 2, Arg(0), |a, _| time::bin(&a[0], &a[1])),
    f!("hash", 1, 2, Fixed(Long), |a, _| text::hash(a)),
    // time
    f!("now", 0, 1, Fixed(DateTime), |a, c| time::now(a, c)),
    f!("ago", 1, 1, Fixed(DateTime), |a, c| time::ago(&a[0], c)),
    f!("startofday", 1, 2, Fixed(DateTime), |a, _| time::start_of(
        a,
        time::Unit::Day
    )),
    f!("startofweek", 1, 2, Fixed(DateTime), |a, _| time::start_of(
        a,
        time::Unit::Week
    )),
    f!(
        "startofmonth",
        1,
        2,
        Fixed(DateTime),
        |a, _| time::start_of(a, time::Unit::Month)
    ),
    f!("startofyear", 1, 2, Fixed(DateTime), |a, _| time::start_of(
        a,
        time::Unit::Year
    )),
    f!("endofday", 1, 2, Fixed(DateTime), |a, _| time::end_of_day(
        a
    )),
    f!(
        "dayofweek",
        1,
        1,
        Fixed(TimeSpan),
        |a, _| time::day_of_week(&a[0])
    ),
    f!("hourofday", 1, 1, Fixed(Int), |a, _| time::part(
        &a[0], "hour"
    )),
    f!("dayofmonth", 1, 1, Fixed(Int), |a, _| time::part(
        &a[0], "day"
    )),
    f!("getmonth", 1, 1, Fixed(Int), |a, _| time::part(
        &a[0], "month"
    )),
    f!("monthofyear", 1, 1, Fixed(Int), |a, _| time::part(
        &a[0], "month"
    )),
    f!("getyear", 1, 1, Fixed(Int), |a, _| time::part(
        &a[0], "year"
    )),
    f!("datetime_part", 2, 2, Fixed(Int), |a, _| match &a[0] {
        Value::Str(p) => time::part(&a[1], &p.to_ascii_lowercase()),
        _ => Value::Null,
    }),
    f!("datetime_add", 3, 3, Fixed(DateTime), |a, _| time::add(a)),
    f!("datetime_diff", 3, 3, Fixed(Long), |a, _| time::diff(a)),
    f!("format_datetime", 2, 2, Fixed(String), |a, _| time::format(
        &a[0], &a[1]
    )),
    f!("format_timespan", 2, 2, Fixed(String), |a, _| {
        time::format_span(&a[0], &a[1])
    }),
    f!(
        "unixtime_seconds_todatetime",
        1,
        1,
        Fixed(DateTime),
        |a, _| a[0]
            .to_real()
            .map_or(Value::Null, |s| Value::DateTime((s * 1e7) as i64))
    ),
    f!(
        "unixtime_milliseconds_todatetime",
        1,
        1,
        Fixed(DateTime),
        |a, _| a[0]
            .to_real()
            .map_or(Value::Null, |s| Value::DateTime((s * 1e4) as i64))
    ),
    // strings
    f!("strcat", 1, MANY, Fixed(String), |a, _| Value::Str(
        a.iter().map(Value::to_text).collect()
    )),
    f!("strcat_delim", 2, MANY, Fixed(String), |a, _| Value::Str(
        a[1..]
            .iter()
            .map(Value::to_text)
            .collect::<Vec<_>>()
            .join(&a[0].to_text())
    )),
    f!("strlen", 1, 1, Fixed(Long), |a, _| Value::Long(
        a[0].to_text().chars().count() as i64
    )),
    f!("tolower", 1, 1, Fixed(String), |a, _| Value::Str(
        a[0].to_text().to_lowercase()
    )),
    f!("toupper", 1, 1, Fixed(String), |a, _| Value::Str(
        a[0].to_text().to_uppercase()
    )),
    f!("substring", 2, 3, Fixed(String), |a, _| text::substring(a)),
    f!("indexof", 2, 5, Fixed(Long), |a, _| text::index_of(a)),
    f!("split", 2, 3, Fixed(Dynamic), |a, _| text::split(a)),
    f!("trim", 2, 2, Fixed(String), |a, c| text::trim(
        a, c, true, true
    )),
    f!("trim_start", 2, 2, Fixed(String), |a, c| text::trim(
        a, c, true, false
    )),
    f!("trim_end", 2, 2, Fixed(String), |a, c| text::trim(
        a, c, false, true
    )),
    f!("replace_string", 3, 3, Fixed(String), |a, _| Value::Str(
        a[0].to_text().replace(&a[1].to_text(), &a[2].to_text())
    )),
    f!("replace_regex", 3, 3, Fixed(String), |a, c| {
        text::replace_regex(a, c)
    }),
    f!("replace", 3, 3, Fixed(String), |a, c| text::replace_regex(
        &[a[2].clone(), a[0].clone(), a[1].clone()],
        c
    )),
    f!("extract", 3, 4, Fixed(String), |a, c| text::extract(a, c)),
    f!("extract_all", 2, 3, Fixed(Dynamic), |a, c| {
        text::extract_all(a, c)
    }),
    f!("countof", 2, 3, Fixed(Long), |a, c| text::count_of(a, c)),
    f!("reverse", 1, 1, Fixed(String), |a, _| Value::Str(
        a[0].to_text().chars().rev().collect()
    )),
    f!("url_decode", 1, 1, Fixed(String), |a, _| text::url_decode(
        &a[0]
    )),
    f!("base64_decode_tostring", 1, 1, Fixed(String), |a, _| {
        text::base64_decode(&a[0])
    }),
    f!("base64_encode_tostring", 1, 1, Fixed(String), |a, _| {
        text::base64_encode(&a[0])
    }),
    f!("string_size", 1, 1, Fixed(Long), |a, _| Value::Long(
        a[0].to_text().len() as i64
    )),
    // dynamic
    f!("array_length", 1, 1, Fixed(Long), |a, _| {
        dynamic::array_length(&a[0])
    }),
    f!("bag_keys", 1, 1, Fixed(Dynamic), |a, _| dynamic::bag_keys(
        &a[0]
    )),
    f!(
        "pack_array",
        0,
        MANY,
        Fixed(Dynamic),
        |a, _| Value::Dynamic(serde_json::Value::Array(
            a.iter().map(Value::to_json).collect()
        ))
    ),
    f!("pack", 0, MANY, Fixed(Dynamic), |a, _| dynamic::pack(a)),
    f!("bag_pack", 0, MANY, Fixed(Dynamic), |a, _| dynamic::pack(a)),
    f!("bag_merge", 1, MANY, Fixed(Dynamic), |a, _| {
        dynamic::bag_merge(a)
    }),
    f!("set_difference", 1, MANY, Fixed(Dynamic), |a, _| {
        dynamic::set_difference(a)
    }),
    f!("set_union", 1, MANY, Fixed(Dynamic), |a, _| {
        dynamic::set_union(a)
    }),
    f!("set_intersect", 1, MANY, Fixed(Dynamic), |a, _| {
        dynamic::set_intersect(a)
    }),
    f!("set_has_element", 2, 2, Fixed(Bool), |a, _| {
        dynamic::has_element(&a[0], &a[1])
    }),
    f!("array_index_of", 2, 2, Fixed(Long), |a, _| {
        dynamic::index_of(&a[0], &a[1])
    }),
    f!("array_concat", 1, MANY, Fixed(Dynamic), |a, _| {
        dynamic::concat(a)
    }),
    f!("array_slice", 3, 3, Fixed(Dynamic), |a, _| dynamic::slice(
        a
    )),
    f!(
        "array_sort_asc",
        1,
        1,
        Fixed(Dynamic),
        |a, _| dynamic::sort(&a[0], false)
    ),
    f!("array_sort_desc", 1, 1, Fixed(Dynamic), |a, _| {
        dynamic::sort(&a[0], true)
    }),
    f!("extractjson", 2, 3, Fixed(String), |a, _| {
        dynamic::extract_json(a)
    }),
    f!("extract_json", 2, 3, Fixed(String), |a, _| {
        dynamic::extract_json(a)
    }),
    // networks and places
    f!(
        "ipv4_is_private",
        1,
        1,
        Fixed(Bool),
        |a, _| net::is_private(&a[0])
    ),
    f!("ipv4_is_in_range", 2, 2, Fixed(Bool), |a, _| net::in_range(
        &a[0], &a[1]
    )),
    f!("ipv4_is_in_any_range", 2, MANY, Fixed(Bool), |a, _| {
        net::in_any_range(a)
    }),
    f!("ipv4_is_match", 2, 3, Fixed(Bool), |a, _| net::in_range(
        &a[0], &a[1]
    )),
    f!("parse_ipv4", 1, 1, Fixed(Long), |a, _| net::parse_ipv4(
        &a[0]
    )),
    f!("geo_distance_2points", 4, 4, Fixed(Real), |a, _| {
        net::geo_distance(a)
    }),
];

pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .iter()
        .chain(series::FUNCTIONS)
        .find(|f| f.name == name)
}

fn gettype(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Long(_) => "long",
        Value::Real(_) => "real",
        Value::Str(_) => "string",
        Value::DateTime(_) => "datetime",
        Value::TimeSpan(_) => "timespan",
        Value::Dynamic(serde_json::Value::Array(_)) => "array",
        Value::Dynamic(_) => "dictionary",
    }
}

fn iff(a: &[Value]) -> Value {
    if a[0].is_true() {
        a[1].clone()
    } else {
        a[2].clone()
    }
}

/// `case(p1, v1, p2, v2, ..., else)`
fn case(a: &[Value]) -> Value {
    let mut i = 0;
    while i + 1 < a.len() {
        if a[i].is_true() {
            return a[i + 1].clone();
        }
        i += 2;
    }
    if a.len() % 2 == 1 {
        a[a.len() - 1].clone()
    } else {
        Value::Null
    }
}

fn finite(r: f64) -> Value {
    if r.is_finite() {
        Value::Real(r)
    } else {
        Value::Null
    }
}

fn real_fn(v: &Value, f: fn(f64) -> f64) -> Value {
    v.to_real().map_or(Value::Null, |r| finite(f(r)))
}

fn round(a: &[Value]) -> Value {
    let Some(x) = a[0].to_real() else {
        return Value::Null;
    };
    let digits = a
        .get(1)
        .and_then(Value::to_long)
        .unwrap_or(0)
        .clamp(-15, 15);
    let scale = 10f64.powi(digits as i32);
    finite((x * scale).round() / scale)
}

fn extreme(a: &[Value], want: std::cmp::Ordering) -> Value {
    let mut best: Option<&Value> = None;
    for v in a.iter().filter(|v| !v.is_null()) {
        best = match best {
            Some(b) if super::value::compare(v, b) != Some(want) => Some(b),
            _ => Some(v),
        };
    }
    best.cloned().unwrap_or(Value::Null)
}

/// `x in (list)`: each element of the list, arrays flattened one level.
pub fn in_list(value: &Value, list: &[Value], case_insensitive: bool) -> bool {
    let matches = |candidate: &Value| {
        if case_insensitive {
            match (value, candidate) {
                (Value::Str(a), Value::Str(b)) => a.to_lowercase() == b.to_lowercase(),
                _ => equals(value, candidate) == Some(true),
            }
        } else {
            equals(value, candidate) == Some(true)
        }
    };
    list.iter().any(|item| match item {
        Value::Dynamic(serde_json::Value::Array(items)) => {
            items.iter().any(|j| matches(&Value::from_json(j)))
        }
        other => matches(other),
    })
}

#[cfg(test)]
mod tests;
