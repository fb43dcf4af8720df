//! Rule coverage (`entralab detect --coverage`): every rule over every scenario, as a matrix of
//! match counts, with the rules that fire nowhere (and why), the rules that fire on benign
//! noise (and on what), and the rules that cannot run on entralab's records at all.
//!
//! It takes two passes. The first counts matches per rule and scenario with the engine
//! ([`Coverage::add`]). The second ([`Probes`]) shows the records again to the rules that need
//! explaining: a dead detection rule sees every record of its log, a noisy one the records of
//! the benign scenarios it fired on.

mod domains;
mod explain;
mod probe;
mod render;
mod similar;

pub use explain::{Finding, MatchedOn, SeenValue};
pub use render::render_text;

use super::{NotApplicable, RecordEvent, RuleInfo, RuleResult, RuleSet};
use crate::export::loganalytics;
use crate::graph::Record;
use probe::RuleProbe;
use rsigma_eval::event::Event;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A scenario (a column of the matrix).
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioColumn {
    pub name: String,
    pub source: String,
    /// Marked `benign: true`: any rule that fires on it is noisy.
    pub benign: bool,
    pub sign_ins: u64,
    pub audits: u64,
}

/// The coverage report (`--format json` serializes it as it is; the order is the rules' file
/// order and the scenarios' command-line order).
#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub scenarios: Vec<ScenarioColumn>,
    pub summary: Summary,
    /// Every applicable rule with its match count per scenario (in `scenarios` order).
    pub rules: Vec<RuleRow>,
    pub dead: Vec<DeadRule>,
    /// Rules that fired, but one of their alternative selections (`1 of selection_*`) never
    /// matched; `can_never_fire` says none of those selections ever can.
    pub dead_selections: Vec<DeadRule>,
    pub noisy: Vec<NoisyRule>,
    pub not_applicable: Vec<NotApplicable>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub applicable: usize,
    pub not_applicable: usize,
    pub firing: usize,
    pub dead: usize,
    /// Dead rules that can never fire on values Entra writes.
    pub never_fire: usize,
    /// Rules that fired, with an alternative selection that never matched.
    pub dead_selections: usize,
    pub noisy: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    #[serde(flatten)]
    pub rule: RuleInfo,
    /// Referenced by a correlation that does not `generate` its rules' own alerts (Sigma's
    /// default): a building block, not an alert, so it is never counted as noisy.
    pub helper: bool,
    pub matches: Vec<u64>,
    pub total: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadRule {
    #[serde(flatten)]
    pub rule: RuleInfo,
    /// Entra never writes what it looks for (see the `never_written` findings).
    pub can_never_fire: bool,
    pub findings: Vec<Finding>,
}

/// A rule that fired on a benign scenario (one entry per rule and scenario).
#[derive(Debug, Clone, Serialize)]
pub struct NoisyRule {
    #[serde(flatten)]
    pub rule: RuleInfo,
    pub scenario: String,
    pub matches: u64,
    /// Records of the rule's log in the scenario.
    pub records: u64,
    /// `matches / records`, rounded to 4 decimals.
    pub share: f64,
    pub matched_on: Vec<MatchedOn>,
    /// The rule's own `falsepositives:`, so a reader can tell a cause the rule's author
    /// expected from one they did not (coverage does not judge the match itself).
    pub falsepositives: Vec<String>,
}

/// The first pass: match counts per rule and scenario.
pub struct Coverage<'r> {
    rules: &'r RuleSet,
    scenarios: Vec<ScenarioColumn>,
    /// `[rule][scenario]`.
    matches: Vec<Vec<u64>>,
}

