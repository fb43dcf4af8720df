//! Sigma rules on simulated records, with the embedded rsigma engine
//! (`rsigma-parser`/`rsigma-eval` 0.23.0).
//!
//! [`RuleSet::load`] reads a folder of rules (recursively, `*.yml`/`*.yaml`) and keeps those for
//! `logsource: product: azure` with `service: signinlogs` (run on sign-ins), `auditlogs`
//! (run on directory audits) or `riskdetection` (run on ID Protection's detections), plus the correlation rules (`event_count`, `value_count`,
//! `temporal`, ...) whose referenced rules are kept. [`RuleSet::evaluate`] runs them over
//! records oldest first, each record as a [`RecordEvent`] that answers to the Log Analytics,
//! Event Hub and Graph names of its fields, so that upstream SigmaHQ rules work unchanged
//! whichever naming they use.
//!
//! Sentinel analytic rules (KQL) found in the same folder are loaded beside them
//! ([`sentinel`]) and reported the same way, after the Sigma rules.

mod applicable;
mod ascii_match;
mod by_service;
pub mod coverage;
mod event;
mod fields;
mod risk_event;
pub mod sentinel;
mod threaded;

pub use applicable::NotApplicable;
pub use event::RecordEvent;
pub use threaded::ThreadedEvaluator;

use applicable::service_of;
use by_service::{DetectionRules, Service};
use sentinel::{SentinelRule, SentinelRunner};

use crate::graph::Record;
use crate::kql::EmptyTable;
use rsigma_eval::{CorrelationConfig, CorrelationEngine, TimestampFallback};
use rsigma_parser::SigmaCollection;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many matching record ids a rule's result keeps.
pub const MAX_RECORD_IDS: usize = 20;
/// How many of them the text report shows.
const TEXT_RECORD_IDS: usize = 5;

/// A loaded rule, as reports name it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: Option<String>,
    pub title: String,
    /// `detection`, or the correlation type (`event_count`, `temporal`, ...).
    pub kind: String,
    /// `signinlogs`, `auditlogs` or `riskdetection` (for a correlation: of the rules it references).
    pub service: String,
    pub file: PathBuf,
    /// The rule's own `falsepositives:` (shown where it is noisy, not in every report).
    #[serde(skip)]
    pub falsepositives: Vec<String>,
}

impl RuleInfo {
    /// Whether `name` names this rule: its id, or its title (any case).
    pub fn is_named(&self, name: &str) -> bool {
        names(self.id.as_deref(), Some(&self.title), name)
    }
}

/// Whether `name` names a rule with this id and title: its id, or its title (any case).
fn names(id: Option<&str>, title: Option<&str>, name: &str) -> bool {
    id == Some(name) || title.is_some_and(|t| t.eq_ignore_ascii_case(name))
}

/// The rules of a folder that apply to Entra ID sign-in and audit logs.
pub struct RuleSet {
    collection: SigmaCollection,
    /// What every [`Evaluator`]'s correlation engine is given ([`correlated_only`]), made
    /// once here rather than for each evaluator (one a scenario).
    correlated: SigmaCollection,
    pub rules: Vec<RuleInfo>,
    /// The Sentinel rules: the last entries of `rules`, in the same order.
    sentinel: Vec<SentinelRule>,
    /// Files or rules left out, and why (parse errors, other log sources, correlations on
    /// them), in file order.
    pub not_applicable: Vec<NotApplicable>,
}

/// What one rule did over a set of records.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    #[serde(flatten)]
    pub rule: RuleInfo,
    pub fired: bool,
    /// Records matched (a detection) or firings (a correlation: once per record that
    /// satisfies its condition).
    pub matches: u64,
    /// The first [`MAX_RECORD_IDS`] matching (or, for a correlation, triggering) record ids.
    pub record_ids: Vec<String>,
    /// Why a Sentinel rule stopped running (a run's query failed on the data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub(crate) fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rule_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

impl RuleSet {
    /// Reads every `*.yml`/`*.yaml` under `dir` (or the one file `dir` names).
    pub fn load(dir: &Path) -> Result<RuleSet, String> {
        RuleSet::load_all(&[dir.to_path_buf()])
    }

    /// Reads every `*.yml`/`*.yaml` under each of `dirs` (or the files they name), as one set.
    pub fn load_all(dirs: &[PathBuf]) -> Result<RuleSet, String> {
        RuleSet::load_all_with(dirs, &[])
    }

