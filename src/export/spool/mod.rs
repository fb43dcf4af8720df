//! A spool of serialized records that is read back last record first.
//!
//! Records are kept compactly: a JSON record is split, as serde_json writes it, into its
//! skeleton (keys and punctuation, the same for most records of a kind) and its scalar values
//! (`"..."` strings with their quotes, numbers, `true`, `null`). Skeletons are kept once per
//! chunk, and each value is a one-byte reference when it equals one of the last few values
//! in the same place of earlier records of the chunk (an app, a city, a tenant id), else
//! written out. A million sign-ins of about 1.5 KB spool to a sixth of their size, which is
//! what has to go to the temporary file and back. Reading back decodes one chunk at a time
//! (at most `CHUNK_LIMIT` bytes of JSON, plus one record) and hands its records out in
//! reverse, byte for byte as serde_json wrote them.

mod decode;
mod drain;
mod recent;
mod scan;
mod spill;
mod split;

use decode::write_varint;
use recent::{Entry, Recent, fingerprint};
use serde::Serialize;
use spill::SpillFile;
use split::{RecordParts, Splitter};
use std::io;

/// Bytes of JSON in one chunk: what reading back holds in memory at once.
pub(super) const CHUNK_LIMIT: usize = 16 << 20;
/// Bytes of encoded chunks kept in memory before they move to a temporary file.
pub(super) const MEMORY_LIMIT: usize = 32 << 20;
/// Bytes of the temporary file reserved at a time, ahead of the spilled chunks.
const SPILL_RESERVE_STEP: usize = 128 << 20;
/// Skeletons a chunk can name (header bytes below `NEW_SKELETON`).
pub(super) const MAX_SKELETONS: usize = 0xfd;

// Record headers: a skeleton index, or one of these.
pub(super) const NEW_SKELETON: u8 = 0xfd;
pub(super) const RAW: u8 = 0xfe;
// Value codes: below `RECENT` a recent value; `SHORT..LONG` a literal of `code - SHORT`
// bytes; `LONG` a literal whose length follows.
pub(super) const SHORT: u8 = 0x80;
pub(super) const LONG: u8 = 0xff;

pub struct ReversingSpool {
    /// Encoded chunks not yet in the file, then the open chunk from `open_start`.
    buffer: Vec<u8>,
    open_start: usize,
    file: Option<SpillFile>,
    /// Bytes appended to `file`: chunk positions count from the start of the file.
    spilled: u64,
    /// Bytes of `file` reserved on disk ahead of the writes (see `preallocate`).
    reserved: u64,
    chunks: Vec<Chunk>,
    open: Encoder,
    parts: RecordParts,
    len: usize,
    chunk_limit: usize,
    memory_limit: usize,
}

impl Default for ReversingSpool {
    fn default() -> Self {
        Self::with_limits(CHUNK_LIMIT, MEMORY_LIMIT)
    }
}

/// A closed chunk: where it is (file, then buffer) and what it holds.
struct Chunk {
    start: u64,
    len: usize,
    records: usize,
    decoded: usize,
}

/// The state of the open chunk, mirrored by `decode_chunk` when reading back.
#[derive(Default)]
struct Encoder {
    records: usize,
    decoded: usize,
    skeletons: Vec<Skeleton>,
    last_skeleton: usize,
    places: Vec<Recent>,
}

#[derive(PartialEq, Eq)]
struct Skeleton {
    bytes: Vec<u8>,
    holes: Vec<usize>,
}

