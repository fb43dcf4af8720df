//! The detection rules grouped by the service they run on, matched straight against each
//! record ahead of rsigma's correlation engine.
//!
//! rsigma's `Engine::evaluate` works out per event which rules may match: it reads the
//! event's log source (three field lookups, a `String` each), drops the rules of other
//! products, probes every indexed field for its candidate index, evaluates the candidates
//! that survive a log source check, and builds a full `EvaluationResult` (title, tags,
//! matched selections and fields) for every match. Here the candidates are known up front:
//! [`super::RuleSet::load`] keeps only `product: azure` rules of one service, and a record is
//! of one service, so a record is matched against the rules of its service, in load order
//! (the order the engine reports its matches in). The log source check the engine would make
//! passes for exactly those rules (its services compare without regard to case, as
//! [`super::applicable::service_of`] does), and its candidate index only ever leaves out
//! rules that cannot match.
//!
//! The match itself is rsigma's logic restated as a yes/no ([`Condition`], [`Detection`]),
//! with each condition's identifiers resolved to their detection once, at load, instead of a
//! map lookup per record, and each field's route through the record's namings kept beside it
//! ([`RouteCell`]); the field matchers are rsigma's own. A rule with an array scope
//! (`ArrayMatch`, `Conditional`) is matched by rsigma's `evaluate_rule` instead.
//!
//! Only a match of a rule that some correlation references goes on to the correlation
//! engine, and as the smallest result it reads: the engine looks up which correlations a
//! detection feeds by the detection's rule id alone (a rule without an id feeds none).

use super::event::RecordEvent;
use super::fields::RouteCell;
use rsigma_eval::{CompiledDetection, CompiledMatcher, CompiledRule, EvaluationResult};
use rsigma_parser::{ConditionExpr, CorrelationRule, Quantifier, SigmaRule};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The services a record can be of, as [`DetectionRules`] groups rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    SignIn = 0,
    Audit = 1,
    Risk = 2,
}

impl Service {
    /// The service of a rule, as [`super::RuleInfo::service`] names it.
    fn named(name: &str) -> Option<Service> {
        match name {
            "signinlogs" => Some(Service::SignIn),
            "auditlogs" => Some(Service::Audit),
            "riskdetection" => Some(Service::Risk),
            _ => None,
        }
    }
}

/// Every detection rule of a rule set, by service.
pub(super) struct DetectionRules {
    by_service: [Vec<DetectionRule>; 3],
    /// Shared by the results handed to the correlation engine (a pointer bump each).
    no_attributes: Arc<std::collections::HashMap<String, serde_json::Value>>,
}

/// One detection rule, ready to match.
pub(super) struct DetectionRule {
    /// Where its matches are counted: an index in the rule set's results.
    pub(super) result: usize,
    /// Its id, when a correlation references it (by id, or by the name of the first rule
    /// with that id, as the engine resolves it): its matches feed the correlation engine.
    feeds: Option<String>,
    matcher: RuleMatcher,
}

enum RuleMatcher {
    /// The rule's detections, and its conditions over them (any one matching matches).
    Direct {
        detections: Vec<Detection>,
        conditions: Vec<Condition>,
    },
    /// A rule with an array scope: rsigma matches it.
    Rsigma(Box<CompiledRule>),
}

/// rsigma's `CompiledDetection` without array scopes, each field with its route.
enum Detection {
    AllOf(Vec<Item>),
    AnyOf(Vec<Detection>),
    And(Vec<Detection>),
    Keywords(CompiledMatcher),
}

/// rsigma's `CompiledDetectionItem`, with the route of its field.
struct Item {
    field: Option<String>,
    route: RouteCell,
    matcher: CompiledMatcher,
    exists: Option<bool>,
}

impl Detection {
    /// `None` for a detection with an array scope.
    fn of(detection: &CompiledDetection) -> Option<Detection> {
        let all = |dets: &[CompiledDetection]| -> Option<Vec<Detection>> {
            dets.iter().map(Detection::of).collect()
        };
        Some(match detection {
            CompiledDetection::AllOf(items) => Detection::AllOf(
                items
                    .iter()
                    .map(|item| Item {
                        field: item.field.clone(),
                        route: RouteCell::default(),
                        matcher: item.matcher.clone(),
                        exists: item.exists,
                    })
                    .collect(),
            ),
            CompiledDetection::AnyOf(dets) => Detection::AnyOf(all(dets)?),
            CompiledDetection::And(dets) => Detection::And(all(dets)?),
            CompiledDetection::Keywords(matcher) => Detection::Keywords(matcher.clone()),
            CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => {
                return None;
            }
        })
    }

