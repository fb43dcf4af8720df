//! Query options of the audit log list APIs, read from a raw query string the way Graph
//! reads them: option names in any case, with or without `$`; `%20` or `+` for spaces; an
//! empty first parameter (`?&$filter=`) tolerated; unknown parameters ignored.

use super::filter::Filter;
use super::schema::Schema;

/// Default and maximum page size (documented for signIns; assumed for directoryAudits).
pub const MAX_PAGE_SIZE: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct QueryOptions {
    pub filter: Option<Filter>,
    /// The filter as sent, for the next link.
    pub filter_text: Option<String>,
    pub top: usize,
    pub order: Order,
    /// Top-level properties to return; `None` returns all.
    pub select: Option<Vec<String>>,
    pub cursor: Option<Cursor>,
}

/// Order of the time property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// A refused query: Graph's error code and message, and what was wrong for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct QueryError {
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
}

impl QueryError {
    fn bad(message: impl Into<String>, detail: Option<String>) -> Self {
        QueryError {
            code: "BadRequest",
            message: message.into(),
            detail,
        }
    }
}

impl QueryOptions {
    /// Reads the options of a list request. `properties` are the resource's top-level JSON
    /// property names, for `$select`.
    pub fn parse(
        query: &str,
        schema: &'static Schema,
        properties: &[&str],
    ) -> Result<QueryOptions, QueryError> {
        let mut options = QueryOptions {
            filter: None,
            filter_text: None,
            top: MAX_PAGE_SIZE,
            order: Order::NewestFirst,
            select: None,
            cursor: None,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode_component(raw_name)?;
            let value = decode_component(raw_value)?;
            let name = name.strip_prefix('$').unwrap_or(&name).to_ascii_lowercase();
            match name.as_str() {
                "filter" => {
                    let filter = Filter::parse(&value, schema)
                        .map_err(|e| QueryError::bad("Invalid filter clause", Some(e.detail)))?;
                    options.filter = Some(filter);
                    options.filter_text = Some(value);
                }
                "top" => options.top = page_size(&value)?,
                "orderby" => options.order = order(&value, schema)?,
                "select" => options.select = Some(select(&value, schema, properties)?),
                "skiptoken" => options.cursor = Some(Cursor::decode(&value)?),
                "count" | "search" | "expand" | "skip" => return Err(not_allowed(&name)),
                _ => {}
            }
        }
        Ok(options)
    }

    /// A fingerprint of what the query asks for, so a cursor is only used with its own query.
    pub fn fingerprint(&self) -> u64 {
        let text = format!("{:?}|{:?}|{}", self.filter_text, self.order, self.top);
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    }
}

fn page_size(value: &str) -> Result<usize, QueryError> {
    match value.trim().parse::<i64>() {
        // Graph caps larger pages rather than refusing them (UNSURE; named default).
        Ok(n) if n >= 1 => Ok((n as usize).min(MAX_PAGE_SIZE)),
        _ => Err(QueryError::bad(
            format!("Invalid value '{value}' for query option '$top'."),
            Some("$top takes a whole number from 1 to 1000".into()),
        )),
    }
}

fn order(value: &str, schema: &Schema) -> Result<Order, QueryError> {
    let mut words = value.split_whitespace();
    let property = words.next().unwrap_or("");
    let direction = words.next().unwrap_or("asc");
    let time = schema
        .properties
        .iter()
        .find(|(_, p, _)| Some(*p) == schema.time)
        .map(|(name, _, _)| *name);
    let order = match direction.to_ascii_lowercase().as_str() {
        "asc" => Order::OldestFirst,
        "desc" => Order::NewestFirst,
        _ => {
            return Err(QueryError::bad(
                format!("Invalid $orderby direction '{direction}'."),
                None,
            ));
        }
    };
    match time {
        Some(time) if property.eq_ignore_ascii_case(time) && words.next().is_none() => Ok(order),
        _ => Err(QueryError::bad(
            format!("OrderBy not supported for property '{property}'."),
            time.map(|t| format!("only {t} asc or {t} desc")),
        )),
    }
}

fn select(value: &str, schema: &Schema, properties: &[&str]) -> Result<Vec<String>, QueryError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            properties
                .iter()
                .find(|known| known.eq_ignore_ascii_case(p))
                .map(|k| k.to_string())
                .ok_or_else(|| {
                    QueryError::bad(
                        format!(
                            "Could not find a property named '{p}' on type 'microsoft.graph.{}'.",
                            schema.name
                        ),
                        None,
                    )
                })
        })
        .collect()
}