impl<'r> Coverage<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        Coverage {
            rules,
            scenarios: Vec::new(),
            matches: vec![Vec::new(); rules.rules.len()],
        }
    }

    /// Adds one scenario's results (as [`RuleSet::evaluate`] or the
    /// [`super::Evaluator`] gives them, one per rule).
    pub fn add(&mut self, scenario: ScenarioColumn, results: &[RuleResult]) {
        self.scenarios.push(scenario);
        for (row, result) in self.matches.iter_mut().zip(results) {
            row.push(result.matches);
        }
    }

    fn detection_count(&self) -> usize {
        self.rules.detection_rules().len()
    }

    fn is_dead(&self, rule: usize) -> bool {
        self.matches[rule].iter().all(|&m| m == 0)
    }

    /// The second pass's probes: dead detection rules and rules whose condition offers
    /// alternative selections see every record of their log (to tell which selection never
    /// matched); rules that fired on a benign scenario see the records they matched there.
    pub fn probes(&self) -> Probes {
        let helpers = self.helpers();
        let mut probes = Vec::new();
        let everywhere = vec![true; self.scenarios.len()];
        for (i, sigma) in self.rules.detection_rules().iter().enumerate() {
            let service = &self.rules.rules[i].service;
            let whole = RuleProbe::new(sigma, service, false);
            if let Some(probe) = whole.filter(|p| self.is_dead(i) || p.positive_selections() > 1) {
                probes.push(Probed {
                    rule: i,
                    noisy: false,
                    probe,
                    scenarios: everywhere.clone(),
                });
            }
            let benign: Vec<bool> = self
                .scenarios
                .iter()
                .zip(&self.matches[i])
                .map(|(s, &m)| s.benign && m > 0 && !helpers.contains(&i))
                .collect();
            if benign.contains(&true)
                && let Some(probe) = RuleProbe::new(sigma, service, true)
            {
                probes.push(Probed {
                    rule: i,
                    noisy: true,
                    probe,
                    scenarios: benign,
                });
            }
        }
        Probes {
            probes,
            scenario: 0,
            fields: BTreeMap::new(),
            sampled: BTreeMap::new(),
        }
    }

    /// The report, with what the probes found.
    pub fn report(self, probes: Probes) -> CoverageReport {
        let rules = self.rules;
        let no_fields = BTreeSet::new();
        // (rule, whether it is the noisy probe) → probe.
        let by_rule: BTreeMap<(usize, bool), &RuleProbe> = probes
            .probes
            .iter()
            .map(|p| ((p.rule, p.noisy), &p.probe))
            .collect();
        let fields_of = |probe: &RuleProbe| probes.fields.get(&probe.service).unwrap_or(&no_fields);
        let helpers = self.helpers();
        let rows: Vec<RuleRow> = rules
            .rules
            .iter()
            .zip(&self.matches)
            .enumerate()
            .map(|(i, (rule, matches))| RuleRow {
                rule: rule.clone(),
                helper: helpers.contains(&i),
                matches: matches.clone(),
                total: matches.iter().sum(),
            })
            .collect();
        let mut dead = Vec::new();
        let mut dead_selections = Vec::new();
        let mut noisy = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if row.total == 0 {
                let (findings, can_never_fire) = match by_rule.get(&(i, false)) {
                    Some(probe) => explain::dead_findings(probe, fields_of(probe)),
                    None if let Some(rule) = rules.sentinel_rule(i) => {
                        (vec![sentinel_finding(rule)], false)
                    }
                    None if i >= self.detection_count() => {
                        (self.correlation_findings(i, &rows), false)
                    }
                    None => (Vec::new(), false),
                };
                dead.push(DeadRule {
                    rule: row.rule.clone(),
                    can_never_fire,
                    findings,
                });
                continue;
            }
            if let Some(probe) = by_rule.get(&(i, false)) {
                let (findings, can_never_fire) =
                    explain::dead_selection_findings(probe, fields_of(probe));
                if !findings.is_empty() {
                    dead_selections.push(DeadRule {
                        rule: row.rule.clone(),
                        can_never_fire,
                        findings,
                    });
                }
            }
            for (s, scenario) in self.scenarios.iter().enumerate() {
                let matches = row.matches[s];
                if row.helper || !scenario.benign || matches == 0 {
                    continue;
                }
                let records = match row.rule.service.as_str() {
                    "signinlogs" => scenario.sign_ins,
                    "auditlogs" => scenario.audits,
                    _ => scenario.sign_ins + scenario.audits,
                };
                noisy.push(NoisyRule {
                    rule: row.rule.clone(),
                    scenario: scenario.name.clone(),
                    matches,
                    records,
                    share: (matches as f64 / records.max(1) as f64 * 10_000.0).round() / 10_000.0,
                    matched_on: by_rule
                        .get(&(i, true))
                        .map(|p| explain::matched_on(p))
                        .unwrap_or_default(),
                    falsepositives: row.rule.falsepositives.clone(),
                });
            }
        }
        let summary = Summary {
            applicable: rows.len(),
            not_applicable: rules.not_applicable.len(),
            firing: rows.iter().filter(|r| r.total > 0).count(),
            dead: dead.len(),
            never_fire: dead.iter().filter(|d| d.can_never_fire).count(),
            dead_selections: dead_selections.len(),
            noisy: noisy
                .iter()
                .map(|n| (&n.rule.file, &n.rule.title))
                .collect::<BTreeSet<_>>()
                .len(),
        };
        CoverageReport {
            scenarios: self.scenarios,
            summary,
            rules: rows,
            dead,
            dead_selections,
            noisy,
            not_applicable: rules.not_applicable.clone(),
        }
    }

    /// Why a correlation never fired: what its referenced rules matched.
    fn correlation_findings(&self, rule: usize, rows: &[RuleRow]) -> Vec<Finding> {
        let Some(corr) = self
            .rules
            .correlation_rules()
            .get(rule - self.detection_count())
        else {
            return Vec::new();
        };
        let referenced: Vec<String> = corr
            .rules
            .iter()
            .map(|name| match self.row_named(name).map(|i| &rows[i]) {
                Some(r) if r.total == 0 => format!("`{}` never matched", r.rule.title),
                Some(r) => format!(
                    "`{}` matched {} time(s) in {} scenario(s)",
                    r.rule.title,
                    r.total,
                    r.matches.iter().filter(|&&m| m > 0).count()
                ),
                None => format!("`{name}` is not loaded"),
            })
            .collect();
        let group = if corr.group_by.is_empty() {
            String::new()
        } else {
            format!(" grouped by {}", corr.group_by.join(", "))
        };
        vec![Finding {
            selection: None,
            field: None,
            verdict: "correlation",
            text: format!(
                "{}; its {} condition{group} within {} never held",
                referenced.join("; "),
                corr.correlation_type.as_str(),
                corr.timespan.original
            ),
            closest: None,
            known_values: Vec::new(),
        }]
    }

    /// The rules that correlations without `generate: true` reference.
    fn helpers(&self) -> BTreeSet<usize> {
        let correlations = self.rules.correlation_rules().iter();
        correlations
            .filter(|c| !c.generate)
            .flat_map(|c| c.rules.iter().filter_map(|name| self.row_named(name)))
            .collect()
    }

    /// The rule a correlation references as `name` (its id or its `name:`).
    fn row_named(&self, name: &str) -> Option<usize> {
        let detections = self
            .rules
            .detection_rules()
            .iter()
            .map(|r| (&r.id, &r.name));
        let correlations = self
            .rules
            .correlation_rules()
            .iter()
            .map(|r| (&r.id, &r.name));
        detections
            .chain(correlations)
            .position(|(id, n)| id.as_deref() == Some(name) || n.as_deref() == Some(name))
    }
}

