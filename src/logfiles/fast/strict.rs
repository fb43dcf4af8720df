//! A JSON deserializer for the fast path's records, quicker than serde_json at them: the keys
//! of a struct are checked against the field that followed the last one matched (exports
//! write every record's keys in one order), and a key that is the field expected is taken
//! by its index, not read and looked up by name among the struct's fifty (measured: the Event
//! Hub reader 1.22x faster than with serde_json, which sonic-rs was not).
//!
//! It is stricter than serde_json, never looser: what it reads, serde_json reads the same,
//! with the same calls to the same visitors; what it refuses (`-0`, integers past 64 bits,
//! bytes, enums, structs written as arrays, nesting past [`MAX_DEPTH`]), the caller reads
//! another way. Its error says nothing more: the general path reads the line again to say
//! what is wrong and where.

use crate::same_bytes::same;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Deeper arrays and objects are refused (serde_json refuses past 128).
const MAX_DEPTH: usize = 100;

/// What the reader refuses; see the module's notes.
#[derive(Debug)]
pub(super) struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not for the strict reader")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refused
    }
}

type Result<T> = std::result::Result<T, Refused>;

/// A `T` from the whole of `text` (blanks aside).
#[cfg(test)]
fn from_str<'de, T: de::Deserialize<'de>>(text: &'de str) -> Result<T> {
    from_slice(text.as_bytes())
}

/// A `T` from the whole of `json` (blanks aside). Its bytes need not be checked as UTF-8
/// first: the reader checks the strings it reads (the only place JSON has other bytes than
/// ASCII), which costs less than a pass over the whole line.
pub(super) fn from_slice<'de, T: de::Deserialize<'de>>(json: &'de [u8]) -> Result<T> {
    let mut reader = Strict {
        json,
        at: 0,
        depth: 0,
        scratch: String::new(),
    };
    // The result is returned as it came, not unwrapped and wrapped again: each of those was a
    // copy of the whole value (a `memcpy` of over 1 kB for a sign-in).
    let value = T::deserialize(&mut reader);
    reader.skip_blanks();
    if reader.at == json.len() {
        value
    } else {
        Err(Refused)
    }
}

struct Strict<'de> {
    json: &'de [u8],
    at: usize,
    depth: usize,
    /// A string with escapes, as read.
    scratch: String,
}

/// A string value: borrowed from the text when it has no escapes.
enum Str<'de, 's> {
    Borrowed(&'de str),
    Copied(&'s str),
}

impl<'de> Str<'de, '_> {
    /// Visited as serde_json visits a string: borrowed when it can be.
    fn visit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Str::Borrowed(text) => visitor.visit_borrowed_str(text),
            Str::Copied(text) => visitor.visit_str(text),
        }
    }
}

