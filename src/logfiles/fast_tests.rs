//! The typed fast path gives what the general path gives: the same records, summary and
//! errors, for the exports' own lines and for generated variations of them (spellings the
//! general path fixes, nulls it fills, envelope values, unknown properties, bad fields).

use super::convert::Converted;
use super::fast::{self, Context};
use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};

/// A sign-in as the Event Hub export writes its `properties` (v1.0 and beta).
fn template() -> Value {
    serde_json::from_str(
        r#"{
        "id": "6d9265f8-3c68-4237-90c9-a10fc1370500",
        "createdDateTime": "2025-03-17T15:01:03.0000000+00:00",
        "userDisplayName": "Staff 000179",
        "userPrincipalName": "staff000179@contoso-bench.onmicrosoft.com",
        "userId": "6363401c-b621-45fc-b469-35e134226634",
        "appId": "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        "appDisplayName": "Microsoft Teams",
        "ipAddress": "203.0.113.36",
        "clientAppUsed": "Browser",
        "correlationId": "43a4e23e-4d49-46ea-b0ac-4d7aa8ddfcaf",
        "conditionalAccessStatus": "success",
        "isInteractive": true,
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
        "resourceDisplayName": "Microsoft Teams Services",
        "resourceId": "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": "MFA"},
        "deviceDetail": {"deviceId": "", "operatingSystem": "Windows10", "browser": "Edge 134.0.0"},
        "location": {"city": "Tokyo", "state": "Tokyo", "countryOrRegion": "JP",
            "geoCoordinates": {"altitude": null, "latitude": 35.6895, "longitude": 139}},
        "appliedConditionalAccessPolicies": [{"id": "p1", "displayName": "Require MFA",
            "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [], "result": "success"}],
        "authenticationAppDeviceDetails": null,
        "homeTenantId": "e17a1ab0-0000-4000-8000-0000000b3e0c",
        "servicePrincipalId": "",
        "userAgent": "Mozilla/5.0",
        "signInEventTypes": ["interactiveUser"],
        "userType": "Member",
        "authenticationRequirement": "multiFactorAuthentication",
        "authenticationRequirementPolicies": [{"requirementProvider": "user", "detail": "MFA"}],
        "authenticationDetails": [{"authenticationStepDateTime": "2025-03-17T15:01:03Z",
            "authenticationMethod": "Password", "authenticationMethodDetail": null,
            "succeeded": true, "authenticationStepResultDetail": "Correct password",
            "authenticationStepRequirement": "Primary authentication"}],
        "authenticationMethodsUsed": ["Password"],
        "authenticationProcessingDetails": [{"key": "Legacy TLS", "value": "False"}],
        "mfaDetail": {},
        "tokenIssuerType": "AzureAD",
        "isTenantRestricted": false,
        "processingTimeInMilliseconds": 408,
        "networkLocationDetails": [{"networkType": "namedNetwork", "networkNames": ["HQ"]}],
        "sessionLifetimePolicies": [{"expirationRequirement": "rememberMultifactorAuthenticationOnTrustedDevices"}],
        "autonomousSystemNumber": 64500,
        "clientCredentialType": "none"
    }"#,
    )
    .unwrap()
}

/// Ways a record can differ from the exports' own form.
const MUTATIONS: usize = 22;

/// Inserts or replaces: a key an earlier mutation removed comes back.
fn set(object: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
    object.insert(key.to_string(), value);
}

