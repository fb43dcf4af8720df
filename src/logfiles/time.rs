//! The timestamp spellings real exports contain (reference detections.md 2, entra-behavior.md
//! 6.2-6.4; the eleven `time` variants of Elastic's `test-time-formats-corner-cases.log`):
//!
//! - RFC 3339 with `Z` or an offset, with or without a fraction of any length (beyond 7
//!   digits is truncated to 100 ns): `2025-03-17T15:08:07Z`, `2025-03-17T15:08:07.0000000Z`
//!   (Log Analytics), `2019-03-12T16:02:15.5522137+00:00` (Event Hub `properties`),
//!   `2019-10-18T04:45:48.0729893-05:00`, `2007-01-09T09:41:00.535404056Z`; a space or a
//!   lowercase `t`/`z` is accepted too, as is an offset without a colon (`+0100`).
//! - ISO without an offset (`2025-03-17T15:08:07.123`, `2025-03-17 15:08:07`): read as UTC.
//! - US month/day/year as the Azure portal exports CSV and as Event Hub `time` has been seen,
//!   one or two digits for month, day and hour, 12-hour (`AM`/`PM`) or 24-hour, with or without
//!   a comma after the year and a fraction: `3/17/2025, 3:08:07.000 PM`, `1/9/2007 9:41:00 AM`,
//!   `01/09/2007 09:41:00`. Read as UTC, or at the offset that follows, after a space:
//!   `1/9/2007 10:41:00 AM +01:00` (also `+0100`, `Z`).

use crate::graph::Timestamp;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

const TICKS_PER_SECOND: i64 = 10_000_000;

/// Reads any of the spellings above; `None` when the text is none of them.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    if let Ok(t) = Timestamp::parse(text) {
        return Some(t);
    }
    // Only the formats of the text's family are tried: most times in a big file are one shape.
    let us = text.contains('/');
    if let Some(t) = with_offset(text, us) {
        return from_utc(t.with_timezone(&Utc));
    }
    naive(text, us).and_then(|t| from_utc(t.and_utc()))
}

/// The date and time part of the US spellings (chrono reads `%m`, `%d`, `%H`, `%I` with one
/// digit or two).
const US_DATE_TIMES: &[&str] = &[
    "%m/%d/%Y, %I:%M:%S%.f %p",
    "%m/%d/%Y %I:%M:%S%.f %p",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %H:%M:%S%.f",
    "%m/%d/%Y %H:%M:%S%.f",
];

fn with_offset(text: &str, us: bool) -> Option<DateTime<FixedOffset>> {
    let upper = text.to_ascii_uppercase();
    let text = match upper.strip_suffix('Z').map(str::trim_end) {
        // A US time's offset is a word of its own.
        Some(time) if us => format!("{time} +00:00"),
        Some(time) => format!("{time}+00:00"),
        None => upper,
    };
    if us {
        // The offset is the last word; the rest is an offsetless US time.
        let (date_time, offset) = text.rsplit_once(' ')?;
        let offset = offset_of(offset)?;
        let naive = naive_us(date_time)?;
        return naive.and_local_timezone(offset).single();
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ]
    .iter()
    .find_map(|format| DateTime::parse_from_str(&text, format).ok())
}

