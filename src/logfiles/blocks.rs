//! The bytes of a JSON log file in blocks of whole lines, each owned and shareable, so that
//! the fast path's workers ([`super::fast::Ahead`]) can decode lines of one block while the
//! scanner reads an earlier one.
//!
//! A block is about [`Tuning::read_bytes`](super::fast::Tuning) long and ends with a line's
//! `\n`: the start of a line cut by a read is carried over to the next block, which therefore
//! starts at a line's start. A line longer than a block makes its block grow until the line's
//! end is in it, up to [`MAX_LINE`]; past that, the block ends where it is (mid-line) and the
//! scanner reads that line byte by byte, as it reads any line that is not whole in its block.
//! The last block ends where the file does. A regular file's blocks are ranges of its mapped
//! pages ([`super::mapped`]), cut by the same rules, rather than copies.

use super::source::{Cursor, Input};
use memmap2::Mmap;
use std::io;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

/// A line longer than this (without its end in sight) is not held whole for the whole-line
/// paths: its block ends and it is read byte by byte.
pub(crate) const MAX_LINE: usize = 16 << 20;

/// Bytes of the file: `bytes[..len]`, or a range of a mapped window of it. The rest of
/// `bytes` is space already allocated (and zeroed once) for the next use of the block, so that
/// refilling costs no clearing.
pub(crate) struct Block {
    bytes: Vec<u8>,
    len: usize,
    /// A mapped file's bytes, shared with the window's other blocks (`bytes` is then empty).
    mapped: Option<(Arc<Mmap>, Range<usize>)>,
}

impl Block {
    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.mapped {
            Some((map, range)) => &map[range.clone()],
            None => &self.bytes[..self.len],
        }
    }
}

/// Blocks already handed out and kept for reuse once every reader of them is done: at most
/// this many (the scanner holds two, the decoders a few more).
const KEPT_BLOCKS: usize = 6;

/// Reads blocks of whole lines from a cursor.
pub(crate) struct Blocks<'c, 'a> {
    cursor: &'c mut Cursor<'a>,
    /// How many bytes a block is read to.
    size: usize,
    /// The start of a line the last block cut, for the next one.
    carry: Vec<u8>,
    /// The file has no more bytes.
    eof: bool,
    /// A read failed after the bytes of the block being read: they are handed out first,
    /// then the error.
    failed: Option<io::Error>,
    kept: Vec<Arc<Block>>,
}

impl<'c, 'a> Blocks<'c, 'a> {
    pub(crate) fn new(cursor: &'c mut Cursor<'a>, size: usize) -> Self {
        Blocks {
            cursor,
            size: size.max(1),
            carry: Vec::new(),
            eof: false,
            failed: None,
            kept: Vec::new(),
        }
    }

