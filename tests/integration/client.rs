//! The Graph client against wiremock (paging, retries, tokens, redaction) and against the
//! entralab mock itself, over http and https.

use crate::records::load;
use entralab::cli::tenant_config;
use entralab::client::{
    ClientConfig, ClientError, GraphClient, ListStats, LogHook, LogKind, RetryPolicy, Secret,
};
use entralab::graph::Record;
use entralab::server::{self, Certificate, Clock, ServerConfig};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const TENANT: &str = "11111111-2222-3333-4444-555555555555";
const CLIENT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const SECRET: &str = "s3cr3t~Value.With+Specials/=";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.c2lnbmF0dXJl";
const TOKEN_PATH: &str = "/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token";
const SIGN_INS: &str = "/v1.0/auditLogs/signIns";

/// Log lines, collected.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    fn hook(&self) -> LogHook {
        let lines = self.0.clone();
        Arc::new(move |line: &str| lines.lock().unwrap().push(line.to_string()))
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    fn contains(&self, needle: &str) -> bool {
        self.lines().iter().any(|l| l.contains(needle))
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
    }
}

fn config(base: &str, logs: &Logs) -> ClientConfig {
    let mut config = ClientConfig::new(
        base,
        format!("{base}/v1.0"),
        TENANT,
        CLIENT,
        Secret::new(SECRET),
    );
    config.retry = fast_retry();
    config.timeout = Duration::from_secs(10);
    config.log = Some(logs.hook());
    config
}

/// Runs blocking client code off the async test's thread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn token_body(token: &str, expires_in: Value) -> Value {
    json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token})
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(TOKEN, json!(3599))))
        .mount(server)
        .await;
}

fn page(next: Option<&str>, ids: &[&str]) -> ResponseTemplate {
    let mut body = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
        "value": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(next);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn graph_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {"code": code, "message": message, "innerError": {"date": "2025-03-17T15:00:00"}}}))
}

/// Matches a request whose path and raw query are exactly these (no decoding).
struct ExactUrl {
    path: String,
    query: Option<String>,
}

fn exact(path: &str, query: Option<&str>) -> ExactUrl {
    ExactUrl {
        path: path.to_string(),
        query: query.map(str::to_string),
    }
}

impl Match for ExactUrl {
    fn matches(&self, request: &Request) -> bool {
        request.url.path() == self.path && request.url.query() == self.query.as_deref()
    }
}

async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == wanted)
        .collect()
}

