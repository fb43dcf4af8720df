//! Datetime and timespan functions. Time is the scenario's: `now()` is the context's clock.

use super::Context;
use crate::kql::value::{TICKS_PER_DAY, TICKS_PER_SECOND, Value};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};

/// Ticks from 0001-01-01 to the Unix epoch: KQL bins datetimes from 0001-01-01 (a Monday),
/// so `bin(t, 7d)` starts weeks on Mondays.
const EPOCH_OFFSET: i64 = 621_355_968_000_000_000;

pub fn now(a: &[Value], c: &Context) -> Value {
    match a.first() {
        None => Value::DateTime(c.now),
        Some(Value::TimeSpan(t)) => Value::DateTime(c.now.saturating_add(*t)),
        Some(_) => Value::Null,
    }
}

pub fn ago(a: &Value, c: &Context) -> Value {
    match a {
        Value::TimeSpan(t) => Value::DateTime(c.now.saturating_sub(*t)),
        _ => Value::Null,
    }
}

/// `bin(value, size)`: rounds down to a multiple of `size`.
pub fn bin(value: &Value, size: &Value) -> Value {
    match (value, size) {
        (Value::DateTime(t), Value::TimeSpan(s)) if *s > 0 => {
            let shifted = t.saturating_add(EPOCH_OFFSET);
            floor_to(shifted, *s)
                .and_then(|b| b.checked_sub(EPOCH_OFFSET))
                .map_or(Value::Null, Value::DateTime)
        }
        (Value::TimeSpan(t), Value::TimeSpan(s)) if *s > 0 => {
            floor_to(*t, *s).map_or(Value::Null, Value::TimeSpan)
        }
        (Value::Long(n), Value::Long(s)) if *s > 0 => {
            floor_to(*n, *s).map_or(Value::Null, Value::Long)
        }
        (Value::Long(_) | Value::Real(_), Value::Long(_) | Value::Real(_)) => {
            match (value.to_real(), size.to_real()) {
                (Some(v), Some(s)) if s > 0.0 => {
                    let r = (v / s).floor() * s;
                    match value {
                        Value::Long(_) => Value::Long(r as i64),
                        _ => Value::Real(r),
                    }
                }
                _ => Value::Null,
            }
        }
        _ => Value::Null,
    }
}

/// `value` rounded down to a multiple of `size`.
fn floor_to(value: i64, size: i64) -> Option<i64> {
    value.div_euclid(size).checked_mul(size)
}

fn civil(ticks: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(
        ticks.div_euclid(TICKS_PER_SECOND),
        (ticks.rem_euclid(TICKS_PER_SECOND) * 100) as u32,
    )
}

fn ticks_of(t: DateTime<Utc>) -> Option<i64> {
    t.timestamp()
        .checked_mul(TICKS_PER_SECOND)?
        .checked_add(i64::from(t.timestamp_subsec_nanos() / 100))
}

fn date_ticks(d: NaiveDate) -> Option<i64> {
    ticks_of(d.and_hms_opt(0, 0, 0)?.and_utc())
}

pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

/// `startofday(t[, offset])` and friends; weeks start on Sunday.
pub fn start_of(a: &[Value], unit: Unit) -> Value {
    let Value::DateTime(t) = a[0] else {
        return Value::Null;
    };
    let offset = a.get(1).and_then(Value::to_long).unwrap_or(0);
    let Some(c) = civil(t) else {
        return Value::Null;
    };
    let date = c.date_naive();
    let start = match unit {
        Unit::Day => Duration::try_days(offset).and_then(|d| date.checked_add_signed(d)),
        Unit::Week => date
            .checked_sub_signed(Duration::days(i64::from(
                date.weekday().num_days_from_sunday(),
            )))
            .zip(Duration::try_weeks(offset))
            .and_then(|(d, w)| d.checked_add_signed(w)),
        Unit::Month => add_months(date.with_day(1), offset),
        Unit::Year => add_months(
            NaiveDate::from_ymd_opt(date.year(), 1, 1),
            offset.saturating_mul(12),
        ),
    };
    start
        .and_then(date_ticks)
        .map_or(Value::Null, Value::DateTime)
}

fn add_months(date: Option<NaiveDate>, months: i64) -> Option<NaiveDate> {
    let date = date?;
    let total = (i64::from(date.year()) * 12 + i64::from(date.month0())).checked_add(months)?;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = (total.rem_euclid(12) + 1) as u32;
    let mut day = date.day();
    loop {
        if let Some(d) = NaiveDate::from_ymd_opt(year, month, day) {
            return Some(d);
        }
        day = day.checked_sub(1)?;
    }
}

