//! `entralab report`: one self-contained HTML page of the scenarios' timelines and state.

use super::inputs::load_all;
use crate::detect::RuleSet;
use crate::exit::Exit;
use crate::report::{self, Extras};
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Scenario files, or folders of them; the built-in labs when none is given.
    pub paths: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// Also check each scenario's `expect:` against its simulated records and show the
    /// results (and, with --rules, its `detections:`).
    #[arg(long)]
    pub verify: bool,
    /// Run these Sigma rules (a folder, searched recursively) and mark the rows they match;
    /// Sentinel analytic rules found there count toward `detections:`. Repeat for more folders.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub declared: super::empty_tables::EmptyTables,
    /// Run with this seed instead of each scenario's own.
    #[arg(long)]
    pub seed: Option<u64>,
}

pub fn report(args: &ReportArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let dirs = Some(&args.rules).filter(|dirs| !dirs.is_empty());
    let rules = match dirs
        .map(|dirs| RuleSet::load_all_with(dirs, &args.declared.empty_tables))
        .transpose()
    {
        Ok(rules) => rules,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::BadInput);
        }
    };
    let (mut scenarios, broken) = load_all(&args.paths, err)?;
    if scenarios.is_empty() {
        return Ok(Exit::BadInput);
    }
    if let Some(seed) = args.seed {
        scenarios.iter_mut().for_each(|s| s.seed = seed);
    }
    let report = report::render(
        &scenarios,
        Extras {
            verify: args.verify,
            rules: rules.as_ref(),
        },
    );
    if let Err(e) = std::fs::write(&args.out, &report.html) {
        writeln!(err, "error: cannot write {}: {e}", args.out.display())?;
        return Ok(Exit::BadInput);
    }
    writeln!(
        out,
        "wrote {}: {} scenario(s), {} rows, {} bytes",
        args.out.display(),
        scenarios.len(),
        report.rows,
        report.html.len()
    )?;
    Ok(if broken {
        Exit::BadInput
    } else if report.failed {
        Exit::ExpectationFailed
    } else {
        Exit::Success
    })
}