fn mutate(record: &mut Value, mutation: usize, pick: usize) {
    let object = record.as_object_mut().unwrap();
    let keys: Vec<String> = object.keys().cloned().collect();
    let key = keys[pick % keys.len()].clone();
    match mutation {
        0 => {
            object.shift_remove(&key);
        }
        1 => {
            object.insert(key, Value::Null);
        }
        2 => {
            let v = object.shift_remove(&key).unwrap();
            object.insert(key.to_ascii_lowercase(), v);
        }
        3 => {
            object.insert("sessionId".into(), json!("s-1"));
        }
        4 => set(object, "status", json!({"errorCode": "50126"})),
        5 => set(
            object,
            "status",
            json!({"errorcode": 50126, "FailureReason": "x"}),
        ),
        6 => set(object, "isInteractive", json!("true")),
        7 => set(object, "processingTimeInMilliseconds", json!("12")),
        8 => set(object, "userType", json!("Guest")),
        9 => set(object, "createdDateTime", json!("3/17/2025 3:01:03 PM")),
        10 => set(object, "createdDateTime", json!("yesterday")),
        11 => set(object, "id", json!(42)),
        12 => set(object, "status", json!({"errorCode": 1, "extra": true})),
        13 => set(
            object,
            "authenticationAppDeviceDetails",
            json!({"AppVersion": "1", "deviceid": "d"}),
        ),
        14 => set(object, "location", json!({"geoCoordinates": null})),
        15 => set(
            object,
            "appliedConditionalAccessPolicies",
            json!([{"id": "p2", "enforcedGrantControls": null, "conditionsSatisfied": "app"}]),
        ),
        16 => set(object, "status", json!({"errorCode": 3000000000_i64})),
        17 => set(object, "deviceDetail", json!({"DeviceId": "x"})),
        18 => set(object, "riskEventTypes", json!(["unfamiliarFeatures"])),
        19 => set(object, "flaggedForReview", json!(1)),
        20 => set(object, "status", json!({"errorCode": 0.0})),
        _ => set(object, "mfaDetail", json!({"authMethod": 7})),
    }
}

fn envelope(properties: &Value, variant: usize) -> Value {
    let categories = [
        "SignInLogs",
        "NonInteractiveUserSignInLogs",
        "signinlogs",
        "ProvisioningLogs",
        "AuditLogs",
    ];
    let ip = ["198.51.100.7", "<null>"][variant % 2];
    let mut record = json!({
        "time": "2025-03-17T15:01:03.0000000Z",
        "resourceId": "/tenants/t-resource/providers/Microsoft.aadiam",
        "operationName": "Sign-in activity",
        "category": categories[variant % categories.len()],
        "resultType": "0",
        "callerIpAddress": ip,
        "correlationId": "c-envelope",
        "identity": "Envelope Name",
        "Level": 4,
        "location": "FR",
        "properties": properties,
    });
    let object = record.as_object_mut().unwrap();
    match variant % 4 {
        0 => {
            object.insert("tenantId".into(), json!(" t-tenant "));
        }
        1 => {
            object.insert("TenantId".into(), json!("t-other-case"));
        }
        2 => {
            object.insert("tenantId".into(), json!(""));
        }
        _ => {}
    }
    record
}

/// Both paths read `text` the same way: the same records and summary, or the same error;
/// and so does the fast path from a file's mapped pages.
fn same_both_ways(text: &str) {
    let (mut fast, mut general) = (Vec::new(), Vec::new());
    let a = read_from("t.json", text.as_bytes(), |r| fast.push(r));
    let b = read_from_general_path("t.json", text.as_bytes(), |r| general.push(r));
    assert_eq!(a, b, "{text}");
    assert_eq!(fast, general, "{text}");
    same_mapped(text.as_bytes(), fast::Tuning::default(), &b, &general);
}

/// `text` read from a regular file's mapped pages gives `expected` and `records`.
fn same_mapped(
    text: &[u8],
    tuning: fast::Tuning,
    expected: &Result<ReadSummary, LogFileError>,
    records: &[Record],
) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, text).unwrap();
    let mut mapped = Vec::new();
    let Some(got) = read_mapped_tuned("t.json", file.as_file(), |r| mapped.push(r), tuning) else {
        assert!(text.is_empty(), "a file with bytes is mapped");
        return;
    };
    assert_eq!(&got, expected, "mapped, {tuning:?}");
    assert_eq!(mapped, records, "mapped, {tuning:?}");
}

