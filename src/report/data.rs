//! What the page shows of one scenario, gathered from one simulation: the rows (columns of
//! small numbers into shared tables), the state behind them, the verify results and the rule
//! matches.

use super::json_table::JsonTable;
use super::state::{self, State, WindowKind};
use super::texts::Texts;
use crate::catalog::find_sign_in_code;
use crate::detect::{self, Evaluator, RuleSet};
use crate::graph::{Record, Timestamp, timestamp::TICKS_PER_SECOND};
use crate::scenario::Scenario;
use crate::sim::{self, SimItem};
use crate::verify::{self, Context, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// The row kinds, as the page numbers them.
const SIGN_IN: u8 = 0;
const AUDIT: u8 = 1;
const NO_ROW: u8 = 2;

/// The statuses, as the page numbers them (the admin centre's words for sign-ins; audit
/// results map onto them).
const SUCCESS: u8 = 0;
const FAILURE: u8 = 1;
const INTERRUPTED: u8 = 2;
const NO_STATUS: u8 = 3;

/// One scenario of the page.
#[derive(Debug, Serialize)]
pub struct ScenarioData {
    pub name: String,
    pub description: String,
    pub source: String,
    pub tenant: String,
    pub tenant_id: String,
    pub seed: u64,
    /// Unix milliseconds that row times count from.
    pub base: i64,
    pub users: Vec<String>,
    pub rows: Rows,
    /// (row, state) for the rows whose note says something about a counter.
    pub states: Vec<(u32, State)>,
    pub windows: Vec<WindowData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Vec<OutcomeData>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RuleData>>,
}

/// The rows, column by column (one entry per row in each).
#[derive(Debug, Default, Serialize)]
pub struct Rows {
    /// Milliseconds after `base`.
    pub t: Vec<i64>,
    /// User (index into `users`).
    pub u: Vec<u32>,
    /// Kind: 0 sign-in, 1 audit, 2 no row (something that happened and left none).
    pub k: Vec<u8>,
    /// Status: 0 success, 1 failure, 2 interrupted, 3 none.
    pub s: Vec<u8>,
    /// App (sign-in) or activity (audit): a text.
    pub a: Vec<u32>,
    /// Error code (sign-in) or result (audit): a text.
    pub c: Vec<u32>,
    /// What the code means or the audit's reason: a text.
    pub m: Vec<u32>,
    /// The note behind it: a text, 0 for none.
    pub n: Vec<u32>,
    /// The record's Graph JSON: `[shape, values...]`, empty for no row.
    pub j: Vec<Vec<u32>>,
    /// (row, rules it matched) for the rows some rule matched.
    pub hits: Vec<(u32, Vec<u32>)>,
}

#[derive(Debug, Serialize)]
pub struct WindowData {
    pub user: u32,
    pub kind: WindowKind,
    pub from: i64,
    pub until: i64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct OutcomeData {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The evidence as row numbers (ids the scenario's rows do not hold are left out).
    pub rows: Vec<u32>,
}

#[derive(Debug, Serialize)]
pub struct RuleData {
    pub title: String,
    pub kind: String,
    pub service: String,
    pub matches: u64,
}

/// What to add beside the rows.
#[derive(Clone, Copy, Default)]
pub struct Extras<'a> {
    pub verify: bool,
    pub rules: Option<&'a RuleSet>,
}

fn millis(t: Timestamp) -> i64 {
    t.ticks().div_euclid(TICKS_PER_SECOND / 1000)
}

/// Simulates `scenario` and gathers what the page shows of it.
pub fn gather(
    scenario: &Scenario,
    extras: Extras<'_>,
    texts: &mut Texts,
    json: &mut JsonTable,
) -> (ScenarioData, bool) {
    let tenant_id = sim::tenant_id(scenario);
    // With ID Protection, the sign-ins carry their risk and `expect:` may read the detections.
    let (items, risk) = sim::risk::simulate_with_risk(scenario);
    let items: Vec<SimItem> = items.collect();
    let risk_records = verify::RiskRecord::all_of(&risk.detections, &risk.history);
    let base = items
        .first()
        .map_or(millis(scenario.start), |i| millis(i.time));
    let mut users: Vec<String> = scenario.users.iter().map(|u| u.upn.clone()).collect();
    let mut user_index: BTreeMap<String, u32> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.clone(), i as u32))
        .collect();
    let mut rows = Rows::default();
    let mut states = Vec::new();
    let mut windows = Vec::new();
    let mut row_of_id: BTreeMap<String, u32> = BTreeMap::new();
    let mut evaluator = extras
        .rules
        .map(|rules| (Evaluator::new(rules), detect::empty_results(rules)));
    for (row, item) in items.iter().enumerate() {
        let row = row as u32;
        let user = *user_index.entry(item.user.to_string()).or_insert_with(|| {
            users.push(item.user.to_string());
            (users.len() - 1) as u32
        });
        rows.t.push(millis(item.time) - base);
        rows.u.push(user);
        let (kind, status, app, code, meaning) = describe(item);
        rows.k.push(kind);
        rows.s.push(status);
        rows.a.push(texts.id(&app));
        rows.c.push(texts.id(&code));
        rows.m.push(texts.id(&meaning));
        rows.n.push(item.note.as_deref().map_or(0, |n| texts.id(n)));
        match &item.record {
            Some(record) => {
                row_of_id.insert(record.id().to_string(), row);
                rows.j.push(vec![json.push(record)]);
                if let Some((evaluator, results)) = &mut evaluator {
                    let before: Vec<u64> = results.iter().map(|r| r.matches).collect();
                    evaluator.push(record, &tenant_id, results);
                    let hit: Vec<u32> = (0..results.len())
                        .filter(|&i| results[i].matches > before[i])
                        .map(|i| i as u32)
                        .collect();
                    if !hit.is_empty() {
                        rows.hits.push((row, hit));
                    }
                }
            }
            None => rows.j.push(Vec::new()),
        }
        if let Some(found) = item.note.as_deref().and_then(state::read) {
            if let Some(w) = state::window(&found, item.time) {
                windows.push(WindowData {
                    user,
                    kind: w.kind,
                    from: millis(w.from) - base,
                    until: millis(w.until) - base,
                    label: w.label,
                });
            }
            states.push((row, found));
        }
    }
    let records: Vec<Record> = items.into_iter().filter_map(|i| i.record).collect();
    let mut outcomes: Option<Vec<Outcome>> = extras.verify.then(|| {
        let users = BTreeMap::new();
        verify::verify_with_risk(
            &scenario.expectations,
            &records,
            &risk_records,
            false,
            &Context {
                start: scenario.start,
                users: &users,
            },
        )
    });
    let rules = evaluator.map(|(mut evaluator, mut results)| {
        // ID Protection's detections (`service: riskdetection` rules), oldest detected first,
        // as `detect` runs them; they are not rows of the timeline.
        let mut detections: Vec<_> = risk.detections.iter().collect();
        detections.sort_by_key(|d| d.detected_date_time);
        for detection in detections {
            evaluator.push_risk(detection, &tenant_id, &mut results);
        }
        // Sentinel rules run when the scenario is complete (each run reads a window of it).
        if let Some(rule_set) = extras.rules {
            evaluator.finish(rule_set, &mut results);
        }
        if let Some(outcomes) = &mut outcomes {
            let not_applicable = extras.rules.map_or(&[][..], |r| &r.not_applicable);
            outcomes.extend(detect::outcomes(
                &scenario.detections,
                &results,
                not_applicable,
            ));
        }
        results
            .iter()
            .map(|r| RuleData {
                title: r.rule.title.clone(),
                kind: r.rule.kind.clone(),
                service: r.rule.service.clone(),
                matches: r.matches,
            })
            .collect()
    });
    let failed = outcomes
        .as_ref()
        .is_some_and(|o| o.iter().any(|o| !o.passed));
    let verify = outcomes.map(|outcomes| {
        outcomes
            .into_iter()
            .map(|outcome| OutcomeData {
                rows: outcome
                    .evidence
                    .iter()
                    .filter_map(|id| row_of_id.get(id).copied())
                    .collect(),
                outcome,
            })
            .collect()
    });
    let data = ScenarioData {
        name: scenario.name.clone(),
        description: scenario.description.clone().unwrap_or_default(),
        source: scenario.source.display().to_string(),
        tenant: scenario.tenant.domain.clone(),
        tenant_id,
        seed: scenario.seed,
        base,
        users,
        rows,
        states,
        windows,
        verify,
        rules,
    };
    (data, failed)
}

