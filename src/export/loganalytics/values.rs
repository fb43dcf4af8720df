//! One row as `serde_json` values, for `row_json`: each cell the value its NDJSON line of
//! `SigninLogs` / `AuditLogs` holds (dynamic columns as objects and arrays, whatever the
//! table), made from the record without writing the line and parsing it back (reading
//! the line back made `entralab query` slower than main's values).

use super::cells::{Cells, Json};
use crate::export::timefmt::write_seven_digits;
use crate::graph::Timestamp;
use serde::Serialize;
use serde_json::Value;

pub(super) struct RowValues<'a> {
    columns: &'static [&'static str],
    /// For each column, whether its value is wanted: the others are `null`, built from
    /// nothing (`entralab query` holds the few columns a query reads).
    kept: Option<&'a [bool]>,
    cells: Vec<(&'static str, Value)>,
}

impl<'a> RowValues<'a> {
    pub(super) fn new(columns: &'static [&'static str], kept: Option<&'a [bool]>) -> Self {
        RowValues {
            columns,
            kept,
            cells: Vec::with_capacity(columns.len()),
        }
    }

    /// The row: (column, value) in column order.
    pub(super) fn end(self) -> Vec<(&'static str, Value)> {
        assert_eq!(
            self.cells.len(),
            self.columns.len(),
            "a row has every column"
        );
        self.cells
    }

    /// Adds the next cell, which must be `column`'s: the value `make` gives, or `null`
    /// without calling it when the column is not kept.
    fn push(&mut self, column: &'static str, make: impl FnOnce() -> Value) {
        let at = self.cells.len();
        debug_assert_eq!(self.columns.get(at), Some(&column), "column order");
        let kept = self.kept.is_none_or(|kept| kept.get(at).is_none_or(|k| *k));
        self.cells
            .push((column, if kept { make() } else { Value::Null }));
    }
}

impl Cells for RowValues<'_> {
    fn text(&mut self, column: &'static str, value: Option<&str>) {
        self.push(column, || Value::from(value.unwrap_or("")));
    }

    fn number_text(&mut self, column: &'static str, value: Option<i64>) {
        self.push(column, || {
            Value::String(value.map(|value| value.to_string()).unwrap_or_default())
        });
    }

    fn time(&mut self, column: &'static str, time: Timestamp) {
        self.push(column, || {
            let mut quoted = Vec::with_capacity(30);
            write_seven_digits(&mut quoted, time, "Z");
            // Digits, `-`, `:`, `.`, `T` and `Z` only: the JSON string is the text in quotes.
            Value::from(std::str::from_utf8(&quoted[1..quoted.len() - 1]).expect("ASCII"))
        });
    }

    fn int(&mut self, column: &'static str, value: i64) {
        self.push(column, || Value::from(value));
    }

    fn flag(&mut self, column: &'static str, value: Option<bool>) {
        self.push(column, || value.map_or(Value::Null, Value::Bool));
    }

    /// A dynamic column is `value`'s `Serialize` as a `Value` (what parsing the text `write`
    /// appends gives); a string column holding JSON is that text.
    fn json<T: Serialize + ?Sized>(
        &mut self,
        column: &'static str,
        kind: Json,
        value: Option<&T>,
        write: impl FnOnce(&mut Vec<u8>, &T),
    ) {
        self.push(column, || match (kind, value) {
            (Json::Dynamic, None) => Value::Null,
            (Json::Dynamic, Some(value)) => {
                serde_json::to_value(value).expect("a column's value is JSON")
            }
            (Json::Text, None) => Value::from(""),
            (Json::Text, Some(value)) => {
                let mut text = Vec::new();
                write(&mut text, value);
                Value::String(String::from_utf8(text).expect("JSON text is UTF-8"))
            }
        });
    }
}