    /// rsigma's `eval_detection_with_bloom` without a bloom filter (which only ever skips
    /// matchers that cannot match).
    fn matches(&self, event: &RecordEvent) -> bool {
        match self {
            Detection::AllOf(items) => items.iter().all(|item| item.matches(event)),
            Detection::AnyOf(dets) => dets.iter().any(|d| d.matches(event)),
            Detection::And(dets) => dets.iter().all(|d| d.matches(event)),
            Detection::Keywords(matcher) => matcher.matches_keyword(event),
        }
    }
}

impl Item {
    /// rsigma's `eval_detection_item_with_bloom`, without a bloom filter.
    fn matches(&self, event: &RecordEvent) -> bool {
        let field = |path: &str| event.get_field_via(path, &self.route);
        if let Some(expect_exists) = self.exists {
            return match &self.field {
                Some(path) => field(path).is_some_and(|v| !v.is_null()) == expect_exists,
                None => !expect_exists,
            };
        }
        match &self.field {
            Some(path) => match field(path) {
                Some(value) => super::ascii_match::matches(&self.matcher, &value, event),
                None => matches!(self.matcher, CompiledMatcher::Null),
            },
            None => self.matcher.matches_keyword(event),
        }
    }
}

/// A rule's condition with its identifiers resolved to indices into its detections.
#[derive(Debug)]
enum Condition {
    Detection(usize),
    /// An identifier the rule does not define: never matches (as in rsigma).
    Undefined,
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `1 of ...`, `all of ...`, `N of ...` over the detections the pattern names.
    Any(Vec<usize>),
    All(Vec<usize>),
    AtLeast(u64, Vec<usize>),
}

/// The ids and names of the rules `correlations` reference.
pub(super) fn referenced_rules(correlations: &[CorrelationRule]) -> BTreeSet<&str> {
    correlations
        .iter()
        .flat_map(|c| c.rules.iter().map(String::as_str))
        .collect()
}

impl DetectionRules {
    /// `rules` are the rule set's detection rules, `services` their services (the first
    /// entries of its [`super::RuleInfo`]s), `correlations` its correlation rules;
    /// `counted_at` says where a rule's matches are counted (`None`: nowhere).
    pub(super) fn new(
        rules: &[SigmaRule],
        services: &[&str],
        correlations: &[CorrelationRule],
        counted_at: impl Fn(&SigmaRule) -> Option<usize>,
    ) -> DetectionRules {
        let referenced = referenced_rules(correlations);
        // The engine resolves a detection's id to the name of the first rule with that id.
        let mut first_name: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        for rule in rules {
            if let Some(id) = &rule.id {
                first_name.entry(id).or_insert(rule.name.as_deref());
            }
        }
        let mut by_service: [Vec<DetectionRule>; 3] = Default::default();
        for (rule, service) in rules.iter().zip(services) {
            let (Some(service), Some(result)) = (Service::named(service), counted_at(rule)) else {
                continue;
            };
            // Checked by `RuleSet::load`; a rule that no longer compiles matches nothing.
            let Ok(compiled) = rsigma_eval::compile_rule(rule) else {
                continue;
            };
            let feeds = rule.id.as_deref().filter(|id| {
                referenced.contains(id)
                    || first_name
                        .get(id)
                        .copied()
                        .flatten()
                        .is_some_and(|name| referenced.contains(name))
            });
            by_service[service as usize].push(DetectionRule {
                result,
                feeds: feeds.map(str::to_string),
                matcher: RuleMatcher::of(compiled),
            });
        }
        DetectionRules {
            by_service,
            no_attributes: Arc::default(),
        }
    }

    /// The rules a record of `service` may match, in load order.
    pub(super) fn of(&self, service: Service) -> &[DetectionRule] {
        &self.by_service[service as usize]
    }

