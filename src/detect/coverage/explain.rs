//! A probed rule's counts turned into reasons a detection engineer can act on: which
//! selection never matched, which field test failed, the closest value seen, and whether Entra
//! can write the value at all.

use super::domains;
use super::probe::{ItemStats, Op, RuleProbe, SelectionStats};
use super::similar::{closest, shorten, similar_field};
use rsigma_eval::MatcherKind;
use rsigma_parser::{ConditionExpr, Quantifier};
use serde::Serialize;
use std::collections::BTreeSet;

/// One reason a rule never fired.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `absent` (no record has the field), `never_matches` (it has values, none fits),
    /// `never_written` (Entra never writes such a value), `not_simulated` (Entra may write
    /// it, entralab does not), `never_together` (each test matched some record, never all
    /// in one), `condition` (every selection matched, the condition never held),
    /// `no_records` (no scenario has a record of the rule's log), `correlation`.
    pub verdict: &'static str,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closest: Option<SeenValue>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_values: Vec<String>,
}

/// A value seen in the records, and in how many.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeenValue {
    pub value: String,
    pub records: u64,
    /// Seen in records where every other test of the selection matched.
    pub where_rest_matched: bool,
}

/// What a noisy rule matched on: the most common value of each of its field tests.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedOn {
    pub selection: String,
    pub field: String,
    pub value: String,
    pub records: u64,
}

impl Finding {
    fn new(selection: Option<&str>, verdict: &'static str, text: String) -> Self {
        Finding {
            selection: selection.map(String::from),
            field: None,
            verdict,
            text,
            closest: None,
            known_values: Vec::new(),
        }
    }
}

/// Why the probed rule (which fired nowhere) never matched, and whether it never can on
/// Entra's values. `fields` are the field names records have, for "did you mean".
pub(super) fn dead_findings(probe: &RuleProbe, fields: &BTreeSet<String>) -> (Vec<Finding>, bool) {
    let what = match probe.service.as_str() {
        "auditlogs" => "directory audit",
        "riskdetection" => "risk detection",
        _ => "sign-in",
    };
    if probe.records == 0 {
        let text = format!("no scenario has a {what} record to run it on");
        return (vec![Finding::new(None, "no_records", text)], false);
    }
    let mut findings = Vec::new();
    let positives: Vec<&SelectionStats> = probe.selections.iter().filter(|s| !s.negated).collect();
    if positives.iter().all(|s| s.matched > 0) {
        let counts: Vec<String> = probe
            .selections
            .iter()
            .map(|s| format!("{}: {}", s.name, s.matched))
            .collect();
        let condition: Vec<String> = probe
            .compiled
            .conditions
            .iter()
            .map(|c| c.to_string())
            .collect();
        findings.push(Finding::new(
            None,
            "condition",
            format!(
                "every selection matched some of the {} {what} records ({}), but the condition {} never held",
                probe.records,
                counts.join(", "),
                condition.join(" | ")
            ),
        ));
        return (findings, false);
    }
    findings.extend(selection_findings(probe, fields));
    let impossible = impossible_selections(probe, &findings);
    let never = !probe
        .compiled
        .conditions
        .iter()
        .any(|c| possible(c, &impossible, probe));
    (findings, never)
}

/// The selections of a rule that fired which never matched (possible only where the
/// condition offers alternatives, `1 of selection_*`), and whether none of them ever can.
pub(super) fn dead_selection_findings(
    probe: &RuleProbe,
    fields: &BTreeSet<String>,
) -> (Vec<Finding>, bool) {
    let findings = selection_findings(probe, fields);
    let impossible = impossible_selections(probe, &findings);
    let never = probe
        .selections
        .iter()
        .filter(|s| !s.negated && s.matched == 0)
        .all(|s| impossible.contains(s.name.as_str()));
    (findings, never)
}

