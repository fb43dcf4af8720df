//! `entralab explain CODE|ACTIVITY|RISK_TYPE [--rules DIR]`.

use crate::exit::Exit;
use crate::explain::{self, ShippedIndex};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A sign-in error code (50053, AADSTS50053), an audit activity (its display name, as
    /// one argument or several words, or its catalogue key) or an ID Protection risk detection
    /// type (its riskEventType, unlikelyTravel, or its title, Atypical travel).
    #[arg(required = true, value_name = "CODE|ACTIVITY|RISK_TYPE")]
    pub what: Vec<String>,
    /// Also list the Sigma rules under DIR whose selections name it.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

pub fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let query = args.what.join(" ");
    let topics = match explain::lookup(&query) {
        Ok(topics) => topics,
        Err(unknown) => {
            writeln!(err, "error: {unknown}")?;
            writeln!(
                err,
                "  codes, activities and risk detection types entralab knows: docs/explain.md \
                 (or `entralab explain` with a code or a type from `entralab run`)"
            )?;
            return Ok(Exit::BadInput);
        }
    };
    let mut index = ShippedIndex::default();
    for (i, topic) in topics.iter().enumerate() {
        let shown = topic.needle().and_then(|n| index.find(n));
        let rules = match &args.rules {
            Some(dir) => match explain::rules_mentioning(dir, &topic.rule_text()) {
                Ok(rules) => Some(rules),
                Err(message) => {
                    writeln!(err, "error: {message}")?;
                    return Ok(Exit::BadInput);
                }
            },
            None => None,
        };
        if i > 0 {
            writeln!(out)?;
        }
        out.write_all(explain::render(topic, shown.as_ref(), rules.as_deref()).as_bytes())?;
    }
    Ok(Exit::Success)
}