    /// [`RuleSet::load_all`], with tables the user declared present but empty, which
    /// Sentinel rules may read (`--empty-table`).
    pub fn load_all_with(dirs: &[PathBuf], declared: &[EmptyTable]) -> Result<RuleSet, String> {
        let mut files = Vec::new();
        for dir in dirs {
            if dir.is_file() {
                files.push(dir.to_path_buf());
            } else {
                rule_files(dir, &mut files)
                    .map_err(|e| format!("cannot read rules in {}: {e}", dir.display()))?;
            }
        }
        let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        let mut not_applicable = Vec::new();
        let mut collection = SigmaCollection::new();
        let mut rules = Vec::new();
        let mut correlations = Vec::new();
        let mut sentinel_rules = Vec::new();
        for file in files {
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) => {
                    not_applicable.push(NotApplicable::unparsed(&file, e));
                    continue;
                }
            };
            if sentinel::is_sentinel(&text) {
                match sentinel::load(&file, &text, declared) {
                    Ok(rule) => sentinel_rules.push(rule),
                    Err(why) => not_applicable.push(why),
                }
                continue;
            }
            let parsed = match rsigma_parser::parse_sigma_yaml(&text) {
                Ok(parsed) => parsed,
                Err(e) => {
                    not_applicable.push(NotApplicable::unparsed(&file, e));
                    continue;
                }
            };
            for e in &parsed.errors {
                not_applicable.push(NotApplicable::unparsed(&file, e));
            }
            for rule in parsed.rules {
                let service = match service_of(&rule.logsource) {
                    Ok(service) => service,
                    Err(reason) => {
                        not_applicable.push(NotApplicable::rule(&file, &rule, "logsource", reason));
                        continue;
                    }
                };
                // One rule the engine cannot compile must not take the others down with it.
                if let Err(e) = rsigma_eval::compile_rule(&rule) {
                    let reason = format!("does not compile: {e}");
                    not_applicable.push(NotApplicable::rule(&file, &rule, "compile", reason));
                    continue;
                }
                rules.push(RuleInfo {
                    id: rule.id.clone(),
                    title: rule.title.clone(),
                    kind: "detection".into(),
                    service: service.into(),
                    file: file.clone(),
                    falsepositives: rule.falsepositives.clone(),
                });
                collection.rules.push(rule);
            }
            correlations.extend(
                parsed
                    .correlations
                    .into_iter()
                    .map(|c| (all_rules_for_temporal(c), file.clone())),
            );
        }
        // Keep correlations whose references are all kept (they may reference each other).
        let mut known: BTreeMap<String, String> = BTreeMap::new();
        for (rule, info) in collection.rules.iter().zip(&rules) {
            for key in [&rule.id, &rule.name].into_iter().flatten() {
                known.insert(key.clone(), info.service.clone());
            }
        }
        let mut pending = correlations;
        loop {
            let before = pending.len();
            let mut still = Vec::new();
            for (corr, file) in pending {
                let services: Option<BTreeSet<String>> =
                    corr.rules.iter().map(|r| known.get(r).cloned()).collect();
                match services {
                    Some(services) => {
                        let service = services.into_iter().collect::<Vec<_>>().join("+");
                        for key in [&corr.id, &corr.name].into_iter().flatten() {
                            known.insert(key.clone(), service.clone());
                        }
                        rules.push(RuleInfo {
                            id: corr.id.clone(),
                            title: corr.title.clone(),
                            kind: correlation_kind(&corr),
                            service,
                            file,
                            falsepositives: corr.falsepositives.clone(),
                        });
                        collection.correlations.push(corr);
                    }
                    None => still.push((corr, file)),
                }
            }
            pending = still;
            if pending.len() == before || pending.is_empty() {
                break;
            }
        }
        for (corr, file) in pending {
            let missing: Vec<&str> = corr
                .rules
                .iter()
                .filter(|r| !known.contains_key(*r))
                .map(String::as_str)
                .collect();
            not_applicable.push(NotApplicable {
                file,
                title: Some(corr.title.clone()),
                id: corr.id.clone(),
                kind: "correlation",
                reason: format!(
                    "references rules that are not applicable or not loaded: {}",
                    missing.join(", ")
                ),
            });
        }
        rules.extend(sentinel_rules.iter().map(|r| r.info.clone()));
        not_applicable.sort_by(|a, b| a.file.cmp(&b.file));
        // Check now that the engine takes them, so evaluation cannot fail later.
        let mut engine = CorrelationEngine::new(CorrelationConfig::default());
        engine
            .add_collection(&collection)
            .map_err(|e| format!("rules in {}: {e}", shown.join(", ")))?;
        Ok(RuleSet {
            correlated: correlated_only(&collection),
            collection,
            rules,
            sentinel: sentinel_rules,
            not_applicable,
        })
    }

    /// The detection rules, in the order of the first entries of [`RuleSet::rules`].
    pub(crate) fn detection_rules(&self) -> &[rsigma_parser::SigmaRule] {
        &self.collection.rules
    }

    /// The correlation rules, in the order of the entries of [`RuleSet::rules`] that follow
    /// the detection rules.
    pub(crate) fn correlation_rules(&self) -> &[rsigma_parser::CorrelationRule] {
        &self.collection.correlations
    }

    /// The Sentinel rule at `index` of [`RuleSet::rules`], if it is one.
    pub fn sentinel_rule(&self, index: usize) -> Option<&SentinelRule> {
        let first = self.rules.len() - self.sentinel.len();
        index.checked_sub(first).and_then(|i| self.sentinel.get(i))
    }

    /// Runs every rule over `records` (any order: they are evaluated oldest first, records of
    /// the same instant in the order given). `tenant_id` fills the export envelopes.
    pub fn evaluate<'a>(
        &self,
        records: impl IntoIterator<Item = &'a Record>,
        tenant_id: &str,
    ) -> Vec<RuleResult> {
        self.evaluate_with_risk(records, &[], tenant_id)
    }

    /// [`RuleSet::evaluate`], then ID Protection's detections (oldest detected first) for the
    /// `service: riskdetection` rules.
    pub fn evaluate_with_risk<'a>(
        &self,
        records: impl IntoIterator<Item = &'a Record>,
        risk: &[crate::graph::RiskDetection],
        tenant_id: &str,
    ) -> Vec<RuleResult> {
        let mut results = empty_results(self);
        let mut evaluator = Evaluator::new(self);
        let mut records: Vec<&Record> = records.into_iter().collect();
        records.sort_by_key(|r| r.time());
        for record in records {
            evaluator.push(record, tenant_id, &mut results);
        }
        let mut risk: Vec<&crate::graph::RiskDetection> = risk.iter().collect();
        risk.sort_by_key(|d| d.detected_date_time);
        for detection in risk {
            evaluator.push_risk(detection, tenant_id, &mut results);
        }
        evaluator.finish(self, &mut results);
        results
    }
}

