//! Expectations as written (`expect:`) checked and turned into `Expectation`s: known field
//! paths, operators and users.

use super::Resolver;
use crate::graph::paths::{
    directory_audit_paths, known_path, risk_detection_paths, risky_user_paths, sign_in_paths,
};
use crate::scenario::model::{
    Check, Comparison, CountSpec, Expectation, Field, FieldMatch, GroupCheck, MatchOp, RecordKind,
    Scalar, SequenceStep, User,
};
use crate::scenario::spec::expect::{
    EachGroupSpec, ExpectationSpec, MatcherMap, MatcherSpec, OperandSpec,
};
use crate::scenario::suggest;
use serde_saphyr::Spanned;

const OPERATORS: &[&str] = &[
    "equals",
    "one_of",
    "contains",
    "starts_with",
    "regex",
    "gt",
    "ge",
    "lt",
    "le",
    "exists",
    "not",
];

impl Resolver<'_> {
    pub(super) fn expectations(
        &mut self,
        specs: Vec<Spanned<ExpectationSpec>>,
        users: &[User],
    ) -> Vec<Expectation> {
        specs
            .into_iter()
            .enumerate()
            .filter_map(|(i, spec)| self.expectation(i, spec, users))
            .collect()
    }

    fn expectation(
        &mut self,
        index: usize,
        spec: Spanned<ExpectationSpec>,
        users: &[User],
    ) -> Option<Expectation> {
        let at = spec.referenced;
        let spec = spec.value;
        let errors_before = self.error_count();
        let mut selectors: Vec<(RecordKind, Spanned<MatcherMap>)> = [
            (RecordKind::SignIns, spec.sign_ins),
            (RecordKind::Audits, spec.audits),
            (RecordKind::RiskDetections, spec.risk_detections),
            (RecordKind::RiskyUsers, spec.risky_users),
        ]
        .into_iter()
        .filter_map(|(kind, selector)| selector.map(|s| (kind, s)))
        .collect();
        if selectors.len() > 1 {
            let kinds: Vec<&str> = selectors.iter().map(|(k, _)| k.label()).collect();
            self.error(
                at,
                format!(
                    "an expectation reads one kind of record; this one reads {}",
                    kinds.join(" and ")
                ),
                "this expectation",
                "split it into one expectation per kind",
            );
            return None;
        }
        let Some((kind, selector)) = selectors.pop() else {
            self.error(
                at,
                "this expectation reads no records",
                "this expectation",
                "add `sign_ins: {...}`, `audits: {...}`, `risk_detections: {...}` or `risky_users: {...}` (`{}` selects all)",
            );
            return None;
        };
        let select = self.matchers(&selector.value, kind, users);
        let mut checks = Vec::new();
        if let Some(count) = spec.count {
            checks.push(Check::Count(count.value));
        }
        if let Some(all) = spec.all {
            checks.push(Check::All(self.matchers(&all.value, kind, users)));
        }
        if let Some(same) = spec.same {
            let fields = same.iter().filter_map(|f| self.path(f, kind)).collect();
            checks.push(Check::Same(fields));
        }
        if let Some(within) = spec.within {
            checks.push(Check::Within(within.ticks()));
        }
        if let Some(sequence) = spec.sequence {
            if sequence.value.is_empty() {
                self.error(
                    sequence.referenced,
                    "an empty sequence expects nothing",
                    "empty",
                    "list the steps, like - { status/errorCode: 50126, times: 2 }",
                );
            }
            let steps = sequence
                .value
                .into_iter()
                .map(|step| SequenceStep {
                    matchers: self.matchers(&step.matchers, kind, users),
                    times: step.times.map_or(
                        CountSpec {
                            min: 1,
                            max: Some(1),
                        },
                        |t| t.value,
                    ),
                })
                .collect();
            checks.push(Check::Sequence(steps));
        }
        match (spec.group_by, spec.groups, spec.each) {
            (Some(by), groups, each) => {
                let by_path = self.path(&by, kind);
                let each = each.unwrap_or(EachGroupSpec {
                    first: None,
                    last: None,
                    count: None,
                    contiguous: false,
                    within: None,
                });
                let group = GroupCheck {
                    by: by_path.unwrap_or_default(),
                    count: groups.map(|g| g.value),
                    first: each
                        .first
                        .map(|m| self.matchers(&m.value, kind, users))
                        .unwrap_or_default(),
                    last: each
                        .last
                        .map(|m| self.matchers(&m.value, kind, users))
                        .unwrap_or_default(),
                    each_count: each.count.map(|c| c.value),
                    contiguous: each.contiguous,
                    within: each.within.map(|w| w.ticks()),
                };
                checks.push(Check::Groups(group));
            }
            (None, Some(groups), _) => self.error(
                groups.referenced,
                "`groups` needs `group_by`",
                "no group_by",
                "add e.g. `group_by: correlationId`",
            ),
            (None, None, Some(_)) => self.error(
                at,
                "`each` needs `group_by`",
                "this expectation",
                "add e.g. `group_by: correlationId`",
            ),
            (None, None, None) => {}
        }
        if checks.is_empty() {
            self.error(
                at,
                "this expectation checks nothing",
                "this expectation",
                "add `count`, `all`, `same`, `within`, `sequence` or `group_by`",
            );
        }
        let window = spec.window.map(|w| {
            if let Some(to) = &w.to
                && to.value.ticks() <= w.from.ticks()
            {
                self.error(
                    to.referenced,
                    "the window ends before it starts",
                    "`to` is not after `from`",
                    "offsets are from the timeline start, e.g. { from: 6m, to: 10m }",
                );
            }
            (w.from.ticks(), w.to.map(|t| t.value.ticks()))
        });
        if self.error_count() > errors_before {
            return None;
        }
        Some(Expectation {
            name: spec
                .name
                .unwrap_or_else(|| format!("expectation {} (line {})", index + 1, at.line())),
            line: at.line(),
            kind,
            select,
            window,
            checks,
        })
    }

    pub(super) fn matchers(
        &mut self,
        map: &MatcherMap,
        kind: RecordKind,
        users: &[User],
    ) -> Vec<FieldMatch> {
        map.0
            .iter()
            .filter_map(|(key, value)| self.field_match(key, value, kind, users))
            .collect()
    }

    fn field_match(
        &mut self,
        key: &Spanned<String>,
        value: &Spanned<MatcherSpec>,
        kind: RecordKind,
        users: &[User],
    ) -> Option<FieldMatch> {
        let field = match key.value.as_str() {
            "user" => {
                let MatcherSpec::Equals(Scalar::Str(name)) = &value.value else {
                    self.error(
                        value.referenced,
                        "`user` takes the name of a scenario user",
                        "not a user name",
                        "write e.g. `user: user01`",
                    );
                    return None;
                };
                let Some(user) = users
                    .iter()
                    .find(|u| u.key == *name || u.upn.eq_ignore_ascii_case(name))
                else {
                    let help = match suggest(name, users.iter().map(|u| u.key.as_str())) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "declare the user under `users:`".into(),
                    };
                    self.error(
                        value.referenced,
                        format!("unknown user `{name}`"),
                        "not declared under `users:`",
                        help,
                    );
                    return None;
                };
                return Some(FieldMatch {
                    field: Field::User {
                        key: user.key.clone(),
                        upn: user.upn.clone(),
                    },
                    op: MatchOp::Equals(Scalar::Str(user.upn.clone())),
                });
            }
            "text" => Field::AnyText,
            _ => Field::Path(self.path(key, kind)?),
        };
        let op = self.op(&value.value, value.referenced)?;
        Some(FieldMatch { field, op })
    }

    fn op(&mut self, spec: &MatcherSpec, at: serde_saphyr::Location) -> Option<MatchOp> {
        Some(match spec {
            MatcherSpec::Equals(scalar) => MatchOp::Equals(scalar.clone()),
            MatcherSpec::OneOf(values) => MatchOp::OneOf(values.clone()),
            MatcherSpec::Ops(ops) => {
                let [(name, operand)] = ops.as_slice() else {
                    self.error(
                        at,
                        "write one operator per field",
                        "several operators",
                        "combine conditions with separate expectations or `all:`",
                    );
                    return None;
                };
                let text = |s: &OperandSpec| match s {
                    OperandSpec::Scalar(Scalar::Str(t)) => Some(t.clone()),
                    _ => None,
                };
                match (name.as_str(), operand) {
                    ("equals", OperandSpec::Scalar(s)) => MatchOp::Equals(s.clone()),
                    ("one_of", OperandSpec::List(values)) => MatchOp::OneOf(values.clone()),
                    ("contains", o) if text(o).is_some() => MatchOp::Contains(text(o)?),
                    ("starts_with", o) if text(o).is_some() => MatchOp::StartsWith(text(o)?),
                    ("regex", o) if text(o).is_some() => match regex::Regex::new(&text(o)?) {
                        Ok(re) => MatchOp::Regex(re),
                        Err(e) => {
                            self.error(
                                at,
                                format!("not a regular expression: {e}"),
                                "bad regex",
                                "regex syntax as in the Rust regex crate",
                            );
                            return None;
                        }
                    },
                    (
                        "gt" | "ge" | "lt" | "le",
                        OperandSpec::Scalar(
                            s @ (Scalar::Int(_) | Scalar::Float(_) | Scalar::Str(_)),
                        ),
                    ) => {
                        let comparison = match name.as_str() {
                            "gt" => Comparison::Gt,
                            "ge" => Comparison::Ge,
                            "lt" => Comparison::Lt,
                            _ => Comparison::Le,
                        };
                        MatchOp::Compare(comparison, s.clone())
                    }
                    ("exists", OperandSpec::Scalar(Scalar::Bool(b))) => MatchOp::Exists(*b),
                    ("not", OperandSpec::Nested(inner)) => {
                        MatchOp::Not(Box::new(self.op(inner, at)?))
                    }
                    (name, _) if OPERATORS.contains(&name) => {
                        self.error(at, format!("`{name}` does not take this value"), "wrong operand", "contains/starts_with/regex take text, gt/ge/lt/le a number or timestamp, exists true/false, one_of a list");
                        return None;
                    }
                    (name, _) => {
                        let help = match suggest(name, OPERATORS.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("operators: {}", OPERATORS.join(", ")),
                        };
                        self.error(
                            at,
                            format!("unknown operator `{name}`"),
                            "unknown operator",
                            help,
                        );
                        return None;
                    }
                }
            }
        })
    }

    pub(super) fn path(&mut self, path: &Spanned<String>, kind: RecordKind) -> Option<String> {
        let paths = match kind {
            RecordKind::SignIns => sign_in_paths(),
            RecordKind::Audits => directory_audit_paths(),
            RecordKind::RiskDetections => risk_detection_paths(),
            RecordKind::RiskyUsers => risky_user_paths(),
        };
        if let Some(known) = known_path(&paths, &path.value) {
            // Keep an index the user wrote (`targetResources/0/id`); otherwise the exact spelling.
            let indexed = path.value.split('/').any(|s| s.parse::<usize>().is_ok());
            return Some(if indexed {
                path.value.clone()
            } else {
                known.to_string()
            });
        }
        let help = match suggest(&path.value, paths.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "{} fields are listed in docs/verify.md; `user` and `text` are shorthands",
                kind.label()
            ),
        };
        self.error(
            path.referenced,
            format!("`{}` is not a field of {}", path.value, kind.label()),
            "unknown field",
            help,
        );
        None
    }
}
