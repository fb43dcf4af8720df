//! Why a rule matched nothing, or what it matched on: every selection and field test of a rule,
//! counted over records with rsigma's `explain_rule` (which evaluates every branch, where the
//! engine stops at the first failing one).
//!
//! Explaining costs far more than matching, and most records look alike to one rule: records
//! whose values of the rule's fields are the same get the same explanation, so a rule is
//! explained once per distinct combination of those values and the counts are added.

use crate::detect::RecordEvent;
use rsigma_eval::compiler::{CompiledDetection, CompiledRule};
use rsigma_eval::event::Event;
use rsigma_eval::{CompiledMatcher, ConditionTrace, DetectionTrace, ItemTrace, MatcherKind};
use rsigma_parser::ConditionExpr;
use std::collections::{BTreeMap, HashMap};

/// Distinct values kept per field test (for the closest value and the "matched on" values).
const MAX_SEEN: usize = 256;
/// Distinct value combinations remembered per rule; past it every record is explained.
const MAX_CACHED: usize = 50_000;

/// What a value test looks for, as written in the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Op {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Wanted {
    pub op: Op,
    pub value: String,
}

/// One field test (`Field|modifier: values`) of a selection, counted over records.
#[derive(Debug, Clone)]
pub(super) struct ItemStats {
    pub field: Option<String>,
    pub kind: MatcherKind,
    pub pattern: Option<String>,
    /// The matcher is negated (`|not` style): it cannot be explained by its values.
    pub negated: bool,
    /// Inside a list of alternatives (a YAML list of mappings): failing it alone does not
    /// make the selection impossible.
    pub alternative: bool,
    pub wanted: Vec<Wanted>,
    /// The test as the rule writes it (`Field|contains: 'Value'`), when it can be told.
    pub written: Option<String>,
    pub matched: u64,
    /// Records in which the field had a value (not absent).
    pub present: u64,
    /// Distinct values seen (text form) and in how many records, at most [`MAX_SEEN`].
    pub seen: BTreeMap<String, u64>,
    /// The same, only in records where every other test of the selection matched: the
    /// values this test stood in the way of.
    pub near: BTreeMap<String, u64>,
}

#[derive(Debug, Clone)]
pub(super) struct SelectionStats {
    pub name: String,
    /// Used under a `not` in the condition (a filter): it need not match.
    pub negated: bool,
    pub matched: u64,
    /// Not explained item by item (array blocks, extended conditions).
    pub opaque: bool,
    pub items: Vec<ItemStats>,
}

/// One rule's selections and field tests, counted over the records it was shown.
pub(super) struct RuleProbe {
    pub compiled: CompiledRule,
    pub service: String,
    /// Count only records the rule matched (what a noisy rule fires on), not all of them.
    pub matched_only: bool,
    pub selections: Vec<SelectionStats>,
    /// Records of the rule's service shown to it, and how many of them it matched.
    pub records: u64,
    pub matched: u64,
    fields: Vec<String>,
    keyed: bool,
    cache: HashMap<String, Outcome>,
}

/// What explaining one record gave: the verdict, and per selection and item whether it
/// matched and the value it saw.
#[derive(Clone)]
struct Outcome {
    matched: bool,
    selections: Vec<(bool, Vec<ItemOutcome>)>,
}

/// Whether a field test matched, and the value it saw.
type ItemOutcome = (bool, Option<String>);

