//! The verifier: checks a scenario's expectations against records from any source. One pass
//! over the records feeds every expectation's accumulator, so a hundred expectations over a
//! million records read each record once.

mod fields;
mod report;
mod sequence;

pub use fields::{FieldValue, RecordView, RiskRecord, describe};
pub use report::{ScenarioReport, render_junit, render_text};

use crate::graph::{Record, Timestamp};
use crate::scenario::{Check, Expectation, FieldMatch, GroupCheck};
use sequence::Row;
use serde::Serialize;
use std::collections::BTreeMap;

/// How one expectation turned out.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub line: u64,
    pub records: &'static str,
    pub passed: bool,
    /// What was seen, in a line.
    pub summary: String,
    /// Why it failed, one line per failed check.
    pub failures: Vec<String>,
    /// Ids of the records behind the verdict.
    pub evidence: Vec<String>,
}

/// What the verifier needs besides the records.
pub struct Context<'a> {
    /// The timeline start: expectation windows are offsets from it.
    pub start: Timestamp,
    /// Scenario user → the UPN to look for (a live tenant's real accounts).
    pub users: &'a BTreeMap<String, String>,
}

/// Checks `expectations` against `records`. `newest_first` says how the source ordered
/// records of the same instant (Graph lists newest first).
pub fn verify(
    expectations: &[Expectation],
    records: &[Record],
    newest_first: bool,
    context: &Context<'_>,
) -> Vec<Outcome> {
    verify_with_risk(expectations, records, &[], newest_first, context)
}

/// As `verify`, with the ID Protection records (`risk_detections:` and `risky_users:`
/// expectations read them) beside the logs.
pub fn verify_with_risk(
    expectations: &[Expectation],
    records: &[Record],
    risk: &[RiskRecord],
    newest_first: bool,
    context: &Context<'_>,
) -> Vec<Outcome> {
    let mut views: Vec<RecordView<'_>> = records.iter().map(RecordView::new).collect();
    if newest_first {
        views.reverse();
    }
    views.extend(risk.iter().map(RecordView::risk));
    views.sort_by_key(RecordView::time);
    let mut verifier = Verifier::new(expectations);
    for view in &views {
        verifier.push(view, context);
    }
    verifier.finish()
}

/// The streaming form of [`verify_with_risk`]: views pushed oldest first (records of one
/// instant in the order the source lists them happening) feed every expectation's
/// accumulator, which keeps counts, the first evidence, and only what its checks need of the
/// records it selects (a `sequence:` keeps a short row per selected record, `group_by:` one
/// entry per group), never the records themselves.
pub struct Verifier<'e> {
    accumulators: Vec<Accumulator<'e>>,
}

impl<'e> Verifier<'e> {
    pub fn new(expectations: &'e [Expectation]) -> Self {
        Verifier {
            accumulators: expectations.iter().map(Accumulator::new).collect(),
        }
    }

    /// Feeds one record (or ID Protection record) to the expectations that read its kind.
    pub fn push(&mut self, view: &RecordView<'_>, context: &Context<'_>) {
        let kind = view.kind();
        for acc in self
            .accumulators
            .iter_mut()
            .filter(|a| a.expectation.kind == kind)
        {
            if acc.selects(view, context) {
                acc.add(view, context);
            }
        }
    }

    /// One outcome per expectation, in their order.
    pub fn finish(self) -> Vec<Outcome> {
        self.accumulators
            .into_iter()
            .map(Accumulator::finish)
            .collect()
    }
}

fn all_match(view: &RecordView<'_>, matchers: &[FieldMatch], context: &Context<'_>) -> bool {
    matchers.iter().all(|m| view.matches(m, context.users))
}

const EVIDENCE: usize = 5;

struct Accumulator<'e> {
    expectation: &'e Expectation,
    count: u64,
    evidence: Vec<String>,
    /// Records failing `all`: how many, and the first.
    all_failures: (u64, Option<String>),
    /// `same`: the first key, and the first record with another.
    same: Option<String>,
    same_mismatch: Option<String>,
    span: Option<(Timestamp, String, Timestamp, String)>,
    rows: Vec<Row>,
    groups: Groups,
}

#[derive(Default)]
struct Groups {
    order: Vec<String>,
    by_key: BTreeMap<String, Group>,
    last_key: Option<String>,
}

struct Group {
    count: u64,
    first_ok: bool,
    last_ok: bool,
    first: (Timestamp, String),
    last: (Timestamp, String),
    interleaved: bool,
}

impl<'e> Accumulator<'e> {
    fn new(expectation: &'e Expectation) -> Self {
        Accumulator {
            expectation,
            count: 0,
            evidence: Vec::new(),
            all_failures: (0, None),
            same: None,
            same_mismatch: None,
            span: None,
            rows: Vec::new(),
            groups: Groups::default(),
        }
    }

    fn selects(&self, view: &RecordView<'_>, context: &Context<'_>) -> bool {
        if let Some((from, to)) = self.expectation.window {
            let offset = view.time().ticks() - context.start.ticks();
            if offset < from || to.is_some_and(|to| offset >= to) {
                return false;
            }
        }
        all_match(view, &self.expectation.select, context)
    }

