//! A byte spool of serialized records that is read back last record first.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Bytes kept in memory before the spool moves to a temporary file.
const MEMORY_LIMIT: usize = 32 << 20;
/// Bytes read from the temporary file at a time when reading back.
const READ_BLOCK: u64 = 8 << 20;

#[derive(Default)]
pub struct ReversingSpool {
    buffer: Vec<u8>,
    file: Option<BufWriter<File>>,
    /// End offset of each record.
    ends: Vec<u64>,
    /// Bytes written to `file` so far.
    spilled: u64,
}

impl ReversingSpool {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends one record, written by `write` into the spool.
    pub fn push(&mut self, write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<()> {
        write(&mut self.buffer)?;
        self.ends.push(self.spilled + self.buffer.len() as u64);
        if self.buffer.len() >= MEMORY_LIMIT {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(BufWriter::with_capacity(1 << 20, tempfile::tempfile()?));
        }
        if let Some(file) = &mut self.file {
            file.write_all(&self.buffer)?;
        }
        self.spilled += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// Hands every record to `emit`, last pushed first.
    pub fn drain_reversed(
        mut self,
        mut emit: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let file = match self.file.is_some() {
            true => {
                self.spill()?;
                let writer = self.file.take().expect("spilled spool has a file");
                Some(writer.into_inner().map_err(|e| e.into_error())?)
            }
            false => None,
        };
        let start_of = |ends: &[u64], i: usize| if i == 0 { 0 } else { ends[i - 1] };
        let mut block = Vec::new();
        let mut last = self.ends.len();
        while last > 0 {
            // Take records from the end until the block is full (at least one record).
            let block_end = self.ends[last - 1];
            let mut first = last - 1;
            while first > 0 && block_end - self.ends[first - 1] < READ_BLOCK {
                first -= 1;
            }
            let block_start = start_of(&self.ends, first);
            let bytes: &[u8] = match &file {
                Some(file) => {
                    block.resize((block_end - block_start) as usize, 0);
                    file.read_exact_at(&mut block, block_start)?;
                    &block
                }
                None => &self.buffer[block_start as usize..block_end as usize],
            };
            for i in (first..last).rev() {
                let start = (start_of(&self.ends, i) - block_start) as usize;
                let end = (self.ends[i] - block_start) as usize;
                emit(&bytes[start..end])?;
            }
            last = first;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let count = 50; // 50 MiB: spills once and is read back in several blocks
        for i in 0..count {
            spool
                .push(|b| {
                    b.extend_from_slice(&record);
                    b.extend_from_slice(format!("{i:04}").as_bytes());
                    Ok(())
                })
                .unwrap();
        }
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
}
