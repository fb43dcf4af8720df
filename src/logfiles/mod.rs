//! Reading Entra ID log files back into Graph records, whatever their shape.
//!
//! [`read_path`] detects, per file and per record:
//!
//! - **Graph JSON** as downloaded or paged: a collection response `{"value":[...]}` (with
//!   `@odata.context` / `@odata.nextLink` or not), a bare array of records, several pages
//!   concatenated (a file of several envelopes, with or without commas or newlines between),
//!   newline-delimited records or envelopes.
//! - **Diagnostic-settings / Event Hub** exports: `{"records":[...]}` envelopes (one or many,
//!   one per line or not), or bare records (`time`, `category`, `properties`, ...) one per
//!   line as stream dumps hold them. Categories other than sign-ins and `AuditLogs`
//!   (`ProvisioningLogs`, `RiskyUsers`, ...) are skipped and counted
//!   ([`ReadSummary::skipped`]).
//! - **Log Analytics** rows of `SigninLogs` (and the other sign-in tables) and `AuditLogs`:
//!   a JSON array, JSON lines, or a CSV export (header row; dynamic columns as JSON text;
//!   header names compared without case and without ` [UTC]` or custom-table suffixes such as
//!   `_dynamic`, `_s`). Rows of other tables (by `Type`) are skipped and counted.
//!
//! Every record becomes a [`graph::SignIn`](crate::graph::SignIn) or a
//! [`graph::DirectoryAudit`](crate::graph::DirectoryAudit): the Graph record of an Event Hub
//! record is its `properties`, with the envelope filling in what they lack (`time`,
//! `resultType`, `callerIpAddress`, ...); a Log Analytics row is mapped back column by column
//! (the reverse of [`crate::export::loganalytics`]). Timestamps are read in every spelling
//! real exports use ([`parse_timestamp`]). Keys whose case differs from Graph's (`errorcode`)
//! are fixed; an audit `result` given as the enum's number (`0`) becomes its name; a sign-in
//! `errorCode` given as a string becomes a number.
//!
//! Files may be UTF-8 (with or without a BOM) or UTF-16 (as Windows PowerShell 5 writes them).
//! Records are read one at a time and handed over as they come ([`read_path_with`]): memory is
//! bounded by the largest item, i.e. one record, one CSV row, or one envelope when envelopes
//! are themselves elements of an array; never the whole file. Errors name the file, the line
//! and column, and the record's number where there is one, and say what was expected. No
//! input makes a reader panic.

mod blocks;
mod convert;
mod csv;
mod fast;
#[cfg(test)]
mod fast_log_analytics_tests;
#[cfg(test)]
mod fast_tests;
mod json;
mod mapped;
#[cfg(test)]
mod skip_tests;
mod source;
mod time;
mod until;
#[cfg(test)]
mod whole_line_tests;

pub use convert::RiskItem;
pub use time::parse_timestamp;

use crate::graph::{Record, Timestamp};
use convert::Converted;
use fast::Tuning;
use serde_json::Value;
use source::{Cursor, Pos};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
pub use until::read_path_until;

/// The shape a record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// A Graph `signIn` / `directoryAudit`.
    GraphJson,
    /// A diagnostic-settings (Event Hub, storage account) record.
    EventHub,
    /// A Log Analytics row in JSON.
    LogAnalyticsJson,
    /// A Log Analytics row in CSV.
    LogAnalyticsCsv,
}

/// What a file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSummary {
    pub sign_ins: usize,
    pub audits: usize,
    /// Records of other logs, by category or table name, which were skipped.
    pub skipped: BTreeMap<String, usize>,
    /// The shapes the records came in.
    pub shapes: BTreeSet<Shape>,
    /// Records that could not be read and were skipped ([`read_path_skipping_bad`] only).
    pub bad_records: usize,
    /// The Entra tenant ids the envelopes and rows name ([`envelope_tenant_id`]).
    pub tenant_ids: BTreeSet<String>,
    /// The ID Protection records (`UserRiskEvents`, `RiskyUsers`, `AADUserRiskEvents`,
    /// `AADRiskyUsers`, or Graph's own), in file order. Kept: they are few beside the logs (a
    /// detection or a risk change, not every sign-in).
    pub risk: Vec<RiskItem>,
}

