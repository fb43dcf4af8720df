//! `explain`'s text: one block per topic, in the order a learner asks the questions (what is
//! it, what do I see, why did it happen, where can I see it, what watches for it).

use super::{RuleMention, ShownIn, Topic};
use crate::catalog::PortalStatus;
use crate::catalog::audit::activity_text;
use crate::catalog::teaching::code_cause;
use std::fmt::Write;

/// The explanation of `topic`; `rules` is `None` without `--rules`.
pub fn render(topic: &Topic, shown: Option<&ShownIn>, rules: Option<&[RuleMention]>) -> String {
    let mut out = String::new();
    match topic {
        Topic::Code(c) => {
            code_head(
                &mut out,
                c.code,
                c.name,
                c.meaning,
                c.portal_status,
                c.failure_reason,
            );
            line(
                &mut out,
                "Additional details",
                c.additional_details.unwrap_or("(empty)"),
            );
            section(&mut out, "What causes it in entralab");
            if let Some(cause) = code_cause(c.code) {
                wrapped(&mut out, &sentence(cause.cause));
                knobs(&mut out, cause.knobs);
            }
        }
        Topic::OtherCode(c) => {
            code_head(
                &mut out,
                c.code,
                c.name,
                c.meaning,
                c.portal_status,
                c.failure_reason,
            );
            section(&mut out, "What causes it in entralab");
            let _ = writeln!(
                out,
                "  Nothing: entralab does not simulate this code. The text above is from \
                 the reference (docs/explain.md)."
            );
        }
        Topic::Sspr(s) => {
            let _ = writeln!(out, "{}: {}", s.display_name, s.meaning);
            section(&mut out, "What the admin centre shows (Audit logs)");
            line(&mut out, "Service", crate::catalog::SSPR_SERVICE);
            line(&mut out, "Category", crate::catalog::USER_MANAGEMENT);
            line(&mut out, "Activity", s.display_name);
            line(&mut out, "Activity type", crate::catalog::OPERATION_UPDATE);
            line(&mut out, "Status reasons", &s.reasons.join(" | "));
            section(&mut out, "What causes it in entralab");
            wrapped(&mut out, &sentence(s.cause));
            knobs(&mut out, s.knobs);
        }
        Topic::Activity(a) => {
            let (meaning, actions) = activity_text(a.key).unwrap_or(("", &[]));
            let _ = writeln!(out, "{}: {}", a.display_name, meaning);
            section(&mut out, "What the admin centre shows (Audit logs)");
            line(&mut out, "Service", a.service);
            line(&mut out, "Category", a.category);
            line(&mut out, "Activity", a.display_name);
            line(&mut out, "Activity type", a.operation_type);
            line(
                &mut out,
                "Status",
                "success (failure when the step says `outcome: failure`, with its `reason`)",
            );
            let targets: Vec<&str> = a.targets.iter().map(|t| t.wire()).collect();
            line(&mut out, "Targets", &targets.join(", "));
            if !a.modified.is_empty() {
                line(&mut out, "Modified properties", &a.modified.join(", "));
            }
            if !a.details.is_empty() {
                line(&mut out, "Additional details", &a.details.join(", "));
            }
            section(&mut out, "What causes it in entralab");
            let steps: Vec<String> = actions
                .iter()
                .map(|action| format!("`directory: {{ action: {action} }}`"))
                .collect();
            let _ = writeln!(
                out,
                "  A timeline step {} (catalogue key `{}`).",
                steps.join(" or "),
                a.key
            );
            wrapped(&mut out, &format!("Source of these facts: {}", a.source));
        }
        Topic::Risk(r) => super::render_risk::risk_body(&mut out, r),
    }
    section(&mut out, "Shown in");
    match shown {
        Some(s) => {
            let (rows, first) = match topic {
                Topic::Risk(_) => ("detection", "the first detected at"),
                _ => ("row", "the first at"),
            };
            let _ = writeln!(
                out,
                "  {} ({} {rows}{}, {first} {})",
                s.path,
                s.rows,
                if s.rows == 1 { "" } else { "s" },
                s.first
            );
            let _ = writeln!(out, "  see it: entralab run {}", s.path);
        }
        None => {
            let _ = writeln!(out, "  no shipped scenario logs it");
        }
    }
    if let Some(rules) = rules {
        section(&mut out, "Rules that look at it");
        if rules.is_empty() {
            let _ = writeln!(out, "  none in the given folder");
        }
        for rule in rules {
            let _ = writeln!(
                out,
                "  {} ({}, by {})",
                rule.title,
                rule.path.display(),
                rule.field
            );
        }
    }
    out
}

/// A code's headline and the admin centre's columns every code has.
fn code_head(
    out: &mut String,
    code: i32,
    name: &str,
    meaning: &str,
    status: PortalStatus,
    failure_reason: &str,
) {
    let _ = writeln!(out, "{code} ({name}): {meaning}");
    section(out, "What the admin centre shows (Sign-in logs)");
    line(out, "Status", status.label());
    line(out, "Sign-in error code", &code.to_string());
    line(out, "Failure reason", failure_reason);
}

pub(super) fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

pub(super) fn line(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "  {:<22}{value}", format!("{label}:"));
}

pub(super) fn knobs(out: &mut String, knobs: &[&str]) {
    if !knobs.is_empty() {
        wrapped(out, &format!("Scenario knobs: {}", knobs.join(", ")));
    }
}

/// `text` indented by two spaces, wrapped at word boundaries to 100 columns.
pub(super) fn wrapped(out: &mut String, text: &str) {
    const WIDTH: usize = 98;
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            let _ = writeln!(out, "  {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "  {line}");
    }
}

/// The catalogue's cause as a sentence: capitalised, with a full stop; source line breaks
/// of the string literal collapsed.
pub(super) fn sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
