//! ID Protection through the mock Graph: detections appear only once detected on the serve
//! clock, risky users and their history follow, `$filter` and paging work as on the audit
//! APIs, the licence and permissions gate them, and admin actions change a user's risk.

use crate::records::load;
use crate::server::{Reply, get, send, token};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use entralab::cli::tenant_config;
use entralab::graph::Timestamp;
use entralab::server::{self, Clock, ServerConfig};
use serde_json::Value;

const LAB: &str = "scenarios/identity-protection/lab-anonymous-travel-sspr.yaml";
const TENANT: &str = "e17a1ab0-0000-4000-8000-000000000101";
const DETECTIONS: &str = "/v1.0/identityProtection/riskDetections";
const USER04: &str = "/v1.0/identityProtection/riskyUsers?$filter=userPrincipalName%20eq%20'user04@idp-lab.onmicrosoft.com'";

fn app_at(now: &str, tweak: impl Fn(&mut entralab::scenario::Scenario)) -> Router {
    let mut scenario = load(LAB);
    tweak(&mut scenario);
    server::app(
        ServerConfig {
            tenants: vec![tenant_config(&scenario)],
            clock: Clock::Fixed(Timestamp::parse(now).unwrap()),
            token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
        },
        "https",
        "127.0.0.1:8443".into(),
    )
}

fn values(reply: &Reply) -> &Vec<Value> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["value"].as_array().unwrap()
}

