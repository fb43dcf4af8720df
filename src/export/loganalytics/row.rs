//! One row written straight into its two lines, the NDJSON object and the CSV record, cell
//! by cell, into buffers kept from row to row. Building a `Cell` per column, a
//! `serde_json::Map` of the beta properties and formatting times through chrono and
//! `format!` was most of the export's time.

use crate::export::timefmt::{write_portal_csv, write_seven_digits};
use crate::graph::Timestamp;
use crate::graph::wire::{integer, string};
use serde::Serialize;

/// What a JSON column holds.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Json {
    /// A dynamic column: the JSON itself (a string holding it in the tables that type their
    /// dynamic columns so), `null` when the record lacks the property.
    Dynamic,
    /// A string column holding JSON text, `""` when the record lacks the property.
    Text,
}

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

    /// Starts the next row, forgetting the last.
    pub(super) fn start(&mut self) {
        self.cells = 0;
        self.json.clear();
        self.csv.clear();
        self.json.push(b'{');
    }

    /// Ends the row: (its NDJSON line, its CSV line).
    pub(super) fn end(&mut self) -> (&[u8], &[u8]) {
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

    /// A string column; `None` is written `""`.
    pub(super) fn text(&mut self, column: &'static str, value: Option<&str>) {
        self.next(column);
        let value = value.unwrap_or("");
        string(&mut self.json, value);
        csv_cell(&mut self.csv, value.as_bytes());
    }

    /// A string column holding a whole number, `""` when there is none.
    pub(super) fn number_text(&mut self, column: &'static str, value: Option<i64>) {
        self.next(column);
        self.json.push(b'"');
        if let Some(value) = value {
            integer(&mut self.json, value);
            integer(&mut self.csv, value);
        }
        self.json.push(b'"');
    }

    pub(super) fn time(&mut self, column: &'static str, time: Timestamp) {
        self.next(column);
        write_seven_digits(&mut self.json, time, "Z");
        write_portal_csv(&mut self.csv, time);
    }

    pub(super) fn int(&mut self, column: &'static str, value: i64) {
        self.next(column);
        integer(&mut self.json, value);
        integer(&mut self.csv, value);
    }

    /// A bool column: `null` in JSON and an empty CSV cell when there is none.
    pub(super) fn flag(&mut self, column: &'static str, value: Option<bool>) {
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

    /// A JSON column whose text `write` appends (nothing when the record lacks the
    /// property). The text is written once and copied to both lines.
    pub(super) fn json(
        &mut self,
        column: &'static str,
        kind: Json,
        write: impl FnOnce(&mut Vec<u8>),
    ) {
        self.next(column);
        self.value.clear();
        write(&mut self.value);
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

    /// [`Row::json`] of a value serde_json writes, if the record has it.
    pub(super) fn serde<T: Serialize + ?Sized>(
        &mut self,
        column: &'static str,
        kind: Json,
        value: Option<&T>,
    ) {
        self.json(column, kind, |out| {
            if let Some(value) = value {
                serde_json::to_writer(out, value).expect("writing to memory cannot fail");
            }
        });
    }
}

/// RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled.
pub(in crate::export) fn csv_cell(out: &mut Vec<u8>, value: &[u8]) {
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