impl<'de> Strict<'de> {
    /// The bytes from `start` to `end` as text, if they are UTF-8.
    fn text(&self, start: usize, end: usize) -> Result<&'de str> {
        let bytes = &self.json[start..end];
        self.checked(bytes, bytes.is_ascii())
    }

    /// A run of a string's bytes ([`plain_run`]) as text, if it is UTF-8.
    fn run_text(&self, start: usize, run: Run) -> Result<&'de str> {
        self.checked(&self.json[start..run.end], run.ascii)
    }

    /// `bytes` as text, if they are UTF-8; `ascii` says whether they are known to be ASCII.
    fn checked(&self, bytes: &'de [u8], ascii: bool) -> Result<&'de str> {
        if ascii {
            // SAFETY: ASCII is UTF-8. Most strings are ASCII, and the scan that found their end
            // checked it on the way, which costs less than `from_utf8` (a call a string).
            Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
        } else {
            std::str::from_utf8(bytes).map_err(|_| Refused)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.json.get(self.at).copied()
    }

    fn skip_blanks(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// The first byte of the next value (blanks skipped).
    fn next_byte(&mut self) -> Result<u8> {
        self.skip_blanks();
        self.peek().ok_or(Refused)
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        if self.json[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Refused)
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Refused);
        }
        self.at += 1;
        Ok(())
    }

    /// After the visitor of an array or object: its closing bracket, and nothing left in it.
    fn leave(&mut self, close: u8) -> Result<()> {
        if self.next_byte()? != close {
            return Err(Refused);
        }
        self.at += 1;
        self.depth -= 1;
        Ok(())
    }

    /// The string that starts at the current `"`.
    fn string(&mut self) -> Result<Str<'de, '_>> {
        let start = self.at + 1;
        let run = plain_run(self.json, start);
        match self.json.get(run.end) {
            Some(b'"') => {
                self.at = run.end + 1;
                Ok(Str::Borrowed(self.run_text(start, run)?))
            }
            Some(b'\\') => {
                let before = self.run_text(start, run)?;
                self.scratch.clear();
                self.scratch.push_str(before);
                self.at = run.end;
                self.escaped()?;
                Ok(Str::Copied(&self.scratch))
            }
            _ => Err(Refused),
        }
    }

    /// The rest of a string from its first `\`, into `scratch`.
    fn escaped(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    let escape = self.json.get(self.at + 1).copied().ok_or(Refused)?;
                    self.at += 2;
                    let unescaped = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.code_point()?,
                        _ => return Err(Refused),
                    };
                    self.scratch.push(unescaped);
                }
                _ => {
                    let start = self.at;
                    let run = plain_run(self.json, start);
                    if run.end == start {
                        // A control character, or the end of the text.
                        return Err(Refused);
                    }
                    let piece = self.run_text(start, run)?;
                    self.scratch.push_str(piece);
                    self.at = run.end;
                }
            }
        }
    }

    /// The character of a `\u` escape whose four digits start at `at`: a surrogate pair
    /// takes two escapes; a lone surrogate is refused, as serde_json refuses it.
    fn code_point(&mut self) -> Result<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                self.literal(b"\\u")?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(Refused);
                }
                0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
            }
            _ => u32::from(first),
        };
        char::from_u32(code).ok_or(Refused)
    }

    fn hex4(&mut self) -> Result<u16> {
        let digits = self.json.get(self.at..self.at + 4).ok_or(Refused)?;
        let mut value = 0u16;
        for &digit in digits {
            let nibble = (digit as char).to_digit(16).ok_or(Refused)?;
            value = value << 4 | nibble as u16;
        }
        self.at += 4;
        Ok(value)
    }

    /// The number at `at`, checked against JSON's grammar: where it ends, and whether it
    /// has a fraction or an exponent.
    fn number_end(&self) -> Result<(usize, bool)> {
        let bytes = self.json;
        let digits = |mut at: usize| {
            let start = at;
            while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            (at > start).then_some(at)
        };
        let mut at = self.at;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        at = match bytes.get(at) {
            Some(b'0') => at + 1,
            Some(b'1'..=b'9') => digits(at).ok_or(Refused)?,
            _ => return Err(Refused),
        };
        let mut float = false;
        if bytes.get(at) == Some(&b'.') {
            at = digits(at + 1).ok_or(Refused)?;
            float = true;
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            at = digits(at).ok_or(Refused)?;
            float = true;
        }
        Ok((at, float))
    }

    /// A number, visited as serde_json visits it: `u64`, `i64` or `f64`.
    fn number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (end, float) = self.number_end()?;
        let text = self.text(self.at, end)?;
        self.at = end;
        if float {
            // Rust's parse rounds correctly, as serde_json's `float_roundtrip` does.
            let value: f64 = text.parse().map_err(|_| Refused)?;
            return if value.is_finite() {
                visitor.visit_f64(value)
            } else {
                Err(Refused)
            };
        }
        if text.starts_with('-') {
            // serde_json reads `-0` as a float, and integers past 64 bits as floats.
            match text.parse::<i64>() {
                Ok(value) if value != 0 => visitor.visit_i64(value),
                _ => Err(Refused),
            }
        } else {
            visitor.visit_u64(text.parse().map_err(|_| Refused)?)
        }
    }

    /// Passes over a value, checking it is well formed.
    fn skip_value(&mut self) -> Result<()> {
        match self.next_byte()? {
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => {
                self.at = self.number_end()?.0;
                Ok(())
            }
            b'[' => {
                self.enter()?;
                let mut first = true;
                while next_item(self, &mut first, b']')? {
                    self.skip_value()?;
                }
                self.leave(b']')
            }
            b'{' => {
                self.enter()?;
                let mut first = true;
                while next_item(self, &mut first, b'}')? {
                    self.string()?;
                    colon(self)?;
                    self.skip_value()?;
                }
                self.leave(b'}')
            }
            _ => Err(Refused),
        }
    }
}

