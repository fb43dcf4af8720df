//! Reading the spool back, last record first. With more than one chunk, two more threads read
//! and decode the chunks (newest first, every other one each) while this thread writes the
//! previous one out: the records of a chunk are handed over as slices of the decoded chunk,
//! newest first, so the writer gives them to one vectored write each run and nothing is copied
//! to reverse them. Each decoding thread holds at most two decoded chunks.
//!
//! Two, because decoding took longer than writing: on `bench/population-1m.yaml` (2 cores)
//! one thread decoded its 1.5 GB in about 1.0 s while the writes took about 0.6 s, so the
//! writer waited. Chunks decode on their own (each has its own skeletons and recent values).

use super::decode::decode_chunk;
use super::{Chunk, ReversingSpool};
use std::io::{self, IoSlice};
use std::os::unix::fs::FileExt;
use std::sync::mpsc;

/// Threads that decode chunks while this one writes.
const DECODERS: usize = 2;
/// Buffers of decoded chunks each decoding thread makes (see `drain_chunks`).
const BUFFERS: usize = 2;

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
        if spool.chunks.len() <= 1 {
            let (mut read, mut decoded) = (Vec::new(), Decoded::default());
            for chunk in &spool.chunks {
                spool.decode(chunk, &mut read, &mut decoded)?;
                each(&decoded)?;
            }
            return Ok(());
        }
        std::thread::scope(|scope| {
            // Decoder `d` decodes the chunks `d`, `d + DECODERS`, ... counted from the newest,
            // and hands them over in that order: taking from each in turn keeps the order.
            let decoders: Vec<_> = (0..DECODERS)
                .map(|d| {
                    let (ready, received) = mpsc::sync_channel::<io::Result<Decoded>>(1);
                    let (spent, returned) = mpsc::channel::<Decoded>();
                    let chunks = spool.chunks.iter().rev().skip(d).step_by(DECODERS);
                    scope.spawn(move || decode_in_turn(spool, chunks, &ready, &returned));
                    (received, spent)
                })
                .collect();
            for turn in 0..spool.chunks.len() {
                let (received, spent) = &decoders[turn % DECODERS];
                // A decoder that fails sends its error first; one that is gone without a
                // word has panicked, which the scope raises again.
                let decoded = received
                    .recv()
                    .map_err(|_| io::Error::other("a thread reading the spool back stopped"))??;
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

/// Decodes `chunks` in order and hands each over through `ready`, reusing the buffers the
/// writer hands back through `returned`: [`BUFFERS`] of them, as a fresh 16 MB buffer a chunk
/// cost its page faults every time (the allocator hands freed memory back to the system).
/// Stops at the first error (sent) or once the writer has stopped.
fn decode_in_turn<'a>(
    spool: &ReversingSpool,
    chunks: impl Iterator<Item = &'a Chunk>,
    ready: &mpsc::SyncSender<io::Result<Decoded>>,
    returned: &mpsc::Receiver<Decoded>,
) {
    let (mut read, mut made) = (Vec::new(), 0);
    for chunk in chunks {
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
        let result = spool.decode(chunk, &mut read, &mut decoded);
        let failed = result.is_err();
        if ready.send(result.map(|()| decoded)).is_err() || failed {
            return;
        }
    }
}
