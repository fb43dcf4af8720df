//! Responses as Graph and the login service shape them: the Graph error envelope, the AADSTS
//! error body, JSON bodies, and the headers every response carries.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

/// Graph's JSON content type for OData responses.
pub const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Ids of one request, echoed in headers and error bodies.
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: String,
}

impl RequestIds {
    /// A fresh request id; the client's `client-request-id` is echoed when it sent one.
    pub fn new(headers: &HeaderMap) -> Self {
        let request_id = random_guid();
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128)
            .map_or_else(|| request_id.clone(), str::to_string);
        RequestIds {
            request_id,
            client_request_id,
        }
    }

    pub fn apply(&self, response: &mut Response) {
        let headers = response.headers_mut();
        for (name, value) in [
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
    }
}

pub fn random_guid() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    guid(bytes, 4)
}

/// `bytes` as a GUID of RFC 9562 `version` (4 random, 8 custom), variant bits set.
pub fn guid(mut bytes: [u8; 16], version: u8) -> String {
    bytes[6] = (bytes[6] & 0x0f) | (version << 4);
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A JSON body with a status.
pub fn json(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("valid content type"),
    );
    response
}

/// Graph's error envelope. `detail`, when given, goes into `details` for people; clients read
/// `code` and `message`.
pub fn graph_error(
    status: StatusCode,
    code: &str,
    message: &str,
    detail: Option<&str>,
    ids: &RequestIds,
) -> Response {
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut error = json!({
        "code": code,
        "message": message,
        "innerError": {
            "date": date,
            "request-id": ids.request_id,
            "client-request-id": ids.client_request_id,
        }
    });
    if let Some(detail) = detail {
        error["details"] = json!([{ "code": code, "message": detail }]);
    }
    let body = serde_json::to_vec(&json!({ "error": error })).expect("error serializes");
    let mut response = json(status, "application/json", body);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#,
            ),
        );
    }
    response
}

/// The login service's error body: `AADSTS<code>: <message>` plus trace details.
pub fn login_error(status: StatusCode, error: &str, code: u32, message: &str) -> Response {
    let now = chrono::Utc::now();
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let trace_id = random_guid();
    let correlation_id = random_guid();
    let description = format!(
        "AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    );
    let body = json!({
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    let mut response = json(
        status,
        "application/json; charset=utf-8",
        serde_json::to_vec(&body).expect("serializes"),
    );
    no_store(&mut response);
    response
}

pub fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
