//! `entralab check`: validate scenarios only.

use super::inputs::load_all;
use crate::exit::Exit;
use std::io::{self, Write};
use std::path::PathBuf;

pub fn check(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let (scenarios, broken) = load_all(paths, err)?;
    for s in &scenarios {
        let members: u64 = s.populations.iter().map(|p| u64::from(p.count)).sum();
        writeln!(
            out,
            "ok  {}: {} user(s), {} generated, {} step(s)",
            s.source.display(),
            s.users.len(),
            members,
            s.steps.len()
        )?;
    }
    Ok(if broken {
        Exit::BadInput
    } else {
        Exit::Success
    })
}
