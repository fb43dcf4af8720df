//! Reading the spool back, last record first. With more than one chunk, a second thread reads
//! and decodes the chunks (newest first) while this thread writes the previous one out: the
//! records of a chunk are handed over as slices of the decoded chunk, newest first, so the
//! writer gives them to one vectored write each run and nothing is copied to reverse them.
//! At most three chunks are held: one being written, one ready and waiting, one being decoded.

use super::decode::decode_chunk;
use super::{Chunk, ReversingSpool};
use std::io::{self, IoSlice};
use std::os::unix::fs::FileExt;
use std::sync::mpsc;

/// Buffers of decoded chunks the reading thread makes (see `drain_chunks`).
const BUFFERS: usize = 3;

/// Makes room for `len` bytes in an empty buffer: a new allocation when it is too small, as
/// growing it (`reserve`) would copy its whole old capacity for nothing.
fn grow_empty(buffer: &mut Vec<u8>, len: usize) {
    debug_assert!(buffer.is_empty());
    if buffer.capacity() < len {
        *buffer = Vec::with_capacity(len + len / 8);
    }
}

/// One chunk's records as JSON in the order they were pushed, and where each ends.
#[derive(Default)]
struct Decoded {
    json: Vec<u8>,
    ends: Vec<usize>,
}

impl Decoded {
    /// The records, last pushed first.
    fn newest_first(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len()).rev().map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.json[start..self.ends[i]]
        })
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
        self.drain_chunks(|chunk| chunk.newest_first().try_for_each(&mut emit))
    }

    /// Hands every record to `emit`, last pushed first, with `separator` between each two:
    /// each call gets a run of whole records and the separators around them, as slices for a
    /// vectored write (the slices may be advanced); the runs come in order.
    pub fn drain_reversed_joined(
        self,
        separator: &[u8],
        mut emit: impl FnMut(&mut [IoSlice<'_>]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut first = true;
        self.drain_chunks(|chunk| {
            let mut slices = Vec::with_capacity(2 * chunk.ends.len());
            for record in chunk.newest_first() {
                if !std::mem::take(&mut first) {
                    slices.push(IoSlice::new(separator));
                }
                slices.push(IoSlice::new(record));
            }
            if slices.is_empty() {
                return Ok(());
            }
            emit(&mut slices)
        })
    }

    /// Hands each chunk, decoded, newest chunk first, to `each`.
    fn drain_chunks(mut self, mut each: impl FnMut(&Decoded) -> io::Result<()>) -> io::Result<()> {
        self.close_chunk(false)?;
        if let Some(file) = &mut self.file {
            file.finish()?;
        }
        let spool = &self;
        let mut read = Vec::new();
        let mut decode =
            move |chunk: &Chunk, out: &mut Decoded| spool.decode(chunk, &mut read, out);
        if spool.chunks.len() <= 1 {
            let mut decoded = Decoded::default();
            for chunk in &spool.chunks {
                decode(chunk, &mut decoded)?;
                each(&decoded)?;
            }
            return Ok(());
        }
        std::thread::scope(|scope| {
            let (ready, received) = mpsc::sync_channel::<io::Result<Decoded>>(1);
            let (spent, returned) = mpsc::channel::<Decoded>();
            scope.spawn(move || {
                let mut made = 0;
                for chunk in spool.chunks.iter().rev() {
                    // At most three chunks are held at once (one written, one waiting, this
                    // one), so three buffers serve them all: a fresh 16 MB buffer a chunk
                    // cost its page faults every time, as the allocator hands freed memory
                    // back to the system.
                    let mut decoded = match returned.try_recv() {
                        Ok(decoded) => decoded,
                        Err(_) if made < BUFFERS => {
                            made += 1;
                            Decoded::default()
                        }
                        Err(_) => match returned.recv() {
                            Ok(decoded) => decoded,
                            Err(_) => return,
                        },
                    };
                    let result = decode(chunk, &mut decoded);
                    let failed = result.is_err();
                    if ready.send(result.map(|()| decoded)).is_err() || failed {
                        return;
                    }
                }
            });
            for decoded in received {
                let decoded = decoded?;
                each(&decoded)?;
                let _ = spent.send(decoded);
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
                let file = file.file();
                read.clear();
                grow_empty(read, chunk.len);
                read.resize(chunk.len, 0);
                file.read_exact_at(read, chunk.start)?;
                read
            }
        };
        decoded.json.clear();
        grow_empty(&mut decoded.json, chunk.decoded);
        decoded.ends.clear();
        decode_chunk(bytes, chunk.records, &mut decoded.json, &mut decoded.ends)
    }
}
