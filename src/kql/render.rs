//! A result table as people and programs read it: an aligned text table, CSV, or the JSON
//! of the Log Analytics query API (`{"tables":[{"name":"PrimaryResult","columns":[...],
//! "rows":[...]}]}`, dynamic values as JSON text).

use super::table::Table;
use super::value::{Type, Value};
use serde_json::{Value as Json, json};

/// A cell as text: datetimes ISO 8601, dynamic values as compact JSON, null empty.
pub fn cell(v: &Value) -> String {
    v.to_text()
}

/// Columns padded to their widest cell, a rule under the header, `(N rows)` at the end.
pub fn text(table: &Table) -> String {
    let cells: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| cell(v).replace(['\n', '\r'], " "))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = table
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |values: Vec<&str>| -> String {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v}{}", " ".repeat(w.saturating_sub(v.chars().count()))))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(table.columns.iter().map(|c| c.name.as_str()).collect());
    out.push_str(&line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    let n = table.rows.len();
    out.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    out
}

/// RFC 4180: a header of the column names, cells quoted when they hold `,`, `"`, CR or LF.
pub fn csv(table: &Table) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\r', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let header: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|v| quote(&cell(v))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The Log Analytics query API's type name of a column: KQL's own type names.
pub fn api_type(ty: Type) -> &'static str {
    ty.name()
}

/// A cell of the query API: dynamic values as JSON text, datetimes ISO 8601, numbers as
/// numbers.
pub fn api_value(v: &Value) -> Json {
    match v {
        Value::Dynamic(j) => Json::String(j.to_string()),
        other => other.to_json(),
    }
}

/// The body of a Log Analytics query API reply.
pub fn api_json(table: &Table) -> Json {
    let columns: Vec<Json> = table
        .columns
        .iter()
        .map(|c| json!({"name": c.name, "type": api_type(c.ty)}))
        .collect();
    let rows: Vec<Json> = table
        .rows
        .iter()
        .map(|r| Json::Array(r.iter().map(api_value).collect()))
        .collect();
    json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]})
}

/// The body of the query API's reply to a query that cannot run (HTTP 400), in Log
/// Analytics' shape: `{"error":{"message":"The request had some invalid properties",
/// "code":"BadArgumentError","innererror":{"code":"SyntaxError"|"SemanticError",
/// "message":...,"innererror":{...}}}}`, the innermost error saying where (`line`, `pos`,
/// both from 1, and `token`), what (its message starts `query:LINE:COL:` as
/// `entralab query` prints it) and the hint.
pub fn api_error(error: &super::KqlError, query: &str) -> Json {
    let (line, column) = error.line_col(query);
    let (kind, kind_message, code) = match error.kind {
        super::ErrorKind::Syntax => (
            "SyntaxError",
            "A recognition error occurred in the query.",
            "SYN0002",
        ),
        super::ErrorKind::Semantic => ("SemanticError", "A semantic error occurred.", "SEM0100"),
        super::ErrorKind::Unsupported => ("SemanticError", "A semantic error occurred.", "SEM0001"),
    };
    let mut detail = json!({
        "code": code,
        "message": format!("query:{line}:{column}: {}", error.message),
        "line": line,
        "pos": column,
        "token": query.get(error.span.start..error.span.end).unwrap_or(""),
    });
    if let Some(hint) = &error.hint {
        detail["hint"] = Json::String(hint.clone());
    }
    json!({
        "error": {
            "message": "The request had some invalid properties",
            "code": "BadArgumentError",
            "innererror": {
                "code": kind,
                "message": kind_message,
                "innererror": detail,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::table::Column;

    fn sample() -> Table {
        Table {
            columns: vec![
                Column::new("User", Type::String),
                Column::new("count_", Type::Long),
            ],
            rows: vec![
                vec![Value::str("user02@x"), Value::Long(3)],
                vec![Value::str("a,b"), Value::Null],
            ],
        }
    }

    #[test]
    fn text_aligns_columns() {
        assert_eq!(
            text(&sample()),
            "User      count_\n--------  ------\nuser02@x  3\na,b\n(2 rows)\n"
        );
    }

    #[test]
    fn api_errors_say_where() {
        let query = "SigninLogs | wher x";
        let error = crate::kql::parse(query).unwrap_err();
        let body = api_error(&error, query);
        assert_eq!(body["error"]["code"], "BadArgumentError");
        assert_eq!(body["error"]["innererror"]["code"], "SyntaxError");
        let detail = &body["error"]["innererror"]["innererror"];
        assert_eq!(detail["token"], "wher");
        assert_eq!((&detail["line"], &detail["pos"]), (&json!(1), &json!(14)));
        assert!(
            detail["message"]
                .as_str()
                .unwrap()
                .starts_with("query:1:14: "),
            "{detail}"
        );
    }

    #[test]
    fn csv_quotes_and_api_json_types() {
        assert_eq!(csv(&sample()), "User,count_\r\nuser02@x,3\r\n\"a,b\",\r\n");
        let json = api_json(&sample());
        assert_eq!(
            json["tables"][0]["columns"][1],
            json!({"name": "count_", "type": "long"})
        );
        assert_eq!(json["tables"][0]["rows"][1], json!(["a,b", null]));
    }
}