/// Whether an array or object has another item, its `,` passed if so: `false` at its closing
/// bracket (left for [`Strict::leave`]). A trailing comma is refused. Object items must start
/// with a key.
fn next_item(reader: &mut Strict<'_>, first: &mut bool, close: u8) -> Result<bool> {
    let byte = reader.next_byte()?;
    if byte == close {
        return Ok(false);
    }
    if *first {
        *first = false;
    } else {
        if byte != b',' {
            return Err(Refused);
        }
        reader.at += 1;
        let next = reader.next_byte()?;
        if close == b'}' && next != b'"' || next == close {
            return Err(Refused);
        }
        return Ok(true);
    }
    if close == b'}' && byte != b'"' {
        return Err(Refused);
    }
    Ok(true)
}

fn colon(reader: &mut Strict<'_>) -> Result<()> {
    if reader.next_byte()? != b':' {
        return Err(Refused);
    }
    reader.at += 1;
    Ok(())
}

/// Where a run of a string's plain bytes ends, and whether they are all ASCII.
#[derive(Clone, Copy)]
struct Run {
    end: usize,
    ascii: bool,
}

/// The first offset from `at` on of a `"`, a `\` or a control character (or the end), and
/// whether the bytes before it are ASCII, noted on the way so that they need no second pass:
/// sixteen bytes at a time with SSE2 (part of every x86_64 processor), the rest eight at a
/// time ([`plain_run_words`]). With words alone, finding the ends of strings was a seventh of
/// the NDJSON reader's instructions.
#[cfg(target_arch = "x86_64")]
#[inline]
fn plain_run(bytes: &[u8], mut at: usize) -> Run {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // Bits of the bytes from 0x80 on, among those passed.
    let mut highs = 0u32;
    while let Some(sixteen) = bytes.get(at..at + 16) {
        // SAFETY: SSE2 is in the x86_64 baseline; the load reads the sixteen bytes of
        // `sixteen`, unaligned.
        let (stops, high) = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // Below 0x20 (unsigned): the byte is its own minimum with 0x1f.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let stops = _mm_or_si128(_mm_or_si128(quote, backslash), control);
            (_mm_movemask_epi8(stops) as u32, _mm_movemask_epi8(v) as u32)
        };
        if stops != 0 {
            let before = stops.trailing_zeros();
            highs |= high & ((1 << before) - 1);
            return Run {
                end: at + before as usize,
                ascii: highs == 0,
            };
        }
        highs |= high;
        at += 16;
    }
    let rest = plain_run_words(bytes, at);
    Run {
        end: rest.end,
        ascii: highs == 0 && rest.ascii,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn plain_run(bytes: &[u8], at: usize) -> Run {
    plain_run_words(bytes, at)
}

/// [`plain_run`], eight bytes at a time.
fn plain_run_words(bytes: &[u8], mut at: usize) -> Run {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut seen = 0u64;
    while let Some(eight) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // A byte is flagged where it is zero (after the xor) or below 0x20; a borrow can
        // flag bytes after a flagged one, never before, so the lowest flag is exact. Bytes
        // from 0x80 on are never flagged (their high bit is clear in `!word`).
        let flags = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | word.wrapping_sub(ONES * 0x20) & !word)
            & HIGHS;
        if flags != 0 {
            let before = flags.trailing_zeros() / 8;
            // The bytes of this word before the flagged one (none past it: they are not the
            // string's).
            seen |= word & (1u64 << (before * 8)).wrapping_sub(1);
            return Run {
                end: at + before as usize,
                ascii: seen & HIGHS == 0,
            };
        }
        seen |= word;
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        seen |= u64::from(b);
        at += 1;
    }
    Run {
        end: at,
        ascii: seen & HIGHS == 0,
    }
}

