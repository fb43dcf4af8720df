//! Export formats and the log-file readers: every shipped scenario written in every format and
//! read back equals what was simulated (but for the documented losses), real-shaped exports
//! from the reference are read, one record per format is pinned by a snapshot, and no input
//! makes a reader panic.

use crate::records::load;
use assert_cmd::Command;
use entralab::export::{ExportOptions, ExportSummary, Format, export_all};
use entralab::graph::{ApiVersion, BetaSignIn, DirectoryAudit, Record, SignIn, Text, Timestamp};
use entralab::logfiles::{self, ErrorKind, Shape};
use entralab::scenario::Scenario;
use entralab::sim;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every scenario in `scenarios/`, and the small population.
fn scenarios() -> Vec<Scenario> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4, "the shipped scenarios are missing");
    let mut relative: Vec<String> = paths
        .iter()
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    relative.push("tests/data/population-small.yaml".into());
    relative.iter().map(|r| load(r)).collect()
}

fn simulated(scenario: &Scenario) -> Vec<Record> {
    sim::simulate(scenario).filter_map(|i| i.record).collect()
}

fn write(format: Format, scenario: &Scenario, dir: &Path) -> ExportSummary {
    write_as(format, ApiVersion::V1, scenario, dir)
}

fn write_as(format: Format, api: ApiVersion, scenario: &Scenario, dir: &Path) -> ExportSummary {
    let options = ExportOptions {
        tenant_id: sim::tenant_id(scenario),
        api,
    };
    export_all(
        format,
        dir,
        &options,
        sim::simulate(scenario).filter_map(|i| i.record),
    )
    .unwrap()
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Sign-ins and audits, sorted by time then id (files split records by kind and category).
pub(crate) fn split(records: Vec<Record>) -> (Vec<SignIn>, Vec<DirectoryAudit>) {
    let mut sign_ins = Vec::new();
    let mut audits = Vec::new();
    for record in records {
        match record {
            Record::SignIn(s) => sign_ins.push(*s),
            Record::Audit(a) => audits.push(*a),
        }
    }
    sign_ins.sort_by(|a, b| (a.created_date_time, &a.id).cmp(&(b.created_date_time, &b.id)));
    audits.sort_by(|a, b| (a.activity_date_time, &a.id).cmp(&(b.activity_date_time, &b.id)));
    (sign_ins, audits)
}

/// The files of `files` whose extension is `extension`.
pub(crate) fn with_extension(files: &[PathBuf], extension: &str) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == extension))
        .cloned()
        .collect()
}

/// Reads files, checking each is in the format's order.
pub(crate) fn read_files(files: &[PathBuf], newest_first: bool) -> Vec<Record> {
    let mut all = Vec::new();
    for file in files {
        let records = logfiles::read_path(file).unwrap_or_else(|e| panic!("{e}"));
        let times: Vec<Timestamp> = records.iter().map(Record::time).collect();
        assert!(
            times.windows(2).all(|w| if newest_first {
                w[0] >= w[1]
            } else {
                w[0] <= w[1]
            }),
            "{} is not {}",
            file.display(),
            if newest_first {
                "newest first"
            } else {
                "oldest first"
            }
        );
        all.extend(records);
    }
    all
}

fn empty_if_null(text: &mut Option<Text>) {
    if text.is_none() {
        *text = Some("".into());
    }
}

/// What a v1.0 record keeps: no beta property.
fn as_v1_keeps_it(mut s: SignIn) -> SignIn {
    s.beta = BetaSignIn::default();
    s
}

/// What the diagnostic exports keep: an unregistered device's device fields are left out, as
/// real exports leave them out.
fn as_diagnostic_keeps_it(mut s: SignIn) -> SignIn {
    let d = &mut s.device_detail;
    if d.device_id.as_deref() == Some("") && d.trust_type.as_deref() == Some("") {
        (d.display_name, d.is_compliant, d.is_managed, d.trust_type) = (None, None, None, None);
    }
    s
}

