//! The coverage report as text: a summary, the scenarios (numbered, as the matrix's columns),
//! the matrix of the rules that fired, then the noisy, dead and not applicable rules.

use super::{CoverageReport, DeadRule, RuleRow};
use std::fmt::Write;
use std::path::Path;

/// Widest rule title in the matrix; longer ones are cut with `...` (the full title is in
/// the lists below it and in the JSON).
const TITLE_WIDTH: usize = 48;

/// `rules_dir` is what `--rules` named: file paths are shown relative to it.
pub fn render_text(report: &CoverageReport, rules_dir: &Path) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(
        out,
        "Rule coverage: {} rule(s) applicable, {} not applicable; {} scenario(s)",
        s.applicable,
        s.not_applicable,
        report.scenarios.len()
    );
    let _ = writeln!(
        out,
        "  firing {} ({} with a dead selection), dead {} ({} can never fire on Entra's values), noisy {}",
        s.firing, s.dead_selections, s.dead, s.never_fire, s.noisy
    );
    scenarios(&mut out, report);
    matrix(&mut out, report);
    noisy(&mut out, report);
    dead(&mut out, report, rules_dir);
    dead_selections(&mut out, report, rules_dir);
    not_applicable(&mut out, report, rules_dir);
    out
}

fn scenarios(out: &mut String, report: &CoverageReport) {
    let _ = writeln!(out, "\nScenarios");
    let width = report
        .scenarios
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let digits = |n: u64| n.to_string().len();
    let sign_ins = report
        .scenarios
        .iter()
        .map(|s| digits(s.sign_ins))
        .max()
        .unwrap_or(1);
    let audits = report
        .scenarios
        .iter()
        .map(|s| digits(s.audits))
        .max()
        .unwrap_or(1);
    for (i, s) in report.scenarios.iter().enumerate() {
        let label = format!("S{}", i + 1);
        let mark = if s.benign { "benign" } else { "" };
        let _ = writeln!(
            out,
            "  {label:>4}  {:width$}  {mark:6}  {:>sign_ins$} sign-in(s), {:>audits$} audit(s)",
            s.name, s.sign_ins, s.audits
        );
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width - 3).collect();
        format!("{kept}...")
    }
}

fn matrix(out: &mut String, report: &CoverageReport) {
    let firing: Vec<&RuleRow> = report.rules.iter().filter(|r| r.total > 0).collect();
    let _ = writeln!(
        out,
        "\nMatches of the {} rule(s) that fired ('.' = none; S = scenario above; \
         * = helper rule of a correlation, not an alert)",
        firing.len()
    );
    if firing.is_empty() {
        return;
    }
    let columns: Vec<usize> = (0..report.scenarios.len())
        .map(|s| {
            firing
                .iter()
                .map(|r| r.matches[s].to_string().len())
                .chain([format!("S{}", s + 1).len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let title_width = firing
        .iter()
        .map(|r| (r.rule.title.chars().count() + if r.helper { 2 } else { 0 }).min(TITLE_WIDTH))
        .max()
        .unwrap_or(0);
    let mut header = format!("  {:title_width$}", "rule");
    for (s, width) in columns.iter().enumerate() {
        let _ = write!(header, "  {:>width$}", format!("S{}", s + 1));
    }
    let total_width = firing
        .iter()
        .map(|r| r.total.to_string().len())
        .chain(["total".len()])
        .max()
        .unwrap_or(5);
    let _ = writeln!(out, "{header}  {:>total_width$}", "total");
    for row in firing {
        let title = if row.helper {
            format!("{} *", cut(&row.rule.title, TITLE_WIDTH - 2))
        } else {
            cut(&row.rule.title, TITLE_WIDTH)
        };
        let pad = title_width.saturating_sub(title.chars().count());
        let mut line = format!("  {title}{}", " ".repeat(pad));
        for (m, width) in row.matches.iter().zip(&columns) {
            let cell = if *m == 0 {
                ".".to_string()
            } else {
                m.to_string()
            };
            let _ = write!(line, "  {cell:>width$}");
        }
        let _ = writeln!(out, "{line}  {:>total_width$}", row.total);
    }
}

fn rule_label(title: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{title}  [{id}]"),
        None => title.to_string(),
    }
}

fn noisy(out: &mut String, report: &CoverageReport) {
    let _ = writeln!(
        out,
        "\nNoisy: fired on benign noise ({} rule(s))",
        report.summary.noisy
    );
    for n in &report.noisy {
        let _ = writeln!(out, "  {}", rule_label(&n.rule.title, n.rule.id.as_deref()));
        let what = if n.rule.service == "auditlogs" {
            "audit(s)"
        } else {
            "sign-in(s)"
        };
        let _ = writeln!(
            out,
            "      {}: {} of {} {what} ({:.1}%)",
            n.scenario,
            n.matches,
            n.records,
            n.share * 100.0
        );
        for m in &n.matched_on {
            let _ = writeln!(
                out,
                "      matched on {}: {} = '{}' ({} record(s))",
                m.selection, m.field, m.value, m.records
            );
        }
        let _ = match n.falsepositives.as_slice() {
            [] => writeln!(out, "      the rule lists no false positives"),
            listed => writeln!(
                out,
                "      the rule's falsepositives: {}",
                listed.join("; ")
            ),
        };
    }
}

/// `file` relative to the `--rules` folder (its name, when `--rules` named the file).
fn relative<'a>(file: &'a Path, rules_dir: &Path) -> std::path::Display<'a> {
    match file.strip_prefix(rules_dir) {
        Ok(inside) if !inside.as_os_str().is_empty() => inside.display(),
        _ => file.display(),
    }
}

fn dead(out: &mut String, report: &CoverageReport, rules_dir: &Path) {
    let _ = writeln!(
        out,
        "\nDead: fired on no scenario ({} rule(s), {} can never fire on Entra's values)",
        report.summary.dead, report.summary.never_fire
    );
    explained(out, &report.dead, rules_dir, "can never fire");
}

fn dead_selections(out: &mut String, report: &CoverageReport, rules_dir: &Path) {
    let _ = writeln!(
        out,
        "\nDead selections: fired, but an alternative selection never matched ({} rule(s))",
        report.summary.dead_selections
    );
    explained(
        out,
        &report.dead_selections,
        rules_dir,
        "it can never match",
    );
}

fn explained(out: &mut String, rules: &[DeadRule], rules_dir: &Path, never: &str) {
    for d in rules {
        let never = if d.can_never_fire {
            format!("  ({never})")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {}  {}{never}",
            rule_label(&d.rule.title, d.rule.id.as_deref()),
            relative(&d.rule.file, rules_dir)
        );
        for f in &d.findings {
            match &f.selection {
                Some(selection) => {
                    let _ = writeln!(out, "      {selection}: {}", f.text);
                }
                None => {
                    let _ = writeln!(out, "      {}", f.text);
                }
            }
        }
    }
}

fn not_applicable(out: &mut String, report: &CoverageReport, rules_dir: &Path) {
    let _ = writeln!(
        out,
        "\nNot applicable ({} rule(s) or file(s); entralab produces `product: azure` with \
         `service: signinlogs` or `auditlogs`)",
        report.not_applicable.len()
    );
    for n in &report.not_applicable {
        let title = n
            .title
            .as_deref()
            .map(|t| format!(" `{t}`"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}{title}: {}",
            relative(&n.file, rules_dir),
            n.reason
        );
    }
}