pub fn end_of_day(a: &[Value]) -> Value {
    match start_of(a, Unit::Day) {
        Value::DateTime(t) => t
            .checked_add(TICKS_PER_DAY - 1)
            .map_or(Value::Null, Value::DateTime),
        other => other,
    }
}

/// Days since the last Sunday, as a timespan.
pub fn day_of_week(v: &Value) -> Value {
    let Value::DateTime(t) = v else {
        return Value::Null;
    };
    civil(*t).map_or(Value::Null, |c| {
        Value::TimeSpan(i64::from(c.weekday().num_days_from_sunday()) * TICKS_PER_DAY)
    })
}

pub fn part(v: &Value, part: &str) -> Value {
    let Value::DateTime(t) = v else {
        return Value::Null;
    };
    let Some(c) = civil(*t) else {
        return Value::Null;
    };
    Value::Long(match part {
        "year" => i64::from(c.year()),
        "quarter" => i64::from(c.month0() / 3 + 1),
        "month" => i64::from(c.month()),
        "week_of_year" => i64::from(c.iso_week().week()),
        "day" => i64::from(c.day()),
        "dayofyear" => i64::from(c.ordinal()),
        "hour" => i64::from(c.hour()),
        "minute" => i64::from(c.minute()),
        "second" => i64::from(c.second()),
        "millisecond" => i64::from(c.timestamp_subsec_millis()),
        "microsecond" => i64::from(c.timestamp_subsec_micros()),
        "nanosecond" => i64::from(c.timestamp_subsec_nanos()),
        _ => return Value::Null,
    })
}

/// The length of a fixed unit in ticks; months and years are not fixed.
fn unit_ticks(unit: &str) -> Option<i64> {
    Some(match unit {
        "week" => 7 * TICKS_PER_DAY,
        "day" => TICKS_PER_DAY,
        "hour" => 3600 * TICKS_PER_SECOND,
        "minute" => 60 * TICKS_PER_SECOND,
        "second" => TICKS_PER_SECOND,
        "millisecond" => 10_000,
        "microsecond" => 10,
        "nanosecond" => 1,
        _ => return None,
    })
}

/// `datetime_add(part, amount, t)`
pub fn add(a: &[Value]) -> Value {
    let (Value::Str(unit), Some(n), Value::DateTime(t)) = (&a[0], a[1].to_long(), &a[2]) else {
        return Value::Null;
    };
    let unit = unit.to_ascii_lowercase();
    if let Some(size) = unit_ticks(&unit) {
        return n
            .checked_mul(size)
            .and_then(|d| t.checked_add(d))
            .map_or(Value::Null, Value::DateTime);
    }
    let months = match unit.as_str() {
        "month" => n,
        "quarter" => n.saturating_mul(3),
        "year" => n.saturating_mul(12),
        _ => return Value::Null,
    };
    let Some(c) = civil(*t) else {
        return Value::Null;
    };
    let time_of_day = t.rem_euclid(TICKS_PER_DAY);
    add_months(Some(c.date_naive()), months)
        .and_then(date_ticks)
        .map_or(Value::Null, |d| Value::DateTime(d + time_of_day))
}

/// `datetime_diff(part, t1, t2)`: the number of `part` boundaries between t2 and t1.
pub fn diff(a: &[Value]) -> Value {
    let (Value::Str(unit), Value::DateTime(t1), Value::DateTime(t2)) = (&a[0], &a[1], &a[2]) else {
        return Value::Null;
    };
    let unit = unit.to_ascii_lowercase();
    if unit == "week" {
        // Weeks start on Sunday: count Sunday boundaries.
        let sunday = |t: i64| {
            t.saturating_add(4 * TICKS_PER_DAY)
                .div_euclid(7 * TICKS_PER_DAY)
        };
        return Value::Long(sunday(*t1) - sunday(*t2));
    }
    if let Some(size) = unit_ticks(&unit) {
        return t1
            .div_euclid(size)
            .checked_sub(t2.div_euclid(size))
            .map_or(Value::Null, Value::Long);
    }
    let (Some(c1), Some(c2)) = (civil(*t1), civil(*t2)) else {
        return Value::Null;
    };
    let months = |c: DateTime<Utc>| i64::from(c.year()) * 12 + i64::from(c.month0());
    Value::Long(match unit.as_str() {
        "year" => i64::from(c1.year() - c2.year()),
        "quarter" => months(c1).div_euclid(3) - months(c2).div_euclid(3),
        "month" => months(c1) - months(c2),
        _ => return Value::Null,
    })
}