/// What a Log Analytics table keeps of a sign-in: no `authenticationAppDeviceDetails`,
/// `clientCredentialType` or `isTenantRestricted` column, and string columns are never null.
fn as_log_analytics_keeps_it(s: SignIn, csv: bool) -> SignIn {
    let mut s = as_diagnostic_keeps_it(s);
    s.authentication_app_device_details = None;
    s.beta.client_credential_type = None;
    s.beta.is_tenant_restricted = None;
    let b = &mut s.beta;
    for text in [
        &mut b.user_type,
        &mut b.authentication_requirement,
        &mut b.authentication_protocol,
        &mut b.token_issuer_type,
        &mut b.token_issuer_name,
        &mut b.cross_tenant_access_type,
        &mut b.incoming_token_type,
        &mut b.original_request_id,
        &mut b.unique_token_identifier,
    ] {
        empty_if_null(text);
    }
    for text in [
        &mut s.user_display_name,
        &mut s.user_principal_name,
        &mut s.user_id,
        &mut s.app_id,
        &mut s.app_display_name,
        &mut s.ip_address,
        &mut s.client_app_used,
        &mut s.correlation_id,
        &mut s.conditional_access_status,
        &mut s.risk_detail,
        &mut s.risk_level_aggregated,
        &mut s.risk_level_during_sign_in,
        &mut s.risk_state,
        &mut s.resource_display_name,
        &mut s.resource_id,
        &mut s.home_tenant_id,
        &mut s.resource_tenant_id,
        &mut s.service_principal_id,
        &mut s.service_principal_name,
        &mut s.user_agent,
    ] {
        empty_if_null(text);
    }
    if csv {
        s.created_date_time = to_millis(s.created_date_time);
    }
    s
}

pub(crate) fn audit_as_log_analytics_keeps_it(mut a: DirectoryAudit, csv: bool) -> DirectoryAudit {
    for text in [
        &mut a.category,
        &mut a.correlation_id,
        &mut a.result,
        &mut a.result_reason,
        &mut a.activity_display_name,
        &mut a.logged_by_service,
        &mut a.operation_type,
    ] {
        empty_if_null(text);
    }
    if csv {
        a.activity_date_time = to_millis(a.activity_date_time);
    }
    a
}

/// The portal's CSV keeps milliseconds.
fn to_millis(t: Timestamp) -> Timestamp {
    Timestamp::from_ticks(t.ticks() - t.ticks().rem_euclid(10_000))
}

pub(crate) fn assert_same(
    what: &str,
    read: (Vec<SignIn>, Vec<DirectoryAudit>),
    expected: (Vec<SignIn>, Vec<DirectoryAudit>),
) {
    assert_eq!(read.0.len(), expected.0.len(), "{what}: sign-in count");
    assert_eq!(read.1.len(), expected.1.len(), "{what}: audit count");
    for (got, want) in read.0.iter().zip(&expected.0) {
        assert_eq!(got, want, "{what}: sign-in {}", want.id);
    }
    for (got, want) in read.1.iter().zip(&expected.1) {
        assert_eq!(got, want, "{what}: audit {}", want.id);
    }
}

#[test]
fn every_format_round_trips_every_shipped_scenario() {
    for scenario in scenarios() {
        let expected = split(simulated(&scenario));
        assert!(
            !expected.0.is_empty() || !expected.1.is_empty(),
            "{} made no records",
            scenario.name
        );
        for format in Format::ALL {
            let dir = tempfile::tempdir().unwrap();
            let summary = write(format, &scenario, dir.path());
            assert_eq!(summary.sign_ins, expected.0.len());
            assert_eq!(summary.audits, expected.1.len());
            let what = format!("{} as {format}", scenario.name);
            match format {
                Format::Graph | Format::Ndjson => {
                    // Every v1.0 property survives, exactly; as beta, every property.
                    let read = read_files(&summary.files, format == Format::Graph);
                    let v1 = expected.0.iter().cloned().map(as_v1_keeps_it).collect();
                    assert_same(&what, split(read), (v1, expected.1.clone()));
                    let dir = tempfile::tempdir().unwrap();
                    let summary = write_as(format, ApiVersion::Beta, &scenario, dir.path());
                    let read = read_files(&summary.files, format == Format::Graph);
                    assert_same(&format!("{what} (beta)"), split(read), expected.clone());
                }
                Format::EventHub => {
                    let read = read_files(&summary.files, false);
                    let kept = expected.0.iter().cloned().map(as_diagnostic_keeps_it);
                    assert_same(&what, split(read), (kept.collect(), expected.1.clone()));
                }
                Format::LogAnalytics => {
                    for (extension, csv) in [("ndjson", false), ("csv", true)] {
                        let files = with_extension(&summary.files, extension);
                        assert!(files.len() >= 2, "{what}: {files:?}");
                        let read = split(read_files(&files, false));
                        let kept = (
                            expected
                                .0
                                .iter()
                                .cloned()
                                .map(|s| as_log_analytics_keeps_it(s, csv))
                                .collect(),
                            expected
                                .1
                                .iter()
                                .cloned()
                                .map(|a| audit_as_log_analytics_keeps_it(a, csv))
                                .collect(),
                        );
                        assert_same(&format!("{what} ({extension})"), read, kept);
                    }
                }
            }
        }
    }
}