/// Why a Sentinel rule never fired: how it ran.
fn sentinel_finding(rule: &super::sentinel::SentinelRule) -> Finding {
    Finding {
        selection: None,
        field: None,
        verdict: "sentinel",
        text: format!(
            "no run's row count met its trigger (it runs {})",
            rule.schedule_text()
        ),
        closest: None,
        known_values: Vec::new(),
    }
}

struct Probed {
    rule: usize,
    /// Looks only at the records the rule matched on benign scenarios.
    noisy: bool,
    probe: RuleProbe,
    /// Per scenario: whether this probe looks at its records.
    scenarios: Vec<bool>,
}

/// The second pass: feed each scenario's records again, after [`Probes::scenario`].
pub struct Probes {
    probes: Vec<Probed>,
    scenario: usize,
    /// Field names records have, per service (for "did you mean").
    fields: BTreeMap<String, BTreeSet<String>>,
    /// Records whose field names were taken, per service.
    sampled: BTreeMap<&'static str, usize>,
}

/// Records per log whose field names make the "did you mean" list.
const FIELD_SAMPLE: usize = 200;

impl Probes {
    /// Whether there is nothing to explain (no second pass needed).
    pub fn is_empty(&self) -> bool {
        self.probes.is_empty()
    }

    /// Whether the scenario at `index` (in [`Coverage::add`] order) needs a second pass.
    pub fn wants(&self, index: usize) -> bool {
        self.probes.iter().any(|p| p.scenarios[index])
    }

    /// The records that follow belong to the scenario at `index`.
    pub fn scenario(&mut self, index: usize) {
        self.scenario = index;
    }

    pub fn push(&mut self, record: &Record, tenant_id: &str) {
        let event = RecordEvent::new(record, tenant_id);
        let (service, columns) = match record {
            Record::SignIn(_) => ("signinlogs", loganalytics::SIGN_IN_COLUMNS),
            Record::Audit(_) => ("auditlogs", loganalytics::AUDIT_COLUMNS),
        };
        self.push_event(&event, service, columns);
    }

    /// An ID Protection detection, for the `service: riskdetection` rules.
    pub fn push_risk(&mut self, detection: &crate::graph::RiskDetection, tenant_id: &str) {
        let event = RecordEvent::risk_detection(detection, tenant_id);
        let columns = crate::export::risk::USER_RISK_EVENT_COLUMNS;
        self.push_event(&event, "riskdetection", columns);
    }

    fn push_event(&mut self, event: &RecordEvent, service: &'static str, columns: &[&str]) {
        // Optional fields (a registered device's `isCompliant`) are in some records only:
        // the names of the first few records of each log make the "did you mean" list.
        let sampled = self.sampled.entry(service).or_default();
        if *sampled < FIELD_SAMPLE {
            *sampled += 1;
            self.fields
                .entry(service.to_string())
                .or_default()
                .extend(field_names(event, columns));
        }
        for probed in &mut self.probes {
            if probed.scenarios[self.scenario] {
                probed.probe.push(event, service);
            }
        }
    }
}

