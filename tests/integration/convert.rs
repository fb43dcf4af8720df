//! `entralab convert`, the real binary: exports converted from one format into another equal
//! what `generate` writes in that format; bad records are reported with file:line (exit 2);
//! the tenant comes from the records or `--tenant-id`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// Sign-ins only, and audits only.
const SIGN_IN_LAB: &str = "scenarios/user01-password-failures.yaml";
const AUDIT_LAB: &str = "scenarios/user03-sspr.yaml";
const SIGN_IN_LAB_TENANT: &str = "e17a1ab0-0000-4000-8000-000000000001";

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs entralab and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let output = entralab().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `entralab convert FILES --format FORMAT --out DIR [extra...]`.
fn convert(files: &[&str], format: &str, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["convert"];
    args.extend(files);
    args.extend(["--format", format, "--out", path(out)]);
    args.extend(extra);
    run(&args)
}

/// The first line of an output file, as JSON.
fn first_line(file: &Path) -> Value {
    let text = std::fs::read_to_string(file).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

fn generate(lab: &str, format: &str, dir: &Path) {
    let (code, _, err) = run(&["generate", lab, "--format", format, "--out", path(dir)]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn graph_to_event_hub_to_ndjson_equals_the_generated_ndjson() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name);
    generate(SIGN_IN_LAB, "graph", &dir("graph1"));
    generate(AUDIT_LAB, "graph", &dir("graph3"));
    generate(SIGN_IN_LAB, "ndjson", &dir("expected1"));
    generate(AUDIT_LAB, "ndjson", &dir("expected3"));
    let (event_hub, ndjson) = (dir("eventhub"), dir("ndjson"));

    let (code, out, err) = convert(
        &[
            path(&dir("graph1").join("signIns.json")),
            path(&dir("graph3").join("directoryAudits.json")),
        ],
        "eventhub",
        &event_hub,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    // Graph records name no tenant: the sign-ins' resource tenant is taken.
    assert!(
        out.contains(&format!(
            "2 file(s): 4 sign-ins, 20 directory audits; tenant {SIGN_IN_LAB_TENANT} (named by the records)"
        )),
        "{out}"
    );
    let envelope = first_line(&event_hub.join("SignInLogs.json"));
    assert_eq!(envelope["records"][0]["tenantId"], SIGN_IN_LAB_TENANT);

    let files: Vec<String> = std::fs::read_dir(&event_hub)
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let (code, _, err) = convert(&files, "ndjson", &ndjson, &["--api", "v1.0"]);
    assert_eq!(code, 0, "{err}");

    // Graph pages are newest first; the converted stream is oldest first, byte for byte what
    // generate writes (both as v1.0).
    for (file, expected) in [
        ("signIns.ndjson", dir("expected1")),
        ("directoryAudits.ndjson", dir("expected3")),
    ] {
        let converted = std::fs::read_to_string(ndjson.join(file)).unwrap();
        let generated = std::fs::read_to_string(expected.join(file)).unwrap();
        assert!(!generated.is_empty());
        assert_eq!(
            converted,
            without_unregistered_device_fields(&generated),
            "{file} differs after conversion"
        );
    }
}

/// Event Hub exports, like real ones, leave out an unregistered device's `displayName`,
/// `isCompliant`, `isManaged` and `trustType`: read back, they are null.
fn without_unregistered_device_fields(ndjson: &str) -> String {
    ndjson
        .replace(
            r#""displayName":"","operatingSystem""#,
            r#""displayName":null,"operatingSystem""#,
        )
        .replace(
            r#""isCompliant":false,"isManaged":false,"trustType":"""#,
            r#""isCompliant":null,"isManaged":null,"trustType":null"#,
        )
}

#[test]
fn a_bad_record_is_named_by_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mixed.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"1","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":0}}"#,
            "\n",
            r#"{"id":"2","createdDateTime":"yesterday","status":{"errorCode":0}}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, _, err) = convert(&[path(&file)], "graph", &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{}:2:1: record 2: ", file.display())),
        "{err}"
    );
    assert!(
        err.contains("`createdDateTime`: expected a timestamp"),
        "{err}"
    );
    assert!(!out.join("signIns.json").exists());
}