#[test]
fn the_files_of_each_format() {
    let scenario = load("scenarios/user03-sspr.yaml");
    let names = |format| {
        let dir = tempfile::tempdir().unwrap();
        let summary = write(format, &scenario, dir.path());
        let mut on_disk: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = summary.files.iter().map(|f| file_name(f)).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "no temporary files are left");
        listed
    };
    assert_eq!(
        names(Format::Graph),
        ["directoryAudits.json", "signIns.json"]
    );
    assert_eq!(
        names(Format::Ndjson),
        ["directoryAudits.ndjson", "signIns.ndjson"]
    );
    assert_eq!(
        names(Format::EventHub),
        ["AuditLogs.json", "SignInLogs.json"]
    );
    assert_eq!(
        names(Format::LogAnalytics),
        [
            "AuditLogs.csv",
            "AuditLogs.ndjson",
            "SigninLogs.csv",
            "SigninLogs.ndjson"
        ]
    );
}

#[test]
fn event_hub_files_hold_one_envelope_per_line_of_at_most_100_records() {
    // The small population's sign-ins, three times over: more than two envelopes' worth.
    let scenario = load("tests/data/population-small.yaml");
    let records = simulated(&scenario);
    let tripled = records.iter().chain(&records).chain(&records).cloned();
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        tenant_id: sim::tenant_id(&scenario),
        ..ExportOptions::default()
    };
    let summary = export_all(Format::EventHub, dir.path(), &options, tripled).unwrap();
    assert!(summary.sign_ins > 200, "{}", summary.sign_ins);
    let text = std::fs::read_to_string(dir.path().join("SignInLogs.json")).unwrap();
    let sizes: Vec<usize> = text
        .lines()
        .map(|line| {
            let envelope: Value = serde_json::from_str(line).unwrap();
            envelope["records"].as_array().unwrap().len()
        })
        .collect();
    assert!(sizes.iter().all(|n| (1..=100).contains(n)), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), summary.sign_ins);
    let audits = std::fs::read_to_string(dir.path().join("AuditLogs.json")).unwrap();
    assert_eq!(audits, "{\"records\":[]}\n");
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let record = &first["records"][0];
    assert_eq!(record["category"], "SignInLogs");
    assert_eq!(record["operationName"], "Sign-in activity");
    assert_eq!(record["Level"], 4);
    assert!(record["resultType"].is_string());
    assert!(record["properties"]["status"]["errorCode"].is_i64());
    let tenant = sim::tenant_id(&scenario);
    assert_eq!(record["tenantId"], tenant.as_str());
    assert_eq!(
        record["resourceId"],
        format!("/tenants/{tenant}/providers/Microsoft.aadiam")
    );
}

#[test]
fn log_analytics_rows_have_the_table_columns() {
    let scenario = load("scenarios/user02-smart-lockout.yaml");
    let dir = tempfile::tempdir().unwrap();
    write(Format::LogAnalytics, &scenario, dir.path());
    let text = std::fs::read_to_string(dir.path().join("SigninLogs.ndjson")).unwrap();
    let row: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(row["Type"], "SigninLogs");
    assert_eq!(row["Category"], "SignInLogs");
    assert!(row["ResultType"].is_string());
    assert!(row["LocationDetails"].is_object());
    assert!(row["Status"].is_object());
    assert!(row["DeviceDetail"].is_object());
    assert!(row["AuthenticationDetails"].is_string());
    assert!(
        row["TimeGenerated"]
            .as_str()
            .unwrap()
            .ends_with(".0000000Z"),
        "{}",
        row["TimeGenerated"]
    );
    let csv = std::fs::read_to_string(dir.path().join("SigninLogs.csv")).unwrap();
    let header = csv.split("\r\n").next().unwrap();
    let ndjson_columns: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut csv_columns: Vec<&str> = header.split(',').collect();
    csv_columns.sort();
    let mut sorted = ndjson_columns.clone();
    sorted.sort();
    assert_eq!(csv_columns, sorted);
    assert!(header.starts_with("TenantId,SourceSystem,TimeGenerated,"));
    let first_row = csv.split("\r\n").nth(1).unwrap();
    assert!(first_row.contains(",\"3/17/2025, 3:4"), "{first_row}");
}

