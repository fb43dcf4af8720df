//! `entralab detect --coverage` (issue "Fidelity", item 5): the rules × scenarios matrix, dead
//! rules explained, noisy rules on benign noise, and rules that cannot run at all.

use assert_cmd::Command;
use std::path::Path;

pub(super) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(super) fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(root());
    cmd
}

fn coverage(rules: &Path, scenarios: &[&str], format: &str) -> (Option<i32>, String, String) {
    let out = entralab()
        .args(["detect", "--coverage", "--format", format, "--rules"])
        .arg(rules)
        .args(scenarios)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn coverage_of_the_shipped_rules_over_the_detection_library() {
    let rules = Path::new("tests/data/sigma");
    let (code, text, stderr) = coverage(rules, &["scenarios/detections/"], "text");
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!("coverage_shipped_rules", text);

    let (code, json, stderr) = coverage(rules, &["scenarios/detections/"], "json");
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "dead",
            "dead_selections",
            "noisy",
            "not_applicable",
            "rules",
            "scenarios",
            "summary"
        ]
    );
    assert!(json.starts_with("{\n  \"scenarios\": ["), "{json}");
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 23);
    let benign = scenarios
        .iter()
        .position(|s| s["name"] == "benign-noise")
        .unwrap();
    assert_eq!(scenarios[benign]["benign"], true);
    assert_eq!(scenarios[benign - 1]["name"], "benign-admin-noise");
    assert_eq!(scenarios[benign - 1]["benign"], true);
    assert_eq!(scenarios[0]["benign"], false);
    let summary = &report["summary"];
    // 18 sign-in and SSPR rules, 35 directory audit rules (issue 9), 22 ID Protection rules
    // (issue 10: 16, then one per type the library had no scenario for).
    assert_eq!(summary["applicable"], 75);
    assert_eq!(summary["not_applicable"], 0);
    // The SSPR audit rules (the detection library has no SSPR scenario) and the ID Protection
    // rules (it declares no ID Protection; scenarios/identity-protection/ has their scenarios).
    assert_eq!(summary["dead"], 25);
    assert_eq!(summary["noisy"], 1);
    for row in report["rules"].as_array().unwrap() {
        assert_eq!(row["matches"].as_array().unwrap().len(), 23, "{row}");
        for key in ["title", "id", "kind", "service", "file", "helper", "total"] {
            assert!(row.get(key).is_some(), "{key} in {row}");
        }
    }
    let noisy = &report["noisy"][0];
    assert_eq!(
        noisy["title"],
        "Entra ID Strong Authentication Interrupted or Failed"
    );
    assert_eq!(noisy["scenario"], "benign-noise");
    let row = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == noisy["title"])
        .unwrap();
    assert_eq!(noisy["matches"], row["matches"][benign]);
    assert_eq!(noisy["records"], scenarios[benign]["sign_ins"]);
    assert_eq!(
        noisy["matched_on"][0]["records"], noisy["matches"],
        "{noisy}"
    );
    assert_eq!(noisy["matched_on"][0]["field"], "ResultType");
    assert_eq!(noisy["matched_on"][0]["value"], "50074");
    assert_eq!(report["dead_selections"], serde_json::json!([]));
    let dead = &report["dead"][0];
    assert_eq!(dead["can_never_fire"], false);
    // The library has audit records now, just none of SSPR's.
    assert_eq!(dead["findings"][0]["verdict"], "never_matches");

    // Deterministic: the same run gives the same bytes.
    let (_, again, _) = coverage(rules, &["scenarios/detections/"], "json");
    assert_eq!(json, again);
}

const DEAD_RULES: &str = r#"
title: Disabled account, upstream wording
id: dead-disabled
logsource: { product: azure, service: signinlogs }
detection:
  selection: { ResultType: 50057, ResultDescription: Failure }
  condition: selection
---
title: Legacy client, misnamed field
id: dead-client
logsource: { product: azure, service: signinlogs }
detection:
  selection: { ClientApp: [IMAP, POP3] }
  condition: selection
---
title: Risky sign-in
id: risky
logsource: { product: azure, service: signinlogs }
detection:
  selection: { RiskLevelDuringSignIn: severe }
  condition: selection
---
title: Disabled or interrupted, upstream wording
id: partly
logsource: { product: azure, service: signinlogs }
detection:
  selection_disabled: { ResultType: 50057 }
  selection_interrupted: { ResultType: 50074, ResultDescription|contains: Strong Auth required }
  condition: 1 of selection_*
"#;

const RISK_RULE: &str = "title: Impossible travel\nid: risk\nlogsource: { product: azure, service: activitylogs }\n\
     detection: { selection: { riskEventType: unlikelyTravel }, condition: selection }\n";

#[test]
fn dead_and_not_applicable_rules_say_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/data/sigma/signin_logs/entra_signin_disabled_account.yml"),
        dir.path().join("disabled.yml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("dead.yml"), DEAD_RULES).unwrap();
    std::fs::write(dir.path().join("risk.yml"), RISK_RULE).unwrap();
    std::fs::write(dir.path().join("zz_broken.yml"), "title: [unclosed\n").unwrap();
    let scenario = ["scenarios/detections/disabled-account.yaml"];

    let (code, text, stderr) = coverage(dir.path(), &scenario, "text");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("warning: skipped"), "{stderr}");
    assert!(
        text.contains(
            "selection: ResultDescription: 'Failure' never equals any value; closest seen where the rest matched: \
             'User account is disabled. The account has been disabled by an administrator.' (16 records) — \
             never written by Entra: 50057 is written with 'User account is disabled."
        ),
        "{text}"
    );
    assert!(
        text.contains("`ClientApp` is in no record (in none of its Log Analytics, Event Hub or Graph forms); did you mean `ClientAppUsed`?"),
        "{text}"
    );
    assert!(
        text.contains("risk.yml `Impossible travel`: `service: activitylogs` is not produced yet"),
        "{text}"
    );
    assert!(text.contains("zz_broken.yml: does not parse: "), "{text}");

    let (_, json, _) = coverage(dir.path(), &scenario, "json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let dead = report["dead"].as_array().unwrap();
    let verdicts: Vec<(&str, bool, &str)> = dead
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap(),
                d["can_never_fire"].as_bool().unwrap(),
                d["findings"][0]["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("dead-disabled", true, "never_written"),
            ("dead-client", false, "absent"),
            ("risky", true, "never_written"),
        ]
    );
    assert_eq!(
        dead[2]["findings"][0]["known_values"][0], "low",
        "{}",
        dead[2]
    );
    // It fired on its first selection; its second can never match.
    let partly = &report["dead_selections"][0];
    assert_eq!(partly["id"], "partly");
    assert_eq!(partly["can_never_fire"], true);
    let texts: Vec<&str> = partly["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.iter().any(|t| t
            .starts_with("ResultDescription|contains: 'Strong Auth required' is in no value")
            && t.ends_with(
                "never written by Entra: 50074 is written with 'Strong Authentication is required.'"
            )),
        "{texts:#?}"
    );
    let not_applicable: Vec<(&str, &str)> = report["not_applicable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap(), n["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(not_applicable.len(), 2, "{not_applicable:?}");
    assert_eq!(
        not_applicable[0],
        ("logsource", "`service: activitylogs` is not produced yet")
    );
    assert_eq!(not_applicable[1].0, "parse");
    assert!(not_applicable[1].1.starts_with("does not parse: "));
}
