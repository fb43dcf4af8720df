//! `run`'s ID Protection section: each detection with why it was raised and when it became
//! visible, then each user's risk as it changed.

use crate::sim::risk::RiskOutcome;
use std::io::{self, Write};

pub fn write(outcome: &RiskOutcome, out: &mut dyn Write) -> io::Result<()> {
    if outcome.detections.is_empty() && outcome.history.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "  ID Protection (each detection when it became visible, then each user's risk):"
    )?;
    for (d, why) in outcome.detections.iter().zip(&outcome.reasons) {
        let delay = (d.detected_date_time.ticks() - d.activity_date_time.ticks()) / 10_000_000;
        writeln!(
            out,
            "  {}  {}  {} {} ({}, {}), {} after the activity at {}; now {}",
            d.detected_date_time,
            d.user_principal_name,
            d.risk_event_type,
            d.risk_level,
            d.detection_timing_type,
            d.source,
            span(delay),
            d.activity_date_time,
            d.risk_state,
        )?;
        writeln!(out, "      └ {why}")?;
    }
    for h in &outcome.history {
        let types = h.activity.risk_event_types.join(", ");
        writeln!(
            out,
            "  {}  {}  user risk {} {} ({}){}",
            h.risk.risk_last_updated_date_time,
            h.risk.user_principal_name,
            h.risk.risk_state,
            h.risk.risk_level,
            h.risk.risk_detail,
            if types.is_empty() {
                String::new()
            } else {
                format!(" after {types}")
            }
        )?;
    }
    Ok(())
}

/// `1h2m3s`-style, leaving out zero parts.
fn span(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if h > 0 {
        text.push_str(&format!("{h}h"));
    }
    if m > 0 {
        text.push_str(&format!("{m}m"));
    }
    if s > 0 || text.is_empty() {
        text.push_str(&format!("{s}s"));
    }
    text
}
