//! `entralab generate`: a scenario's records as Graph collection responses.

use super::inputs::load_all;
use crate::exit::Exit;
use crate::export::GraphExport;
use crate::sim;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub fn generate(
    scenario: &Path,
    dir: &Path,
    seed: Option<u64>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Exit> {
    let (mut scenarios, broken) = load_all(&[scenario.to_path_buf()], err)?;
    if broken {
        return Ok(Exit::BadInput);
    }
    let [scenario] = scenarios.as_mut_slice() else {
        writeln!(
            err,
            "error: {} names {} scenarios; generate takes one file",
            scenario.display(),
            scenarios.len()
        )?;
        return Ok(Exit::BadInput);
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let mut export = GraphExport::new();
    let written = sim::simulate(scenario)
        .filter_map(|item| item.record)
        .try_for_each(|record| export.push(&record))
        .and_then(|()| export.finish(dir));
    match written {
        Ok(summary) => {
            let files: Vec<PathBuf> = summary.files;
            writeln!(
                out,
                "{}: {} sign-ins, {} directory audits",
                scenario.name, summary.sign_ins, summary.audits
            )?;
            for file in files {
                writeln!(out, "  wrote {}", file.display())?;
            }
            Ok(Exit::Success)
        }
        Err(e) => {
            writeln!(err, "error: cannot write to {}: {e}", dir.display())?;
            Ok(Exit::BadInput)
        }
    }
}
