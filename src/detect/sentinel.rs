//! Microsoft Sentinel analytic rules (`kind: Scheduled` / `NRT`, a KQL `query`) as detections,
//! run with the [`crate::kql`] engine the way Sentinel schedules them.
//!
//! A scheduled rule runs every `queryFrequency`; each run sees the rows of its `queryPeriod`
//! ending at the run time, and `now()` is the run time. The run fires when its row count
//! satisfies `triggerOperator` / `triggerThreshold`. Over a scenario, the last run is at the
//! time of its last record and the earlier ones every `queryFrequency` before it, back to its
//! first record. An NRT rule runs every [`NRT_INTERVAL`] over the rows of that last interval.
//!
//! A rule is loaded only if its query runs on entralab's (empty) tables: one that reads a table
//! entralab does not produce (`IdentityInfo`, a watchlist, `externaldata`) or uses KQL the
//! engine does not run is "not applicable", with the table or the operator named.

use super::{MAX_RECORD_IDS, NotApplicable, RuleInfo, RuleResult};
use crate::export::loganalytics::AUDIT_TABLE;
use crate::graph::Record;
use crate::kql::schema::{RISK_EVENTS_TABLE, RISKY_USERS_TABLE};
use crate::kql::table::{Row, Table};
use crate::kql::value::{TICKS_PER_SECOND, Value};
use crate::kql::{self, Catalog, EmptyTable, ErrorKind, ast};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How often an NRT rule runs, and over how much data. UNSURE: Microsoft documents NRT rules
/// as running "once every minute" over the data ingested since the previous run; entralab has
/// no ingestion delay, so each run reads the minute before it.
pub const NRT_INTERVAL: i64 = 60 * TICKS_PER_SECOND;

/// The most runs of one rule over one scenario (a 5-minute rule over a year of data is about
/// 105,000): past it, the earliest runs are left out rather than the machine worn out.
pub const MAX_RUNS: usize = 200_000;

/// The fields of a Sentinel rule file entralab reads (the others, `requiredDataConnectors`,
/// `entityMappings`, `tactics`, ..., are ignored).
#[derive(Debug, Deserialize)]
struct RuleFile {
    id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    query: Option<String>,
    #[serde(rename = "queryFrequency")]
    query_frequency: Option<String>,
    #[serde(rename = "queryPeriod")]
    query_period: Option<String>,
    #[serde(rename = "triggerOperator")]
    trigger_operator: Option<String>,
    #[serde(rename = "triggerThreshold")]
    trigger_threshold: Option<i64>,
}

/// `triggerOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerOperator {
    Gt,
    Lt,
    Eq,
    Ne,
}

impl TriggerOperator {
    fn parse(text: &str) -> Option<TriggerOperator> {
        Some(match text.to_ascii_lowercase().as_str() {
            "gt" | "greaterthan" => TriggerOperator::Gt,
            "lt" | "lessthan" => TriggerOperator::Lt,
            "eq" | "equal" => TriggerOperator::Eq,
            "ne" | "notequal" => TriggerOperator::Ne,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TriggerOperator::Gt => "gt",
            TriggerOperator::Lt => "lt",
            TriggerOperator::Eq => "eq",
            TriggerOperator::Ne => "ne",
        }
    }

    fn holds(self, rows: u64, threshold: u64) -> bool {
        match self {
            TriggerOperator::Gt => rows > threshold,
            TriggerOperator::Lt => rows < threshold,
            TriggerOperator::Eq => rows == threshold,
            TriggerOperator::Ne => rows != threshold,
        }
    }
}

/// A loaded Sentinel rule.
#[derive(Debug, Clone)]
pub struct SentinelRule {
    pub info: RuleInfo,
    query: ast::Query,
    /// Ticks between runs.
    pub frequency: i64,
    /// Ticks of data each run reads, ending at the run time.
    pub period: i64,
    pub operator: TriggerOperator,
    pub threshold: u64,
    /// The Entra tables its query names.
    tables: Vec<&'static str>,
    /// The tables the user declared empty (`--empty-table`) that its query names.
    declared: Vec<EmptyTable>,
    /// The words of its query: a column no word names is left empty in the rows it reads
    /// (`None`: every column is kept, for queries that read whole rows).
    words: Option<std::collections::BTreeSet<String>>,
}

impl SentinelRule {
    /// Whether the query may read the column `name` (its words name it, or it reads whole
    /// rows).
    fn reads_column(&self, name: &str) -> bool {
        self.words.as_ref().is_none_or(|w| w.contains(name))
    }

