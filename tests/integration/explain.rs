//! `entralab explain`: every catalogue entry explains itself, and names a shipped scenario
//! exactly when one logs it.

use assert_cmd::Command;
use entralab::explain::{self, Needle, ShippedIndex, Topic};
use entralab::graph::Record;
use std::collections::BTreeSet;
use std::path::Path;

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Every code and activity name the shipped scenarios log, found by simulating them all
/// (independently of the index `explain` uses).
fn logged_by_shipped_scenarios() -> (BTreeSet<i32>, BTreeSet<String>) {
    let (mut codes, mut activities) = (BTreeSet::new(), BTreeSet::new());
    for (path, text) in explain::shipped() {
        let scenario = entralab::scenario::load_str(Path::new(path), text).unwrap();
        for item in entralab::sim::simulate(&scenario) {
            match item.record {
                Some(Record::SignIn(s)) => {
                    codes.insert(s.status.error_code);
                }
                Some(Record::Audit(a)) => {
                    activities.insert(a.activity_display_name.as_deref().unwrap_or("").to_string());
                }
                None => {}
            }
        }
    }
    (codes, activities)
}

#[test]
fn every_catalogue_entry_explains_and_names_a_scenario_where_one_exists() {
    let (codes, activities) = logged_by_shipped_scenarios();
    let mut index = ShippedIndex::default();
    let topics = explain::every_topic();
    assert!(topics.len() > 70, "{} topics", topics.len());
    for topic in &topics {
        let shown = topic.needle().and_then(|n| index.find(n));
        let text = explain::render(topic, shown.as_ref(), None);
        let head = text.lines().next().unwrap();
        assert!(head.len() > 20, "no meaning: {head}");
        assert!(text.contains("\nWhat the admin centre shows"), "{head}");
        let cause = text
            .split("\nWhat causes it in entralab\n")
            .nth(1)
            .unwrap_or_else(|| panic!("no cause: {head}"));
        assert!(cause.trim().len() > 30, "empty cause: {head}");
        let logged = match topic.needle() {
            Some(Needle::Code(code)) => codes.contains(&code),
            Some(Needle::Activity(name)) => activities.contains(name),
            None => false,
        };
        match &shown {
            Some(s) => {
                assert!(logged, "{head}");
                assert!(
                    text.contains(&format!("see it: entralab run {}", s.path)),
                    "{head}"
                );
            }
            None => {
                assert!(
                    !logged,
                    "{head}: a shipped scenario logs it and none is named"
                );
                assert!(text.contains("no shipped scenario logs it"), "{head}");
            }
        }
        if let Topic::Code(code) = topic {
            assert!(text.contains(code.failure_reason), "{head}");
        }
    }
    // The codes the issue names explain, and the seed-lab ones point at their labs.
    for code in [50126, 50053, 50140, 50074, 500121, 53003, 50057, 7000215] {
        assert!(explain::lookup(&code.to_string()).is_ok(), "{code}");
    }
}

#[test]
fn explain_names_the_lab_its_command_and_the_rules() {
    let output = entralab()
        .args(["explain", "50053", "--rules", "tests/data/sigma"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("50053 (IdsLocked): locked by smart lockout\n"),
        "{text}"
    );
    assert!(text.contains("Status:               Failure"), "{text}");
    assert!(text.contains("tenant.smart_lockout.threshold"), "{text}");
    assert!(
        text.contains("see it: entralab run scenarios/user02-smart-lockout.yaml"),
        "{text}"
    );
    assert!(
        text.contains("Entra ID Sign-in Refused Because the Account Is Locked (tests/data/sigma/signin_logs/entra_signin_account_lockout.yml, by ResultType)"),
        "{text}"
    );
}

#[test]
fn explain_takes_an_activity_in_words() {
    let output = entralab()
        .args([
            "explain",
            "Blocked",
            "from",
            "self-service",
            "password",
            "reset",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("see it: entralab run scenarios/user03-sspr.yaml"),
        "{text}"
    );
    assert!(
        text.contains("tenant.sspr.failed_verifications_before_block"),
        "{text}"
    );
}

#[test]
fn an_unknown_code_says_so_suggests_the_nearest_and_exits_2() {
    let output = entralab()
        .args(["explain", "AADSTS50058"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        err.starts_with(
            "error: `AADSTS50058` is not a sign-in error code entralab knows; did you mean `50057`?"
        ),
        "{err}"
    );
    let output = entralab()
        .args(["explain", "Add memner to role"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("did you mean `Add member to role`?"), "{err}");
}
