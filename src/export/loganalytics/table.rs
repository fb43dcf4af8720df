//! One table written twice: `<Table>.ndjson` (JSON lines) and `<Table>.csv` (a portal
//! export), a row at a time.

use super::row::{Row, csv_cell};
use super::{Context, SIGN_IN_COLUMNS};
use crate::export::output::OutputFile;
use crate::export::sign_in_logs::SignInLog;
use crate::graph::Record;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One table's two files.
pub(super) struct Table {
    json: OutputFile,
    csv: OutputFile,
    row: Row,
}

impl Table {
    pub(super) fn sign_ins(dir: &Path, log: SignInLog) -> io::Result<Self> {
        Table::create(dir, log.table(), SIGN_IN_COLUMNS, log.dynamic_as_string())
    }

    pub(super) fn create(
        dir: &Path,
        table: &str,
        columns: &'static [&'static str],
        dynamic_as_string: bool,
    ) -> io::Result<Self> {
        let json = OutputFile::create(dir, &format!("{table}.ndjson"))?;
        let mut csv = OutputFile::create(dir, &format!("{table}.csv"))?;
        let mut header = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                header.push(b',');
            }
            csv_cell(&mut header, column.as_bytes());
        }
        header.extend_from_slice(b"\r\n");
        csv.write_all(&header)?;
        Ok(Table {
            json,
            csv,
            row: Row::new(columns, dynamic_as_string),
        })
    }

    pub(super) fn push(&mut self, record: &Record, ctx: &Context) -> io::Result<()> {
        self.push_with(|row| row.write(record, ctx))
    }

    /// Appends the row `write` writes into the table's `Row`.
    pub(super) fn push_with(
        &mut self,
        write: impl FnOnce(&mut Row) -> (&[u8], &[u8]),
    ) -> io::Result<()> {
        let (json, csv) = write(&mut self.row);
        self.json.write_all(json)?;
        self.csv.write_all(csv)
    }

    pub(super) fn finish(self) -> io::Result<Vec<PathBuf>> {
        Ok(vec![self.json.commit()?, self.csv.commit()?])
    }
}