#[test]
fn non_interactive_sign_ins_get_their_own_category_and_table() {
    let scenario = load(USER01);
    let mut records = simulated(&scenario);
    let Record::SignIn(first) = &mut records[0] else {
        panic!("user01 starts with a sign-in")
    };
    first.is_interactive = Some(false);
    first.beta.sign_in_event_types = Some(std::sync::Arc::from(["nonInteractiveUser".into()]));
    first.user_display_name = None;
    first.authentication_app_device_details = Some(serde_json::json!({"appVersion": "6.8"}));
    let changed = (**first).clone();
    let options = ExportOptions {
        tenant_id: sim::tenant_id(&scenario),
        ..ExportOptions::default()
    };

    let dir = tempfile::tempdir().unwrap();
    let summary = export_all(Format::EventHub, dir.path(), &options, records.clone()).unwrap();
    let names: Vec<String> = summary.files.iter().map(|f| file_name(f)).collect();
    assert_eq!(
        names,
        [
            "SignInLogs.json",
            "NonInteractiveUserSignInLogs.json",
            "AuditLogs.json"
        ]
    );
    let text =
        std::fs::read_to_string(dir.path().join("NonInteractiveUserSignInLogs.json")).unwrap();
    assert!(
        text.contains("\"category\":\"NonInteractiveUserSignInLogs\""),
        "{text}"
    );
    let read = logfiles::read_path(dir.path().join("NonInteractiveUserSignInLogs.json")).unwrap();
    assert_eq!(
        sign_in(&read[0]),
        &as_diagnostic_keeps_it(changed.clone()),
        "Event Hub keeps everything real exports keep"
    );

    let dir = tempfile::tempdir().unwrap();
    let summary = export_all(Format::LogAnalytics, dir.path(), &options, records).unwrap();
    let names: Vec<String> = summary.files.iter().map(|f| file_name(f)).collect();
    assert_eq!(
        names,
        [
            "SigninLogs.ndjson",
            "SigninLogs.csv",
            "AADNonInteractiveUserSignInLogs.ndjson",
            "AADNonInteractiveUserSignInLogs.csv",
            "AuditLogs.ndjson",
            "AuditLogs.csv"
        ]
    );
    let text =
        std::fs::read_to_string(dir.path().join("AADNonInteractiveUserSignInLogs.ndjson")).unwrap();
    let row: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(row["Type"], "AADNonInteractiveUserSignInLogs");
    assert_eq!(row["Category"], "NonInteractiveUserSignInLogs");
    assert!(
        row["Status"].is_string(),
        "dynamic columns are strings in this table"
    );
    assert_eq!(row["UserDisplayName"], "", "string columns are never null");
    for name in [
        "AADNonInteractiveUserSignInLogs.ndjson",
        "AADNonInteractiveUserSignInLogs.csv",
    ] {
        let read = logfiles::read_path(dir.path().join(name)).unwrap();
        let got = sign_in(&read[0]);
        assert_eq!(got.user_display_name.as_deref(), Some(""), "{name}");
        assert_eq!(
            got.authentication_app_device_details, None,
            "{name}: no such column"
        );
        assert_eq!(
            got,
            &as_log_analytics_keeps_it(changed.clone(), true),
            "{name}"
        );
    }
}

// ---- real-shaped exports -------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    Path::new(ROOT).join("tests/data/exports").join(name)
}

fn read_fixture(name: &str) -> (Vec<Record>, logfiles::ReadSummary) {
    let mut records = Vec::new();
    let summary = logfiles::read_path_with(fixture(name), |r| records.push(r))
        .unwrap_or_else(|e| panic!("{e}"));
    (records, summary)
}

fn sign_in(record: &Record) -> &SignIn {
    match record {
        Record::SignIn(s) => s,
        Record::Audit(a) => panic!("{} is an audit", a.id),
    }
}

