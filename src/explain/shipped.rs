//! The scenarios entralab ships, built into the binary so `explain` and its search for "the
//! scenario that shows this" work offline and from anywhere: the reference labs first (the
//! ones to learn from), then the detection library, the benign noise last (it is the
//! biggest to simulate and shows nothing the others do not).

use crate::cli::BUILTIN_SCENARIOS;
use crate::graph::Record;
use crate::scenario::{self, Scenario};
use crate::sim;
use std::collections::BTreeMap;
use std::path::Path;

macro_rules! detection_scenarios {
    ($($file:literal),* $(,)?) => {
        /// (path as shipped, text) of the detection library, `scenarios/detections/`.
        pub const DETECTION_SCENARIOS: &[(&str, &str)] = &[
            $((
                concat!("scenarios/detections/", $file),
                include_str!(concat!("../../scenarios/detections/", $file)),
            )),*
        ];
    };
}

detection_scenarios!(
    "account-created-and-deleted.yaml",
    "app-credential-after-admin-consent.yaml",
    "app-removed-after-use.yaml",
    "bitlocker-key-read.yaml",
    "brute-force.yaml",
    "ca-policy-deleted.yaml",
    "conditional-access-block.yaml",
    "credential-stuffing.yaml",
    "device-no-longer-compliant.yaml",
    "device-trust-weakened.yaml",
    "disabled-account.yaml",
    "distributed-password-cracking.yaml",
    "guest-made-administrator.yaml",
    "illicit-consent-grant.yaml",
    "impossible-travel.yaml",
    "legacy-authentication.yaml",
    "mfa-fatigue.yaml",
    "mfa-method-after-password-guessing.yaml",
    "password-spray.yaml",
    "privileged-role-outside-pim.yaml",
    "tenant-backdoors.yaml",
    "benign-admin-noise.yaml",
    "benign-noise.yaml",
);

/// Every shipped scenario, in the order `explain` searches them: the seed labs
/// (`scenarios/user0*`) before the other built-in ones, then the detection library.
pub fn shipped() -> impl Iterator<Item = (&'static str, &'static str)> {
    let seed_lab = |path: &str| path.starts_with("scenarios/user0");
    let builtin = || BUILTIN_SCENARIOS.iter();
    builtin()
        .filter(move |(path, _)| seed_lab(path))
        .chain(builtin().filter(move |(path, _)| !seed_lab(path)))
        .chain(DETECTION_SCENARIOS)
        .map(|(path, text)| (*path, *text))
}

/// What one shipped scenario logs: per sign-in code and per audit activity name, how many
/// rows and the time of the first.
#[derive(Debug, Default)]
struct Shows {
    codes: BTreeMap<i32, (u64, String)>,
    activities: BTreeMap<String, (u64, String)>,
}

/// Where a code or activity shows in the shipped scenarios.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownIn {
    pub path: &'static str,
    pub rows: u64,
    /// The first row's time, as the record writes it.
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
    for item in sim::simulate(&scenario) {
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
    shows
}

fn note<K: Ord>(entry: std::collections::btree_map::Entry<'_, K, (u64, String)>, time: String) {
    entry.or_insert((0, time)).0 += 1;
}

/// Loads a shipped scenario by its path (for tests and exercises).
pub fn load_shipped(path: &str) -> Option<Scenario> {
    let (path, text) = shipped().find(|(p, _)| *p == path)?;
    scenario::load_str(Path::new(path), text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detection_scenario_file_is_shipped() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/detections");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| format!("scenarios/detections/{}", e.file_name().to_string_lossy()))
            .filter(|p| p.ends_with(".yaml"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = DETECTION_SCENARIOS
            .iter()
            .map(|(p, _)| p.to_string())
            .collect();
        listed.sort();
        assert_eq!(files, listed, "add new detection scenarios to the list");
    }

    #[test]
    fn finds_the_lockout_in_the_smart_lockout_lab() {
        let mut index = ShippedIndex::default();
        let shown = index.find(Needle::Code(50053)).unwrap();
        assert_eq!(shown.path, "scenarios/user02-smart-lockout.yaml");
        assert_eq!(shown.rows, 2);
        assert_eq!(shown.first, "2025-03-17T15:42:22Z");
    }
}
