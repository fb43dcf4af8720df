//! Risk-based Conditional Access over small scenarios: which risk a policy sees during a
//! sign-in, the rows it writes, and what passing its MFA remediates.

use super::*;
use crate::graph::SignIn;
use crate::scenario::load_str;
use std::path::Path;

const TENANT: &str = r#"
tenant:
  domain: risk.onmicrosoft.com
  identity_protection:
    license: LICENSE
    threat_intel:
      anonymizers: [185.220.101.0/24]
  conditional_access:
POLICIES
users:
  - id: alice
    upn: alice@risk.onmicrosoft.com
    display_name: Alice
    password: Right-1
    mfa: push
    home: { ip: 203.0.113.20, country: JP, city: Tokyo, latitude: 35.6895, longitude: 139.6917 }
  - id: bob
    upn: bob@risk.onmicrosoft.com
    display_name: Bob
    password: Right-2
    home: { ip: 203.0.113.21, country: JP, city: Tokyo, latitude: 35.6895, longitude: 139.6917 }
"#;

fn scenario(license: &str, policies: &str, steps: &str) -> Scenario {
    let yaml = format!(
        "{}timeline:\n  start: 2025-03-17T00:00:00Z\n  steps:\n{steps}",
        TENANT
            .replace("LICENSE", license)
            .replace("POLICIES", policies)
    );
    load_str(Path::new("risk.yaml"), &yaml).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn run(license: &str, policies: &str, steps: &str) -> (Vec<SignIn>, RiskOutcome) {
    let scenario = scenario(license, policies, steps);
    let mut items: Vec<SimItem> = crate::sim::simulate(&scenario).collect();
    let outcome = assess(&scenario, &mut items);
    let rows = items
        .into_iter()
        .filter_map(|i| match i.record {
            Some(Record::SignIn(s)) => Some(*s),
            _ => None,
        })
        .collect();
    (rows, outcome)
}

/// `(ip, code)` of each row.
fn codes(rows: &[SignIn]) -> Vec<(String, i32)> {
    rows.iter()
        .map(|r| {
            (
                r.ip_address.as_deref().unwrap_or("").to_string(),
                r.status.error_code,
            )
        })
        .collect()
}

fn text(value: &Option<Text>) -> &str {
    value.as_deref().unwrap_or("")
}

const BLOCK_RISKY_SIGN_INS: &str =
    "    - { name: Block risky sign-ins, sign_in_risk: [medium, high] }";
const MFA_RISKY_SIGN_INS: &str =
    "    - { name: Risky sign-ins need MFA, sign_in_risk: [medium, high], grant: mfa }";
const BLOCK_RISKY_USERS: &str = "    - { name: Block risky users, user_risk: [medium, high] }";

const HOME_THEN_TOR: &str = "    - at: 0s
      sign_in: { user: bob, app: OfficeHome }
    - at: 1h
      sign_in: { user: bob, app: OfficeHome, client: { ip: 185.220.101.7 } }
";

#[test]
fn a_sign_in_risk_policy_blocks_the_tor_sign_in_only() {
    let (rows, outcome) = run("p2", BLOCK_RISKY_SIGN_INS, HOME_THEN_TOR);
    assert_eq!(
        codes(&rows),
        [
            ("203.0.113.21".into(), 50140),
            ("203.0.113.21".into(), 0),
            ("185.220.101.7".into(), 53003)
        ]
    );
    let blocked = &rows[2];
    assert_eq!(text(&blocked.conditional_access_status), "failure");
    assert_eq!(
        text(&blocked.applied_conditional_access_policies[0].result),
        "failure"
    );
    assert_eq!(text(&blocked.risk_level_during_sign_in), "medium");
    // A block remediates nothing.
    assert_eq!(text(&blocked.risk_state), "atRisk");
    assert_eq!(text(&rows[1].conditional_access_status), "notApplied");
    assert_eq!(outcome.detections.len(), 1);
}

#[test]
fn without_p2_risk_policies_never_apply() {
    let (rows, _) = run("p1", BLOCK_RISKY_SIGN_INS, HOME_THEN_TOR);
    assert_eq!(rows[3].status.error_code, 0);
    assert_eq!(text(&rows[3].conditional_access_status), "notApplied");
    assert_eq!(text(&rows[3].risk_level_during_sign_in), "hidden");
}

#[test]
fn a_user_risk_policy_acts_only_once_the_detection_has_landed() {
    let steps = "    - at: 0s
      risk_detection: { user: bob, type: leakedCredentials, delay: 2h }
    - at: 1h
      sign_in: { user: bob, app: OfficeHome }
    - at: 3h
      sign_in: { user: bob, app: Microsoft Teams }
";
    let (rows, _) = run("p2", BLOCK_RISKY_USERS, steps);
    let teams: Vec<i32> = rows
        .iter()
        .filter(|r| text(&r.app_display_name) == "Microsoft Teams")
        .map(|r| r.status.error_code)
        .collect();
    let office: Vec<i32> = rows
        .iter()
        .filter(|r| text(&r.app_display_name) == "OfficeHome")
        .map(|r| r.status.error_code)
        .collect();
    assert_eq!(office, [50140, 0], "the leak had not landed at 1h");
    assert_eq!(teams, [53003], "the leak landed at 2h");
}

#[test]
fn a_password_change_policy_writes_50135_and_a_reset_lifts_it() {
    let policies =
        "    - { name: Risky users change password, user_risk: [high], grant: password_change }";
    let steps = "    - at: 0s
      risk_detection: { user: bob, type: leakedCredentials, delay: 1h }
    - at: 2h
      sign_in: { user: bob, app: OfficeHome }
    - at: 3h
      sspr: { user: bob, new_password: Right-3 }
    - at: 4h
      sign_in: { user: bob, app: Microsoft Teams, password: Right-3 }
";
    let (rows, outcome) = run("p2", policies, steps);
    let changed = rows.iter().find(|r| r.status.error_code == 50135).unwrap();
    assert_eq!(text(&changed.conditional_access_status), "failure");
    let policy = &changed.applied_conditional_access_policies[0];
    assert_eq!(&*policy.enforced_grant_controls[0], "PasswordChange");
    assert_eq!(
        text(&changed.status.failure_reason),
        "Password change is required due to account risk."
    );
    let after = rows.last().unwrap();
    assert_eq!(
        (after.status.error_code, text(&after.app_display_name)),
        (0, "Microsoft Teams")
    );
    let last = outcome.history.last().unwrap();
    assert_eq!(&*last.risk.risk_detail, "userPerformedSecuredPasswordReset");
}

#[test]
fn passing_the_risk_mfa_remediates_the_sign_in_and_spares_the_user() {
    let steps = "    - at: 0s
      sign_in: { user: alice, app: OfficeHome, client: { ip: 185.220.101.7 } }
";
    let (rows, outcome) = run("p2", MFA_RISKY_SIGN_INS, steps);
    let codes: Vec<i32> = rows.iter().map(|r| r.status.error_code).collect();
    assert_eq!(codes, [50074, 50140, 0]);
    for row in &rows {
        assert_eq!(text(&row.risk_state), "remediated");
        assert_eq!(
            text(&row.risk_detail),
            "userPassedMFADrivenByRiskBasedPolicy"
        );
    }
    assert_eq!(text(&rows[0].conditional_access_status), "failure");
    assert_eq!(text(&rows[2].conditional_access_status), "success");
    assert_eq!(&*outcome.detections[0].risk_state, "remediated");
    assert!(outcome.history.is_empty(), "{:?}", outcome.history);
}

#[test]
fn a_user_without_an_mfa_method_is_blocked_by_the_risk_mfa() {
    let (rows, _) = run("p2", MFA_RISKY_SIGN_INS, HOME_THEN_TOR);
    let last = rows.last().unwrap();
    assert_eq!(last.status.error_code, 53004);
    assert_eq!(text(&last.conditional_access_status), "failure");
    // Without a risk, the MFA requirement of the same policy never arises.
    assert_eq!(rows[1].status.error_code, 0);
}

/// The MFA remediation feeds back: a later user risk policy sees the user's risk without the
/// remediated sign-in's detection, and with it when the prompt was denied.
#[test]
fn a_remediated_sign_in_does_not_raise_the_user_risk_a_later_policy_sees() {
    let policies = format!("{MFA_RISKY_SIGN_INS}\n{BLOCK_RISKY_USERS}");
    let steps = |approve: bool| {
        format!(
            "    - at: 0s
      sign_in: {{ user: alice, app: OfficeHome, client: {{ ip: 185.220.101.7 }}, mfa: {{ approve: {approve} }} }}
    - at: 1h
      sign_in: {{ user: alice, app: Microsoft Teams }}
"
        )
    };
    let (passed, _) = run("p2", &policies, &steps(true));
    let (denied, _) = run("p2", &policies, &steps(false));
    let teams = |rows: &[SignIn]| -> Vec<i32> {
        rows.iter()
            .filter(|r| text(&r.app_display_name) == "Microsoft Teams")
            .map(|r| r.status.error_code)
            .collect()
    };
    assert_eq!(teams(&passed), [50074, 50140, 0]);
    assert_eq!(teams(&denied), [53003]);
}

#[test]
fn the_passes_settle_and_the_records_are_the_same_every_time() {
    let policies = format!("{MFA_RISKY_SIGN_INS}\n{BLOCK_RISKY_USERS}");
    let steps = "    - at: 0s
      sign_in: { user: alice, app: OfficeHome, client: { ip: 185.220.101.7 }, mfa: { approve: false } }
    - at: 1h
      sign_in: { user: alice, app: Microsoft Teams }
    - at: 2h
      sign_in: { user: bob, app: OfficeHome, client: { ip: 185.220.101.8 } }
";
    let scenario = scenario("p2", &policies, steps);
    let risk = settle(&scenario).expect("a P2 tenant with risk policies");
    // The settled risk gives, in a pass of its own, the records every later pass gives.
    let once: Vec<String> = crate::sim::simulate(&scenario)
        .map(|i| format!("{:?}", i.record))
        .collect();
    let again: Vec<String> = crate::sim::Simulation::with_risk(&scenario, Some(risk))
        .map(|i| format!("{:?}", i.record))
        .collect();
    assert_eq!(once, again);
}