fn not_allowed(name: &str) -> QueryError {
    let mut title = name.to_string();
    if let Some(first) = title.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    QueryError::bad(
        format!(
            "Query option '{title}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."
        ),
        None,
    )
}

/// Percent-decoding of a query component, with `+` as a space.
pub fn decode_component(text: &str) -> Result<String, QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => {
                        return Err(QueryError::bad(
                            "The query string is not correctly percent-encoded.",
                            None,
                        ));
                    }
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| QueryError::bad("The query string is not UTF-8.", None))
}

/// Where the next page starts: a position in the result order, tied to the query that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub position: u64,
    pub fingerprint: u64,
}

impl Cursor {
    /// Opaque text in the shape of Graph's (`9177f2e3532fcd4c4d225f68f7b9bdf7_1`).
    pub fn encode(&self) -> String {
        format!(
            "{:016x}{:016x}_{}",
            self.fingerprint,
            check(self.fingerprint, self.position),
            self.position
        )
    }

    pub fn decode(text: &str) -> Result<Cursor, QueryError> {
        let invalid = || {
            QueryError::bad(
                "Invalid $skiptoken.",
                Some("use the @odata.nextLink exactly as it was returned".into()),
            )
        };
        let (head, position) = text.split_once('_').ok_or_else(invalid)?;
        if head.len() != 32 {
            return Err(invalid());
        }
        let fingerprint = u64::from_str_radix(&head[..16], 16).map_err(|_| invalid())?;
        let sum = u64::from_str_radix(&head[16..], 16).map_err(|_| invalid())?;
        let position: u64 = position.parse().map_err(|_| invalid())?;
        if sum != check(fingerprint, position) {
            return Err(invalid());
        }
        Ok(Cursor {
            position,
            fingerprint,
        })
    }
}

fn check(fingerprint: u64, position: u64) -> u64 {
    let mut z = fingerprint ^ position.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::SIGN_IN;
    use proptest::prelude::*;

    const PROPS: &[&str] = &["id", "createdDateTime", "userPrincipalName"];

    fn parse(q: &str) -> Result<QueryOptions, QueryError> {
        QueryOptions::parse(q, &SIGN_IN, PROPS)
    }

    #[test]
    fn reads_the_lab_query_in_every_encoding() {
        for q in [
            "$filter=createdDateTime%20ge%202025-03-17T15:00:00Z%20and%20createdDateTime%20lt%202025-03-17T15:10:00Z",
            "$filter=createdDateTime+ge+2025-03-17T15%3a00%3a00Z+and+createdDateTime+lt+2025-03-17T15%3A10%3A00Z",
            "&$FILTER=createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z",
            "filter=createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z&foo=bar",
        ] {
            let options = parse(q).unwrap();
            assert!(options.filter.is_some(), "{q}");
            assert_eq!(options.top, MAX_PAGE_SIZE);
        }
    }

    #[test]
    fn reads_top_orderby_select() {
        let options =
            parse("$top=7&$orderby=createdDateTime%20asc&$select=id,USERPRINCIPALNAME").unwrap();
        assert_eq!(options.top, 7);
        assert_eq!(options.order, Order::OldestFirst);
        assert_eq!(
            options.select,
            Some(vec!["id".to_string(), "userPrincipalName".to_string()])
        );
        assert_eq!(parse("$top=5000").unwrap().top, 1000);
    }

    #[test]
    fn refuses_bad_options() {
        for q in [
            "$top=0",
            "$top=x",
            "$orderby=userId",
            "$select=nope",
            "$skiptoken=abc",
            "$count=true",
            "$filter=a eq",
            "$filter=%zz",
        ] {
            assert!(parse(q).is_err(), "{q}");
        }
        assert_eq!(
            parse("$filter=x eq 1").unwrap_err().message,
            "Invalid filter clause"
        );
        assert!(
            parse("$skip=10")
                .unwrap_err()
                .message
                .starts_with("Query option 'Skip' is not allowed.")
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let cursor = Cursor {
            position: 12345,
            fingerprint: 0xdead_beef,
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text).unwrap(), cursor);
        let tampered = text.replace("_12345", "_12346");
        assert!(Cursor::decode(&tampered).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(query in "\\PC{0,120}") {
            let _ = parse(&query);
        }

        #[test]
        fn cursor_decode_never_panics(text in "[0-9a-f_]{0,50}") {
            let _ = Cursor::decode(&text);
        }
    }
}
