//! The direct matching against rsigma's own, record by record, and the evaluator against the
//! way entralab ran rsigma's engine before (every rule through `process_event_at`).

use super::*;
use crate::detect::event::{PRODUCT_FIELD, RecordEvent, SERVICE_FIELD};
use crate::detect::{RuleResult, RuleSet, empty_results};
use crate::graph::{Record, RiskDetection};
use rsigma_eval::{CorrelationConfig, CorrelationEngine, TimestampFallback};
use std::path::Path;

/// Rules that use every form of condition and detection item the direct matching restates,
/// over fields sign-ins and audits have (with and without values).
const CONDITION_FORMS: &str = r#"
title: selector any
id: forms-1
logsource: { product: azure, service: signinlogs }
detection:
    selection_fail: { ResultType|startswith: '5' }
    selection_app: { AppDisplayName|contains: 'Office' }
    condition: 1 of selection_*
---
title: selector all of them, with a filter
id: forms-2
logsource: { product: azure, service: signinlogs }
detection:
    sel_a: { IsInteractive: true }
    sel_b: { status.errorCode|gte: 50000 }
    _filter: { ResultType: '0' }
    condition: all of them and not _filter
---
title: two of a pattern
id: forms-3
logsource: { product: azure, service: SigninLogs }
detection:
    sel_1: { ClientAppUsed: Browser }
    sel_2: { AuthenticationRequirement: singleFactorAuthentication }
    sel_3: { RiskState: none }
    condition: 2 of sel_*
---
title: keywords
id: forms-4
logsource: { product: azure, service: signinlogs }
detection:
    keywords:
        - 'Invalid username or password'
        - 'locked'
    condition: keywords
---
title: exists and null
id: forms-5
logsource: { product: azure, service: signinlogs }
detection:
    has_agent: { UserAgent|exists: true }
    no_reason: { status.failureReason: null }
    missing: { nosuchfield|exists: false }
    condition: has_agent and (no_reason or missing)
---
title: a list of mappings, contains all, regex
id: forms-6
logsource: { product: azure, service: auditlogs }
detection:
    selection:
        - { OperationName|contains|all: ['user', 'Reset'] }
        - { ActivityDisplayName|re: '^(Add|Delete) ' }
    condition: selection
---
title: no id, or and not
logsource: { product: azure, service: auditlogs }
detection:
    a: { Result: success }
    b: { Category: UserManagement }
    c: { LoggedByService|endswith: 'Password Management' }
    condition: (a or b) and not c
---
title: zero of
id: forms-8
logsource: { product: azure, service: auditlogs }
detection:
    sel_x: { Result: failure }
    condition: 0 of sel_*
---
title: risk
id: forms-9
logsource: { product: azure, service: riskdetection }
detection:
    selection: { riskEventType|contains: 'a' }
    condition: selection
"#;

/// Records of library scenarios: interactive and non-interactive sign-ins, audits (SSPR,
/// directory changes), ID Protection's detections.
const SCENARIOS: &[&str] = &[
    "scenarios/user01-password-failures.yaml",
    "scenarios/user02-smart-lockout.yaml",
    "scenarios/user03-sspr.yaml",
    "scenarios/detections/mfa-fatigue.yaml",
    "scenarios/detections/password-spray.yaml",
    "scenarios/detections/guest-made-administrator.yaml",
    "scenarios/detections/account-created-and-deleted.yaml",
    "scenarios/detections/benign-admin-noise.yaml",
    "scenarios/identity-protection/atypical-travel.yaml",
];

struct Scenario {
    name: &'static str,
    tenant_id: String,
    records: Vec<Record>,
    risk: Vec<RiskDetection>,
}

fn scenarios() -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    SCENARIOS
        .iter()
        .map(|name| {
            let scenario = crate::scenario::load_file(&root.join(name)).expect(name);
            let (items, risk) = crate::sim::risk::simulate_with_risk(&scenario);
            Scenario {
                name,
                tenant_id: crate::sim::tenant_id(&scenario),
                records: items.filter_map(|item| item.record).collect(),
                risk: risk.detections,
            }
        })
        .collect()
}

fn service_of_record(record: &Record) -> Service {
    match record {
        Record::SignIn(_) => Service::SignIn,
        Record::Audit(_) => Service::Audit,
    }
}

