//! Sentinel analytic rules as detections (issue 12, item 3): entralab's own Sentinel-format
//! rules (tests/data/sentinel/) fire on the library scenario written for their attack and stay
//! quiet on benign noise; `detect` reports them beside Sigma rules, `--coverage` counts them and
//! names the tables of the rules that cannot run.

use super::coverage::{entralab, root};
use entralab::detect::{RuleResult, RuleSet};
use entralab::scenario;
use entralab::sim;
use std::path::Path;

fn run(rules: &RuleSet, name: &str) -> Vec<RuleResult> {
    let relative = format!("scenarios/detections/{name}.yaml");
    let text = std::fs::read_to_string(root().join(&relative)).unwrap();
    let scenario = scenario::load_str(Path::new(&relative), &text).unwrap();
    let records: Vec<_> = sim::simulate(&scenario).filter_map(|i| i.record).collect();
    rules.evaluate(&records, &sim::tenant_id(&scenario))
}

const BRUTE_FORCE: &str = "entralab - Azure Portal brute force ending in a success";
const SPRAY: &str = "entralab - Password spray from one address";
const MFA_SPAM: &str = "entralab - MFA spamming followed by a successful sign-in";
const DISABLED: &str = "entralab - Sign-in attempts to a disabled account across applications";
const ROLE: &str = "entralab - Administrator role assigned outside PIM";
const CREDENTIAL: &str = "entralab - Credential added to an application";
const AFTER_CONSENT: &str = "entralab - Credential added after admin consent";
const CRACKING: &str = "entralab - Password cracking from many locations";

#[test]
fn each_shipped_sentinel_rule_fires_on_its_attack_only() {
    let rules = RuleSet::load(&root().join("tests/data/sentinel")).unwrap();
    assert!(
        rules.not_applicable.is_empty(),
        "{:?}",
        rules.not_applicable
    );
    assert_eq!(rules.rules.len(), 8);
    let cases: &[(&str, &[&str])] = &[
        ("brute-force", &[BRUTE_FORCE]),
        ("password-spray", &[SPRAY]),
        ("mfa-fatigue", &[MFA_SPAM]),
        ("disabled-account", &[DISABLED]),
        ("privileged-role-outside-pim", &[ROLE]),
        (
            "app-credential-after-admin-consent",
            &[AFTER_CONSENT, CREDENTIAL],
        ),
        ("distributed-password-cracking", &[CRACKING]),
        ("benign-noise", &[]),
        ("benign-admin-noise", &[]),
    ];
    for (scenario, expected) in cases {
        let results = run(&rules, scenario);
        let fired: Vec<&str> = results
            .iter()
            .filter(|r| r.fired)
            .map(|r| r.rule.title.as_str())
            .collect();
        assert_eq!(&fired, expected, "{scenario}");
        assert!(results.iter().all(|r| r.error.is_none()), "{scenario}");
    }
}

#[test]
fn detect_reports_sentinel_rules_beside_sigma_rules() {
    let out = entralab()
        .args([
            "detect",
            "--rules",
            "tests/data/sigma",
            "--rules",
            "tests/data/sentinel",
            "scenarios/detections/brute-force.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in\n{text}"))
    };
    assert!(line(BRUTE_FORCE).contains("FIRED"), "{text}");
    assert!(
        line(BRUTE_FORCE).contains("[scheduled, 7f3c2a10-5b1e-4c4e-9a51-0e1d6b7a2c01]"),
        "{text}"
    );
    assert!(line(CREDENTIAL).contains("[nrt, "), "{text}");
    assert!(
        line("Entra ID Sign-in Refused Because the Account Is Locked").contains("FIRED"),
        "{text}"
    );
}

