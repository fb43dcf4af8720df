//! JSON log files, streamed: a document is one or more top-level values (concatenated,
//! newline-delimited, or separated by commas), each an object or an array. The `value` array
//! of a Graph page and the `records` array of a diagnostic-settings envelope are read element
//! by element, so memory is bounded by the largest record, not the file.
//!
//! Lenient where real files are sloppy: a trailing comma before `]` or `}` (the Graph docs'
//! own `signin-list.md` example has one) is ignored.

use super::Reader;
use super::convert::envelope_key;
use super::source::{Pos, Source};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

/// The bytes of the file with trailing commas dropped (commas are held back until the next
/// significant byte shows whether they separate anything; whitespace passes through, so lines
/// keep their numbers).
struct JsonBytes<R> {
    source: Source<R>,
    in_string: bool,
    escaped: bool,
    pending_comma: bool,
    out: VecDeque<u8>,
}

impl<R: BufRead> JsonBytes<R> {
    fn next_filtered(&mut self) -> io::Result<Option<u8>> {
        loop {
            if let Some(b) = self.out.pop_front() {
                return Ok(Some(b));
            }
            let Some(b) = self.source.next_byte()? else {
                self.pending_comma = false;
                return Ok(None);
            };
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                return Ok(Some(b));
            }
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => return Ok(Some(b)),
                b',' if self.pending_comma => return Ok(Some(b',')),
                b',' => self.pending_comma = true,
                b']' | b'}' => {
                    self.pending_comma = false;
                    return Ok(Some(b));
                }
                _ => {
                    self.in_string = b == b'"';
                    if std::mem::take(&mut self.pending_comma) {
                        self.out.push_back(b);
                        return Ok(Some(b','));
                    }
                    return Ok(Some(b));
                }
            }
        }
    }

    /// The first byte that is not whitespace or a separating comma.
    fn next_significant(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.next_filtered()? {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b',') => continue,
                other => return Ok(other),
            }
        }
    }
}

impl<R: BufRead> Read for JsonBytes<R> {
    /// One byte at a time (serde_json asks for no more): a parser never reads past the value
    /// it parses, so the next value starts where it should.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(slot) = buf.first_mut() else {
            return Ok(0);
        };
        match self.next_filtered()? {
            Some(b) => {
                *slot = b;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

pub(crate) fn read_json<R: BufRead>(
    source: Source<R>,
    reader: &mut Reader<'_>,
) -> Result<(), super::LogFileError> {
    let pos = source.shared_position();
    let mut bytes = JsonBytes {
        source,
        in_string: false,
        escaped: false,
        pending_comma: false,
        out: VecDeque::new(),
    };
    loop {
        let first = bytes
            .next_significant()
            .map_err(|e| reader.io_error(&e, pos.get()))?;
        let Some(first) = first else {
            return Ok(());
        };
        let at = pos.get();
        if first != b'{' && first != b'[' {
            return Err(reader.syntax_error(
                at,
                format!(
                    "expected a JSON object or array (`{{` or `[`), found {}",
                    show_byte(first)
                ),
            ));
        }
        bytes.out.push_front(first);
        let mut de = serde_json::Deserializer::from_reader(&mut bytes);
        let parsed = Top {
            reader: &mut *reader,
            pos: &pos,
        }
        .deserialize(&mut de);
        if let Err(e) = parsed {
            return Err(match reader.failure.take() {
                Some(failure) => failure,
                None => reader.json_error(&e, pos.get()),
            });
        }
    }
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

/// Hands a conversion failure to the caller through serde's error channel.
fn abort<E: de::Error>(reader: &mut Reader<'_>, failure: super::LogFileError) -> E {
    reader.failure = Some(failure);
    E::custom("entralab: a record could not be read")
}

/// A top-level value: an envelope, a record, or an array of either.
struct Top<'a, 'e> {
    reader: &'a mut Reader<'e>,
    pos: &'a Rc<Cell<Pos>>,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let start = self.pos.get();
        let mut fields = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            if !streamed && envelope_key(&key) {
                let outcome = map.next_value_seed(Elements {
                    reader: &mut *self.reader,
                    pos: self.pos,
                })?;
                match outcome {
                    Some(value) => {
                        fields.insert(key, value);
                    }
                    None => streamed = true,
                }
            } else {
                let value: Value = map.next_value()?;
                if !streamed {
                    fields.insert(key, value);
                }
            }
        }
        if !streamed && let Err(failure) = self.reader.accept(Value::Object(fields), start) {
            return Err(abort(self.reader, failure));
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some((at, value)) = seq.next_element_seed(Element(self.pos))? {
            if let Err(failure) = self.reader.accept(value, at) {
                return Err(abort(self.reader, failure));
            }
        }
        Ok(())
    }
}

/// The value of a `value`/`records` key: an array is streamed (`None`); anything else is
/// returned as it is, as that object was a record with such a property after all.
struct Elements<'a, 'e> {
    reader: &'a mut Reader<'e>,
    pos: &'a Rc<Cell<Pos>>,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Value>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        while let Some((at, value)) = seq.next_element_seed(Element(self.pos))? {
            if let Err(failure) = self.reader.accept(value, at) {
                return Err(abort(self.reader, failure));
            }
        }
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Value>, E> {
        Ok(Some(Value::String(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<Value>, E> {
        Ok(Some(Value::String(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }
}

/// One array element, with the position where it starts.
struct Element<'a>(&'a Rc<Cell<Pos>>);

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = (Pos, Value);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(Pos, Value), D::Error> {
        // serde_json has read the element's first byte when it calls the seed.
        let at = self.0.get();
        Value::deserialize(deserializer).map(|value| (at, value))
    }
}
