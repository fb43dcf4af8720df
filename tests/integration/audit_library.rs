//! The directory-change labs of `scenarios/detections/` (issue 9) through the real paths: the
//! CLI's `verify` with the shipped rules, the mock's `$filter`, and KQL over `AuditLogs`.

/// The acceptance check of issue 9: the whole detection library, with its `expect:` and
/// `detections:` sections, against the mock and the shipped rules (Sigma and Sentinel).
#[test]
fn the_detection_library_verifies_with_the_shipped_rules() {
    let out = assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "verify",
            "scenarios/detections/",
            "--rules",
            "tests/data/sigma",
            "--rules",
            "tests/data/sentinel",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(", 0 failed"), "{text}");
    for scenario in [
        "privileged-role-outside-pim",
        "tenant-backdoors",
        "guest-made-administrator",
        "benign-admin-noise",
    ] {
        assert!(
            text.contains(scenario),
            "{scenario} was not verified:\n{text}"
        );
    }
}

/// The mock serves a directory scenario's rows and filters them as Graph documents.
#[tokio::test]
async fn the_mock_filters_a_directory_scenarios_rows() {
    use crate::server::{get, token};
    use entralab::cli::tenant_config;
    use entralab::server::{self, Clock, ServerConfig};
    let scenario = crate::records::load("scenarios/detections/privileged-role-outside-pim.yaml");
    let app = server::app(
        ServerConfig {
            tenants: vec![tenant_config(&scenario)],
            clock: Clock::System,
            token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
        },
        "https",
        "127.0.0.1:8443".into(),
    );
    let tenant = "e17a1ab0-0000-4000-8000-0000000000e1";
    let token = token(&app, tenant).await;
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["activityDisplayName"].as_str().unwrap().to_string())
            .collect()
    };
    let base = "/v1.0/auditLogs/directoryAudits?$filter=";
    let all = get(&app, &token, "/v1.0/auditLogs/directoryAudits").await;
    assert_eq!(all.status, axum::http::StatusCode::OK, "{}", all.body);
    assert_eq!(names(&all.body).len(), 5);
    let pim = get(
        &app,
        &token,
        &format!("{base}initiatedBy/app/displayName%20eq%20'MS-PIM'"),
    )
    .await;
    assert_eq!(names(&pim.body), ["Add member to role"]);
    let by_admin = get(
        &app,
        &token,
        &format!("{base}initiatedBy/user/userPrincipalName%20eq%20'it.admin@contoso-lab-e1.onmicrosoft.com'%20and%20loggedByService%20eq%20'PIM'"),
    )
    .await;
    assert_eq!(
        names(&by_admin.body),
        ["Add member to role outside of PIM (permanent)"]
    );
    let category = get(
        &app,
        &token,
        &format!("{base}category%20eq%20'RoleManagement'"),
    )
    .await;
    assert_eq!(names(&category.body).len(), 5);
    let role = get(
        &app,
        &token,
        &format!(
            "{base}targetResources/any(t:%20t/id%20eq%20'62e90394-69f5-4237-9190-012177145e10')"
        ),
    )
    .await;
    // PIM's rows name the role by its template id (newest first).
    assert_eq!(
        names(&role.body),
        [
            "Add member to role outside of PIM (permanent)",
            "Add member to role completed (PIM activation)",
            "Add member to role requested (PIM activation)"
        ]
    );
}

/// Runs `entralab query QUERY scenarios/detections/ --format csv`.
fn kql_csv(query: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["query", query, "scenarios/detections/", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The logic of Sentinel's audit rules (our own KQL, not theirs) finds the library's attacks
/// in the AuditLogs table: the role is read from `Role.DisplayName` inside the member's
/// `modifiedProperties`, PIM's own rows are left out by their `MS-PIM` initiator, and a
/// throw-away account is an `Add user` and a `Delete user` of one target id.
#[test]
fn sentinel_style_kql_finds_the_library_attacks() {
    let roles = kql_csv(
        "AuditLogs
         | where Category == 'RoleManagement' and OperationName == 'Add member to role'
         | mv-apply t = TargetResources on (where t.type == 'User'
             | extend Member = tostring(t.userPrincipalName), props = t.modifiedProperties)
         | mv-apply p = props on (where p.displayName == 'Role.DisplayName'
             | extend Role = trim('\"', tostring(p.newValue)))
         | where tostring(InitiatedBy.app.displayName) != 'MS-PIM'
         | project Member, Role, By = tostring(InitiatedBy.user.userPrincipalName)",
    );
    assert_eq!(
        roles,
        "Member,Role,By\r\n\
         it.support.desk_outlook.example#EXT#@contoso-lab-ed.onmicrosoft.com,Security Administrator,it.admin@contoso-lab-ed.onmicrosoft.com\r\n\
         svc.backup@contoso-lab-e1.onmicrosoft.com,Global Administrator,it.admin@contoso-lab-e1.onmicrosoft.com\r\n"
    );
    let throwaway = kql_csv(
        "AuditLogs
         | where OperationName == 'Delete user'
         | mv-expand t = TargetResources
         | extend UserId = tostring(t.id)
         | join kind=inner (AuditLogs | where OperationName == 'Add user'
             | mv-expand t = TargetResources
             | extend UserId = tostring(t.id), Created = TimeGenerated) on UserId
         | project Minutes = datetime_diff('minute', TimeGenerated, Created)",
    );
    assert_eq!(throwaway, "Minutes\r\n8\r\n");
    let deleted = kql_csv(
        "AuditLogs
         | where OperationName == 'Delete conditional access policy'
         | project Policy = tostring(TargetResources[0].displayName), LoggedByService",
    );
    assert_eq!(
        deleted,
        "Policy,LoggedByService\r\nBlock sign-ins from outside Japan for admins,Conditional Access\r\n"
    );
}
