//! `entralab detect`: Sigma rules run over simulated scenarios, reported per rule.

use super::inputs::load_all;
use super::log_stream;
use crate::detect::coverage::{Coverage, ScenarioColumn};
use crate::detect::{self, Evaluator, RuleResult, RuleSet, ThreadedEvaluator};
use crate::exit::Exit;
use crate::sim;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct DetectArgs {
    /// A folder of Sigma or Sentinel analytic rules (searched recursively for *.yml, *.yaml),
    /// e.g. a SigmaHQ checkout's rules/cloud/azure, or one rule file; repeat for more.
    #[arg(long, value_name = "DIR", required = true)]
    pub rules: Vec<PathBuf>,
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
    /// Report coverage instead: a matrix of rules × scenarios, the rules that fire nowhere
    /// (and why), fire on scenarios marked `benign: true`, or cannot run at all.
    #[arg(long, conflicts_with = "logs")]
    pub coverage: bool,
    #[command(flatten)]
    pub declared: super::empty_tables::EmptyTables,
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::verify::Format,
}

pub fn detect(args: &DetectArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let rules = match RuleSet::load_all_with(&args.rules, &args.declared.empty_tables) {
        Ok(rules) => rules,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::BadInput);
        }
    };
    for broken in rules.not_applicable.iter().filter(|n| n.is_broken()) {
        writeln!(err, "warning: skipped {broken}")?;
    }
    // A coverage report still lists what is not applicable, and why, when nothing is.
    let coverage_exit = if args.coverage {
        Some(coverage(args, &rules, out, err)?)
    } else {
        None
    };
    if rules.rules.is_empty() {
        // Nothing runs: say why for the rules that were read but cannot run (for a large
        // checkout, the first few), which `detect` otherwise keeps quiet about.
        const SHOWN: usize = 10;
        let quiet: Vec<_> = rules
            .not_applicable
            .iter()
            .filter(|n| !n.is_broken())
            .collect();
        for why in quiet.iter().take(SHOWN) {
            writeln!(err, "note: not applicable: {why}")?;
        }
        if quiet.len() > SHOWN {
            writeln!(
                err,
                "note: ... and {} more (--coverage lists them all)",
                quiet.len() - SHOWN
            )?;
        }
        writeln!(
            err,
            "error: no Sigma rule for `product: azure` with `service: signinlogs`, `auditlogs` or `riskdetection`, nor Sentinel rule, in {}",
            args.rules
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        return Ok(Exit::BadInput);
    }
    if let Some(exit) = coverage_exit {
        return Ok(exit);
    }
    let mut reports = Vec::new();
    if !args.logs.is_empty() {
        match detect_logs(args, &rules, out, err)? {
            Ok(report) => reports.extend(report),
            Err(exit) => return Ok(exit),
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
        let (results, counts, evaluating) = run(&rules, scenario);
        let records = counts.sign_ins + counts.audits;
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

/// `detect --logs`: the rules over the files' records as they are read, oldest first
/// (bounded memory: see [`log_stream`]). Writes the text report, or returns the JSON one;
/// `None` when a file cannot be read (the error is written).
fn detect_logs(
    args: &DetectArgs,
    rules: &RuleSet,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Result<Option<serde_json::Value>, Exit>> {
    let started = std::time::Instant::now();
    // The export envelopes and rows the rules see name each record's own tenant; a record that
    // names none (a Graph audit) takes the first tenant the files name.
    let tenant_id = log_stream::first_named_tenant(&args.logs)
        .unwrap_or_else(|| crate::export::NO_TENANT_ID.to_string());
    let options = log_stream::Options::new(args.skip_bad_records, log_stream::FileOrder::ByTime);
    let mut note = |n: String| {
        let _ = writeln!(err, "{n}");
    };
    // The rules run on a thread of their own, so that this one only merges the files'
    // records into time order.
    let read = log_stream::read_in_time_order(
        &args.logs,
        options,
        &mut note,
        || {
            ThreadedEvaluator::start(
                detect::empty_results(rules),
                Evaluator::new(rules),
                tenant_id.clone(),
            )
        },
        |evaluator, read| evaluator.push(read.record, read.tenant),
    );
    let (evaluating, totals) = match read {
        Ok(read) => read,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Err(match e.kind {
                crate::logfiles::ErrorKind::Unreachable => Exit::Unreachable,
                _ => Exit::BadInput,
            }));
        }
    };
    let (mut results, mut evaluator) = evaluating.finish();
    // ID Protection's detections among the logs (`UserRiskEvents` records, `AADUserRiskEvents`
    // rows, ...), for `service: riskdetection` rules and Sentinel rules on AADUserRiskEvents:
    // after the logs, oldest detected first, as for a simulated scenario.
    let mut detections: Vec<_> = totals
        .risk
        .iter()
        .filter_map(|item| match item {
            crate::logfiles::RiskItem::Detection(d) => Some(d),
            _ => None,
        })
        .collect();
    detections.sort_by_key(|d| d.detected_date_time);
    for detection in &detections {
        evaluator.push_risk(detection, &tenant_id, &mut results);
    }
    evaluator.finish(rules, &mut results);
    let name = args
        .logs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let elapsed = started.elapsed().as_secs_f64();
    writeln!(
        err,
        "{name}: {} records, {} rules: read and evaluated in {elapsed:.2} s ({:.0} records/s)",
        totals.records,
        rules.rules.len(),
        totals.records as f64 / elapsed.max(1e-9)
    )?;
    let mut details = if args.skip_bad_records {
        format!("; {}", super::sources::skipped_text(totals.bad_records))
    } else {
        String::new()
    };
    if !detections.is_empty() {
        let detections =
            super::sources::counted(detections.len(), "risk detection", "risk detections");
        details = format!(", {detections}{details}");
    }
    Ok(Ok(match args.format {
        super::verify::Format::Text => {
            out.write_all(
                detect::render_text(
                    &format!("{name} ({} records{details})", totals.records),
                    &results,
                )
                .as_bytes(),
            )?;
            None
        }
        super::verify::Format::Json => {
            let mut report = serde_json::json!({
                "source": name,
                "records": totals.records,
                "rules": results,
            });
            if args.skip_bad_records {
                report["bad_records_skipped"] = totals.bad_records.into();
            }
            if !detections.is_empty() {
                report["risk_detections"] = detections.len().into();
            }
            Some(report)
        }
    }))
}

/// Records of each kind a scenario produced.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    sign_ins: u64,
    audits: u64,
}

/// Simulates `scenario` and runs `rules` over its records as they come (oldest first, with
/// bounded memory). Returns the per-rule results, the number of records and the time spent
/// evaluating (building each record's event and running the rules; simulation excluded).
fn run(
    rules: &RuleSet,
    scenario: &crate::scenario::Scenario,
) -> (Vec<RuleResult>, Counts, std::time::Duration) {
    let tenant_id = sim::tenant_id(scenario);
    let mut results = detect::empty_results(rules);
    let mut evaluator = Evaluator::new(rules);
    let mut counts = Counts::default();
    let mut evaluating = std::time::Duration::ZERO;
    let (items, risk) = sim::risk::simulate_with_risk(scenario);
    for record in items.filter_map(|item| item.record) {
        let started = std::time::Instant::now();
        evaluator.push(&record, &tenant_id, &mut results);
        evaluating += started.elapsed();
        match record {
            crate::graph::Record::SignIn(_) => counts.sign_ins += 1,
            crate::graph::Record::Audit(_) => counts.audits += 1,
        }
    }
    // ID Protection's detections (`service: riskdetection` rules), oldest detected first.
    for detection in &risk.detections {
        evaluator.push_risk(detection, &tenant_id, &mut results);
    }
    let started = std::time::Instant::now();
    evaluator.finish(rules, &mut results);
    evaluating += started.elapsed();
    (results, counts, evaluating)
}

/// `detect --coverage`: every rule over every scenario, then a second pass over the
/// scenarios that have rules to explain.
fn coverage(
    args: &DetectArgs,
    rules: &RuleSet,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Exit> {
    let (mut scenarios, broken) = load_all(&args.paths, err)?;
    let mut coverage = Coverage::new(rules);
    for scenario in &mut scenarios {
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        let (results, counts, _) = run(rules, scenario);
        let column = ScenarioColumn {
            name: scenario.name.clone(),
            source: scenario.source.display().to_string(),
            benign: scenario.benign,
            sign_ins: counts.sign_ins,
            audits: counts.audits,
        };
        coverage.add(column, &results);
    }
    let mut probes = coverage.probes();
    for (i, scenario) in scenarios.iter().enumerate() {
        if !probes.wants(i) {
            continue;
        }
        probes.scenario(i);
        let tenant_id = sim::tenant_id(scenario);
        let (items, risk) = sim::risk::simulate_with_risk(scenario);
        for record in items.filter_map(|item| item.record) {
            probes.push(&record, &tenant_id);
        }
        for detection in &risk.detections {
            probes.push_risk(detection, &tenant_id);
        }
    }
    let report = coverage.report(probes);
    match args.format {
        super::verify::Format::Text => {
            out.write_all(detect::coverage::render_text(&report, &args.rules[0]).as_bytes())?
        }
        super::verify::Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serializes")
        )?,
    }
    Ok(if broken {
        Exit::BadInput
    } else {
        Exit::Success
    })
}