fn audit(record: &Record) -> &DirectoryAudit {
    match record {
        Record::Audit(a) => a,
        Record::SignIn(s) => panic!("{} is a sign-in", s.id),
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

#[test]
fn reads_a_graph_page_with_a_next_link_and_the_docs_trailing_comma() {
    let (records, summary) = read_fixture("graph-signins-page.json");
    assert_eq!(
        summary.shapes.iter().copied().collect::<Vec<_>>(),
        [Shape::GraphJson]
    );
    assert_eq!(records.len(), 2);
    let first = sign_in(&records[0]);
    assert_eq!(first.created_date_time, at("2020-03-13T19:15:41.6195833Z"));
    assert_eq!(first.applied_conditional_access_policies.len(), 2);
    assert_eq!(
        first.location.geo_coordinates.latitude,
        Some(47.68050003051758)
    );
    assert_eq!(first.status.failure_reason, None);
    assert_eq!(sign_in(&records[1]).status.error_code, 50126);
    assert!(sign_in(&records[1]).risk_event_types_v2.is_empty());
}

#[test]
fn reads_concatenated_pages_a_bare_array_and_ndjson() {
    let (records, _) = read_fixture("graph-signins-pages-concatenated.json");
    let codes: Vec<i32> = records
        .iter()
        .map(|r| sign_in(r).status.error_code)
        .collect();
    assert_eq!(codes, [0, 50126, 50126]);

    let (records, summary) = read_fixture("graph-directoryaudits-array.json");
    assert_eq!((summary.sign_ins, summary.audits), (0, 2));
    let sspr = audit(&records[0]);
    assert_eq!(sspr.activity_date_time, at("2025-03-17T16:38:17.8754851Z"));
    assert_eq!(sspr.initiated_by.user.as_ref().unwrap().display_name, None);
    let app = audit(&records[1]);
    assert_eq!(
        app.initiated_by
            .app
            .as_ref()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Microsoft Azure AD Internal - Jit Provisioning")
    );
    assert_eq!(app.target_resources[0].modified_properties.len(), 2);
    assert_eq!(app.additional_details[0].value.as_deref(), Some("EvoSTS"));

    let (records, _) = read_fixture("graph-signins.ndjson");
    let times: Vec<Timestamp> = records.iter().map(Record::time).collect();
    assert_eq!(
        times,
        [
            at("2025-03-17T15:40:12Z"),
            at("2025-03-17T15:40:36Z"),
            at("2025-03-17T15:42:32.5354040Z")
        ]
    );
    assert_eq!(sign_in(&records[1]).status.error_code, 50053);
}

#[test]
fn reads_the_documented_event_hub_sign_in() {
    let (records, summary) = read_fixture("eventhub-signinlogs.json");
    assert_eq!(
        summary.shapes.iter().copied().collect::<Vec<_>>(),
        [Shape::EventHub]
    );
    let [record] = records.as_slice() else {
        panic!("{records:?}")
    };
    let s = sign_in(record);
    assert_eq!(s.created_date_time, at("2019-03-12T16:02:15.5522137Z"));
    assert_eq!(s.status.error_code, 50140);
    assert_eq!(s.app_display_name.as_deref(), Some("Azure Portal"));
    assert_eq!(
        s.resource_id.as_deref(),
        Some("00000003-0000-0ff1-ce00-000000000000")
    );
    assert_eq!(s.device_detail.browser.as_deref(), Some("Chrome 72.0.3626"));
    assert_eq!(s.device_detail.is_managed, None);
    assert_eq!(s.location.geo_coordinates.latitude, Some(45.0));
    assert_eq!(s.is_interactive, Some(true));
}

#[test]
fn reads_event_hub_lines_of_several_categories_and_key_cases() {
    let (records, summary) = read_fixture("eventhub-signinlogs-lines.ndjson");
    assert_eq!(records.len(), 3);
    assert_eq!(summary.skipped.get("ProvisioningLogs"), Some(&1));
    // Elastic's sample: a local offset in `createdDateTime`, `Level` as a string.
    let elastic = sign_in(&records[0]);
    assert_eq!(
        elastic.created_date_time,
        at("2019-10-18T09:45:48.0729893Z")
    );
    assert_eq!(
        elastic.is_interactive,
        Some(false),
        "properties win over the category"
    );
    // A non-interactive record without `isInteractive`: the category says it.
    let non_interactive = sign_in(&records[1]);
    assert_eq!(non_interactive.is_interactive, Some(false));
    assert_eq!(non_interactive.status.error_code, 0);
    // Lower-case envelope keys (Panther's fixtures), no `status`: the envelope fills it in.
    let panther = sign_in(&records[2]);
    assert_eq!(panther.status.error_code, 50126);
    assert_eq!(
        panther.status.failure_reason.as_deref(),
        Some("Error validating credentials due to invalid username or password.")
    );
    assert_eq!(panther.ip_address.as_deref(), Some("203.0.113.99"));
    assert_eq!(
        panther.correlation_id.as_deref(),
        Some("5e5e5e5e-0000-4000-8000-000000000001")
    );
    assert_eq!(panther.user_display_name.as_deref(), Some("Spray Victim"));
    assert_eq!(panther.location.country_or_region.as_deref(), Some("DE"));
    assert_eq!(panther.is_interactive, Some(true));
}

#[test]
fn reads_the_documented_event_hub_audits_old_and_new() {
    let (records, _) = read_fixture("eventhub-auditlogs.json");
    let [old, new] = records.as_slice() else {
        panic!("{records:?}")
    };
    let old = audit(old);
    assert_eq!(old.id.as_ref(), "Directory_VNXV4_28148892");
    assert_eq!(
        old.result.as_deref(),
        Some("success"),
        "`result: 0` is success"
    );
    assert_eq!(old.activity_date_time, at("2018-12-10T00:03:46.6161822Z"));
    assert_eq!(old.category.as_deref(), Some("Policy"));
    assert_eq!(old.initiated_by.user, None);
    let new = audit(new);
    assert_eq!(new.logged_by_service.as_deref(), Some("Conditional Access"));
    assert_eq!(new.result_reason, None);
    let user = new.initiated_by.user.as_ref().unwrap();
    assert_eq!(user.ip_address.as_deref(), Some("198.51.100.77"));
    assert_eq!(
        new.target_resources[0].modified_properties[0]
            .new_value
            .as_deref(),
        Some("{\"state\":\"disabled\"}")
    );
}

#[test]
fn reads_every_timestamp_variant_of_the_elastic_corner_cases() {
    let (records, _) = read_fixture("eventhub-time-variants.ndjson");
    assert_eq!(records.len(), 9);
    for record in &records {
        let t = record.time();
        assert_eq!(
            t.truncate_to_seconds(),
            at("2007-01-09T09:41:00Z"),
            "{}",
            record.id()
        );
    }
    assert_eq!(records[3].time(), at("2007-01-09T09:41:00.535404Z"));
}

#[test]
fn reads_log_analytics_json_rows() {
    let (records, summary) = read_fixture("loganalytics-signinlogs.json");
    assert_eq!(records.len(), 2);
    assert_eq!(summary.skipped.get("AADProvisioningLogs"), Some(&1));
    let typed = sign_in(&records[0]);
    assert_eq!(typed.id.as_ref(), "e6076e16-8b3a-45e8-971d-ae9ca292dc00");
    assert_eq!(typed.created_date_time, at("2025-03-17T15:06:58Z"));
    assert_eq!(typed.status.error_code, 50126);
    assert_eq!(typed.location.city.as_deref(), Some("Tokyo"));
    assert_eq!(
        typed.resource_id.as_deref(),
        Some("4765445b-32c6-49b0-83e6-1d93765276ca")
    );
    assert_eq!(typed.is_interactive, Some(true));
    // The non-interactive table: dynamic columns are strings holding JSON.
    let strings = sign_in(&records[1]);
    assert_eq!(strings.is_interactive, Some(false));
    assert_eq!(
        strings.device_detail.browser.as_deref(),
        Some("Firefox 136.0")
    );
    assert_eq!(strings.location.geo_coordinates.longitude, Some(139.6917));
    assert_eq!(strings.status.error_code, 0);
}

#[test]
fn reads_log_analytics_csv_exports() {
    let (records, summary) = read_fixture("loganalytics-signinlogs.csv");
    assert_eq!(
        summary.shapes.iter().copied().collect::<Vec<_>>(),
        [Shape::LogAnalyticsCsv]
    );
    let codes: Vec<i32> = records
        .iter()
        .map(|r| sign_in(r).status.error_code)
        .collect();
    assert_eq!(codes, [50126, 50053, 0]);
    let first = sign_in(&records[0]);
    assert_eq!(first.created_date_time, at("2021-04-28T14:08:45.221Z"));
    assert_eq!(
        first.applied_conditional_access_policies[0].enforced_grant_controls[0].as_ref(),
        "Mfa"
    );
    assert_eq!(first.location.city.as_deref(), Some("San Antonio"));
    let last = sign_in(&records[2]);
    assert_eq!(last.created_date_time, at("2021-04-28T00:15:30.5Z"));
    assert_eq!(last.is_interactive, Some(false));
    assert_eq!(last.location.city.as_deref(), Some("Dallas, TX"));
    assert_eq!(last.status.failure_reason, None);

    // The portal's export: a BOM and ` [UTC]` on datetime headers.
    let (records, _) = read_fixture("loganalytics-auditlogs.csv");
    assert_eq!(records.len(), 3);
    let blocked = audit(&records[1]);
    assert_eq!(
        blocked.activity_display_name.as_deref(),
        Some("Blocked from self-service password reset")
    );
    assert_eq!(blocked.activity_date_time, at("2025-03-17T16:38:17.875Z"));
    assert_eq!(blocked.category.as_deref(), Some("UserManagement"));
    assert_eq!(
        blocked.target_resources[0].display_name.as_deref(),
        Some("ユーザ03")
    );
    let app = audit(&records[2]);
    assert_eq!(app.result_reason.as_deref(), Some(""));
    assert_eq!(
        app.target_resources[0].modified_properties[0]
            .new_value
            .as_deref(),
        Some("[\"[KeyIdentifier=0b7f2c1e,KeyType=Password]\"]")
    );
}

#[test]
fn utf16_files_as_windows_powershell_writes_them_are_read() {
    let text = std::fs::read_to_string(fixture("graph-signins.ndjson")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let records = logfiles::read_slice("utf16.ndjson", &bytes).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(
        sign_in(&records[0]).user_display_name.as_deref(),
        Some("ユーザ02")
    );
}

// ---- errors ---------------------------------------------------------------------------

fn read_error(name: &str, text: &str) -> logfiles::LogFileError {
    logfiles::read_slice(name, text.as_bytes()).unwrap_err()
}

#[test]
fn errors_name_the_file_line_column_record_and_what_was_expected() {
    let page = std::fs::read_to_string(fixture("graph-signins-pages-concatenated.json")).unwrap();
    // Cut short inside the second page.
    let cut = &page[..page.len() - 200];
    let e = read_error("cut.json", cut);
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!(e.line, Some(6));
    assert!(e.to_string().starts_with("cut.json:6:"), "{e}");
    assert!(e.message.contains("ends inside a JSON value"), "{e}");

    // A record whose status is not an object: the second record of the second page.
    let broken = page.replacen(
        "\"status\":{\"errorCode\":50126,",
        "\"status\":\"failed\",\"x\":{\"errorCode\":50126,",
        1,
    );
    let e = read_error("broken.json", &broken);
    assert_eq!(
        (e.kind, e.line, e.record),
        (ErrorKind::Record, Some(5), Some(2))
    );
    assert!(
        e.to_string()
            .contains("broken.json:5:1: record 2: `status`: expected an object, found a string"),
        "{e}"
    );

    let csv = std::fs::read_to_string(fixture("loganalytics-signinlogs.csv")).unwrap();
    let mut lines: Vec<&str> = csv.split("\r\n").collect();
    lines[2] = "too,few,cells";
    let e = read_error("rows.csv", &lines.join("\r\n"));
    assert_eq!((e.line, e.record), (Some(3), Some(2)));
    assert!(
        e.message
            .contains("the row has 3 cells, the header 49 columns"),
        "{e}"
    );

    let e = read_error("notes.txt", "just some notes\nnothing to see\n");
    assert!(e.message.contains("expected JSON"), "{e}");
    assert!(e.message.contains("Log Analytics CSV export"), "{e}");

    let e = read_error(
        "local.csv",
        "TimeGenerated [Local Time],Type\n1/1/2025 1:00:00 PM,SigninLogs\n",
    );
    assert!(e.message.contains("only times in UTC"), "{e}");

    let e = logfiles::read_path(fixture("does-not-exist.json")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io);
    assert!(
        e.to_string().contains("does-not-exist.json: cannot open"),
        "{e}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    assert!(logfiles::read_slice("deep.json", deep.as_bytes()).is_err());
    let deep_cell = format!("Type,Status\nSigninLogs,\"{}\"\n", "[".repeat(100_000));
    assert!(logfiles::read_slice("deep.csv", deep_cell.as_bytes()).is_err());
}

// ---- snapshots: one generated record per format (the user01 lab; audits from user03) ---

/// Indents compact JSON without reordering anything.
fn pretty(compact: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let chars: Vec<char> = compact.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.get(i + 1), Some('}' | ']')) => out.push(c),
            '{' | '[' => {
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' if i > 0 && matches!(chars[i - 1], '{' | '[') => out.push(c),
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// The first complete JSON object in `text`, as written.
fn first_object(text: &str) -> &str {
    let start = text.find('{').unwrap();
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    for (i, c) in text[start..].char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start..=start + i];
                }
            }
            _ => {}
        }
    }
    panic!("no complete object in {text}")
}

fn generated(scenario: &str, format: Format, file: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(format, &load(scenario), dir.path());
    std::fs::read_to_string(dir.path().join(file)).unwrap()
}

const USER01: &str = "scenarios/user01-password-failures.yaml";
const USER03: &str = "scenarios/user03-sspr.yaml";

#[test]
fn one_record_per_format() {
    let graph = generated(USER01, Format::Graph, "signIns.json");
    let first_record = graph.lines().nth(1).unwrap().trim_end_matches(',');
    insta::assert_snapshot!("graph_sign_in", pretty(first_record));

    let ndjson = generated(USER01, Format::Ndjson, "signIns.ndjson");
    insta::assert_snapshot!("ndjson_sign_in", pretty(ndjson.lines().next().unwrap()));

    let eventhub = generated(USER01, Format::EventHub, "SignInLogs.json");
    let record = first_object(eventhub.strip_prefix("{\"records\":[").unwrap());
    insta::assert_snapshot!("eventhub_sign_in", pretty(record));

    let la = generated(USER01, Format::LogAnalytics, "SigninLogs.ndjson");
    insta::assert_snapshot!("loganalytics_sign_in", pretty(la.lines().next().unwrap()));

    let csv = generated(USER01, Format::LogAnalytics, "SigninLogs.csv");
    let two_rows: Vec<&str> = csv.split("\r\n").take(2).collect();
    insta::assert_snapshot!("loganalytics_csv_sign_in", two_rows.join("\n"));

    let eventhub = generated(USER03, Format::EventHub, "AuditLogs.json");
    let record = first_object(eventhub.strip_prefix("{\"records\":[").unwrap());
    insta::assert_snapshot!("eventhub_audit", pretty(record));

    let la = generated(USER03, Format::LogAnalytics, "AuditLogs.ndjson");
    insta::assert_snapshot!("loganalytics_audit", pretty(la.lines().next().unwrap()));

    let csv = generated(USER03, Format::LogAnalytics, "AuditLogs.csv");
    let two_rows: Vec<&str> = csv.split("\r\n").take(2).collect();
    insta::assert_snapshot!("loganalytics_csv_audit", two_rows.join("\n"));
}

// ---- the command line -----------------------------------------------------------------

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(ROOT);
    cmd
}

#[test]
fn generate_with_format_eventhub_writes_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("eh");
    let output = entralab()
        .args([
            "generate",
            "scenarios/user01-password-failures.yaml",
            "--format",
            "eventhub",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("4 sign-ins, 0 directory audits"), "{text}");
    assert!(
        text.contains("SignInLogs.json") && text.contains("AuditLogs.json"),
        "{text}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["AuditLogs.json", "SignInLogs.json"]);
    let sign_ins = std::fs::read_to_string(out.join("SignInLogs.json")).unwrap();
    let envelope: Value = serde_json::from_str(&sign_ins).unwrap();
    let records = envelope["records"].as_array().unwrap();
    let codes: Vec<&str> = records
        .iter()
        .map(|r| r["resultType"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["50126", "50126", "50140", "0"], "oldest first");
    assert_eq!(records[0]["time"], "2025-03-17T15:06:12.0000000Z");
    assert_eq!(
        records[0]["properties"]["createdDateTime"],
        "2025-03-17T15:06:12.0000000+00:00"
    );
    let read = logfiles::read_path(out.join("SignInLogs.json")).unwrap();
    assert_eq!(read.len(), 4);
}

#[test]
fn generate_rejects_an_unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    let output = entralab()
        .args(["generate", USER01, "--format", "splunk", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("graph, ndjson, eventhub, loganalytics"),
        "{err}"
    );
}

// ---- no input makes a reader panic ------------------------------------------------------

const KEYS: &[&str] = &[
    "value",
    "records",
    "properties",
    "category",
    "time",
    "resultType",
    "resultDescription",
    "callerIpAddress",
    "identity",
    "location",
    "id",
    "createdDateTime",
    "activityDateTime",
    "status",
    "errorCode",
    "deviceDetail",
    "geoCoordinates",
    "isInteractive",
    "initiatedBy",
    "user",
    "app",
    "targetResources",
    "modifiedProperties",
    "additionalDetails",
    "result",
    "TimeGenerated",
    "Type",
    "Status",
    "LocationDetails",
    "ResultType",
    "IsInteractive",
    "InitiatedBy",
    "ActivityDateTime",
    "appliedConditionalAccessPolicies",
    "riskEventTypes",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        prop::sample::select(
            &[
                "2025-03-17T15:08:07Z",
                "3/17/2025, 3:08:07.000 PM",
                "SignInLogs",
                "AuditLogs",
                "SigninLogs",
                "50126",
                "{\"errorCode\":1}",
                "[]",
                "<null>",
            ][..]
        )
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS).prop_map(str::to_string),
                        "[a-z]{1,5}"
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn exports() -> Vec<Vec<u8>> {
    std::fs::read_dir(Path::new(ROOT).join("tests/data/exports"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = logfiles::read_slice("fuzz", &bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let text = value.to_string();
        for wrapped in [
            text.clone(),
            format!("{{\"records\":[{text}]}}"),
            format!("{{\"value\":[{text},{text}]}}"),
            format!("[{text}]\n{text}"),
            format!("{{\"category\":\"SignInLogs\",\"properties\":{text}}}"),
            format!("{{\"Type\":\"AuditLogs\",\"InitiatedBy\":{text}}}"),
        ] {
            let _ = logfiles::read_slice("fuzz.json", wrapped.as_bytes());
        }
    }

    #[test]
    fn mangled_real_exports_never_panic(
        which in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let files = exports();
        let file = which.get(&files);
        let mut bytes = file[..cut.index(file.len() + 1)].to_vec();
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = logfiles::read_slice("mangled", &bytes);
    }

    #[test]
    fn arbitrary_csv_never_panics(
        cells in prop::collection::vec(prop::collection::vec("[ -~\n\"]{0,10}", 3), 0..4),
        columns in prop::sample::subsequence(
            &["TimeGenerated", "Type", "Status", "ResultType", "Id", "LocationDetails", "InitiatedBy", "ActivityDateTime"][..],
            3,
        ),
    ) {
        let mut text = columns.join(",");
        for row in &cells {
            text.push_str("\r\n");
            let quoted: Vec<String> = row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            text.push_str(&quoted.join(","));
        }
        let _ = logfiles::read_slice("fuzz.csv", text.as_bytes());
    }
}
