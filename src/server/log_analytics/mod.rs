//! The Log Analytics query API, beside Graph: `POST /v1/workspaces/{workspaceId}/query` with
//! `{"query": "...", "timespan": "..."}` (and `GET` with `?query=&timespan=`), one workspace
//! per tenant, answered by the `kql` engine over the tenant's records as the tables
//! `SigninLogs`, `AADNonInteractiveUserSignInLogs` and `AuditLogs`. What azure-monitor-query's
//! `LogsQueryClient` sends, answered as Log Analytics answers it.

mod reply;
mod timespan;
mod workspace;

pub use reply::{MAX_RESULT_BYTES, MAX_RESULT_ROWS};
pub use workspace::workspace_id;

use super::config::Clock;
use super::respond::RequestIds;
use super::state::AppState;
use super::token::{LOG_ANALYTICS_AUDIENCE, TokenError};
use crate::kql;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The largest request body read: a query and its options.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How long a query may run unless `Prefer: wait=N` says otherwise: the API's default (3
/// minutes, as azure-monitor-query documents it).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(180);
/// The longest `Prefer: wait=N` honoured: the API's maximum (10 minutes).
pub const MAX_WAIT: Duration = Duration::from_secs(600);
/// Queries that run at once; more wait for a slot (within their time), so a burst of queries
/// cannot take every core from the Graph API.
pub const QUERY_SLOTS: usize = 2;

/// A request under `/v1`, everything but the state it runs against.
pub struct LogsRequest<'a> {
    pub method: &'a Method,
    /// The path's segments after `v1`.
    pub segments: &'a [&'a str],
    /// The URI's query string.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub ids: &'a RequestIds,
}

/// What a query request asks.
struct QueryRequest {
    query: String,
    timespan: Option<String>,
}

pub async fn handle(state: &Arc<AppState>, request: LogsRequest<'_>, body: Body) -> Response {
    let ids = request.ids;
    let workspace = match request.segments {
        [workspaces, id, query]
            if workspaces.eq_ignore_ascii_case("workspaces")
                && query.eq_ignore_ascii_case("query") =>
        {
            *id
        }
        _ => {
            return reply::error(
                StatusCode::NOT_FOUND,
                "PathNotFoundError",
                "The requested path does not exist",
                None,
                ids,
            );
        }
    };
    if request.method != Method::GET && request.method != Method::POST {
        return reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The query API takes GET and POST.",
            None,
            ids,
        );
    }
    let tenant = match authorize(state, request.headers, workspace, ids) {
        Ok(tenant) => tenant,
        Err(response) => return *response,
    };
    let asked = if request.method == Method::GET {
        from_query_string(request.query)
    } else {
        match to_bytes(body, MAX_REQUEST_BODY).await {
            Ok(bytes) => from_body(&bytes, workspace),
            Err(_) => Err(format!(
                "the request body is larger than {MAX_REQUEST_BODY} bytes"
            )),
        }
    };
    let asked = match asked {
        Ok(asked) => asked,
        Err(message) => return reply::bad_argument("InvalidRequest", &message, ids),
    };
    run(state.clone(), tenant, asked, wait(request.headers), ids).await
}

