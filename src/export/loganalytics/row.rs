//! One row written straight into its two lines, the NDJSON object and the CSV record, cell
//! by cell, into buffers kept from row to row. Building a `Cell` per column, a
//! `serde_json::Map` of the beta properties and formatting times through chrono and
//! `format!` was most of the export's time.

use super::cells::{Cells, Json};
use super::{Context, write_record};
use crate::export::timefmt::{write_portal_csv, write_seven_digits};
use crate::graph::wire::{integer, string};
use crate::graph::{Record, Timestamp};
use serde::Serialize;

pub(super) struct Row {
    columns: &'static [&'static str],
    /// Dynamic columns are strings holding JSON (the non-interactive table).
    dynamic_as_string: bool,
    /// The cells written of the current row.
    cells: usize,
    json: Vec<u8>,
    csv: Vec<u8>,
    /// The JSON text of a JSON column, before it goes to both lines.
    value: Vec<u8>,
}

impl Row {
    pub(super) fn new(columns: &'static [&'static str], dynamic_as_string: bool) -> Self {
        Row {
            columns,
            dynamic_as_string,
            cells: 0,
            json: Vec::new(),
            csv: Vec::new(),
            value: Vec::new(),
        }
    }

    /// `record` as a row of this table: (its NDJSON line, its CSV line), valid until the
    /// next row.
    pub(super) fn write(&mut self, record: &Record, ctx: &Context) -> (&[u8], &[u8]) {
        self.write_with(|row| write_record(row, record, ctx))
    }

    /// The row `fill` walks: (its NDJSON line, its CSV line), valid until the next row.
    pub(super) fn write_with(&mut self, fill: impl FnOnce(&mut Self)) -> (&[u8], &[u8]) {
        self.start();
        fill(self);
        self.end()
    }

    /// Starts the next row, forgetting the last.
    fn start(&mut self) {
        self.cells = 0;
        self.json.clear();
        self.csv.clear();
        self.json.push(b'{');
    }

    /// Ends the row: (its NDJSON line, its CSV line).
    fn end(&mut self) -> (&[u8], &[u8]) {
        assert_eq!(self.cells, self.columns.len(), "a row has every column");
        self.json.extend_from_slice(b"}\n");
        self.csv.extend_from_slice(b"\r\n");
        (&self.json, &self.csv)
    }

    /// The separators and the JSON key of the next cell, which must be `column`.
    fn next(&mut self, column: &'static str) {
        debug_assert_eq!(self.columns.get(self.cells), Some(&column), "column order");
        if self.cells > 0 {
            self.json.push(b',');
            self.csv.push(b',');
        }
        self.cells += 1;
        string(&mut self.json, column);
        self.json.push(b':');
    }
}

impl Cells for Row {
    fn text(&mut self, column: &'static str, value: Option<&str>) {
        self.next(column);
        let value = value.unwrap_or("");
        string(&mut self.json, value);
        csv_cell(&mut self.csv, value.as_bytes());
    }

    fn number_text(&mut self, column: &'static str, value: Option<i64>) {
        self.next(column);
        self.json.push(b'"');
        if let Some(value) = value {
            integer(&mut self.json, value);
            integer(&mut self.csv, value);
        }
        self.json.push(b'"');
    }

    fn time(&mut self, column: &'static str, time: Timestamp) {
        self.next(column);
        write_seven_digits(&mut self.json, time, "Z");
        write_portal_csv(&mut self.csv, time);
    }

    fn int(&mut self, column: &'static str, value: i64) {
        self.next(column);
        integer(&mut self.json, value);
        integer(&mut self.csv, value);
    }

    /// `null` in JSON and an empty CSV cell when there is none.
    fn flag(&mut self, column: &'static str, value: Option<bool>) {
        self.next(column);
        let text: &[u8] = match value {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        };
        self.json.extend_from_slice(text);
        if value.is_some() {
            self.csv.extend_from_slice(text);
        }
    }

    /// The text is written once, by `write`, and copied to both lines.
    fn json<T: Serialize + ?Sized>(
        &mut self,
        column: &'static str,
        kind: Json,
        value: Option<&T>,
        write: impl FnOnce(&mut Vec<u8>, &T),
    ) {
        self.next(column);
        self.value.clear();
        if let Some(value) = value {
            write(&mut self.value, value);
        }
        let value = &self.value;
        if value.is_empty() && kind == Json::Dynamic {
            self.json.extend_from_slice(b"null");
        } else if kind == Json::Dynamic && !self.dynamic_as_string {
            self.json.extend_from_slice(value);
        } else {
            let text = std::str::from_utf8(value).expect("JSON text is UTF-8");
            string(&mut self.json, text);
        }
        csv_cell(&mut self.csv, value);
    }
}

/// RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled.
pub(super) fn csv_cell(out: &mut Vec<u8>, value: &[u8]) {
    if !value
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        return out.extend_from_slice(value);
    }
    out.push(b'"');
    for part in value.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(part);
        if part.ends_with(b"\"") {
            out.push(b'"');
        }
    }
    out.push(b'"');
}