    /// How the rule runs, for reports: `every 1h over 1d, fires when rows gt 0`.
    pub fn schedule_text(&self) -> String {
        format!(
            "every {} over {}, fires when rows {} {}",
            kql::value::format_timespan(self.frequency),
            kql::value::format_timespan(self.period),
            self.operator.as_str(),
            self.threshold
        )
    }
}

/// Whether a rule file is a Sentinel rule rather than Sigma: a top-level `query:` key and no
/// Sigma `detection:` or `correlation:`.
pub fn is_sentinel(text: &str) -> bool {
    let top = |key: &str| text.lines().any(|line| line.starts_with(key));
    top("query:") && !top("detection:") && !top("correlation:")
}

/// Reads one Sentinel rule file; `Err` says why it cannot run. `declared` are the tables the
/// user declared present but empty (`--empty-table`), which the query may also read.
pub fn load(
    file: &Path,
    text: &str,
    declared: &[EmptyTable],
) -> Result<SentinelRule, NotApplicable> {
    let parsed: RuleFile = serde_saphyr::from_str(text)
        .map_err(|e| NotApplicable::unparsed(file, e.to_string().lines().next().unwrap_or("")))?;
    let title = parsed.name.clone();
    let not_applicable = |kind: &'static str, reason: String| NotApplicable {
        file: file.to_path_buf(),
        title: title.clone(),
        id: parsed.id.clone(),
        kind,
        reason,
    };
    let name = parsed
        .name
        .clone()
        .ok_or_else(|| not_applicable("parse", "no `name`".into()))?;
    let nrt = match parsed.kind.as_deref() {
        Some(k) if k.eq_ignore_ascii_case("NRT") => true,
        Some(k) if k.eq_ignore_ascii_case("Scheduled") => false,
        None if parsed.query_frequency.is_some() => false,
        None => {
            return Err(not_applicable(
                "kind",
                "neither `kind` nor `queryFrequency`: a hunting query, not an analytic rule".into(),
            ));
        }
        Some(other) => {
            return Err(not_applicable(
                "kind",
                format!("`kind: {other}` is not a query rule (Scheduled or NRT)"),
            ));
        }
    };
    let query_text = parsed.query.as_deref().unwrap_or_default();
    let duration = |field: &str, value: &Option<String>| -> Result<i64, NotApplicable> {
        let text = value
            .as_deref()
            .ok_or_else(|| not_applicable("parse", format!("no `{field}`")))?;
        parse_duration(text)
            .filter(|&t| t > 0)
            .ok_or_else(|| not_applicable("parse", format!("`{field}: {text}` is not a duration")))
    };
    let (frequency, period) = if nrt {
        (NRT_INTERVAL, NRT_INTERVAL)
    } else {
        (
            duration("queryFrequency", &parsed.query_frequency)?,
            duration("queryPeriod", &parsed.query_period)?,
        )
    };
    let operator = match parsed.trigger_operator.as_deref() {
        None => TriggerOperator::Gt,
        Some(text) => TriggerOperator::parse(text).ok_or_else(|| {
            not_applicable(
                "parse",
                format!("`triggerOperator: {text}` is not gt, lt, eq or ne"),
            )
        })?,
    };
    let threshold = parsed.trigger_threshold.unwrap_or(0).max(0) as u64;
    let query = kql::parse(query_text).map_err(|e| cannot_run(&not_applicable, &e))?;
    let declared: Vec<EmptyTable> = declared
        .iter()
        .filter(|t| query_text.contains(t.name.as_str()))
        .cloned()
        .collect();
    // A run over empty tables binds every name: what it rejects, every run would.
    kql::execute(&query, &catalog_with(&declared), Some(0))
        .map_err(|e| cannot_run(&not_applicable, &e))?;
    let tables: Vec<&'static str> = kql::schema::TABLES
        .iter()
        .copied()
        .filter(|t| query_text.contains(t))
        .collect();
    let risk = |t: &&str| *t == RISK_EVENTS_TABLE || *t == RISKY_USERS_TABLE;
    let signs_in = tables.iter().any(|t| *t != AUDIT_TABLE && !risk(t));
    let audits = tables.contains(&AUDIT_TABLE);
    let service = match (signs_in, audits) {
        _ if tables.iter().all(risk) && !tables.is_empty() => "riskdetection",
        (true, false) => "signinlogs",
        (false, true) => "auditlogs",
        _ => "signinlogs+auditlogs",
    };
    Ok(SentinelRule {
        words: words_of(query_text),
        info: RuleInfo {
            id: parsed.id.clone(),
            title: name,
            kind: if nrt { "nrt" } else { "scheduled" }.into(),
            service: service.into(),
            file: file.to_path_buf(),
            // Sentinel rules have no `falsepositives:`; their description says it in prose.
            falsepositives: Vec::new(),
        },
        query,
        frequency,
        period,
        operator,
        threshold,
        tables,
        declared,
    })
}

