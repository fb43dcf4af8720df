//! The Log Analytics query API of `entralab serve` (`/v1/workspaces/{id}/query`): in process,
//! what it answers (the engine's result, typed columns, timespan, the serve clock, every
//! error in Log Analytics' shape); and azure-monitor-query's LogsQueryClient against the real
//! server over TLS (tests/python/logs_query.py).

use crate::real_clients::{programs, python_command, python_venv, run_bounded};
use crate::records::load;
use crate::served::{ROOT, Served};
use crate::server::{Reply, send};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use entralab::cli::{tenant_config, tenant_config_of};
use entralab::graph::Timestamp;
use entralab::kql::{self, Catalog};
use entralab::server::{self, Clock, ServerConfig, TenantConfig, workspace_id};
use serde_json::{Value, json};
use std::process::Command;

const SECRET: &str = "entralab-lab-secret-not-for-production";
const CLIENT: &str = "e17a1ab0-0000-4000-8000-00000000c11e";
/// The seed lab's tenant (user01's, user02's and user03's files) and same-wrong-password's.
const SEED: &str = "e17a1ab0-0000-4000-8000-000000000001";
const SAME: &str = "e17a1ab0-0000-4000-8000-000000000004";
const SEED_FILES: [&str; 3] = [
    "scenarios/user01-password-failures.yaml",
    "scenarios/user02-smart-lockout.yaml",
    "scenarios/user03-sspr.yaml",
];
const LOGS_SCOPE: &str = "https%3A%2F%2Fapi.loganalytics.io%2F.default";
const GRAPH_SCOPE: &str = "https%3A%2F%2Fgraph.microsoft.com%2F.default";
/// The page whose programs (azure-monitor-query, curl) the real-client test runs.
const DOC: &str = "docs/serve.md";

fn app(clock: Clock) -> Router {
    app_with(clock, |_| {})
}

/// The seed lab's tenant and same-wrong-password's, each changed by `tweak`.
fn app_with(clock: Clock, tweak: impl Fn(&mut TenantConfig)) -> Router {
    let [user01, user02, user03] = SEED_FILES.map(load);
    let mut tenants = vec![
        tenant_config_of(&[&user01, &user02, &user03]),
        tenant_config(&load("scenarios/same-wrong-password.yaml")),
    ];
    tenants.iter_mut().for_each(tweak);
    server::app(
        ServerConfig {
            tenants,
            clock,
            token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
        },
        "https",
        "127.0.0.1:8443".into(),
    )
}