/// One result per rule of `rules`, nothing counted yet (for [`Evaluator::push`]).
pub fn empty_results(rules: &RuleSet) -> Vec<RuleResult> {
    rules
        .rules
        .iter()
        .map(|rule| RuleResult {
            rule: rule.clone(),
            fired: false,
            matches: 0,
            record_ids: Vec::new(),
            error: None,
        })
        .collect()
}

/// A `temporal` correlation without a condition means "every referenced rule in the window"
/// (Sigma's specification), but rsigma-parser 0.23 reads it as `gte: 1` (any one of them), so
/// a bare temporal rule would fire on its most common referenced rule alone. Restore the
/// specified meaning; an explicit condition is left alone unless it is that same `gte: 1`.
fn all_rules_for_temporal(
    mut corr: rsigma_parser::CorrelationRule,
) -> rsigma_parser::CorrelationRule {
    use rsigma_parser::{ConditionOperator, CorrelationCondition, CorrelationType};
    if matches!(
        corr.correlation_type,
        CorrelationType::Temporal | CorrelationType::TemporalOrdered
    ) && corr.rules.len() > 1
        && let CorrelationCondition::Threshold {
            predicates, field, ..
        } = &mut corr.condition
        && field.is_none()
        && predicates.as_slice() == [(ConditionOperator::Gte, 1)]
    {
        predicates[0].1 = corr.rules.len() as _;
    }
    corr
}

fn correlation_kind(corr: &rsigma_parser::CorrelationRule) -> String {
    corr.correlation_type.as_str().to_string()
}

