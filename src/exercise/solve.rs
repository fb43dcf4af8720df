//! Working out each question's answer from the records, with the rows that prove it.

use crate::graph::{Precision, Record};
use crate::scenario::{AnswerExpr, FieldMatch, Pick, Question, RowPick, Scenario};
use crate::sim;
use crate::verify::{FieldValue, RecordView};
use std::collections::{BTreeMap, BTreeSet};

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub id: String,
    /// `None` when the records hold no answer (no row selected, or none at the position):
    /// the question does not fit the scenario as simulated.
    pub value: Option<String>,
    /// How the answer follows from the rows, in a line.
    pub reasoning: String,
    /// The rows that prove it, in time order (at most [`PROOF_ROWS`]).
    pub rows: Vec<ProofRow>,
    /// Rows that prove it beyond those listed.
    pub more_rows: usize,
}

/// A record, as a line for people: its 1-based number among the selected rows, then time,
/// who, what, and how to find it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRow {
    pub number: usize,
    pub text: String,
}

/// Rows shown as proof, at most.
pub const PROOF_ROWS: usize = 12;

/// The answers to `scenario`'s questions, from its simulation.
pub fn solve(scenario: &Scenario) -> Vec<Solution> {
    let records: Vec<Record> = sim::simulate(scenario).filter_map(|i| i.record).collect();
    solve_records(&scenario.questions, records)
}

/// The answers to `questions` from `records` (any order; read oldest first, as `verify`
/// reads them).
pub fn solve_records(questions: &[Question], mut records: Vec<Record>) -> Vec<Solution> {
    records.sort_by_key(Record::time);
    questions.iter().map(|q| answer(q, &records)).collect()
}

fn answer(question: &Question, records: &[Record]) -> Solution {
    let expr = &question.answer;
    let selected: Vec<RecordView<'_>> = records
        .iter()
        .filter(|r| {
            matches!(
                (r, expr.records),
                (Record::SignIn(_), crate::scenario::RecordKind::SignIns)
                    | (Record::Audit(_), crate::scenario::RecordKind::Audits)
            )
        })
        .map(RecordView::new)
        .filter(|v| all_match(v, &expr.select))
        .collect();
    let (value, reasoning, proof) = pick(expr, &selected);
    let more_rows = proof.len().saturating_sub(PROOF_ROWS);
    let rows = proof
        .into_iter()
        .take(PROOF_ROWS)
        .map(|i| ProofRow {
            number: i + 1,
            text: selected[i].record().map(row_text).unwrap_or_default(),
        })
        .collect();
    Solution {
        id: question.id.clone(),
        value,
        reasoning,
        rows,
        more_rows,
    }
}

fn all_match(view: &RecordView<'_>, matchers: &[FieldMatch]) -> bool {
    // The scenario's own UPNs: exercises are about simulated records.
    let users = BTreeMap::new();
    matchers.iter().all(|m| view.matches(m, &users))
}

/// The answer, the reasoning, and the indexes (into `rows`) of the rows that prove it.
fn pick(expr: &AnswerExpr, rows: &[RecordView<'_>]) -> (Option<String>, String, Vec<usize>) {
    let n = rows.len();
    match &expr.pick {
        Pick::Count => (
            Some(n.to_string()),
            format!("{n} row(s) selected"),
            (0..n).collect(),
        ),
        Pick::CountDistinct(path) => {
            let mut seen = BTreeSet::new();
            let mut firsts = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                if let Some(value) = value_of(row, path)
                    && seen.insert(value)
                {
                    firsts.push(i);
                }
            }
            (
                Some(seen.len().to_string()),
                format!(
                    "{} distinct {path} over {n} row(s); the first row of each:",
                    seen.len()
                ),
                firsts,
            )
        }
        Pick::Position(matchers) => match rows.iter().position(|r| all_match(r, matchers)) {
            Some(at) => (
                Some((at + 1).to_string()),
                format!(
                    "the first matching row is row {} of the {n} selected",
                    at + 1
                ),
                (0..=at).collect(),
            ),
            None => (
                None,
                format!("none of the {n} selected rows matches"),
                Vec::new(),
            ),
        },
        Pick::Field { path, row } => {
            let index = match row {
                RowPick::First => (n > 0).then_some(0),
                RowPick::Last => n.checked_sub(1),
                RowPick::Nth(k) => usize::try_from(*k).ok().filter(|k| *k <= n).map(|k| k - 1),
            };
            match index {
                Some(i) => (
                    value_of(&rows[i], path),
                    format!("{path} of row {} of the {n} selected", i + 1),
                    vec![i],
                ),
                None => (
                    None,
                    format!("{n} row(s) selected: there is no such row"),
                    Vec::new(),
                ),
            }
        }
        Pick::MostDistinct { path, by } => {
            // value → (distinct `by` values, its rows), in order of first appearance.
            let mut groups: Vec<(String, BTreeSet<String>, Vec<usize>)> = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let Some(value) = value_of(row, path) else {
                    continue;
                };
                let at = match groups.iter().position(|g| g.0 == value) {
                    Some(at) => at,
                    None => {
                        groups.push((value, BTreeSet::new(), Vec::new()));
                        groups.len() - 1
                    }
                };
                if let Some(other) = value_of(row, by) {
                    groups[at].1.insert(other);
                }
                groups[at].2.push(i);
            }
            // The first group of the largest count wins a tie: deterministic and explainable.
            let best = groups
                .iter()
                .enumerate()
                .max_by_key(|(i, g)| (g.1.len(), std::cmp::Reverse(*i)))
                .map(|(_, g)| g);
            match best {
                Some((value, distinct, proof)) => (
                    Some(value.clone()),
                    format!(
                        "{path} {value} has {} distinct {by}, the most of {} value(s)",
                        distinct.len(),
                        groups.len()
                    ),
                    proof.clone(),
                ),
                None => (None, format!("no selected row has {path}"), Vec::new()),
            }
        }
    }
}

/// The value of `path` on a row as text; several (a `*` path) joined with ", "; `None` when
/// the row has none.
fn value_of(row: &RecordView<'_>, path: &str) -> Option<String> {
    let values: Vec<String> = row
        .values(path)
        .iter()
        .filter(|v| **v != FieldValue::Null)
        .map(FieldValue::display)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn row_text(record: &Record) -> String {
    match record {
        Record::SignIn(s) => format!(
            "{}  {}  {}  {}  ip {}  correlationId {}",
            s.created_date_time.to_graph_string(Precision::Seconds),
            s.user_principal_name.as_deref().unwrap_or(""),
            s.app_display_name.as_deref().unwrap_or(""),
            s.status.error_code,
            s.ip_address.as_deref().unwrap_or(""),
            s.correlation_id.as_deref().unwrap_or("")
        ),
        Record::Audit(a) => format!(
            "{}  {}  {}  {}  correlationId {}",
            a.activity_date_time,
            a.activity_display_name.as_deref().unwrap_or(""),
            a.result.as_deref().unwrap_or(""),
            a.result_reason.as_deref().unwrap_or(""),
            a.correlation_id.as_deref().unwrap_or("")
        ),
    }
}
