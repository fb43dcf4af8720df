//! `generate --to kafka://...`: the generate driver's records sent to a topic
//! ([`crate::stream::sink`]) instead of written to files.

use super::generate::Request;
use crate::exit::Exit;
use crate::export::ExportOptions;
use crate::graph::Record;
use crate::stream::{KafkaSink, KafkaUrl, SendSummary, StreamError};
use std::io::{self, Write};

/// Sends `records` (oldest first) to `url`, counting them on `progress`.
pub(super) fn send(
    url: &KafkaUrl,
    request: &Request,
    options: &ExportOptions,
    records: impl Iterator<Item = Record>,
    progress: &indicatif::ProgressBar,
) -> Result<SendSummary, StreamError> {
    let mut sink = KafkaSink::open(url, request.format, options)?;
    let mut pending = 0u64;
    for record in records {
        sink.push(&record)?;
        pending += 1;
        if pending == 4096 {
            progress.inc(pending);
            pending = 0;
        }
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
            Ok(Exit::Success)
        }
        Err(e) => {
            writeln!(err, "error: {e}")?;
            Ok(e.exit())
        }
    }
}