/// `deserialize_*` methods that refuse.
macro_rules! refuse {
    ($de:lifetime: $($method:ident)*) => {
        $(fn $method<V: Visitor<$de>>(self, _: V) -> Result<V::Value> {
            Err(Refused)
        })*
    };
}

impl<'de> Deserializer<'de> for &mut Strict<'de> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.next_byte()? {
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            b'"' => self.string()?.visit(visitor),
            b'-' | b'0'..=b'9' => self.number(visitor),
            b'[' => {
                self.enter()?;
                let value = visitor.visit_seq(Items {
                    reader: &mut *self,
                    first: true,
                })?;
                self.leave(b']')?;
                Ok(value)
            }
            b'{' => self.object(visitor, &[]),
            _ => Err(Refused),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.next_byte()? == b'n' {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        // serde_json also reads a struct from an array; not this reader.
        if self.next_byte()? != b'{' {
            return Err(Refused);
        }
        self.object(visitor, fields)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    // serde_json visits these differently from `deserialize_any`; none is read here.
    refuse! { 'de: deserialize_bytes deserialize_byte_buf deserialize_i128 deserialize_u128 }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value> {
        Err(Refused)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map identifier
    }
}

impl<'de> Strict<'de> {
    /// The object at `{`, its keys matched against `fields` (a struct's) when there are any.
    fn object<V: Visitor<'de>>(
        &mut self,
        visitor: V,
        fields: &'static [&'static str],
    ) -> Result<V::Value> {
        self.enter()?;
        // Returned as it came (see `from_slice`).
        let value = visitor.visit_map(Entries {
            reader: &mut *self,
            first: true,
            fields,
            expected: 0,
        });
        if value.is_ok() {
            self.leave(b'}')?;
        }
        value
    }
}

struct Items<'r, 'de> {
    reader: &'r mut Strict<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !next_item(self.reader, &mut self.first, b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

struct Entries<'r, 'de> {
    reader: &'r mut Strict<'de>,
    first: bool,
    fields: &'static [&'static str],
    /// The field expected next: the one after the last key matched.
    expected: usize,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !next_item(self.reader, &mut self.first, b'}')? {
            return Ok(None);
        }
        seed.deserialize(Key { entries: self }).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        colon(self.reader)?;
        seed.deserialize(&mut *self.reader)
    }
}

/// A key, at its `"`.
struct Key<'a, 'r, 'de> {
    entries: &'a mut Entries<'r, 'de>,
}

impl Key<'_, '_, '_> {
    /// The index of the expected field when the key is its name, passed over. A field name
    /// followed by `"` is that name exactly, as names have no escapes or quotes. Inlined: it
    /// runs for every key, and a call's entry and exit cost as much as the comparison.
    #[inline(always)]
    fn expected(&mut self) -> Option<usize> {
        let index = self.entries.expected;
        let name = self.entries.fields.get(index)?.as_bytes();
        let reader = &mut *self.entries.reader;
        let start = reader.at + 1;
        let end = start + name.len();
        let bytes = reader.json;
        if bytes.get(start..end).is_some_and(|key| same(key, name)) && bytes.get(end) == Some(&b'"')
        {
            reader.at = end + 1;
            self.entries.expected = index + 1;
            Some(index)
        } else {
            None
        }
    }
}

