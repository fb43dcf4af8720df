//! The bytes of a log file as UTF-8, one at a time, with the line and column of each: a UTF-8
//! byte-order mark is skipped, UTF-16 (with a BOM, as Windows PowerShell 5 writes files, or
//! without one when the file starts with `{` or `[` and a NUL) is decoded.

use std::cell::Cell;
use std::io::{self, BufRead};
use std::rc::Rc;

/// A position in the file: 1-based line and column (in UTF-8 bytes). Line 0 means nothing
/// has been read yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

pub(crate) struct Source<R> {
    inner: R,
    encoding: Encoding,
    /// UTF-8 bytes of a decoded UTF-16 character not yet handed out.
    decoded: [u8; 4],
    decoded_len: usize,
    decoded_at: usize,
    peeked: Option<u8>,
    /// The position of the last byte handed out, shared with readers that cannot hold the
    /// source (serde_json owns its reader while it parses).
    last: Rc<Cell<Pos>>,
    next_line: u64,
    next_column: u64,
}

impl<R: BufRead> Source<R> {
    pub(crate) fn new(mut inner: R) -> io::Result<Self> {
        let head = inner.fill_buf()?;
        let (encoding, skip) = match head {
            [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
            [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
            [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
            [b'{' | b'[', 0, ..] => (Encoding::Utf16Le, 0),
            [0, b'{' | b'[', ..] => (Encoding::Utf16Be, 0),
            _ => (Encoding::Utf8, 0),
        };
        inner.consume(skip);
        Ok(Source {
            inner,
            encoding,
            decoded: [0; 4],
            decoded_len: 0,
            decoded_at: 0,
            peeked: None,
            last: Rc::new(Cell::new(Pos::default())),
            next_line: 1,
            next_column: 1,
        })
    }

    pub(crate) fn shared_position(&self) -> Rc<Cell<Pos>> {
        Rc::clone(&self.last)
    }

    /// The position of the last byte read.
    pub(crate) fn position(&self) -> Pos {
        self.last.get()
    }

    /// The position the next byte will have.
    pub(crate) fn next_position(&self) -> Pos {
        Pos {
            line: self.next_line,
            column: self.next_column,
        }
    }

    pub(crate) fn peek_byte(&mut self) -> io::Result<Option<u8>> {
        if self.peeked.is_none() {
            self.peeked = self.raw_byte()?;
        }
        Ok(self.peeked)
    }

    pub(crate) fn next_byte(&mut self) -> io::Result<Option<u8>> {
        let byte = match self.peeked.take() {
            Some(b) => Some(b),
            None => self.raw_byte()?,
        };
        if let Some(b) = byte {
            self.last.set(self.next_position());
            if b == b'\n' {
                self.next_line = self.next_line.saturating_add(1);
                self.next_column = 1;
            } else {
                self.next_column = self.next_column.saturating_add(1);
            }
        }
        Ok(byte)
    }

    fn raw_byte(&mut self) -> io::Result<Option<u8>> {
        match self.encoding {
            Encoding::Utf8 => self.utf8_byte(),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                if self.decoded_at == self.decoded_len {
                    let Some(c) = self.utf16_char()? else {
                        return Ok(None);
                    };
                    self.decoded_len = c.encode_utf8(&mut self.decoded).len();
                    self.decoded_at = 0;
                }
                let b = self.decoded[self.decoded_at];
                self.decoded_at += 1;
                Ok(Some(b))
            }
        }
    }

    fn utf8_byte(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.inner.fill_buf() {
                Ok([]) => return Ok(None),
                Ok([b, ..]) => {
                    let b = *b;
                    self.inner.consume(1);
                    return Ok(Some(b));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn utf16_unit(&mut self) -> io::Result<Option<u16>> {
        let Some(a) = self.utf8_byte()? else {
            return Ok(None);
        };
        let Some(b) = self.utf8_byte()? else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the UTF-16 text ends in the middle of a character",
            ));
        };
        Ok(Some(match self.encoding {
            Encoding::Utf16Be => u16::from_be_bytes([a, b]),
            _ => u16::from_le_bytes([a, b]),
        }))
    }

    fn utf16_char(&mut self) -> io::Result<Option<char>> {
        let Some(unit) = self.utf16_unit()? else {
            return Ok(None);
        };
        if (0xD800..0xDC00).contains(&unit) {
            let Some(low) = self.utf16_unit()? else {
                return Ok(Some(char::REPLACEMENT_CHARACTER));
            };
            let decoded = char::decode_utf16([unit, low])
                .next()
                .and_then(Result::ok)
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            return Ok(Some(decoded));
        }
        Ok(Some(
            char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<u8> {
        let mut source = Source::new(bytes).unwrap();
        let mut out = Vec::new();
        while let Some(b) = source.next_byte().unwrap() {
            out.push(b);
        }
        out
    }

    #[test]
    fn skips_a_utf8_bom() {
        assert_eq!(all(b"\xEF\xBB\xBF{}"), b"{}");
    }

    #[test]
    fn decodes_utf16_with_and_without_a_bom() {
        let text = "{\"a\":\"ユーザ01 😀\"}";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(all(&[&[0xFF, 0xFE][..], &le].concat()), text.as_bytes());
        assert_eq!(all(&[&[0xFE, 0xFF][..], &be].concat()), text.as_bytes());
        assert_eq!(all(&le), text.as_bytes());
    }

    #[test]
    fn counts_lines_and_columns() {
        let mut source = Source::new(&b"ab\ncd"[..]).unwrap();
        for _ in 0..4 {
            source.next_byte().unwrap();
        }
        assert_eq!(source.position(), Pos { line: 2, column: 1 });
        assert_eq!(source.next_position(), Pos { line: 2, column: 2 });
    }
}