fn records(mutations: &[(usize, usize)], count: usize) -> Vec<Value> {
    (0..count)
        .map(|n| {
            let mut record = template();
            record["id"] = json!(format!("id-{n}"));
            for &(mutation, pick) in mutations.iter().filter(|(_, p)| p % count == n) {
                mutate(&mut record, mutation, pick);
            }
            record
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ndjson_lines_read_the_same_both_ways(
        mutations in prop::collection::vec((0..MUTATIONS, 0usize..1000), 0..4),
        count in 1usize..4,
    ) {
        let lines: Vec<String> = records(&mutations, count).iter().map(Value::to_string).collect();
        same_both_ways(&(lines.join("\n") + "\n"));
        let page = format!(
            "{{\"@odata.context\":\"x\",\"value\":[\n{}\n]}}\n",
            lines.join(",\n")
        );
        same_both_ways(&page);
    }

    #[test]
    fn event_hub_envelopes_read_the_same_both_ways(
        mutations in prop::collection::vec((0..MUTATIONS, 0usize..1000), 0..4),
        variants in prop::collection::vec(0usize..40, 1..4),
    ) {
        let records = records(&mutations, variants.len());
        let wrapped: Vec<Value> = records
            .iter()
            .zip(&variants)
            .map(|(r, &v)| envelope(r, v))
            .collect();
        let lines: Vec<String> = wrapped.iter().map(Value::to_string).collect();
        same_both_ways(&format!("{{\"records\":[{}]}}\n", lines.join(",")));
        same_both_ways(&(lines.join("\n") + "\n"));
    }
}

#[test]
fn the_exports_own_lines_take_the_fast_path() {
    let ndjson = template().to_string();
    let shapes = |decoded: fast::Decoded| -> Vec<(Option<String>, Shape)> {
        decoded
            .into_iter()
            .map(|(tenant, converted)| match converted {
                Converted::Record(_, shape) => (tenant.map(|t| t.to_string()), shape),
                Converted::Skipped(what) => panic!("skipped {what}"),
                Converted::Risk(_) => panic!("read as ID Protection's"),
            })
            .collect()
    };
    let decoded = fast::decode_typed(ndjson.as_bytes(), Context::TopLevel).expect("typed");
    assert_eq!(shapes(decoded), [(None, Shape::GraphJson)]);
    let line = format!(
        "{{\"records\":[{},{}]}}",
        envelope(&template(), 0),
        envelope(&template(), 2)
    );
    let decoded = fast::decode_typed(line.as_bytes(), Context::TopLevel).expect("typed");
    let tenant = |t: &str| Some(t.to_string());
    assert_eq!(
        shapes(decoded),
        [
            (tenant("t-tenant"), Shape::EventHub),
            (tenant("t-resource"), Shape::EventHub)
        ]
    );
    // An envelope is not an element of a Graph page.
    assert!(fast::decode(line.as_bytes(), Context::Element).is_none());
    // Another spelling is not typed, but still decoded ahead.
    let lower = ndjson.replace("\"status\"", "\"Status\"");
    assert!(fast::decode_typed(lower.as_bytes(), Context::TopLevel).is_none());
    assert_eq!(
        shapes(fast::decode(lower.as_bytes(), Context::TopLevel).unwrap()).len(),
        1
    );
}

#[test]
fn the_fixtures_read_the_same_both_ways() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/exports");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        same_both_ways(&text);
    }
}

#[test]
fn lines_longer_than_a_read_are_held_whole_and_read_in_order() {
    // Envelopes of thousands of records, each line past the 4 MB the reader reads at a time.
    let record = envelope(&template(), 0).to_string();
    let records = (4 << 20) / record.len() + 100;
    let line = format!("{{\"records\":[{}]}}\n", vec![record; records].join(","));
    assert!(line.len() > 4 << 20);
    let text = line.repeat(3);
    let mut ids = 0;
    let summary = read_from("t.json", text.as_bytes(), |_| ids += 1).unwrap();
    assert_eq!((ids, summary.sign_ins), (3 * records, 3 * records));
    assert_eq!(summary.shapes, BTreeSet::from([Shape::EventHub]));
}