impl RuleProbe {
    pub fn new(rule: &rsigma_parser::SigmaRule, service: &str, matched_only: bool) -> Option<Self> {
        let compiled = rsigma_eval::compile_rule(rule).ok()?;
        let mut negated = BTreeMap::new();
        for condition in &compiled.conditions {
            mark_negated(condition, false, &compiled, &mut negated);
        }
        let mut names: Vec<&String> = compiled.detections.keys().collect();
        names.sort();
        let mut fields = Vec::new();
        let mut keyed = true;
        let selections = names
            .into_iter()
            .map(|name| {
                let mut items = Vec::new();
                let opaque = !flatten_compiled(&compiled.detections[name], false, &mut items);
                let written = written_tests(rule.detection.named.get(name.as_str()));
                let items: Vec<ItemStats> = items
                    .into_iter()
                    .map(|(field, matcher, alternative)| {
                        match field {
                            Some(f) => fields.push(f.to_string()),
                            None => keyed = false,
                        }
                        referenced_fields(matcher, &mut fields);
                        let described = matcher.describe();
                        let mut wanted = Vec::new();
                        wanted_values(matcher, &mut wanted);
                        ItemStats {
                            written: field.and_then(|f| written.get(f)?.clone()),
                            field: field.map(String::from),
                            kind: described.kind,
                            pattern: described.pattern,
                            negated: described.negated,
                            alternative,
                            wanted,
                            matched: 0,
                            present: 0,
                            seen: BTreeMap::new(),
                            near: BTreeMap::new(),
                        }
                    })
                    .collect();
                SelectionStats {
                    negated: negated.get(name.as_str()).copied().unwrap_or(false),
                    name: name.clone(),
                    matched: 0,
                    opaque,
                    items,
                }
            })
            .collect();
        fields.sort();
        fields.dedup();
        Some(RuleProbe {
            compiled,
            service: service.to_string(),
            matched_only,
            selections,
            records: 0,
            matched: 0,
            fields,
            keyed,
            cache: HashMap::new(),
        })
    }

    /// Selections the condition uses without `not`.
    pub fn positive_selections(&self) -> usize {
        self.selections.iter().filter(|s| !s.negated).count()
    }

    /// Counts one record (of any service: others are ignored).
    /// `service`: the log the event is from (`signinlogs`, `auditlogs`, `riskdetection`).
    pub fn push(&mut self, event: &RecordEvent, service: &str) {
        if service != self.service {
            return;
        }
        self.records += 1;
        let key = self.keyed.then(|| self.key(event));
        let outcome = match key.as_ref().and_then(|k| self.cache.get(k)) {
            Some(outcome) => outcome.clone(),
            None => {
                let outcome = self.explain(event);
                if let Some(key) = key
                    && self.cache.len() < MAX_CACHED
                {
                    self.cache.insert(key, outcome.clone());
                }
                outcome
            }
        };
        if outcome.matched {
            self.matched += 1;
        } else if self.matched_only {
            return;
        }
        for (stats, (matched, items)) in self.selections.iter_mut().zip(outcome.selections) {
            stats.matched += u64::from(matched);
            if self.matched_only && !matched {
                continue;
            }
            let failed = items.iter().filter(|(matched, _)| !matched).count();
            let several = items.len() > 1;
            for (item, (matched, actual)) in stats.items.iter_mut().zip(items) {
                item.matched += u64::from(matched);
                let Some(actual) = actual else { continue };
                item.present += 1;
                if self.matched_only && !matched {
                    continue;
                }
                let rest_matched = several && failed == usize::from(!matched);
                for (map, wanted) in [(&mut item.seen, true), (&mut item.near, rest_matched)] {
                    if wanted && (map.len() < MAX_SEEN || map.contains_key(&actual)) {
                        *map.entry(actual.clone()).or_default() += 1;
                    }
                }
            }
        }
    }

    /// The rule's fields' values in `event`, as one string.
    fn key(&self, event: &RecordEvent) -> String {
        let mut key = String::new();
        for field in &self.fields {
            match event.get_field(field) {
                Some(value) => key.push_str(&value.to_json().to_string()),
                None => key.push('\u{0}'),
            }
            key.push('\u{1f}');
        }
        key
    }

    fn explain(&self, event: &RecordEvent) -> Outcome {
        let explanation = rsigma_eval::explain_rule(&self.compiled, event);
        let mut traces: BTreeMap<&str, &DetectionTrace> = BTreeMap::new();
        for condition in &explanation.conditions {
            selection_traces(condition, &mut traces);
        }
        let selections = self
            .selections
            .iter()
            .map(|stats| match traces.get(stats.name.as_str()) {
                Some(trace) => {
                    let mut items = Vec::new();
                    flatten_trace(trace, &mut items);
                    let items = items
                        .into_iter()
                        .map(|item| (item.matched, item.actual.as_ref().and_then(value_text)))
                        .collect();
                    (trace.matched(), items)
                }
                None => (false, Vec::new()),
            })
            .collect();
        Outcome {
            matched: explanation.matched,
            selections,
        }
    }
}

