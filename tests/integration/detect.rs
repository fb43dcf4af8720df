//! Sigma rules on simulated records (issue 5): every shipped rule fires on the scenario built
//! for it and stays quiet on benign traffic, the three field namings all work, correlations
//! respect their thresholds, and results reach `entralab detect` and `entralab verify`.

use assert_cmd::Command;
use entralab::detect::{RuleResult, RuleSet};
use entralab::scenario::{self, Scenario};
use entralab::sim;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_rules() -> RuleSet {
    RuleSet::load(&root().join("tests/data/sigma")).unwrap()
}

fn load(relative: &str) -> Scenario {
    let text = std::fs::read_to_string(root().join(relative)).unwrap();
    scenario::load_str(Path::new(relative), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn run(rules: &RuleSet, scenario: &Scenario) -> Vec<RuleResult> {
    let records: Vec<_> = sim::simulate(scenario).filter_map(|i| i.record).collect();
    rules.evaluate(&records, &sim::tenant_id(scenario))
}

fn matches(results: &[RuleResult], title: &str) -> u64 {
    results
        .iter()
        .find(|r| r.rule.title == title)
        .unwrap_or_else(|| panic!("no rule `{title}`"))
        .matches
}

const LOCKOUT: &str = "Entra ID Sign-in Refused Because the Account Is Locked";
const DISABLED: &str = "Entra ID Sign-in Attempt on a Disabled Account";
const CA_BLOCK: &str = "Entra ID Sign-in Blocked by Conditional Access";
const MFA_INTERRUPTED: &str = "Entra ID Strong Authentication Interrupted or Failed";
const MFA_DENIED: &str = "Entra ID MFA Prompt Denied by the User";
const LEGACY: &str = "Entra ID Sign-in with a Legacy Authentication Protocol";
const ROPC: &str = "Entra ID Successful Sign-in with the BAV2ROPC User Agent";
const SPRAY: &str = "Entra ID Password Spray from One Address";
const BAD_PASSWORDS: &str = "Entra ID Many Wrong Passwords from One Address";
const MFA_FLOOD: &str = "Entra ID Many Failed MFA Prompts for One User";
const MFA_FATIGUE: &str = "Entra ID MFA Fatigue Followed by a Successful Sign-in";
const SSPR_BLOCKED: &str = "Entra ID User Blocked from Self-service Password Reset";
const SSPR_RESET: &str = "Entra ID Password Reset Through Self-service";
const SSPR_STEP_FAILED: &str = "Entra ID Self-service Password Reset Step Failed";

/// The attack and alert rules; the helper rules (single failures, successes) are left out.
const ALERTS: &[&str] = &[
    LOCKOUT,
    DISABLED,
    CA_BLOCK,
    MFA_DENIED,
    LEGACY,
    ROPC,
    SPRAY,
    BAD_PASSWORDS,
    MFA_FLOOD,
    MFA_FATIGUE,
    SSPR_BLOCKED,
    SSPR_RESET,
    SSPR_STEP_FAILED,
];

#[test]
fn the_shipped_rules_load_with_their_correlations() {
    let rules = shipped_rules();
    assert!(
        rules.not_applicable.is_empty(),
        "{:?}",
        rules.not_applicable
    );
    // 18 sign-in and SSPR rules, 35 directory audit rules (issue 9; 3 of them the guest
    // invited then made administrator correlation and its two rules), 22 ID Protection rules
    // (issue 10: 16, then one per type the library had no scenario for).
    assert_eq!(rules.rules.len(), 75);
    let kinds: Vec<(&str, &str)> = rules
        .rules
        .iter()
        .filter(|r| r.kind != "detection")
        .map(|r| (r.title.as_str(), r.kind.as_str()))
        .collect();
    assert!(kinds.contains(&(SPRAY, "value_count")), "{kinds:?}");
    assert!(kinds.contains(&(BAD_PASSWORDS, "event_count")));
    assert!(kinds.contains(&(MFA_FLOOD, "event_count")));
    assert!(kinds.contains(&(MFA_FATIGUE, "temporal")));
    assert!(rules.rules.iter().any(|r| r.service == "auditlogs"));
}

#[test]
fn rules_for_other_log_sources_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    std::fs::write(
        dir.path().join("windows.yml"),
        "title: Whoami\nlogsource: { product: windows, category: process_creation }\n\
         detection: { selection: { CommandLine|contains: whoami }, condition: selection }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("nested/lockout.yaml"),
        "title: Lockout\nid: lockout-1\nlogsource: { product: azure, service: signinlogs }\n\
         detection: { selection: { ResultType: 50053 }, condition: selection }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a rule").unwrap();
    let rules = RuleSet::load(dir.path()).unwrap();
    let titles: Vec<&str> = rules.rules.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["Lockout"]);
}

