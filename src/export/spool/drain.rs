//! Reading the spool back, last record first. With more than one chunk, a second thread reads
//! and decodes the chunks (newest first) and lays each one out newest first, joined by the
//! separator the output wants, while this thread writes the previous one out in a single call:
//! decoding and reversing cost about as much as writing, so the two overlap, and the writing
//! thread copies nothing. At most three chunks are held: one being written, one ready and
//! waiting, one being decoded.

use super::decode::decode_chunk;
use super::{Chunk, ReversingSpool};
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::sync::mpsc;

/// One chunk's records as JSON in the order they were pushed, and where each ends.
#[derive(Default)]
struct Decoded {
    json: Vec<u8>,
    ends: Vec<usize>,
}

/// One chunk's records newest first, a separator between each two, and where each record is.
#[derive(Default)]
struct Reversed {
    bytes: Vec<u8>,
    records: Vec<Range<usize>>,
}

impl Decoded {
    fn reverse_into(&self, separator: &[u8], out: &mut Reversed) {
        out.bytes.clear();
        out.bytes
            .reserve(self.json.len() + separator.len() * self.ends.len());
        out.records.clear();
        for i in (0..self.ends.len()).rev() {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            if i + 1 != self.ends.len() {
                out.bytes.extend_from_slice(separator);
            }
            let at = out.bytes.len();
            out.bytes.extend_from_slice(&self.json[start..self.ends[i]]);
            out.records.push(at..out.bytes.len());
        }
    }
}

impl ReversingSpool {
    /// Hands every record to `emit`, last pushed first, one at a time: how the tests see
    /// each record's bytes (the exports write whole runs, [`Self::drain_reversed_joined`]).
    #[cfg(test)]
    pub(super) fn drain_reversed(
        self,
        mut emit: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.drain_chunks(b"", |chunk| {
            chunk
                .records
                .iter()
                .try_for_each(|range| emit(&chunk.bytes[range.clone()]))
        })
    }

    /// Hands every record to `emit`, last pushed first, with `separator` between each two:
    /// each call gets a run of whole records (and the separators between them), the runs in
    /// order, and `separator` goes between two runs too.
    pub fn drain_reversed_joined(
        self,
        separator: &[u8],
        mut emit: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut first = true;
        self.drain_chunks(separator, |chunk| {
            if chunk.records.is_empty() {
                return Ok(());
            }
            if !std::mem::take(&mut first) {
                emit(separator)?;
            }
            emit(&chunk.bytes)
        })
    }

    /// Hands each chunk, newest first and reversed, to `each`.
    fn drain_chunks(
        mut self,
        separator: &[u8],
        mut each: impl FnMut(&Reversed) -> io::Result<()>,
    ) -> io::Result<()> {
        self.close_chunk(false)?;
        let spool = &self;
        let mut decoded = Decoded::default();
        let mut read = Vec::new();
        let mut prepare = move |chunk: &Chunk, out: &mut Reversed| -> io::Result<()> {
            spool.decode(chunk, &mut read, &mut decoded)?;
            decoded.reverse_into(separator, out);
            Ok(())
        };
        if spool.chunks.len() <= 1 {
            let mut reversed = Reversed::default();
            for chunk in &spool.chunks {
                prepare(chunk, &mut reversed)?;
                each(&reversed)?;
            }
            return Ok(());
        }
        std::thread::scope(|scope| {
            let (ready, received) = mpsc::sync_channel::<io::Result<Reversed>>(1);
            let (spent, returned) = mpsc::channel::<Reversed>();
            scope.spawn(move || {
                for chunk in spool.chunks.iter().rev() {
                    let mut reversed = returned.try_recv().unwrap_or_default();
                    let result = prepare(chunk, &mut reversed);
                    let failed = result.is_err();
                    if ready.send(result.map(|()| reversed)).is_err() || failed {
                        return;
                    }
                }
            });
            for reversed in received {
                let reversed = reversed?;
                each(&reversed)?;
                let _ = spent.send(reversed);
            }
            Ok(())
        })
    }

    /// Decodes one closed chunk into `decoded`, reading it from the file into `read` when it
    /// was spilled.
    fn decode(&self, chunk: &Chunk, read: &mut Vec<u8>, decoded: &mut Decoded) -> io::Result<()> {
        let bytes: &[u8] = match chunk.start.checked_sub(self.spilled) {
            Some(offset) => &self.buffer[offset as usize..offset as usize + chunk.len],
            None => {
                let file = self.file.as_ref().expect("a spilled chunk is in the file");
                read.resize(chunk.len, 0);
                file.read_exact_at(read, chunk.start)?;
                read
            }
        };
        decoded.json.clear();
        decoded.json.reserve(chunk.decoded);
        decoded.ends.clear();
        decode_chunk(bytes, chunk.records, &mut decoded.json, &mut decoded.ends)
    }
}
