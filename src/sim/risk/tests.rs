//! ID Protection over small scenarios: what is detected, when, and what it does to sign-ins
//! and users.

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
      malicious: [192.0.2.66/32]
users:
  - id: alice
    upn: alice@risk.onmicrosoft.com
    display_name: Alice
    password: Right-1
    home: { ip: 203.0.113.20, country: JP, city: Tokyo, latitude: 35.6895, longitude: 139.6917 }
  - id: bob
    upn: bob@risk.onmicrosoft.com
    display_name: Bob
    password: Spring2025!
    home: { ip: 203.0.113.21, country: JP, city: Tokyo, latitude: 35.6895, longitude: 139.6917 }
"#;

fn run(license: &str, steps: &str) -> (Vec<SimItem>, RiskOutcome) {
    let yaml = format!(
        "{}timeline:\n  start: 2025-03-17T00:00:00Z\n  steps:\n{steps}",
        TENANT.replace("LICENSE", license)
    );
    let scenario = load_str(Path::new("risk.yaml"), &yaml).unwrap();
    let mut items: Vec<SimItem> = crate::sim::simulate(&scenario).collect();
    let outcome = assess(&scenario, &mut items);
    (items, outcome)
}

fn sign_ins(items: &[SimItem]) -> Vec<&SignIn> {
    items
        .iter()
        .filter_map(|i| match &i.record {
            Some(Record::SignIn(s)) => Some(&**s),
            _ => None,
        })
        .collect()
}

/// The detection types, sorted (detections come in `detectedDateTime` order, drawn).
fn types(outcome: &RiskOutcome) -> Vec<&str> {
    let mut types: Vec<&str> = outcome
        .detections
        .iter()
        .map(|d| &*d.risk_event_type)
        .collect();
    types.sort();
    types
}

const HOME_THEN_TOR: &str = r#"
    - at: 0s
      sign_in: { user: alice, app: OfficeHome }
    - at: 20m
      sign_in:
        user: alice
        app: OfficeHome
        client: { ip: 185.220.101.7, country: DE, city: Berlin, latitude: 52.52, longitude: 13.405 }
"#;

#[test]
fn a_sign_in_from_an_anonymizer_far_away_is_flagged_in_real_time_and_offline() {
    let (items, outcome) = run("p2", HOME_THEN_TOR);
    assert_eq!(
        types(&outcome),
        [
            "anonymizedIPAddress",
            "newCountry",
            "unfamiliarFeatures",
            "unlikelyTravel"
        ]
    );
    let tor = *sign_ins(&items).last().unwrap();
    assert_eq!(tor.risk_level_during_sign_in.as_deref(), Some("medium"));
    assert_eq!(tor.risk_state.as_deref(), Some("atRisk"));
    assert!(
        tor.risk_event_types_v2
            .iter()
            .any(|t| &**t == "unlikelyTravel")
    );
    // The home sign-in is untouched.
    assert_eq!(sign_ins(&items)[0].risk_state.as_deref(), Some("none"));
    for d in &outcome.detections {
        let (min, max) = crate::catalog::risk::Timing::parse(&d.detection_timing_type)
            .unwrap()
            .window();
        let delay = (d.detected_date_time.ticks() - d.activity_date_time.ticks()) / 10_000_000;
        assert!(
            (min..=max).contains(&delay),
            "{} {delay}",
            d.risk_event_type
        );
        assert_eq!(d.correlation_id, tor.correlation_id);
        let rows = sign_ins(&items);
        assert!(rows.iter().any(|s| Some(&s.id) == d.request_id.as_ref()));
    }
    assert_eq!(
        outcome.history.last().unwrap().risk.risk_state.as_ref(),
        "atRisk"
    );
}

#[test]
fn an_offline_detection_raises_the_aggregated_level_above_the_real_time_one() {
    // Tokyo, then Paris an hour later from a familiar browser: travel only (offline).
    let (items, outcome) = run(
        "p2",
        r#"
    - at: 0s
      sign_in: { user: alice, app: OfficeHome }
    - at: 1h
      sign_in:
        user: alice
        app: OfficeHome
        client: { ip: 203.0.113.20, country: FR, city: Paris, latitude: 48.8566, longitude: 2.3522 }
"#,
    );
    assert_eq!(types(&outcome), ["newCountry", "unlikelyTravel"]);
    let paris = *sign_ins(&items).last().unwrap();
    assert_eq!(paris.risk_level_during_sign_in.as_deref(), Some("none"));
    assert_eq!(paris.risk_level_aggregated.as_deref(), Some("medium"));
}

