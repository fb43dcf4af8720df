//! The fast path of the JSON reader: lines that hold one whole record (or one diagnostic-settings
//! envelope of them), as NDJSON, Graph, Event Hub exports are written, deserialised straight
//! into [`SignIn`]s (no `serde_json::Value` per record), on every core, in file order.
//!
//! Log Analytics sign-in rows (`SigninLogs.ndjson`, ...) are read the same way, in the
//! exporter's column spelling ([`log_analytics`]).
//!
//! A line is taken here only when it is in the exact form the general path would keep as it
//! is (Graph's key spelling, no unknown properties, no envelope value to fill a gap); any other
//! line gives `None` and is read by the general path (`json::Scanner::whole_line` and the byte
//! scanner), so what is read, and every error, stay the same. Lines in other forms (directory
//! audits, Log Analytics audit rows, other categories, other spellings) that are whole JSON objects
//! are read through a `serde_json::Value` as the scanner would, but decoded ahead on every core
//! too.

mod ahead;
mod event_hub;
mod intern;
mod lists;
mod log_analytics;
mod strict;
mod text;
mod wire;

pub(crate) use ahead::{Ahead, Tuning};

use super::Shape;
use super::convert::{Converted, convert_object, envelope_key};
use crate::graph::{Record, SignIn, Text};
use serde_json::{Map, Value};
use std::sync::OnceLock;
use wire::{Diagnostic, WireSignIn};

/// Where a line stands in the file: what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// At the top level: a record or an envelope of records.
    TopLevel,
    /// An element of an open array of records (a Graph page's `value`).
    Element,
}

/// A record decoded, with the tenant its envelope or row names.
pub(crate) type Tenanted = (Option<Text>, Converted);

/// The records of one line: most lines hold one, which then costs no list of its own (an
/// allocation and a free per line, on two threads, were a few percent of the NDJSON reader).
pub(crate) enum Decoded {
    One(Tenanted),
    Many(Vec<Tenanted>),
}

impl IntoIterator for Decoded {
    type Item = Tenanted;
    type IntoIter = Records;

    fn into_iter(self) -> Records {
        match self {
            Decoded::One(one) => Records::One(Some(one)),
            Decoded::Many(many) => Records::Many(many.into_iter()),
        }
    }
}

/// The records of a [`Decoded`] line, in order.
pub(crate) enum Records {
    One(Option<Tenanted>),
    Many(std::vec::IntoIter<Tenanted>),
}

impl Iterator for Records {
    type Item = Tenanted;

    fn next(&mut self) -> Option<Tenanted> {
        match self {
            Records::One(one) => one.take(),
            Records::Many(many) => many.next(),
        }
    }
}

/// The JSON object a line holds, a trailing comma and blanks aside, and where the line ends
/// (the offset of its `\n` in `rest`); `None` when `rest` does not start with `{` or the line
/// is not complete in it, or does not end with `}`.
pub(crate) fn line_object(rest: &[u8]) -> Option<(usize, &[u8])> {
    if rest.first() != Some(&b'{') {
        return None;
    }
    let end = memchr_newline(rest)?;
    object_of_line(&rest[..end]).map(|line| (end, line))
}

/// The JSON object a line (without its `\n`) holds, as [`line_object`] finds it.
pub(super) fn object_of_line(line: &[u8]) -> Option<&[u8]> {
    if line.first() != Some(&b'{') {
        return None;
    }
    let mut line = line.trim_ascii_end();
    if let Some(before_comma) = line.strip_suffix(b",") {
        line = before_comma.trim_ascii_end();
    }
    (line.last() == Some(&b'}')).then_some(line)
}

/// Lines are found with SIMD (`memchr`): a byte-at-a-time search was a third of the reading
/// time, each line being searched three times (here, by the run, and by the scanner).
fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

/// The records of one line's object, if a whole-line path can take it: typed when it is in
/// the exports' own form, else through a `serde_json::Value` as `json::Scanner::whole_line`
/// would, so that also runs on every core. `None` when a record of it does not convert: the
/// scanner reads it again to say why and where.
pub(crate) fn decode(object: &[u8], context: Context) -> Option<Decoded> {
    decode_typed(object, context).or_else(|| decode_general(object, context))
}

fn sign_in(tenant: Option<Text>, sign_in: Box<SignIn>, shape: Shape) -> Tenanted {
    (tenant, Converted::Record(Record::SignIn(sign_in), shape))
}

/// The typed path: sign-ins in Graph's form, alone or in a diagnostic-settings envelope, and
/// Log Analytics sign-in rows as the exporter writes them.
pub(crate) fn decode_typed(object: &[u8], context: Context) -> Option<Decoded> {
    if context == Context::TopLevel && object.starts_with(br#"{"records":"#) {
        let envelope: event_hub::WireEnvelope = strict::from_slice(object).ok()?;
        return Some(Decoded::Many(envelope.records.0));
    }
    if log_analytics::is_row(object) {
        return log_analytics::decode(object).map(Decoded::One);
    }
    let record: Box<WireSignIn> = strict::from_slice(object).ok()?;
    let tenant = event_hub::tenant(None, record.resource_id.as_ref().map(|r| &*r.0));
    let s = record.into_sign_in(&Diagnostic::default())?;
    Some(Decoded::One(sign_in(tenant, s, Shape::GraphJson)))
}

/// What `Reader::accept` makes of a record object, or `whole_envelope` of a top-level
/// envelope, when every record converts.
fn decode_general(object: &[u8], context: Context) -> Option<Decoded> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(object) else {
        return None;
    };
    if envelope_arrays(&object) > 0 {
        return match context {
            Context::TopLevel => envelope_records(object),
            // Read by `Reader::accept`, which takes an envelope's records one by one.
            Context::Element => None,
        };
    }
    let tenant = super::envelope_tenant_id(&object).map(Text::from);
    convert_object(object)
        .ok()
        .map(|c| Decoded::One((tenant, c)))
}

/// How many arrays of records (`value`, `records`) an object holds.
pub(crate) fn envelope_arrays(object: &Map<String, Value>) -> usize {
    object
        .iter()
        .filter(|(k, v)| envelope_key(k) && v.is_array())
        .count()
}

/// The records of an envelope, when it has one array of them and every one is a record
/// that converts.
pub(crate) fn envelope_records(mut object: Map<String, Value>) -> Option<Decoded> {
    if envelope_arrays(&object) != 1 {
        return None;
    }
    let key = object
        .iter()
        .find(|(k, v)| envelope_key(k) && v.is_array())
        .map(|(k, _)| k.clone());
    let Some(Value::Array(items)) = key.and_then(|k| object.remove(&k)) else {
        return None;
    };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(record) = item else {
                return None;
            };
            if envelope_arrays(&record) > 0 {
                return None;
            }
            let tenant = super::envelope_tenant_id(&record).map(Text::from);
            convert_object(record).ok().map(|c| (tenant, c))
        })
        .collect::<Option<Vec<_>>>()
        .map(Decoded::Many)
}

/// The threads that decode: one a core, at most 8.
pub(super) fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get().min(8))
            .unwrap_or(1)
    })
}
