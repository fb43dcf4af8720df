//! JSON log files, streamed: a document is one or more top-level values (concatenated,
//! newline-delimited, or separated by commas), each an object or an array.
//!
//! A scanner walks the bytes once, tracking strings and nesting, and cuts the file into items
//! that are parsed one at a time with serde_json: each element of a top-level array, each
//! element of the array under a top-level object's `value` (Graph page) or `records`
//! (diagnostic-settings envelope), and every other top-level object whole. Memory is bounded
//! by the largest item (a record, or an envelope inside an array), not by the file.
//!
//! Lenient where real files are sloppy: a trailing comma before `]` or `}` (the Graph docs'
//! own `signin-list.md` example has one) is dropped.
//!
//! When bad records are skipped ([`super::read_path_skipping_bad`]), an item that is not valid
//! JSON is skipped whole, and a break in the structure (a line that ends inside a string, a
//! bracket that closes the wrong thing, text that is not JSON between records, a `{` at the
//! start of a line while a record is still open) skips to the next line, where reading goes on
//! at the same level: the next top-level record, or the next element of the open array. A `{`
//! in the first column inside a record is taken for a new record only then: pretty-printers
//! indent nested objects. A line break inside a string is refused where it is, in either mode:
//! valid JSON has none, and the record it breaks starts on that line.

use super::blocks::{Block, Blocks};
use super::convert::envelope_key;
use super::fast::{self, Ahead, Context, envelope_arrays};
use super::source::{Cursor, Pos};
use super::{ErrorKind, LogFileError, Reader};
use serde_json::Value;
use std::sync::Arc;

/// Deeper nesting is refused before it is parsed (serde_json refuses beyond 128 anyway).
const MAX_DEPTH: usize = 1024;

/// The bytes of one item, trailing commas dropped: a comma is held back until the next
/// significant byte shows it separates something (whitespace passes through, so lines keep
/// their numbers for error positions).
struct Capture {
    bytes: Vec<u8>,
    start: Pos,
    pending_comma: bool,
}

impl Capture {
    fn new(start: Pos) -> Self {
        Capture {
            bytes: Vec::new(),
            start,
            pending_comma: false,
        }
    }

    #[inline]
    fn push(&mut self, b: u8, in_string: bool) {
        if in_string {
            self.bytes.push(b);
            return;
        }
        match b {
            b',' => {
                if self.pending_comma {
                    self.bytes.push(b',');
                }
                self.pending_comma = true;
            }
            b' ' | b'\t' | b'\n' | b'\r' => self.bytes.push(b),
            b']' | b'}' => {
                self.pending_comma = false;
                self.bytes.push(b);
            }
            _ => {
                if std::mem::take(&mut self.pending_comma) {
                    self.bytes.push(b',');
                }
                self.bytes.push(b);
            }
        }
    }
}

/// Strings and nesting.
#[derive(Default)]
struct Lexer {
    stack: Vec<u8>,
    in_string: bool,
    escaped: bool,
}