#[test]
fn a_spray_is_detected_only_once_it_validated_a_password() {
    let spray = |password: &str| {
        format!(
            r#"
    - at: 0s
      spray:
        users: [alice, bob]
        app: OfficeHome
        password: "{password}"
        every: 2s
        client: {{ ip: 203.0.113.20 }}
"#
        )
    };
    let (_, quiet) = run("p2", &spray("Winter2024!"));
    assert!(types(&quiet).is_empty());
    let (_, found) = run("p2", &spray("Spring2025!"));
    assert_eq!(types(&found), ["passwordSpray"]);
    assert_eq!(
        found.detections[0].user_principal_name.as_ref(),
        "bob@risk.onmicrosoft.com"
    );
}

#[test]
fn leaked_credentials_then_sspr_remediates_the_user() {
    let (_, outcome) = run(
        "p2",
        r#"
    - at: 0s
      risk_detection: { user: alice, type: leakedCredentials, delay: 2h }
    - at: 3h
      sspr: { user: alice }
"#,
    );
    let d = &outcome.detections[0];
    assert_eq!(
        (&*d.risk_event_type, &*d.risk_level),
        ("leakedCredentials", "high")
    );
    assert_eq!(d.activity.as_ref(), "user");
    assert_eq!(d.request_id, None);
    assert_eq!(d.risk_state.as_ref(), "remediated");
    assert_eq!(d.risk_detail.as_ref(), "userPerformedSecuredPasswordReset");
    let states: Vec<&str> = outcome
        .history
        .iter()
        .map(|h| &*h.risk.risk_state)
        .collect();
    assert_eq!(states, ["atRisk", "remediated"]);
}

#[test]
fn an_admin_confirms_then_dismisses() {
    let (_, outcome) = run(
        "p2",
        r#"
    - at: 0s
      risky_user: { action: confirm_compromised, users: [alice], by: bob }
    - at: 1h
      risky_user: { action: dismiss, users: [alice], by: bob }
"#,
    );
    assert_eq!(types(&outcome), ["adminConfirmedUserCompromised"]);
    let h: Vec<(&str, &str)> = outcome
        .history
        .iter()
        .map(|h| (&*h.risk.risk_state, &*h.risk.risk_level))
        .collect();
    assert_eq!(h, [("confirmedCompromised", "high"), ("dismissed", "none")]);
    assert!(outcome.history[0].initiated_by.is_some());
}

#[test]
fn without_p2_premium_detections_are_generic_and_levels_hidden() {
    let (items, outcome) = run("p1", HOME_THEN_TOR);
    assert_eq!(
        types(&outcome),
        ["anonymizedIPAddress", "generic", "generic", "generic"]
    );
    assert!(
        outcome
            .detections
            .iter()
            .all(|d| &*d.risk_level == "hidden")
    );
    let tor = *sign_ins(&items).last().unwrap();
    assert_eq!(tor.risk_level_during_sign_in.as_deref(), Some("hidden"));
}

#[test]
fn same_scenario_same_detections() {
    let (_, a) = run("p2", HOME_THEN_TOR);
    let (_, b) = run("p2", HOME_THEN_TOR);
    assert_eq!(a.detections, b.detections);
    assert_eq!(a.history, b.history);
}

#[test]
fn a_declared_sign_in_detection_is_detected_its_delay_after_the_sign_in_not_the_step() {
    let (items, outcome) = run(
        "p2",
        r#"
    - at: 0s
      sign_in: { user: alice, app: OfficeHome }
    - at: 30m
      risk_detection: { user: alice, type: anomalousToken, delay: 2h }
    - at: 1h
      risk_detection: { user: alice, type: leakedCredentials, delay: 2h }
"#,
    );
    let sign_in = sign_ins(&items)[0];
    let by_type = |t: &str| {
        outcome
            .detections
            .iter()
            .find(|d| &*d.risk_event_type == t)
            .unwrap()
    };
    let token = by_type("anomalousToken");
    assert_eq!(token.request_id.as_deref(), Some(&*sign_in.id));
    assert_eq!(token.activity_date_time, sign_in.created_date_time);
    let two_hours = 2 * 3600 * crate::graph::timestamp::TICKS_PER_SECOND;
    assert_eq!(
        token.detected_date_time.ticks() - sign_in.created_date_time.ticks(),
        two_hours
    );
    // A user detection's activity is the step itself.
    let leaked = by_type("leakedCredentials");
    assert_eq!(
        leaked.detected_date_time.ticks() - leaked.activity_date_time.ticks(),
        two_hours
    );
    assert_eq!(
        leaked.activity_date_time.ticks() - sign_in.created_date_time.ticks(),
        two_hours / 2
    );
}