/// The streaming form of [`RuleSet::evaluate`]: feed records oldest first.
///
/// The detection rules are matched here, against the rules of the record's service only
/// ([`by_service`]); rsigma's correlation engine keeps the correlations' state, fed the
/// matches of the rules they reference.
pub struct Evaluator {
    /// Shared with a [`Matcher`], which may match records on another thread.
    detections: Arc<DetectionRules>,
    /// The positions of the rules one record matched (kept to be reused).
    matched: Vec<usize>,
    engine: CorrelationEngine,
    /// Whether there are correlation rules (else the engine is never fed).
    correlates: bool,
    /// Where a correlation's firing is counted: the rule's index in the results, by id (a
    /// rule with one), else by title; looked up by `&str`, without building a key per firing.
    by_id: BTreeMap<String, usize>,
    by_title: BTreeMap<String, usize>,
    /// The rows the Sentinel rules will run over, when there are any.
    sentinel: Option<SentinelRunner>,
    /// Records pushed since correlation state was last trimmed to its windows; `None` when
    /// it is never trimmed here (see [`Evaluator::push`]).
    since_eviction: Option<usize>,
}

/// Records between two trims of the correlation state to the rules' windows.
const EVICT_EVERY: usize = 8192;

impl Evaluator {
    pub fn new(rules: &RuleSet) -> Self {
        let config = CorrelationConfig {
            timestamp_fallback: TimestampFallback::Skip,
            ..CorrelationConfig::default()
        };
        let mut engine = CorrelationEngine::new(config);
        engine
            .add_collection(&rules.correlated)
            .expect("checked by RuleSet::load");
        let mut by_id = BTreeMap::new();
        let mut by_title = BTreeMap::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            match &rule.id {
                Some(id) => by_id.insert(id.clone(), i),
                None => by_title.insert(rule.title.clone(), i),
            };
        }
        let services: Vec<&str> = rules.rules.iter().map(|r| r.service.as_str()).collect();
        // A detection's matches are counted where the engine's results were: under its id
        // (the last rule loaded with that id), else its title.
        let detections = DetectionRules::new(
            &rules.collection.rules,
            &services[..rules.collection.rules.len()],
            &rules.collection.correlations,
            |rule| match &rule.id {
                Some(id) => by_id.get(id).copied(),
                None => by_title.get(&rule.title).copied(),
            },
        );
        // A correlation over both log records and ID Protection's detections sees the
        // detections after every record, earlier in time than the last record: trimming its
        // state to the last record's window would forget what those detections may count.
        let mixes_risk = rules.rules.iter().any(|r| {
            r.kind != "detection" && r.service.contains("riskdetection") && r.service.contains('+')
        });
        Evaluator {
            detections: Arc::new(detections),
            matched: Vec::new(),
            engine,
            correlates: !rules.collection.correlations.is_empty(),
            by_id,
            by_title,
            sentinel: SentinelRunner::new(&rules.sentinel),
            since_eviction: (!mixes_risk).then_some(0),
        }
    }

    /// Evaluates one record (records must come oldest first), counting into `results`
    /// (as [`RuleSet::evaluate`] makes them).
    pub fn push(&mut self, record: &Record, tenant_id: &str, results: &mut [RuleResult]) {
        // One event for matching and correlating: layers one builds serve the other.
        let event = RecordEvent::new(record, tenant_id);
        let matched = self.take_matched(&event, service_of_record(record));
        self.apply_to_record(record, tenant_id, &event, &matched, results);
        self.matched = matched;
    }

    /// The positions of the rules of `service` that `event` matches, in the evaluator's
    /// reused list (to be put back in `self.matched`).
    fn take_matched(&mut self, event: &RecordEvent, service: Service) -> Vec<usize> {
        let mut matched = std::mem::take(&mut self.matched);
        matched.clear();
        matched.extend(self.detections.matching(event, service));
        matched
    }

    /// What matches the rules of this evaluator, on any thread.
    pub fn matcher(&self) -> Matcher {
        Matcher(Arc::clone(&self.detections))
    }

    /// [`Evaluator::push`] of a record whose matches a [`Matcher`] of this evaluator found.
    pub fn push_matched(
        &mut self,
        record: &Record,
        tenant_id: &str,
        matched: &[usize],
        results: &mut [RuleResult],
    ) {
        let event = RecordEvent::new(record, tenant_id);
        self.apply_to_record(record, tenant_id, &event, matched, results);
    }

    /// Counts and correlates `record`'s matches, runs the Sentinel rules over it and now and
    /// then trims the correlation state.
    fn apply_to_record(
        &mut self,
        record: &Record,
        tenant_id: &str,
        event: &RecordEvent,
        matched: &[usize],
        results: &mut [RuleResult],
    ) {
        if let Some(runner) = &mut self.sentinel {
            runner.push(record, tenant_id);
        }
        let at = record.time().unix_seconds();
        let service = service_of_record(record);
        self.apply(event, service, matched, at, record.id(), results);
        // The engine trims a group's window when that group sees its next event, and all of
        // them only once its state reaches 100,000 groups; trimming them all now and then
        // keeps the state to what the windows hold. Records come oldest first, so what
        // falls out of a window now could not count for any later record: the matches are
        // the same either way (short of the engine's 100,000-group cap, where trimming
        // early leaves it fewer live groups to drop).
        if let Some(count) = &mut self.since_eviction {
            *count += 1;
            if *count >= EVICT_EVERY {
                *count = 0;
                self.engine.evict_expired(at);
            }
        }
    }

    /// Evaluates one ID Protection detection (`service: riskdetection` rules), at its
    /// `detectedDateTime`.
    pub fn push_risk(
        &mut self,
        detection: &crate::graph::RiskDetection,
        tenant_id: &str,
        results: &mut [RuleResult],
    ) {
        if let Some(runner) = &mut self.sentinel {
            runner.push_risk(detection, tenant_id);
        }
        let event = RecordEvent::risk_detection(detection, tenant_id);
        let at = detection.detected_date_time.unix_seconds();
        let matched = self.take_matched(&event, Service::Risk);
        self.apply(&event, Service::Risk, &matched, at, &detection.id, results);
        self.matched = matched;
    }

    /// What rsigma's `CorrelationEngine::process_event_at` would report, counted: the
    /// detection rules `event` matched (positions in the rules of `service`), then the
    /// correlations fed their matches.
    fn apply(
        &mut self,
        event: &RecordEvent,
        service: Service,
        matched: &[usize],
        at: i64,
        id: &str,
        results: &mut [RuleResult],
    ) {
        let rules = self.detections.of(service);
        let mut feed = Vec::new();
        for rule in matched.iter().filter_map(|&at| rules.get(at)) {
            count(&mut results[rule.result], id);
            feed.extend(self.detections.for_correlations(rule));
        }
        if !self.correlates {
            return;
        }
        // Called for every record, matched or not, as `process_event_at` is: the engine
        // trims its state when that reaches its cap, on whichever record comes then.
        let fired = self.engine.process_with_detections(event, feed, at);
        for hit in fired.iter().filter(|hit| hit.is_correlation()) {
            let index = match hit.header.rule_id.as_deref() {
                Some(id) => self.by_id.get(id),
                None => self.by_title.get(hit.header.rule_title.as_str()),
            };
            if let Some(&i) = index {
                count(&mut results[i], id);
            }
        }
    }
}