/// `format_datetime(t, "yyyy-MM-dd HH:mm:ss.fff tt")`
pub fn format(v: &Value, pattern: &Value) -> Value {
    let (Value::DateTime(t), Value::Str(pattern)) = (v, pattern) else {
        return Value::Null;
    };
    let Some(c) = civil(*t) else {
        return Value::Null;
    };
    let ticks = t.rem_euclid(TICKS_PER_SECOND);
    let hour12 = match c.hour() % 12 {
        0 => 12,
        h => h,
    };
    let mut out = String::new();
    for_each_run(pattern, |ch, run| {
        let mut number = |value: i64, width: usize| out.push_str(&format!("{value:0width$}"));
        match ch {
            'y' => match run {
                1 => number(i64::from(c.year() % 100), 1),
                2 => number(i64::from(c.year() % 100), 2),
                _ => number(i64::from(c.year()), run),
            },
            'M' => number(i64::from(c.month()), run.min(2)),
            'd' => number(i64::from(c.day()), run.min(2)),
            'H' => number(i64::from(c.hour()), run.min(2)),
            'h' => number(i64::from(hour12), run.min(2)),
            'm' => number(i64::from(c.minute()), run.min(2)),
            's' => number(i64::from(c.second()), run.min(2)),
            'f' | 'F' => {
                let digits = run.min(7);
                let value = ticks / 10i64.pow((7 - digits) as u32);
                number(value, digits)
            }
            't' => out.push_str(if c.hour() < 12 { "AM" } else { "PM" }),
            other => out.extend(std::iter::repeat_n(other, run)),
        }
    });
    Value::Str(out)
}

/// `format_timespan(t, "hh:mm:ss")` and the like (`d`, `h`, `m`, `s`, `f`).
pub fn format_span(v: &Value, pattern: &Value) -> Value {
    let (Value::TimeSpan(t), Value::Str(pattern)) = (v, pattern) else {
        return Value::Null;
    };
    let total = t.unsigned_abs() as i64;
    let seconds = total / TICKS_PER_SECOND;
    let mut out = String::new();
    if *t < 0 {
        out.push('-');
    }
    for_each_run(pattern, |ch, run| {
        let mut number = |value: i64, width: usize| out.push_str(&format!("{value:0width$}"));
        match ch {
            'd' => number(seconds / 86_400, run),
            'h' | 'H' => number((seconds / 3600) % 24, run),
            'm' => number((seconds / 60) % 60, run),
            's' => number(seconds % 60, run),
            'f' | 'F' => {
                let digits = run.min(7);
                number(
                    (total % TICKS_PER_SECOND) / 10i64.pow((7 - digits) as u32),
                    digits,
                )
            }
            other => out.extend(std::iter::repeat_n(other, run)),
        }
    });
    Value::Str(out)
}

/// Calls `f` with each run of one repeated character of a format pattern (`yyyy`, `-`, `MM`).
fn for_each_run(pattern: &str, mut f: impl FnMut(char, usize)) {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let run = chars[i..].iter().take_while(|c| **c == ch).count();
        f(ch, run);
        i += run;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::value::parse_datetime;

    fn dt(text: &str) -> Value {
        Value::DateTime(parse_datetime(text).unwrap())
    }

    #[test]
    fn bins_align_days_to_midnight_and_weeks_to_monday() {
        let t = dt("2025-03-19T15:08:07Z");
        assert_eq!(bin(&t, &Value::TimeSpan(TICKS_PER_DAY)), dt("2025-03-19"));
        assert_eq!(
            bin(&t, &Value::TimeSpan(7 * TICKS_PER_DAY)),
            dt("2025-03-17")
        );
        assert_eq!(bin(&Value::Long(17), &Value::Long(5)), Value::Long(15));
    }

    #[test]
    fn formats_and_starts() {
        let t = dt("2025-03-17T15:08:07.25Z");
        assert_eq!(
            format(&t, &Value::str("yyyy-MM-dd HH:mm:ss.fff h tt")),
            Value::str("2025-03-17 15:08:07.250 3 PM")
        );
        assert_eq!(
            start_of(std::slice::from_ref(&t), Unit::Week),
            dt("2025-03-16")
        );
        assert_eq!(
            start_of(std::slice::from_ref(&t), Unit::Month),
            dt("2025-03-01")
        );
        assert_eq!(
            diff(&[
                Value::str("day"),
                dt("2025-03-18T00:01:00Z"),
                dt("2025-03-17T23:59:00Z")
            ]),
            Value::Long(1)
        );
        assert_eq!(
            add(&[Value::str("month"), Value::Long(1), dt("2025-01-31")]),
            dt("2025-02-28")
        );
    }
}