/// Kind, status, app or activity, code or result, meaning: the columns `run` prints.
fn describe(item: &SimItem) -> (u8, u8, String, String, String) {
    match &item.record {
        Some(Record::SignIn(s)) => {
            let code = s.status.error_code;
            let entry = find_sign_in_code(code);
            let status = match entry.map(|e| e.portal_status.label()) {
                Some("Success") => SUCCESS,
                Some("Interrupted") => INTERRUPTED,
                _ => FAILURE,
            };
            (
                SIGN_IN,
                status,
                s.app_display_name.as_deref().unwrap_or("").to_string(),
                code.to_string(),
                entry.map_or("", |e| e.meaning).to_string(),
            )
        }
        Some(Record::Audit(a)) => {
            let result = a.result.as_deref().unwrap_or("");
            (
                AUDIT,
                if result == "success" {
                    SUCCESS
                } else {
                    FAILURE
                },
                a.activity_display_name.as_deref().unwrap_or("").to_string(),
                result.to_string(),
                a.result_reason.as_deref().unwrap_or("").to_string(),
            )
        }
        None => (
            NO_ROW,
            NO_STATUS,
            String::new(),
            String::new(),
            String::new(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn gathered(path: &str) -> ScenarioData {
        let text = std::fs::read_to_string(path).unwrap();
        let scenario = crate::scenario::load_str(Path::new(path), &text).unwrap();
        let extras = Extras {
            verify: true,
            rules: None,
        };
        let (data, failed) = gather(
            &scenario,
            extras,
            &mut Texts::default(),
            &mut JsonTable::default(),
        );
        assert!(!failed, "{path}: an expectation failed");
        data
    }

    #[test]
    fn user02_is_locked_for_60_s_from_the_6th_failure() {
        let data = gathered("scenarios/user02-smart-lockout.yaml");
        assert_eq!(data.windows.len(), 1);
        let window = &data.windows[0];
        assert_eq!(window.kind, WindowKind::Lockout);
        assert_eq!(window.until - window.from, 60_000);
        let locked_row = data
            .states
            .iter()
            .find_map(|(row, s)| {
                matches!(
                    s,
                    State::Lockout {
                        locked_ms: Some(_),
                        failure: 6,
                        ..
                    }
                )
                .then_some(*row)
            })
            .unwrap();
        assert_eq!(data.rows.t[locked_row as usize], window.from);
        assert_eq!(data.rows.s[locked_row as usize], FAILURE);
        let verify = data.verify.unwrap();
        assert!(verify.iter().all(|o| o.outcome.passed));
        assert!(verify.iter().all(|o| !o.rows.is_empty()));
    }

    #[test]
    fn user03_shows_the_mistakes_without_rows_and_the_24_h_block() {
        let data = gathered("scenarios/user03-sspr.yaml");
        let kinds = &data.rows.k;
        assert_eq!(kinds.iter().filter(|k| **k == AUDIT).count(), 20);
        assert!(kinds.contains(&NO_ROW));
        assert!(
            kinds
                .iter()
                .zip(&data.rows.j)
                .all(|(k, j)| (*k == NO_ROW) == j.is_empty())
        );
        assert_eq!(data.windows.len(), 1);
        assert_eq!(data.windows[0].kind, WindowKind::SsprBlock);
        assert_eq!(
            data.windows[0].until - data.windows[0].from,
            24 * 3600 * 1000
        );
        let failed: Vec<u32> = data
            .states
            .iter()
            .filter_map(|(_, s)| match s {
                State::Sspr { failed, .. } => Some(*failed),
                _ => None,
            })
            .collect();
        assert_eq!(failed, [1, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn interrupts_show_as_interrupted() {
        let data = gathered("scenarios/user01-password-failures.yaml");
        assert_eq!(data.rows.s, [FAILURE, FAILURE, INTERRUPTED, SUCCESS]);
        assert_eq!(data.rows.k, [SIGN_IN; 4]);
    }
}
