//! `entralab explain`: every catalogue entry (codes, activities, risk detection types)
//! explains itself, and names a shipped scenario exactly when one logs it.

use assert_cmd::Command;
use entralab::explain::{self, Needle, ShippedIndex, Topic};
use entralab::graph::Record;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// What the shipped scenarios log, found by simulating them all (independently of the index
/// `explain` uses).
#[derive(Default)]
struct Logged {
    codes: BTreeSet<i32>,
    activities: BTreeSet<String>,
    /// The `riskEventType` of every detection.
    risks: BTreeSet<String>,
}

/// Simulated once for every test that needs it (each scenario with ID Protection).
static SHIPPED_LOGS: LazyLock<Logged> = LazyLock::new(logged_by_shipped_scenarios);

fn logged_by_shipped_scenarios() -> Logged {
    let mut logged = Logged::default();
    let Logged {
        codes,
        activities,
        risks,
    } = &mut logged;
    for (path, text) in explain::shipped() {
        let scenario = entralab::scenario::load_str(Path::new(path), text).unwrap();
        let (items, risk) = entralab::sim::risk::simulate_with_risk(&scenario);
        risks.extend(
            risk.detections
                .iter()
                .map(|d| d.risk_event_type.to_string()),
        );
        for item in items {
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
    logged
}

/// Whether the shipped scenarios log what `needle` looks for.
fn logs(logged: &Logged, needle: Option<Needle<'_>>) -> bool {
    match needle {
        Some(Needle::Code(code)) => logged.codes.contains(&code),
        Some(Needle::Activity(name)) => logged.activities.contains(name),
        Some(Needle::Risk(name)) => logged.risks.contains(name),
        None => false,
    }
}

#[test]
fn every_catalogue_entry_explains_and_names_a_scenario_where_one_exists() {
    let shipped_logs = &*SHIPPED_LOGS;
    let mut index = ShippedIndex::default();
    let topics = explain::every_topic();
    assert!(topics.len() > 90, "{} topics", topics.len());
    for topic in &topics {
        let shown = topic.needle().and_then(|n| index.find(n));
        let text = explain::render(topic, shown.as_ref(), None);
        let head = text.lines().next().unwrap();
        assert!(head.len() > 20, "no meaning: {head}");
        let shows = match topic {
            Topic::Risk(_) => "\nHow ID Protection logs it (riskDetection)\n",
            _ => "\nWhat the admin centre shows",
        };
        assert!(text.contains(shows), "{head}");
        let cause = text
            .split("\nWhat causes it in entralab\n")
            .nth(1)
            .unwrap_or_else(|| panic!("no cause: {head}"));
        assert!(cause.trim().len() > 30, "empty cause: {head}");
        let logged = logs(shipped_logs, topic.needle());
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

/// `entralab explain WHAT`, which must fail with exit 2 and print nothing on stdout: its stderr.
fn explain_error(what: &str) -> String {
    let output = entralab().args(["explain", what]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{what}");
    assert!(output.stdout.is_empty(), "{what}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn an_unknown_code_says_so_suggests_the_nearest_and_exits_2() {
    let err = explain_error("AADSTS50058");
    assert!(
        err.starts_with(
            "error: `AADSTS50058` is not a sign-in error code entralab knows; did you mean `50057`?"
        ),
        "{err}"
    );
    let err = explain_error("Add memner to role");
    assert!(err.contains("did you mean `Add member to role`?"), "{err}");
}

#[test]
fn every_risk_type_explains_and_names_a_scenario_exactly_when_one_logs_it() {
    let shipped_logs = &*SHIPPED_LOGS;
    let mut index = ShippedIndex::default();
    let mut shown_types = 0;
    for risk in entralab::catalog::risk::RISK_TYPES {
        let topics = explain::lookup(risk.name).unwrap();
        let [topic @ Topic::Risk(found)] = topics[..] else {
            panic!("{}: {topics:?}", risk.name);
        };
        assert_eq!(found.name, risk.name);
        let shown = topic.needle().and_then(|n| index.find(n));
        let text = explain::render(&topic, shown.as_ref(), None);
        assert!(
            text.starts_with(&format!("{} ({}): ", risk.name, risk.title)),
            "{text}"
        );
        for expected in [
            format!("  riskEventType:        {}\n", risk.name),
            format!("  activity:             {} (", risk.activity.as_str()),
            format!("  source:               {}\n", risk.source),
            format!("  riskLevel:            {} (", risk.level.as_str()),
            "\nWhat the sign-in shows\n".to_string(),
            "  Log Analytics:        table AADUserRiskEvents (RiskEventType)\n".to_string(),
            format!("type: {} }}", risk.name),
        ] {
            assert!(
                text.contains(&expected),
                "{}: no {expected:?}\n{text}",
                risk.name
            );
        }
        let logged = logs(shipped_logs, topic.needle());
        match &shown {
            Some(s) => {
                assert!(logged, "{}", risk.name);
                assert!(
                    text.contains(&format!("see it: entralab run {}", s.path)),
                    "{text}"
                );
                assert!(text.contains(" detection"), "{text}");
                shown_types += 1;
            }
            None => {
                assert!(
                    !logged,
                    "{}: a shipped scenario logs it and none is named",
                    risk.name
                );
                assert!(text.contains("no shipped scenario logs it"), "{text}");
            }
        }
    }
    // The ID Protection library has a scenario for every documented type.
    assert_eq!(
        shown_types,
        entralab::catalog::risk::RISK_TYPES.len(),
        "{shown_types} types shown"
    );
}

#[test]
fn explain_takes_a_risk_detection_type() {
    let output = entralab()
        .args(["explain", "unlikelyTravel", "--rules", "tests/data/sigma"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "unlikelyTravel (Atypical travel): ",
        "  detectionTimingType:  offline\n",
        "  activity:             signin (linked to one sign-in)\n",
        "  Visible:              detectedDateTime 10m to 48h after the activity",
        "  Event Hub:            category UserRiskEvents,",
        "tenant.identity_protection.travel_speed_kmh",
        "see it: entralab run scenarios/identity-protection/lab-anonymous-travel-sspr.yaml\n",
        "  Entra ID Protection Atypical Travel (tests/data/sigma/riskdetection/unlikelyTravel.yml, by ",
    ] {
        assert!(text.contains(expected), "no {expected:?}\n{text}");
    }
    insta::assert_snapshot!("explain_unlikely_travel", text);
    // Any case, or the portal's title.
    for query in [&["UNLIKELYTRAVEL"][..], &["Atypical", "travel"]] {
        let output = entralab().arg("explain").args(query).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{query:?}");
        assert!(
            output
                .stdout
                .starts_with(b"unlikelyTravel (Atypical travel): ")
        );
    }
}

#[test]
fn a_misspelt_risk_type_says_so_suggests_the_type_and_exits_2() {
    let err = explain_error("unlikelyTravle");
    assert!(
        err.starts_with(
            "error: `unlikelyTravle` is not a sign-in error code, audit activity or risk \
             detection type entralab knows; did you mean `unlikelyTravel`?\n"
        ),
        "{err}"
    );
}

#[test]
fn the_explain_doc_lists_every_risk_type() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/explain.md"))
            .unwrap();
    for risk in entralab::catalog::risk::RISK_TYPES {
        assert!(doc.contains(&format!("`{}`", risk.name)), "{}", risk.name);
    }
}
