//! The typed path of Log Analytics sign-in rows gives what the general path gives: for every
//! row the exporter writes of the library's scenarios (and takes every one of them), and for
//! rows changed from the exporter's form (where it may also leave the row to the general path).

use super::convert::{Converted, convert_object};
use super::fast::{self, Context};
use super::*;
use crate::export::{ExportOptions, Format, export_all};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A record as read, with the tenant its row names and the shape it was read as.
type Read = (Option<String>, Record, Shape);

/// The general path's record of one line, as `Reader::accept` reads a row.
fn general(line: &str) -> Option<Read> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(line) else {
        return None;
    };
    let tenant = envelope_tenant_id(&object);
    match convert_object(object) {
        Ok(Converted::Record(record, shape)) => Some((tenant, record, shape)),
        _ => None,
    }
}

/// The typed path's record of one line; `None` when it leaves the line to the general path.
fn typed(line: &str) -> Option<Read> {
    let decoded: Vec<_> = fast::decode_typed(line.as_bytes(), Context::TopLevel)?
        .into_iter()
        .collect();
    let [(tenant, converted)] = <[_; 1]>::try_from(decoded).ok().expect("one record a row");
    match converted {
        Converted::Record(record, shape) => Some((tenant.map(|t| t.to_string()), record, shape)),
        Converted::Skipped(what) => panic!("skipped {what}"),
        Converted::Risk(_) => panic!("read as ID Protection's"),
    }
}

/// Whether the typed path took `line`, having read it as the general path does.
fn same_or_declined(line: &str) -> bool {
    let Some(fast) = typed(line) else {
        return false;
    };
    assert_eq!(Some(&fast), general(line).as_ref(), "{line}");
    true
}

/// The whole file reads the same both ways (records, summary, error).
fn same_file(name: &str, text: &str) {
    let (mut fast, mut general) = (Vec::new(), Vec::new());
    let a = read_from(name, text.as_bytes(), |r| fast.push(r));
    let b = read_from_general_path(name, text.as_bytes(), |r| general.push(r));
    assert_eq!(a, b, "{name}");
    assert_eq!(fast, general, "{name}");
}

/// Every scenario of the library, and the small population.
fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("tests/data/population-small.yaml")];
    let mut folders = vec![root.join("scenarios")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The event types of the sign-in tables other than `SigninLogs`, which the exporter writes
/// with dynamic columns as strings holding JSON.
const OTHER_EVENT_TYPES: [&str; 3] = ["nonInteractiveUser", "servicePrincipal", "managedIdentity"];

/// Writes `records` as Log Analytics rows; returns each `.ndjson` file's name and text.
fn export(records: Vec<Record>, tenant_id: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        tenant_id: tenant_id.to_string(),
        ..ExportOptions::default()
    };
    export_all(Format::LogAnalytics, dir.path(), &options, records).unwrap();
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_s_sign_in_rows_take_the_typed_path_and_read_the_same() {
    let mut typed_rows: BTreeMap<String, usize> = BTreeMap::new();
    for path in scenario_files() {
        let scenario = crate::scenario::load_file(&path).unwrap_or_else(|e| panic!("{e:?}"));
        let tenant_id = crate::sim::tenant_id(&scenario);
        let records: Vec<Record> = crate::sim::simulate(&scenario)
            .filter_map(|item| item.record)
            .collect();
        // The same sign-ins again, spread over the other sign-in tables.
        let spread = records
            .iter()
            .cloned()
            .enumerate()
            .map(|(n, mut record)| {
                if let Record::SignIn(s) = &mut record {
                    let event_type = OTHER_EVENT_TYPES[n % OTHER_EVENT_TYPES.len()];
                    s.beta.sign_in_event_types = Some(Arc::from([event_type.into()]));
                }
                record
            })
            .collect();
        for (name, text) in export(records, &tenant_id)
            .into_iter()
            .chain(export(spread, &tenant_id))
        {
            let lines: Vec<&str> = text.lines().collect();
            let taken = lines.iter().filter(|l| same_or_declined(l)).count();
            if name != "AuditLogs.ndjson" {
                assert_eq!(taken, lines.len(), "{}: {name}", path.display());
            }
            *typed_rows.entry(name.clone()).or_default() += taken;
            same_file(&name, &text);
        }
    }
    for table in [
        "SigninLogs",
        "AADNonInteractiveUserSignInLogs",
        "AADServicePrincipalSignInLogs",
        "AADManagedIdentitySignInLogs",
    ] {
        let rows = typed_rows.get(&format!("{table}.ndjson")).copied();
        assert!(rows.unwrap_or(0) > 100, "{table}: {rows:?} rows typed");
    }
}

/// A row of each form the exporter writes: `SigninLogs` (dynamic columns as JSON) and
/// `AADNonInteractiveUserSignInLogs` (as strings holding JSON).
fn templates() -> &'static [Map<String, Value>; 2] {
    static TEMPLATES: OnceLock<[Map<String, Value>; 2]> = OnceLock::new();
    TEMPLATES.get_or_init(exported_templates)
}