#[test]
fn coverage_counts_sentinel_rules_and_names_what_they_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    for file in std::fs::read_dir(root().join("tests/data/sentinel")).unwrap() {
        let file = file.unwrap().path();
        std::fs::copy(&file, dir.path().join(file.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("ueba.yaml"),
        "id: 00000000-0000-0000-0000-0000000000aa\nname: Needs UEBA\nkind: Scheduled\n\
         queryFrequency: 1d\nqueryPeriod: 1d\ntriggerOperator: gt\ntriggerThreshold: 0\n\
         query: |\n  SigninLogs\n  | join kind=inner (IdentityInfo | project AccountUPN) on $left.UserPrincipalName == $right.AccountUPN\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("series.yaml"),
        "id: 00000000-0000-0000-0000-0000000000bb\nname: Needs evaluate\nkind: NRT\n\
         query: |\n  SigninLogs | evaluate bag_unpack(Status)\n",
    )
    .unwrap();
    let out = entralab()
        .args(["detect", "--coverage", "--rules"])
        .arg(dir.path())
        .args([
            "scenarios/detections/brute-force.yaml",
            "scenarios/detections/benign-noise.yaml",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Rule coverage: 8 rule(s) applicable, 2 not applicable; 2 scenario(s)"),
        "{text}"
    );
    assert!(
        text.contains(
            "ueba.yaml `Needs UEBA`: reads `IdentityInfo`, a table entralab does not produce (--empty-table declares it)"
        ),
        "{text}"
    );
    assert!(
        text.contains("series.yaml `Needs evaluate`: operator `evaluate` is not supported yet"),
        "{text}"
    );
    // Dead rules say how they ran.
    assert!(
        text.contains("no run's row count met its trigger (it runs every 1.00:00:00 over 1.00:00:00, fires when rows gt 0)"),
        "{text}"
    );
    // A table the rules do not read is no warning; KQL entralab lacks is.
    assert!(
        stderr.contains("series.yaml") && !stderr.contains("ueba.yaml"),
        "{stderr}"
    );
}

/// A rule that enriches its rows from a table entralab does not produce (Defender for
/// Endpoint's `DeviceInfo`) runs once the user declares the table present but empty.
#[test]
fn a_rule_joining_a_table_declared_empty_fires_on_its_attack_only() {
    const DEVICES: &str =
        "DeviceInfo(PublicIP:string, AadDeviceId:string, OnboardingStatus:string)";
    // `command` with the enrichment rule, the table declared or not, over `inputs`.
    let run = |command: &[&str], declare: bool, inputs: &[&std::ffi::OsStr]| {
        let mut cmd = entralab();
        cmd.args(command)
            .args(["--rules", "tests/data/sentinel-enrichment"]);
        if declare {
            cmd.args(["--empty-table", DEVICES]);
        }
        cmd.args(inputs).output().unwrap()
    };
    let scenarios = [
        "scenarios/detections/mfa-fatigue.yaml".as_ref(),
        "scenarios/detections/benign-noise.yaml".as_ref(),
    ];
    let detect = |declare: bool| run(&["detect", "--format", "json"], declare, &scenarios);

    let undeclared = detect(false);
    let stderr = String::from_utf8_lossy(&undeclared.stderr);
    assert_eq!(undeclared.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("note: not applicable: tests/data/sentinel-enrichment/explicit-mfa-deny.yaml: `entralab - MFA prompt explicitly denied`: reads `DeviceInfo`, a table entralab does not produce (--empty-table declares it)"),
        "{stderr}"
    );

    let declared = detect(true);
    let stderr = String::from_utf8_lossy(&declared.stderr);
    assert_eq!(declared.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&declared.stdout).unwrap();
    let fired: Vec<(String, bool)> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scenario"].as_str().unwrap().to_string(),
                s["rules"][0]["fired"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fired,
        [
            ("mfa-fatigue".to_string(), true),
            ("benign-noise".to_string(), false)
        ]
    );

    // A scenario's `detections:` naming the rule: verify says why it cannot run, and passes
    // once the table is declared.
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(root().join("scenarios/detections/mfa-fatigue.yaml")).unwrap();
    let at = text.find("detections:").unwrap();
    let scenario = dir.path().join("mfa-fatigue-enriched.yaml");
    std::fs::write(
        &scenario,
        format!(
            "{}detections:\n  fires:\n    - entralab - MFA prompt explicitly denied\n",
            &text[..at]
        ),
    )
    .unwrap();
    let verify = |declare: bool| run(&["verify"], declare, &[scenario.as_os_str()]);
    let refused = verify(false);
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert_eq!(refused.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("the rule `entralab - MFA prompt explicitly denied` cannot run: reads `DeviceInfo`, a table entralab does not produce (--empty-table declares it)"),
        "{stdout}"
    );
    let passed = verify(true);
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert_eq!(passed.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("PASS  detection `entralab - MFA prompt explicitly denied` fires"),
        "{stdout}"
    );

    let bad = entralab()
        .args(["query", "--empty-table", "DeviceInfo", "DeviceInfo | count"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("`DeviceInfo` has no column list"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let counted = entralab()
        .args([
            "query",
            "--format",
            "csv",
            "--empty-table",
            DEVICES,
            "DeviceInfo | count",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&counted.stdout), "Count\r\n0\r\n");
}
