//! `entralab detect`: Sigma rules run over simulated scenarios, reported per rule.

use super::inputs::load_all;
use crate::detect::{self, Evaluator, RuleResult, RuleSet};
use crate::exit::Exit;
use crate::sim;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct DetectArgs {
    /// A folder of Sigma rules (searched recursively for *.yml, *.yaml), e.g. a SigmaHQ
    /// checkout's rules/cloud/azure, or one rule file.
    #[arg(long, value_name = "DIR")]
    pub rules: PathBuf,
    /// Scenario files, or folders of them; the built-in labs when none is given (and no
    /// --logs).
    pub paths: Vec<PathBuf>,
    /// Also (or instead) run the rules over exported log files, as one source: Graph JSON,
    /// NDJSON, Event Hub, Log Analytics JSON or CSV (what `entralab generate` writes).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub logs: Vec<PathBuf>,
    /// With --logs: skip records that cannot be read (each reported on stderr with file:line
    /// and the reason) instead of refusing the file.
    #[arg(long, requires = "logs")]
    pub skip_bad_records: bool,
    /// Run with this seed instead of each scenario's own.
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::verify::Format,
}

pub fn detect(args: &DetectArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let rules = match RuleSet::load(&args.rules) {
        Ok(rules) => rules,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::BadInput);
        }
    };
    for skipped in &rules.skipped {
        writeln!(err, "warning: skipped {skipped}")?;
    }
    if rules.rules.is_empty() {
        writeln!(
            err,
            "error: no Sigma rule for `product: azure` with `service: signinlogs` or `auditlogs` in {}",
            args.rules.display()
        )?;
        return Ok(Exit::BadInput);
    }
    let mut reports = Vec::new();
    if !args.logs.is_empty() {
        let mut records = Vec::new();
        let mut bad_records = 0;
        for file in &args.logs {
            let mut note = |n: String| {
                let _ = writeln!(err, "{n}");
            };
            match super::sources::read_log_file(file, args.skip_bad_records, &mut note) {
                Ok((mut read, bad)) => {
                    records.append(&mut read);
                    bad_records += bad;
                }
                Err(e) => {
                    writeln!(err, "error: {e}")?;
                    return Ok(Exit::BadInput);
                }
            }
        }
        let skipped = if args.skip_bad_records {
            format!("; {}", super::sources::skipped_text(bad_records))
        } else {
            String::new()
        };
        let tenant_id = records
            .iter()
            .find_map(|r| match r {
                crate::graph::Record::SignIn(s) => s.resource_tenant_id.as_deref(),
                crate::graph::Record::Audit(_) => None,
            })
            .unwrap_or("00000000-0000-0000-0000-000000000000")
            .to_string();
        let results = rules.evaluate(&records, &tenant_id);
        let name = args
            .logs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        match args.format {
            super::verify::Format::Text => out.write_all(
                detect::render_text(
                    &format!("{name} ({} records{skipped})", records.len()),
                    &results,
                )
                .as_bytes(),
            )?,
            super::verify::Format::Json => {
                let mut report = serde_json::json!({
                    "source": name,
                    "records": records.len(),
                    "rules": results,
                });
                if args.skip_bad_records {
                    report["bad_records_skipped"] = bad_records.into();
                }
                reports.push(report);
            }
        }
    }
    let (mut scenarios, broken) = if args.logs.is_empty() || !args.paths.is_empty() {
        load_all(&args.paths, err)?
    } else {
        (Vec::new(), false)
    };
    for scenario in &mut scenarios {
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        let started = std::time::Instant::now();
        let (results, records, evaluating) = run(&rules, scenario);
        let rate = records as f64 / evaluating.as_secs_f64().max(1e-9);
        writeln!(
            err,
            "{}: {records} records, {} rules: evaluation {:.2} s ({rate:.0} records/s), with simulation {:.2} s",
            scenario.name,
            rules.rules.len(),
            evaluating.as_secs_f64(),
            started.elapsed().as_secs_f64()
        )?;
        match args.format {
            super::verify::Format::Text => out.write_all(
                detect::render_text(&format!("{} ({records} records)", scenario.name), &results)
                    .as_bytes(),
            )?,
            super::verify::Format::Json => reports.push(serde_json::json!({
                "scenario": scenario.name,
                "source": scenario.source.display().to_string(),
                "records": records,
                "rules": results,
            })),
        }
    }
    if args.format == super::verify::Format::Json {
        let json = serde_json::json!({ "scenarios": reports });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).expect("results serialize")
        )?;
    }
    Ok(if broken {
        Exit::BadInput
    } else {
        Exit::Success
    })
}

/// Simulates `scenario` and runs `rules` over its records as they come (oldest first, with
/// bounded memory). Returns the per-rule results, the number of records and the time spent
/// evaluating (building each record's event and running the rules; simulation excluded).
fn run(
    rules: &RuleSet,
    scenario: &crate::scenario::Scenario,
) -> (Vec<RuleResult>, u64, std::time::Duration) {
    let tenant_id = sim::tenant_id(scenario);
    let mut results = detect::empty_results(rules);
    let mut evaluator = Evaluator::new(rules);
    let mut count = 0;
    let mut evaluating = std::time::Duration::ZERO;
    for record in sim::simulate(scenario).filter_map(|item| item.record) {
        let started = std::time::Instant::now();
        evaluator.push(&record, &tenant_id, &mut results);
        evaluating += started.elapsed();
        count += 1;
    }
    (results, count, evaluating)
}