fn types(reply: &Reply) -> Vec<String> {
    let mut types: Vec<String> = values(reply)
        .iter()
        .map(|d| d["riskEventType"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    types
}

#[tokio::test]
async fn a_detection_is_absent_before_its_delay_and_present_after() {
    // The Tor sign-in is at 01:40; its real-time detections are drawn 5-10 minutes later.
    let before = app_at("2025-03-20T01:44:59Z", |_| {});
    let t = token(&before, TENANT).await;
    assert!(values(&get(&before, &t, DETECTIONS).await).is_empty());
    let after = app_at("2025-03-20T01:50:00Z", |_| {});
    let t = token(&after, TENANT).await;
    assert_eq!(
        types(&get(&after, &t, DETECTIONS).await),
        ["anonymizedIPAddress", "unfamiliarFeatures"]
    );
    // Offline ones land within 48 hours.
    let later = app_at("2025-03-22T04:00:00Z", |_| {});
    let t = token(&later, TENANT).await;
    assert_eq!(
        get(&later, &t, DETECTIONS).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        8,
        "user04's 7 and user05's leaked credentials"
    );
    // One detection by id, and one not yet detected is not found.
    let t = token(&after, TENANT).await;
    let reply = get(&after, &t, DETECTIONS).await;
    let id = reply.body["value"][0]["id"].as_str().unwrap().to_string();
    let one = get(&after, &t, &format!("{DETECTIONS}/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["id"], id.as_str());
}

#[tokio::test]
async fn an_offline_detection_raises_the_aggregated_level_of_an_earlier_sign_in() {
    let app = app_at("2025-03-25T00:00:00Z", |_| {});
    let t = token(&app, TENANT).await;
    let reply = get(
        &app,
        &t,
        "/v1.0/auditLogs/signIns?$filter=ipAddress%20eq%20'198.51.100.140'%20and%20status/errorCode%20eq%200",
    )
    .await;
    let row = &values(&reply)[0];
    assert_eq!(row["riskLevelAggregated"], "medium");
    let types: Vec<&str> = row["riskEventTypes_v2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"unlikelyTravel") && types.contains(&"newCountry"),
        "{types:?}"
    );
    // Its travel detection was detected hours after the sign-in.
    let travel = get(
        &app,
        &t,
        &format!("{DETECTIONS}?$filter=riskEventType%20eq%20'unlikelyTravel'%20and%20ipAddress%20eq%20'198.51.100.140'"),
    )
    .await;
    let d = &values(&travel)[0];
    assert_eq!(d["detectionTimingType"], "offline");
    assert_eq!(d["activityDateTime"], row["createdDateTime"]);
    assert!(d["detectedDateTime"].as_str() > d["activityDateTime"].as_str());
}

#[tokio::test]
async fn filter_and_paging_return_every_detection_once() {
    let app = app_at("2025-03-25T00:00:00Z", |_| {});
    let t = token(&app, TENANT).await;
    let mut uri = format!(
        "{DETECTIONS}?$filter=userPrincipalName%20eq%20'user04@idp-lab.onmicrosoft.com'&$top=2"
    );
    let mut seen = Vec::new();
    loop {
        let reply = get(&app, &t, &uri).await;
        seen.extend(
            values(&reply)
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string()),
        );
        match reply.body["@odata.nextLink"].as_str() {
            Some(next) => {
                uri = next
                    .trim_start_matches("https://127.0.0.1:8443")
                    .to_string()
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);
    let bad = get(&app, &t, &format!("{DETECTIONS}?$filter=nope%20eq%201")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let beta = get(&app, &t, "/beta/identityProtection/riskDetections?$top=1").await;
    assert!(values(&beta)[0].get("mitreTechniqueId").is_some());
}

#[tokio::test]
async fn risky_users_follow_the_clock_and_an_sspr_reset_remediates() {
    let at_risk = app_at("2025-03-21T00:00:00Z", |_| {});
    let t = token(&at_risk, TENANT).await;
    let users = get(&at_risk, &t, USER04).await;
    let user = &values(&users)[0];
    assert_eq!(
        (&user["riskState"], &user["riskLevel"]),
        (&Value::from("atRisk"), &Value::from("medium"))
    );
    let remediated = app_at("2025-03-25T00:00:00Z", |_| {});
    let t = token(&remediated, TENANT).await;
    let users = get(&remediated, &t, USER04).await;
    let user = &values(&users)[0];
    assert_eq!(user["riskDetail"], "userPerformedSecuredPasswordReset");
    let id = user["id"].as_str().unwrap();
    let history = get(
        &remediated,
        &t,
        &format!("/v1.0/identityProtection/riskyUsers/{id}/history"),
    )
    .await;
    let states: Vec<&str> = values(&history)
        .iter()
        .map(|h| h["riskState"].as_str().unwrap())
        .collect();
    assert_eq!(states.first(), Some(&"remediated"), "newest first");
    assert_eq!(states.len(), 8);
    let filtered = get(
        &remediated,
        &t,
        "/v1.0/identityProtection/riskyUsers?$filter=riskState%20eq%20'atRisk'",
    )
    .await;
    let still: Vec<&Value> = values(&filtered)
        .iter()
        .map(|u| &u["userPrincipalName"])
        .collect();
    assert_eq!(
        still,
        ["user05@idp-lab.onmicrosoft.com"],
        "the leak is not remediated"
    );
}

#[tokio::test]
async fn an_admin_confirms_a_user_compromised_through_the_api() {
    let app = app_at("2025-03-21T00:00:00Z", |_| {});
    let t = token(&app, TENANT).await;
    let users = get(&app, &t, USER04).await;
    let id = values(&users)[0]["id"].as_str().unwrap().to_string();
    let request = Request::post("/v1.0/identityProtection/riskyUsers/confirmCompromised")
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json")
        .body(Body::from(format!("{{\"userIds\":[\"{id}\"]}}")))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::NO_CONTENT);
    let user = get(
        &app,
        &t,
        &format!("/v1.0/identityProtection/riskyUsers/{id}"),
    )
    .await;
    assert_eq!(user.body["riskState"], "confirmedCompromised");
    assert_eq!(user.body["riskLevel"], "high");
}

#[tokio::test]
async fn permissions_and_licences_gate_the_apis() {
    let reader = app_at("2025-03-25T00:00:00Z", |s| {
        s.app_registrations[0].permissions = vec!["AuditLog.Read.All".into()];
    });
    let t = token(&reader, TENANT).await;
    let refused = get(&reader, &t, DETECTIONS).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.body["error"]["code"],
        "Authentication_MSGraphPermissionMissing"
    );
    let p1 = app_at("2025-03-25T00:00:00Z", |s| {
        s.tenant.identity_protection.as_mut().unwrap().license =
            entralab::scenario::RiskLicense::P1;
    });
    let t = token(&p1, TENANT).await;
    let detections = get(&p1, &t, DETECTIONS).await;
    assert!(
        values(&detections)
            .iter()
            .all(|d| d["riskLevel"] == "hidden")
    );
    assert!(
        values(&detections)
            .iter()
            .any(|d| d["riskEventType"] == "generic")
    );
    let users = get(&p1, &t, "/v1.0/identityProtection/riskyUsers").await;
    let listed: Vec<&Value> = values(&users)
        .iter()
        .map(|u| &u["userPrincipalName"])
        .collect();
    // user04 is remediated (level none): a P1 tenant lists only medium and high.
    assert_eq!(listed, ["user05@idp-lab.onmicrosoft.com"]);
    let history = get(&p1, &t, "/v1.0/identityProtection/riskyUsers/x/history").await;
    assert_eq!(history.status, StatusCode::FORBIDDEN);
    let free = app_at("2025-03-25T00:00:00Z", |s| {
        s.tenant.identity_protection.as_mut().unwrap().license =
            entralab::scenario::RiskLicense::Free;
    });
    let t = token(&free, TENANT).await;
    assert_eq!(
        get(&free, &t, DETECTIONS).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The library's files, sorted.
fn library() -> Vec<String> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/identity-protection");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_library_scenario_meets_its_expectations_and_detections_for_many_seeds() {
    use entralab::detect::RuleSet;
    use entralab::graph::Record;
    use entralab::verify::{Context, RiskRecord, verify_with_risk};
    let rules = RuleSet::load(std::path::Path::new("tests/data/sigma/riskdetection")).unwrap();
    assert!(
        rules.not_applicable.is_empty(),
        "{:?}",
        rules.not_applicable
    );
    let names = library();
    assert_eq!(names.len(), 27, "{names:?}");
    for name in names {
        let mut scenario = load(&format!("scenarios/identity-protection/{name}"));
        assert!(
            scenario.expectations.len() >= 2,
            "{name} states its pattern"
        );
        assert!(!scenario.detections.is_empty(), "{name} names its rules");
        for seed in [0, 1, 2, 3] {
            if seed != 0 {
                scenario.seed = seed;
            }
            let (items, risk) = entralab::sim::risk::simulate_with_risk(&scenario);
            let records: Vec<Record> = items.filter_map(|i| i.record).collect();
            let users = std::collections::BTreeMap::new();
            let context = Context {
                start: scenario.start,
                users: &users,
            };
            let tenant = entralab::sim::tenant_id(&scenario);
            let results = rules.evaluate_with_risk(&records, &risk.detections, &tenant);
            let risk_records = RiskRecord::all_of(&risk.detections, &risk.history);
            let failed: Vec<String> = verify_with_risk(
                &scenario.expectations,
                &records,
                &risk_records,
                false,
                &context,
            )
            .into_iter()
            .chain(entralab::detect::outcomes(
                &scenario.detections,
                &results,
                &rules.not_applicable,
            ))
            .filter(|o| !o.passed)
            .map(|o| o.name)
            .collect();
            assert!(
                failed.is_empty(),
                "{name} seed {}: {failed:?}",
                scenario.seed
            );
            if scenario.benign {
                assert!(risk.detections.is_empty(), "{name} is benign");
            }
        }
    }
}

#[test]
fn the_labs_detections_and_risk_history_are_pinned() {
    let scenario = load(LAB);
    let (_, risk) = entralab::sim::risk::simulate_with_risk(&scenario);
    let detections: Vec<Value> = risk
        .detections
        .iter()
        .map(|d| serde_json::to_value(d).unwrap())
        .collect();
    insta::assert_json_snapshot!("lab_risk_detections", detections);
    let history: Vec<Value> = risk
        .history
        .iter()
        .map(|h| serde_json::to_value(h).unwrap())
        .collect();
    insta::assert_json_snapshot!("lab_risky_user_history", history);
}

#[test]
fn generate_writes_the_detections_and_risky_users_beside_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    for (format, detections, users) in [
        ("eventhub", "UserRiskEvents.json", "RiskyUsers.json"),
        (
            "loganalytics",
            "AADUserRiskEvents.ndjson",
            "AADRiskyUsers.ndjson",
        ),
        ("graph", "riskDetections.json", "riskyUsers.json"),
    ] {
        let out = dir.path().join(format);
        assert_cmd::Command::cargo_bin("entralab")
            .unwrap()
            .args(["generate", LAB, "--format", format, "--out"])
            .arg(&out)
            .assert()
            .success();
        let read = |name: &str| -> Vec<Value> {
            std::fs::read_to_string(out.join(name))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        let (d, u) = (read(detections), read(users));
        let count = |values: &[Value], key: &str| match values {
            [one] if one.get(key).is_some() => one[key].as_array().unwrap().len(),
            rows => rows.len(),
        };
        let key = if format == "graph" {
            "value"
        } else {
            "records"
        };
        assert_eq!(count(&d, key), 8, "{format} detections");
        match format {
            "eventhub" => {
                assert_eq!(d[0]["records"][0]["category"], "UserRiskEvents");
                // As in Elastic's real samples: the US clock of the last update, to the second, and
                // the provider in lower case.
                for (records, updated) in [
                    (&d[0]["records"], "lastUpdatedDateTime"),
                    (&u[0]["records"], "riskLastUpdatedDateTime"),
                ] {
                    for record in records.as_array().unwrap() {
                        let iso = record["properties"][updated].as_str().unwrap();
                        assert_eq!(record["time"], us_clock(iso), "{record}");
                        let resource = record["resourceId"].as_str().unwrap();
                        assert!(
                            resource.ends_with("/providers/microsoft.aadiam"),
                            "{resource}"
                        );
                        let name = record["properties"]["userDisplayName"].as_str().unwrap();
                        assert_eq!(record["identity"], name.to_lowercase());
                    }
                }
                // Their properties: every key of Elastic's real records, in their order, with
                // the deprecated riskType and the user's tenancy at the end.
                let keys = |record: &Value| -> Vec<String> {
                    record["properties"]
                        .as_object()
                        .unwrap()
                        .keys()
                        .cloned()
                        .collect()
                };
                let tenant = d[0]["records"][0]["tenantId"].clone();
                for record in d[0]["records"].as_array().unwrap() {
                    assert_eq!(keys(record), USER_RISK_EVENT_PROPERTIES, "{record}");
                    let properties = &record["properties"];
                    let (kind, legacy) = (&properties["riskEventType"], &properties["riskType"]);
                    assert!(legacy == kind || legacy == "generic", "{kind} {legacy}");
                    assert_eq!(properties["resourceTenantId"], Value::Null);
                    assert_eq!(properties["homeTenantId"], tenant);
                    assert_eq!(properties["userType"], "member");
                    assert_eq!(properties["crossTenantAccessType"], "none");
                }
                for record in u[0]["records"].as_array().unwrap() {
                    assert_eq!(keys(record), RISKY_USER_PROPERTIES, "{record}");
                    assert_eq!(record["properties"]["isGuest"], false);
                }
            }
            "loganalytics" => assert_eq!(d[0]["Type"], "AADUserRiskEvents"),
            _ => assert_eq!(count(&u, key), 2, "the two risky users"),
        }
    }
}

/// The property keys of the `UserRiskEvents` records of Elastic's azure integration samples
/// (identity_protection test logs), in their order.
const USER_RISK_EVENT_PROPERTIES: [&str; 25] = [
    "id",
    "requestId",
    "correlationId",
    "riskType",
    "riskEventType",
    "riskState",
    "riskLevel",
    "riskDetail",
    "source",
    "detectionTimingType",
    "activity",
    "ipAddress",
    "location",
    "activityDateTime",
    "detectedDateTime",
    "lastUpdatedDateTime",
    "userId",
    "userDisplayName",
    "userPrincipalName",
    "additionalInfo",
    "tokenIssuerType",
    "resourceTenantId",
    "homeTenantId",
    "userType",
    "crossTenantAccessType",
];

/// The property keys of the `RiskyUsers` records of the same samples, in their order.
const RISKY_USER_PROPERTIES: [&str; 10] = [
    "id",
    "userDisplayName",
    "userPrincipalName",
    "riskLastUpdatedDateTime",
    "riskState",
    "riskDetail",
    "riskLevel",
    "isGuest",
    "isDeleted",
    "isProcessing",
];

/// `2025-03-20T13:48:23.5Z` as `3/20/2025 1:48:23 PM`.
fn us_clock(iso: &str) -> String {
    let (date, clock) = iso.split_once('T').unwrap();
    let date: Vec<u32> = date.split('-').map(|n| n.parse().unwrap()).collect();
    let clock: Vec<&str> = clock.trim_end_matches('Z').split(':').collect();
    let hour: u32 = clock[0].parse().unwrap();
    let second = clock[2].split('.').next().unwrap();
    let half = if hour < 12 { "AM" } else { "PM" };
    let hour = if hour.is_multiple_of(12) {
        12
    } else {
        hour % 12
    };
    format!(
        "{}/{}/{} {hour}:{}:{second} {half}",
        date[1], date[2], date[0], clock[1]
    )
}

/// The files `generate --format FORMAT` writes for `scenario` into `out`, sorted.
fn exported(out: &std::path::Path, scenario: &str, format: &str) -> Vec<std::path::PathBuf> {
    assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .args(["generate", scenario, "-q", "--format", format, "--out"])
        .arg(out)
        .assert()
        .success();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// `verify --against` the files `generate` wrote, in each of its formats: the expectations on
/// detections and risky users hold whichever shape carries them (Graph collections, NDJSON,
/// Event Hub `UserRiskEvents` / `RiskyUsers`, Log Analytics `AADUserRiskEvents` /
/// `AADRiskyUsers`), with the sign-ins as JSON or, for Log Analytics, as CSV.
#[test]
fn every_library_scenario_verifies_against_its_exports_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for name in library() {
        let scenario = format!("scenarios/identity-protection/{name}");
        for format in ["graph", "ndjson", "eventhub", "loganalytics"] {
            let files = exported(
                &dir.path().join(format!("{name}-{format}")),
                &scenario,
                format,
            );
            // Log Analytics writes each table twice (JSON lines and CSV), ID Protection's
            // too: once each way.
            let ways: Vec<Vec<&std::path::PathBuf>> = if format == "loganalytics" {
                let of = |extension: &str| {
                    files
                        .iter()
                        .filter(|f| f.extension().unwrap() == extension)
                        .collect::<Vec<_>>()
                };
                assert_eq!(of("csv").len(), 4, "{files:?}");
                vec![of("ndjson"), of("csv")]
            } else {
                vec![files.iter().collect()]
            };
            for files in ways {
                let verified = assert_cmd::Command::cargo_bin("entralab")
                    .unwrap()
                    .args(["verify", &scenario, "--against"])
                    .args(&files)
                    .assert();
                let out = String::from_utf8_lossy(&verified.get_output().stdout).into_owned();
                verified.success();
                assert!(out.contains(" 0 failed"), "{name} {format}: {out}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 27 * 5);
}

/// `detect --logs` over a scenario's Event Hub and Log Analytics exports fires the
/// `service: riskdetection` rules exactly as `detect` of the scenario itself: the same rules,
/// on the same detections.
#[test]
fn risk_rules_fire_on_exported_detections_as_on_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "tests/data/sigma/riskdetection";
    let fired = |args: &[&str]| -> Vec<(String, u64, Vec<String>)> {
        let out = assert_cmd::Command::cargo_bin("entralab")
            .unwrap()
            .args(["detect", "--rules", rules, "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = report
            .get("scenarios")
            .map_or(&report["rules"], |s| &s[0]["rules"]);
        results
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut ids: Vec<String> = r["record_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_str().unwrap().to_string())
                    .collect();
                ids.sort();
                (
                    r["title"].as_str().unwrap().to_string(),
                    r["matches"].as_u64().unwrap(),
                    ids,
                )
            })
            .collect()
    };
    let mut fired_somewhere = 0;
    for name in library() {
        let scenario = format!("scenarios/identity-protection/{name}");
        let expected = fired(&[&scenario]);
        fired_somewhere += expected
            .iter()
            .filter(|(_, matches, _)| *matches > 0)
            .count();
        for format in ["eventhub", "loganalytics"] {
            let out = dir.path().join(format!("{name}-{format}"));
            let mut args = vec!["--logs".to_string()];
            for path in exported(&out, &scenario, format) {
                if path.extension().unwrap() != "csv" {
                    args.push(path.to_string_lossy().into_owned());
                }
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_eq!(fired(&args), expected, "{name} {format}");
        }
    }
    assert!(fired_somewhere >= 15, "only {fired_somewhere} rules fired");
}

#[test]
fn run_explains_each_detection_and_the_users_risk() {
    let output = assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", LAB])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let section = &text[text
        .find("  ID Protection (")
        .expect("an ID Protection section")..];
    insta::assert_snapshot!("lab_run_id_protection", section);
}
