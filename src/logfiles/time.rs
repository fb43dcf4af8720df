//! The timestamp spellings real exports contain (reference detections.md 2, entra-behavior.md
//! 6.2-6.4; Elastic's `test-time-formats-corner-cases.log`):
//!
//! - RFC 3339 with `Z` or an offset, with or without a fraction of any length (beyond 7
//!   digits is truncated to 100 ns): `2025-03-17T15:08:07Z`, `2025-03-17T15:08:07.0000000Z`
//!   (Log Analytics), `2019-03-12T16:02:15.5522137+00:00` (Event Hub `properties`),
//!   `2019-10-18T04:45:48.0729893-05:00`, `2007-01-09T09:41:00.535404056Z`; a space or a
//!   lowercase `t`/`z` is accepted too, as is an offset without a colon (`+0100`).
//! - ISO without an offset (`2025-03-17T15:08:07.123`, `2025-03-17 15:08:07`): read as UTC.
//! - US month/day/year as the Azure portal exports CSV, read as UTC:
//!   `3/17/2025, 3:08:07.000 PM`, `1/9/2007 9:41:00 AM`, `01/09/2007 09:41:00` (24-hour).

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
    if let Some(t) = with_offset(text) {
        return from_utc(t.with_timezone(&Utc));
    }
    naive(text).and_then(|t| from_utc(t.and_utc()))
}

fn with_offset(text: &str) -> Option<DateTime<FixedOffset>> {
    let upper = text.to_ascii_uppercase();
    let text = upper
        .strip_suffix('Z')
        .map_or(upper.clone(), |t| format!("{t}+00:00"));
    [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ]
    .iter()
    .find_map(|format| DateTime::parse_from_str(&text, format).ok())
}

fn naive(text: &str) -> Option<NaiveDateTime> {
    let text = text.strip_suffix(" UTC").unwrap_or(text).trim();
    const FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%m/%d/%Y, %I:%M:%S%.f %p",
        "%m/%d/%Y %I:%M:%S%.f %p",
        "%m/%d/%Y, %I:%M %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y, %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S%.f",
    ];
    FORMATS
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

    #[test]
    fn rejects_what_is_not_a_time() {
        for text in [
            "",
            "yesterday",
            "2025-03-17",
            "13/45/2025 1:00:00 PM",
            "2025-03-17T25:00:00Z",
        ] {
            assert!(parse_timestamp(text).is_none(), "{text}");
        }
    }
}