    /// The next block; `None` at the end of the file.
    pub(crate) fn next_block(&mut self) -> io::Result<Option<Arc<Block>>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Input::Mapped(file) = &mut self.cursor.inner {
            // Cut from the mapped pages where they lie: nothing to copy, nothing to carry.
            return Ok(file.next_lines(self.size, MAX_LINE)?.map(|mapped| {
                Arc::new(Block {
                    bytes: Vec::new(),
                    len: 0,
                    mapped: Some(mapped),
                })
            }));
        }
        if self.eof && self.carry.is_empty() {
            return Ok(None);
        }
        let mut block = self.spare_block();
        let carried = self.carry.len();
        block.ensure(carried + self.size);
        block.bytes[..carried].copy_from_slice(&self.carry);
        block.len = carried;
        self.carry.clear();
        // Where a line's end is searched for next: bytes before it have none.
        let mut searched = 0;
        let mut target = carried + self.size;
        loop {
            self.fill(&mut block, target);
            if self.failed.is_some() || self.eof {
                break;
            }
            let filled = block.len;
            match memchr::memrchr(b'\n', &block.bytes[searched..filled]) {
                Some(last) => {
                    let end = searched + last + 1;
                    self.carry.extend_from_slice(&block.bytes[end..filled]);
                    block.len = end;
                    break;
                }
                None if filled >= MAX_LINE => break,
                None => {
                    // One line fills the block: it grows until the line's end is in it.
                    searched = filled;
                    target = filled + self.size;
                    block.ensure(target);
                }
            }
        }
        if block.len == 0 {
            return match self.failed.take() {
                Some(e) => Err(e),
                None => Ok(None),
            };
        }
        let block = Arc::new(block);
        if self.kept.len() >= KEPT_BLOCKS {
            self.kept.remove(0);
        }
        self.kept.push(Arc::clone(&block));
        Ok(Some(block))
    }

    /// Reads into `block` until it holds `target` bytes or the file ends (or fails).
    fn fill(&mut self, block: &mut Block, target: usize) {
        while block.len < target {
            match self.cursor.inner.read(&mut block.bytes[block.len..target]) {
                Ok(0) => {
                    self.eof = true;
                    return;
                }
                Ok(n) => block.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.failed = Some(e);
                    return;
                }
            }
        }
    }

    /// A kept block nothing else holds any more, or a new one.
    fn spare_block(&mut self) -> Block {
        let free = self
            .kept
            .iter()
            .position(|b| Arc::strong_count(b) == 1 && Arc::weak_count(b) == 0);
        free.and_then(|at| Arc::into_inner(self.kept.remove(at)))
            .unwrap_or(Block {
                bytes: Vec::new(),
                len: 0,
                mapped: None,
            })
    }
}

impl Block {
    /// Room for `len` bytes.
    fn ensure(&mut self, len: usize) {
        if self.bytes.len() < len {
            self.bytes.resize(len, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut cursor = Cursor::new(text).unwrap();
        let mut blocks = Blocks::new(&mut cursor, size);
        let mut all = Vec::new();
        while let Some(block) = blocks.next_block().unwrap() {
            all.push(block.bytes().to_vec());
        }
        all
    }

    #[test]
    fn blocks_end_with_whole_lines_and_hold_every_byte() {
        let text = b"{\"a\":1}\n{\"b\":22}\n{\"c\":333}\nlast";
        for size in 1..text.len() + 2 {
            let all = blocks(text, size);
            assert_eq!(all.concat(), text, "size {size}");
            let (last, whole) = all.split_last().unwrap();
            assert!(whole.iter().all(|b| b.ends_with(b"\n")), "size {size}");
            assert!(last.ends_with(b"last"));
        }
        assert!(blocks(b"", 4).is_empty());
        assert_eq!(blocks(b"\n", 4), [b"\n"]);
    }

    #[test]
    fn a_mapped_file_is_cut_in_whole_lines_too() {
        use super::super::mapped::Mapped;
        use std::io::Write;
        let text = b"{\"a\":1}\n{\"b\":22}\n\n{\"c\":333}\nlast".repeat(3);
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&text).unwrap();
        for size in 1..text.len() + 2 {
            let mut cursor = Cursor::mapped(Mapped::open(file.as_file()).unwrap()).unwrap();
            let mut blocks = Blocks::new(&mut cursor, size);
            let mut all = Vec::new();
            while let Some(block) = blocks.next_block().unwrap() {
                all.push(block.bytes().to_vec());
            }
            assert_eq!(all.concat(), text, "size {size}");
            let (last, whole) = all.split_last().unwrap();
            assert!(whole.iter().all(|b| b.ends_with(b"\n")), "size {size}");
            assert!(last.ends_with(b"last"));
            // Cut where a line ends at or after `size` bytes, not later.
            for block in whole {
                let before = &block[..block.len() - 1];
                assert!(
                    block.len() <= size || !before[size.min(before.len())..].contains(&b'\n'),
                    "size {size}"
                );
            }
        }
    }

    #[test]
    fn a_long_line_grows_its_block() {
        let line = format!("{{\"a\":\"{}\"}}\n", "x".repeat(1000));
        let text = format!("{line}{line}");
        let all = blocks(text.as_bytes(), 64);
        assert_eq!(all, [line.as_bytes(), line.as_bytes()]);
    }
}
