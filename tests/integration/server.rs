//! The mock Graph, in process: what the login host and the audit log APIs answer, exactly.

use crate::records::load;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use entralab::cli::{tenant_config, tenant_config_of};
use entralab::graph::Timestamp;
use entralab::server::{self, Clock, ServerConfig, TenantConfig};
use serde_json::Value;
use tower::ServiceExt;

const SECRET: &str = "entralab-lab-secret-not-for-production";
const CLIENT: &str = "e17a1ab0-0000-4000-8000-00000000c11e";
/// The seed lab's one tenant (user01's and user03's files here).
const USER01: &str = "e17a1ab0-0000-4000-8000-000000000001";
const USER03: &str = USER01;
/// same-wrong-password's own tenant.
const SAME: &str = "e17a1ab0-0000-4000-8000-000000000004";

fn tenants(tweak: impl Fn(&mut TenantConfig)) -> Vec<TenantConfig> {
    let (user01, user03) = (
        load("scenarios/user01-password-failures.yaml"),
        load("scenarios/user03-sspr.yaml"),
    );
    let mut tenants: Vec<TenantConfig> = vec![
        tenant_config_of(&[&user01, &user03]),
        tenant_config(&load("scenarios/same-wrong-password.yaml")),
        tenant_config(&load("tests/data/population-small.yaml")),
    ];
    tenants.iter_mut().for_each(tweak);
    tenants
}

fn app_with(tweak: impl Fn(&mut TenantConfig), clock: Clock) -> Router {
    app_living(tweak, clock, server::DEFAULT_TOKEN_LIFETIME)
}

/// The app with tokens that live `token_lifetime` seconds.
fn app_living(tweak: impl Fn(&mut TenantConfig), clock: Clock, token_lifetime: u64) -> Router {
    server::app(
        ServerConfig {
            tenants: tenants(tweak),
            clock,
            token_lifetime,
        },
        "https",
        "127.0.0.1:8443".into(),
    )
}

