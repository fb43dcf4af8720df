//! The readers' own behaviour: shapes, errors, tenants, order.

use super::*;

fn read(text: &str) -> Result<Vec<Record>, LogFileError> {
    read_slice("t.json", text.as_bytes())
}

const SIGN_IN: &str = r#"{"id":"1","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":0},"deviceDetail":{},"location":{}}"#;

#[test]
fn reads_pages_arrays_and_lines() {
    let page =
        format!(r#"{{"@odata.context":"x","value":[{SIGN_IN},{SIGN_IN}],"@odata.nextLink":"y"}}"#);
    assert_eq!(read(&page).unwrap().len(), 2);
    assert_eq!(read(&format!("[{SIGN_IN},{SIGN_IN},]")).unwrap().len(), 2);
    assert_eq!(read(&format!("{page}\n{page}")).unwrap().len(), 4);
    assert_eq!(read(&format!("{page},{page}")).unwrap().len(), 4);
    assert_eq!(read(&format!("{SIGN_IN}\n{SIGN_IN}\n")).unwrap().len(), 2);
    assert_eq!(read("").unwrap().len(), 0);
    assert_eq!(read("  \n").unwrap().len(), 0);
}

#[test]
fn errors_name_the_line_column_and_record() {
    let e = read(&format!("{SIGN_IN}\n{SIGN_IN}\n{{\"id\":\"3\"}}\n")).unwrap_err();
    assert_eq!((e.line, e.column, e.record), (Some(3), Some(1), Some(3)));
    assert_eq!(e.kind, ErrorKind::Record);
    assert!(
        e.to_string()
            .starts_with("t.json:3:1: record 3: expected a Graph signIn"),
        "{e}"
    );

    let e = read(&format!("{SIGN_IN}\n{{\"id\" 1}}")).unwrap_err();
    assert_eq!(
        (e.line, e.column, e.kind),
        (Some(2), Some(7), ErrorKind::Syntax)
    );
    assert!(e.message.contains("expected `:`"), "{e}");

    let e = read("[1]").unwrap_err();
    assert!(
        e.message
            .contains("expected a record (a JSON object), found a number"),
        "{e}"
    );
}

#[test]
fn envelopes_and_rows_name_their_tenant() {
    let tenants = |text: &str| {
        read_from("t.json", text.as_bytes(), |_| {})
            .unwrap()
            .tenant_ids
            .into_iter()
            .collect::<Vec<_>>()
    };
    let event_hub = format!(
        r#"{{"records":[{{"time":"2025-03-17T15:08:07Z","category":"SignInLogs","tenantId":"t1","properties":{SIGN_IN}}},{{"category":"AuditLogs","resourceId":"/tenants/t2/providers/Microsoft.aadiam","properties":{{"id":"a","activityDateTime":"2025-03-17T15:08:07Z"}}}},{{"category":"ProvisioningLogs","tenantId":"t3","properties":{{}}}}]}}"#
    );
    // The skipped provisioning record's tenant is not counted.
    assert_eq!(tenants(&event_hub), ["t1", "t2"]);
    // A row's `TenantId` is its workspace; `AADTenantId` is the Entra tenant.
    let row = r#"{"TimeGenerated":"2025-03-17T15:08:07Z","Type":"SigninLogs","TenantId":"workspace","AADTenantId":"t4","Id":"1","CreatedDateTime":"2025-03-17T15:08:07Z","ResultType":"0"}"#;
    assert_eq!(tenants(row), ["t4"]);
    assert!(tenants(SIGN_IN).is_empty());

    // Each record is handed over with its own envelope's or row's tenant.
    let each = |text: &str| {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        let mut seen = Vec::new();
        read_path_with_tenants(file.path(), |record, tenant| {
            seen.push((record.id().to_string(), tenant.map(str::to_string)));
        })
        .unwrap();
        seen
    };
    let some = |id: &str, tenant: &str| (id.to_string(), Some(tenant.to_string()));
    assert_eq!(each(&event_hub), [some("1", "t1"), some("a", "t2")]);
    assert_eq!(each(row), [some("1", "t4")]);
    assert_eq!(each(SIGN_IN), [("1".to_string(), None)]);
}

#[test]
fn newest_first_files_are_turned_around() {
    let later = SIGN_IN
        .replace(r#""id":"1""#, r#""id":"2""#)
        .replace("15:08:07", "15:09:00");
    let mut records = read(&format!("{later}\n{SIGN_IN}\n{SIGN_IN}")).unwrap();
    make_oldest_first(&mut records);
    let ids: Vec<&str> = records.iter().map(Record::id).collect();
    assert_eq!(ids, ["1", "1", "2"]);
    make_oldest_first(&mut records);
    assert_eq!(records[2].id(), "2");
}

#[test]
fn a_bad_field_names_the_field() {
    let e =
        read(r#"{"id":"1","createdDateTime":"yesterday","status":{"errorCode":0}}"#).unwrap_err();
    assert!(
        e.message
            .contains("`createdDateTime`: expected a timestamp"),
        "{e}"
    );
    let e =
        read(r#"{"id":"1","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":"x"}}"#)
            .unwrap_err();
    assert!(
        e.message
            .contains("`status.errorCode`: expected a sign-in error code"),
        "{e}"
    );
}

#[test]
fn a_resource_id_names_its_tenant_in_any_case() {
    for resource_id in [
        "/tenants/t1/providers/Microsoft.aadiam",
        "/tenants/t1/providers/microsoft.aadiam",
        "/TENANTS/t1/PROVIDERS/MICROSOFT.AADIAM",
    ] {
        assert_eq!(
            tenant_of_resource_id(resource_id),
            Some("t1"),
            "{resource_id}"
        );
    }
    for other in [
        "",
        "/tenants/",
        "/tenants//x",
        "/subscriptions/s/x",
        "/tenant",
    ] {
        assert_eq!(tenant_of_resource_id(other), None, "{other}");
    }
}