impl ReversingSpool {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_limits(chunk_limit: usize, memory_limit: usize) -> Self {
        ReversingSpool {
            buffer: Vec::new(),
            open_start: 0,
            file: None,
            spilled: 0,
            reserved: 0,
            chunks: Vec::new(),
            open: Encoder::default(),
            parts: RecordParts::default(),
            len: 0,
            chunk_limit,
            memory_limit,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of JSON the records take when read back, separators not counted.
    pub fn json_len(&self) -> u64 {
        let closed: u64 = self.chunks.iter().map(|c| c.decoded as u64).sum();
        closed + self.open.decoded as u64
    }

    /// Appends one record, written by `write`, kept as the bytes it wrote.
    pub fn push(&mut self, write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<()> {
        let mut bytes = std::mem::take(&mut self.parts.values);
        bytes.clear();
        let written = write(&mut bytes);
        let result = written.and_then(|()| {
            self.buffer.push(RAW);
            write_varint(&mut self.buffer, bytes.len());
            self.buffer.extend_from_slice(&bytes);
            self.record_pushed(bytes.len())
        });
        self.parts.values = bytes;
        result
    }

    /// Appends `value` as serde_json's compact form (`serde_json::to_writer`) writes it.
    pub fn push_json<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        self.parts.clear();
        let mut serializer = serde_json::Serializer::with_formatter(
            io::sink(),
            Splitter {
                parts: &mut self.parts,
                in_key: false,
            },
        );
        value.serialize(&mut serializer).map_err(io::Error::other)?;
        let values = std::mem::take(&mut self.parts.values);
        let encoded = self.encode_parts(false, &values);
        self.parts.values = values;
        encoded
    }

    /// Appends one record that is already compact JSON (as `serde_json::to_writer` or the
    /// direct writer, `graph::write_sign_in`, writes it), kept byte for byte.
    pub fn push_compact_json(&mut self, json: &[u8]) -> io::Result<()> {
        let previous = self
            .open
            .skeletons
            .get(self.open.last_skeleton)
            .map(|s| (s.bytes.as_slice(), s.holes.as_slice()));
        let followed = scan::split_json(json, previous, &mut self.parts);
        self.encode_parts(followed, json)
    }

    /// Encodes the record in `parts`, its values in `source`; with `followed`, its skeleton is
    /// the last one used (and not in `parts`).
    fn encode_parts(&mut self, followed: bool, source: &[u8]) -> io::Result<()> {
        let parts = &self.parts;
        let found = if followed {
            Some(self.open.last_skeleton)
        } else {
            self.open.find_skeleton(&parts.skeleton, &parts.holes)
        };
        let skeleton_len = match found {
            Some(index) => self.open.skeletons[index].bytes.len(),
            None => parts.skeleton.len(),
        };
        if found.is_none() && self.open.skeletons.len() >= MAX_SKELETONS {
            self.close_chunk(true)?;
        }
        let parts = &self.parts;
        let base = self.open_start;
        let open = &mut self.open;
        match found {
            Some(index) => self.buffer.push(index as u8),
            None => {
                self.buffer.push(NEW_SKELETON);
                write_varint(&mut self.buffer, parts.skeleton.len());
                self.buffer.extend_from_slice(&parts.skeleton);
                write_varint(&mut self.buffer, parts.holes.len());
                let mut previous = 0;
                for &hole in &parts.holes {
                    write_varint(&mut self.buffer, hole - previous);
                    previous = hole;
                }
                open.last_skeleton = open.skeletons.len();
                open.skeletons.push(Skeleton {
                    bytes: parts.skeleton.clone(),
                    holes: parts.holes.clone(),
                });
            }
        }
        // At most a code and a length per value, and the values.
        let values_len: usize = parts.spans.iter().map(|(start, end)| end - start).sum();
        self.buffer.reserve(values_len + parts.spans.len() * 4);
        if open.places.len() < parts.spans.len() {
            open.places.resize(parts.spans.len(), Recent::default());
        }
        for (place, &(start, end)) in open.places.iter_mut().zip(&parts.spans) {
            let value = &source[start..end];
            let fingerprint = fingerprint(value);
            match place.find(&self.buffer[base..], value, fingerprint) {
                Some(i) => self.buffer.push(i as u8),
                None => {
                    if value.len() < usize::from(LONG - SHORT) {
                        self.buffer.push(SHORT + value.len() as u8);
                    } else {
                        self.buffer.push(LONG);
                        write_varint(&mut self.buffer, value.len());
                    }
                    let at = self.buffer.len() - base;
                    let (Ok(at), Ok(len)) = (u32::try_from(at), u32::try_from(at + value.len()))
                    else {
                        return Err(io::Error::other("a record too large to spool"));
                    };
                    place.insert(Entry {
                        at,
                        len: len - at,
                        fingerprint,
                    });
                    self.buffer.extend_from_slice(value);
                }
            }
        }
        self.record_pushed(skeleton_len + values_len)
    }

    fn record_pushed(&mut self, decoded: usize) -> io::Result<()> {
        self.len += 1;
        self.open.records += 1;
        self.open.decoded += decoded;
        if self.open.decoded >= self.chunk_limit {
            self.close_chunk(true)?;
        }
        Ok(())
    }

    /// Ends the open chunk; with `spill`, moves the buffer to the file once it is large.
    fn close_chunk(&mut self, spill: bool) -> io::Result<()> {
        if self.open.records == 0 {
            return Ok(());
        }
        self.chunks.push(Chunk {
            start: self.spilled + self.open_start as u64,
            len: self.buffer.len() - self.open_start,
            records: self.open.records,
            decoded: self.open.decoded,
        });
        self.open.reset();
        self.open_start = self.buffer.len();
        if spill && self.buffer.len() >= self.memory_limit {
            if self.file.is_none() {
                self.file = Some(SpillFile::create()?);
            }
            if let Some(file) = &mut self.file {
                let end = self.spilled + self.buffer.len() as u64;
                if end > self.reserved {
                    let step = (SPILL_RESERVE_STEP as u64).max(end - self.reserved);
                    super::preallocate::reserve(file.file(), self.reserved, step)?;
                    self.reserved += step;
                }
                file.append(&self.buffer)?;
            }
            self.spilled += self.buffer.len() as u64;
            self.buffer.clear();
            self.open_start = 0;
        }
        Ok(())
    }
}

impl Encoder {
    fn reset(&mut self) {
        self.records = 0;
        self.decoded = 0;
        self.skeletons.clear();
        self.last_skeleton = 0;
        self.places.clear();
    }

