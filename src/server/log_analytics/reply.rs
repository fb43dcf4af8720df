//! What the Log Analytics query API answers: the `tables` body (cut at Kusto's result
//! limits, with the partial error beside the rows), and its error shape
//! `{"error":{"message","code","correlationId","innererror"}}`.

use super::super::respond::{self, RequestIds};
use crate::kql::Table;
use crate::kql::render::{api_type, api_value};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value as Json, json};

/// Rows a reply carries at most: Kusto's default result truncation
/// (`truncationmaxrecords`); the rest is cut with a partial error, as Log Analytics does.
pub const MAX_RESULT_ROWS: usize = 500_000;
/// Bytes of rows a reply carries at most: Kusto's default `truncationmaxsize` (64 MiB).
pub const MAX_RESULT_BYTES: usize = 64 * 1024 * 1024;

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The `200` body: `{"tables":[{"name":"PrimaryResult","columns":[...],"rows":[...]}]}`,
/// dynamic values as JSON text. A result over [`MAX_RESULT_ROWS`] or [`MAX_RESULT_BYTES`]
/// keeps the rows that fit and says so in an `error` beside the tables (clients read it as
/// a partial result).
pub fn tables(table: &Table) -> Vec<u8> {
    tables_within(table, MAX_RESULT_ROWS, MAX_RESULT_BYTES)
}

fn tables_within(table: &Table, max_rows: usize, max_bytes: usize) -> Vec<u8> {
    let columns: Vec<Json> = table
        .columns
        .iter()
        .map(|c| json!({"name": c.name, "type": api_type(c.ty)}))
        .collect();
    let mut body = b"{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":".to_vec();
    serde_json::to_writer(&mut body, &columns).expect("columns serialize");
    body.extend_from_slice(b",\"rows\":[");
    let rows_start = body.len();
    let mut cut = None;
    for (i, row) in table.rows.iter().enumerate() {
        if i == max_rows {
            cut = Some(format!(
                "Query result set has exceeded the internal record count limit {max_rows} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)"
            ));
            break;
        }
        let before = body.len();
        if i > 0 {
            body.push(b',');
        }
        let cells = Json::Array(row.iter().map(api_value).collect());
        serde_json::to_writer(&mut body, &cells).expect("cells serialize");
        if body.len() - rows_start > max_bytes {
            body.truncate(before);
            cut = Some(format!(
                "Query result set has exceeded the internal data size limit {max_bytes} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)"
            ));
            break;
        }
    }
    body.extend_from_slice(b"]}]");
    if let Some(message) = cut {
        let error = json!({
            "code": "PartialError",
            "message": "There were some errors when processing your query.",
            "details": [{
                "code": "EngineError",
                "message": "Something went wrong processing your query on the server.",
                "innererror": {
                    "code": "E_QUERY_RESULT_SET_TOO_LARGE",
                    "message": message,
                    "severity": 2,
                    "severityName": "Error",
                },
            }],
        });
        body.extend_from_slice(b",\"error\":");
        serde_json::to_writer(&mut body, &error).expect("the error serializes");
    }
    body.push(b'}');
    body
}

pub fn ok(body: Vec<u8>) -> Response {
    respond::json(StatusCode::OK, CONTENT_TYPE, body)
}

/// An error of the API: `message` and `code`, the request's id as `correlationId`, and an
/// `innererror` when there is more to say.
pub fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    innererror: Option<Json>,
    ids: &RequestIds,
) -> Response {
    let mut error = json!({
        "message": message,
        "code": code,
        "correlationId": ids.request_id,
    });
    if let Some(inner) = innererror {
        error["innererror"] = inner;
    }
    with_body(status, json!({ "error": error }))
}

/// `400 BadArgumentError`: "The request had some invalid properties", and which.
pub fn bad_argument(inner_code: &str, message: &str, ids: &RequestIds) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "BadArgumentError",
        "The request had some invalid properties",
        Some(json!({"code": inner_code, "message": message})),
        ids,
    )
}

/// `400` for a query that does not parse or bind: [`crate::kql::render::api_error`]'s body,
/// with the request's id.
pub fn bad_query(mut body: Json, ids: &RequestIds) -> Response {
    body["error"]["correlationId"] = Json::String(ids.request_id.clone());
    with_body(StatusCode::BAD_REQUEST, body)
}

fn with_body(status: StatusCode, body: Json) -> Response {
    let mut response = respond::json(
        status,
        CONTENT_TYPE,
        serde_json::to_vec(&body).expect("errors serialize"),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                r#"Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", resource_id="https://api.loganalytics.io""#,
            ),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::table::Column;
    use crate::kql::{Type, Value};

    fn table(rows: usize) -> Table {
        Table {
            columns: vec![
                Column::new("TimeGenerated", Type::DateTime),
                Column::new("Details", Type::Dynamic),
            ],
            rows: (0..rows)
                .map(|i| {
                    vec![
                        Value::DateTime(i as i64 * 10_000_000),
                        Value::Dynamic(json!({"n": i})),
                    ]
                })
                .collect(),
        }
    }

    fn parse(body: &[u8]) -> Json {
        serde_json::from_slice(body).unwrap()
    }

    #[test]
    fn rows_are_typed_cells() {
        let body = parse(&tables(&table(2)));
        assert_eq!(
            body,
            json!({"tables": [{
                "name": "PrimaryResult",
                "columns": [
                    {"name": "TimeGenerated", "type": "datetime"},
                    {"name": "Details", "type": "dynamic"},
                ],
                "rows": [
                    ["1970-01-01T00:00:00Z", "{\"n\":0}"],
                    ["1970-01-01T00:00:01Z", "{\"n\":1}"],
                ],
            }]})
        );
    }

    #[test]
    fn a_result_over_the_limits_is_cut_with_a_partial_error() {
        let by_rows = parse(&tables_within(&table(5), 3, MAX_RESULT_BYTES));
        assert_eq!(by_rows["tables"][0]["rows"].as_array().unwrap().len(), 3);
        assert_eq!(by_rows["error"]["code"], "PartialError");
        let inner = &by_rows["error"]["details"][0]["innererror"]["message"];
        assert!(
            inner.as_str().unwrap().contains("record count limit 3"),
            "{inner}"
        );
        // A row is 36 bytes (37 after a comma): 100 bytes hold two.
        let by_bytes = parse(&tables_within(&table(5), 10, 100));
        assert_eq!(by_bytes["tables"][0]["rows"].as_array().unwrap().len(), 2);
        let inner = &by_bytes["error"]["details"][0]["innererror"]["message"];
        assert!(
            inner.as_str().unwrap().contains("data size limit 100"),
            "{inner}"
        );
        assert!(parse(&tables(&table(5))).get("error").is_none());
    }
}