/// Checks the bearer token and that its tenant owns `workspace`; the tenant's index.
fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    workspace: &str,
    ids: &RequestIds,
) -> Result<usize, Box<Response>> {
    let refuse = |status, code: &str, message: &str, inner: Option<serde_json::Value>| {
        Box::new(reply::error(status, code, message, inner, ids))
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            None,
        ));
    };
    let invalid = |why: &str| {
        refuse(
            StatusCode::FORBIDDEN,
            "InvalidAuthenticationToken",
            &format!("The access token is invalid. {why}"),
            None,
        )
    };
    let claims = state
        .signer
        .decode(token)
        .map_err(|e: TokenError| invalid(e.message()))?;
    if claims.aud != LOG_ANALYTICS_AUDIENCE {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "InvalidAuthenticationTokenAudience",
            &format!(
                "The access token has been obtained from wrong audience or resource '{}'. It should exactly match (including forward slash) with one of the allowed audiences '{LOG_ANALYTICS_AUDIENCE}','{LOG_ANALYTICS_AUDIENCE}/'. Ask for the scope {LOG_ANALYTICS_AUDIENCE}/.default (azure-monitor-query: LogsQueryClient(credential, endpoint=..., audience=\"{LOG_ANALYTICS_AUDIENCE}\")).",
                claims.aud
            ),
            None,
        ));
    }
    if state.unix_now() >= claims.exp {
        return Err(invalid(TokenError::Expired.message()));
    }
    let Some(index) = state
        .tenants
        .iter()
        .position(|t| workspace_id(&t.config.id).eq_ignore_ascii_case(workspace))
    else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "WorkspaceNotFoundError",
            &format!("The workspace {workspace} could not be found"),
            None,
        ));
    };
    if !state.tenants[index]
        .config
        .id
        .eq_ignore_ascii_case(&claims.tid)
    {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "InsufficientAccessError",
            "The provided credentials have insufficient access to perform the requested operation",
            Some(json!({
                "code": "UnauthorizedClient",
                "message": format!("The service principal does not have sufficient permissions to access this resource: the workspace {workspace} belongs to another tenant than the token's ({}).", claims.tid),
            })),
        ));
    }
    Ok(index)
}

/// `POST`: a JSON object with a string `query`, an optional `timespan`, and `workspaces`
/// (null, or only this workspace: entralab has no cross-workspace queries).
fn from_body(bytes: &[u8], workspace: &str) -> Result<QueryRequest, String> {
    let body: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("the body is not JSON ({e}); send {{\"query\": \"...\"}}"))?;
    let query = body
        .get("query")
        .and_then(|q| q.as_str())
        .ok_or("the body needs a string `query`, e.g. {\"query\": \"SigninLogs | take 10\"}")?;
    let timespan = match body.get("timespan") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(t)) => Some(t.clone()),
        Some(other) => return Err(format!("`timespan` is a string, not {other}")),
    };
    match body.get("workspaces") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(others))
            if others.iter().all(|w| {
                w.as_str()
                    .is_some_and(|w| w.eq_ignore_ascii_case(workspace))
            }) => {}
        Some(_) => {
            return Err(
                "`workspaces`: entralab serves one workspace per tenant and no cross-workspace queries"
                    .into(),
            );
        }
    }
    Ok(QueryRequest {
        query: query.to_string(),
        timespan,
    })
}

/// `GET`: `?query=...&timespan=...`, form-encoded (`+` and `%20` are spaces).
fn from_query_string(text: &str) -> Result<QueryRequest, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(text).map_err(|e| format!("the query string: {e}"))?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    Ok(QueryRequest {
        query: get("query").ok_or("the query string needs `query=`")?,
        timespan: get("timespan").filter(|t| !t.is_empty()),
    })
}

/// `Prefer: wait=N` (seconds, up to [`MAX_WAIT`]), else [`DEFAULT_WAIT`].
fn wait(headers: &HeaderMap) -> Duration {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix("wait="))
        .find_map(|n| n.trim().parse::<u64>().ok())
        .map_or(DEFAULT_WAIT, |n| Duration::from_secs(n).min(MAX_WAIT))
}