#[test]
fn direct_matching_agrees_with_rsigma_rule_by_rule() {
    let shipped = RuleSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigma"))
        .expect("the shipped rules load");
    let forms = rsigma_parser::parse_sigma_yaml(CONDITION_FORMS).expect("the forms parse");
    assert!(forms.errors.is_empty(), "{:?}", forms.errors);
    let mut rules: Vec<SigmaRule> = shipped.detection_rules().to_vec();
    rules.extend(forms.rules);
    let services: Vec<&str> = rules
        .iter()
        .map(|r| crate::detect::applicable::service_of(&r.logsource).expect("azure rules"))
        .collect();
    let position = |rule: &SigmaRule| rules.iter().position(|r| std::ptr::eq(r, rule));
    let direct = DetectionRules::new(&rules, &services, &[], position);
    let compiled: Vec<CompiledRule> = rules
        .iter()
        .map(|r| rsigma_eval::compile_rule(r).expect("compiles"))
        .collect();
    let mut matches = vec![0usize; rules.len()];
    let mut compared = 0;
    for scenario in scenarios() {
        let events = scenario
            .records
            .iter()
            .map(|r| {
                (
                    RecordEvent::new(r, &scenario.tenant_id),
                    service_of_record(r),
                )
            })
            .chain(scenario.risk.iter().map(|d| {
                (
                    RecordEvent::risk_detection(d, &scenario.tenant_id),
                    Service::Risk,
                )
            }));
        for (event, service) in events {
            for rule in direct.of(service) {
                let theirs = rsigma_eval::evaluate_rule(&compiled[rule.result], &event).is_some();
                assert_eq!(
                    rule.matches(&event),
                    theirs,
                    "{}: rule `{}`",
                    scenario.name,
                    rules[rule.result].title
                );
                matches[rule.result] += theirs as usize;
                compared += 1;
            }
        }
    }
    // Every form matched somewhere, and was quiet somewhere (else the test shows little).
    for (rule, &n) in rules
        .iter()
        .zip(&matches)
        .skip(shipped.detection_rules().len())
    {
        assert!(n > 0, "`{}` never matched", rule.title);
    }
    assert!(compared > 1_000, "{compared} comparisons");
}

/// The results as entralab counted them from rsigma's engine before the direct matching:
/// every record through `process_event_at`, the log source read from the event.
fn engine_results(rules: &RuleSet, scenario: &Scenario) -> Vec<RuleResult> {
    let mut engine = CorrelationEngine::new(CorrelationConfig {
        timestamp_fallback: TimestampFallback::Skip,
        ..CorrelationConfig::default()
    });
    engine.add_collection(&rules.collection).expect("loads");
    engine.set_logsource_extractor(Some(
        rsigma_eval::logsource::LogSourceExtractor::new().with_field_names(
            PRODUCT_FIELD,
            SERVICE_FIELD,
            "\u{0}entralab.category",
        ),
    ));
    let mut results = empty_results(rules);
    let mut records: Vec<&Record> = scenario.records.iter().collect();
    records.sort_by_key(|r| r.time());
    let mut risk: Vec<&RiskDetection> = scenario.risk.iter().collect();
    risk.sort_by_key(|d| d.detected_date_time);
    let events = records
        .into_iter()
        .map(|r| {
            let at = r.time().unix_seconds();
            (RecordEvent::new(r, &scenario.tenant_id), at, r.id())
        })
        .chain(risk.into_iter().map(|d| {
            let at = d.detected_date_time.unix_seconds();
            let event = RecordEvent::risk_detection(d, &scenario.tenant_id);
            (event, at, &d.id[..])
        }));
    for (event, at, id) in events {
        for hit in engine.process_event_at(&event, at) {
            let index = rules.rules.iter().rposition(|r| match &hit.header.rule_id {
                Some(hit_id) => r.id.as_ref() == Some(hit_id),
                None => r.id.is_none() && r.title == hit.header.rule_title,
            });
            if let Some(i) = index {
                crate::detect::count(&mut results[i], id);
            }
        }
    }
    results
}

#[test]
fn the_evaluator_counts_what_the_engine_counted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = RuleSet::load(&root.join("tests/data/sigma")).expect("the shipped rules load");
    let mut fired = 0;
    for scenario in scenarios() {
        let ours = rules.evaluate_with_risk(&scenario.records, &scenario.risk, &scenario.tenant_id);
        let theirs = engine_results(&rules, &scenario);
        for (ours, theirs) in ours.iter().zip(&theirs) {
            let what = format!("{}: `{}`", scenario.name, ours.rule.title);
            assert_eq!(ours.matches, theirs.matches, "{what}");
            assert_eq!(ours.record_ids, theirs.record_ids, "{what}");
            assert_eq!(ours.fired, theirs.fired, "{what}");
            fired += (ours.fired && ours.rule.kind != "detection") as usize;
        }
    }
    // Correlations fired (single-service ones, and the audit pair of a temporal rule).
    assert!(fired >= 3, "{fired} correlation firings");
}