#[test]
fn records_of_several_tenants_need_a_tenant_id() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("two-tenants.json");
    let record = |tenant: &str, id: &str| {
        format!(
            r#"{{"time":"2025-03-17T15:08:07Z","category":"SignInLogs","tenantId":"{tenant}","properties":{{"id":"{id}","createdDateTime":"2025-03-17T15:08:07Z","status":{{"errorCode":0}}}}}}"#
        )
    };
    std::fs::write(
        &file,
        format!("{}\n{}\n", record("t1", "1"), record("t2", "2")),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, _, err) = convert(&[path(&file)], "eventhub", &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("several tenants (t1, t2)"), "{err}");

    let (code, out_text, err) =
        convert(&[path(&file)], "loganalytics", &out, &["--tenant-id", "t9"]);
    assert_eq!(code, 0, "{err}");
    assert!(out_text.contains("2 sign-ins, 0 directory audits; tenant t9 (--tenant-id)"));
    assert_eq!(
        first_line(&out.join("SigninLogs.ndjson"))["AADTenantId"],
        "t9"
    );
}

#[test]
fn no_tenant_anywhere_writes_the_nil_tenant() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("audit.json");
    std::fs::write(
        &file,
        r#"[{"id":"a","activityDateTime":"2025-03-17T15:08:07Z","activityDisplayName":"Update user","result":"success"}]"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, text, err) = convert(&[path(&file)], "eventhub", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("tenant 00000000-0000-0000-0000-000000000000 (the default)"),
        "{text}"
    );
}

/// A Log Analytics table given both as JSON lines and as CSV is the same log twice: the
/// records are written as read, and stderr says which file repeats which.
#[test]
fn a_log_given_twice_is_noted_and_written_as_read() {
    let tmp = tempfile::tempdir().unwrap();
    let la = tmp.path().join("la");
    generate(AUDIT_LAB, "loganalytics", &la);
    let (ndjson, csv) = (la.join("AuditLogs.ndjson"), la.join("AuditLogs.csv"));
    let out = tmp.path().join("out");
    let (code, text, err) = convert(&[path(&ndjson), path(&csv)], "ndjson", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("0 sign-ins, 40 directory audits"), "{text}");
    let note = format!(
        "note: 20 record(s) of {} have the ids of records of {} (the same log given twice?); \
         both copies are written",
        csv.display(),
        ndjson.display()
    );
    assert!(err.contains(&note), "{err}");

    let (code, _, err) = convert(&[path(&ndjson)], "ndjson", &tmp.path().join("once"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("note:"), "one copy gives no note: {err}");

    // ID Protection's detections too, by their ids.
    let risk = tmp.path().join("risk");
    generate(
        "scenarios/identity-protection/admin-confirmed-compromise.yaml",
        "loganalytics",
        &risk,
    );
    let (ndjson, csv) = (
        risk.join("AADUserRiskEvents.ndjson"),
        risk.join("AADUserRiskEvents.csv"),
    );
    let detections = std::fs::read_to_string(&ndjson).unwrap().lines().count();
    assert!(detections > 0);
    let out = tmp.path().join("risk-out");
    let (code, _, err) = convert(&[path(&ndjson), path(&csv)], "ndjson", &out, &[]);
    assert_eq!(code, 0, "{err}");
    let note = format!(
        "note: {detections} risk detection(s) of {} have the ids of risk detections of {} (the \
         same log given twice?); both copies are written",
        csv.display(),
        ndjson.display()
    );
    assert!(err.contains(&note), "{err}");
}

/// The ID Protection files `generate --format FORMAT` writes.
fn risk_files(format: &str) -> &'static [&'static str] {
    match format {
        "graph" => &["riskDetections.json", "riskyUsers.json"],
        "ndjson" => &["riskDetections.ndjson", "riskyUserHistory.ndjson"],
        "eventhub" => &["UserRiskEvents.json", "RiskyUsers.json"],
        _ => &[
            "AADUserRiskEvents.ndjson",
            "AADUserRiskEvents.csv",
            "AADRiskyUsers.ndjson",
            "AADRiskyUsers.csv",
        ],
    }
}