/// What kind of problem a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file cannot be opened or read.
    Io,
    /// Not JSON or CSV where it should be.
    Syntax,
    /// Well-formed, but a record is not a sign-in, audit, Event Hub record or Log Analytics
    /// row, or one of its fields is wrong.
    Record,
    /// A stream's broker (`kafka://...`) cannot be reached: the input may be fine.
    Unreachable,
}

/// A log file that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LogFileError {
    pub path: PathBuf,
    /// 1-based; for a record, where it starts.
    pub line: Option<u64>,
    /// 1-based, in bytes.
    pub column: Option<u64>,
    /// The 1-based number of the record in the file (envelopes not counted).
    pub record: Option<u64>,
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for LogFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(record) = self.record {
            write!(f, "record {record}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Reads every record of a log file, in file order.
pub fn read_path(path: impl AsRef<Path>) -> Result<Vec<Record>, LogFileError> {
    let mut records = Vec::new();
    read_path_with(path, |record| records.push(record))?;
    Ok(records)
}

/// Reads a log file record by record, handing each to `emit` in file order.
pub fn read_path_with(
    path: impl AsRef<Path>,
    mut emit: impl FnMut(Record),
) -> Result<ReadSummary, LogFileError> {
    read_path_with_tenants(path, |record, _| emit(record))
}

/// [`read_path_with`], handing over with each record the tenant its Event Hub envelope or Log
/// Analytics row names (`tenantId`, the tenant of `resourceId`, `AADTenantId`), if any.
pub fn read_path_with_tenants(
    path: impl AsRef<Path>,
    mut emit: impl FnMut(Record, Option<&str>),
) -> Result<ReadSummary, LogFileError> {
    let path = path.as_ref();
    let file = open(path)?;
    read_file(path, file, &mut emit, None, None)
}

fn open(path: &Path) -> Result<File, LogFileError> {
    let io_error = |message: String| LogFileError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        record: None,
        kind: ErrorKind::Io,
        message,
    };
    if path.is_dir() {
        return Err(io_error("is a folder; name a log file".into()));
    }
    File::open(path).map_err(|e| io_error(format!("cannot open: {e}")))
}

/// Reads a log file like [`read_path_with`], except that a record that cannot be read is handed
/// to `skipped` and reading goes on with the next one ([`ReadSummary::bad_records`] counts
/// them). A bad record is one with a wrong field, a line of broken JSON, one cut short (the next
/// line starts a new record, or the file ends inside it), a line that is not JSON at all between
/// records, or a CSV row of the wrong width or with a stray quote. A file that cannot be read, a
/// CSV header that is not a log's, a quoted CSV cell never closed, or an envelope left open
/// after its last whole record still fail: there is no next record to go on with.
pub fn read_path_skipping_bad(
    path: impl AsRef<Path>,
    mut emit: impl FnMut(Record),
    mut skipped: impl FnMut(LogFileError),
) -> Result<ReadSummary, LogFileError> {
    let path = path.as_ref();
    let file = open(path)?;
    read_file(
        path,
        file,
        &mut |record, _| emit(record),
        Some(&mut skipped),
        None,
    )
}

/// A file opened by name: read from its mapped pages when it is a regular file
/// ([`mapped`]), else (a pipe, a device, a file that cannot be mapped) with `read(2)`. With
/// `stop`, the input fails once it is set ([`until`]).
fn read_file<'e>(
    path: &Path,
    file: File,
    emit: &'e mut dyn FnMut(Record, Option<&str>),
    skip: Option<&'e mut dyn FnMut(LogFileError)>,
    stop: Option<until::Stop>,
) -> Result<ReadSummary, LogFileError> {
    match mapped::Mapped::open(&file) {
        Some(mapped) => read_with(
            path,
            || Cursor::mapped(mapped.stop_when(stop)),
            emit,
            skip,
            true,
            Tuning::default(),
        ),
        None => read_any(path, until::Stoppable::new(file, stop), emit, skip),
    }
}

/// [`read_path_skipping_bad`] over any input; `name` is the file name errors give.
pub fn read_from_skipping_bad(
    name: impl AsRef<Path>,
    input: impl Read,
    mut emit: impl FnMut(Record),
    mut skipped: impl FnMut(LogFileError),
) -> Result<ReadSummary, LogFileError> {
    read_any(
        name.as_ref(),
        input,
        &mut |record, _| emit(record),
        Some(&mut skipped),
    )
}

