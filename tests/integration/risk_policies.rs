//! Risk-based Conditional Access on the library's scenarios: the rows each policy writes, the
//! remediation passing its MFA brings, pinned as snapshots; and the real CLI (`verify` with the
//! riskdetection rules, `run`) on them.

use crate::records::load;
use entralab::graph::{Record, SignIn};

const SIGN_IN_RISK: &str = "scenarios/identity-protection/sign-in-risk-mfa.yaml";
const USER_RISK: &str = "scenarios/identity-protection/user-risk-password-change.yaml";

fn text(value: &Option<entralab::graph::Text>) -> &str {
    value.as_deref().unwrap_or("-")
}

/// One line per sign-in row (time, address, app, code, Conditional Access status, each listed
/// policy's result, the risk fields), then one per detection and per change of user risk.
fn pinned(path: &str) -> String {
    let scenario = load(path);
    let (items, risk) = entralab::sim::risk::simulate_with_risk(&scenario);
    let rows: Vec<SignIn> = items
        .filter_map(|i| match i.record {
            Some(Record::SignIn(s)) => Some(*s),
            _ => None,
        })
        .collect();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let policies: Vec<String> = r
                .applied_conditional_access_policies
                .iter()
                .map(|p| {
                    format!(
                        "{}[{}]={}",
                        text(&p.display_name),
                        p.enforced_grant_controls.join(","),
                        text(&p.result)
                    )
                })
                .collect();
            format!(
                "{} {} {} {} ca={} {} risk={}/{} {} {} {:?}",
                r.created_date_time,
                text(&r.ip_address),
                text(&r.app_display_name),
                r.status.error_code,
                text(&r.conditional_access_status),
                policies.join(" "),
                text(&r.risk_level_during_sign_in),
                text(&r.risk_level_aggregated),
                text(&r.risk_state),
                text(&r.risk_detail),
                r.risk_event_types_v2,
            )
        })
        .collect();
    for d in &risk.detections {
        lines.push(format!(
            "detection {} {} {} {} {} {} {}",
            d.detected_date_time,
            d.risk_event_type,
            d.detection_timing_type,
            d.risk_level,
            d.risk_state,
            d.risk_detail,
            d.ip_address.as_deref().unwrap_or("-"),
        ));
    }
    for h in &risk.history {
        lines.push(format!(
            "user {} {} {} {}",
            h.risk.risk_last_updated_date_time,
            h.risk.risk_level,
            h.risk.risk_state,
            h.risk.risk_detail
        ));
    }
    lines.join("\n")
}

#[test]
fn the_sign_in_risk_policy_records_are_pinned() {
    insta::assert_snapshot!("sign_in_risk_mfa", pinned(SIGN_IN_RISK));
}

#[test]
fn the_user_risk_policy_records_are_pinned() {
    insta::assert_snapshot!("user_risk_password_change", pinned(USER_RISK));
}

#[test]
fn verify_passes_both_scenarios_with_their_rules() {
    for path in [SIGN_IN_RISK, USER_RISK] {
        let output = assert_cmd::Command::cargo_bin("entralab")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["verify", path, "--rules", "tests/data/sigma/riskdetection"])
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{path}:\n{stdout}");
        assert!(!stdout.contains("FAIL"), "{path}:\n{stdout}");
        assert!(stdout.contains(" 0 failed"), "{path}:\n{stdout}");
    }
}

#[test]
fn run_says_which_policy_asked_and_what_it_remediated() {
    let output = assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", SIGN_IN_RISK])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("MFA prompt required by Sign-in risk requires MFA"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the sign-in's risk is remediated"),
        "{stdout}"
    );
    let output = assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", USER_RISK])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("50135"), "{stdout}");
    assert!(
        stdout.contains("password change required by High user risk requires password change"),
        "{stdout}"
    );
}
