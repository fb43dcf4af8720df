//! Splitting a record, as serde_json writes it, into its skeleton and its scalar values.

use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use std::io;

/// One record as serde_json wrote it: the skeleton with the offsets of its holes, and where
/// the values that fill them are, in order: in the record's own JSON when it was split from
/// it (`scan`), in `values` when [`Splitter`] wrote them. A value is not copied out of the
/// record: that was a call to `memmove` for each of a sign-in's seventy values.
#[derive(Default)]
pub(super) struct RecordParts {
    pub(super) skeleton: Vec<u8>,
    pub(super) holes: Vec<usize>,
    /// The values [`Splitter`] writes.
    pub(super) values: Vec<u8>,
    /// Each value's (start, end) in the bytes it lies in.
    pub(super) spans: Vec<(usize, usize)>,
}

impl RecordParts {
    pub(super) fn clear(&mut self) {
        self.skeleton.clear();
        self.holes.clear();
        self.values.clear();
        self.spans.clear();
    }
}

/// A serde_json formatter that writes what `CompactFormatter` writes, keys and punctuation
/// into the skeleton and each scalar value into the values, marking its hole.
pub(super) struct Splitter<'a> {
    pub(super) parts: &'a mut RecordParts,
    pub(super) in_key: bool,
}

impl Splitter<'_> {
    /// Writes one whole scalar with `write`, into the skeleton inside a key.
    fn scalar(&mut self, write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<()> {
        if self.in_key {
            return write(&mut self.parts.skeleton);
        }
        self.parts.holes.push(self.parts.skeleton.len());
        let start = self.parts.values.len();
        write(&mut self.parts.values)?;
        self.parts.spans.push((start, self.parts.values.len()));
        Ok(())
    }

    /// Where string contents go.
    fn text(&mut self) -> &mut Vec<u8> {
        if self.in_key {
            &mut self.parts.skeleton
        } else {
            &mut self.parts.values
        }
    }
}

macro_rules! scalars {
    ($($method:ident($type:ty)),* $(,)?) => {
        $(
            fn $method<W: ?Sized + io::Write>(&mut self, _: &mut W, value: $type) -> io::Result<()> {
                self.scalar(|out| CompactFormatter.$method(out, value))
            }
        )*
    };
}

impl Formatter for Splitter<'_> {
    scalars!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
        write_raw_fragment(&str),
    );

    fn write_null<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.scalar(|out| CompactFormatter.write_null(out))
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        if !self.in_key {
            self.parts.holes.push(self.parts.skeleton.len());
            // Its end is set by `end_string`.
            let start = self.parts.values.len();
            self.parts.spans.push((start, start));
        }
        CompactFormatter.begin_string(self.text())
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_string(self.text())?;
        if !self.in_key
            && let Some((_, end)) = self.parts.spans.last_mut()
        {
            *end = self.parts.values.len();
        }
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        CompactFormatter.write_string_fragment(self.text(), fragment)
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        CompactFormatter.write_char_escape(self.text(), escape)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.begin_array(&mut self.parts.skeleton)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_array(&mut self.parts.skeleton)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        first: bool,
    ) -> io::Result<()> {
        CompactFormatter.begin_array_value(&mut self.parts.skeleton, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_array_value(&mut self.parts.skeleton)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.begin_object(&mut self.parts.skeleton)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_object(&mut self.parts.skeleton)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.in_key = true;
        CompactFormatter.begin_object_key(&mut self.parts.skeleton, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.in_key = false;
        CompactFormatter.end_object_key(&mut self.parts.skeleton)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.begin_object_value(&mut self.parts.skeleton)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_object_value(&mut self.parts.skeleton)
    }
}