/// [`read_from`] (or [`read_from_skipping_bad`] with `skipped`), handing over with each record
/// the tenant its envelope or row names, as [`read_path_with_tenants`] does.
pub fn read_from_with_tenants<'e>(
    name: impl AsRef<Path>,
    input: impl Read,
    emit: &'e mut dyn FnMut(Record, Option<&str>),
    skipped: Option<&'e mut dyn FnMut(LogFileError)>,
) -> Result<ReadSummary, LogFileError> {
    read_any(name.as_ref(), input, emit, skipped)
}

/// Reads log records from `input`; `name` is the file name errors give.
pub fn read_from(
    name: impl AsRef<Path>,
    input: impl Read,
    mut emit: impl FnMut(Record),
) -> Result<ReadSummary, LogFileError> {
    read_any(name.as_ref(), input, &mut |record, _| emit(record), None)
}

/// [`read_from`] without the typed fast path, every record through a `serde_json::Value`: what
/// the fast path is compared with, in tests and `bench/readers.rs`. Not for other use.
#[doc(hidden)]
pub fn read_from_general_path(
    name: impl AsRef<Path>,
    input: impl Read,
    mut emit: impl FnMut(Record),
) -> Result<ReadSummary, LogFileError> {
    read_with(
        name.as_ref(),
        || Cursor::new(input),
        &mut |record, _| emit(record),
        None,
        false,
        Tuning::default(),
    )
}

/// [`read_from`] with the fast path cut and decoded in other sizes: tests cross block and job
/// boundaries with little data.
#[cfg(test)]
pub(crate) fn read_from_tuned(
    name: impl AsRef<Path>,
    input: impl Read,
    mut emit: impl FnMut(Record),
    tuning: Tuning,
) -> Result<ReadSummary, LogFileError> {
    read_with(
        name.as_ref(),
        || Cursor::new(input),
        &mut |record, _| emit(record),
        None,
        true,
        tuning,
    )
}

/// [`read_from_tuned`] over a regular file's mapped pages; `None` when it is not mapped (it is
/// empty).
#[cfg(test)]
pub(crate) fn read_mapped_tuned(
    name: impl AsRef<Path>,
    file: &File,
    mut emit: impl FnMut(Record),
    tuning: Tuning,
) -> Option<Result<ReadSummary, LogFileError>> {
    let mapped = mapped::Mapped::open(file)?;
    Some(read_with(
        name.as_ref(),
        || Cursor::mapped(mapped),
        &mut |record, _| emit(record),
        None,
        true,
        tuning,
    ))
}

fn read_any<'e>(
    name: &Path,
    input: impl Read,
    emit: &'e mut dyn FnMut(Record, Option<&str>),
    skip: Option<&'e mut dyn FnMut(LogFileError)>,
) -> Result<ReadSummary, LogFileError> {
    read_with(
        name,
        || Cursor::new(input),
        emit,
        skip,
        true,
        Tuning::default(),
    )
}

fn read_with<'a, 'e>(
    name: &Path,
    cursor: impl FnOnce() -> io::Result<Cursor<'a>>,
    emit: &'e mut dyn FnMut(Record, Option<&str>),
    skip: Option<&'e mut dyn FnMut(LogFileError)>,
    fast: bool,
    tuning: Tuning,
) -> Result<ReadSummary, LogFileError> {
    let mut reader = Reader {
        path: name.to_path_buf(),
        index: 0,
        summary: ReadSummary::default(),
        emit,
        skip,
        fast,
        tuning,
    };
    let mut cursor = cursor().map_err(|e| reader.io_error(&e, Pos::default()))?;
    let first = loop {
        match cursor.peek() {
            Ok(Some(b' ' | b'\t' | b'\r' | b'\n')) => {
                let _ = cursor.next_byte();
            }
            Ok(other) => break other,
            Err(e) => return Err(reader.io_error(&e, cursor.last)),
        }
    };
    match first {
        None => {}
        Some(b'{' | b'[') => json::read_json(&mut cursor, &mut reader)?,
        Some(_) => csv::read_csv(&mut cursor, &mut reader)?,
    }
    Ok(reader.summary)
}

/// Puts records read from one file oldest first: Graph collections list the newest first,
/// exported streams the oldest; which one a file is is decided by its first two records that
/// differ in time. Records of one instant keep the order they happened in.
pub fn make_oldest_first(records: &mut [Record]) {
    make_oldest_first_by(records, Record::time);
}