/// `+01:00`, `-0530`, `+00:00`: an offset written on its own.
fn offset_of(text: &str) -> Option<FixedOffset> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if !text.is_ascii() {
        return None;
    }
    let (hours, minutes) = match text.len() {
        6 if text.as_bytes()[3] == b':' => (&text[1..3], &text[4..6]),
        5 => (&text[1..3], &text[3..5]),
        _ => return None,
    };
    let number = |digits: &str| {
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse::<i32>().ok())
            .flatten()
    };
    let (hours, minutes) = (number(hours)?, number(minutes)?);
    if minutes >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn naive(text: &str, us: bool) -> Option<NaiveDateTime> {
    let text = text.strip_suffix(" UTC").unwrap_or(text).trim();
    if us {
        return naive_us(text);
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

fn naive_us(text: &str) -> Option<NaiveDateTime> {
    US_DATE_TIMES
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

fn from_utc(t: DateTime<Utc>) -> Option<Timestamp> {
    let ticks = i64::from(t.timestamp_subsec_nanos() / 100);
    t.timestamp()
        .checked_mul(TICKS_PER_SECOND)
        .and_then(|s| s.checked_add(ticks))
        .map(Timestamp::from_ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        parse_timestamp(text)
            .unwrap_or_else(|| panic!("{text} is not read"))
            .to_string()
    }

    #[test]
    fn reads_the_graph_event_hub_and_log_analytics_forms() {
        assert_eq!(read("2025-03-17T15:08:07Z"), "2025-03-17T15:08:07Z");
        assert_eq!(read("2025-03-17T15:08:07.0000000Z"), "2025-03-17T15:08:07Z");
        assert_eq!(
            read("2019-03-12T16:02:15.5522137+00:00"),
            "2019-03-12T16:02:15.5522137Z"
        );
        assert_eq!(
            read("2019-10-18T04:45:48.0729893-05:00"),
            "2019-10-18T09:45:48.0729893Z"
        );
        assert_eq!(
            read("2007-01-09T09:41:00.535404056Z"),
            "2007-01-09T09:41:00.535404Z"
        );
        assert_eq!(read("2025-03-17 15:08:07z"), "2025-03-17T15:08:07Z");
        assert_eq!(read("2025-03-17T16:08:07+0100"), "2025-03-17T15:08:07Z");
    }

    #[test]
    fn reads_offsetless_and_portal_forms_as_utc() {
        assert_eq!(read("2025-03-17T15:08:07.123"), "2025-03-17T15:08:07.123Z");
        assert_eq!(read("2025-03-17 15:08:07"), "2025-03-17T15:08:07Z");
        assert_eq!(read("3/17/2025, 3:08:07.000 PM"), "2025-03-17T15:08:07Z");
        assert_eq!(
            read("4/28/2021, 2:08:45.221 PM"),
            "2021-04-28T14:08:45.221Z"
        );
        assert_eq!(read("1/9/2007 9:41:00 AM"), "2007-01-09T09:41:00Z");
        assert_eq!(read("01/09/2007 09:41:00"), "2007-01-09T09:41:00Z");
        assert_eq!(read("12/1/2021, 12:00:00.500 AM"), "2021-12-01T00:00:00.5Z");
    }

    /// One string of each shape of the eleven `time` variants in Elastic's corner-case file
    /// (our own instants, not theirs), and what each must read as.
    #[test]
    fn reads_every_shape_of_the_event_hub_corner_cases() {
        for (text, utc) in [
            ("03/05/2024 17:02:09", "2024-03-05T17:02:09Z"),
            ("3/5/2024 17:02:09", "2024-03-05T17:02:09Z"),
            ("03/05/2024 05:02:09 PM", "2024-03-05T17:02:09Z"),
            ("3/5/2024 5:02:09 PM", "2024-03-05T17:02:09Z"),
            ("3/5/2024 6:02:09 PM +01:00", "2024-03-05T17:02:09Z"),
            ("2024-03-05T17:02:09", "2024-03-05T17:02:09Z"),
            ("2024-03-05T17:02:09.31Z", "2024-03-05T17:02:09.31Z"),
            (
                "2024-03-05T17:02:09.1234567Z",
                "2024-03-05T17:02:09.1234567Z",
            ),
            (
                "2024-03-05T17:02:09.123456789Z",
                "2024-03-05T17:02:09.1234567Z",
            ),
            (
                "2024-03-05T17:02:09.250001+00:00",
                "2024-03-05T17:02:09.250001Z",
            ),
            ("2024-03-05T19:02:09+02:00", "2024-03-05T17:02:09Z"),
        ] {
            assert_eq!(read(text), utc, "{text}");
        }
        // The US forms with an offset, in the other spellings.
        for (text, utc) in [
            ("3/5/2024 12:02:09 PM -05:00", "2024-03-05T17:02:09Z"),
            ("03/05/2024 18:02:09 +0100", "2024-03-05T17:02:09Z"),
            ("3/5/2024, 6:02:09.500 PM +01:00", "2024-03-05T17:02:09.5Z"),
            ("3/5/2024 5:02:09 PM Z", "2024-03-05T17:02:09Z"),
            ("3/5/2024 5:02:09 pm +00:00", "2024-03-05T17:02:09Z"),
            ("12/31/2024 11:30:00 PM -01:00", "2025-01-01T00:30:00Z"),
        ] {
            assert_eq!(read(text), utc, "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for text in [
            "",
            "yesterday",
            "2025-03-17",
            "13/45/2025 1:00:00 PM",
            "2025-03-17T25:00:00Z",
            "3/5/2024 5:02:09 PM +25:00",
            "3/5/2024 5:02:09 PM +01:60",
            "3/5/2024 5:02:09 PM 01:00",
            "3/5/2024 5:02:09 PM +1:00",
            "3/5/2024 5:02:09 PM +é:00",
            "3/5/2024 17:02:09 PM",
        ] {
            assert!(parse_timestamp(text).is_none(), "{text}");
        }
    }

    mod round_trip {
        use super::*;
        use chrono::{DateTime, FixedOffset};
        use proptest::prelude::*;

        /// Whether an offset follows the time, and how it is written.
        #[derive(Debug, Clone, Copy)]
        enum Offset {
            /// No offset: the text is UTC.
            None,
            Zulu,
            Colon,
            NoColon,
        }

        /// The shapes an instant is written in: the chrono format of the date and time up to
        /// the seconds, and what follows the fraction (`AM`/`PM`).
        const SHAPES: &[(&str, &str)] = &[
            ("%Y-%m-%dT%H:%M:%S", ""),
            ("%Y-%m-%d %H:%M:%S", ""),
            ("%m/%d/%Y %H:%M:%S", ""),
            ("%-m/%-d/%Y %-H:%M:%S", ""),
            ("%m/%d/%Y %I:%M:%S", " %p"),
            ("%-m/%-d/%Y %-I:%M:%S", " %p"),
            ("%-m/%-d/%Y, %-I:%M:%S", " %p"),
            ("%-m/%-d/%Y, %-H:%M:%S", ""),
        ];

        fn write(
            instant: DateTime<Utc>,
            offset: FixedOffset,
            shape: (&str, &str),
            digits: usize,
            how: Offset,
        ) -> String {
            let local = instant.with_timezone(&offset);
            let mut text = local.format(shape.0).to_string();
            if digits > 0 {
                let nanos = format!("{:09}", instant.timestamp_subsec_nanos());
                text.push('.');
                text.push_str(&nanos[..digits]);
            }
            text.push_str(&local.format(shape.1).to_string());
            // ISO offsets follow the time; a US time's offset is a word of its own.
            let space = if shape.0.starts_with("%Y") { "" } else { " " };
            match how {
                Offset::None => {}
                Offset::Zulu => text.push_str(&format!("{space}Z")),
                Offset::Colon => text.push_str(&format!("{space}{}", local.format("%:z"))),
                Offset::NoColon => text.push_str(&format!("{space}{}", local.format("%z"))),
            }
            text
        }

        fn how() -> impl Strategy<Value = Offset> {
            prop_oneof![
                Just(Offset::None),
                Just(Offset::Zulu),
                Just(Offset::Colon),
                Just(Offset::NoColon)
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Any instant from 1970 to 2100, written in any shape with any fraction (0 to 9
            /// digits) and offset, reads back as that instant, cut to the digits written (and
            /// to 100 ns).
            #[test]
            fn formatted_times_parse_back(
                seconds in 0i64..4_102_444_800,
                nanos in 0u32..1_000_000_000,
                offset_minutes in -14 * 60..=14 * 60i32,
                shape in 0..SHAPES.len(),
                digits in 0usize..=9,
                how in how(),
            ) {
                let instant = DateTime::from_timestamp(seconds, nanos).unwrap();
                // Without an offset the text is UTC; with `Z` the local time is UTC too.
                let offset_seconds = match how {
                    Offset::None | Offset::Zulu => 0,
                    _ => offset_minutes * 60,
                };
                let offset = FixedOffset::east_opt(offset_seconds).unwrap();
                let text = write(instant, offset, SHAPES[shape], digits, how);
                let kept = 10u32.pow(9 - digits as u32);
                let ticks = seconds * TICKS_PER_SECOND + i64::from(nanos / kept * kept / 100);
                let read = parse_timestamp(&text);
                prop_assert_eq!(read.map(Timestamp::ticks), Some(ticks), "{}", text);
            }
        }
    }
}