/// Runs the query on a blocking thread, in one of [`QUERY_SLOTS`], for at most `wait`.
async fn run(
    state: Arc<AppState>,
    tenant: usize,
    asked: QueryRequest,
    wait: Duration,
    ids: &RequestIds,
) -> Response {
    let deadline = tokio::time::Instant::now() + wait;
    let too_long = || {
        reply::error(
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeout",
            &format!(
                "The query did not finish within {} seconds (Prefer: wait=N sets the limit, up to {}).",
                wait.as_secs(),
                MAX_WAIT.as_secs()
            ),
            None,
            ids,
        )
    };
    let slots = state.query_slots.clone();
    let permit = match tokio::time::timeout_at(deadline, slots.acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) | Err(_) => return too_long(),
    };
    // The slot is held until the query ends, even when the client has stopped waiting: the
    // engine cannot be interrupted, and the slots are what bounds the load.
    let job = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        answer(&state, tenant, &asked)
    });
    match tokio::time::timeout_at(deadline, job).await {
        Ok(Ok(Ok(body))) => reply::ok(body),
        Ok(Ok(Err(Refusal::Query(body)))) => reply::bad_query(body, ids),
        Ok(Ok(Err(Refusal::Argument(message)))) => {
            reply::bad_argument("InvalidTimespan", &message, ids)
        }
        Ok(Err(_)) => reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The query engine failed on this query: a bug in entralab, please report the query.",
            None,
            ids,
        ),
        Err(_) => too_long(),
    }
}

/// Why a query is not answered with rows.
enum Refusal {
    /// The body of a 400 for a query that does not parse or run.
    Query(serde_json::Value),
    /// A request option that is not right (the timespan).
    Argument(String),
}

/// The reply body of one query: parsed, its tables filled with the tenant's records, the
/// timespan applied, run with `now()` at the serve clock or the end of the data.
fn answer(state: &AppState, tenant: usize, asked: &QueryRequest) -> Result<Vec<u8>, Refusal> {
    let text = asked.query.as_str();
    let query = kql::parse(text).map_err(|e| Refusal::Query(kql::render::api_error(&e, text)))?;
    let clock = state.clock.now();
    let mut catalog = workspace::catalog(&state.tenants[tenant], text, clock);
    let now = match state.clock {
        Clock::Fixed(at) => at.ticks(),
        Clock::System => catalog.end_of_data().unwrap_or(0),
    };
    if let Some(timespan) = &asked.timespan {
        let (from, to) = timespan::window(timespan, now).map_err(Refusal::Argument)?;
        catalog.restrict_time(from, to);
    }
    let table = kql::execute(&query, &catalog, Some(now))
        .map_err(|e| Refusal::Query(kql::render::api_error(&e, text)))?;
    Ok(reply::tables(&table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn prefer_wait_is_capped() {
        let mut headers = HeaderMap::new();
        assert_eq!(wait(&headers), DEFAULT_WAIT);
        headers.insert(
            "prefer",
            HeaderValue::from_static("include-statistics=true, wait=30"),
        );
        assert_eq!(wait(&headers), Duration::from_secs(30));
        headers.insert("prefer", HeaderValue::from_static("wait=100000"));
        assert_eq!(wait(&headers), MAX_WAIT);
    }

    #[test]
    fn bodies_and_query_strings() {
        let body = from_body(
            br#"{"query":"SigninLogs","timespan":"PT1H","workspaces":null}"#,
            "w",
        )
        .unwrap();
        assert_eq!(
            (body.query.as_str(), body.timespan.as_deref()),
            ("SigninLogs", Some("PT1H"))
        );
        assert!(from_body(b"{}", "w").is_err());
        assert!(from_body(b"not json", "w").is_err());
        assert!(from_body(br#"{"query":"x","timespan":5}"#, "w").is_err());
        assert!(from_body(br#"{"query":"x","workspaces":["other"]}"#, "w").is_err());
        assert!(from_body(br#"{"query":"x","workspaces":["W"]}"#, "w").is_ok());
        assert!(from_body(br#"{"query":"x","workspaces":[]}"#, "w").is_ok());
        let get = from_query_string("query=SigninLogs+%7C+count&timespan=P1D").unwrap();
        assert_eq!(
            (get.query.as_str(), get.timespan.as_deref()),
            ("SigninLogs | count", Some("P1D"))
        );
        assert!(from_query_string("timespan=P1D").is_err());
    }
}