/// Entralab's tables, empty, and the tables the user declared empty.
fn catalog_with(declared: &[EmptyTable]) -> Catalog {
    let mut catalog = Catalog::new();
    catalog.declare(declared);
    catalog
}

/// The identifiers and words of a query, unless it reads whole rows (`distinct *`,
/// `pack_all()`, `bag_pack_columns`), where every column counts.
fn words_of(query: &str) -> Option<std::collections::BTreeSet<String>> {
    let compact: String = query.split_whitespace().collect();
    if compact.contains("distinct*") || compact.contains("pack_all(") || compact.contains("by*") {
        return None;
    }
    let mut words: std::collections::BTreeSet<String> = query
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    // Record ids come from the `Id` column, and runs are placed by `TimeGenerated`.
    words.insert("Id".into());
    words.insert("TimeGenerated".into());
    Some(words)
}

/// Why a query cannot run, as a [`NotApplicable`]: a table entralab does not produce (kind
/// `table`), KQL the engine does not run (`unsupported`), or a query that does not parse or
/// bind (`query`).
fn cannot_run(
    not_applicable: &dyn Fn(&'static str, String) -> NotApplicable,
    e: &kql::KqlError,
) -> NotApplicable {
    let message = &e.message;
    if let Some(rest) = message.strip_prefix("unknown table ") {
        return not_applicable(
            "table",
            format!("reads {rest}, a table entralab does not produce (--empty-table declares it)"),
        );
    }
    if message.contains("`_GetWatchlist") {
        return not_applicable("table", "reads a watchlist (`_GetWatchlist`)".into());
    }
    if message.contains("externaldata") {
        return not_applicable("table", "reads `externaldata`".into());
    }
    match e.kind {
        ErrorKind::Unsupported => not_applicable("unsupported", message.clone()),
        _ => not_applicable("query", message.clone()),
    }
}

/// A Sentinel duration: `5m`, `1h`, `14d` (KQL timespans) or ISO 8601 (`PT1H`, `P14D`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let Some(iso) = text.strip_prefix('P').or_else(|| text.strip_prefix('p')) else {
        // Sentinel takes the unit in either case (AzureRBAC.yaml says `2H`).
        return kql::value::parse_timespan(text)
            .or_else(|| kql::value::parse_timespan(&text.to_ascii_lowercase()));
    };
    let mut ticks = 0i64;
    let mut number = String::new();
    let mut in_time = false;
    for c in iso.chars() {
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            d if d.is_ascii_digit() => number.push(d),
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                let seconds = match (unit, in_time) {
                    ('D', false) => 86_400,
                    ('W', false) => 7 * 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                ticks = ticks.checked_add(n.checked_mul(seconds * TICKS_PER_SECOND)?)?;
            }
        }
    }
    number.is_empty().then_some(ticks)
}

/// The rows a scenario gave the tables Sentinel rules read, to run the rules over when the
/// scenario is done.
///
/// The runs are placed back from the last record, so nothing can run before the records
/// end: the runner keeps every row of the tables its rules read, but only the columns some
/// rule names (the others are `null` from the start), which is most of a row's memory.
pub struct SentinelRunner {
    /// Table → (time, row), in the order pushed.
    rows: BTreeMap<&'static str, Vec<(i64, Row)>>,
    /// Table → whether some rule reads each of its columns.
    read: BTreeMap<&'static str, Vec<bool>>,
    first: Option<i64>,
    last: Option<i64>,
}

impl SentinelRunner {
    /// A runner for `rules`; `None` when there are none.
    pub fn new(rules: &[SentinelRule]) -> Option<SentinelRunner> {
        if rules.is_empty() {
            return None;
        }
        let rows = rules
            .iter()
            .flat_map(|r| r.tables.iter().copied())
            .map(|t| (t, Vec::new()))
            .collect();
        let mut read: BTreeMap<&'static str, Vec<bool>> = BTreeMap::new();
        for rule in rules {
            for table in &rule.tables {
                let columns = kql::schema::empty_table(table)
                    .expect("an Entra table")
                    .columns;
                let mask = read
                    .entry(*table)
                    .or_insert_with(|| vec![false; columns.len()]);
                for (keep, column) in mask.iter_mut().zip(&columns) {
                    *keep |= rule.reads_column(&column.name);
                }
            }
        }
        Some(SentinelRunner {
            rows,
            read,
            first: None,
            last: None,
        })
    }

