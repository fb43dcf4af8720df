//! One tenant's files with ID Protection: each file simulated and assessed on its own (risk
//! state, like lockout state, does not cross files), the records merged in time order, ties in
//! file order, exactly as `simulate_tenant` merges them.

use super::{RiskOutcome, assess};
use crate::graph::Record;
use crate::scenario::Scenario;
use crate::sim::schedule::SimItem;

/// The tenant's records (oldest first) and what ID Protection made of them.
pub fn simulate_tenant_with_risk(files: &[&Scenario]) -> (Vec<Record>, RiskOutcome) {
    let mut all: Vec<(usize, SimItem)> = Vec::new();
    let mut outcome = RiskOutcome::default();
    for (f, scenario) in files.iter().enumerate() {
        let mut items: Vec<SimItem> = crate::sim::simulate(scenario).collect();
        let found = assess(scenario, &mut items);
        outcome.detections.extend(found.detections);
        outcome.reasons.extend(found.reasons);
        outcome.history.extend(found.history);
        all.extend(items.into_iter().map(|i| (f, i)));
    }
    // Stable: within a file the simulator's order stays.
    all.sort_by_key(|(f, i)| (i.time, *f));
    (
        all.into_iter().filter_map(|(_, i)| i.record).collect(),
        outcome,
    )
}

/// A scenario's items, with ID Protection's risk fields written when the tenant declares it
/// (then the items are collected first, since a later detection changes an earlier sign-in);
/// otherwise streamed as `simulate` streams them.
pub enum AssessedItems<'a> {
    Streamed(Box<crate::sim::Simulation<'a>>),
    Assessed(std::vec::IntoIter<SimItem>),
}

impl Iterator for AssessedItems<'_> {
    type Item = SimItem;

    fn next(&mut self) -> Option<SimItem> {
        match self {
            AssessedItems::Streamed(s) => s.next(),
            AssessedItems::Assessed(items) => items.next(),
        }
    }
}

/// `simulate` with ID Protection: the items and what ID Protection made of them (empty when
/// the tenant does not declare `identity_protection`).
pub fn simulate_with_risk(scenario: &Scenario) -> (AssessedItems<'_>, RiskOutcome) {
    if scenario.tenant.identity_protection.is_none() {
        return (
            AssessedItems::Streamed(Box::new(crate::sim::simulate(scenario))),
            RiskOutcome::default(),
        );
    }
    let mut items: Vec<SimItem> = crate::sim::simulate(scenario).collect();
    let outcome = assess(scenario, &mut items);
    (AssessedItems::Assessed(items.into_iter()), outcome)
}
