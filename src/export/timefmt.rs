//! Timestamp spellings of the diagnostic-settings and Log Analytics exports (reference
//! entra-behavior.md 6.2-6.4, detections.md 2):
//!
//! | where | form |
//! |---|---|
//! | Event Hub envelope `time`, Log Analytics JSON datetime columns | `2025-03-17T15:08:07.0000000Z` (always 7 digits) |
//! | Event Hub `properties.createdDateTime` / `properties.activityDateTime` | `2025-03-17T15:08:07.0000000+00:00` |
//! | Log Analytics CSV as the portal exports it | `3/17/2025, 3:08:07.000 PM` (UTC, milliseconds) |
//! | Event Hub envelope `time` of ID Protection's records | `3/17/2025 3:08:07 PM` (UTC, seconds) |

use crate::graph::wire::{civil_seconds, integer, put_digits, string};
use crate::graph::{Precision, Timestamp};
use chrono::{DateTime, Datelike, Timelike};
use std::fmt::Write;

const TICKS_PER_SECOND: i64 = 10_000_000;

/// `2025-03-17T15:08:07.0000000` followed by `suffix` (`Z` or `+00:00`).
pub(crate) fn seven_digits(time: Timestamp, suffix: &str) -> String {
    let mut out = String::with_capacity(34);
    time.write_to(&mut out, Precision::Seconds);
    out.pop(); // the `Z`
    let _ = write!(
        out,
        ".{:07}{suffix}",
        time.ticks().rem_euclid(TICKS_PER_SECOND)
    );
    out
}

/// Appends [`seven_digits`] as a JSON string, the same bytes as serde_json writes for it,
/// without the formatting machinery (twice an Event Hub sign-in, it was a tenth of the
/// writer's time). `suffix` is `Z` or `+00:00`: nothing to escape.
pub(crate) fn write_seven_digits(out: &mut Vec<u8>, time: Timestamp, suffix: &'static str) {
    debug_assert!(
        suffix
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    );
    let Some(civil) = civil_seconds(time) else {
        return string(out, &seven_digits(time, suffix));
    };
    let mut fraction = [0u8; 7];
    put_digits(&mut fraction, time.ticks().rem_euclid(TICKS_PER_SECOND));
    out.push(b'"');
    out.extend_from_slice(&civil);
    out.push(b'.');
    out.extend_from_slice(&fraction);
    out.extend_from_slice(suffix.as_bytes());
    out.push(b'"');
}

/// The Azure portal's CSV form, `3/17/2025, 3:08:07.000 PM`: US month/day/year, 12-hour
/// clock, milliseconds (the 100 ns ticks below a millisecond are dropped), UTC.
pub(crate) fn portal_csv(time: Timestamp) -> String {
    let millis = time.ticks().rem_euclid(TICKS_PER_SECOND) / 10_000;
    us_clock(time, ",", &format!(".{millis:03}"))
}

/// ID Protection's Event Hub envelope `time`, `8/22/2022 6:07:16 PM`: the portal's form
/// without its comma and fraction (dropped, not rounded), as every `UserRiskEvents` and
/// `RiskyUsers` record of Elastic's real samples has it.
pub(crate) fn risk_envelope(time: Timestamp) -> String {
    us_clock(time, "", "")
}

/// `3/17/2025{comma} 3:08:07{fraction} PM`, UTC.
fn us_clock(time: Timestamp, comma: &str, fraction: &str) -> String {
    let Some(civil) = DateTime::from_timestamp(time.unix_seconds(), 0) else {
        return format!("1/1/0001{comma} 12:00:00{fraction} AM");
    };
    let (pm, hour) = civil.hour12();
    format!(
        "{}/{}/{}{comma} {}:{:02}:{:02}{fraction} {}",
        civil.month(),
        civil.day(),
        civil.year(),
        hour,
        civil.minute(),
        civil.second(),
        if pm { "PM" } else { "AM" }
    )
}