/// Why each selection used without `not` that matched no record did not.
fn selection_findings(probe: &RuleProbe, fields: &BTreeSet<String>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let dead = probe
        .selections
        .iter()
        .filter(|s| !s.negated && s.matched == 0);
    for selection in dead {
        let name = Some(selection.name.as_str());
        if selection.opaque {
            findings.push(Finding::new(
                name,
                "never_matches",
                format!(
                    "`{}` never matched (an array or nested condition, not explained test by test)",
                    selection.name
                ),
            ));
        }
        let failing: Vec<&ItemStats> = selection.items.iter().filter(|i| i.matched == 0).collect();
        if failing.is_empty() && !selection.opaque {
            findings.push(Finding::new(
                name,
                "never_together",
                format!(
                    "each test of `{}` matched some record, but never all in the same record",
                    selection.name
                ),
            ));
            // The test that failed where all the others held, and what it saw there.
            for item in selection.items.iter().filter(|i| !i.near.is_empty()) {
                let Some(seen) = closest(item) else { continue };
                let mut finding = Finding::new(
                    name,
                    "never_together",
                    format!(
                        "where the other tests matched, {} saw '{}' ({} record{})",
                        test_text(item),
                        shorten(&seen.value),
                        seen.records,
                        if seen.records == 1 { "" } else { "s" }
                    ),
                );
                finding.field = item.field.clone();
                finding.closest = Some(seen);
                findings.push(finding);
            }
        }
        for item in failing {
            let mut finding = item_finding(item, &selection.items, &probe.service, fields);
            finding.selection = Some(selection.name.clone());
            findings.push(finding);
        }
    }
    findings
}

/// Selections that never matched because a test that every match needs (not one of a list
/// of alternatives) looks for a value Entra never writes.
fn impossible_selections<'a>(probe: &'a RuleProbe, findings: &[Finding]) -> BTreeSet<&'a str> {
    probe
        .selections
        .iter()
        .filter(|s| {
            s.matched == 0
                && findings.iter().any(|f| {
                    f.selection.as_deref() == Some(s.name.as_str())
                        && f.verdict == "never_written"
                        && s.items
                            .iter()
                            .any(|i| !i.alternative && i.field.is_some() && i.field == f.field)
                })
        })
        .map(|s| s.name.as_str())
        .collect()
}

/// Whether `expr` can hold when the `impossible` selections never match (a negation always
/// can).
fn possible(expr: &ConditionExpr, impossible: &BTreeSet<&str>, probe: &RuleProbe) -> bool {
    match expr {
        ConditionExpr::Identifier(name) => !impossible.contains(name.as_str()),
        ConditionExpr::Not(_) => true,
        ConditionExpr::And(exprs) => exprs.iter().all(|e| possible(e, impossible, probe)),
        ConditionExpr::Or(exprs) => exprs.iter().any(|e| possible(e, impossible, probe)),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let names: Vec<&String> = probe
                .compiled
                .detections
                .keys()
                .filter(|n| pattern.matches_detection_name(n))
                .collect();
            let can = names
                .iter()
                .filter(|n| !impossible.contains(n.as_str()))
                .count() as u64;
            match quantifier {
                Quantifier::Any => can >= 1,
                Quantifier::All => can == names.len() as u64,
                Quantifier::Count(n) => can >= *n,
            }
        }
    }
}

/// The test as written: `Field|modifier: 'value'`.
fn test_text(item: &ItemStats) -> String {
    if let Some(written) = &item.written {
        return written.clone();
    }
    let field = item.field.as_deref().unwrap_or("keyword");
    let pattern = item.pattern.as_deref().unwrap_or("");
    let not = if item.negated { "not " } else { "" };
    match item.kind {
        MatcherKind::Contains => format!("{field}|contains: {not}'{pattern}'"),
        MatcherKind::StartsWith => format!("{field}|startswith: {not}'{pattern}'"),
        MatcherKind::EndsWith => format!("{field}|endswith: {not}'{pattern}'"),
        MatcherKind::Regex => format!("{field}|re: {not}'{pattern}'"),
        MatcherKind::Cidr => format!("{field}|cidr: {not}'{pattern}'"),
        MatcherKind::Exists => format!("{field}|exists: {pattern}"),
        MatcherKind::Null => format!("{field}: {not}null"),
        MatcherKind::OneOf => format!("{field}: {not}[{pattern}]"),
        MatcherKind::Numeric | MatcherKind::Bool => format!("{field}: {not}{pattern}"),
        _ => format!("{field}: {not}'{pattern}'"),
    }
}

fn verb(item: &ItemStats) -> &'static str {
    let all = |op: Op| !item.wanted.is_empty() && item.wanted.iter().all(|w| w.op == op);
    if item.negated {
        return "matches no value";
    }
    if all(Op::Equals) {
        return "never equals any value";
    }
    if all(Op::Contains) {
        return "is in no value";
    }
    match item.kind {
        MatcherKind::Exact => "never equals any value",
        MatcherKind::Contains => "is in no value",
        MatcherKind::StartsWith => "starts no value",
        MatcherKind::EndsWith => "ends no value",
        _ => "matches no value",
    }
}