#[test]
fn repeated_values_are_shared_and_equal_across_runs_and_reads() {
    // About 7 MB of NDJSON: many runs, some decoded on every core, and lines cut by the
    // reader's 4 MB reads; the values that repeat are read through the per-thread tables.
    let apps = [
        "Microsoft Teams",
        "Caf\u{e9} \"app\"",
        "",
        "Office 365 Exchange Online",
    ];
    let lines: Vec<String> = (0..4000)
        .map(|n| {
            let mut record = template();
            record["id"] = json!(format!("id-{n}"));
            record["appDisplayName"] = json!(apps[n % apps.len()]);
            record["deviceDetail"]["browser"] = json!(format!("Edge {}", n % 7));
            record.to_string()
        })
        .collect();
    let text = lines.join("\n") + "\n";
    assert!(text.len() > 4 << 20);
    same_both_ways(&text);
    let sign_ins: Vec<Box<crate::graph::SignIn>> = read_slice("t.json", text.as_bytes())
        .unwrap()
        .into_iter()
        .map(|record| match record {
            Record::SignIn(s) => s,
            Record::Audit(_) => panic!("an audit"),
        })
        .collect();
    for (n, s) in sign_ins.iter().enumerate() {
        assert_eq!(s.app_display_name.as_deref(), Some(apps[n % apps.len()]));
    }
    // The first lines are one run, decoded on one thread: one allocation for a value.
    let (a, b) = (&sign_ins[0].app_display_name, &sign_ins[4].app_display_name);
    assert!(std::sync::Arc::ptr_eq(
        a.as_ref().unwrap(),
        b.as_ref().unwrap()
    ));
    // Ids are not shared (each is read once).
    assert_eq!(&*sign_ins[3999].id, "id-3999");
}

/// Cuts that cross every boundary of the pipeline with little data: blocks of a few lines
/// (some shorter than one line), jobs of one line or a few, workers started at once or never.
fn tunings() -> Vec<fast::Tuning> {
    let tuning = |read_bytes, job_min, job_max, workers| fast::Tuning {
        read_bytes,
        job_min,
        job_max,
        parallel_bytes: 0,
        jobs_ahead: 3,
        workers,
    };
    vec![
        fast::Tuning::default(),
        tuning(1, 1, 1, 2),
        tuning(700, 1, 1, 2),
        tuning(1500, 100, 3000, 2),
        tuning(4000, 2000, 8000, 1),
        tuning(4000, 2000, 8000, 0),
    ]
}

/// Every tuning reads `text` as the general path does: the same records (and the same
/// records before an error), summary, and error.
fn same_every_cut(text: &str) {
    let mut general = Vec::new();
    let expected = read_from_general_path("t.json", text.as_bytes(), |r| general.push(r));
    for tuning in tunings() {
        let mut fast = Vec::new();
        let got = read_from_tuned("t.json", text.as_bytes(), |r| fast.push(r), tuning);
        assert_eq!(got, expected, "{tuning:?}");
        assert_eq!(fast, general, "{tuning:?}");
        same_mapped(text.as_bytes(), tuning, &expected, &general);
    }
}

fn ndjson_lines(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            let mut record = template();
            record["id"] = json!(format!("id-{n}"));
            // Lines of different lengths, so that cuts fall everywhere in them.
            record["userAgent"] = json!("x".repeat(n % 17));
            record.to_string()
        })
        .collect()
}

#[test]
fn records_cut_by_blocks_and_jobs_read_in_order() {
    let lines = ndjson_lines(40);
    same_every_cut(&(lines.join("\n") + "\n"));
    // No final newline, CRLF, blank lines.
    same_every_cut(&lines.join("\n"));
    same_every_cut(&(lines.join("\r\n\n") + "\r\n"));
    let envelopes: Vec<String> = lines
        .chunks(3)
        .enumerate()
        .map(|(n, chunk)| {
            let records: Vec<String> = chunk
                .iter()
                .map(|l| envelope(&serde_json::from_str(l).unwrap(), n).to_string())
                .collect();
            format!("{{\"records\":[{}]}}", records.join(","))
        })
        .collect();
    same_every_cut(&(envelopes.join("\n") + "\n"));
    // A Graph page a record a line: the lines are elements, not top-level records.
    same_every_cut(&format!(
        "{{\"@odata.context\":\"x\",\"value\":[\n{}\n]}}\n",
        lines.join(",\n")
    ));
}

