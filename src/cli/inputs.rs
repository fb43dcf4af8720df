//! Loading the scenarios a command names, reporting each broken one.

use super::builtin::BUILTIN_SCENARIOS;
use crate::scenario::{self, LoadError, Scenario, TenantFiles};
use crate::sim;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Loads the scenarios at `paths` (the built-in labs when empty). Broken ones are reported on
/// `err`; the result says whether any was broken. A file that describes its tenant otherwise
/// than an earlier file of that tenant is broken too (see `scenario::group_tenants`).
pub fn load_all(paths: &[PathBuf], err: &mut dyn Write) -> io::Result<(Vec<Scenario>, bool)> {
    let mut loaded = Vec::new();
    let mut broken = false;
    let results: Vec<Result<Scenario, LoadError>> = if paths.is_empty() {
        BUILTIN_SCENARIOS
            .iter()
            .map(|(path, text)| scenario::load_str(Path::new(path), text))
            .collect()
    } else {
        match scenario::discover(paths) {
            Ok(files) if files.is_empty() => {
                writeln!(
                    err,
                    "error: no scenario files (*.yaml, *.yml) in {}",
                    display_paths(paths)
                )?;
                return Ok((loaded, true));
            }
            Ok(files) => files.iter().map(|f| scenario::load_file(f)).collect(),
            Err(e) => vec![Err(e)],
        }
    };
    for result in results {
        match result {
            Ok(scenario) => loaded.push(scenario),
            Err(e) => {
                broken = true;
                err.write_all(e.render().as_bytes())?;
            }
        }
    }
    let (tenants, conflicts) = scenario::group_tenants(&loaded, sim::tenant_id);
    if !conflicts.is_empty() {
        broken = true;
        for conflict in &conflicts {
            err.write_all(conflict.render().as_bytes())?;
        }
        let kept: std::collections::BTreeSet<usize> = tenants
            .iter()
            .flat_map(|t| t.members.iter().copied())
            .collect();
        loaded = loaded
            .into_iter()
            .enumerate()
            .filter(|(i, _)| kept.contains(i))
            .map(|(_, s)| s)
            .collect();
    }
    Ok((loaded, broken))
}

/// The tenants `scenarios` describe (as `load_all` left them: without contradictions), each
/// with its files in the order given.
pub fn tenants(scenarios: &[Scenario]) -> Vec<TenantFiles> {
    scenario::group_tenants(scenarios, sim::tenant_id).0
}

/// The scenarios of one tenant.
pub fn members<'a>(scenarios: &'a [Scenario], tenant: &TenantFiles) -> Vec<&'a Scenario> {
    tenant.members.iter().map(|&i| &scenarios[i]).collect()
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
