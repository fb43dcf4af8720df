//! Fuzzes the scenario loader (YAML parsing, validation, diagnostics) and, for scenarios that
//! load and are small, the simulator and the JSON serialization of every record.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Scenarios larger than this load but are not simulated, so each input stays fast.
const MAX_SIGN_INS: u64 = 2000;
const MAX_REPETITIONS: u64 = 2000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scenario = match entralab::scenario::load_str(Path::new("fuzz.yaml"), text) {
        Ok(scenario) => scenario,
        Err(error) => {
            // Rendering the diagnostic (snippet, label, help) must not panic either.
            let _ = error.render();
            return;
        }
    };
    let sign_ins: u64 = scenario
        .populations
        .iter()
        .map(|p| u64::from(p.count) * u64::from(p.sign_ins_per_user))
        .fold(0, u64::saturating_add);
    let repetitions: u64 = scenario
        .steps
        .iter()
        .map(|s| u64::from(s.repeat.count))
        .fold(0, u64::saturating_add);
    if sign_ins > MAX_SIGN_INS || repetitions > MAX_REPETITIONS {
        return;
    }
    for item in entralab::sim::simulate(&scenario) {
        if let Some(record) = &item.record {
            serde_json::to_string(record).expect("a record serializes to JSON");
        }
    }
});
