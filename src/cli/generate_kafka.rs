//! `generate --to kafka://...`: the generate driver's records sent to a topic
//! ([`crate::stream::sink`]) instead of written to files.

use super::generate::Request;
use super::sources::counted;
use crate::exit::Exit;
use crate::export::ExportOptions;
use crate::export::shard::Shard;
use crate::graph::Record;
use crate::graph::Timestamp;
use crate::sim::risk::RiskOutcome;
use crate::stream::{KafkaSink, KafkaUrl, RiskOut, SendSummary, StreamError};
use std::io::{self, Write};

/// The ID Protection records of `risk` that `shard` owns (all without one), oldest first:
/// detections at `detectedDateTime` (when ID Protection raised them, which is when they are
/// streamed), risky-user changes at `riskLastUpdatedDateTime`.
pub(super) fn risk_in_time_order(
    risk: Option<&RiskOutcome>,
    shard: Option<Shard>,
) -> Vec<(Timestamp, RiskOut<'_>)> {
    let Some(risk) = risk else {
        return Vec::new();
    };
    let ours = |user_id: &str| shard.is_none_or(|shard| shard.owns(user_id));
    let detections = risk
        .detections
        .iter()
        .filter(|d| ours(&d.user_id))
        .map(|d| (d.detected_date_time, RiskOut::Detection(d)));
    let changes = risk
        .history
        .iter()
        .filter(|h| ours(&h.user_id))
        .map(|h| (h.risk.risk_last_updated_date_time, RiskOut::Change(h)));
    let mut all: Vec<_> = detections.chain(changes).collect();
    // Stable: detections before changes at one instant, each in the order ID Protection made
    // them.
    all.sort_by_key(|(time, _)| *time);
    all
}

/// Sends `records` (oldest first) to `url`, with the ID Protection records `risk` (oldest
/// first) in time order among them (at one instant the logs first), counting on `progress`.
pub(super) fn send(
    url: &KafkaUrl,
    request: &Request,
    options: &ExportOptions,
    records: impl Iterator<Item = Record>,
    risk: &[(Timestamp, RiskOut<'_>)],
    progress: &indicatif::ProgressBar,
) -> Result<SendSummary, StreamError> {
    let mut sink = KafkaSink::open(url, request.format, options)?;
    let mut pending = 0u64;
    let mut risk = risk.iter().peekable();
    for record in records {
        while let Some((_, item)) = risk.next_if(|(time, _)| *time < record.time()) {
            sink.push_risk(*item)?;
        }
        sink.push(&record)?;
        pending += 1;
        if pending == 4096 {
            progress.inc(pending);
            pending = 0;
        }
    }
    for (_, item) in risk {
        sink.push_risk(*item)?;
    }
    sink.finish()
}

/// What was sent, or why not, and the exit code.
pub(super) fn report(
    url: &KafkaUrl,
    request: &Request,
    names: &str,
    sent: Result<SendSummary, StreamError>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Exit> {
    match sent {
        Ok(summary) => {
            let heading =
                super::generate::summary_heading(names, request, summary.sign_ins, summary.audits);
            writeln!(out, "{heading}")?;
            let created = if summary.created { ", created" } else { "" };
            writeln!(
                out,
                "  sent {} {} messages to {url} ({} partitions{created})",
                summary.messages, request.format, summary.partitions
            )?;
            if summary.risk_detections + summary.risky_user_changes > 0 {
                writeln!(
                    out,
                    "  with ID Protection: {}, {}",
                    counted(summary.risk_detections, "risk detection", "risk detections"),
                    counted(
                        summary.risky_user_changes,
                        "risky-user change",
                        "risky-user changes"
                    )
                )?;
            }
            Ok(Exit::Success)
        }
        Err(e) => {
            writeln!(err, "error: {e}")?;
            Ok(e.exit())
        }
    }
}