fn exported_templates() -> [Map<String, Value>; 2] {
    let mut interactive = crate::export::test_records::sample_sign_in();
    interactive.applied_conditional_access_policies = serde_json::from_value(json!([
        {"id": "p1", "displayName": "Require MFA", "enforcedGrantControls": ["Mfa"],
         "enforcedSessionControls": [], "result": "success"}
    ]))
    .unwrap();
    interactive.risk_event_types = vec!["unfamiliarFeatures".into()];
    let mut other = interactive.clone();
    other.beta.sign_in_event_types = Some(Arc::from(["nonInteractiveUser".into()]));
    let records = vec![
        Record::SignIn(Box::new(interactive)),
        Record::SignIn(Box::new(other)),
    ];
    let files = export(records, "t-tenant");
    let row = |table: &str| {
        let (_, text) = files.iter().find(|(n, _)| n.starts_with(table)).unwrap();
        serde_json::from_str(text.lines().next().unwrap()).unwrap()
    };
    [row("SigninLogs"), row("AADNonInteractive")]
}

/// Ways a row can differ from the exporter's form.
const MUTATIONS: usize = 24;

/// Inserts or replaces a column.
fn set(row: &mut Map<String, Value>, column: &str, value: Value) {
    row.insert(column.to_string(), value);
}