fn item_finding(
    item: &ItemStats,
    siblings: &[ItemStats],
    service: &str,
    fields: &BTreeSet<String>,
) -> Finding {
    let test = test_text(item);
    let Some(field) = item.field.as_deref() else {
        return Finding::new(None, "never_matches", format!("{test} is in no record"));
    };
    let mut finding = Finding::new(None, "never_matches", String::new());
    finding.field = Some(field.to_string());
    if item.present == 0 && item.kind != MatcherKind::Null {
        finding.verdict = "absent";
        finding.text = format!(
            "`{field}` is in no record (in none of its Log Analytics, Event Hub or Graph forms)"
        );
        if let Some(similar) = similar_field(field, fields) {
            finding
                .text
                .push_str(&format!("; did you mean `{similar}`?"));
        }
        return finding;
    }
    finding.closest = closest(item);
    finding.text = format!("{test} {}", verb(item));
    if let Some(seen) = &finding.closest {
        let place = if seen.where_rest_matched {
            " where the rest matched"
        } else {
            ""
        };
        finding.text.push_str(&format!(
            "; closest seen{place}: '{}' ({} record{})",
            shorten(&seen.value),
            seen.records,
            if seen.records == 1 { "" } else { "s" }
        ));
    }
    if let Some(verdict) =
        domains::object_field(item).or_else(|| domains::judge(item, siblings, service))
    {
        finding.verdict = verdict.verdict;
        finding.known_values = verdict.known_values;
        finding.text.push_str(" — ");
        finding.text.push_str(&verdict.note);
    }
    finding
}

/// The most common matched value of each field test of the selections a noisy rule matched.
pub(super) fn matched_on(probe: &RuleProbe) -> Vec<MatchedOn> {
    let mut out = Vec::new();
    for selection in probe
        .selections
        .iter()
        .filter(|s| !s.negated && s.matched > 0)
    {
        for item in &selection.items {
            let (Some(field), Some((value, &records))) = (
                item.field.as_deref(),
                item.seen
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))),
            ) else {
                continue;
            };
            out.push(MatchedOn {
                selection: selection.name.clone(),
                field: field.to_string(),
                value: shorten(value),
                records,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_pinned_to_a_known_code_that_entra_never_writes_says_so() {
        let code = ItemStats::example(
            "ResultType",
            Op::Equals,
            "50057",
            &[("50057", 16), ("0", 3)],
        );
        let text = ItemStats::example(
            "ResultDescription",
            Op::Equals,
            "Failure",
            &[(
                "User account is disabled. The account has been disabled by an administrator.",
                16,
            )],
        );
        let siblings = [code, text.clone()];
        let finding = item_finding(&text, &siblings, "signinlogs", &BTreeSet::new());
        assert_eq!(finding.verdict, "never_written");
        assert!(
            finding.text.starts_with(
                "ResultDescription: 'Failure' never equals any value; closest seen: 'User account is disabled."
            ),
            "{}",
            finding.text
        );
        assert!(
            finding.text.contains(
                "never written by Entra: 50057 is written with 'User account is disabled."
            ),
            "{}",
            finding.text
        );
    }

    #[test]
    fn closed_fields_unknown_codes_and_absent_fields_get_their_reasons() {
        let requirement = ItemStats::example(
            "AuthenticationRequirement",
            Op::Equals,
            "mfa",
            &[("singleFactorAuthentication", 5)],
        );
        let finding = item_finding(&requirement, &[], "signinlogs", &BTreeSet::new());
        assert_eq!(finding.verdict, "never_written");
        assert!(finding.text.ends_with(
            "never written by Entra; known values: singleFactorAuthentication, multiFactorAuthentication"
        ));

        let code = ItemStats::example("ResultType", Op::Equals, "50097", &[("0", 5)]);
        let finding = item_finding(&code, &[], "signinlogs", &BTreeSet::new());
        assert_eq!(finding.verdict, "not_simulated");

        let fields: BTreeSet<String> =
            ["ClientAppUsed".to_string(), "UserAgent".to_string()].into();
        let absent = ItemStats::example("ClientApp", Op::Equals, "IMAP", &[]);
        let finding = item_finding(&absent, &[], "signinlogs", &fields);
        assert_eq!(finding.verdict, "absent");
        assert!(
            finding.text.ends_with("did you mean `ClientAppUsed`?"),
            "{}",
            finding.text
        );

        let status = ItemStats::example(
            "Status",
            Op::Equals,
            "Success",
            &[(r#"{"errorCode":0}"#, 5)],
        );
        let finding = item_finding(&status, &[], "signinlogs", &fields);
        assert_eq!(finding.verdict, "never_written");
        assert!(
            finding.text.contains("e.g. `Status.errorCode`"),
            "{}",
            finding.text
        );
    }
}
