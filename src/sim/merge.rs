//! One tenant made of several scenario files: each file is simulated on its own (so its
//! records are the same alone or merged) and the items are merged in time order, ties in the
//! order the files were given.

use super::schedule::{SimItem, Simulation};
use crate::scenario::Scenario;
use std::iter::Peekable;

/// The items of every file of one tenant, in time order. Streams: holds one pending item per
/// file.
pub fn simulate_tenant<'a>(files: &[&'a Scenario]) -> TenantSimulation<'a> {
    TenantSimulation {
        files: files
            .iter()
            .map(|s| Simulation::new(s).peekable())
            .collect(),
    }
}

pub struct TenantSimulation<'a> {
    files: Vec<Peekable<Simulation<'a>>>,
}

impl Iterator for TenantSimulation<'_> {
    type Item = SimItem;

    fn next(&mut self) -> Option<SimItem> {
        // A handful of files: a linear scan for the earliest is cheaper than a heap.
        let mut earliest: Option<(usize, crate::graph::Timestamp)> = None;
        for (i, file) in self.files.iter_mut().enumerate() {
            if let Some(item) = file.peek()
                && earliest.is_none_or(|(_, time)| item.time < time)
            {
                earliest = Some((i, item.time));
            }
        }
        self.files[earliest?.0].next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_file;
    use std::path::Path;

    fn lab(name: &str) -> Scenario {
        load_file(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn merges_files_in_time_order_and_keeps_each_files_items() {
        let (one, two) = (
            lab("user02-smart-lockout.yaml"),
            lab("user01-password-failures.yaml"),
        );
        let merged: Vec<SimItem> = simulate_tenant(&[&one, &two]).collect();
        assert!(merged.windows(2).all(|w| w[0].time <= w[1].time));
        let alone = |s: &Scenario| -> Vec<String> {
            super::super::simulate(s)
                .filter_map(|i| i.record)
                .map(|r| serde_json::to_string(&r).unwrap())
                .collect()
        };
        let from = |upn: &str| -> Vec<String> {
            merged
                .iter()
                .filter(|i| i.user.as_ref() as &str == upn)
                .filter_map(|i| i.record.as_ref())
                .map(|r| serde_json::to_string(r).unwrap())
                .collect()
        };
        assert_eq!(from("user02@xxx.onmicrosoft.com"), alone(&one));
        assert_eq!(from("user01@xxx.onmicrosoft.com"), alone(&two));
    }
}