/// Each field's test as the rule writes it (`Field|modifier: 'Value'`), from the parsed
/// rule; a field tested twice in one selection is left out (it cannot be told apart).
fn written_tests(detection: Option<&rsigma_parser::Detection>) -> BTreeMap<&str, Option<String>> {
    fn walk<'a>(d: &'a rsigma_parser::Detection, out: &mut BTreeMap<&'a str, Option<String>>) {
        match d {
            rsigma_parser::Detection::AllOf(items) => {
                for item in items {
                    let Some(name) = item.field.name.as_deref() else {
                        continue;
                    };
                    let modifiers: String = item
                        .field
                        .modifiers
                        .iter()
                        .filter_map(|m| serde_json::to_value(m).ok()?.as_str().map(String::from))
                        .map(|m| format!("|{m}"))
                        .collect();
                    let quoted: Vec<String> = item
                        .values
                        .iter()
                        .map(|v| match v {
                            rsigma_parser::SigmaValue::String(_) => format!("'{v}'"),
                            other => other.to_string(),
                        })
                        .collect();
                    let values = match quoted.as_slice() {
                        [one] => one.clone(),
                        many => format!("[{}]", many.join(", ")),
                    };
                    let text = format!("{name}{modifiers}: {values}");
                    out.entry(name)
                        .and_modify(|seen| *seen = None)
                        .or_insert(Some(text));
                }
            }
            rsigma_parser::Detection::AnyOf(branches) => branches.iter().for_each(|b| walk(b, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Some(d) = detection {
        walk(d, &mut out);
    }
    out
}

/// A seen value as text; `null` counts as absent.
fn value_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Records which selections the condition uses under an odd number of `not`s.
fn mark_negated(
    expr: &ConditionExpr,
    negated: bool,
    rule: &CompiledRule,
    out: &mut BTreeMap<String, bool>,
) {
    match expr {
        ConditionExpr::Identifier(name) => {
            out.entry(name.clone()).or_insert(negated);
        }
        ConditionExpr::Not(inner) => mark_negated(inner, !negated, rule, out),
        ConditionExpr::And(exprs) | ConditionExpr::Or(exprs) => {
            for e in exprs {
                mark_negated(e, negated, rule, out);
            }
        }
        ConditionExpr::Selector { pattern, .. } => {
            for name in rule.detections.keys() {
                if pattern.matches_detection_name(name) {
                    out.entry(name.clone()).or_insert(negated);
                }
            }
        }
    }
}

/// The field tests of a detection in order, with whether each sits in a list of
/// alternatives. Returns false when part of it cannot be explained test by test.
fn flatten_compiled<'a>(
    detection: &'a CompiledDetection,
    alternative: bool,
    out: &mut Vec<(Option<&'a str>, &'a CompiledMatcher, bool)>,
) -> bool {
    match detection {
        CompiledDetection::AllOf(items) => {
            out.extend(
                items
                    .iter()
                    .map(|i| (i.field.as_deref(), &i.matcher, alternative)),
            );
            true
        }
        CompiledDetection::AnyOf(branches) | CompiledDetection::And(branches) => {
            let alternative = alternative || matches!(detection, CompiledDetection::AnyOf(_));
            // Every branch is flattened, even after one that cannot be explained.
            let mut explained = true;
            for branch in branches {
                explained &= flatten_compiled(branch, alternative, out);
            }
            explained
        }
        CompiledDetection::Keywords(matcher) => {
            out.push((None, matcher, alternative));
            true
        }
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => false,
    }
}

/// The same walk over an explanation (it mirrors the compiled detection).
fn flatten_trace<'a>(trace: &'a DetectionTrace, out: &mut Vec<&'a ItemTrace>) {
    match trace {
        DetectionTrace::AllOf { items, .. } => out.extend(items),
        DetectionTrace::AnyOf { branches, .. } | DetectionTrace::And { branches, .. } => {
            branches.iter().for_each(|b| flatten_trace(b, out))
        }
        DetectionTrace::Keywords { item, .. } => out.push(item),
        DetectionTrace::ArrayMatch { .. }
        | DetectionTrace::Conditional { .. }
        | DetectionTrace::Other { .. } => {}
    }
}

fn selection_traces<'a>(
    trace: &'a ConditionTrace,
    out: &mut BTreeMap<&'a str, &'a DetectionTrace>,
) {
    match trace {
        ConditionTrace::Selection {
            name, detection, ..
        } => {
            out.entry(name.as_str()).or_insert(detection);
        }
        ConditionTrace::And { children, .. } | ConditionTrace::Or { children, .. } => {
            children.iter().for_each(|c| selection_traces(c, out))
        }
        ConditionTrace::Not { child, .. } => selection_traces(child, out),
        ConditionTrace::Quantified { branches, .. } => {
            for branch in branches {
                out.entry(branch.name.as_str()).or_insert(&branch.detection);
            }
        }
    }
}

