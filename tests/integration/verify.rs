//! Expectations checked against records: the shipped labs pass, wrong expectations fail with
//! the precise reason.

use crate::records::{SHIPPED, load};
use entralab::graph::Record;
use entralab::scenario::{self, Scenario};
use entralab::sim;
use entralab::verify::{Context, Outcome, verify};
use std::collections::BTreeMap;
use std::path::Path;

fn outcomes(scenario: &Scenario) -> Vec<Outcome> {
    let records: Vec<Record> = sim::simulate(scenario).filter_map(|i| i.record).collect();
    let users = BTreeMap::new();
    verify(
        &scenario.expectations,
        &records,
        false,
        &Context {
            start: scenario.start,
            users: &users,
        },
    )
}

fn with_expectations(base: &str, expect: &str) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(base)).unwrap();
    let text = format!(
        "{}\nexpect:\n{expect}",
        text.split("\nexpect:").next().unwrap()
    );
    scenario::load_str(Path::new(base), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn every_shipped_lab_meets_its_expectations_for_many_seeds() {
    for name in SHIPPED {
        let mut scenario = load(&format!("scenarios/{name}.yaml"));
        assert!(scenario.expectations.len() >= 2, "{name} teaches something");
        for seed in [scenario.seed, 1, 2, 3, 4, 5, 6, 7, 8, 9] {
            scenario.seed = seed;
            for o in outcomes(&scenario) {
                assert!(
                    o.passed,
                    "{name} seed {seed}: {} failed: {:?}",
                    o.name, o.failures
                );
            }
        }
    }
}

/// Regression (Fidelity 3): an SSPR reset took effect when the flow started, so a sign-in from
/// the locked browser before the reset was logged got in.
#[test]
fn an_sspr_reset_takes_effect_when_it_is_logged() {
    let scenario = load("tests/data/sspr-reset-timing.yaml");
    let outcomes = outcomes(&scenario);
    assert_eq!(outcomes.len(), 2);
    for o in outcomes {
        assert!(o.passed, "{} failed: {:?}", o.name, o.failures);
    }
}

#[test]
fn a_wrong_sequence_explains_what_it_saw() {
    let scenario = with_expectations(
        "scenarios/user02-smart-lockout.yaml",
        "  - name: lockout at exactly 4\n    sign_ins: { user: user02 }\n    sequence:\n      - { status/errorCode: 50126, times: 4 }\n      - { status/errorCode: 50053, times: 1.. }\n      - { status/errorCode: 0 }\n",
    );
    let [outcome] = outcomes(&scenario).try_into().unwrap();
    assert!(!outcome.passed);
    let failure = &outcome.failures[0];
    assert!(failure.starts_with("expected 4 × status/errorCode=50126, then at least 1 × status/errorCode=50053, then 1 × status/errorCode=0"), "{failure}");
    assert!(failure.contains("saw 6 × 50126 at 2025-03-17T15:41:58Z, then 2 × 50053 at 2025-03-17T15:42:22Z, then 1 × 50140 at 2025-03-17T15:42:32Z, then 1 × 0 at 2025-03-17T15:42:32Z"), "{failure}");
    assert!(
        failure.contains("broke at 2025-03-17T15:42:14Z"),
        "{failure}"
    );
    assert!(!outcome.evidence.is_empty());
}

#[test]
fn wrong_counts_all_same_and_within_fail_precisely() {
    let scenario = with_expectations(
        "scenarios/user03-sspr.yaml",
        concat!(
            "  - name: count\n    audits: { result: failure }\n    count: 3\n",
            "  - name: all\n    audits: {}\n    all: { result: success }\n",
            "  - name: within\n    audits: { user: user03 }\n    within: 1s\n",
            "  - name: same\n    audits: {}\n    same: [correlationId]\n",
            "  - name: nothing selected\n    audits: { user: user03, result: timeout }\n    all: { result: timeout }\n",
            "  - name: groups\n    audits: {}\n    group_by: correlationId\n    groups: 3\n    each: { count: 6 }\n",
        ),
    );
    let outcomes = outcomes(&scenario);
    let reason = |i: usize| outcomes[i].failures.join(" | ");
    assert_eq!(reason(0), "expected 3 audits; saw 2");
    assert!(
        reason(1).starts_with("2 of 20 records do not match result=\"success\"; first: SSPR_"),
        "{}",
        reason(1)
    );
    assert!(reason(1).ends_with("result is failure"), "{}", reason(1));
    assert!(
        reason(2).starts_with("first and last are 1073.2 s apart, more than 1.0 s: SSPR_"),
        "{}",
        reason(2)
    );
    assert!(
        reason(3).starts_with("records differ in correlationId: SSPR_"),
        "{}",
        reason(3)
    );
    assert_eq!(
        reason(4),
        "no audits matched the selection, so nothing could be checked"
    );
    assert!(
        reason(5).starts_with("expected 3 groups by correlationId; saw 4"),
        "{}",
        reason(5)
    );
    assert!(
        reason(5).contains("it has 3 records, expected 6"),
        "{}",
        reason(5)
    );
    assert!(outcomes.iter().all(|o| !o.passed));
}

/// Regression (Fidelity 7): a failing `not` read "do not have status/errorCode not(=0)".
#[test]
fn a_failing_not_reads_naturally() {
    let scenario = with_expectations(
        "scenarios/user02-smart-lockout.yaml",
        concat!(
            "  - name: never signs in\n    sign_ins: {}\n    all: { status/errorCode: { not: 0 } }\n",
            "  - name: the browser is never Edge\n    sign_ins: {}\n    all: { deviceDetail/browser: { not: { starts_with: Edge } } }\n",
        ),
    );
    let outcomes = outcomes(&scenario);
    let reason = |i: usize| outcomes[i].failures.join(" | ");
    // The record id between them is drawn, so it is left out of the comparison.
    let failure = reason(0);
    let (head, tail) = failure.split_once(" at ").unwrap();
    assert!(
        head.starts_with("1 of 10 records do not match status/errorCode!=0; first: "),
        "{head}"
    );
    assert_eq!(tail, "2025-03-17T15:42:32Z: status/errorCode is 0");
    assert!(
        reason(1).contains(
            " records do not match deviceDetail/browser does not start with \"Edge\"; first: "
        ),
        "{}",
        reason(1)
    );
}

#[test]
fn expectation_mistakes_point_at_the_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("scenarios/user01-password-failures.yaml")).unwrap();
    for (broken, message, help) in [
        (
            "status/errorCode: 50126, times: 2",
            "`status/errorCod` is not a field of sign-ins",
            "did you mean `status/errorCode`?",
        ),
        (
            "sign_ins: { user: user01 }",
            "unknown user `user1`",
            "did you mean `user01`?",
        ),
        (
            "count: 2",
            "`2..1` is empty: the lower bound is above the upper",
            "",
        ),
    ] {
        let replaced = match broken {
            "status/errorCode: 50126, times: 2" => {
                text.replacen(broken, "status/errorCod: 50126, times: 2", 1)
            }
            "sign_ins: { user: user01 }" => text.replacen(broken, "sign_ins: { user: user1 }", 1),
            _ => text.replacen(broken, "count: 2..1", 1),
        };
        let err = scenario::load_str(Path::new("lab1.yaml"), &replaced).unwrap_err();
        let rendered = err.render();
        assert!(rendered.contains(message), "{rendered}");
        assert!(rendered.contains(help), "{rendered}");
        assert!(rendered.starts_with("lab1.yaml:"), "{rendered}");
    }
}
