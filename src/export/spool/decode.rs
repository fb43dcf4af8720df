//! Reading a chunk of the spool back into JSON: the mirror of the encoder.

use super::recent::{Entry, Recent};
use super::{LONG, NEW_SKELETON, RAW, SHORT};
use std::io;

/// Decodes the `records` records of one chunk into `json`, recording where each ends.
pub(super) fn decode_chunk(
    chunk: &[u8],
    records: usize,
    json: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> io::Result<()> {
    let mut reader = Reader {
        bytes: chunk,
        at: 0,
    };
    // A skeleton: its bytes (offset, length) and the holes, as offsets into `holes`.
    let mut skeletons: Vec<((usize, usize), std::ops::Range<usize>)> = Vec::new();
    let mut holes: Vec<usize> = Vec::new();
    let mut places: Vec<Recent> = Vec::new();
    for _ in 0..records {
        let header = reader.byte()?;
        let index = match header {
            RAW => {
                let len = reader.varint()?;
                json.extend_from_slice(reader.take(len)?);
                ends.push(json.len());
                continue;
            }
            NEW_SKELETON => {
                let len = reader.varint()?;
                let bytes = (reader.at, len);
                reader.take(len)?;
                let count = reader.varint()?;
                let first = holes.len();
                let mut hole = 0;
                for _ in 0..count {
                    hole += reader.varint()?;
                    if hole > len {
                        return Err(corrupt());
                    }
                    holes.push(hole);
                }
                skeletons.push((bytes, first..holes.len()));
                skeletons.len() - 1
            }
            index => usize::from(index),
        };
        let ((skeleton_at, skeleton_len), ref hole_range) =
            *skeletons.get(index).ok_or_else(corrupt)?;
        let skeleton = &chunk[skeleton_at..skeleton_at + skeleton_len];
        if places.len() < hole_range.len() {
            places.resize(hole_range.len(), Recent::default());
        }
        let mut written = 0;
        for (place, &hole) in places.iter_mut().zip(&holes[hole_range.clone()]) {
            json.extend_from_slice(skeleton.get(written..hole).ok_or_else(corrupt)?);
            written = hole;
            let code = reader.byte()?;
            let value = if code < SHORT {
                let entry = place.get(usize::from(code)).ok_or_else(corrupt)?;
                &chunk[entry.at as usize..(entry.at + entry.len) as usize]
            } else {
                let len = if code == LONG {
                    reader.varint()?
                } else {
                    usize::from(code - SHORT)
                };
                let at = reader.at;
                let value = reader.take(len)?;
                // The encoder made sure offsets fit.
                let entry = Entry {
                    at: at as u32,
                    len: len as u32,
                    fingerprint: 0,
                };
                place.insert(entry);
                value
            };
            json.extend_from_slice(value);
        }
        json.extend_from_slice(&skeleton[written..]);
        ends.push(json.len());
    }
    Ok(())
}

fn corrupt() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "corrupt record spool")
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> io::Result<u8> {
        let byte = *self.bytes.get(self.at).ok_or_else(corrupt)?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, len: usize) -> io::Result<&'a [u8]> {
        let bytes = self
            .bytes
            .get(self.at..self.at.checked_add(len).ok_or_else(corrupt)?)
            .ok_or_else(corrupt)?;
        self.at += len;
        Ok(bytes)
    }

    fn varint(&mut self) -> io::Result<usize> {
        let mut value = 0usize;
        for shift in (0..usize::BITS).step_by(7) {
            let byte = self.byte()?;
            value |= usize::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(corrupt())
    }
}

pub(super) fn write_varint(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}