impl<'de> Deserializer<'de> for Key<'_, '_, 'de> {
    type Error = Refused;

    /// Field names: by index, as serde's derived field visitors take them, when the key is
    /// one of `fields`. The index of a name in `fields` is its field's as long as no field has
    /// a `#[serde(alias)]` (aliases join the list): the fast path's mirror types have none,
    /// and its fast-versus-general property tests would catch a field read into another.
    fn deserialize_identifier<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        if let Some(index) = self.expected() {
            return visitor.visit_u64(index as u64);
        }
        let fields = self.entries.fields;
        match self.entries.reader.string()? {
            Str::Borrowed(key) if let Some(index) = fields.iter().position(|name| *name == key) => {
                self.entries.expected = index + 1;
                visitor.visit_u64(index as u64)
            }
            key => key.visit(visitor),
        }
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.entries.reader.string()?.visit(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.entries.reader.string()?;
        visitor.visit_unit()
    }

    // serde_json reads bytes from a key another way; not this reader.
    refuse! { 'de: deserialize_bytes deserialize_byte_buf }

    // serde_json also reads keys as numbers, bools, options...: here every other type is
    // visited with the key's string, which their visitors refuse.
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::Value;

    /// What the reader makes of `text`, which serde_json must read the same.
    fn agrees(text: &str) -> Option<Value> {
        let strict = from_str::<Value>(text).ok()?;
        let reference = serde_json::from_str::<Value>(text);
        assert_eq!(Some(&strict), reference.as_ref().ok(), "{text:?}");
        // The same number types too (1 and 1.0 are equal Values otherwise).
        assert_eq!(
            strict.to_string(),
            reference.unwrap().to_string(),
            "{text:?}"
        );
        Some(strict)
    }

    #[test]
    fn reads_what_serde_json_reads_the_same() {
        for text in [
            r#"{"a":[1,-2,3.5,1e3,2E-2,0.0,-0.5,true,false,null],"b":{},"c":[]}"#,
            r#" { "a" : "x\"y\\z\/\b\f\n\r\t\u00e9\ud83d\ude00" , "é": "naïve" } "#,
            "18446744073709551615",
            "-9223372036854775808",
            r#""""#,
            "[[[]]]",
            "1.7976931348623157e308",
            "5e-324",
            "1e-400",
            "\t[1 ,\n2\r]\n",
        ] {
            assert!(agrees(text).is_some(), "refused {text:?}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses_and_what_it_reads_another_way() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        for text in [
            "",
            " ",
            "-0",
            "-0.0e",
            "18446744073709551616",
            "-9223372036854775809",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "1e400",
            "[1,]",
            "[,1]",
            "[1 2]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":1"#,
            r#""\ud800""#,
            r#""\udc00x""#,
            r#""\ud800\u0041""#,
            r#""\x""#,
            r#""\u12""#,
            "\"a\tb\"",
            "\"open",
            "[1] x",
            "nul",
            "tru",
            "NaN",
            &deep,
        ] {
            assert!(from_str::<Value>(text).is_err(), "read {text:?}");
        }
        // Keys read as numbers: serde_json parses them out of the string.
        let numbered = r#"{"1":2}"#;
        assert!(serde_json::from_str::<std::collections::BTreeMap<u32, u32>>(numbered).is_ok());
        assert!(from_str::<std::collections::BTreeMap<u32, u32>>(numbered).is_err());
        let nested = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(agrees(&nested).is_some());
    }

    #[test]
    fn strings_are_checked_as_utf8_and_nothing_else_may_be_other_than_ascii() {
        let read = |json: &[u8]| from_slice::<Value>(json).ok();
        assert_eq!(read(b"\"caf\xc3\xa9\""), Some(Value::from("café")));
        assert_eq!(read(b"\"\\n\xc3\xa9\\t\""), Some(Value::from("\né\t")));
        for json in [
            &b"\"\xff\""[..],
            b"\"\xc3\"",
            b"\"a\\n\xed\xa0\x80\"",
            b"[1,\xc3\xa9]",
            b"\xef\xbb\xbf{}",
        ] {
            assert_eq!(read(json), None, "{json:?}");
            assert!(serde_json::from_slice::<Value>(json).is_err(), "{json:?}");
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Abc {
        a: u32,
        #[serde(default)]
        b: Option<String>,
        #[serde(rename = "cee")]
        c: Vec<i64>,
        #[serde(default)]
        skipped: serde::de::IgnoredAny,
    }

    #[test]
    fn struct_keys_match_in_any_order_and_unknown_or_repeated_ones_are_refused() {
        let expected = Abc {
            a: 1,
            b: Some("x".into()),
            c: vec![-1, 2],
            skipped: serde::de::IgnoredAny,
        };
        for text in [
            r#"{"a":1,"b":"x","cee":[-1,2]}"#,
            r#"{"cee":[-1,2],"b":"x","a":1}"#,
            r#"{"b":"x","a":1,"skipped":{"deep":[1,{"x":null}]},"cee":[-1,2]}"#,
            r#"{"\u0061":1,"b":"x","c\u0065e":[-1,2]}"#,
        ] {
            assert_eq!(from_str::<Abc>(text).unwrap(), expected, "{text}");
            assert_eq!(
                serde_json::from_str::<Abc>(text).unwrap(),
                expected,
                "{text}"
            );
        }
        for text in [
            r#"{"a":1,"cee":[],"d":0}"#,
            r#"{"a":1,"a":2,"cee":[]}"#,
            r#"{"a":1,"c":[]}"#,
            r#"{"a":1,"ce":[]}"#,
            r#"{"a":-1,"cee":[]}"#,
            r#"{"a":1.5,"cee":[]}"#,
            r#"[1,null,[]]"#,
            r#"{"a":1,"cee":[],"skipped":[1,]}"#,
        ] {
            assert!(from_str::<Abc>(text).is_err(), "read {text}");
        }
    }

    /// JSON text made of the grammar's own pieces, most of it well formed.
    fn json_ish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just(" ".to_string()),
            Just("\"k\"".to_string()),
            Just("null".to_string()),
            Just("true".to_string()),
            Just("\"\\u00e9\\n\"".to_string()),
            Just("\"\\ud83d\\ude00\"".to_string()),
            "-?[0-9]{1,3}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
            "\"[a-z\\\\\"\u{e9}\t]{0,4}\"",
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn whatever_it_reads_serde_json_reads_the_same(text in json_ish()) {
            agrees(&text);
        }

        #[test]
        fn reads_what_serde_json_writes(value in any_json(), cut in any::<prop::sample::Index>()) {
            let text = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(agrees(&text), Some(value));
            // A cut or spliced text: read the same or refused.
            let at = cut.index(text.len() + 1);
            if text.is_char_boundary(at) {
                agrees(&text[..at]);
                agrees(&format!("{}]{}", &text[..at], &text[at..]));
            }
        }

        #[test]
        fn a_run_ends_at_the_first_stop_and_knows_if_it_was_ascii(
            bytes in proptest::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'"'), 0u8..0x20], 0..40),
            from in any::<prop::sample::Index>(),
        ) {
            let at = from.index(bytes.len() + 1);
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(bytes.len(), |n| at + n);
            let run = plain_run(&bytes, at);
            prop_assert_eq!(run.end, end);
            prop_assert_eq!(run.ascii, bytes[at..end].is_ascii());
        }

        #[test]
        fn long_runs_end_where_words_end_them(
            bytes in proptest::collection::vec(prop_oneof![
                20 => 0x20u8..0x7f, 2 => 0x80u8..=0xff, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20
            ], 0..120),
            from in any::<prop::sample::Index>(),
        ) {
            let at = from.index(bytes.len() + 1);
            let (run, words) = (plain_run(&bytes, at), plain_run_words(&bytes, at));
            prop_assert_eq!((run.end, run.ascii), (words.end, words.ascii));
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(bytes.len(), |n| at + n);
            prop_assert_eq!(words.end, end);
            prop_assert_eq!(words.ascii, bytes[at..end].is_ascii());
        }
    }
}