/// Appends [`portal_csv`] as a CSV cell (quoted: it has a comma), from the digits
/// [`civil_seconds`] writes rather than through chrono and `format!` (most of a Log
/// Analytics row's time went to its two times).
pub(crate) fn write_portal_csv(out: &mut Vec<u8>, time: Timestamp) {
    let Some(civil) = civil_seconds(time) else {
        out.push(b'"');
        out.extend_from_slice(portal_csv(time).as_bytes());
        return out.push(b'"');
    };
    let hour = i64::from(civil[11] - b'0') * 10 + i64::from(civil[12] - b'0');
    let mut millis = [0u8; 3];
    put_digits(
        &mut millis,
        time.ticks().rem_euclid(TICKS_PER_SECOND) / 10_000,
    );
    out.push(b'"');
    out.extend_from_slice(unpadded(&civil[5..7]));
    out.push(b'/');
    out.extend_from_slice(unpadded(&civil[8..10]));
    out.push(b'/');
    out.extend_from_slice(unpadded(&civil[0..4]));
    out.extend_from_slice(b", ");
    integer(out, if hour % 12 == 0 { 12 } else { hour % 12 });
    out.extend_from_slice(&civil[13..19]); // `:08:07`
    out.push(b'.');
    out.extend_from_slice(&millis);
    out.extend_from_slice(if hour < 12 { b" AM\"" } else { b" PM\"" });
}

/// `digits` without leading zeros, one digit at least.
fn unpadded(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&d| d == b'0').count();
    &digits[zeros.min(digits.len() - 1)..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn seven_digits_always() {
        assert_eq!(
            seven_digits(at("2025-03-17T15:08:07Z"), "Z"),
            "2025-03-17T15:08:07.0000000Z"
        );
        assert_eq!(
            seven_digits(at("2018-12-10T00:03:46.6161822Z"), "+00:00"),
            "2018-12-10T00:03:46.6161822+00:00"
        );
    }

    /// Every tick of a few seconds around the edges and far-off years, against serde_json's
    /// bytes for the `String`.
    #[test]
    fn written_seven_digits_are_serde_json_strings() {
        let edges = [
            -62_135_596_800i64 - 1,
            -62_135_596_800,
            0,
            1_742_224_087,
            253_402_300_799,
            253_402_300_800,
        ];
        for seconds in edges {
            for ticks in [0, 1, 9_999_999, 1_234_567, 5_000_000] {
                let time = Timestamp::from_ticks(seconds * TICKS_PER_SECOND + ticks);
                for suffix in ["Z", "+00:00"] {
                    let mut fast = Vec::new();
                    write_seven_digits(&mut fast, time, suffix);
                    let slow = serde_json::to_vec(&seven_digits(time, suffix)).unwrap();
                    assert_eq!(
                        String::from_utf8(fast).unwrap(),
                        String::from_utf8(slow).unwrap()
                    );
                }
            }
        }
    }

    /// Every hour of a day and the edges of the years, against [`portal_csv`] quoted.
    #[test]
    fn written_portal_csv_is_portal_csv_quoted() {
        let edges = [
            -62_135_596_800i64 - 1,
            -62_135_596_800,
            0,
            1_742_224_087,
            253_402_300_800,
        ];
        let hours = (0..24).map(|h| 1_742_169_600 + h * 3600 + 61);
        for seconds in edges.into_iter().chain(hours) {
            for ticks in [0, 1, 9_999_999, 1_234_567, 5_000_000] {
                let time = Timestamp::from_ticks(seconds * TICKS_PER_SECOND + ticks);
                let mut fast = Vec::new();
                write_portal_csv(&mut fast, time);
                let slow = format!("\"{}\"", portal_csv(time));
                assert_eq!(String::from_utf8(fast).unwrap(), slow);
            }
        }
    }

    #[test]
    fn risk_envelopes_use_the_portal_clock_without_comma_or_fraction() {
        assert_eq!(
            risk_envelope(at("2022-08-22T18:07:16.894Z")),
            "8/22/2022 6:07:16 PM"
        );
        assert_eq!(
            risk_envelope(at("2025-03-20T00:48:23Z")),
            "3/20/2025 12:48:23 AM"
        );
    }

    #[test]
    fn portal_csv_uses_a_12_hour_clock() {
        assert_eq!(
            portal_csv(at("2025-03-17T15:08:07Z")),
            "3/17/2025, 3:08:07.000 PM"
        );
        assert_eq!(
            portal_csv(at("2021-04-28T00:08:45.2219999Z")),
            "4/28/2021, 12:08:45.221 AM"
        );
        assert_eq!(
            portal_csv(at("2021-12-01T12:00:00.5Z")),
            "12/1/2021, 12:00:00.500 PM"
        );
    }
}