/// [`make_oldest_first`] for items that hold a record, timed by `time`.
pub fn make_oldest_first_by<T>(records: &mut [T], time: impl Fn(&T) -> Timestamp) {
    let newest_first = records
        .windows(2)
        .map(|w| time(&w[0]).cmp(&time(&w[1])))
        .find(|o| o.is_ne())
        == Some(std::cmp::Ordering::Greater);
    if newest_first {
        records.reverse();
    }
}

/// The tenant a record is labelled with where a table or an envelope needs one (`query --logs`,
/// `detect --logs`): the one its Event Hub envelope or Log Analytics row names (`named`, as
/// [`read_path_with_tenants`] hands it over), else its sign-in's own (resource, else home
/// tenant). `None` for a record that names none (a Graph audit): the caller falls back to the
/// first tenant its files name.
pub fn record_tenant<'a>(record: &'a Record, named: Option<&'a str>) -> Option<&'a str> {
    named.or_else(|| match record {
        Record::SignIn(s) => s
            .resource_tenant_id
            .as_deref()
            .or(s.home_tenant_id.as_deref()),
        Record::Audit(_) => None,
    })
}

/// The Entra tenant a diagnostic-settings record (`tenantId`, else the `/tenants/<id>/` of
/// `resourceId`) or a Log Analytics row (`AADTenantId`, else `ResourceId`) belongs to. A row's
/// `TenantId` is its Log Analytics workspace, not the Entra tenant, and is not read; Graph
/// records name no tenant of their own.
pub fn envelope_tenant_id(object: &serde_json::Map<String, Value>) -> Option<String> {
    let text = |key: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let from_resource = || text("resourceId").and_then(tenant_of_resource_id);
    let tenant = if object.keys().any(|k| k.eq_ignore_ascii_case("properties")) {
        text("tenantId").or_else(from_resource)
    } else {
        text("AADTenantId").or_else(from_resource)
    };
    tenant.map(str::to_string)
}

/// The tenant of a diagnostic `resourceId`, `/tenants/<id>/providers/...`, whatever its case
/// (ID Protection's records write `microsoft.aadiam`, Graph activity logs `/TENANTS/.../
/// PROVIDERS/MICROSOFT.AADIAM`).
pub(crate) fn tenant_of_resource_id(resource_id: &str) -> Option<&str> {
    const PREFIX: &str = "/tenants/";
    let head = resource_id.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    resource_id[PREFIX.len()..]
        .split('/')
        .next()
        .filter(|t| !t.is_empty())
}

/// Reads every record of an in-memory log file.
pub fn read_slice(name: impl AsRef<Path>, bytes: &[u8]) -> Result<Vec<Record>, LogFileError> {
    let mut records = Vec::new();
    read_from(name, bytes, |record| records.push(record))?;
    Ok(records)
}

/// The state of one file being read.
pub(crate) struct Reader<'e> {
    path: PathBuf,
    /// Records seen so far.
    index: u64,
    summary: ReadSummary,
    emit: &'e mut dyn FnMut(Record, Option<&str>),
    /// Where bad records go when they are skipped; `None`: the first one fails the file.
    skip: Option<&'e mut dyn FnMut(LogFileError)>,
    /// Lines in the common shapes are read by the typed fast path ([`fast`]); `false` only to
    /// compare it with the general one.
    fast: bool,
    tuning: Tuning,
}

