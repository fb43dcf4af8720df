//! `entralab query`: a KQL query over simulated scenarios or exported log files, printed as
//! a table, CSV, or the Log Analytics query API's JSON.

use super::inputs::load_all;
use crate::exit::Exit;
use crate::export::NO_TENANT_ID;
use crate::kql::load::Loader;
use crate::kql::{self, Catalog};
use crate::sim;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct QueryArgs {
    /// The KQL query, e.g. 'SigninLogs | where ResultType == 50053 | summarize count() by
    /// UserPrincipalName'.
    pub query: String,
    /// Scenario files, or folders of them; the built-in labs when none is given (and no
    /// --logs). All of them form one workspace.
    pub paths: Vec<PathBuf>,
    /// Also (or instead) query exported log files: Graph JSON, NDJSON, Event Hub, Log
    /// Analytics JSON or CSV (what `entralab generate` writes).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub logs: Vec<PathBuf>,
    /// What now() and ago() count from (e.g. 2025-03-17T16:00:00Z); by default the time of
    /// the latest record.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Run scenarios with this seed instead of their own.
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub declared: super::empty_tables::EmptyTables,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned table.
    Text,
    /// The Log Analytics query API's reply (`tables`, `columns`, `rows`).
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

pub fn query(args: &QueryArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let parsed = match kql::parse(&args.query) {
        Ok(q) => q,
        Err(e) => {
            err.write_all(e.render(&args.query).as_bytes())?;
            return Ok(Exit::BadInput);
        }
    };
    let now = match &args.now {
        None => None,
        Some(text) => match kql::value::parse_datetime(text) {
            Some(t) => Some(t),
            None => {
                writeln!(
                    err,
                    "error: --now `{text}` is not a time like 2025-03-17T16:00:00Z"
                )?;
                return Ok(Exit::BadInput);
            }
        },
    };
    let mut catalog = Catalog::for_query(&args.query);
    catalog.declare(&args.declared.empty_tables);
    let mut loader = Loader::new(&catalog, needed_columns(args, &parsed, &catalog).as_ref())
        .with_row_limit(kql::prune::row_limit(&args.query, &parsed));
    // A record that names no tenant (a Graph audit) takes the first one the files name.
    let fallback = super::log_stream::first_named_tenant(&args.logs)
        .unwrap_or_else(|| NO_TENANT_ID.to_string());
    for file in &args.logs {
        if kql::la_lines::load_sign_in_lines(file, &mut loader) {
            continue;
        }
        let read = crate::logfiles::read_path_with_tenants(file, |record, named| {
            loader.push_named(&record, named, &fallback)
        });
        if let Err(e) = read {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::BadInput);
        }
    }
    let mut broken = false;
    if args.logs.is_empty() || !args.paths.is_empty() {
        let (mut scenarios, any_broken) = load_all(&args.paths, err)?;
        broken = any_broken;
        for scenario in &mut scenarios {
            if let Some(seed) = args.seed {
                scenario.seed = seed;
            }
            let tenant_id = sim::tenant_id(scenario);
            let (items, risk) = sim::risk::simulate_with_risk(scenario);
            for record in items.filter_map(|item| item.record) {
                loader.push_record(&record, &tenant_id);
            }
            for detection in &risk.detections {
                catalog.push_risk_detection(detection, &tenant_id);
            }
            for change in &risk.history {
                catalog.push_risky_user(change, &tenant_id);
            }
        }
    }
    loader.finish(&mut catalog);
    if broken {
        return Ok(Exit::BadInput);
    }
    let table = match kql::execute(&parsed, &catalog, now) {
        Ok(t) => t,
        Err(e) => {
            err.write_all(e.render(&args.query).as_bytes())?;
            return Ok(Exit::BadInput);
        }
    };
    match args.format {
        OutputFormat::Text => out.write_all(kql::render::text(&table).as_bytes())?,
        OutputFormat::Csv => out.write_all(kql::render::csv(&table).as_bytes())?,
        OutputFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&kql::render::api_json(&table))
                .expect("JSON values serialize")
        )?,
    }
    Ok(Exit::Success)
}

/// The columns the query reads (`None`: all). The query must run on the full, empty
/// tables: when it does not, every column is loaded, so that its error is the one they give.
fn needed_columns(
    args: &QueryArgs,
    parsed: &kql::ast::Query,
    empty: &Catalog,
) -> Option<BTreeSet<String>> {
    let needed = kql::prune::needed_columns(&args.query, parsed)?;
    kql::execute(parsed, empty, None).ok()?;
    Some(needed)
}
