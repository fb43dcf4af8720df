//! `entralab generate`: one tenant's records (of one scenario file or of several that name
//! the tenant) written out in one of the export formats, in time order.

use super::inputs::{load_all, members, tenants};
use crate::exit::Exit;
use crate::export::pipeline::consume_pushed_on_this_thread;
use crate::export::shard::Shard;
use crate::export::{ExportOptions, Exporter, Format, SerializedRecord};
use crate::graph::ApiVersion;
use crate::scenario::{Scenario, TenantFiles};
use crate::sim;
use clap::ValueEnum;
use clap::builder::PossibleValue;
use std::io::{self, Write};
use std::path::PathBuf;

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

/// What `generate` is asked to write.
pub struct Request {
    pub paths: Vec<PathBuf>,
    /// The tenant (id or domain) when the files describe several.
    pub tenant: Option<String>,
    pub dir: PathBuf,
    pub seed: Option<u64>,
    pub format: Format,
    pub api: ApiVersion,
    /// `--shard K/N`: only the records of shard K of N (by user; see `export::shard`).
    pub shard: Option<Shard>,
    /// `--to kafka://...`: send the records to a topic instead of writing `dir`.
    pub to: Option<crate::stream::KafkaUrl>,
    /// `--quiet`: no spinner either.
    pub quiet: bool,
}