    fn add(&mut self, view: &RecordView<'_>, context: &Context<'_>) {
        self.count += 1;
        let id = view.id().to_string();
        let time = view.time();
        if self.evidence.len() < EVIDENCE {
            self.evidence.push(id.clone());
        }
        self.span = Some(match self.span.take() {
            None => (time, id.clone(), time, id.clone()),
            Some((first, first_id, _, _)) => (first, first_id, time, id.clone()),
        });
        for check in &self.expectation.checks {
            match check {
                Check::All(matchers) if !all_match(view, matchers, context) => {
                    self.all_failures.0 += 1;
                    if self.all_failures.1.is_none() {
                        let detail = matchers
                            .iter()
                            .find(|m| !view.matches(m, context.users))
                            .map(|m| match &m.field {
                                crate::scenario::Field::Path(p) => {
                                    let values: Vec<String> =
                                        view.values(p).iter().map(FieldValue::display).collect();
                                    format!(
                                        "{p} is {}",
                                        if values.is_empty() {
                                            "absent".into()
                                        } else {
                                            values.join(", ")
                                        }
                                    )
                                }
                                _ => format!("does not match {}", fields::describe(m)),
                            })
                            .unwrap_or_default();
                        self.all_failures.1 =
                            Some(format!("{id} at {}: {detail}", view.time_text()));
                    }
                }
                Check::Same(paths) => {
                    let key = key_of(view, paths);
                    match &self.same {
                        None => self.same = Some(key),
                        Some(first) if *first != key && self.same_mismatch.is_none() => {
                            self.same_mismatch = Some(format!(
                                "{id} at {} has {key}, the first has {first}",
                                view.time_text()
                            ));
                        }
                        _ => {}
                    }
                }
                Check::Sequence(steps) => {
                    let bits = steps
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| all_match(view, &s.matchers, context))
                        .fold(0u64, |b, (i, _)| b | (1 << i));
                    let label = label_of(view, steps.iter().flat_map(|s| &s.matchers));
                    self.rows.push(Row {
                        steps: bits,
                        label,
                        id: id.clone(),
                        time: view.time_text(),
                    });
                }
                Check::Groups(group) => self.group(view, group, context, time, &id),
                _ => {}
            }
        }
    }

    fn group(
        &mut self,
        view: &RecordView<'_>,
        check: &GroupCheck,
        context: &Context<'_>,
        time: Timestamp,
        id: &str,
    ) {
        let key = key_of(view, std::slice::from_ref(&check.by));
        let first_ok = all_match(view, &check.first, context);
        let last_ok = all_match(view, &check.last, context);
        let groups = &mut self.groups;
        let changed = groups.last_key.as_ref() != Some(&key);
        match groups.by_key.get_mut(&key) {
            Some(group) => {
                group.count += 1;
                group.last_ok = last_ok;
                group.last = (time, id.to_string());
                group.interleaved |= changed;
            }
            None => {
                groups.order.push(key.clone());
                groups.by_key.insert(
                    key.clone(),
                    Group {
                        count: 1,
                        first_ok,
                        last_ok,
                        first: (time, id.to_string()),
                        last: (time, id.to_string()),
                        interleaved: false,
                    },
                );
            }
        }
        groups.last_key = Some(key);
    }

    fn finish(self) -> Outcome {
        let e = self.expectation;
        let mut failures = Vec::new();
        let mut evidence = self.evidence.clone();
        let needs_rows = e
            .checks
            .iter()
            .any(|c| !matches!(c, Check::Count(_) | Check::Sequence(_)));
        if self.count == 0 && needs_rows {
            failures.push(format!(
                "no {} matched the selection, so nothing could be checked",
                e.kind.label()
            ));
        }
        for check in &e.checks {
            match check {
                Check::Count(range) if !in_range(self.count, range) => {
                    failures.push(format!(
                        "expected {} {}; saw {}",
                        range_text(range),
                        e.kind.counted(range.max.unwrap_or(range.min)),
                        self.count
                    ));
                }
                Check::All(matchers) if self.all_failures.0 > 0 => {
                    let wanted: Vec<String> = matchers.iter().map(fields::describe).collect();
                    failures.push(format!(
                        "{} of {} records do not match {}; first: {}",
                        self.all_failures.0,
                        self.count,
                        wanted.join(" and "),
                        self.all_failures.1.clone().unwrap_or_default()
                    ));
                }
                Check::Same(paths) if self.same_mismatch.is_some() => {
                    failures.push(format!(
                        "records differ in {}: {}",
                        paths.join(", "),
                        self.same_mismatch.clone().unwrap_or_default()
                    ));
                }
                Check::Within(limit) => {
                    if let Some((first, first_id, last, last_id)) = &self.span {
                        let span = last.ticks() - first.ticks();
                        if span > *limit {
                            failures.push(format!("first and last are {} apart, more than {}: {first_id} at {first}, {last_id} at {last}", duration_text(span), duration_text(*limit)));
                        }
                    }
                }
                Check::Sequence(steps) => {
                    let specs: Vec<_> = steps.iter().map(|s| s.times).collect();
                    if let Err((matched, row)) = sequence::matches(&self.rows, &specs) {
                        let wanted: Vec<String> = steps
                            .iter()
                            .map(|s| {
                                format!(
                                    "{} × {}",
                                    range_text(&s.times),
                                    s.matchers
                                        .iter()
                                        .map(fields::describe)
                                        .collect::<Vec<_>>()
                                        .join(" and ")
                                )
                            })
                            .collect();
                        let at = self.rows.get(row).map_or_else(
                            || "after the last record".to_string(),
                            |r| format!("at {} ({})", r.time, r.id),
                        );
                        let step = wanted
                            .get(matched)
                            .cloned()
                            .unwrap_or_else(|| "no more records".into());
                        failures.push(format!(
                            "expected {}; broke {at}, expecting {step}; saw {}",
                            wanted.join(", then "),
                            sequence::summarize(&self.rows, 12)
                        ));
                        if let Some(r) = self.rows.get(row) {
                            evidence.insert(0, r.id.clone());
                            evidence.truncate(EVIDENCE);
                        }
                    }
                }
                Check::Groups(check) => failures.extend(self.group_failures(check)),
                _ => {}
            }
        }
        let summary = match (
            &self.span,
            e.checks.iter().any(|c| matches!(c, Check::Sequence(_))),
        ) {
            (_, true) => sequence::summarize(&self.rows, 6),
            (Some((first, _, last, _)), _) if self.count > 1 => {
                format!("{} {} from {first} to {last}", self.count, e.kind.label())
            }
            _ => format!("{} {}", self.count, e.kind.counted(self.count)),
        };
        Outcome {
            name: e.name.clone(),
            line: e.line,
            records: e.kind.label(),
            passed: failures.is_empty(),
            summary,
            failures,
            evidence,
        }
    }

    fn group_failures(&self, check: &GroupCheck) -> Vec<String> {
        let mut failures = Vec::new();
        let groups = &self.groups;
        let count = groups.order.len() as u64;
        if let Some(range) = &check.count
            && !in_range(count, range)
        {
            failures.push(format!(
                "expected {} groups by {}; saw {count}",
                range_text(range),
                check.by
            ));
        }
        for key in &groups.order {
            let group = &groups.by_key[key];
            let mut problems = Vec::new();
            if !group.first_ok {
                problems.push(format!(
                    "its first record {} does not match {}",
                    group.first.1,
                    check
                        .first
                        .iter()
                        .map(fields::describe)
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
            }
            if !group.last_ok {
                problems.push(format!(
                    "its last record {} does not match {}",
                    group.last.1,
                    check
                        .last
                        .iter()
                        .map(fields::describe)
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
            }
            if let Some(range) = &check.each_count
                && !in_range(group.count, range)
            {
                problems.push(format!(
                    "it has {} records, expected {}",
                    group.count,
                    range_text(range)
                ));
            }
            if check.contiguous && group.interleaved {
                problems.push("records of another group fall between its records".into());
            }
            if let Some(limit) = check.within {
                let span = group.last.0.ticks() - group.first.0.ticks();
                if span > limit {
                    problems.push(format!(
                        "it spans {}, more than {}",
                        duration_text(span),
                        duration_text(limit)
                    ));
                }
            }
            if !problems.is_empty() {
                failures.push(format!("group {}={key}: {}", check.by, problems.join("; ")));
            }
        }
        failures
    }
}

/// The values at `path`, as one text (`a|b` for several).
fn shown(view: &RecordView<'_>, path: &str) -> String {
    view.values(path)
        .iter()
        .map(FieldValue::display)
        .collect::<Vec<_>>()
        .join("|")
}

fn key_of(view: &RecordView<'_>, paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| shown(view, p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values a sequence looks at, as a short label: `50126`, or `result=failure, ...`.
fn label_of<'m>(view: &RecordView<'_>, matchers: impl Iterator<Item = &'m FieldMatch>) -> String {
    let mut paths: Vec<&str> = Vec::new();
    for m in matchers {
        if let crate::scenario::Field::Path(p) = &m.field
            && !paths.contains(&p.as_str())
        {
            paths.push(p);
        }
    }
    let values: Vec<String> = paths.iter().map(|p| shown(view, p)).collect();
    match values.as_slice() {
        [one] => one.clone(),
        _ => paths
            .iter()
            .zip(&values)
            .map(|(p, v)| format!("{p}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn in_range(n: u64, range: &crate::scenario::CountSpec) -> bool {
    n >= range.min && range.max.is_none_or(|max| n <= max)
}

fn range_text(range: &crate::scenario::CountSpec) -> String {
    match (range.min, range.max) {
        (min, Some(max)) if min == max => min.to_string(),
        (0, Some(max)) => format!("at most {max}"),
        (min, Some(max)) => format!("{min}..={max}"),
        (min, None) => format!("at least {min}"),
    }
}

fn duration_text(ticks: i64) -> String {
    let ms = ticks as f64 / 10_000.0;
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}