/// The files of an export that hold every record once: Log Analytics writes each log twice
/// (JSON lines and CSV), the others once.
fn readable(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|f| !f.ends_with(".csv"))
        .collect();
    files.sort();
    files
}

/// Detections and risky-user changes are converted, not skipped: each ID Protection library
/// scenario, exported in each format and converted into each, still meets its expectations on
/// them (and on its logs); converted into its own format, its ID Protection files come back
/// byte for byte. (Graph's `riskyUsers.json` holds each user's latest state only, so what is
/// converted from it has those states only, which the expectations still read.) Scenarios
/// without detections or risky users write no ID Protection files when converted.
#[test]
fn id_protection_records_survive_conversion_between_every_format() {
    const FORMATS: [&str; 4] = ["graph", "ndjson", "eventhub", "loganalytics"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/identity-protection");
    let mut scenarios: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    scenarios.sort();
    assert_eq!(scenarios.len(), 27);
    let tmp = tempfile::tempdir().unwrap();
    let (mut verified, mut with_risk) = (0, 0);
    for (n, scenario) in scenarios.iter().enumerate() {
        let ndjson = tmp.path().join(format!("{n}-records"));
        generate(scenario, "ndjson", &ndjson);
        let has_risk = risk_files("ndjson")
            .iter()
            .any(|f| std::fs::metadata(ndjson.join(f)).unwrap().len() > 0);
        with_risk += usize::from(has_risk);
        for from in FORMATS {
            let exported = tmp.path().join(format!("{n}-{from}"));
            generate(scenario, from, &exported);
            let inputs = readable(&exported);
            let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            for to in FORMATS {
                let out = tmp.path().join(format!("{n}-{from}-{to}"));
                let (code, said, err) = convert(&inputs, to, &out, &["--api", "v1.0"]);
                assert_eq!(code, 0, "{scenario} {from} -> {to}: {err}");
                assert!(!err.contains("skipped"), "{scenario} {from} -> {to}: {err}");
                assert!(!err.contains("note:"), "{scenario} {from} -> {to}: {err}");
                assert_eq!(
                    said.contains("risk detection(s)"),
                    has_risk,
                    "{scenario} {from} -> {to}: {said}"
                );
                for file in risk_files(to) {
                    assert_eq!(
                        out.join(file).exists(),
                        has_risk,
                        "{scenario} {from} -> {to}: {file}"
                    );
                }
                if from == to && has_risk {
                    for file in risk_files(to) {
                        let (before, after) = (exported.join(file), out.join(file));
                        assert_eq!(
                            std::fs::read(&before).unwrap(),
                            std::fs::read(&after).unwrap(),
                            "{scenario} {from}: {file} changed"
                        );
                    }
                }
                let mut args = vec!["verify", scenario.as_str(), "--against"];
                let converted = readable(&out);
                args.extend(converted.iter().map(String::as_str));
                let (code, said, err) = run(&args);
                assert_eq!(code, 0, "{scenario} {from} -> {to}: {said}{err}");
                assert!(
                    said.contains(" 0 failed"),
                    "{scenario} {from} -> {to}: {said}"
                );
                verified += 1;
            }
        }
    }
    assert_eq!(verified, 27 * 4 * 4);
    assert!(
        with_risk >= 21,
        "{with_risk} scenarios with ID Protection records"
    );
}