pub fn generate(request: &Request, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let (mut scenarios, broken) = load_all(&request.paths, err)?;
    if broken {
        return Ok(Exit::BadInput);
    }
    if let Some(seed) = request.seed {
        scenarios.iter_mut().for_each(|s| s.seed = seed);
    }
    let all = tenants(&scenarios);
    let chosen: Vec<&TenantFiles> = match &request.tenant {
        Some(wanted) => all
            .iter()
            .filter(|t| t.id.eq_ignore_ascii_case(wanted) || t.domain.eq_ignore_ascii_case(wanted))
            .collect(),
        None => all.iter().collect(),
    };
    let [tenant] = chosen.as_slice() else {
        let listed: Vec<String> = all
            .iter()
            .map(|t| {
                format!(
                    "  {} ({}): {}",
                    t.domain,
                    t.id,
                    names(&members(&scenarios, t))
                )
            })
            .collect();
        let problem = match &request.tenant {
            Some(wanted) => format!("no tenant `{wanted}` among these files"),
            None => format!(
                "these files describe {} tenants; generate writes one: pass --tenant ID|DOMAIN",
                all.len()
            ),
        };
        writeln!(err, "error: {problem}\n{}", listed.join("\n"))?;
        return Ok(Exit::BadInput);
    };
    let files = members(&scenarios, tenant);
    let dir = request.dir.as_path();
    let options = ExportOptions {
        tenant_id: tenant.id.clone(),
        api: request.api,
    };
    // Records stream from the simulator into the files; none are collected in memory. On a
    // terminal a spinner counts them (it draws nothing when stderr is not a terminal).
    let progress = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template("{spinner} {human_pos} records ({elapsed})")
            .expect("a valid template"),
    );
    if request.quiet {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut pending = 0u64;
    // With ID Protection the records are collected (a later detection changes an earlier
    // sign-in) and the detections and risky users are written beside them. Without it the
    // simulation runs on other threads while this one writes (`simulate_elsewhere`), in the
    // same order, so the files are the same bytes.
    let identity_protection = files.iter().any(|s| s.tenant.identity_protection.is_some());
    let shard = request.shard;
    let ours =
        move |record: &crate::graph::Record| shard.is_none_or(|shard| shard.contains(record));
    if let Some(url) = &request.to {
        // Kafka: records go to the topic as they are made, a batch at a time.
        let (records, risk): (Box<dyn Iterator<Item = crate::graph::Record>>, _) =
            if identity_protection {
                let (records, risk) = sim::risk::simulate_tenant_with_risk(&files);
                (Box::new(records.into_iter()), Some(risk))
            } else {
                let records = sim::simulate_tenant(&files).filter_map(|item| item.record);
                (Box::new(records), None)
            };
        let risk = super::generate_kafka::risk_in_time_order(risk.as_ref(), shard);
        let records = records.filter(ours);
        let sent = super::generate_kafka::send(url, request, &options, records, &risk, &progress);
        progress.finish_and_clear();
        return super::generate_kafka::report(url, request, &names(&files), sent, out, err);
    }
    let written = Exporter::create(request.format, dir, &options).and_then(|mut export| {
        let mut tick = || {
            pending += 1;
            if pending == 4096 {
                progress.inc(pending);
                pending = 0;
            }
        };
        let files = &files;
        let risk = if identity_protection {
            let (records, risk) = sim::risk::simulate_tenant_with_risk(files);
            for record in records.iter().filter(|r| ours(r)) {
                tick();
                export.push(record)?;
            }
            Some(risk)
        } else if let Some(api) = export.takes_serialized() {
            // `graph` and `ndjson`: each record is serialised on the thread that made it and
            // only its JSON reaches this one, so no record's strings are touched by two
            // threads (`sim::parallel::worth_splitting_serialized`).
            simulate_elsewhere(
                files,
                sim::parallel::worth_splitting_serialized(),
                &|item| {
                    let record = item.record.filter(|record| ours(record))?;
                    Some(SerializedRecord::new(&record, api))
                },
                |record| {
                    tick();
                    export.push_serialized(record)
                },
            )?;
            None
        } else {
            simulate_elsewhere(
                files,
                sim::parallel::worth_splitting(),
                &|item| item.record.filter(|record| ours(record)),
                |record| {
                    tick();
                    export.push(record)
                },
            )?;
            None
        };
        let mut summary = export.finish()?;
        if let Some(risk) = &risk {
            let ours = |user_id: &str| shard.is_none_or(|shard| shard.owns(user_id));
            let detections: Vec<_> = risk
                .detections
                .iter()
                .filter(|d| ours(&d.user_id))
                .cloned()
                .collect();
            let history: Vec<_> = risk
                .history
                .iter()
                .filter(|h| ours(&h.user_id))
                .cloned()
                .collect();
            summary.files.extend(crate::export::write_risk_files(
                request.format,
                dir,
                &tenant.id,
                &detections,
                &history,
            )?);
        }
        Ok(summary)
    });
    progress.finish_and_clear();
    match written {
        Ok(summary) => {
            let heading =
                summary_heading(&names(&files), request, summary.sign_ins, summary.audits);
            writeln!(out, "{heading}")?;
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

/// Simulates `files` on other threads (one file with a population on two, when `split`),
/// turns each item into what `consume` takes with `map` there, and hands the results to
/// `consume` on this thread, in the simulation's order. Stops at `consume`'s first error.
fn simulate_elsewhere<P: Send>(
    files: &[&Scenario],
    split: bool,
    map: &(dyn Fn(sim::SimItem) -> Option<P> + Sync),
    consume: impl FnMut(&P) -> io::Result<()>,
) -> io::Result<()> {
    consume_pushed_on_this_thread(
        move |push| {
            let mut each = |mapped: Option<P>| mapped.is_none_or(&mut *push);
            let split = split
                && matches!(files,
                    [one] if sim::parallel::for_each_mapped(one, map, &mut each));
            if !split {
                for item in sim::simulate_tenant(files) {
                    if !each(map(item)) {
                        return;
                    }
                }
            }
        },
        consume,
    )
}

/// The scenario names of a tenant's files, for people.
fn names(files: &[&Scenario]) -> String {
    files
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first line of `generate`'s summary, whether it wrote files or sent to Kafka: the
/// scenarios, the shard, and how many records of each log.
pub(super) fn summary_heading(
    names: &str,
    request: &Request,
    sign_ins: usize,
    audits: usize,
) -> String {
    let shard = request
        .shard
        .map(|shard| format!(" (shard {shard})"))
        .unwrap_or_default();
    format!("{names}{shard}: {sign_ins} sign-ins, {audits} directory audits")
}