fn ids(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

fn list_all(
    client: &mut GraphClient,
    filter: Option<&str>,
    top: Option<usize>,
) -> (Result<ListStats, ClientError>, Vec<Value>) {
    let mut values = Vec::new();
    let result = client.list("auditLogs/signIns", filter, top, &mut |v| values.push(v));
    (result, values)
}

/// A token endpoint that works and a sign-ins endpoint that always answers `response`.
async fn graph_always(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn follows_next_links_verbatim() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let uri = server.uri();
    // Graph's links: the path in lowercase, the filter re-encoded with lowercase escapes, and
    // an opaque skiptoken. The client must send them back byte for byte.
    let second = "$filter=startsWith(appDisplayName%2c%27Graph%27)&$top=2&$skiptoken=9177f2e3532fcd4c4d225f68f7b9bdf7_1";
    let third = "$top=2&$skiptoken=a%2Bb%3D%3D&$filter=createdDateTime%20ge%202025-03-17T15:00:00Z";
    let first = "$filter=createdDateTime%20ge%202025-03-17T15:00:00Z&$top=2";
    Mock::given(exact(SIGN_INS, Some(first)))
        .respond_with(page(
            Some(&format!("{uri}/v1.0/auditLogs/signins?{second}")),
            &["a", "b"],
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(exact("/v1.0/auditLogs/signins", Some(second)))
        .respond_with(page(Some(&format!("{uri}{SIGN_INS}?{third}")), &["c", "d"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(exact(SIGN_INS, Some(third)))
        .respond_with(page(None, &["e"]))
        .expect(1)
        .mount(&server)
        .await;

    let logs = Logs::default();
    let config = config(&uri, &logs);
    let (result, values) = blocking(move || {
        let mut client = GraphClient::new(config).unwrap();
        list_all(
            &mut client,
            Some("createdDateTime ge 2025-03-17T15:00:00Z"),
            Some(2),
        )
    })
    .await;
    let stats = result.unwrap();
    assert_eq!(
        stats,
        ListStats {
            pages: 3,
            records: 5,
            retries: 0,
            throttled: 0
        }
    );
    assert_eq!(ids(&values), ["a", "b", "c", "d", "e"]);

    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert_eq!(
        sent,
        [
            format!("{SIGN_INS}?{first}"),
            format!("/v1.0/auditLogs/signins?{second}"),
            format!("{SIGN_INS}?{third}")
        ]
    );
    for request in requests_to(&server, SIGN_INS).await {
        assert_eq!(
            request
                .headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap(),
            format!("Bearer {TOKEN}")
        );
    }
    assert!(
        logs.contains(&format!(
            "GET {uri}{SIGN_INS}?{first} -> 200 (page 1, 2 records)"
        )),
        "{:?}",
        logs.lines()
    );
    assert!(logs.contains("(page 3, 1 records)"), "{:?}", logs.lines());
    assert!(
        logs.contains(&format!(
            "token: requesting for tenant {TENANT} client {CLIENT}"
        )),
        "{:?}",
        logs.lines()
    );
}

#[tokio::test]
async fn sends_the_client_credentials_form() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(page(None, &[]))
        .mount(&server)
        .await;
    let config = config(&server.uri(), &Logs::default());
    blocking(move || {
        list_all(&mut GraphClient::new(config).unwrap(), None, None)
            .0
            .unwrap()
    })
    .await;
    let token = requests_to(&server, TOKEN_PATH).await;
    assert_eq!(token.len(), 1);
    assert_eq!(
        token[0].headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let mut form: Vec<(String, String)> = serde_urlencoded::from_bytes(&token[0].body).unwrap();
    form.sort();
    assert_eq!(
        form,
        [
            ("client_id".to_string(), CLIENT.to_string()),
            ("client_secret".to_string(), SECRET.to_string()),
            ("grant_type".to_string(), "client_credentials".to_string()),
            (
                "scope".to_string(),
                "https://graph.microsoft.com/.default".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn honours_retry_after_in_seconds() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(
            graph_error(429, "TooManyRequests", "Please retry again later.")
                .insert_header("Retry-After", "1"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(page(None, &["a"]))
        .mount(&server)
        .await;
    let logs = Logs::default();
    let mut config = config(&server.uri(), &logs);
    config.retry.max_delay = Duration::from_secs(5);
    let started = Instant::now();
    let (result, values) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    let elapsed = started.elapsed();
    assert_eq!(
        result.unwrap(),
        ListStats {
            pages: 1,
            records: 1,
            retries: 1,
            throttled: 1
        }
    );
    assert_eq!(ids(&values), ["a"]);
    assert!(elapsed >= Duration::from_millis(950), "waited {elapsed:?}");
    assert!(
        logs.contains("429: retrying in 1s (Retry-After, attempt 2 of 3)"),
        "{:?}",
        logs.lines()
    );
    assert_eq!(requests_to(&server, SIGN_INS).await.len(), 2);
}

#[tokio::test]
async fn honours_retry_after_as_an_http_date_capped_by_max_delay() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(
            graph_error(429, "TooManyRequests", "Please retry again later.")
                .insert_header("Retry-After", later.as_str()),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(page(None, &["a"]))
        .mount(&server)
        .await;
    let logs = Logs::default();
    let config = config(&server.uri(), &logs);
    let started = Instant::now();
    let (result, _) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    assert_eq!(
        result.unwrap(),
        ListStats {
            pages: 1,
            records: 1,
            retries: 2,
            throttled: 2
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the 30 s date was capped at max_delay"
    );
    // Parsed as a date (about 30 s away), then capped at max_delay (100 ms).
    let line = logs
        .lines()
        .into_iter()
        .find(|l| l.starts_with("429: retrying in 100ms (Retry-After "))
        .expect("a capped Retry-After line");
    assert!(line.contains("capped"), "{line}");
}

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(graph_error(
            503,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(page(None, &["a", "b"]))
        .mount(&server)
        .await;
    let logs = Logs::default();
    let config = config(&server.uri(), &logs);
    let (result, values) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    assert_eq!(
        result.unwrap(),
        ListStats {
            pages: 1,
            records: 2,
            retries: 1,
            throttled: 0
        }
    );
    assert_eq!(ids(&values), ["a", "b"]);
    assert!(logs.contains("503: retrying in"), "{:?}", logs.lines());
    assert!(
        logs.contains("(backoff, attempt 2 of 3)"),
        "{:?}",
        logs.lines()
    );
}

#[tokio::test]
async fn gives_up_on_5xx_after_max_attempts() {
    let server = graph_always(graph_error(
        504,
        "gatewayTimeout",
        "The gateway did not receive a timely response.",
    ))
    .await;
    let config = config(&server.uri(), &Logs::default());
    let (result, values) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    let error = result.unwrap_err();
    assert_eq!(
        error,
        ClientError::Http {
            status: 504,
            code: "gatewayTimeout".into(),
            message: "The gateway did not receive a timely response.".into()
        }
    );
    assert!(error.is_unreachable());
    assert!(values.is_empty());
    assert_eq!(requests_to(&server, SIGN_INS).await.len(), 3);
}

#[tokio::test]
async fn does_not_retry_other_client_errors() {
    let server = graph_always(graph_error(
        403,
        "Authentication_MSGraphPermissionMissing",
        "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
    ))
    .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/auditLogs/directoryAudits"))
        .respond_with(graph_error(400, "BadRequest", "Invalid filter clause"))
        .mount(&server)
        .await;
    let config = config(&server.uri(), &Logs::default());
    let (forbidden, bad) = blocking(move || {
        let mut client = GraphClient::new(config).unwrap();
        (
            client.records(LogKind::SignIns, None, None),
            client.records(LogKind::DirectoryAudits, Some("nonsense"), None),
        )
    })
    .await;
    let forbidden = forbidden.unwrap_err();
    assert!(
        matches!(&forbidden, ClientError::Http { status: 403, code, .. } if code == "Authentication_MSGraphPermissionMissing"),
        "{forbidden:?}"
    );
    assert!(forbidden.is_unreachable());
    let bad = bad.unwrap_err();
    assert_eq!(
        bad,
        ClientError::Http {
            status: 400,
            code: "BadRequest".into(),
            message: "Invalid filter clause".into()
        }
    );
    assert!(!bad.is_unreachable());
    assert_eq!(requests_to(&server, SIGN_INS).await.len(), 1);
    assert_eq!(
        requests_to(&server, "/v1.0/auditLogs/directoryAudits")
            .await
            .len(),
        1
    );
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        1,
        "one token serves both listings"
    );
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let logs = Logs::default();
    let nowhere = config(&format!("http://{closed}"), &logs);
    // The token endpoint answers, Graph does not.
    let server = MockServer::start().await;
    mount_token(&server).await;
    let mut graph_down = config(&server.uri(), &logs);
    graph_down.graph_base = format!("http://{closed}/v1.0");
    let (login, graph) = blocking(move || {
        let login = list_all(&mut GraphClient::new(nowhere).unwrap(), None, None).0;
        let graph = list_all(&mut GraphClient::new(graph_down).unwrap(), None, None).0;
        (login, graph)
    })
    .await;
    for (error, url) in [
        (login.unwrap_err(), format!("http://{closed}{TOKEN_PATH}")),
        (graph.unwrap_err(), format!("http://{closed}{SIGN_INS}")),
    ] {
        assert!(error.is_unreachable(), "{error:?}");
        match &error {
            ClientError::Unreachable {
                url: failed,
                attempts,
                reason,
            } => {
                assert_eq!(failed, &url);
                assert_eq!(*attempts, 3);
                assert!(reason.to_lowercase().contains("connect"), "{reason}");
            }
            other => panic!("expected Unreachable, got {other:?}"),
        }
    }
    assert!(
        logs.contains("transport error: retrying in"),
        "{:?}",
        logs.lines()
    );
}

#[tokio::test]
async fn renews_the_token_once_on_401() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("token-1", json!(3599))))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(token_body("token-2", json!("3599"))),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(page(None, &["a"]))
        .expect(1)
        .mount(&server)
        .await;
    let logs = Logs::default();
    let config = config(&server.uri(), &logs);
    let (result, values) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    assert_eq!(
        result.unwrap(),
        ListStats {
            pages: 1,
            records: 1,
            retries: 1,
            throttled: 0
        }
    );
    assert_eq!(ids(&values), ["a"]);
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert!(logs.contains("401: the access token was refused (InvalidAuthenticationToken); renewing it and retrying once"), "{:?}", logs.lines());
}

#[tokio::test]
async fn a_second_401_is_an_error() {
    let server = graph_always(graph_error(
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
    ))
    .await;
    let config = config(&server.uri(), &Logs::default());
    let (result, _) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    let error = result.unwrap_err();
    assert!(
        matches!(&error, ClientError::Http { status: 401, code, .. } if code == "InvalidAuthenticationToken"),
        "{error:?}"
    );
    assert!(error.is_unreachable());
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert_eq!(requests_to(&server, SIGN_INS).await.len(), 2);
}

#[tokio::test]
async fn renews_the_token_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(TOKEN, json!(1))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(page(None, &["a"]))
        .mount(&server)
        .await;
    let logs = Logs::default();
    let config = config(&server.uri(), &logs);
    blocking(move || {
        let mut client = GraphClient::new(config).unwrap();
        list_all(&mut client, None, None).0.unwrap();
        // A 1 s token is renewed at half-life.
        std::thread::sleep(Duration::from_millis(600));
        list_all(&mut client, None, None).0.unwrap();
    })
    .await;
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert_eq!(requests_to(&server, SIGN_INS).await.len(), 2);
    assert!(
        logs.contains("token: the access token is about to expire; renewing it"),
        "{:?}",
        logs.lines()
    );
}

#[tokio::test]
async fn token_endpoint_refusals_are_authentication_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'.\r\nTrace ID: 0c1e3c4f-0000-4000-8000-000000000000\r\nCorrelation ID: 0c1e3c4f-0000-4000-8000-000000000001\r\nTimestamp: 2025-03-17 15:00:00Z",
            "error_codes": [7000215],
        })))
        .mount(&server)
        .await;
    let config = config(&server.uri(), &Logs::default());
    let (result, _) =
        blocking(move || list_all(&mut GraphClient::new(config).unwrap(), None, None)).await;
    let error = result.unwrap_err();
    assert_eq!(
        error,
        ClientError::Authentication {
            status: 401,
            error: "invalid_client".into(),
            aadsts: Some(7000215),
            description: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'.".into(),
        }
    );
    assert!(error.is_unreachable());
    assert!(
        error.to_string().starts_with(
            "authentication failed: HTTP 401 invalid_client (AADSTS7000215): Invalid client secret"
        ),
        "{error}"
    );
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        1,
        "4xx from the login host is not retried"
    );
    assert!(requests_to(&server, SIGN_INS).await.is_empty());
}

#[tokio::test]
async fn never_shows_the_secret_or_the_token() {
    let server = MockServer::start().await;
    // A login host that echoes the secret (raw and form-encoded) back in its error.
    let encoded_secret = serde_urlencoded::to_string([("s", SECRET)]).unwrap()[2..].to_string();
    Mock::given(method("POST"))
        .and(path("/echo-tenant/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": format!("invalid_request {SECRET}"),
            "error_description": format!("AADSTS900144: bad body client_secret={encoded_secret} ({SECRET})\r\nTrace ID: x"),
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/html-tenant/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(502).set_body_string(format!(
            "<html>proxy saw client_secret={encoded_secret}</html>"
        )))
        .mount(&server)
        .await;
    mount_token(&server).await;
    // Graph: 401 (renewal), 429, then an error that echoes the token, then a page.
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(graph_error(
            401,
            "InvalidAuthenticationToken",
            &format!("token {TOKEN} expired"),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(
            graph_error(429, "TooManyRequests", "Please retry again later.")
                .insert_header("Retry-After", "0"),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(page(None, &["a"]))
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/auditLogs/directoryAudits"))
        .respond_with(graph_error(
            400,
            "BadRequest",
            &format!("Bearer {TOKEN} with secret {SECRET}"),
        ))
        .mount(&server)
        .await;

    let logs = Logs::default();
    let base = config(&server.uri(), &logs);
    let mut texts = vec![
        format!("{base:?}"),
        format!("{:?}", base.client_secret),
        base.client_secret.to_string(),
    ];
    let uri = server.uri();
    let more = blocking(move || {
        let mut texts = Vec::new();
        let mut client = GraphClient::new(base.clone()).unwrap();
        let stats = list_all(&mut client, None, None).0.unwrap();
        assert_eq!(stats.retries, 2);
        texts.push(format!("{client:?}"));
        let mut errors = vec![
            client
                .records(LogKind::DirectoryAudits, None, None)
                .unwrap_err(),
        ];
        for tenant in ["echo-tenant", "html-tenant"] {
            let mut config = base.clone();
            config.tenant_id = tenant.into();
            errors.push(
                GraphClient::new(config)
                    .unwrap()
                    .records(LogKind::SignIns, None, None)
                    .unwrap_err(),
            );
        }
        let mut closed = base.clone();
        closed.authority = "http://127.0.0.1:1".into();
        errors.push(
            GraphClient::new(closed)
                .unwrap()
                .records(LogKind::SignIns, None, None)
                .unwrap_err(),
        );
        let mut broken = base.clone();
        broken.extra_root_certificate_pem = Some(
            format!("-----BEGIN CERTIFICATE-----\n{SECRET}\n-----END CERTIFICATE-----\n")
                .into_bytes(),
        );
        errors.push(GraphClient::new(broken).unwrap_err());
        for error in &errors {
            texts.push(format!("{error:?}"));
            texts.push(error.to_string());
        }
        (texts, errors)
    })
    .await;
    let (more_texts, errors) = more;
    texts.extend(more_texts);
    texts.extend(logs.lines());
    assert!(
        matches!(&errors[1], ClientError::Authentication { status: 400, .. }),
        "{:?}",
        errors[1]
    );
    assert!(
        matches!(&errors[2], ClientError::Authentication { status: 502, .. }),
        "{:?}",
        errors[2]
    );
    assert!(
        texts.iter().any(|t| t.contains("[redacted]")),
        "the echoes were scrubbed, not lost"
    );
    assert!(logs.lines().len() > 10, "{:?}", logs.lines());
    for text in &texts {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
        assert!(
            !text.contains(&encoded_secret),
            "the encoded secret leaked: {text}"
        );
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
    assert!(texts.iter().any(|t| t.contains(&uri)));
}

#[tokio::test]
async fn typed_records_deserialize() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let scenario = load("scenarios/user01-password-failures.yaml");
    let sign_ins: Vec<Value> = entralab::sim::simulate(&scenario)
        .filter_map(|item| item.record)
        .filter_map(|record| match record {
            Record::SignIn(s) => Some(serde_json::to_value(&s).unwrap()),
            Record::Audit(_) => None,
        })
        .collect();
    assert!(!sign_ins.is_empty());
    Mock::given(method("GET"))
        .and(path(SIGN_INS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": sign_ins})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/auditLogs/directoryAudits"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "x"}]})))
        .mount(&server)
        .await;
    let config = config(&server.uri(), &Logs::default());
    let (records, audits) = blocking(move || {
        let mut client = GraphClient::new(config).unwrap();
        (
            client.records(LogKind::SignIns, None, None).unwrap(),
            client.records(LogKind::DirectoryAudits, None, None),
        )
    })
    .await;
    assert_eq!(records.len(), sign_ins.len());
    assert!(records.iter().all(|r| matches!(r, Record::SignIn(_))));
    assert_eq!(
        serde_json::to_value(&records).unwrap(),
        Value::Array(sign_ins)
    );
    assert!(
        matches!(audits, Err(ClientError::Decode { .. })),
        "{audits:?}"
    );
}

fn mock_config() -> (ServerConfig, String) {
    let tenant = tenant_config(&load("scenarios/user01-password-failures.yaml"));
    let id = tenant.id.clone();
    (
        ServerConfig {
            tenants: vec![tenant],
            clock: Clock::System,
            token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
        },
        id,
    )
}

fn lab_client(base: &str, tenant: &str, logs: &Logs) -> ClientConfig {
    let mut config = ClientConfig::new(
        base,
        format!("{base}/v1.0"),
        tenant,
        "e17a1ab0-0000-4000-8000-00000000c11e",
        Secret::new("entralab-lab-secret-not-for-production"),
    );
    config.retry = fast_retry();
    config.log = Some(logs.hook());
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_the_entralab_mock() {
    let (server_config, tenant) = mock_config();
    let running = server::start(server_config, "127.0.0.1:0".parse().unwrap(), None)
        .await
        .unwrap();
    let logs = Logs::default();
    let config = lab_client(&format!("http://{}", running.addr), &tenant, &logs);
    let (all, stats, failures) = blocking(move || {
        let mut client = GraphClient::new(config).unwrap();
        let mut all = Vec::new();
        let stats = client
            .list("auditLogs/signIns", None, Some(1), &mut |v| all.push(v))
            .unwrap();
        let failures = client
            .records(LogKind::SignIns, Some("status/errorCode eq 50126"), Some(1))
            .unwrap();
        (all, stats, failures)
    })
    .await;
    running.shutdown();
    assert_eq!(
        stats,
        ListStats {
            pages: 4,
            records: 4,
            retries: 0,
            throttled: 0
        }
    );
    assert_eq!(all.len(), 4);
    let codes: Vec<i64> = all
        .iter()
        .map(|v| v["status"]["errorCode"].as_i64().unwrap())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 50126).count(),
        2,
        "{codes:?}"
    );
    assert_eq!(failures.len(), 2);
    assert!(logs.contains("(page 4, 1 records)"), "{:?}", logs.lines());
    assert_eq!(
        logs.lines()
            .iter()
            .filter(|l| l.starts_with("token: requesting"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusts_the_mock_certificate_when_told() {
    let (server_config, tenant) = mock_config();
    let certificate = Certificate::self_signed().unwrap();
    let pem = certificate.cert_pem.clone().into_bytes();
    let running = server::start(
        server_config,
        "127.0.0.1:0".parse().unwrap(),
        Some(&certificate),
    )
    .await
    .unwrap();
    // By IP address (an IP SAN) when trusted, by name when not.
    let base = format!("https://localhost:{}", running.addr.port());
    let logs = Logs::default();
    let trusting = {
        let mut config = lab_client(&format!("https://{}", running.addr), &tenant, &logs);
        config.extra_root_certificate_pem = Some(pem);
        config
    };
    let mut untrusting = lab_client(&base, &tenant, &logs);
    untrusting.retry.max_attempts = 1;
    let (trusted, refused) = blocking(move || {
        let trusted = GraphClient::new(trusting)
            .unwrap()
            .records(LogKind::SignIns, None, None);
        let refused = GraphClient::new(untrusting)
            .unwrap()
            .records(LogKind::SignIns, None, None);
        (trusted, refused)
    })
    .await;
    running.shutdown();
    assert_eq!(trusted.unwrap().len(), 4);
    let refused = refused.unwrap_err();
    assert!(
        matches!(&refused, ClientError::Unreachable { attempts: 1, reason, .. } if reason.contains("UnknownIssuer")),
        "{refused:?}"
    );
    assert!(refused.is_unreachable());
}
