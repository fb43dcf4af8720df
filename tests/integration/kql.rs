//! `entralab query`: KQL over the shipped labs and over exported files, by the real binary.

use assert_cmd::Command;

fn entralab() -> Command {
    let mut cmd = Command::cargo_bin("entralab").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs `entralab query ARGS...`; returns (exit code, stdout, stderr).
fn query(args: &[&str]) -> (i32, String, String) {
    let output = entralab().arg("query").args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn lockouts_by_user_on_user02s_lab() {
    let (code, out, err) = query(&[
        "SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName",
        "scenarios/user02-smart-lockout.yaml",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "UserPrincipalName           count_\n--------------------------  ------\nuser02@xxx.onmicrosoft.com  2\n(1 row)\n"
    );
}

#[test]
fn password_spray_shows_in_failures_per_address() {
    let (code, out, err) = query(&[
        "SigninLogs | where ResultType in (\"50126\", \"50053\") | summarize Users = dcount(UserPrincipalName), Failures = count() by IPAddress | where Users > 3",
        "scenarios/detections/password-spray.yaml",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "IPAddress,Users,Failures\r\n198.51.100.66,20,120\r\n");
}

#[test]
fn json_is_the_log_analytics_query_api_reply() {
    let (code, out, err) = query(&[
        "SigninLogs | summarize n = count(), last = max(TimeGenerated), codes = make_set(ResultType) by UserPrincipalName | take 1",
        "scenarios/user01-password-failures.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let reply: serde_json::Value = serde_json::from_str(&out).unwrap();
    let table = &reply["tables"][0];
    assert_eq!(table["name"], "PrimaryResult");
    assert_eq!(
        table["columns"],
        serde_json::json!([
            {"name": "UserPrincipalName", "type": "string"},
            {"name": "n", "type": "long"},
            {"name": "last", "type": "datetime"},
            {"name": "codes", "type": "dynamic"},
        ])
    );
    assert_eq!(
        table["rows"],
        serde_json::json!([[
            "user01@xxx.onmicrosoft.com",
            4,
            "2025-03-17T15:08:07Z",
            "[\"50126\",\"50140\",\"0\"]"
        ]])
    );
}

#[test]
fn exported_files_answer_like_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let output = entralab()
        .args([
            "generate",
            "scenarios/user03-sspr.yaml",
            "--format",
            "loganalytics",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = "AuditLogs | summarize n = count() by OperationName, Result | sort by OperationName asc, Result asc";
    let (_, simulated, _) = query(&[text, "scenarios/user03-sspr.yaml"]);
    for file in ["AuditLogs.ndjson", "AuditLogs.csv"] {
        let path = dir.path().join(file);
        let (code, from_file, err) = query(&[text, "--logs", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(from_file, simulated, "{file}");
    }
    assert!(
        simulated.contains("Reset password (self-service)"),
        "{simulated}"
    );
}

#[test]
fn now_can_be_given() {
    let text = "SigninLogs | where TimeGenerated > ago(10m) | count";
    let lab = "scenarios/user01-password-failures.yaml";
    let (_, at_end, _) = query(&[text, lab]);
    let (_, later, _) = query(&[text, lab, "--now", "2025-03-18T00:00:00Z"]);
    assert_eq!(at_end, "Count\n-----\n4\n(1 row)\n");
    assert_eq!(later, "Count\n-----\n0\n(1 row)\n");
    let (code, _, err) = query(&[text, lab, "--now", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--now `yesterday` is not a time"), "{err}");
}

#[test]
fn bad_queries_exit_2_with_the_place_and_a_hint() {
    let (code, out, err) = query(&["SigninLogs\n| summarise count() by UserPrincipalName"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "query:2:3: unknown operator `summarise`\n  | | summarise count() by UserPrincipalName\n  |   ^^^^^^^^^\n  = help: did you mean `summarize`?\n"
    );
    let (code, _, err) = query(&["SigninLogs | where UserPrincipalNam has \"user02\""]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("query:1:20: unknown column `UserPrincipalNam`"),
        "{err}"
    );
    assert!(err.contains("did you mean `UserPrincipalName`?"), "{err}");
    let (code, _, err) = query(&["SigninLogs | evaluate bag_unpack(Status)"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("query:1:14: operator `evaluate` is not supported yet"),
        "{err}"
    );
}
