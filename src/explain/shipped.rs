//! Which shipped scenario shows a code, an activity or a risk detection type: each scenario
//! of the library (`library::shipped`, in search order) is simulated, with ID Protection, on
//! first need, and what it logged is kept for the next search.

use super::library::shipped;
use crate::graph::Record;
use crate::scenario;
use crate::sim;
use std::collections::BTreeMap;
use std::path::Path;

/// What one shipped scenario logs: per sign-in code, audit activity name and risk detection
/// type, how many rows (detections) and the time of the first.
#[derive(Debug, Default)]
struct Shows {
    codes: BTreeMap<i32, (u64, String)>,
    activities: BTreeMap<String, (u64, String)>,
    risks: BTreeMap<String, (u64, String)>,
}

/// Where a code, activity or risk detection type shows in the shipped scenarios.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownIn {
    pub path: &'static str,
    /// Rows, or detections for a risk detection type.
    pub rows: u64,
    /// The first row's time as the record writes it (a detection's `detectedDateTime`).
    pub first: String,
}

/// A lazy index over the shipped scenarios: each is simulated once, on first need, and only
/// as far down the list as a search has to go.
#[derive(Default)]
pub struct ShippedIndex {
    simulated: Vec<(&'static str, Shows)>,
}

/// What to look for.
#[derive(Debug, Clone, Copy)]
pub enum Needle<'a> {
    Code(i32),
    Activity(&'a str),
    /// A `riskEventType` as Graph spells it.
    Risk(&'a str),
}

impl ShippedIndex {
    /// The first shipped scenario that logs `needle`.
    pub fn find(&mut self, needle: Needle<'_>) -> Option<ShownIn> {
        let mut next = 0;
        loop {
            if next == self.simulated.len() {
                let (path, text) = shipped().nth(next)?;
                self.simulated.push((path, shows(path, text)));
            }
            let (path, shows) = &self.simulated[next];
            let hit = match needle {
                Needle::Code(code) => shows.codes.get(&code),
                Needle::Activity(name) => shows.activities.get(name),
                Needle::Risk(name) => shows.risks.get(name),
            };
            if let Some((rows, first)) = hit {
                return Some(ShownIn {
                    path,
                    rows: *rows,
                    first: first.clone(),
                });
            }
            next += 1;
        }
    }
}

fn shows(path: &str, text: &str) -> Shows {
    let mut shows = Shows::default();
    // A shipped scenario that does not load is caught by the tests that load them all.
    let Ok(scenario) = scenario::load_str(Path::new(path), text) else {
        return shows;
    };
    // With ID Protection, as `run` shows it; a scenario without it is simulated as before.
    let (items, risk) = sim::risk::simulate_with_risk(&scenario);
    for item in items {
        match item.record {
            Some(Record::SignIn(s)) => {
                let time = s
                    .created_date_time
                    .to_graph_string(crate::graph::Precision::Seconds);
                note(shows.codes.entry(s.status.error_code), time);
            }
            Some(Record::Audit(a)) => {
                let name = a.activity_display_name.as_deref().unwrap_or("").to_string();
                note(
                    shows.activities.entry(name),
                    a.activity_date_time.to_string(),
                );
            }
            None => {}
        }
    }
    // Oldest `detectedDateTime` first. Without P2 a premium detection is `generic`: it does
    // not show its type, so it is not counted for it.
    for d in &risk.detections {
        note(
            shows.risks.entry(d.risk_event_type.to_string()),
            d.detected_date_time.to_string(),
        );
    }
    shows
}

fn note<K: Ord>(entry: std::collections::btree_map::Entry<'_, K, (u64, String)>, time: String) {
    entry.or_insert((0, time)).0 += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_lockout_in_the_smart_lockout_lab() {
        let mut index = ShippedIndex::default();
        let shown = index.find(Needle::Code(50053)).unwrap();
        assert_eq!(shown.path, "scenarios/user02-smart-lockout.yaml");
        assert_eq!(shown.rows, 2);
        assert_eq!(shown.first, "2025-03-17T15:42:22Z");
    }

    #[test]
    fn finds_atypical_travel_in_the_id_protection_lab() {
        let mut index = ShippedIndex::default();
        let shown = index.find(Needle::Risk("unlikelyTravel")).unwrap();
        assert_eq!(
            shown.path,
            "scenarios/identity-protection/lab-anonymous-travel-sspr.yaml"
        );
        assert!(shown.rows >= 1);
        // The needle is the catalogue's spelling, the one the simulator writes.
        assert_eq!(index.find(Needle::Risk("unlikelytravel")), None);
    }
}