/// The field names a record answers to, for "did you mean": the Log Analytics columns and the
/// Graph properties, with the paths inside objects (`deviceDetail.trustType`, and the same
/// under the column's name, `DeviceDetail.trustType`).
fn field_names(event: &RecordEvent, columns: &[&str]) -> BTreeSet<String> {
    fn walk(value: &serde_json::Value, path: &str, depth: usize, out: &mut BTreeSet<String>) {
        let Some(map) = value.as_object() else { return };
        for (key, inner) in map {
            let name = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if depth < 3 {
                walk(inner, &name, depth + 1, out);
            }
            out.insert(name);
        }
    }
    let mut graph = BTreeSet::new();
    walk(&event.to_json(), "", 1, &mut graph);
    let mut names: BTreeSet<String> = columns.iter().map(|c| c.to_string()).collect();
    for path in &graph {
        if let Some((first, rest)) = path.split_once('.')
            && let Some(column) = columns.iter().find(|c| c.eq_ignore_ascii_case(first))
        {
            names.insert(format!("{column}.{rest}"));
        }
    }
    names.extend(graph);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
title: Fires on attacks
id: attacks
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: 50053 }, condition: selection }
---
title: Fires on noise
id: noise
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: 0 }, condition: selection }
---
title: Helper
id: helper
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: 50126 }, condition: selection }
---
title: Many helpers
id: many
correlation: { type: event_count, rules: [helper], group-by: [IPAddress], timespan: 1h, condition: { gte: 10 } }
---
title: Never fires
id: never
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: 1 }, condition: selection }
---
title: Risk
logsource: { product: azure, service: activitylogs }
detection: { selection: { riskEventType: unlikelyTravel }, condition: selection }
"#;

    fn column(name: &str, benign: bool) -> ScenarioColumn {
        ScenarioColumn {
            name: name.into(),
            source: format!("{name}.yaml"),
            benign,
            sign_ins: 200,
            audits: 0,
        }
    }

    fn results(rules: &RuleSet, matches: &[u64]) -> Vec<RuleResult> {
        let mut results = super::super::empty_results(rules);
        for (result, &m) in results.iter_mut().zip(matches) {
            result.matches = m;
            result.fired = m > 0;
        }
        results
    }

    #[test]
    fn rules_are_classified_as_firing_dead_noisy_or_not_applicable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
        std::fs::write(dir.path().join("broken.yml"), "title: [unclosed\n").unwrap();
        let rules = RuleSet::load(dir.path()).unwrap();
        let titles: Vec<&str> = rules.rules.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Fires on attacks",
                "Fires on noise",
                "Helper",
                "Never fires",
                "Many helpers"
            ]
        );
        let mut coverage = Coverage::new(&rules);
        coverage.add(column("attack", false), &results(&rules, &[5, 0, 12, 0, 2]));
        coverage.add(column("noise", true), &results(&rules, &[0, 50, 30, 0, 0]));
        let probes = coverage.probes();
        let report = coverage.report(probes);

        assert_eq!(report.rules[0].matches, [5, 0]);
        assert!(report.rules[2].helper && !report.rules[1].helper);
        let dead: Vec<&str> = report.dead.iter().map(|d| d.rule.title.as_str()).collect();
        assert_eq!(dead, ["Never fires"]);
        // The helper fired on noise too, but it is a correlation's building block.
        assert_eq!(report.noisy.len(), 1);
        let noisy = &report.noisy[0];
        assert_eq!(
            (noisy.rule.title.as_str(), noisy.scenario.as_str()),
            ("Fires on noise", "noise")
        );
        assert_eq!((noisy.matches, noisy.records, noisy.share), (50, 200, 0.25));
        let kinds: Vec<&str> = report.not_applicable.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, ["parse", "logsource"]);
        assert_eq!(
            report.not_applicable[1].reason,
            "`service: activitylogs` is not produced yet"
        );
        let s = &report.summary;
        assert_eq!(
            (s.applicable, s.firing, s.dead, s.noisy, s.not_applicable),
            (5, 4, 1, 1, 2)
        );
    }

    #[test]
    fn a_dead_correlation_says_what_its_rules_matched() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
        let rules = RuleSet::load(dir.path()).unwrap();
        let mut coverage = Coverage::new(&rules);
        coverage.add(column("attack", false), &results(&rules, &[1, 1, 3, 1, 0]));
        let report = coverage.report(Probes {
            probes: Vec::new(),
            scenario: 0,
            fields: BTreeMap::new(),
            sampled: BTreeMap::new(),
        });
        let dead = &report.dead[0];
        assert_eq!(dead.rule.title, "Many helpers");
        assert_eq!(
            dead.findings[0].text,
            "`Helper` matched 3 time(s) in 1 scenario(s); its event_count condition grouped by IPAddress within 1h never held"
        );
    }
}