    pub fn push(&mut self, record: &Record, tenant_id: &str) {
        let ticks = record.time().ticks();
        self.first = Some(self.first.map_or(ticks, |t| t.min(ticks)));
        self.last = Some(self.last.map_or(ticks, |t| t.max(ticks)));
        let table = kql::schema::table_of(record);
        if let Some(rows) = self.rows.get_mut(table) {
            let (_, row) = kql::schema::la_row_of(record, tenant_id, Some(&self.read[table]));
            rows.push((ticks, row));
        }
    }

    /// Adds an ID Protection detection to `AADUserRiskEvents`, at its `detectedDateTime`.
    pub fn push_risk(&mut self, detection: &crate::graph::RiskDetection, tenant_id: &str) {
        let ticks = detection.detected_date_time.ticks();
        if let Some(rows) = self.rows.get_mut(RISK_EVENTS_TABLE) {
            self.first = Some(self.first.map_or(ticks, |t| t.min(ticks)));
            self.last = Some(self.last.map_or(ticks, |t| t.max(ticks)));
            rows.push((ticks, kql::schema::risk_event_row(detection, tenant_id)));
        }
    }

    /// Runs every rule over the rows pushed; `results` are the rules' results in `rules` order.
    pub fn finish(mut self, rules: &[SentinelRule], results: &mut [RuleResult]) {
        for rows in self.rows.values_mut() {
            rows.sort_by_key(|(t, _)| *t);
        }
        let (Some(first), Some(last)) = (self.first, self.last) else {
            return;
        };
        for (rule, result) in rules.iter().zip(results) {
            self.run_rule(rule, first, last, result);
        }
    }

    fn run_rule(&self, rule: &SentinelRule, first: i64, last: i64, result: &mut RuleResult) {
        let span_runs = ((last - first) / rule.frequency) as usize + 1;
        let runs = span_runs.min(MAX_RUNS);
        for k in (0..runs).rev() {
            let at = last - k as i64 * rule.frequency;
            let from = at - rule.period;
            let mut catalog = catalog_with(&rule.declared);
            let mut any = false;
            for table in &rule.tables {
                let rows = &self.rows[table];
                // The window (from, at]: rows after `from`, up to and including `at`.
                let lo = rows.partition_point(|(t, _)| *t <= from);
                let hi = rows.partition_point(|(t, _)| *t <= at);
                any |= hi > lo;
                let mut window = kql::schema::empty_table(table).expect("an Entra table");
                // Copying only the columns the query names keeps a run cheap: the dynamic
                // columns it does not read are most of a row's cost.
                let keep: Vec<bool> = window
                    .columns
                    .iter()
                    .map(|c| rule.reads_column(&c.name))
                    .collect();
                window.rows = rows[lo..hi]
                    .iter()
                    .map(|(_, row)| {
                        row.iter()
                            .zip(&keep)
                            .map(|(v, &k)| if k { v.clone() } else { Value::Null })
                            .collect()
                    })
                    .collect();
                catalog.insert(*table, window);
            }
            if !any {
                continue;
            }
            match kql::execute(&rule.query, &catalog, Some(at)) {
                Ok(table) => {
                    if rule.operator.holds(table.rows.len() as u64, rule.threshold) {
                        result.fired = true;
                        result.matches += 1;
                        keep_record_ids(&table, &mut result.record_ids);
                    }
                }
                Err(e) => {
                    result.error = Some(format!(
                        "the run at {} failed: {e}",
                        kql::value::format_datetime_iso(at)
                    ));
                    return;
                }
            }
        }
    }
}

/// The record ids a run's result carries (its `Id` column, when it kept one).
fn keep_record_ids(table: &Table, ids: &mut Vec<String>) {
    let Some(at) = table.index_of("Id") else {
        return;
    };
    for row in &table.rows {
        if ids.len() >= MAX_RECORD_IDS {
            return;
        }
        if let Value::Str(id) = &row[at]
            && !ids.contains(id)
        {
            ids.push(id.clone());
        }
    }
}

#[cfg(test)]
mod tests;
