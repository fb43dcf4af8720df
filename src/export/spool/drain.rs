//! Reading the spool back, last record first. With more than one chunk, a second thread reads
//! and decodes the chunks (newest first) while this one hands the records of the previous
//! chunk to `emit`: decoding is about as costly as writing the JSON out, so the two overlap.
//! At most three chunks of JSON are held: one being emitted, one decoded and waiting, one
//! being decoded.

use super::decode::decode_chunk;
use super::{Chunk, ReversingSpool};
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::mpsc;

/// One chunk's records as JSON, and where each ends.
#[derive(Default)]
struct Decoded {
    json: Vec<u8>,
    ends: Vec<usize>,
}

impl Decoded {
    fn emit_reversed(&self, emit: &mut impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        for i in (0..self.ends.len()).rev() {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            emit(&self.json[start..self.ends[i]])?;
        }
        Ok(())
    }
}

impl ReversingSpool {
    /// Hands every record to `emit`, last pushed first.
    pub fn drain_reversed(
        mut self,
        mut emit: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.close_chunk(false)?;
        let spool = &self;
        if spool.chunks.len() <= 1 {
            let mut decoded = Decoded::default();
            for chunk in &spool.chunks {
                spool.decode(chunk, &mut Vec::new(), &mut decoded)?;
                decoded.emit_reversed(&mut emit)?;
            }
            return Ok(());
        }
        std::thread::scope(|scope| {
            let (ready, received) = mpsc::sync_channel::<io::Result<Decoded>>(1);
            let (spent, returned) = mpsc::channel::<Decoded>();
            scope.spawn(move || {
                let mut read = Vec::new();
                for chunk in spool.chunks.iter().rev() {
                    let mut decoded = returned.try_recv().unwrap_or_default();
                    let result = spool.decode(chunk, &mut read, &mut decoded);
                    let failed = result.is_err();
                    if ready.send(result.map(|()| decoded)).is_err() || failed {
                        return;
                    }
                }
            });
            for decoded in received {
                let decoded = decoded?;
                decoded.emit_reversed(&mut emit)?;
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