/// Fields a matcher compares with (`|fieldref`): their values decide the outcome too.
fn referenced_fields(matcher: &CompiledMatcher, out: &mut Vec<String>) {
    match matcher {
        CompiledMatcher::FieldRef { field, .. } => out.push(field.clone()),
        CompiledMatcher::Not(inner) | CompiledMatcher::TimestampPart { inner, .. } => {
            referenced_fields(inner, out)
        }
        CompiledMatcher::AnyOf(children)
        | CompiledMatcher::AllOf(children)
        | CompiledMatcher::CaseInsensitiveGroup { children, .. } => {
            children.iter().for_each(|c| referenced_fields(c, out))
        }
        _ => {}
    }
}

/// The literal values a matcher looks for (negated and pattern matchers have none).
pub(super) fn wanted_values(matcher: &CompiledMatcher, out: &mut Vec<Wanted>) {
    let mut push = |op, value: &str| {
        out.push(Wanted {
            op,
            value: value.to_string(),
        })
    };
    match matcher {
        CompiledMatcher::Exact { value, .. } => push(Op::Equals, value),
        CompiledMatcher::Contains { value, .. } => push(Op::Contains, value),
        CompiledMatcher::StartsWith { value, .. } => push(Op::StartsWith, value),
        CompiledMatcher::EndsWith { value, .. } => push(Op::EndsWith, value),
        CompiledMatcher::AhoCorasickSet { needles, .. } => {
            needles.iter().for_each(|n| push(Op::Contains, n))
        }
        CompiledMatcher::NumericEq(n) => push(Op::Equals, &number_text(*n)),
        CompiledMatcher::BoolEq(b) => push(Op::Equals, &b.to_string()),
        CompiledMatcher::AnyOf(children)
        | CompiledMatcher::AllOf(children)
        | CompiledMatcher::CaseInsensitiveGroup { children, .. } => {
            children.iter().for_each(|c| wanted_values(c, out))
        }
        _ => {}
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
impl ItemStats {
    /// A field test that matched nothing, with the values it saw.
    pub(super) fn example(field: &str, op: Op, wanted: &str, seen: &[(&str, u64)]) -> ItemStats {
        ItemStats {
            field: Some(field.into()),
            kind: match op {
                Op::Contains => MatcherKind::Contains,
                _ => MatcherKind::Exact,
            },
            pattern: Some(wanted.into()),
            negated: false,
            alternative: false,
            wanted: vec![Wanted {
                op,
                value: wanted.into(),
            }],
            matched: 0,
            present: seen.iter().map(|s| s.1).sum(),
            written: None,
            seen: seen
                .iter()
                .map(|(v, n)| (v.to_string(), *n))
                .collect::<BTreeMap<_, _>>(),
            near: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(yaml: &str) -> RuleProbe {
        let collection = rsigma_parser::parse_sigma_yaml(yaml).unwrap();
        RuleProbe::new(&collection.rules[0], "signinlogs", false).unwrap()
    }

    #[test]
    fn selections_come_sorted_with_their_filters_marked() {
        let p = probe(
            "title: t\nlogsource: { product: azure, service: signinlogs }\ndetection:\n  \
             selection: { ResultType: 0, UserAgent|contains: [a, b] }\n  \
             filter: { AuthenticationRequirement: multiFactorAuthentication }\n  \
             condition: selection and not filter\n",
        );
        let names: Vec<(&str, bool)> = p
            .selections
            .iter()
            .map(|s| (s.name.as_str(), s.negated))
            .collect();
        assert_eq!(names, [("filter", true), ("selection", false)]);
        let selection = &p.selections[1];
        assert_eq!(selection.items.len(), 2);
        assert_eq!(
            selection.items[1].wanted,
            [
                Wanted {
                    op: Op::Contains,
                    value: "a".into()
                },
                Wanted {
                    op: Op::Contains,
                    value: "b".into()
                }
            ]
        );
        assert_eq!(selection.items[0].wanted[0].value, "0");
        assert_eq!(
            p.fields,
            ["AuthenticationRequirement", "ResultType", "UserAgent"]
        );
    }
}