async fn token(app: &Router, tenant: &str, scope: &str) -> String {
    let form = format!(
        "client_id={CLIENT}&client_secret={SECRET}&grant_type=client_credentials&scope={scope}"
    );
    let request = Request::post(format!("/{tenant}/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["access_token"].as_str().unwrap().to_string()
}

fn query_path(tenant: &str) -> String {
    format!("/v1/workspaces/{}/query", workspace_id(tenant))
}

async fn post(app: &Router, token: Option<&str>, path: &str, body: Value) -> Reply {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

/// `query` in the seed lab's workspace.
async fn ask(app: &Router, token: &str, query: &str) -> Reply {
    post(
        app,
        Some(token),
        &query_path(SEED),
        json!({ "query": query }),
    )
    .await
}

/// What `entralab query --format json` prints for `query` over the seed lab's tenant.
fn engine_answer(query: &str, now: Option<i64>) -> Value {
    let mut catalog = Catalog::for_query(query);
    for file in SEED_FILES {
        let scenario = load(file);
        let tenant = entralab::sim::tenant_id(&scenario);
        for record in entralab::sim::simulate(&scenario).filter_map(|item| item.record) {
            catalog.push(&record, &tenant);
        }
    }
    kql::render::api_json(&kql::run(query, &catalog, now).expect(query))
}

const QUERIES: &[&str] = &[
    "SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName",
    "SigninLogs | summarize failures = countif(ResultType != 0), ips = make_set(IPAddress) by UserPrincipalName, bin(TimeGenerated, 5m)",
    "AuditLogs | project TimeGenerated, OperationName, Result, TargetResources | sort by TimeGenerated asc",
    "union withsource=Table SigninLogs, AuditLogs | summarize count() by Table",
    "SigninLogs | extend Browser = tostring(DeviceDetail.browser) | join kind=leftouter (AuditLogs | summarize audits = count() by tostring(InitiatedBy.user.userPrincipalName)) on $left.UserPrincipalName == $right.InitiatedBy_user_userPrincipalName | project UserPrincipalName, Browser, audits",
];

#[tokio::test]
async fn the_api_answers_what_entralab_query_prints() {
    let app = app(Clock::System);
    let token = token(&app, SEED, LOGS_SCOPE).await;
    for query in QUERIES {
        let reply = ask(&app, &token, query).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        let expected = engine_answer(query, None);
        assert_eq!(reply.body, expected, "{query}");
        assert!(
            !expected["tables"][0]["rows"].as_array().unwrap().is_empty(),
            "{query} finds nothing"
        );
        // GET with the query in the query string answers the same.
        let uri = format!(
            "{}?query={}",
            query_path(SEED),
            entralab::graph::encode_query_value(query)
        );
        let get = crate::server::get(&app, &token, &uri).await;
        assert_eq!(
            (get.status, &get.body),
            (StatusCode::OK, &expected),
            "GET {query}"
        );
    }
}

#[tokio::test]
async fn columns_have_log_analytics_types() {
    let app = app(Clock::System);
    let token = token(&app, SEED, LOGS_SCOPE).await;
    let query = "SigninLogs | take 1 | project TimeGenerated, DurationMs, IsInteractive, Status, ResultType, \
        r = toreal(1.5), i = toint(7), g = toguid('e17a1ab0-0000-4000-8000-000000000001'), t = 90m";
    let reply = ask(&app, &token, query).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let table = &reply.body["tables"][0];
    assert_eq!(table["name"], "PrimaryResult");
    let types: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "datetime", "long", "bool", "dynamic", "string", "real", "int", "guid", "timespan"
        ]
    );
    let row = table["rows"][0].as_array().unwrap();
    assert!(
        Timestamp::parse(row[0].as_str().unwrap()).is_ok(),
        "{}",
        row[0]
    );
    assert!(row[1].is_i64() && row[2].is_boolean(), "{row:?}");
    // A dynamic value is JSON text; numbers are numbers; timespans and guids text.
    let status: Value = serde_json::from_str(row[3].as_str().unwrap()).unwrap();
    assert_eq!(status["errorCode"].to_string(), row[4].as_str().unwrap());
    assert_eq!(
        &row[5..],
        [
            json!(1.5),
            json!(7),
            json!("e17a1ab0-0000-4000-8000-000000000001"),
            json!("01:30:00")
        ]
    );
}

#[tokio::test]
async fn now_is_the_serve_clock_or_the_end_of_the_data() {
    let query =
        "SigninLogs | summarize last = max(TimeGenerated) | extend now = now(), day = ago(1d)";
    let end = engine_answer(query, None)["tables"][0]["rows"][0][0].clone();
    let system = app(Clock::System);
    let logs = token(&system, SEED, LOGS_SCOPE).await;
    let reply = ask(&system, &logs, query).await;
    let row = &reply.body["tables"][0]["rows"][0];
    assert_eq!((&row[0], &row[1]), (&end, &end), "{}", reply.body);

    let fixed = Timestamp::parse("2025-03-17T16:00:00Z").unwrap();
    let replay = app(Clock::Fixed(fixed));
    let logs = token(&replay, SEED, LOGS_SCOPE).await;
    let reply = ask(&replay, &logs, query).await;
    let row = &reply.body["tables"][0]["rows"][0];
    assert_eq!(row[1], "2025-03-17T16:00:00Z", "{}", reply.body);
    assert_eq!(
        reply.body,
        engine_answer(query, Some(fixed.ticks())),
        "as `entralab query --now`"
    );
}

#[tokio::test]
async fn records_not_yet_ingested_are_not_in_the_workspace() {
    // At 15:12 with a delay of exactly 5 minutes, user01's two 15:06 failures are in and
    // nothing later: the workspace holds what Graph shows at the same moment.
    let now = Timestamp::parse("2025-03-17T15:12:00Z").unwrap();
    let app = app_with(Clock::Fixed(now), |t| {
        t.faults.ingestion_delay = Some((300, 300, 300))
    });
    let logs = token(&app, SEED, LOGS_SCOPE).await;
    let reply = ask(&app, &logs, "SigninLogs | project Id | sort by Id asc").await;
    let mut ids: Vec<Value> = reply.body["tables"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].clone())
        .collect();
    let graph = token(&app, SEED, GRAPH_SCOPE).await;
    let listed = crate::server::get(&app, &graph, "/v1.0/auditLogs/signIns").await;
    let mut graph_ids: Vec<Value> = listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    ids.sort_by_key(|v| v.to_string());
    graph_ids.sort_by_key(|v| v.to_string());
    assert_eq!(ids.len(), 2, "{}", reply.body);
    assert_eq!(ids, graph_ids);
}

