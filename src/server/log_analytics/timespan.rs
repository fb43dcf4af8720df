//! The query API's `timespan`: an ISO 8601 duration (`PT86400.0S`, `P1D`), or an interval
//! `start/end`, `start/duration` or `duration/end`, as azure-monitor-query writes them.

use crate::kql::value::{TICKS_PER_SECOND, parse_datetime};

/// The first and last instants (100 ns ticks, both included) a `timespan` lets a query see.
/// A duration alone ends at `now`, the query's clock (the end of the data or `serve --now`),
/// so `PT1H` is the last hour of the lab, the latest record included.
pub fn window(text: &str, now: i64) -> Result<(i64, i64), String> {
    let text = text.trim();
    let (from, to) = match text.split_once('/') {
        None => (now.saturating_sub(duration(text)?), now),
        Some((start, end)) => match (start.trim(), end.trim()) {
            (start, end) if start.starts_with(['P', 'p']) => {
                let end = instant(end)?;
                (end.saturating_sub(duration(start)?), end)
            }
            (start, end) if end.starts_with(['P', 'p']) => {
                let start = instant(start)?;
                (start, start.saturating_add(duration(end)?))
            }
            (start, end) => (instant(start)?, instant(end)?),
        },
    };
    if from > to {
        return Err(format!("the timespan `{text}` ends before it starts"));
    }
    Ok((from, to))
}

fn instant(text: &str) -> Result<i64, String> {
    parse_datetime(text).ok_or_else(|| format!("`{text}` is not an ISO 8601 date and time"))
}

/// `PnW`, or `PnDTnHnMnS` with any part left out and a fraction on any number. Years and
/// months have no fixed length and are refused.
fn duration(text: &str) -> Result<i64, String> {
    let refuse = |why: &str| format!("`{text}` is not an ISO 8601 duration ({why})");
    let body = text
        .strip_prefix(['P', 'p'])
        .ok_or_else(|| refuse("it starts with P, e.g. PT1H or P1D"))?;
    let mut total: f64 = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    let mut parts = 0;
    for c in body.chars() {
        match c.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let seconds = match (unit, in_time) {
                    ('W', false) => 7.0 * 86_400.0,
                    ('D', false) => 86_400.0,
                    ('H', true) => 3_600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    ('Y' | 'M', false) => {
                        return Err(refuse("years and months have no fixed length: use days"));
                    }
                    _ => return Err(refuse(&format!("unexpected `{c}`"))),
                };
                let value: f64 = number
                    .parse()
                    .map_err(|_| refuse(&format!("no number before `{c}`")))?;
                total += value * seconds;
                number.clear();
                parts += 1;
            }
        }
    }
    if !number.is_empty() || parts == 0 {
        return Err(refuse("a number needs its unit, e.g. PT30M"));
    }
    let ticks = total * TICKS_PER_SECOND as f64;
    if !ticks.is_finite() || ticks >= i64::MAX as f64 {
        return Err(refuse("it is too long"));
    }
    Ok(ticks.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600 * TICKS_PER_SECOND;

    fn at(text: &str) -> i64 {
        parse_datetime(text).unwrap()
    }

    #[test]
    fn a_duration_ends_now() {
        let now = at("2025-03-17T16:00:00Z");
        assert_eq!(window("PT3600.0S", now), Ok((now - HOUR, now)));
        assert_eq!(window("P1DT2H", now), Ok((now - 26 * HOUR, now)));
        assert_eq!(window("P1W", now), Ok((now - 168 * HOUR, now)));
        assert_eq!(window("PT0.5S", now), Ok((now - TICKS_PER_SECOND / 2, now)));
    }

    #[test]
    fn intervals_in_the_three_forms_azure_monitor_query_writes() {
        let (start, end) = (at("2025-03-17T15:00:00Z"), at("2025-03-17T16:00:00Z"));
        let now = 0;
        assert_eq!(
            window("2025-03-17T15:00:00.000Z/2025-03-17T16:00:00.000Z", now),
            Ok((start, end))
        );
        assert_eq!(
            window("2025-03-17T15:00:00Z/PT3600.0S", now),
            Ok((start, end))
        );
        assert_eq!(window("PT1H/2025-03-17T16:00:00Z", now), Ok((start, end)));
    }

    #[test]
    fn refuses_what_is_not_a_timespan() {
        for bad in [
            "",
            "1h",
            "P",
            "PT",
            "P1M",
            "P1Y",
            "PT5",
            "PTXS",
            "P1H",
            "yesterday/PT1H",
            "2025-03-17T16:00:00Z/2025-03-17T15:00:00Z",
            "P99999999999999999D",
        ] {
            assert!(window(bad, 0).is_err(), "{bad:?} was accepted");
        }
    }
}
