//! Graph `DateTimeOffset` values: UTC, up to 7 fractional digits (100 ns ticks), trailing zeros
//! trimmed, `Z` suffix. Sign-in rows of the reference lab carry whole seconds; audit rows carry
//! the full precision (`2025-03-17T16:40:04.414272Z`).

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Ticks of 100 ns in a second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// An instant in UTC, counted in 100 ns ticks since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// How many fractional digits a timestamp keeps when it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Seconds,
    Ticks,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a UTC timestamp like 2025-03-17T15:00:00Z")]
pub struct TimestampError(pub String);

impl Timestamp {
    pub const fn from_ticks(ticks: i64) -> Self {
        Timestamp(ticks)
    }

    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds * TICKS_PER_SECOND)
    }

    pub const fn ticks(self) -> i64 {
        self.0
    }

    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(TICKS_PER_SECOND)
    }

    pub const fn plus_ticks(self, ticks: i64) -> Self {
        Timestamp(self.0.saturating_add(ticks))
    }

    pub const fn plus_seconds(self, seconds: i64) -> Self {
        self.plus_ticks(seconds.saturating_mul(TICKS_PER_SECOND))
    }

    /// Drops the sub-second part.
    pub const fn truncate_to_seconds(self) -> Self {
        Timestamp::from_unix_seconds(self.unix_seconds())
    }

    /// Parses RFC 3339 / ISO 8601 with an offset (`Z`, `+00:00`, ...), any number of
    /// fractional digits (beyond 7 are truncated), as found in Graph, Event Hub and Log
    /// Analytics exports.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        if let Some(timestamp) = parse_utc_form(text.as_bytes()) {
            return Ok(timestamp);
        }
        let parsed = DateTime::parse_from_rfc3339(text.trim())
            .map_err(|_| TimestampError(text.to_string()))?;
        let seconds = parsed.timestamp();
        let ticks = i64::from(parsed.timestamp_subsec_nanos() / 100);
        seconds
            .checked_mul(TICKS_PER_SECOND)
            .and_then(|t| t.checked_add(ticks))
            .map(Timestamp)
            .ok_or_else(|| TimestampError(text.to_string()))
    }

    /// Writes the timestamp in Graph's form into `out`.
    pub fn write_to(self, out: &mut String, precision: Precision) {
        use std::fmt::Write;
        let seconds = self.unix_seconds();
        let ticks = self.0.rem_euclid(TICKS_PER_SECOND);
        let Some(civil) = DateTime::from_timestamp(seconds, 0) else {
            out.push_str("0001-01-01T00:00:00Z");
            return;
        };
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            civil.year(),
            civil.month(),
            civil.day(),
            civil.hour(),
            civil.minute(),
            civil.second()
        );
        if precision == Precision::Ticks && ticks != 0 {
            let digits = format!("{ticks:07}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
        out.push('Z');
    }

    pub fn to_graph_string(self, precision: Precision) -> String {
        let mut out = String::with_capacity(28);
        self.write_to(&mut out, precision);
        out
    }

    /// The calendar date, for people-facing output.
    pub fn date(self) -> NaiveDate {
        DateTime::from_timestamp(self.unix_seconds(), 0)
            .map(|d| d.date_naive())
            .unwrap_or_default()
    }
}