impl Lexer {
    #[inline]
    fn track(&mut self, b: u8) -> Result<(), String> {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return Ok(());
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(format!("invalid JSON: nested more than {MAX_DEPTH} deep"));
                }
                self.stack.push(b);
            }
            b'}' | b']' => {
                let open = if b == b'}' { b'{' } else { b'[' };
                match self.stack.pop() {
                    Some(o) if o == open => {}
                    Some(o) => {
                        return Err(format!(
                            "invalid JSON: `{}` closes a `{}`",
                            b as char, o as char
                        ));
                    }
                    None => return Err(format!("invalid JSON: unexpected `{}`", b as char)),
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// An element of an array whose elements are items.
struct Item {
    capture: Capture,
    /// Not an object or array: ends at the next `,` or `]`.
    scalar: bool,
}

struct Scanner<'r, 'e> {
    reader: &'r mut Reader<'e>,
    /// The position of the next byte, and of the last one.
    pos: Pos,
    last: Pos,
    lexer: Lexer,
    /// The bytes of the top-level object being read (without a streamed array's elements).
    rest: Option<Capture>,
    /// Its `value`/`records` array was streamed.
    streamed: bool,
    /// Key tracking directly inside the top-level object.
    expect_key: bool,
    in_key: bool,
    key: Vec<u8>,
    envelope_key: bool,
    envelope_value: bool,
    /// The depth of the array whose elements are items: 1 for a top-level array, 2 for the
    /// array of an envelope.
    elements_depth: Option<usize>,
    item: Option<Item>,
    /// Skipping bad records: the rest of this line belongs to a broken one.
    skip_line: bool,
    /// The fast path's lines decoded ahead; `None` when it is off.
    ahead: Option<Ahead>,
}

/// What the line at a place where a record may start is to the whole-line paths.
enum Line {
    /// Taken whole: this many bytes.
    Taken(usize),
    /// Not for them (or not whole in its block): read byte by byte.
    NotTaken,
}

/// Reads the file in blocks of whole lines ([`crate::logfiles::blocks`]), one block read ahead
/// of the one being scanned, so that the fast path decodes into it while the scanner is still
/// on the earlier one.
pub(crate) fn read_json(
    cursor: &mut Cursor<'_>,
    reader: &mut Reader<'_>,
) -> Result<(), LogFileError> {
    let tuning = reader.tuning;
    let ahead = reader.fast.then(|| Ahead::new(tuning));
    let mut scanner = Scanner {
        reader,
        pos: cursor.next,
        last: cursor.last,
        lexer: Lexer::default(),
        rest: None,
        streamed: false,
        expect_key: false,
        in_key: false,
        key: Vec::new(),
        envelope_key: false,
        envelope_value: false,
        elements_depth: None,
        item: None,
        skip_line: false,
        ahead,
    };
    let start = scanner.last;
    let mut blocks = Blocks::new(cursor, tuning.read_bytes);
    let mut current = blocks
        .next_block()
        .map_err(|e| scanner.reader.io_error(&e, start))?;
    while let Some(block) = current {
        // Read before this block is scanned (a read error is told after it).
        let next = blocks.next_block();
        scanner.feed(&block, next.as_ref().ok().and_then(Option::as_ref))?;
        current = next.map_err(|e| scanner.reader.io_error(&e, scanner.last))?;
    }
    scanner.finish()
}

impl Scanner<'_, '_> {
    /// Reads a block; `next` is the one after it, if read, for the fast path to decode ahead.
    fn feed(&mut self, block: &Arc<Block>, next: Option<&Arc<Block>>) -> Result<(), LogFileError> {
        let chunk = block.bytes();
        let mut i = 0;
        while i < chunk.len() {
            if let Line::Taken(used) = self.whole_line(block, i, next)? {
                i += used;
                continue;
            }
            // Inside a string of a capture: copy up to the next quote or backslash at once (or
            // line break: valid JSON has none in a string, and skipping bad records looks
            // for them).
            if self.lexer.in_string && !self.lexer.escaped && !self.in_key && !self.skip_line {
                let capture = match &mut self.item {
                    Some(item) => Some(&mut item.capture),
                    None => self.rest.as_mut(),
                };
                if let Some(capture) = capture {
                    let run = chunk[i..]
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b == b'\n')
                        .unwrap_or(chunk.len() - i);
                    if run > 0 {
                        capture.bytes.extend_from_slice(&chunk[i..i + run]);
                        // The run has no line break: only the column moves.
                        self.last = self.pos;
                        self.last.column = self.last.column.saturating_add(run as u64 - 1);
                        self.pos.column = self.last.column.saturating_add(1);
                        i += run;
                        continue;
                    }
                }
            }
            let b = chunk[i];
            let at = self.pos;
            self.last = at;
            self.pos.advance(b);
            self.byte(b, at)?;
            i += 1;
        }
        Ok(())
    }

    /// The whole-line paths of files with one record (or one envelope) a line, as NDJSON,
    /// Event Hub and Graph exports are written: where a record may start (top level, or an
    /// element of the open array) and the line at `chunk[i..]` is a valid JSON object (a
    /// trailing comma aside), it is read at once instead of byte by byte: typed
    /// ([`fast`], decoded ahead by [`Ahead`]) when it can be, else through a `serde_json::Value`.
    /// A line neither takes is read byte by byte, so what is read, and every error and its
    /// position, stay the same.
    fn whole_line(
        &mut self,
        block: &Arc<Block>,
        i: usize,
        next: Option<&Arc<Block>>,
    ) -> Result<Line, LogFileError> {
        let rest = &block.bytes()[i..];
        let top_level =
            self.rest.is_none() && self.lexer.stack.is_empty() && self.elements_depth.is_none();
        let element = self.elements_depth == Some(self.lexer.stack.len());
        if rest.first() != Some(&b'{')
            || self.item.is_some()
            || self.lexer.in_string
            || self.skip_line
            || !(top_level || element)
        {
            return Ok(Line::NotTaken);
        }
        let at = self.pos;
        let context = if top_level {
            Context::TopLevel
        } else {
            Context::Element
        };
        // The fast path knows where a line it decoded ends: the line is not searched again.
        let decoded = self.ahead.as_mut().and_then(|ahead| {
            let (newline, decoded) = ahead.take(block, i, context, next)?;
            Some((newline - i, decoded?))
        });
        let end = if let Some((end, decoded)) = decoded {
            for (tenant, converted) in decoded {
                self.reader
                    .next_record(at, tenant.as_deref(), Ok(converted))?;
            }
            end
        } else {
            let Some((end, line)) = fast::line_object(rest) else {
                return Ok(Line::NotTaken);
            };
            let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(line) else {
                return Ok(Line::NotTaken);
            };
            if top_level && envelope_arrays(&object) > 0 {
                if !self.whole_envelope(object, at)? {
                    return Ok(Line::NotTaken);
                }
            } else {
                self.reader.accept(Value::Object(object), at)?;
            }
            end
        };
        self.last = Pos {
            line: at.line,
            column: at.column.saturating_add(end as u64),
        };
        self.pos = self.last;
        self.pos.advance(b'\n');
        Ok(Line::Taken(end + 1))
    }

    /// The records of an envelope read whole, when every one is a record that converts;
    /// `false` (nothing taken) when one is not, for the byte path to say which and where.
    fn whole_envelope(
        &mut self,
        object: serde_json::Map<String, Value>,
        at: Pos,
    ) -> Result<bool, LogFileError> {
        let Some(converted) = fast::envelope_records(object) else {
            return Ok(false);
        };
        for (tenant, record) in converted {
            self.reader.next_record(at, tenant.as_deref(), Ok(record))?;
        }
        Ok(true)
    }

    fn track(&mut self, b: u8, at: Pos) -> Result<(), LogFileError> {
        self.lexer
            .track(b)
            .map_err(|message| self.reader.syntax_error(at, message))
    }

    fn byte(&mut self, b: u8, at: Pos) -> Result<(), LogFileError> {
        if self.skip_line {
            self.skip_line = b != b'\n';
            return Ok(());
        }
        // Valid JSON has no line break in a string: the record is broken here (which serde_json
        // would say too, but only once the record seemed to end, maybe lines later).
        if self.lexer.in_string && b == b'\n' {
            let start = self.open_record_start().unwrap_or(at);
            let e = self.reader.syntax_error(
                start,
                format!(
                    "line {} ends inside a string: the record is cut short or broken",
                    at.line
                ),
            );
            return self.resync(e, at, false);
        }
        if !self.reader.skipping() {
            return self.structured_byte(b, at);
        }
        if b == b'{'
            && at.column == 1
            && !self.lexer.in_string
            && let Some(start) = self.open_record_start()
        {
            let e = self.reader.syntax_error(
                start,
                format!(
                    "the record is cut short: line {} starts a new one before it ends",
                    at.line
                ),
            );
            self.resync(e, at, false)?;
        }
        match self.structured_byte(b, at) {
            Err(e) if e.kind == ErrorKind::Syntax => self.resync(e, at, b != b'\n'),
            other => other,
        }
    }

    /// Where the record being read starts, if one is open: an element of an array of records,
    /// or a top-level object that is not an envelope whose array is being read.
    fn open_record_start(&self) -> Option<Pos> {
        match (&self.item, &self.rest) {
            (Some(item), _) if !item.scalar => Some(item.capture.start),
            (None, Some(rest)) if !self.streamed && self.elements_depth.is_none() => {
                Some(rest.start)
            }
            _ => None,
        }
    }

    /// Skips the broken record `e` describes, found at `at`, and goes on at the level of the
    /// records: the open array of them, else the top level; `rest_of_line`: after the rest of
    /// this line. An envelope all on this line is left whole: in a file of one envelope per
    /// line, the next line is the next envelope.
    fn resync(&mut self, e: LogFileError, at: Pos, rest_of_line: bool) -> Result<(), LogFileError> {
        self.reader.bad_item(e)?;
        self.item = None;
        self.lexer.in_string = false;
        self.lexer.escaped = false;
        self.in_key = false;
        let one_line_envelope = self.rest.as_ref().is_some_and(|r| r.start.line == at.line);
        match self.elements_depth {
            Some(depth) if self.lexer.stack.len() >= depth && !one_line_envelope => {
                self.lexer.stack.truncate(depth)
            }
            _ => {
                self.lexer.stack.clear();
                self.rest = None;
                self.elements_depth = None;
            }
        }
        self.skip_line = rest_of_line;
        Ok(())
    }

    fn structured_byte(&mut self, b: u8, at: Pos) -> Result<(), LogFileError> {
        let depth = self.lexer.stack.len();
        let elements = self.elements_depth == Some(depth);
        if self.item.is_some() {
            let in_string = self.lexer.in_string;
            let scalar = self.item.as_ref().is_some_and(|i| i.scalar);
            let ends_scalar = scalar && !in_string && elements && matches!(b, b',' | b']');
            if !ends_scalar {
                if let Some(item) = &mut self.item {
                    item.capture.push(b, in_string);
                }
                self.track(b, at)?;
                if !scalar
                    && !self.lexer.in_string
                    && self.elements_depth == Some(self.lexer.stack.len())
                {
                    self.finish_item()?;
                }
                return Ok(());
            }
            self.finish_item()?;
        }
        if elements && !self.lexer.in_string {
            return self.between_elements(b, at);
        }
        if self.rest.is_some() {
            return self.in_top_object(b, at, depth);
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => Ok(()),
            b'{' => {
                let mut rest = Capture::new(at);
                rest.push(b, false);
                self.rest = Some(rest);
                self.streamed = false;
                self.expect_key = true;
                self.in_key = false;
                self.envelope_key = false;
                self.envelope_value = false;
                self.track(b, at)
            }
            b'[' => {
                self.elements_depth = Some(1);
                self.track(b, at)
            }
            _ => Err(self.reader.syntax_error(
                at,
                format!(
                    "expected a JSON object or array (`{{` or `[`), found {}",
                    show_byte(b)
                ),
            )),
        }
    }

    fn between_elements(&mut self, b: u8, at: Pos) -> Result<(), LogFileError> {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => Ok(()),
            b']' => {
                self.track(b, at)?;
                self.elements_depth = None;
                if let Some(rest) = &mut self.rest {
                    rest.push(b, false);
                }
                Ok(())
            }
            b'}' => self.track(b, at),
            _ => {
                let mut capture = Capture::new(at);
                capture.push(b, false);
                self.item = Some(Item {
                    capture,
                    scalar: !matches!(b, b'{' | b'['),
                });
                self.track(b, at)
            }
        }
    }

    fn in_top_object(&mut self, b: u8, at: Pos, depth: usize) -> Result<(), LogFileError> {
        let was_in_string = self.lexer.in_string;
        if let Some(rest) = &mut self.rest {
            rest.push(b, was_in_string);
        }
        self.track(b, at)?;
        if depth == 1 {
            if was_in_string {
                if self.in_key {
                    if self.lexer.in_string {
                        self.key.push(b);
                    } else {
                        self.in_key = false;
                        self.expect_key = false;
                        self.envelope_key = std::str::from_utf8(&self.key).is_ok_and(envelope_key);
                    }
                }
            } else {
                match b {
                    b'"' if self.expect_key => {
                        self.in_key = true;
                        self.key.clear();
                    }
                    b':' => self.envelope_value = self.envelope_key,
                    b',' => {
                        self.expect_key = true;
                        self.envelope_value = false;
                    }
                    b'[' if self.envelope_value && !self.streamed => {
                        self.streamed = true;
                        self.envelope_value = false;
                        self.elements_depth = Some(2);
                    }
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    _ => self.envelope_value = false,
                }
            }
        }
        if self.lexer.stack.is_empty()
            && let Some(rest) = self.rest.take()
            && !self.streamed
        {
            match self.parse(&rest) {
                Ok(value) => self.reader.accept(value, rest.start)?,
                Err(e) => self.reader.bad_item(e)?,
            }
        }
        Ok(())
    }

    fn finish_item(&mut self) -> Result<(), LogFileError> {
        if let Some(item) = self.item.take() {
            match self.parse(&item.capture) {
                Ok(value) => self.reader.accept(value, item.capture.start)?,
                Err(e) => self.reader.bad_item(e)?,
            }
        }
        Ok(())
    }

    fn parse(&self, capture: &Capture) -> Result<Value, LogFileError> {
        serde_json::from_slice(&capture.bytes).map_err(|e| {
            let at = capture.start.offset(e.line() as u64, e.column() as u64);
            self.reader.json_error(&e, at)
        })
    }

    fn finish(self) -> Result<(), LogFileError> {
        if self.reader.skipping()
            && let Some(start) = self.open_record_start()
        {
            // The last record is cut short; whatever encloses it is left open by the cut.
            let e = self.reader.syntax_error(
                start,
                "the file ends inside this record (cut short?)".into(),
            );
            return self.reader.bad_item(e);
        }
        if self.item.is_some() || !self.lexer.stack.is_empty() || self.lexer.in_string {
            let open = match self.lexer.stack.last() {
                Some(b'{') => "expected `}`",
                Some(_) => "expected `]`",
                None => "expected the end of a string",
            };
            return Err(self.reader.syntax_error(
                self.last,
                format!("the file ends inside a JSON value (cut short?): {open}"),
            ));
        }
        Ok(())
    }
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}