/// The rules an [`Evaluator`]'s correlation engine is given: the correlations, and only the
/// detection rules they reference (by id or name), with every rule that shares such a rule's
/// id, in their order, so that the engine names a detection's rule as before (after the first
/// rule with its id). The engine only correlates (matching is [`DetectionRules`]'), and it
/// looks a fed detection's rule up in its list of rules, one by one: with every rule loaded,
/// that was about 4% of the instructions of `detect --logs`.
fn correlated_only(collection: &SigmaCollection) -> SigmaCollection {
    let referenced = by_service::referenced_rules(&collection.correlations);
    let is_referenced =
        |key: &Option<String>| key.as_deref().is_some_and(|k| referenced.contains(k));
    let ids: BTreeSet<&str> = collection
        .rules
        .iter()
        .filter(|rule| is_referenced(&rule.id) || is_referenced(&rule.name))
        .filter_map(|rule| rule.id.as_deref())
        .collect();
    let mut correlated = collection.clone();
    correlated.rules.retain(|rule| match &rule.id {
        Some(id) => ids.contains(id.as_str()),
        None => is_referenced(&rule.name),
    });
    correlated
}

/// The service whose rules a record may match.
fn service_of_record(record: &Record) -> Service {
    match record {
        Record::SignIn(_) => Service::SignIn,
        Record::Audit(_) => Service::Audit,
    }
}

/// The detection rules of an [`Evaluator`], to match records on another thread than the one
/// that applies the matches ([`Evaluator::push_matched`]): matching is stateless, and was
/// about half of what the evaluating thread did.
pub struct Matcher(Arc<DetectionRules>);

impl Matcher {
    /// Adds to `matched` the positions of the rules `record` matches, for
    /// [`Evaluator::push_matched`].
    pub fn matching(&self, record: &Record, tenant_id: &str, matched: &mut Vec<usize>) {
        let event = RecordEvent::new(record, tenant_id);
        matched.extend(self.0.matching(&event, service_of_record(record)));
    }
}

