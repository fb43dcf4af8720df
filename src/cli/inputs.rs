//! Loading the scenarios a command names, reporting each broken one.

use super::builtin::BUILTIN_SCENARIOS;
use crate::scenario::{self, LoadError, Scenario};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Loads the scenarios at `paths` (the built-in labs when empty). Broken ones are reported on
/// `err`; the result says whether any was broken.
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
    Ok((loaded, broken))
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