#[test]
fn each_rule_fires_on_the_scenario_built_for_it() {
    let rules = shipped_rules();
    let cases: &[(&str, &[&str])] = &[
        ("scenarios/user02-smart-lockout.yaml", &[LOCKOUT]),
        (
            "scenarios/user03-sspr.yaml",
            &[SSPR_BLOCKED, SSPR_RESET, SSPR_STEP_FAILED],
        ),
        (
            "scenarios/detections/password-spray.yaml",
            &[SPRAY, BAD_PASSWORDS, LOCKOUT],
        ),
        (
            "scenarios/detections/brute-force.yaml",
            &[BAD_PASSWORDS, LOCKOUT],
        ),
        ("scenarios/detections/disabled-account.yaml", &[DISABLED]),
        (
            "scenarios/detections/conditional-access-block.yaml",
            &[CA_BLOCK],
        ),
        (
            "scenarios/detections/legacy-authentication.yaml",
            &[LEGACY, ROPC],
        ),
        (
            "scenarios/detections/mfa-fatigue.yaml",
            &[MFA_DENIED, MFA_INTERRUPTED, MFA_FLOOD, MFA_FATIGUE],
        ),
    ];
    for (path, expected) in cases {
        if !root().join(path).exists() {
            // Written by the scenario library; checked once it is there.
            continue;
        }
        let results = run(&rules, &load(path));
        for title in *expected {
            assert!(
                matches(&results, title) > 0,
                "{path}: `{title}` did not fire"
            );
        }
    }
}

#[test]
fn benign_traffic_stays_quiet() {
    let rules = shipped_rules();
    let mut benign = vec!["scenarios/user01-password-failures.yaml"];
    if root()
        .join("scenarios/detections/benign-noise.yaml")
        .exists()
    {
        benign.push("scenarios/detections/benign-noise.yaml");
    }
    for path in benign {
        let results = run(&rules, &load(path));
        for title in ALERTS {
            assert_eq!(matches(&results, title), 0, "{path}: `{title}` fired");
        }
    }
}

/// A rule file with one rule per naming of the same fact (a 50053 row), and some that must not
/// match.
const NAMINGS: &str = r#"
title: LA integer
id: la-int
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: 50053 }, condition: selection }
---
title: LA string
id: la-string
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: '50053', ResultDescription|contains: 'account is locked' }, condition: selection }
---
title: LA dynamic member
id: la-dynamic
logsource: { product: azure, service: signinlogs }
detection: { selection: { Status.errorCode: 50053, LocationDetails.countryOrRegion: JP }, condition: selection }
---
title: EH envelope
id: eh-envelope
logsource: { product: azure, service: signinlogs }
detection: { selection: { resultType: 50053, category: SignInLogs, operationName: Sign-in activity }, condition: selection }
---
title: EH properties
id: eh-properties
logsource: { product: azure, service: signinlogs }
detection: { selection: { properties.status.errorCode: '50053', properties.userPrincipalName|endswith: '@xxx.onmicrosoft.com' }, condition: selection }
---
title: Graph
id: graph
logsource: { product: azure, service: signinlogs }
detection: { selection: { status.errorCode: 50053, userAgent|contains: Firefox, clientAppUsed: Browser }, condition: selection }
---
title: Any case
id: any-case
logsource: { product: azure, service: signinlogs }
detection: { selection: { resulttype: 50053, Resultdescription|contains: locked }, condition: selection }
---
title: Wrong code
id: wrong-code
logsource: { product: azure, service: signinlogs }
detection: { selection: { ResultType: 50054 }, condition: selection }
---
title: Audit rule on sign-ins
id: audit-only
logsource: { product: azure, service: auditlogs }
detection: { selection: { ResultType|exists: true }, condition: selection }
"#;

#[test]
fn the_three_namings_and_both_value_types_match() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("namings.yml"), NAMINGS).unwrap();
    let rules = RuleSet::load(dir.path()).unwrap();
    let results = run(&rules, &load("scenarios/user02-smart-lockout.yaml"));
    for title in [
        "LA integer",
        "LA string",
        "LA dynamic member",
        "EH envelope",
        "EH properties",
        "Graph",
        "Any case",
    ] {
        assert_eq!(matches(&results, title), 2, "`{title}`");
    }
    assert_eq!(matches(&results, "Wrong code"), 0);
    // Audit rules only see audits: the lab has none.
    assert_eq!(matches(&results, "Audit rule on sign-ins"), 0);
    let lockouts = results.iter().find(|r| r.rule.title == "Graph").unwrap();
    assert_eq!(lockouts.record_ids.len(), 2);
}

