//! One table written twice: `<Table>.ndjson` (JSON lines) and `<Table>.csv` (a portal
//! export), cell by cell.

use super::{Cell, SIGN_IN_COLUMNS};
use crate::export::output::OutputFile;
use crate::export::sign_in_logs::SignInLog;
use crate::export::timefmt::{portal_csv, seven_digits};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One table's two files.
pub(super) struct Table {
    json: OutputFile,
    csv: OutputFile,
    /// Dynamic columns are strings holding JSON (the non-interactive table).
    dynamic_as_string: bool,
}

impl Table {
    pub(super) fn sign_ins(dir: &Path, log: SignInLog) -> io::Result<Self> {
        Table::create(dir, log.table(), SIGN_IN_COLUMNS, log.dynamic_as_string())
    }

    pub(super) fn create(
        dir: &Path,
        table: &str,
        columns: &[&str],
        dynamic_as_string: bool,
    ) -> io::Result<Self> {
        let json = OutputFile::create(dir, &format!("{table}.ndjson"))?;
        let mut csv = OutputFile::create(dir, &format!("{table}.csv"))?;
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                csv.write_all(b",")?;
            }
            write_csv_cell(&mut csv, column)?;
        }
        csv.write_all(b"\r\n")?;
        Ok(Table {
            json,
            csv,
            dynamic_as_string,
        })
    }

    pub(super) fn push(&mut self, row: &[(&'static str, Cell<'_>)]) -> io::Result<()> {
        self.write_json(row)?;
        self.write_csv(row)
    }

    fn write_json(&mut self, row: &[(&'static str, Cell<'_>)]) -> io::Result<()> {
        let out = self.json.writer();
        out.write_all(b"{")?;
        for (i, (column, cell)) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write_json_string(out, column)?;
            out.write_all(b":")?;
            match cell {
                Cell::Text(value) => write_json_string(out, value.unwrap_or(""))?,
                Cell::Owned(value) => write_json_string(out, value)?,
                Cell::Time(time) => write_json_string(out, &seven_digits(*time, "Z"))?,
                Cell::Int(value) => write!(out, "{value}")?,
                Cell::Bool(Some(value)) => write!(out, "{value}")?,
                Cell::Bool(None) => out.write_all(b"null")?,
                // A property the record does not have.
                Cell::Dynamic(text) if text.is_empty() => out.write_all(b"null")?,
                Cell::Dynamic(text) if !self.dynamic_as_string => out.write_all(text.as_bytes())?,
                Cell::Dynamic(text) | Cell::JsonText(text) => write_json_string(out, text)?,
            }
        }
        out.write_all(b"}\n")
    }

    fn write_csv(&mut self, row: &[(&'static str, Cell<'_>)]) -> io::Result<()> {
        let out = self.csv.writer();
        for (i, (_, cell)) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            match cell {
                Cell::Text(value) => write_csv_cell(out, value.unwrap_or(""))?,
                Cell::Owned(value) | Cell::Dynamic(value) | Cell::JsonText(value) => {
                    write_csv_cell(out, value)?
                }
                Cell::Time(time) => write_csv_cell(out, &portal_csv(*time))?,
                Cell::Int(value) => write!(out, "{value}")?,
                Cell::Bool(Some(value)) => write!(out, "{value}")?,
                Cell::Bool(None) => {}
            }
        }
        out.write_all(b"\r\n")
    }

    pub(super) fn finish(self) -> io::Result<Vec<PathBuf>> {
        Ok(vec![self.json.commit()?, self.csv.commit()?])
    }
}

fn write_json_string(out: &mut impl Write, value: &str) -> io::Result<()> {
    serde_json::to_writer(out, value).map_err(io::Error::other)
}

/// RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled.
pub(in crate::export) fn write_csv_cell(out: &mut impl Write, value: &str) -> io::Result<()> {
    if value.contains([',', '"', '\r', '\n']) {
        out.write_all(b"\"")?;
        let mut rest = value;
        while let Some(at) = rest.find('"') {
            out.write_all(&rest.as_bytes()[..=at])?;
            out.write_all(b"\"")?;
            rest = &rest[at + 1..];
        }
        out.write_all(rest.as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(value.as_bytes())
    }
}