impl Reader<'_> {
    fn skipping(&self) -> bool {
        self.skip.is_some()
    }

    /// A record that cannot be read: skipped (reported, counted) when skipping, else the error.
    /// A file that cannot be read is never skipped.
    fn bad_record(&mut self, e: LogFileError) -> Result<(), LogFileError> {
        match &mut self.skip {
            Some(skipped) if e.kind != ErrorKind::Io => {
                self.summary.bad_records += 1;
                skipped(e);
                Ok(())
            }
            _ => Err(e),
        }
    }

    /// Like [`Reader::bad_record`] for a problem found before the record was counted (broken
    /// JSON, a record cut short): it becomes the next record, so the report names its number.
    fn bad_item(&mut self, mut e: LogFileError) -> Result<(), LogFileError> {
        if self.skipping() && e.kind != ErrorKind::Io {
            self.index += 1;
            e.record = Some(self.index);
        }
        self.bad_record(e)
    }

    fn error(
        &self,
        at: Pos,
        record: Option<u64>,
        kind: ErrorKind,
        message: String,
    ) -> LogFileError {
        let known = at.line > 0;
        LogFileError {
            path: self.path.clone(),
            line: known.then_some(at.line),
            column: known.then_some(at.column),
            record,
            kind,
            message,
        }
    }

    fn io_error(&self, e: &io::Error, at: Pos) -> LogFileError {
        self.error(at, None, ErrorKind::Io, format!("cannot read: {e}"))
    }

    fn syntax_error(&self, at: Pos, message: String) -> LogFileError {
        self.error(at, None, ErrorKind::Syntax, message)
    }

    /// An error in the current record.
    fn record_error(&self, at: Pos, message: String) -> LogFileError {
        self.error(at, Some(self.index), ErrorKind::Record, message)
    }

    fn json_error(&self, e: &serde_json::Error, at: Pos) -> LogFileError {
        let mut message = e.to_string();
        if e.line() > 0 {
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
        }
        match e.classify() {
            serde_json::error::Category::Io => {
                self.error(at, None, ErrorKind::Io, format!("cannot read: {message}"))
            }
            serde_json::error::Category::Eof => self.syntax_error(
                at,
                format!("the file ends inside a JSON value (cut short?): {message}"),
            ),
            _ => self.syntax_error(at, format!("invalid JSON: {message}")),
        }
    }

    /// One JSON value found where a record, an envelope or an array of them belongs.
    fn accept(&mut self, value: Value, at: Pos) -> Result<(), LogFileError> {
        match value {
            Value::Object(object) => {
                let envelope = object
                    .iter()
                    .find(|(k, v)| convert::envelope_key(k) && v.is_array())
                    .map(|(k, _)| k.clone());
                match envelope.and_then(|key| object.get(&key).cloned()) {
                    Some(Value::Array(items)) => {
                        items.into_iter().try_for_each(|item| self.accept(item, at))
                    }
                    _ => {
                        let tenant = envelope_tenant_id(&object);
                        self.next_record(at, tenant.as_deref(), convert::convert_object(object))
                    }
                }
            }
            Value::Array(items) => items.into_iter().try_for_each(|item| self.accept(item, at)),
            other => self.next_record(
                at,
                None,
                Err(format!(
                    "expected a record (a JSON object), found {}",
                    convert::describe(&other)
                )),
            ),
        }
    }

    fn accept_csv_row(
        &mut self,
        row: serde_json::Map<String, Value>,
        at: Pos,
    ) -> Result<(), LogFileError> {
        let tenant = envelope_tenant_id(&row);
        self.next_record(at, tenant.as_deref(), convert::convert_csv_row(row))
    }

    /// The next record of the file, at `at`: taken, or why it cannot be; `tenant` is the one
    /// its envelope or row named.
    fn next_record(
        &mut self,
        at: Pos,
        tenant: Option<&str>,
        converted: Result<Converted, String>,
    ) -> Result<(), LogFileError> {
        self.index += 1;
        match converted {
            Ok(converted) => {
                self.take(converted, tenant);
                Ok(())
            }
            Err(message) => {
                let e = self.record_error(at, message);
                self.bad_record(e)
            }
        }
    }

    /// Counts and hands over a converted record; `tenant` is the one its envelope or row
    /// named (kept for sign-ins, audits and ID Protection's records, not for skipped logs).
    fn take(&mut self, converted: Converted, tenant: Option<&str>) {
        // Looked up before it is copied: every record of a file names the same one.
        if let Some(tenant) = tenant
            && !matches!(converted, Converted::Skipped(_))
            && !self.summary.tenant_ids.contains(tenant)
        {
            self.summary.tenant_ids.insert(tenant.to_string());
        }
        match converted {
            Converted::Record(record, shape) => {
                match &record {
                    Record::SignIn(_) => self.summary.sign_ins += 1,
                    Record::Audit(_) => self.summary.audits += 1,
                }
                self.summary.shapes.insert(shape);
                (self.emit)(record, tenant);
            }
            Converted::Skipped(what) => *self.summary.skipped.entry(what).or_default() += 1,
            Converted::Risk(item) => self.summary.risk.push(*item),
        }
    }
}

#[cfg(test)]
mod tests;