/// One more match (or firing) of `result`'s rule, on the record `id`.
fn count(result: &mut RuleResult, id: &str) {
    result.fired = true;
    result.matches += 1;
    if result.record_ids.len() < MAX_RECORD_IDS
        && result.record_ids.last().map(String::as_str) != Some(id)
    {
        result.record_ids.push(id.to_string());
    }
}

impl Evaluator {
    /// Runs the Sentinel rules, which need the whole scenario (each run reads a window of it),
    /// over the records pushed. `rules` is the rule set the evaluator was made for.
    pub fn finish(self, rules: &RuleSet, results: &mut [RuleResult]) {
        if let Some(runner) = self.sentinel {
            let first = rules.rules.len() - rules.sentinel.len();
            runner.finish(&rules.sentinel, &mut results[first..]);
        }
    }
}

/// Per-rule results as text: one line a rule, then its first record ids.
pub fn render_text(scenario: &str, results: &[RuleResult]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let fired = results.iter().filter(|r| r.fired).count();
    let _ = writeln!(
        out,
        "{scenario}: {fired} of {} rule(s) fired",
        results.len()
    );
    for r in results {
        let verdict = if r.fired { "FIRED" } else { "quiet" };
        let _ = writeln!(
            out,
            "  {verdict:5}  {:>5}  {}  [{}{}]",
            r.matches,
            r.rule.title,
            r.rule.kind,
            r.rule
                .id
                .as_deref()
                .map(|id| format!(", {id}"))
                .unwrap_or_default()
        );
        if let Some(error) = &r.error {
            let _ = writeln!(out, "               error: {error}");
        }
        if !r.record_ids.is_empty() {
            let shown = &r.record_ids[..r.record_ids.len().min(TEXT_RECORD_IDS)];
            let more = if r.matches as usize > shown.len() {
                ", ..."
            } else {
                ""
            };
            let _ = writeln!(out, "               records: {}{more}", shown.join(", "));
        }
    }
    out
}

/// The scenario's `detections:` entries checked against `results`, as verify outcomes (one
/// per entry; `records` is `detections`). A name no loaded rule has is a failed outcome, which
/// says why when the rule was read but cannot run (`not_applicable`).
pub fn outcomes(
    expectations: &[crate::scenario::DetectionExpectation],
    results: &[RuleResult],
    not_applicable: &[NotApplicable],
) -> Vec<crate::verify::Outcome> {
    expectations
        .iter()
        .map(|expectation| {
            let named: Vec<&RuleResult> = results
                .iter()
                .filter(|r| r.rule.is_named(&expectation.rule))
                .collect();
            let mut outcome = crate::verify::Outcome {
                name: expectation.name(),
                line: expectation.line,
                records: "detections",
                passed: false,
                summary: String::new(),
                failures: Vec::new(),
                evidence: Vec::new(),
            };
            if named.is_empty() {
                let cannot_run = not_applicable
                    .iter()
                    .find(|n| names(n.id.as_deref(), n.title.as_deref(), &expectation.rule));
                match cannot_run {
                    Some(why) => {
                        outcome.summary = "rule not applicable".into();
                        outcome.failures.push(format!(
                            "the rule `{}` cannot run: {}",
                            expectation.rule, why.reason
                        ));
                    }
                    None => {
                        outcome.summary = "no such rule".into();
                        outcome.failures.push(format!(
                            "no loaded rule has the id or title `{}` ({} rule(s) loaded)",
                            expectation.rule,
                            results.len()
                        ));
                    }
                }
                return outcome;
            }
            let matches: u64 = named.iter().map(|r| r.matches).sum();
            outcome.evidence = named
                .iter()
                .flat_map(|r| r.record_ids.iter().cloned())
                .take(MAX_RECORD_IDS)
                .collect();
            outcome.summary = if matches == 0 {
                "quiet".into()
            } else {
                format!("{matches} match(es)")
            };
            if expectation.fires {
                let count = expectation
                    .count
                    .unwrap_or(crate::scenario::CountSpec { min: 1, max: None });
                outcome.passed = matches >= count.min && count.max.is_none_or(|max| matches <= max);
                if !outcome.passed {
                    outcome.failures.push(format!(
                        "expected {} match(es), saw {matches}",
                        crate::scenario::count_text(count)
                    ));
                }
            } else {
                outcome.passed = matches == 0;
                if !outcome.passed {
                    outcome
                        .failures
                        .push(format!("expected no match, saw {matches}"));
                }
            }
            outcome
        })
        .collect()
}
