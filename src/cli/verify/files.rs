//! `verify --against FILE...`: the scenarios' expectations (and `detections:`) checked as the
//! files' records are read, oldest first, without holding them ([`log_stream`]).

use super::super::log_stream::{self, FileOrder};
use super::super::risk_sources;
use super::super::sources;
use super::{Verdict, VerifyArgs, verdict_of};
use crate::detect::{self, Evaluator, RuleResult, RuleSet};
use crate::graph::Record;
use crate::scenario::{RecordKind, Scenario};
use crate::verify::{Context, RecordView, RiskRecord, ScenarioReport, Verifier};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One scenario being checked as the records pass.
struct Check<'s> {
    scenario: &'s Scenario,
    context: Context<'s>,
    verifier: Verifier<'s>,
    /// The `detections:` rules' results so far, when `--rules` was given and it has some.
    detections: Option<(Vec<RuleResult>, Evaluator, String)>,
}

/// Every scenario's checks over one pass of the records.
struct Pass<'s> {
    checks: Vec<Check<'s>>,
    /// The ID Protection records, oldest first, and how many have been fed.
    risk: &'s [&'s RiskRecord],
    risk_fed: usize,
    /// Records inside --since/--until.
    records: u64,
}

impl Pass<'_> {
    fn push(&mut self, record: &Record) {
        // At one instant the logs come before ID Protection's records (as they always did).
        self.feed_risk_before(Some(record.time()));
        self.records += 1;
        let view = RecordView::new(record);
        for check in &mut self.checks {
            check.verifier.push(&view, &check.context);
            if let Some((results, evaluator, tenant)) = &mut check.detections {
                evaluator.push(record, tenant, results);
            }
        }
    }

    /// Feeds the ID Protection records older than `time` (all of them: `None`).
    fn feed_risk_before(&mut self, time: Option<crate::graph::Timestamp>) {
        while let Some(risk) = self.risk.get(self.risk_fed) {
            if time.is_some_and(|t| risk.time >= t) {
                break;
            }
            let view = RecordView::risk(risk);
            for check in &mut self.checks {
                check.verifier.push(&view, &check.context);
            }
            self.risk_fed += 1;
        }
    }
}

pub(super) fn verify_files(
    args: &VerifyArgs,
    scenarios: &[Scenario],
    users: &BTreeMap<String, String>,
    rules: Option<&RuleSet>,
    note: &mut dyn FnMut(String),
    files: &[&str],
) -> Vec<Verdict> {
    let mut risk = Vec::new();
    let mut logs: Vec<PathBuf> = Vec::new();
    for file in files {
        let path = Path::new(file);
        if risk_sources::is_risk_file(path) {
            match risk_sources::read_risk_file(path) {
                Ok(mut read) => risk.append(&mut read),
                Err(e) => return vec![verdict_of(e)],
            }
        } else {
            logs.push(path.to_path_buf());
        }
    }
    let reads_risk = scenarios.iter().any(|s| {
        risk_sources::reads(s, RecordKind::RiskDetections)
            || risk_sources::reads(s, RecordKind::RiskyUsers)
    });
    if reads_risk {
        match risk_sources::read_risk_in_logs(&logs, args.skip_bad_records) {
            Ok(mut read) => risk.append(&mut read),
            Err(e) => return vec![verdict_of(e)],
        }
    }
    let mut risk_in_order: Vec<&RiskRecord> = risk.iter().collect();
    risk_in_order.sort_by_key(|r| r.time);
    // Scenarios that lack the ID Protection files they need are not checked.
    let missing: Vec<Option<String>> = scenarios
        .iter()
        .map(|s| risk_sources::missing_risk_files(s, &risk))
        .collect();
    let start = || Pass {
        checks: scenarios
            .iter()
            .zip(&missing)
            .filter(|(_, missing)| missing.is_none())
            .map(|(scenario, _)| Check {
                scenario,
                context: Context {
                    start: args.since.unwrap_or(scenario.start),
                    users,
                },
                verifier: Verifier::new(&scenario.expectations),
                detections: rules
                    .filter(|_| !scenario.detections.is_empty())
                    .map(|rules| {
                        (
                            detect::empty_results(rules),
                            Evaluator::new(rules),
                            crate::sim::tenant_id(scenario),
                        )
                    }),
            })
            .collect(),
        risk: &risk_in_order,
        risk_fed: 0,
        records: 0,
    };
    let options = log_stream::Options::new(args.skip_bad_records, FileOrder::OldestFirstThenByTime);
    // verify checks Graph records, which carry no tenant: the label is not needed.
    let read = log_stream::read_in_time_order(&logs, options, note, start, |pass, read| {
        let record = read.record;
        let time = record.time();
        if args.since.is_none_or(|s| time >= s) && args.until.is_none_or(|u| time < u) {
            pass.push(&record);
        }
    });
    let (mut pass, totals) = match read {
        Ok(read) => read,
        Err(e) if e.kind == crate::logfiles::ErrorKind::Unreachable => {
            return vec![Verdict::Unreachable(e.to_string())];
        }
        Err(e) => return vec![Verdict::BadInput(e.to_string())],
    };
    pass.feed_risk_before(None);
    let mut description = format!("{} ({} records", files.join(", "), pass.records);
    if args.skip_bad_records {
        description.push_str(&format!("; {}", sources::skipped_text(totals.bad_records)));
    }
    description.push(')');
    let mut checks = pass.checks.into_iter();
    missing
        .into_iter()
        .map(|missing| {
            if let Some(why) = missing {
                return Verdict::BadInput(why);
            }
            let check = checks.next().expect("a check per scenario with its files");
            let mut outcomes = check.verifier.finish();
            if let Some((mut results, evaluator, _)) = check.detections {
                let rules = rules.expect("detections only with rules");
                evaluator.finish(rules, &mut results);
                outcomes.extend(detect::outcomes(
                    &check.scenario.detections,
                    &results,
                    &rules.not_applicable,
                ));
            }
            Verdict::Report(ScenarioReport::new(
                check.scenario.name.clone(),
                description.clone(),
                outcomes,
            ))
        })
        .collect()
}
