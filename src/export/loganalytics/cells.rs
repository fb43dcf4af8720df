//! What a row is made of, cell by cell, in column order. `write_sign_in` and `write_audit`
//! walk a record's columns once into a [`Cells`]; the export's [`super::row::Row`] writes
//! them as NDJSON and CSV bytes, [`super::values::RowValues`] as the `serde_json` values of
//! `row_json` (the query engine and the Sentinel rules, a row at a time), so that the two
//! cannot disagree on the columns and neither has to read the other's output back.

use crate::graph::Timestamp;
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

/// The cells of one row, given in the order of its table's columns.
pub(super) trait Cells {
    /// A string column; `None` is `""`.
    fn text(&mut self, column: &'static str, value: Option<&str>);

    /// A string column holding a whole number, `""` when there is none.
    fn number_text(&mut self, column: &'static str, value: Option<i64>);

    /// A datetime column.
    fn time(&mut self, column: &'static str, time: Timestamp);

    fn int(&mut self, column: &'static str, value: i64);

    /// A bool column, `null` when there is none.
    fn flag(&mut self, column: &'static str, value: Option<bool>);

    /// A JSON column holding `value` (`None` when the record lacks the property). `write`
    /// appends the JSON text of a value exactly as serde_json writes it, only faster: the
    /// byte writer uses it, the value builder may take `value`'s `Serialize` instead.
    fn json<T: Serialize + ?Sized>(
        &mut self,
        column: &'static str,
        kind: Json,
        value: Option<&T>,
        write: impl FnOnce(&mut Vec<u8>, &T),
    );

    /// [`Cells::json`] of a value serde_json writes itself.
    fn serde<T: Serialize + ?Sized>(
        &mut self,
        column: &'static str,
        kind: Json,
        value: Option<&T>,
    ) {
        self.json(column, kind, value, |out, value| {
            serde_json::to_writer(out, value).expect("writing to memory cannot fail");
        });
    }
}