    /// Where in [`DetectionRules::of`] `service` the rules `event` matches are, in load order.
    /// Stateless, so any thread may match while another applies the matches.
    pub(super) fn matching<'a>(
        &'a self,
        event: &'a RecordEvent,
        service: Service,
    ) -> impl Iterator<Item = usize> + 'a {
        self.of(service)
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.matches(event))
            .map(|(at, _)| at)
    }

    /// What the correlation engine reads of `rule`'s match, when it feeds a correlation.
    pub(super) fn for_correlations(&self, rule: &DetectionRule) -> Option<EvaluationResult> {
        let id = rule.feeds.as_ref()?;
        Some(EvaluationResult {
            header: rsigma_eval::RuleHeader {
                rule_title: String::new(),
                rule_id: Some(id.clone()),
                level: None,
                tags: Vec::new(),
                custom_attributes: self.no_attributes.clone(),
                enrichments: None,
            },
            body: rsigma_eval::ResultBody::Detection(rsigma_eval::DetectionBody {
                matched_selections: Vec::new(),
                matched_fields: Vec::new(),
                event: None,
            }),
        })
    }
}

impl DetectionRule {
    /// Whether the rule matches `event` (exactly when rsigma's engine reports a match).
    pub(super) fn matches(&self, event: &RecordEvent) -> bool {
        match &self.matcher {
            RuleMatcher::Direct {
                detections,
                conditions,
            } => conditions
                .iter()
                .any(|condition| condition.matches(detections, event)),
            RuleMatcher::Rsigma(rule) => rsigma_eval::evaluate_rule(rule, event).is_some(),
        }
    }
}

impl RuleMatcher {
    fn of(rule: CompiledRule) -> RuleMatcher {
        // Sorted by name, so that the order is the same on every run.
        let mut named: Vec<(&String, &CompiledDetection)> = rule.detections.iter().collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        let Some(detections) = named.iter().map(|(_, d)| Detection::of(d)).collect() else {
            return RuleMatcher::Rsigma(Box::new(rule));
        };
        let index: BTreeMap<&str, usize> = named
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.as_str(), i))
            .collect();
        let conditions = rule
            .conditions
            .iter()
            .map(|c| Condition::resolve(c, &index))
            .collect();
        RuleMatcher::Direct {
            detections,
            conditions,
        }
    }
}

impl Condition {
    fn resolve(expr: &ConditionExpr, index: &BTreeMap<&str, usize>) -> Condition {
        let all =
            |exprs: &[ConditionExpr]| exprs.iter().map(|e| Condition::resolve(e, index)).collect();
        match expr {
            ConditionExpr::Identifier(name) => index
                .get(name.as_str())
                .map_or(Condition::Undefined, |&i| Condition::Detection(i)),
            ConditionExpr::And(exprs) => Condition::And(all(exprs)),
            ConditionExpr::Or(exprs) => Condition::Or(all(exprs)),
            ConditionExpr::Not(inner) => Condition::Not(Box::new(Condition::resolve(inner, index))),
            ConditionExpr::Selector {
                quantifier,
                pattern,
            } => {
                let named: Vec<usize> = index
                    .iter()
                    .filter(|(name, _)| pattern.matches_detection_name(name))
                    .map(|(_, &i)| i)
                    .collect();
                match quantifier {
                    Quantifier::Any => Condition::Any(named),
                    Quantifier::All => Condition::All(named),
                    Quantifier::Count(n) => Condition::AtLeast(*n, named),
                }
            }
        }
    }

    fn matches(&self, detections: &[Detection], event: &RecordEvent) -> bool {
        let detection = |i: &usize| detections[*i].matches(event);
        match self {
            Condition::Detection(i) => detection(i),
            Condition::Undefined => false,
            Condition::And(all) => all.iter().all(|c| c.matches(detections, event)),
            Condition::Or(any) => any.iter().any(|c| c.matches(detections, event)),
            Condition::Not(inner) => !inner.matches(detections, event),
            Condition::Any(named) => named.iter().any(detection),
            Condition::All(named) => named.iter().all(detection),
            Condition::AtLeast(required, named) => {
                *required == 0 || named.iter().filter(|i| detection(i)).count() as u64 >= *required
            }
        }
    }
}

#[cfg(test)]
#[path = "by_service_tests.rs"]
mod tests;