    fn find_skeleton(&mut self, bytes: &[u8], holes: &[usize]) -> Option<usize> {
        let same = |s: &Skeleton| s.bytes == bytes && s.holes == holes;
        if self.skeletons.get(self.last_skeleton).is_some_and(same) {
            return Some(self.last_skeleton);
        }
        let found = self.skeletons.iter().position(same)?;
        self.last_skeleton = found;
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};
    use crate::graph::Text;
    use proptest::prelude::*;
    use std::io::Write;

    fn reversed(spool: ReversingSpool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        spool
            .drain_reversed(|r| {
                out.push(r.to_vec());
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn reads_back_in_reverse_from_memory() {
        let mut spool = ReversingSpool::new();
        for word in ["a", "bb", "ccc"] {
            spool.push(|b| b.write_all(word.as_bytes())).unwrap();
        }
        assert_eq!(
            reversed(spool),
            [b"ccc".to_vec(), b"bb".to_vec(), b"a".to_vec()]
        );
    }

    #[test]
    fn reads_back_in_reverse_from_a_spilled_file() {
        let mut spool = ReversingSpool::new();
        let record = vec![b'x'; 1 << 20];
        let count = 50; // 50 MiB: spills once and is read back in several chunks
        for i in 0..count {
            spool
                .push(|b| {
                    b.extend_from_slice(&record);
                    b.extend_from_slice(format!("{i:04}").as_bytes());
                    Ok(())
                })
                .unwrap();
        }
        assert!(spool.file.is_some());
        let out = reversed(spool);
        assert_eq!(out.len(), count);
        for (i, r) in out.iter().enumerate() {
            assert_eq!(
                &r[r.len() - 4..],
                format!("{:04}", count - 1 - i).as_bytes()
            );
            assert_eq!(r.len(), (1 << 20) + 4);
        }
    }

    #[test]
    fn empty_spool_emits_nothing() {
        assert!(reversed(ReversingSpool::new()).is_empty());
    }

    /// Sign-ins and audits that vary in the places the simulator varies them, and more.
    fn records(count: usize) -> Vec<crate::graph::Record> {
        use crate::graph::Record;
        let base = sample_sign_in();
        let audit = sample_audit();
        (0..count)
            .map(|i| {
                if i % 7 == 3 {
                    let mut a = audit.clone();
                    a.id = format!("SSPR_{i}").into();
                    if i % 2 == 0 {
                        a.target_resources.clear();
                    }
                    return Record::Audit(Box::new(a));
                }
                let mut s = base.clone();
                s.id = format!("{i:08x}-8b3a-45e8-971d-ae9ca292dc00").into();
                s.user_principal_name = Some(format!("user{}@xxx.onmicrosoft.com", i % 13).into());
                s.location.city = [
                    Some(Text::from("Tokyo")),
                    None,
                    Some("Zürich \"Nord\"\n".into()),
                ][i % 3]
                    .clone();
                s.status.error_code = [0, 50126, 50053, 50140][i % 4];
                s.location.geo_coordinates.latitude = Some(i as f64 / 7.0);
                if i % 11 == 0 {
                    s.risk_event_types =
                        (0..i % 5).map(|k| Text::from(format!("risk{k}"))).collect();
                }
                if i % 17 == 0 {
                    s.authentication_app_device_details =
                        Some(serde_json::json!({"appVersion": "1.0", "n": i}));
                }
                Record::SignIn(Box::new(s))
            })
            .collect()
    }

    fn push_all(spool: &mut ReversingSpool, records: &[crate::graph::Record]) {
        for record in records {
            spool.push_json(record).unwrap();
        }
    }

    fn expected(records: &[crate::graph::Record]) -> Vec<Vec<u8>> {
        records
            .iter()
            .rev()
            .map(|r| serde_json::to_vec(r).unwrap())
            .collect()
    }

    #[test]
    fn json_records_read_back_as_serde_json_writes_them() {
        let records = records(500);
        let mut spool = ReversingSpool::new();
        push_all(&mut spool, &records);
        assert_eq!(spool.len(), 500);
        assert_eq!(reversed(spool), expected(&records));
    }

    #[test]
    fn json_records_survive_small_chunks_and_the_file() {
        let records = records(2_000);
        let mut spool = ReversingSpool::with_limits(20_000, 50_000);
        push_all(&mut spool, &records);
        spool.push(|b| b.write_all(b"raw")).unwrap();
        assert!(spool.chunks.len() > 10 && spool.file.is_some());
        let mut want = expected(&records);
        want.insert(0, b"raw".to_vec());
        let want_len: usize = want.iter().map(Vec::len).sum();
        assert_eq!(spool.json_len(), want_len as u64);
        assert_eq!(reversed(spool), want);
    }

    #[test]
    fn compact_json_reads_back_byte_for_byte_beside_serialized_records() {
        let records = records(2_000);
        let mut spool = ReversingSpool::with_limits(20_000, 50_000);
        for (i, record) in records.iter().enumerate() {
            if i % 5 == 0 {
                spool.push_json(record).unwrap();
            } else {
                spool
                    .push_compact_json(&serde_json::to_vec(record).unwrap())
                    .unwrap();
            }
        }
        assert!(spool.chunks.len() > 10 && spool.file.is_some());
        assert_eq!(reversed(spool), expected(&records));
    }

    #[test]
    fn joined_runs_are_the_records_newest_first_with_separators() {
        for limits in [(CHUNK_LIMIT, MEMORY_LIMIT), (20_000, 50_000)] {
            let records = records(2_000);
            let mut spool = ReversingSpool::with_limits(limits.0, limits.1);
            push_all(&mut spool, &records);
            let mut joined = Vec::new();
            let mut runs = 0;
            spool
                .drain_reversed_joined(b",\n", |run| {
                    runs += 1;
                    run.iter().for_each(|slice| joined.extend_from_slice(slice));
                    Ok(())
                })
                .unwrap();
            assert_eq!(
                String::from_utf8(joined).unwrap(),
                String::from_utf8(expected(&records).join(&b",\n"[..])).unwrap()
            );
            // Many chunks come as many runs.
            assert!(limits.0 == CHUNK_LIMIT || runs > 20, "{runs} runs");
        }
        let mut nothing = Vec::new();
        ReversingSpool::new()
            .drain_reversed_joined(b",", |run| {
                run.iter()
                    .for_each(|slice| nothing.extend_from_slice(slice));
                Ok(())
            })
            .unwrap();
        assert!(nothing.is_empty());
    }

    #[test]
    fn repeated_values_are_kept_once() {
        let records = records(1_000);
        let mut spool = ReversingSpool::new();
        push_all(&mut spool, &records);
        let json: usize = records
            .iter()
            .map(|r| serde_json::to_vec(r).unwrap().len())
            .sum();
        assert!(
            spool.buffer.len() * 3 < json,
            "{} of {json}",
            spool.buffer.len()
        );
    }

    #[test]
    fn many_shapes_start_new_chunks() {
        let mut spool = ReversingSpool::new();
        let values: Vec<Vec<u32>> = (0..600).map(|i| (0..i % 300).collect()).collect();
        for v in &values {
            spool.push_json(v).unwrap();
        }
        assert!(spool.chunks.len() >= 2);
        let want: Vec<Vec<u8>> = values
            .iter()
            .rev()
            .map(|v| serde_json::to_vec(v).unwrap())
            .collect();
        assert_eq!(reversed(spool), want);
    }

    proptest! {
        #[test]
        fn any_strings_round_trip(
            texts in proptest::collection::vec(proptest::option::of("\\PC{0,40}|[a-c\"\\\\\u{0}-\u{1f}]{0,6}"), 1..60),
            chunk in 64usize..4_000,
        ) {
            let mut spool = ReversingSpool::with_limits(chunk, chunk * 2);
            let records: Vec<serde_json::Value> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| serde_json::json!({"i": i, "t": t, "k": {"same": t, "n": i % 3 == 0}}))
                .collect();
            for r in &records {
                spool.push_json(r).unwrap();
            }
            let want: Vec<Vec<u8>> = records.iter().rev().map(|v| serde_json::to_vec(v).unwrap()).collect();
            prop_assert_eq!(reversed(spool), want);
        }
    }
}