fn app() -> Router {
    app_with(|_| {}, Clock::System)
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: Value,
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = server::body_bytes(response).await;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

async fn post_token(app: &Router, tenant: &str, form: &str) -> Reply {
    let request = Request::post(format!("/{tenant}/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    send(app, request).await
}

fn form(client: &str, secret: &str) -> String {
    format!(
        "client_id={client}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret={secret}&grant_type=client_credentials"
    )
}

pub(crate) async fn token(app: &Router, tenant: &str) -> String {
    let reply = post_token(app, tenant, &form(CLIENT, SECRET)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["access_token"].as_str().unwrap().to_string()
}

pub(crate) async fn get(app: &Router, token: &str, uri: &str) -> Reply {
    let request = Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

fn aadsts(reply: &Reply) -> u64 {
    reply.body["error_codes"][0].as_u64().unwrap()
}

#[tokio::test]
async fn token_endpoint_answers_like_the_lab() {
    let app = app();
    let reply = post_token(&app, USER01, &form(CLIENT, SECRET)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3599);
    assert_eq!(reply.body["ext_expires_in"], 3599);
    let token = reply.body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert!(token.starts_with("eyJ"));
    assert_eq!(reply.headers["cache-control"], "no-store, no-cache");
    // The domain works as the tenant too, and client_secret_basic.
    let basic = base64_basic(CLIENT, SECRET);
    let request = Request::post("/xxx.onmicrosoft.com/oauth2/v2.0/token")
        .header("authorization", format!("Basic {basic}"))
        .body(Body::from(
            "grant_type=client_credentials&scope=https%3A%2F%2Flocalhost%2F.default",
        ))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
}

fn base64_basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

#[tokio::test]
async fn token_endpoint_refuses_with_the_real_codes() {
    let app = app();
    let wrong_secret = post_token(&app, USER01, &form(CLIENT, "nope")).await;
    assert_eq!(
        (wrong_secret.status, aadsts(&wrong_secret)),
        (StatusCode::UNAUTHORIZED, 7000215)
    );
    assert_eq!(wrong_secret.body["error"], "invalid_client");
    let description = wrong_secret.body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with("AADSTS7000215: Invalid client secret provided."),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: ") && description.contains("\r\nTimestamp: "));
    assert!(!description.contains(SECRET));

    let unknown_client = post_token(
        &app,
        USER01,
        &form("00000000-0000-0000-0000-000000000000", SECRET),
    )
    .await;
    assert_eq!(
        (unknown_client.status, aadsts(&unknown_client)),
        (StatusCode::BAD_REQUEST, 700016)
    );
    let unknown_tenant = post_token(
        &app,
        "00000000-0000-0000-0000-00000000dead",
        &form(CLIENT, SECRET),
    )
    .await;
    assert_eq!(
        (unknown_tenant.status, aadsts(&unknown_tenant)),
        (StatusCode::BAD_REQUEST, 90002)
    );
    assert_eq!(unknown_tenant.body["error"], "invalid_tenant");
    let bad_tenant = post_token(&app, "bad%20tenant", &form(CLIENT, SECRET)).await;
    assert_eq!(aadsts(&bad_tenant), 900023);
    let bad_scope = post_token(
        &app,
        USER01,
        &form(CLIENT, SECRET).replace("%2F.default", "%2FUser.Read"),
    )
    .await;
    assert_eq!(
        (bad_scope.body["error"].as_str(), aadsts(&bad_scope)),
        (Some("invalid_scope"), 1002012)
    );
    let wrong_grant = post_token(
        &app,
        USER01,
        &form(CLIENT, SECRET).replace("client_credentials", "password"),
    )
    .await;
    assert_eq!(
        (wrong_grant.body["error"].as_str(), aadsts(&wrong_grant)),
        (Some("unsupported_grant_type"), 70003)
    );
    let no_grant = post_token(&app, USER01, "client_id=x").await;
    assert_eq!(aadsts(&no_grant), 900144);
    let no_secret = post_token(&app, USER01, &format!("client_id={CLIENT}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials")).await;
    assert_eq!(
        (no_secret.status, aadsts(&no_secret)),
        (StatusCode::UNAUTHORIZED, 7000218)
    );
}

#[tokio::test]
async fn openid_configuration_points_at_the_mock() {
    let app = app();
    let request = Request::get(format!("/{USER01}/v2.0/.well-known/openid-configuration"))
        .header("host", "localhost:9999")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["token_endpoint"],
        format!("https://localhost:9999/{USER01}/oauth2/v2.0/token")
    );
    assert_eq!(
        reply.body["authorization_endpoint"],
        format!("https://localhost:9999/{USER01}/oauth2/v2.0/authorize")
    );
    let unknown = send(
        &app,
        Request::get("/nobody.example/v2.0/.well-known/openid-configuration")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(aadsts(&unknown), 90002);
}

#[tokio::test]
async fn bad_tokens_get_401_with_the_graph_envelope() {
    let app = app();
    let missing = send(
        &app,
        Request::get("/v1.0/auditLogs/signIns")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(missing.body["error"]["message"], "Access token is empty.");
    assert!(
        missing.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=\"\"")
    );
    let date = missing.body["error"]["innerError"]["date"]
        .as_str()
        .unwrap();
    assert_eq!(date.len(), 19, "no timezone suffix: {date}");
    assert_eq!(
        missing.body["error"]["innerError"]["request-id"],
        missing.headers["request-id"].to_str().unwrap()
    );
    let malformed = get(&app, "not-a-jwt", "/v1.0/auditLogs/signIns").await;
    assert!(
        malformed.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("IDX14100")
    );
    let forged = get(
        &app,
        "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.c2ln",
        "/v1.0/auditLogs/signIns",
    )
    .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn permissions_and_licences_give_403() {
    let app = app_with(
        |t| t.apps[0].roles = vec!["Directory.Read.All".into()],
        Clock::System,
    );
    let token = token(&app, USER01).await;
    let reply = get(&app, &token, "/v1.0/auditLogs/directoryAudits").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body["error"]["code"],
        "Authentication_MSGraphPermissionMissing"
    );

    let app = app_with(|t| t.premium = false, Clock::System);
    let token = self::token(&app, USER03).await;
    let sign_ins = get(&app, &token, "/v1.0/auditLogs/signIns").await;
    assert_eq!(sign_ins.status, StatusCode::FORBIDDEN);
    assert_eq!(
        sign_ins.body["error"]["code"],
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    );
    assert_eq!(
        get(&app, &token, "/v1.0/auditLogs/directoryAudits")
            .await
            .status,
        StatusCode::OK,
        "audits need no licence"
    );
}

#[tokio::test]
async fn a_token_reads_only_its_own_tenant() {
    let app = app();
    let user01 = get(&app, &token(&app, USER01).await, "/v1.0/auditLogs/signIns").await;
    let upns: Vec<&str> = user01.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userPrincipalName"].as_str().unwrap())
        .collect();
    assert_eq!(upns.len(), 4);
    assert!(upns.iter().all(|u| *u == "user01@xxx.onmicrosoft.com"));
    let same = get(&app, &token(&app, SAME).await, "/v1.0/auditLogs/signIns").await;
    let rows = same.body["value"].as_array().unwrap();
    assert_eq!(rows.len(), 32);
    assert!(
        rows.iter()
            .all(|r| r["userPrincipalName"] == "alex@contoso-lab.onmicrosoft.com")
    );
    let audits = get(
        &app,
        &token(&app, SAME).await,
        "/v1.0/auditLogs/directoryAudits",
    )
    .await;
    assert_eq!(
        audits.body["value"],
        serde_json::json!([]),
        "user03's audits are the seed tenant's"
    );
}

#[tokio::test]
async fn the_lab_queries_return_the_lab_records() {
    let app = app();
    let token = token(&app, USER01).await;
    let reply = get(&app, &token, "/v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%202025-03-17T15:00:00Z%20and%20createdDateTime%20lt%202025-03-17T15:10:00Z").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["@odata.context"],
        "https://127.0.0.1:8443/v1.0/$metadata#auditLogs/signIns"
    );
    let rows = reply.body["value"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["createdDateTime"], "2025-03-17T15:08:07Z");
    assert_eq!(rows[0]["status"]["failureReason"], "Other.");
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json;odata.metadata=minimal")
    );

    let token = self::token(&app, USER03).await;
    let reply = get(&app, &token, "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime+ge+2025-03-17T16:20:00Z+and+activityDateTime+lt+2025-03-17T16:40:05Z").await;
    let rows = reply.body["value"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert_eq!(
        rows[0]["activityDisplayName"],
        "Blocked from self-service password reset"
    );
    assert_eq!(rows.iter().filter(|r| r["result"] == "failure").count(), 2);
    let id = rows[0]["id"].as_str().unwrap();
    let one = get(
        &app,
        &token,
        &format!("/v1.0/auditLogs/directoryAudits/{id}"),
    )
    .await;
    assert_eq!(one.body["id"], id);
    assert_eq!(
        one.body["@odata.context"],
        "https://127.0.0.1:8443/v1.0/$metadata#auditLogs/directoryAudits/$entity"
    );
    let none = get(&app, &token, "/v1.0/auditLogs/directoryAudits/SSPR_nope").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

/// Follows nextLinks from `first`; returns all ids in order.
async fn follow(app: &Router, token: &str, first: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut uri = first.to_string();
    for _ in 0..10_000 {
        let reply = get(app, token, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        ids.extend(
            reply.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string()),
        );
        match reply.body["@odata.nextLink"].as_str() {
            Some(next) => {
                uri = next
                    .strip_prefix("https://127.0.0.1:8443")
                    .expect("absolute link to this server")
                    .to_string()
            }
            None => return ids,
        }
    }
    panic!("paging did not end");
}

#[tokio::test]
async fn next_links_return_every_record_once_in_order() {
    let app = app();
    let scenario = load("tests/data/population-small.yaml");
    let tenant = entralab::sim::tenant_id(&scenario);
    let token = token(&app, &tenant).await;
    let filter =
        "$filter=status/errorCode%20eq%200%20and%20createdDateTime%20ge%202025-04-01T00:00:00Z";
    let all = follow(
        &app,
        &token,
        &format!("/v1.0/auditLogs/signIns?$top=1000&{filter}"),
    )
    .await;
    assert!(all.len() > 50, "{}", all.len());
    for top in [1, 7] {
        assert_eq!(
            follow(
                &app,
                &token,
                &format!("/v1.0/auditLogs/signIns?$top={top}&{filter}")
            )
            .await,
            all,
            "top {top}"
        );
    }
    let mut oldest_first = follow(
        &app,
        &token,
        &format!("/v1.0/auditLogs/signIns?$top=7&{filter}&$orderby=createdDateTime%20asc"),
    )
    .await;
    oldest_first.reverse();
    assert_eq!(oldest_first, all);
    let everything = follow(&app, &token, "/v1.0/auditLogs/signIns?$top=7").await;
    let unique: std::collections::BTreeSet<_> = everything.iter().collect();
    assert_eq!(unique.len(), everything.len());
}

#[tokio::test]
async fn select_beta_and_lambdas() {
    let app = app();
    let token = token(&app, USER01).await;
    let reply = get(
        &app,
        &token,
        "/v1.0/auditLogs/signIns?$select=id,status&$top=1",
    )
    .await;
    let row = reply.body["value"][0].as_object().unwrap();
    assert_eq!(row.keys().collect::<Vec<_>>(), ["id", "status"]);
    let beta = get(
        &app,
        &token,
        "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t:%20t%20eq%20'interactiveUser')",
    )
    .await;
    let rows = beta.body["value"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0]["signInEventTypes"],
        serde_json::json!(["interactiveUser"])
    );
    assert!(
        rows[0].get("riskEventTypes").is_none(),
        "beta has only riskEventTypes_v2"
    );
    assert_eq!(rows[3]["authenticationDetails"][0]["succeeded"], false);
    let token = self::token(&app, USER03).await;
    let upn = get(&app, &token, "/v1.0/auditLogs/directoryAudits?$filter=startswith(initiatedBy/user/userPrincipalName,'USER03')%20and%20targetResources/any(t:%20t/type%20eq%20'User')").await;
    assert_eq!(upn.body["value"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn select_names_the_properties_in_the_context_on_every_page() {
    let app = app();
    for (tenant, collection, time) in [
        (USER01, "signIns", "createdDateTime"),
        (USER03, "directoryAudits", "activityDateTime"),
    ] {
        let token = token(&app, tenant).await;
        for version in ["v1.0", "beta"] {
            // Names match in any case; the context spells them as the schema does.
            let mut uri = format!(
                "/{version}/auditLogs/{collection}?$select={},ID&$top=2",
                time.to_uppercase()
            );
            let context = format!(
                "https://127.0.0.1:8443/{version}/$metadata#auditLogs/{collection}({time},id)"
            );
            let mut pages = 0;
            loop {
                let reply = get(&app, &token, &uri).await;
                assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
                assert_eq!(reply.body["@odata.context"], context.as_str(), "{uri}");
                for row in reply.body["value"].as_array().unwrap() {
                    // The properties asked for, in whatever order the record has them.
                    let mut keys: Vec<_> = row.as_object().unwrap().keys().collect();
                    keys.sort_unstable();
                    assert_eq!(keys, [time, "id"], "{uri}");
                }
                pages += 1;
                match reply.body["@odata.nextLink"].as_str() {
                    Some(next) => uri = next.strip_prefix("https://127.0.0.1:8443").unwrap().into(),
                    None => break,
                }
            }
            assert!(
                pages >= 2,
                "{version} {collection}: paging was not exercised"
            );
        }
        let plain = get(
            &app,
            &token,
            &format!("/beta/auditLogs/{collection}?$top=1"),
        )
        .await;
        assert_eq!(
            plain.body["@odata.context"],
            format!("https://127.0.0.1:8443/beta/$metadata#auditLogs/{collection}").as_str()
        );
        // One record: the same list, then `/$entity`.
        let id = plain.body["value"][0]["id"].as_str().unwrap();
        let one = get(
            &app,
            &token,
            &format!("/v1.0/auditLogs/{collection}/{id}?$select=id,{time}"),
        )
        .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        assert_eq!(
            one.body["@odata.context"],
            format!(
                "https://127.0.0.1:8443/v1.0/$metadata#auditLogs/{collection}(id,{time})/$entity"
            )
            .as_str()
        );
        let mut keys: Vec<_> = one.body.as_object().unwrap().keys().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["@odata.context", time, "id"]);
    }
}

#[tokio::test]
async fn tokens_live_as_long_as_configured_then_get_graphs_expired_answer() {
    let app = app_living(|_| {}, Clock::System, 1);
    let reply = post_token(&app, USER01, &form(CLIENT, SECRET)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["expires_in"], 1);
    assert_eq!(reply.body["ext_expires_in"], 1);
    let token = reply.body["access_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    // Whole seconds, one past expires_in: never refused before the client expects it.
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        2
    );
    assert_eq!(
        get(&app, token, "/v1.0/auditLogs/signIns?$top=1")
            .await
            .status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let expired = get(&app, token, "/v1.0/auditLogs/signIns?$top=1").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(
        expired.body["error"]["message"],
        "Lifetime validation failed, the token is expired."
    );
    assert!(expired.body["error"]["innerError"]["request-id"].is_string());
    assert!(expired.headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn bad_queries_get_400_never_5xx() {
    let app = app();
    let token = token(&app, USER01).await;
    for (uri, message) in [
        (
            "/v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%20'2025-03-17T15:00:00Z'",
            "Invalid filter clause",
        ),
        (
            "/v1.0/auditLogs/signIns?$filter=nope%20eq%201",
            "Invalid filter clause",
        ),
        (
            "/v1.0/auditLogs/signIns?$filter=(((",
            "Invalid filter clause",
        ),
        (
            "/v1.0/auditLogs/signIns?$top=abc",
            "Invalid value 'abc' for query option '$top'.",
        ),
        (
            "/v1.0/auditLogs/signIns?$skiptoken=forged_1",
            "Invalid $skiptoken.",
        ),
        (
            "/v1.0/auditLogs/signIns?$orderby=userId",
            "OrderBy not supported for property 'userId'.",
        ),
        (
            "/v1.0/auditLogs/signIns/$count",
            "Resource not found for the segment '$count'.",
        ),
        (
            "/v1.0/auditLogs/signUps",
            "Resource not found for the segment 'signUps'.",
        ),
    ] {
        let reply = get(&app, &token, uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(reply.body["error"]["code"], "BadRequest", "{uri}");
        assert_eq!(reply.body["error"]["message"], message, "{uri}");
    }
}

#[tokio::test]
async fn faults_throttle_fail_and_delay() {
    let app = app_with(|t| t.faults.throttle = Some((2, 60)), Clock::System);
    let token = token(&app, USER01).await;
    for _ in 0..2 {
        assert_eq!(
            get(&app, &token, "/v1.0/auditLogs/signIns").await.status,
            StatusCode::OK
        );
    }
    let throttled = get(&app, &token, "/v1.0/auditLogs/signIns").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.body["error"]["code"], "TooManyRequests");
    let retry: u64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));

    let app = app_with(|t| t.faults.server_error_rate = 1.0, Clock::System);
    let token = self::token(&app, USER01).await;
    let failed = get(&app, &token, "/v1.0/auditLogs/signIns").await;
    assert!(matches!(
        failed.status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    ));

    // Ten minutes after the lab's success, with a delay of exactly 5 minutes, everything up
    // to 15:05 is visible and nothing later.
    let now = Timestamp::parse("2025-03-17T15:10:00Z").unwrap();
    let app = app_with(
        |t| t.faults.ingestion_delay = Some((300, 300, 300)),
        Clock::Fixed(now),
    );
    let token = self::token(&app, USER01).await;
    let reply = get(&app, &token, "/v1.0/auditLogs/signIns").await;
    assert_eq!(
        reply.body["value"],
        serde_json::json!([]),
        "the 15:06-15:08 rows are not ingested at 15:10"
    );
    let later = app_with(
        |t| t.faults.ingestion_delay = Some((300, 300, 300)),
        Clock::Fixed(now.plus_seconds(120)),
    );
    let token = self::token(&later, USER01).await;
    let reply = get(&later, &token, "/v1.0/auditLogs/signIns").await;
    assert_eq!(
        reply.body["value"].as_array().unwrap().len(),
        2,
        "at 15:12 the two 15:06 rows are in"
    );
}

#[tokio::test]
async fn request_ids_are_sent_and_client_ids_echoed() {
    let app = app();
    let request = Request::get("/v1.0/auditLogs/signIns")
        .header("client-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.headers["client-request-id"], "abc-123");
    assert_eq!(reply.headers["request-id"].len(), 36);
}

#[tokio::test]
async fn junk_requests_never_get_5xx() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let app = app();
    let token = token(&app, USER01).await;
    let mut runner = TestRunner::deterministic();
    let queries = proptest::string::string_regex("[$a-zA-Z0-9%=&+()/:' ,.-]{0,60}").unwrap();
    for _ in 0..300 {
        let query = queries
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .replace(' ', "%20");
        for path in ["/v1.0/auditLogs/signIns", "/beta/auditLogs/directoryAudits"] {
            let Ok(request) = Request::get(format!("{path}?{query}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
            else {
                continue;
            };
            let reply = send(&app, request).await;
            assert!(
                reply.status.as_u16() < 500,
                "{path}?{query}: {}",
                reply.status
            );
        }
    }
}

#[tokio::test]
async fn a_domain_two_tenants_declare_reaches_neither() {
    let mut other = tenant_config(&load("scenarios/same-wrong-password.yaml"));
    other.domain = "xxx.onmicrosoft.com".into();
    let config = ServerConfig {
        tenants: vec![
            tenant_config(&load("scenarios/user01-password-failures.yaml")),
            other,
        ],
        clock: Clock::System,
        token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
    };
    assert_eq!(
        config.ambiguity().as_deref(),
        Some(
            "two tenants (e17a1ab0-0000-4000-8000-000000000001 and e17a1ab0-0000-4000-8000-000000000004) share the domain xxx.onmicrosoft.com"
        )
    );
    let app = server::app(config, "https", "127.0.0.1:8443".into());
    let by_domain = post_token(&app, "xxx.onmicrosoft.com", &form(CLIENT, SECRET)).await;
    assert_eq!(
        by_domain.status,
        StatusCode::BAD_REQUEST,
        "{}",
        by_domain.body
    );
    assert_eq!(aadsts(&by_domain), 90002, "never silently the first tenant");
    let by_id = post_token(&app, SAME, &form(CLIENT, SECRET)).await;
    assert_eq!(by_id.status, StatusCode::OK, "ids still tell them apart");
}