#[tokio::test]
async fn a_result_over_500000_rows_is_cut_with_a_partial_error() {
    let app = app(Clock::System);
    let logs = token(&app, SEED, LOGS_SCOPE).await;
    let reply = ask(&app, &logs, "range x from 1 to 500001 step 1").await;
    assert_eq!(reply.status, StatusCode::OK);
    let rows = reply.body["tables"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), server::MAX_RESULT_ROWS);
    assert_eq!(rows.last().unwrap()[0], json!(500_000));
    let error = &reply.body["error"];
    assert_eq!(error["code"], "PartialError", "{error}");
    assert_eq!(
        error["details"][0]["innererror"]["code"],
        "E_QUERY_RESULT_SET_TOO_LARGE"
    );
}

#[tokio::test]
async fn timespan_restricts_time_generated() {
    let app = app(Clock::System);
    let token = token(&app, SEED, LOGS_SCOPE).await;
    let count = |timespan: Value| {
        let (app, token) = (&app, &token);
        async move {
            let body = json!({"query": "SigninLogs | count", "timespan": timespan});
            let reply = post(app, Some(token), &query_path(SEED), body).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.body["tables"][0]["rows"][0][0].as_i64().unwrap()
        }
    };
    // user01's four failures are at 15:0x, user02's sign-ins at 15:41-15:42.
    let all = count(Value::Null).await;
    assert_eq!(
        count(json!("2025-03-17T15:00:00Z/2025-03-17T15:10:00Z")).await,
        4
    );
    assert_eq!(count(json!("2025-03-17T15:00:00.000Z/PT600.0S")).await, 4);
    assert_eq!(count(json!("PT10M/2025-03-17T15:10:00Z")).await, 4);
    assert_eq!(count(json!("P30D")).await, all);
    assert!(count(json!("PT1M")).await < all);
    for bad in [
        "yesterday",
        "P1M",
        "2025-03-17T16:00:00Z/2025-03-17T15:00:00Z",
    ] {
        let body = json!({"query": "SigninLogs | count", "timespan": bad});
        let reply = post(&app, Some(&token), &query_path(SEED), body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.body["error"]["code"], "BadArgumentError");
        assert_eq!(reply.body["error"]["innererror"]["code"], "InvalidTimespan");
    }
}

