//! The bytes of a log file as UTF-8, with the line and column of each: a UTF-8 byte-order
//! mark is skipped; UTF-16 (with a BOM, as Windows PowerShell 5 writes files, or without one
//! when the file starts with `{` or `[` and a NUL) is decoded. A regular file is read from its
//! mapped pages ([`super::mapped`]), any other input through a buffer.

use super::mapped::Mapped;
use std::io::{self, BufRead, BufReader, Read};

/// A position in the file: 1-based line and column (in UTF-8 bytes). Line 0 means "unknown".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    pub(crate) const START: Pos = Pos { line: 1, column: 1 };

    /// The position after `byte`.
    #[inline]
    pub(crate) fn advance(&mut self, byte: u8) {
        if byte == b'\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
    }

    /// An absolute position from one relative to `self` (1-based line and column, as
    /// serde_json reports them for a slice that starts at `self`).
    pub(crate) fn offset(self, line: u64, column: u64) -> Pos {
        match line {
            0 => self,
            1 => Pos {
                line: self.line,
                column: self.column.saturating_add(column.saturating_sub(1)),
            },
            _ => Pos {
                line: self.line.saturating_add(line - 1),
                column,
            },
        }
    }
}

/// Where the bytes come from: a reader (with a buffer), or a regular file's mapped pages,
/// which JSON blocks are cut from without a copy.
pub(crate) enum Input<'a> {
    Read(Box<dyn BufRead + 'a>),
    Mapped(Mapped),
}

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Read(read) => read.read(buf),
            Input::Mapped(mapped) => mapped.read(buf),
        }
    }
}

impl BufRead for Input<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Input::Read(read) => read.fill_buf(),
            Input::Mapped(mapped) => mapped.fill_buf(),
        }
    }

    fn consume(&mut self, amount: usize) {
        match self {
            Input::Read(read) => read.consume(amount),
            Input::Mapped(mapped) => mapped.consume(amount),
        }
    }
}

/// A buffered reader of the file's UTF-8 bytes that knows where it is.
pub(crate) struct Cursor<'a> {
    pub(crate) inner: Input<'a>,
    /// The position of the next byte.
    pub(crate) next: Pos,
    /// The position of the last byte read.
    pub(crate) last: Pos,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(input: impl Read + 'a) -> io::Result<Self> {
        // JSON is read in big blocks straight from `input` (`blocks::Blocks`), past this
        // buffer, which serves the first bytes and CSV's byte-at-a-time reading.
        Self::over(Input::Read(Box::new(BufReader::with_capacity(
            64 << 10,
            input,
        ))))
    }

    /// A regular file's bytes, read from its mapped pages.
    pub(crate) fn mapped(file: Mapped) -> io::Result<Self> {
        Self::over(Input::Mapped(file))
    }

    fn over(mut input: Input<'a>) -> io::Result<Self> {
        let head = input.fill_buf()?;
        let (utf16, skip) = match head {
            [0xEF, 0xBB, 0xBF, ..] => (None, 3),
            [0xFF, 0xFE, ..] => (Some(false), 2),
            [0xFE, 0xFF, ..] => (Some(true), 2),
            [b'{' | b'[', 0, ..] => (Some(false), 0),
            [0, b'{' | b'[', ..] => (Some(true), 0),
            _ => (None, 0),
        };
        input.consume(skip);
        let inner = match utf16 {
            None => input,
            Some(big_endian) => Input::Read(Box::new(BufReader::with_capacity(
                1 << 16,
                Utf16 {
                    inner: input,
                    big_endian,
                    pending: Vec::new(),
                },
            ))),
        };
        Ok(Cursor {
            inner,
            next: Pos::START,
            last: Pos::default(),
        })
    }

    pub(crate) fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.inner.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn next_byte(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        if let Some(b) = byte {
            self.inner.consume(1);
            self.last = self.next;
            self.next.advance(b);
        }
        Ok(byte)
    }
}

/// UTF-16 decoded to UTF-8 (an unpaired surrogate becomes U+FFFD).
struct Utf16<R> {
    inner: R,
    big_endian: bool,
    /// Decoded bytes not yet handed out.
    pending: Vec<u8>,
}

impl<R: BufRead> Utf16<R> {
    fn unit(&mut self) -> io::Result<Option<u16>> {
        let mut pair = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            let n = self.inner.read(&mut pair[got..])?;
            if n == 0 {
                return match got {
                    0 => Ok(None),
                    _ => Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the UTF-16 text ends in the middle of a character",
                    )),
                };
            }
            got += n;
        }
        Ok(Some(if self.big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }))
    }
}

impl<R: BufRead> Read for Utf16<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.len() < buf.len() {
            let Some(unit) = self.unit()? else { break };
            let c = if (0xD800..0xDC00).contains(&unit) {
                match self.unit()? {
                    Some(low) => char::decode_utf16([unit, low])
                        .next()
                        .and_then(Result::ok)
                        .unwrap_or(char::REPLACEMENT_CHARACTER),
                    None => char::REPLACEMENT_CHARACTER,
                }
            } else {
                char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)
            };
            let mut utf8 = [0u8; 4];
            self.pending
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<u8> {
        let mut cursor = Cursor::new(bytes).unwrap();
        let mut out = Vec::new();
        while let Some(b) = cursor.next_byte().unwrap() {
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
        let mut cursor = Cursor::new(&b"ab\ncd"[..]).unwrap();
        for _ in 0..4 {
            cursor.next_byte().unwrap();
        }
        assert_eq!(cursor.last, Pos { line: 2, column: 1 });
        assert_eq!(cursor.next, Pos { line: 2, column: 2 });
        assert_eq!(
            Pos { line: 3, column: 5 }.offset(1, 3),
            Pos { line: 3, column: 7 }
        );
        assert_eq!(
            Pos { line: 3, column: 5 }.offset(2, 3),
            Pos { line: 4, column: 3 }
        );
    }
}