fn mutate(row: &mut Map<String, Value>, mutation: usize, pick: usize) {
    let columns: Vec<String> = row.keys().cloned().collect();
    let column = columns[pick % columns.len()].clone();
    match mutation {
        0 => {
            row.shift_remove(&column);
        }
        1 => set(row, &column, Value::Null),
        2 => {
            let value = row.shift_remove(&column).unwrap();
            row.insert(column.to_ascii_lowercase(), value);
        }
        3 => {
            let value = row.shift_remove(&column).unwrap();
            row.insert(format!("{column}_s"), value);
        }
        4 => set(
            row,
            "IsInteractive",
            json!(["true", "false", "1", ""][pick % 4]),
        ),
        5 => set(row, "FlaggedForReview", json!(["true", "0", ""][pick % 3])),
        6 => set(
            row,
            "ProcessingTimeInMilliseconds",
            [
                json!(" 12"),
                json!("-1"),
                json!("x"),
                json!(12),
                json!("99999999999"),
            ][pick % 5]
                .clone(),
        ),
        7 => set(
            row,
            ["Id", "UserDisplayName", "CreatedDateTime"][pick % 3],
            json!(""),
        ),
        8 => set(
            row,
            ["Status", "LocationDetails", "DeviceDetail"][pick % 3],
            json!(" "),
        ),
        9 => set(
            row,
            "Type",
            json!(["AuditLogs", "signinlogs", "ProvisioningLogs", ""][pick % 4]),
        ),
        10 => {
            // A dynamic column as a string holding its JSON, or the other way round.
            let value = row[&column].clone();
            match value {
                Value::String(text) => {
                    if let Ok(parsed) = serde_json::from_str::<Value>(&text) {
                        set(row, &column, parsed);
                    }
                }
                other => set(row, &column, Value::String(other.to_string())),
            }
        }
        11 => set(
            row,
            ["IsRisky", "SignInIdentifier", "AlternateSignInName"][pick % 3],
            [json!(true), json!("x"), json!("[\"a\"]"), json!("false")][pick % 4].clone(),
        ),
        12 => set(
            row,
            "UserType",
            json!(["Guest", "member", "Member"][pick % 3]),
        ),
        13 => set(
            row,
            "Status",
            [
                json!({"errorCode": "50126"}),
                json!({"ErrorCode": 1}),
                json!("{\"errorCode\":0,\"extra\":1}"),
                json!([0]),
                json!({"errorCode": 0.0}),
                json!("null"),
            ][pick % 6]
                .clone(),
        ),
        14 => set(row, "AADTenantId", json!(["", " t ", "x"][pick % 3])),
        15 => set(row, "AppId", json!(5)),
        16 => set(
            row,
            "DeviceDetail",
            [
                json!("{\"DeviceId\":\"x\"}"),
                json!([]),
                json!({"browser": null}),
            ][pick % 3]
                .clone(),
        ),
        17 => set(
            row,
            "AutonomousSystemNumber",
            json!(["4294967296", "7", "0x1"][pick % 3]),
        ),
        18 => {
            // Another column first.
            let value = row.shift_remove("TenantId").unwrap_or(Value::Null);
            row.insert("TenantId".into(), value);
        }
        19 => set(
            row,
            "RiskEventTypes",
            json!(["[\"a\",\"b\"]", "[1]", "{}"][pick % 3]),
        ),
        20 => set(
            row,
            "ConditionalAccessPolicies",
            json!([{"id": "p2", "enforcedGrantControls": null}]),
        ),
        21 => set(
            row,
            "SessionLifetimePolicies",
            json!("[{\"ExpirationRequirement\":\"x\"}]"),
        ),
        22 => set(row, "CreatedDateTime", json!("3/17/2025, 3:08:07.000 PM")),
        _ => set(row, "Identity", json!(42)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn changed_rows_read_the_same_or_are_left_to_the_general_path(
        template in 0usize..2,
        mutations in prop::collection::vec((0..MUTATIONS, 0usize..1000), 0..4),
    ) {
        let mut row = templates()[template].clone();
        for &(mutation, pick) in &mutations {
            mutate(&mut row, mutation, pick);
        }
        let line = Value::Object(row).to_string();
        same_or_declined(&line);
        same_file("SigninLogs.ndjson", &format!("{line}\n{line}\n"));
    }
}

#[test]
fn the_exporter_s_rows_are_typed_and_others_are_not() {
    for template in templates() {
        let line = Value::Object(template.clone()).to_string();
        assert!(same_or_declined(&line), "{line}");
        let (tenant, _, shape) = typed(&line).unwrap();
        assert_eq!(
            (tenant.as_deref(), shape),
            (Some("t-tenant"), Shape::LogAnalyticsJson)
        );
        // A suffixed column name, a string for a boolean: the general path's.
        let mut suffixed = template.clone();
        let status = suffixed.shift_remove("Status").unwrap();
        suffixed.insert("Status_s".into(), status);
        let line = Value::Object(suffixed).to_string();
        assert!(line.contains("\"Status_s\""));
        assert!(typed(&line).is_none());
        assert!(general(&line).is_some());
        let mut text_bool = template.clone();
        mutate(&mut text_bool, 4, 0);
        assert!(typed(&Value::Object(text_bool).to_string()).is_none());
    }
}
