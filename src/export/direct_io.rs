//! Writing large files with direct I/O (`O_DIRECT`, Linux): the bytes go from our buffers to
//! the disk without being copied into the page cache first.
//!
//! Used for the `graph` export's spool (`spool::spill`), a temporary file of about 250 MB for
//! a million sign-ins that is written once and read back once: kept out of the page cache,
//! it costs no copy and leaves the cache to the files the user asked for. Those files are
//! written through the page cache (`output`): the command then ends when the bytes are
//! there, as for any other writer, and on this machine that was faster than waiting for a
//! direct write of 1.5 GB to reach the disk (`docs/generate.md`).
//!
//! Direct I/O wants the buffer, the file offset and the length aligned to the device's
//! logical block; [`ALIGN`] (4096) covers every common device. Data is therefore written in
//! whole aligned blocks; what is left at the end (less than a block) is written through the
//! page cache after direct I/O is switched off. Where the filesystem has no direct I/O
//! (tmpfs before Linux 6.6, some network filesystems, systems other than Linux), or refuses
//! a write, everything is written through the page cache as before: the bytes are the same
//! either way.

use std::borrow::Borrow;
use std::fs::File;
use std::io::{self, Write};

/// The alignment of buffers, offsets and lengths for direct writes.
pub(crate) const ALIGN: usize = 4096;

/// A buffer of fixed capacity (a multiple of [`ALIGN`]) whose start is aligned to [`ALIGN`].
pub(crate) struct AlignedBuffer {
    storage: Vec<u8>,
    start: usize,
    len: usize,
    capacity: usize,
}

impl AlignedBuffer {
    pub(crate) fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0 && capacity.is_multiple_of(ALIGN),
            "a whole number of blocks"
        );
        let storage = vec![0u8; capacity + ALIGN];
        let address = storage.as_ptr().addr();
        let start = (ALIGN - address % ALIGN) % ALIGN;
        AlignedBuffer {
            storage,
            start,
            len: 0,
            capacity,
        }
    }

    /// Appends as much of `bytes` as fits; returns how much that was.
    pub(crate) fn fill(&mut self, bytes: &[u8]) -> usize {
        let taken = bytes.len().min(self.capacity - self.len);
        let at = self.start + self.len;
        self.storage[at..at + taken].copy_from_slice(&bytes[..taken]);
        self.len += taken;
        taken
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == self.capacity
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len]
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

/// Writes a file (a `File` or a `&File`) from its current offset, which must be aligned,
/// directly while it can.
pub(crate) struct DirectWriter<F: Borrow<File>> {
    file: F,
    direct: bool,
}

impl<F: Borrow<File>> DirectWriter<F> {
    /// Switches `file` to direct I/O where the filesystem has it.
    pub(crate) fn new(file: F) -> Self {
        let direct = set_direct(file.borrow(), true);
        DirectWriter { file, direct }
    }

    pub(crate) fn file(&self) -> &File {
        self.file.borrow()
    }

    /// Writes `block`: aligned, and a whole number of [`ALIGN`] blocks for a direct write.
    /// A write the filesystem refuses is written again through the page cache, and so is
    /// everything after it.
    pub(crate) fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        let mut rest = block;
        while !rest.is_empty() {
            match self.file().write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => rest = &rest[written..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if self.direct && e.raw_os_error() == Some(EINVAL) => {
                    self.stop_direct();
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Switches direct I/O off and writes `tail` (any length) through the page cache,
    /// keeping the writer (for a file that is read back next).
    pub(crate) fn write_tail(&mut self, tail: &[u8]) -> io::Result<()> {
        self.stop_direct();
        self.file().write_all(tail)
    }

    fn stop_direct(&mut self) {
        if self.direct {
            set_direct(self.file.borrow(), false);
            self.direct = false;
        }
    }
}

#[cfg(target_os = "linux")]
const EINVAL: i32 = libc::EINVAL;
#[cfg(not(target_os = "linux"))]
const EINVAL: i32 = 22;

/// Turns direct I/O on or off for `file`; false when the filesystem cannot.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl only reads and sets the status flags of a descriptor that `file` keeps
    // open for as long as it is borrowed.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return false;
    }
    let wanted = if on {
        flags | libc::O_DIRECT
    } else {
        flags & !libc::O_DIRECT
    };
    // SAFETY: as above.
    unsafe { libc::fcntl(fd, libc::F_SETFL, wanted) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, on: bool) -> bool {
    !on
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek};

    #[test]
    fn buffers_are_aligned_and_fill_to_capacity() {
        let mut buffer = AlignedBuffer::new(2 * ALIGN);
        assert_eq!(buffer.as_slice().as_ptr().addr() % ALIGN, 0);
        assert_eq!(buffer.fill(&[1; 5000]), 5000);
        assert_eq!(buffer.fill(&[2; 5000]), 2 * ALIGN - 5000);
        assert!(buffer.is_full());
        assert_eq!(buffer.fill(&[3]), 0);
        assert_eq!(buffer.as_slice()[4999..5001], [1, 2]);
        buffer.clear();
        assert!(buffer.as_slice().is_empty());
    }

    /// Whole blocks directly (where the temporary folder's filesystem can), then a tail of
    /// any length: the file holds exactly the bytes, in order.
    #[test]
    fn writes_blocks_then_a_tail_into_the_same_bytes() {
        let mut file = tempfile::tempfile().unwrap();
        let mut block = AlignedBuffer::new(4 * ALIGN);
        let mut want = Vec::new();
        let mut writer = DirectWriter::new(&file);
        for round in 0..3u8 {
            block.clear();
            let bytes: Vec<u8> = (0..4 * ALIGN).map(|i| (i as u8) ^ round).collect();
            block.fill(&bytes);
            writer.write_block(block.as_slice()).unwrap();
            want.extend_from_slice(&bytes);
        }
        writer.write_tail(b"tail of 17 bytes!").unwrap();
        want.extend_from_slice(b"tail of 17 bytes!");
        let mut back = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut back).unwrap();
        assert!(back == want, "the file differs from what was written");
    }

    /// A write direct I/O refuses (on most filesystems an unaligned length) is written
    /// through the page cache instead, and so is the rest.
    #[test]
    fn a_refused_direct_write_falls_back_to_the_page_cache() {
        let mut file = tempfile::tempfile().unwrap();
        let mut writer = DirectWriter::new(&file);
        let mut block = AlignedBuffer::new(ALIGN);
        block.fill(&[7; 100]);
        writer.write_block(block.as_slice()).unwrap();
        writer.write_tail(b"!").unwrap();
        let mut back = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 101);
        assert_eq!(back[100], b'!');
    }
}
