//! `entralab run`: simulate and show, per scenario, a timeline of what was logged and why, and
//! a summary. Steps of the timeline are listed row by row; populations are only counted.

use super::inputs::load_all;
use crate::catalog::find_sign_in_code;
use crate::exit::Exit;
use crate::graph::{Precision, Record};
use crate::scenario::Scenario;
use crate::sim::{self, Origin, SimItem};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

pub fn run(
    paths: &[PathBuf],
    seed: Option<u64>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Exit> {
    let (mut scenarios, broken) = load_all(paths, err)?;
    for (i, scenario) in scenarios.iter_mut().enumerate() {
        if let Some(seed) = seed {
            scenario.seed = seed;
        }
        if i > 0 {
            writeln!(out)?;
        }
        show(scenario, out)?;
    }
    Ok(if broken {
        Exit::BadInput
    } else {
        Exit::Success
    })
}

/// One line of the timeline.
struct Line {
    time: String,
    user: String,
    what: String,
    code: String,
    status: String,
    meaning: String,
    note: Option<String>,
}

#[derive(Default)]
struct Summary {
    sign_ins: BTreeMap<(i32, &'static str), u64>,
    audits: BTreeMap<String, u64>,
    population_rows: BTreeMap<usize, u64>,
}

fn show(scenario: &Scenario, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}: {}",
        scenario.name,
        scenario.description.as_deref().unwrap_or("")
    )?;
    writeln!(
        out,
        "  {} · tenant {} ({}) · seed {}",
        scenario.source.display(),
        scenario.tenant.domain,
        sim::tenant_id(scenario),
        scenario.seed
    )?;
    let mut lines = Vec::new();
    let mut summary = Summary::default();
    let (items, risk) = sim::risk::simulate_with_risk(scenario);
    for item in items {
        summary.count(&item);
        if matches!(item.origin, Origin::Step { .. }) {
            lines.push(line(item));
        }
    }
    write_lines(&lines, out)?;
    summary.write(scenario, out)?;
    super::risk_explain::write(&risk, out)
}

fn line(item: SimItem) -> Line {
    let user = item.user.to_string();
    match item.record {
        Some(Record::SignIn(s)) => {
            let code = s.status.error_code;
            let entry = find_sign_in_code(code);
            Line {
                time: s.created_date_time.to_graph_string(Precision::Seconds),
                user,
                what: s.app_display_name.as_deref().unwrap_or("").to_string(),
                code: code.to_string(),
                status: entry
                    .map_or("Failure", |e| e.portal_status.label())
                    .to_string(),
                meaning: entry.map_or("", |e| e.meaning).to_string(),
                note: item.note,
            }
        }
        Some(Record::Audit(a)) => Line {
            time: a.activity_date_time.to_string(),
            user,
            what: a.activity_display_name.as_deref().unwrap_or("").to_string(),
            code: String::new(),
            status: a.result.as_deref().unwrap_or("").to_string(),
            meaning: a.result_reason.as_deref().unwrap_or("").to_string(),
            note: item.note,
        },
        None => Line {
            time: item.time.to_string(),
            user,
            what: String::new(),
            code: String::new(),
            status: "(no row)".into(),
            meaning: item.note.unwrap_or_default(),
            note: None,
        },
    }
}

fn write_lines(lines: &[Line], out: &mut dyn Write) -> io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let width = |f: fn(&Line) -> &str| {
        lines
            .iter()
            .map(|l| f(l).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w_time, w_user, w_what, w_code, w_status) = (
        width(|l| &l.time),
        width(|l| &l.user),
        width(|l| &l.what),
        width(|l| &l.code),
        width(|l| &l.status),
    );
    writeln!(out)?;
    for l in lines {
        let text = format!(
            "  {:w_time$}  {:w_user$}  {:w_what$}  {:>w_code$}  {:w_status$}  {}",
            l.time, l.user, l.what, l.code, l.status, l.meaning
        );
        writeln!(out, "{}", text.trim_end())?;
        if let Some(note) = &l.note {
            writeln!(out, "  {:w_time$}  └ {note}", "")?;
        }
    }
    Ok(())
}

impl Summary {
    fn count(&mut self, item: &SimItem) {
        match &item.record {
            Some(Record::SignIn(s)) => {
                let code = s.status.error_code;
                let status = find_sign_in_code(code).map_or("Failure", |e| e.portal_status.label());
                *self.sign_ins.entry((code, status)).or_default() += 1;
            }
            Some(Record::Audit(a)) => {
                let key = format!(
                    "{} {}",
                    a.result.as_deref().unwrap_or(""),
                    a.activity_display_name.as_deref().unwrap_or("")
                );
                *self.audits.entry(key).or_default() += 1;
            }
            None => return,
        }
        if let Origin::Population { index } = item.origin {
            *self.population_rows.entry(index).or_default() += 1;
        }
    }

    fn write(&self, scenario: &Scenario, out: &mut dyn Write) -> io::Result<()> {
        let sign_ins: u64 = self.sign_ins.values().sum();
        let audits: u64 = self.audits.values().sum();
        writeln!(out)?;
        let by_code: Vec<String> = self
            .sign_ins
            .iter()
            .map(|((code, status), n)| format!("{n} × {code} {status}"))
            .collect();
        writeln!(out, "  sign-in rows: {sign_ins}{}", list(&by_code))?;
        let by_activity: Vec<String> = self
            .audits
            .iter()
            .map(|(key, n)| format!("{n} × {key}"))
            .collect();
        writeln!(out, "  audit rows: {audits}{}", list(&by_activity))?;
        for (index, population) in scenario.populations.iter().enumerate() {
            let rows = self.population_rows.get(&index).copied().unwrap_or(0);
            writeln!(
                out,
                "  population {}: {} users, {rows} rows (not listed above)",
                population.name, population.count
            )?;
        }
        Ok(())
    }
}

fn list(parts: &[String]) -> String {
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