#[test]
fn short_and_empty_files_read_the_same() {
    for text in ["", "\n", "  \n\n", "{}", "[]\n"] {
        same_every_cut(text);
    }
    let line = &ndjson_lines(1)[0];
    same_every_cut(line);
    same_every_cut(&format!("{line}\n"));
}

#[test]
fn a_bad_line_decoded_ahead_is_told_where_it_is() {
    let mut lines = ndjson_lines(60);
    lines[37] = lines[37].replace("createdDateTime", "createdAt");
    lines[50] = "{\"id\": broken}".into();
    same_every_cut(&(lines.join("\n") + "\n"));
    let mut before = 0;
    let e = read_from_tuned(
        "t.json",
        (lines.join("\n") + "\n").as_bytes(),
        |_| before += 1,
        tunings()[2],
    )
    .unwrap_err();
    assert_eq!((e.line, e.column, e.record), (Some(38), Some(1), Some(38)));
    assert_eq!(before, 37);
    // Skipping bad records: both are told, in order, and every other record is read.
    let text = lines.join("\n") + "\n";
    let (mut read, mut bad) = (0, Vec::new());
    read_from_skipping_bad("t.json", text.as_bytes(), |_| read += 1, |e| bad.push(e)).unwrap();
    assert_eq!(read, 58);
    let lines_told: Vec<Option<u64>> = bad.iter().map(|e| e.line).collect();
    assert_eq!(lines_told, [Some(38), Some(51)]);
}

#[test]
fn an_envelope_with_a_record_the_typed_path_leaves_is_read_whole_by_the_other() {
    // Records are converted as they are read: a record of another category, or one with a
    // field the typed path does not take, after others that it took, leaves the whole line
    // to the general path, which reads it the same.
    let mut misspelt = template();
    mutate(&mut misspelt, 5, 0);
    for (middle, skipped) in [(envelope(&template(), 3), 1), (envelope(&misspelt, 0), 0)] {
        let line = format!(
            "{{\"records\":[{},{middle},{}]}}",
            envelope(&template(), 0),
            envelope(&template(), 2)
        );
        assert!(fast::decode_typed(line.as_bytes(), Context::TopLevel).is_none());
        let decoded = fast::decode(line.as_bytes(), Context::TopLevel).expect("decoded");
        assert_eq!(decoded.into_iter().count(), 3);
        same_both_ways(&format!("{line}\n{line}\n"));
        let summary = read_from("t.json", format!("{line}\n").as_bytes(), |_| {}).unwrap();
        assert_eq!(summary.sign_ins, 3 - skipped);
    }
}

#[test]
fn empty_and_one_value_lists_read_the_same_as_the_general_path() {
    // Lists the typed path shares (empty ones, lists of one value) and ones it does not.
    let mut lines = Vec::new();
    for n in 0..6 {
        let mut record = template();
        record["id"] = json!(format!("id-{n}"));
        let methods = [json!([]), json!(["Password"]), json!(["Password", "Fido"])];
        record["authenticationMethodsUsed"] = methods[n % 3].clone();
        record["signInEventTypes"] = methods[(n + 1) % 3].clone();
        record["authenticationProcessingDetails"] = json!([]);
        record["networkLocationDetails"] = [json!([]), json!(null)][n % 2].clone();
        record["sessionLifetimePolicies"] = json!([]);
        lines.push(record.to_string());
    }
    let text = lines.join("\n") + "\n";
    same_both_ways(&text);
    for tuning in tunings() {
        let mut records = Vec::new();
        read_from_tuned("t.json", text.as_bytes(), |r| records.push(r), tuning).unwrap();
        let Record::SignIn(s) = &records[1] else {
            panic!("a sign-in")
        };
        let methods = s.beta.authentication_methods_used.as_deref().unwrap();
        assert_eq!(
            methods.iter().map(|m| &**m).collect::<Vec<_>>(),
            ["Password"]
        );
    }
}