#[tokio::test]
async fn bad_queries_get_400_bad_argument_error_located() {
    let app = app(Clock::System);
    let token = token(&app, SEED, LOGS_SCOPE).await;
    let cases = [
        (
            "SigninLogs\n| summarise count()",
            "SyntaxError",
            2,
            3,
            "summarise",
        ),
        (
            "SigninLogs | where NoSuchColumn == 1",
            "SemanticError",
            1,
            20,
            "NoSuchColumn",
        ),
        (
            "IdentityInfo | take 1",
            "SemanticError",
            1,
            1,
            "IdentityInfo",
        ),
    ];
    for (query, kind, line, pos, token_text) in cases {
        let reply = ask(&app, &token, query).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        let error = &reply.body["error"];
        assert_eq!(error["code"], "BadArgumentError", "{query}");
        assert_eq!(error["message"], "The request had some invalid properties");
        assert!(error["correlationId"].is_string());
        assert_eq!(error["innererror"]["code"], kind, "{query}");
        let detail = &error["innererror"]["innererror"];
        assert_eq!(
            (&detail["line"], &detail["pos"], &detail["token"]),
            (&json!(line), &json!(pos), &json!(token_text)),
            "{query}: {detail}"
        );
        let message = detail["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("query:{line}:{pos}: ")),
            "{message}"
        );
    }
    // Bodies that are not a query request.
    for (body, what) in [
        (json!({}), "no query"),
        (json!({"query": 5}), "a query that is not text"),
        (
            json!({"query": "SigninLogs", "workspaces": ["other"]}),
            "cross-workspace",
        ),
    ] {
        let reply = post(&app, Some(&token), &query_path(SEED), body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(reply.body["error"]["innererror"]["code"], "InvalidRequest");
    }
    let request = Request::post(query_path(SEED))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from("not json"))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_and_workspaces_are_checked_as_log_analytics_checks_them() {
    let app = app(Clock::System);
    let logs = token(&app, SEED, LOGS_SCOPE).await;
    let graph = token(&app, SEED, GRAPH_SCOPE).await;
    let other = token(&app, SAME, LOGS_SCOPE).await;
    let body = json!({"query": "SigninLogs | count"});
    let path = query_path(SEED);
    let code = |reply: &Reply| {
        reply.body["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };

    let missing = post(&app, None, &path, body.clone()).await;
    assert_eq!(
        (missing.status, code(&missing).as_str()),
        (StatusCode::UNAUTHORIZED, "AuthenticationFailed")
    );
    assert!(missing.headers.contains_key("www-authenticate"));
    let forged = format!("{}x", &logs[..logs.len() - 1]);
    for bad in ["abc", forged.as_str()] {
        let reply = post(&app, Some(bad), &path, body.clone()).await;
        assert_eq!(
            (reply.status, code(&reply).as_str()),
            (StatusCode::FORBIDDEN, "InvalidAuthenticationToken"),
            "{bad}"
        );
    }
    let wrong_audience = post(&app, Some(&graph), &path, body.clone()).await;
    assert_eq!(
        (wrong_audience.status, code(&wrong_audience).as_str()),
        (StatusCode::FORBIDDEN, "InvalidAuthenticationTokenAudience")
    );
    let message = wrong_audience.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("'https://graph.microsoft.com'"),
        "{message}"
    );
    let unknown = post(
        &app,
        Some(&logs),
        "/v1/workspaces/00000000-0000-0000-0000-000000000000/query",
        body.clone(),
    )
    .await;
    assert_eq!(
        (unknown.status, code(&unknown).as_str()),
        (StatusCode::NOT_FOUND, "WorkspaceNotFoundError")
    );
    let foreign = post(&app, Some(&other), &path, body.clone()).await;
    assert_eq!(
        (foreign.status, code(&foreign).as_str()),
        (StatusCode::FORBIDDEN, "InsufficientAccessError")
    );
    // Each tenant reads its own workspace.
    let own = post(&app, Some(&other), &query_path(SAME), body.clone()).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    // Graph refuses a Log Analytics token, as Graph refuses any other audience.
    let graph_reply = crate::server::get(&app, &logs, "/v1.0/auditLogs/signIns").await;
    assert_eq!(graph_reply.status, StatusCode::UNAUTHORIZED);
    // Other paths and methods under /v1.
    let nowhere = post(&app, Some(&logs), "/v1/workspaces", body.clone()).await;
    assert_eq!(
        (nowhere.status, code(&nowhere).as_str()),
        (StatusCode::NOT_FOUND, "PathNotFoundError")
    );
    let request = Request::delete(path)
        .header("authorization", format!("Bearer {logs}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, request).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn junk_queries_never_get_5xx() {
    let app = app(Clock::System);
    let token = token(&app, SEED, LOGS_SCOPE).await;
    let long = "(".repeat(10_000);
    let junk = [
        "",
        "|",
        "SigninLogs |",
        "let",
        "let f = (T:(*)) { f(T) }; f(SigninLogs)",
        "print 1/0",
        "print toint('x') + datetime(nope)",
        "SigninLogs | mv-expand x = range(1, 100000000)",
        long.as_str(),
        "\u{0}\u{ffff}",
        "range x from 1 to 10 step 0",
    ];
    for query in junk {
        let reply = ask(&app, &token, query).await;
        assert!(
            reply.status == StatusCode::OK || reply.status == StatusCode::BAD_REQUEST,
            "{query:?}: {} {}",
            reply.status,
            reply.body
        );
    }
}

#[test]
fn logs_query_client_reads_the_served_workspace() {
    let python = python_venv();
    let served = Served::start(&[
        "scenarios/user01-password-failures.yaml",
        "scenarios/user02-smart-lockout.yaml",
        "scenarios/user03-sspr.yaml",
        "scenarios/same-wrong-password.yaml",
    ]);
    for tenant in served.info["tenants"].as_array().unwrap() {
        assert_eq!(
            tenant["workspace_id"].as_str(),
            Some(workspace_id(tenant["tenant_id"].as_str().unwrap()).as_str()),
            "{tenant}"
        );
    }
    assert_eq!(
        served.info["logs_url"].as_str(),
        Some(format!("{}/v1", served.base()).as_str())
    );
    // The rows the client must get: `entralab query` over the seed lab's tenant.
    let expected = Command::new(assert_cmd::cargo::cargo_bin("entralab"))
        .current_dir(ROOT)
        .args([
            "query",
            "--format",
            "json",
            "SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName",
            "scenarios/user01-password-failures.yaml",
            "scenarios/user02-smart-lockout.yaml",
            "scenarios/user03-sspr.yaml",
        ])
        .output()
        .expect("entralab query");
    assert!(expected.status.success(), "{expected:?}");
    let scratch = tempfile::tempdir().unwrap();
    let expected_path = scratch.path().join("expected.json");
    std::fs::write(&expected_path, &expected.stdout).unwrap();
    let output = run_bounded(
        python_command(&python, &served.cert)
            .arg("tests/python/logs_query.py")
            .arg(&served.info_path)
            .arg(&expected_path),
        "logs_query.py",
    );
    let last = output.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "unexpected summary {last:?}:\n{output}"
    );

    // The programs of docs/serve.md, as they stand, print the same rows.
    let expected: Value = serde_json::from_slice(&expected.stdout).unwrap();
    let rows = expected["tables"][0]["rows"].as_array().unwrap();
    let lines: String = rows
        .iter()
        .map(|r| format!("{} {}\n", r[0].as_str().unwrap(), r[1]))
        .collect();
    let tenant = served.info["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["domain"] == "xxx.onmicrosoft.com")
        .expect("the seed lab's tenant");
    let programs = programs(DOC);
    let mut files: Vec<&str> = programs.iter().map(|p| p.file.as_str()).collect();
    files.sort_unstable();
    assert_eq!(
        files,
        ["logs-query-curl.sh", "logs_query_client.py"],
        "{DOC}"
    );
    for program in &programs {
        let path = scratch.path().join(&program.file);
        std::fs::write(&path, &program.code).unwrap();
        let mut command = if program.file.ends_with(".py") {
            python_command(&python, &served.cert)
        } else {
            let mut bash = Command::new("bash");
            bash.args(["-eo", "pipefail"]);
            bash
        };
        command
            .arg(&path)
            .env("ENTRALAB_URL", served.base())
            .env("ENTRALAB_CERT", &served.cert)
            .env("TENANT_ID", tenant["tenant_id"].as_str().unwrap())
            .env("CLIENT_ID", tenant["client_id"].as_str().unwrap())
            .env("CLIENT_SECRET", tenant["client_secret"].as_str().unwrap())
            .env("WORKSPACE_ID", tenant["workspace_id"].as_str().unwrap())
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        let output = run_bounded(&mut command, &format!("{DOC}: {}", program.file));
        if program.file.ends_with(".py") {
            assert_eq!(output, lines, "{}", program.file);
        } else {
            let reply: Value = serde_json::from_str(&output)
                .unwrap_or_else(|e| panic!("{}: {e}: {output}", program.file));
            assert_eq!(reply, expected, "{}", program.file);
        }
    }
    // The page says what the programs print.
    let page = std::fs::read_to_string(std::path::Path::new(ROOT).join(DOC)).unwrap();
    assert!(
        page.contains(&format!("`{}`", lines.trim_end())),
        "{DOC}: {lines}"
    );
    assert!(page.contains(&expected.to_string()), "{DOC}: {expected}");
    let workspace = tenant["workspace_id"].as_str().unwrap();
    assert!(
        page.contains(workspace),
        "{DOC} names the seed lab's workspace {workspace}"
    );
    drop(served);
}
