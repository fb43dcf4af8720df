//! The spool's temporary file, written with direct I/O (`export::direct_io`): the spilled
//! chunks of a million sign-ins are about 250 MB, written once and read back once, so copying
//! them through the page cache only cost time. Bytes are staged in an aligned buffer and
//! written a whole block at a time; [`SpillFile::finish`] writes the rest before reading back.

use crate::export::direct_io::{AlignedBuffer, DirectWriter};
use std::fs::File;
use std::io;

/// Bytes staged per direct write.
const STAGE: usize = 4 << 20;

pub(super) struct SpillFile {
    writer: DirectWriter<File>,
    staged: AlignedBuffer,
}

impl SpillFile {
    pub(super) fn create() -> io::Result<Self> {
        Ok(SpillFile {
            writer: DirectWriter::new(tempfile::tempfile()?),
            staged: AlignedBuffer::new(STAGE),
        })
    }

    pub(super) fn file(&self) -> &File {
        self.writer.file()
    }

    /// Appends `bytes` to the file (some may wait in the stage until [`Self::finish`]).
    pub(super) fn append(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let taken = self.staged.fill(bytes);
            bytes = &bytes[taken..];
            if self.staged.is_full() {
                self.writer.write_block(self.staged.as_slice())?;
                self.staged.clear();
            }
        }
        Ok(())
    }

    /// Writes what is staged: from here on the file holds every byte appended.
    pub(super) fn finish(&mut self) -> io::Result<()> {
        self.writer.write_tail(self.staged.as_slice())?;
        self.staged.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn holds_every_appended_byte_after_finish() {
        let mut spill = SpillFile::create().unwrap();
        let bytes: Vec<u8> = (0..STAGE * 2 + 12_345).map(|i| (i % 251) as u8).collect();
        for piece in bytes.chunks(1_000_003) {
            spill.append(piece).unwrap();
        }
        spill.finish().unwrap();
        spill.append(b"more").unwrap();
        spill.finish().unwrap();
        let mut back = vec![0; bytes.len() + 4];
        spill.file().read_exact_at(&mut back, 0).unwrap();
        assert!(back[..bytes.len()] == bytes[..]);
        assert_eq!(&back[bytes.len()..], b"more");
    }
}
