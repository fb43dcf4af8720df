//! `entralab generate`: a scenario's records written out in one of the export formats.

use super::inputs::load_all;
use crate::exit::Exit;
use crate::export::{ExportOptions, Exporter, Format};
use crate::graph::ApiVersion;
use crate::sim;
use clap::ValueEnum;
use clap::builder::PossibleValue;
use std::io::{self, Write};
use std::path::Path;

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Format::Graph => {
                "signIns.json, directoryAudits.json: Graph collection responses, newest first"
            }
            Format::Ndjson => "signIns.ndjson, directoryAudits.ndjson: one Graph record a line",
            Format::EventHub => {
                "SignInLogs.json, AuditLogs.json: diagnostic-settings (Event Hub) {\"records\":[...]} envelopes"
            }
            Format::LogAnalytics => {
                "SigninLogs.ndjson/.csv, AuditLogs.ndjson/.csv: Log Analytics table rows"
            }
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

impl ValueEnum for ApiVersion {
    fn value_variants<'a>() -> &'a [Self] {
        &[ApiVersion::V1, ApiVersion::Beta]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ApiVersion::V1 => PossibleValue::new("v1.0").alias("v1"),
            ApiVersion::Beta => PossibleValue::new("beta"),
        })
    }
}

pub fn generate(
    scenario: &Path,
    dir: &Path,
    seed: Option<u64>,
    (format, api): (Format, ApiVersion),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Exit> {
    let (mut scenarios, broken) = load_all(&[scenario.to_path_buf()], err)?;
    if broken {
        return Ok(Exit::BadInput);
    }
    let [scenario] = scenarios.as_mut_slice() else {
        writeln!(
            err,
            "error: {} names {} scenarios; generate takes one file",
            scenario.display(),
            scenarios.len()
        )?;
        return Ok(Exit::BadInput);
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let options = ExportOptions {
        tenant_id: sim::tenant_id(scenario),
        api,
    };
    // Records stream from the simulator into the files; none are collected in memory. On a
    // terminal a spinner counts them (it draws nothing when stderr is not a terminal).
    let progress = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template("{spinner} {human_pos} records ({elapsed})")
            .expect("a valid template"),
    );
    let mut pending = 0u64;
    let written = Exporter::create(format, dir, &options).and_then(|mut export| {
        sim::simulate(scenario)
            .filter_map(|item| item.record)
            .try_for_each(|record| {
                pending += 1;
                if pending == 4096 {
                    progress.inc(pending);
                    pending = 0;
                }
                export.push(&record)
            })?;
        export.finish()
    });
    progress.finish_and_clear();
    match written {
        Ok(summary) => {
            writeln!(
                out,
                "{}: {} sign-ins, {} directory audits",
                scenario.name, summary.sign_ins, summary.audits
            )?;
            for file in summary.files {
                writeln!(out, "  wrote {}", file.display())?;
            }
            Ok(Exit::Success)
        }
        Err(e) => {
            writeln!(err, "error: cannot write to {}: {e}", dir.display())?;
            Ok(Exit::BadInput)
        }
    }
}