/// The form nearly every export writes, `2025-03-17T15:00:00[.fffffff](Z|+00:00)`, read
/// without chrono's general parser (a twentieth of the Event Hub reader's time went to
/// timestamps); `None` for any other form, which [`Timestamp::parse`] then reads with chrono
/// (lower-case letters, other offsets, leap seconds, blanks, more than nine digits...).
fn parse_utc_form(text: &[u8]) -> Option<Timestamp> {
    let (main, rest) = text.split_at_checked(19)?;
    let number = |range: std::ops::Range<usize>| {
        main[range].iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let shape = main[4] == b'-'
        && main[7] == b'-'
        && main[10] == b'T'
        && main[13] == b':'
        && main[16] == b':';
    if !shape {
        return None;
    }
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let (fraction, offset) = match rest.strip_prefix(b".") {
        Some(digits) => {
            let count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
            if !(1..=9).contains(&count) {
                return None;
            }
            let nanos = digits[..count]
                .iter()
                .fold(0i64, |n, &b| n * 10 + i64::from(b - b'0'))
                * 10i64.pow(9 - count as u32);
            (nanos / 100, &digits[count..])
        }
        None => (0, rest),
    };
    if offset != b"Z" && offset != b"+00:00" {
        return None;
    }
    let days = i64::from(date.num_days_from_ce() - EPOCH_DAYS_FROM_CE);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(Timestamp(seconds * TICKS_PER_SECOND + fraction))
}

/// 1970-01-01 as days from 0001-01-01 (chrono's count, day 1).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_graph_string(Precision::Ticks))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(28);
        self.write_to(&mut out, Precision::Ticks);
        serializer.serialize_str(&out)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Parsed from the text as read: serde's `Cow<str>` would allocate a `String` for it.
        deserializer.deserialize_str(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl serde::de::Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO 8601 timestamp")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
        Timestamp::parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_export_form_reads_as_chrono_reads_it() {
        for text in [
            "2025-03-17T15:00:00Z",
            "2025-03-17T15:00:00.0000000Z",
            "2025-03-17T16:40:04.4142720+00:00",
            "1970-01-01T00:00:00.000000001Z",
            "1969-12-31T23:59:59.9999999Z",
            "2024-02-29T12:00:00.5Z",
            "0001-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
        ] {
            assert_eq!(
                parse_utc_form(text.as_bytes()),
                Some(via_chrono(text)),
                "{text}"
            );
        }
        // Left to chrono: other forms, and what is no date at all.
        for text in [
            "2025-03-17t15:00:00Z",
            "2025-03-17T15:00:00+01:00",
            "2025-03-17T15:00:60Z",
            "2025-02-29T15:00:00Z",
            "2025-03-17T15:00:00.Z",
            "2025-03-17T15:00:00.1234567890Z",
            " 2025-03-17T15:00:00Z",
            "2025-03-17T15:00:00",
            "2025-13-17T15:00:00Z",
            "2025-03-17T24:00:00Z",
        ] {
            assert_eq!(parse_utc_form(text.as_bytes()), None, "{text}");
        }
        assert!(
            Timestamp::parse("2025-03-17T15:00:60Z").is_ok(),
            "a leap second, read by chrono"
        );
        assert_eq!(
            Timestamp::parse("2025-03-17T16:00:00+01:00").unwrap(),
            Timestamp::parse("2025-03-17T15:00:00Z").unwrap()
        );
    }

    fn via_chrono(text: &str) -> Timestamp {
        let parsed = DateTime::parse_from_rfc3339(text).unwrap();
        Timestamp(
            parsed.timestamp() * TICKS_PER_SECOND
                + i64::from(parsed.timestamp_subsec_nanos() / 100),
        )
    }

    proptest! {
        #[test]
        fn any_export_form_time_reads_as_chrono_reads_it(
            seconds in -62_135_596_800i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            digits in 0usize..=9,
            offset in prop::bool::ANY,
        ) {
            let civil = DateTime::from_timestamp(seconds, 0).unwrap();
            let mut text = civil.format("%Y-%m-%dT%H:%M:%S").to_string();
            if digits > 0 {
                text.push_str(&format!(".{:09}", nanos)[..=digits]);
            }
            text.push_str(if offset { "+00:00" } else { "Z" });
            prop_assert_eq!(parse_utc_form(text.as_bytes()), Some(via_chrono(&text)), "{}", text);
        }
    }

    #[test]
    fn trims_trailing_zeros_of_the_lab_timestamps() {
        let t = Timestamp::parse("2025-03-17T16:40:04.4142720Z").unwrap();
        assert_eq!(t.to_string(), "2025-03-17T16:40:04.414272Z");
        let t = Timestamp::parse("2025-03-17T16:40:04.4152716Z").unwrap();
        assert_eq!(t.to_string(), "2025-03-17T16:40:04.4152716Z");
    }

    #[test]
    fn whole_seconds_have_no_fraction() {
        let t = Timestamp::parse("2025-03-17T15:08:07Z").unwrap();
        assert_eq!(t.to_string(), "2025-03-17T15:08:07Z");
        let t = t.plus_ticks(1234);
        assert_eq!(
            t.to_graph_string(Precision::Seconds),
            "2025-03-17T15:08:07Z"
        );
    }

    #[test]
    fn reads_offsets_and_long_fractions() {
        let t = Timestamp::parse("2018-12-10T00:03:46.6161822+00:00").unwrap();
        assert_eq!(t.to_string(), "2018-12-10T00:03:46.6161822Z");
        let t = Timestamp::parse("2024-01-01T01:00:00.123456789+01:00").unwrap();
        assert_eq!(t.to_string(), "2024-01-01T00:00:00.1234567Z");
    }

    #[test]
    fn rejects_dates_without_time() {
        assert!(Timestamp::parse("2025-03-17").is_err());
    }

    proptest! {
        #[test]
        fn formatting_round_trips(ticks in 0i64..4_102_444_800 * TICKS_PER_SECOND) {
            let t = Timestamp::from_ticks(ticks);
            prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        }
    }
}