/// `n` wrong passwords (the same one: smart lockout never counts a repeat) from one address.
fn wrong_passwords(n: u32) -> Scenario {
    let text = format!(
        r#"
name: wrong-{n}
tenant: {{ domain: t.onmicrosoft.com, display_name: t }}
users:
  - id: bob
    upn: bob@t.onmicrosoft.com
    display_name: Bob
    password: Right-Pw-1
    home: {{ ip: 203.0.113.9, country: JP, browser: Edge 134.0.0 }}
timeline:
  start: 2025-03-17T10:00:00Z
  steps:
    - at: 1m
      repeat: {{ count: {n}, every: 10s }}
      sign_in: {{ user: bob, app: OfficeHome, password: same-wrong }}
"#
    );
    scenario::load_str(Path::new("wrong.yaml"), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// One wrong password for each of `n` users from one address, a minute apart.
fn spray(n: u32) -> Scenario {
    let users: String = (1..=n)
        .map(|i| {
            format!(
                "  - {{ id: u{i}, upn: u{i}@t.onmicrosoft.com, display_name: U{i}, password: Pw-{i}-x, home: {{ ip: 203.0.113.{i}, country: JP }} }}\n"
            )
        })
        .collect();
    let steps: String = (1..=n)
        .map(|i| {
            format!(
                "    - {{ at: {i}m, sign_in: {{ user: u{i}, app: OfficeHome, password: Winter2025!, client: {{ ip: 198.51.100.7, country: RU }} }} }}\n"
            )
        })
        .collect();
    let text = format!(
        "name: spray-{n}\ntenant: {{ domain: t.onmicrosoft.com, display_name: t }}\nusers:\n{users}\
         timeline:\n  start: 2025-03-17T10:00:00Z\n  steps:\n{steps}"
    );
    scenario::load_str(Path::new("spray.yaml"), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn correlations_fire_only_above_their_threshold() {
    let rules = shipped_rules();
    // More than 10 wrong passwords from one address.
    assert_eq!(
        matches(&run(&rules, &wrong_passwords(10)), BAD_PASSWORDS),
        0
    );
    assert_eq!(
        matches(&run(&rules, &wrong_passwords(11)), BAD_PASSWORDS),
        1
    );
    assert_eq!(
        matches(&run(&rules, &wrong_passwords(13)), BAD_PASSWORDS),
        3
    );
    // More than 3 distinct users failing from one address within 10 minutes.
    assert_eq!(matches(&run(&rules, &spray(3)), SPRAY), 0);
    let four = run(&rules, &spray(4));
    assert_eq!(matches(&four, SPRAY), 1);
    assert_eq!(matches(&four, BAD_PASSWORDS), 0);
}

#[test]
fn temporal_needs_every_referenced_rule() {
    // A success alone is not MFA fatigue (rsigma 0.23 reads a bare `temporal` as "any one").
    let rules = shipped_rules();
    let results = run(&rules, &load("scenarios/user01-password-failures.yaml"));
    assert!(matches(&results, "Entra ID Successful Sign-in") > 0);
    assert_eq!(matches(&results, MFA_FATIGUE), 0);
}

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(root());
    cmd
}

#[test]
fn detect_prints_a_report_per_rule() {
    let out = entralab()
        .args([
            "detect",
            "--rules",
            "tests/data/sigma",
            "scenarios/user02-smart-lockout.yaml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("user02-smart-lockout (10 records): "),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("FIRED") && l.contains(LOCKOUT) && l.contains(" 2 ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("quiet") && l.contains(SPRAY)),
        "{text}"
    );
    assert!(text.contains("records: "), "{text}");

    let out = entralab()
        .args(["detect", "--rules", "tests/data/sigma", "--format", "json"])
        .arg("scenarios/user02-smart-lockout.yaml")
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = json["scenarios"][0]["rules"].as_array().unwrap();
    let lockout = rules.iter().find(|r| r["title"] == LOCKOUT).unwrap();
    assert_eq!(lockout["fired"], true);
    assert_eq!(lockout["matches"], 2);
    assert_eq!(lockout["record_ids"].as_array().unwrap().len(), 2);
    assert_eq!(lockout["id"], "7acea144-b87d-4753-bbcb-624195fe69fa");
}

#[test]
fn detect_without_applicable_rules_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    entralab()
        .args(["detect", "--rules"])
        .arg(dir.path())
        .arg("scenarios/user02-smart-lockout.yaml")
        .assert()
        .code(2);
}

fn scenario_copy(dir: &Path, replace: (&str, &str)) -> PathBuf {
    let text = std::fs::read_to_string(root().join("tests/data/detect/lockout-detections.yaml"))
        .unwrap()
        .replace(replace.0, replace.1);
    let path = dir.join("lockout.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn verify_joins_detections_into_its_reports() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let out = entralab()
        .args([
            "verify",
            "tests/data/detect/lockout-detections.yaml",
            "--rules",
            "tests/data/sigma",
        ])
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("PASS  detection `{LOCKOUT}` fires  [3 match(es)]")),
        "{text}"
    );
    assert!(
        text.contains(&format!("PASS  detection `{SPRAY}` stays quiet"))
            || text.contains("afd0878e"),
        "{text}"
    );
    assert!(text.contains("6 passed, 0 failed"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!("detection `{LOCKOUT}` fires")),
        "{xml}"
    );

    // Without --rules the section is not checked, and a note says so.
    let out = entralab()
        .args([
            "verify",
            "tests/data/detect/lockout-detections.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("5 detection expectation(s) not checked: pass --rules DIR"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["passed"], 1);

    // A wrong count, a rule that fires but should be quiet, and an unknown rule fail (exit 1).
    let path = scenario_copy(
        dir.path(),
        (
            "  quiet:\n",
            "    - { rule: Entra ID Wrong Password, count: 1..2 }\n    - No Such Rule\n  quiet:\n    - Entra ID Failed Sign-in (Spray Candidate)\n",
        ),
    );
    let out = entralab()
        .arg("verify")
        .arg(&path)
        .args(["--rules", "tests/data/sigma", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outcomes = json["scenarios"][0]["outcomes"].as_array().unwrap();
    let failed: Vec<&serde_json::Value> =
        outcomes.iter().filter(|o| o["passed"] == false).collect();
    assert_eq!(failed.len(), 3, "{outcomes:#?}");
    let failures = serde_json::to_string(&failed).unwrap();
    assert!(
        failures.contains("expected 1..2 match(es), saw 5"),
        "{failures}"
    );
    assert!(
        failures.contains("no loaded rule has the id or title `No Such Rule`"),
        "{failures}"
    );
    assert!(failures.contains("expected no match, saw 8"), "{failures}");
    assert!(
        outcomes
            .iter()
            .all(|o| o["records"] != "detections" || o["line"].as_u64() > Some(40))
    );
}

#[test]
fn a_wrong_detections_section_is_reported_where_it_stands() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_copy(
        dir.path(),
        (
            "    - afd0878e-a87a-4004-b1d2-3a4fd4278b4f\n",
            "    - { rule: afd0878e-a87a-4004-b1d2-3a4fd4278b4f, count: 2 }\n    - Entra ID Sign-in Refused Because the Account Is Locked\n",
        ),
    );
    let out = entralab().arg("check").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("lockout.yaml:53:7: `quiet` takes no count"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "lockout.yaml:54:7: rule `{LOCKOUT}` is both in `fires` and in `quiet`"
        )),
        "{stderr}"
    );
}

#[test]
fn detect_reads_exported_logs_too() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["eventhub", "loganalytics"] {
        let out_dir = dir.path().join(format);
        entralab()
            .args([
                "generate",
                "scenarios/user02-smart-lockout.yaml",
                "--format",
                format,
                "--out",
            ])
            .arg(&out_dir)
            .assert()
            .success();
        let file = if format == "eventhub" {
            "SignInLogs.json"
        } else {
            "SigninLogs.csv"
        };
        let out = entralab()
            .args([
                "detect",
                "--rules",
                "tests/data/sigma",
                "--format",
                "json",
                "--logs",
            ])
            .arg(out_dir.join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let source = &json["scenarios"][0];
        assert_eq!(source["records"], 10);
        let lockout = source["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == LOCKOUT)
            .unwrap();
        assert_eq!(lockout["matches"], 2, "{format}");
        assert_eq!(
            json["scenarios"].as_array().unwrap().len(),
            1,
            "no built-in labs with --logs"
        );
    }
}
