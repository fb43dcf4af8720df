//! A regular file read through its pages mapped into memory, read-only, as ripgrep reads
//! large files: lines are decoded straight from the page cache, where `read(2)` first copied
//! every byte into our blocks (a tenth of the Event Hub reader's time was that copy).
//!
//! The file is mapped a window at a time ([`WINDOW`] bytes, more when a line is longer), each
//! shared by the blocks cut from it ([`crate::logfiles::blocks`]) and unmapped when the last
//! of them is dropped: a mapped page counts in the process's resident memory, so mapping the
//! whole file would make a 1 GB file look like 1 GB of memory; windows keep it to a few.
//!
//! Only regular files are mapped ([`Mapped::open`]); standard input, pipes, devices and any
//! other input are read with `read(2)` as before. A file is read up to the length it had when
//! it was opened. Caveat (as with any mapped file): a file truncated by another process while
//! it is read makes the reader stop with `SIGBUS`, and one rewritten in place may be read half
//! old, half new; log exports are written once and then read, so the readers map them.

use memmap2::{Mmap, MmapOptions};
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::ops::Range;
use std::sync::Arc;

/// The bytes mapped at a time: a few of these are in use at once (the block being scanned,
/// the next one, those being decoded).
pub(crate) const WINDOW: usize = 8 << 20;

/// One window of the file: `map` holds the bytes from `start` on.
struct Window {
    map: Arc<Mmap>,
    start: u64,
}

/// A regular file, mapped window by window, and where it is read.
pub(crate) struct Mapped {
    file: File,
    len: u64,
    /// The offset of the next byte to read.
    pos: u64,
    window: Option<Window>,
    /// Set when the reader's caller wants no more (`until`): the next read fails.
    stop: Option<super::until::Stop>,
}

impl Mapped {
    /// `file` to be mapped, if it is a regular file with bytes in it that can be mapped;
    /// `None`: read it with `read(2)`.
    pub(crate) fn open(file: &File) -> Option<Mapped> {
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() == 0 {
            return None;
        }
        let mut mapped = Mapped {
            file: file.try_clone().ok()?,
            len: meta.len(),
            pos: 0,
            window: None,
            stop: None,
        };
        // Mapped once here, so a file that cannot be mapped is read instead, from its start.
        mapped.map_at(0, WINDOW).ok()?;
        Some(mapped)
    }

    /// The same file, its reads failing once `stop` (if any) is set.
    pub(crate) fn stop_when(self, stop: Option<super::until::Stop>) -> Mapped {
        Mapped { stop, ..self }
    }

    /// Maps `len` bytes (fewer at the end of the file) from `start` on.
    fn map_at(&mut self, start: u64, len: usize) -> io::Result<()> {
        let rest = usize::try_from(self.len - start).unwrap_or(usize::MAX);
        let len = len.min(rest);
        // SAFETY: the map is read-only and private; what changing the file under it does is the
        // module's documented caveat (as for ripgrep), and the bytes are only ever read.
        let map = unsafe {
            MmapOptions::new()
                .offset(start)
                .len(len)
                // The pages are all read, in order: mapped in one call, not a fault each.
                .populate()
                .map(&self.file)?
        };
        self.window = Some(Window {
            map: Arc::new(map),
            start,
        });
        Ok(())
    }

    /// The mapped bytes from `pos` on, mapping a new window of at least `want` bytes (or to
    /// the end of the file) when the current one holds fewer.
    fn ahead(&mut self, want: usize) -> io::Result<(&Arc<Mmap>, usize)> {
        let want = (want as u64).min(self.len - self.pos);
        let covered = self.window.as_ref().is_some_and(|w| {
            w.start <= self.pos && w.start + w.map.len() as u64 >= self.pos + want
        });
        if !covered {
            self.map_at(self.pos, (want as usize).max(WINDOW))?;
        }
        let window = self.window.as_ref().expect("mapped above");
        Ok((&window.map, (self.pos - window.start) as usize))
    }

    /// The next bytes for a block: up to the `\n` of the last line that starts in the next
    /// `size` bytes, else of the line that goes on past them (at most `max_line` long, past
    /// which the block ends mid-line), or to the end of the file. Shared, not copied: the
    /// window and the range of it. `None` at the end of the file.
    pub(crate) fn next_lines(
        &mut self,
        size: usize,
        max_line: usize,
    ) -> io::Result<Option<(Arc<Mmap>, Range<usize>)>> {
        super::until::check(self.stop.as_ref())?;
        let mut want = size;
        loop {
            if self.pos >= self.len {
                return Ok(None);
            }
            let (pos, file_len) = (self.pos, self.len);
            let (map, from) = self.ahead(want)?;
            let at_end = pos + (map.len() - from) as u64 >= file_len;
            if let Some(end) = lines_end(&map[from..], size, max_line, at_end) {
                let map = Arc::clone(map);
                self.pos += end as u64;
                return Ok(Some((map, from..from + end)));
            }
            // A line goes on past the window: a window from here that holds it (or
            // `max_line` of it) whole.
            want = max_line.saturating_add(size);
        }
    }
}

/// How many bytes of `bytes` (the window from the block's start on) the block takes, as
/// [`Mapped::next_lines`] says; `None` when that cannot be told without more of the file
/// (`bytes` ends before a line's end and before `max_line`, and `at_end` says the file goes on).
fn lines_end(bytes: &[u8], size: usize, max_line: usize, at_end: bool) -> Option<usize> {
    let head = size.min(bytes.len());
    if at_end && bytes.len() <= size {
        return Some(bytes.len());
    }
    if let Some(last) = memchr::memrchr(b'\n', &bytes[..head]) {
        return Some(last + 1);
    }
    let reach = bytes.len().min(max_line.max(head));
    if let Some(next) = memchr::memchr(b'\n', &bytes[head..reach]) {
        return Some(head + next + 1);
    }
    (at_end || bytes.len() >= max_line).then_some(reach)
}

impl Read for Mapped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Mapped {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        super::until::check(self.stop.as_ref())?;
        if self.pos >= self.len {
            return Ok(&[]);
        }
        let (map, from) = self.ahead(1)?;
        Ok(&map[from..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = self.pos.saturating_add(amount as u64).min(self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        file.flush().unwrap();
        file
    }

    #[test]
    fn blocks_end_after_whole_lines_and_the_last_where_the_file_does() {
        assert_eq!(lines_end(b"ab\ncd\nef", 4, 100, true), Some(3));
        assert_eq!(lines_end(b"ab\ncd\nef", 100, 100, true), Some(8));
        // The line goes on past the block: to its end.
        assert_eq!(lines_end(b"abcdef\ngh", 2, 100, false), Some(7));
        // Past the window, the file going on: more of it is needed.
        assert_eq!(lines_end(b"abcdef", 2, 100, false), None);
        // A line longer than `max_line` is cut.
        assert_eq!(lines_end(b"abcdef", 2, 4, false), Some(4));
    }

    #[test]
    fn reads_every_byte_in_blocks_of_whole_lines() {
        let text = b"{\"a\":1}\n{\"b\":22}\n{\"c\":333}\nlast".repeat(50);
        let file = file_of(&text);
        for (size, max_line) in [(1, 1 << 20), (7, 1 << 20), (64, 1 << 20), (10, 12)] {
            let mut mapped = Mapped::open(file.as_file()).unwrap();
            let mut all = Vec::new();
            while let Some((map, range)) = mapped.next_lines(size, max_line).unwrap() {
                let block = &map[range];
                all.extend_from_slice(block);
                if all.len() < text.len() {
                    assert!(
                        block.ends_with(b"\n") || block.len() >= max_line.min(size),
                        "{size}"
                    );
                }
            }
            assert_eq!(all, text, "size {size}");
        }
    }

    #[test]
    fn only_regular_files_with_bytes_are_mapped() {
        assert!(Mapped::open(file_of(b"").as_file()).is_none());
        let mut mapped = Mapped::open(file_of(b"{}\n").as_file()).unwrap();
        assert_eq!(mapped.fill_buf().unwrap(), b"{}\n");
        mapped.consume(1);
        let mut rest = String::new();
        mapped.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "}\n");
    }

    #[test]
    fn a_mapped_file_reads_as_its_bytes_do_in_every_encoding_and_shape() {
        use crate::logfiles::{read_path, read_slice};
        let sign_in =
            r#"{"id":"1","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":0}}"#;
        let csv = "TimeGenerated [UTC],Type,Id,CreatedDateTime [UTC],ResultType\n\
                   2025-03-17T15:08:07Z,SigninLogs,1,2025-03-17T15:08:07Z,0\n";
        let envelope =
            format!(r#"{{"records":[{{"category":"SignInLogs","properties":{sign_in}}}]}}"#);
        let utf16 = |text: &str, big: bool| -> Vec<u8> {
            let bom: &[u8] = if big { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] };
            let units = text.encode_utf16().flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            });
            bom.iter().copied().chain(units).collect()
        };
        let texts: Vec<Vec<u8>> = vec![
            format!("{sign_in}\n{sign_in}").into_bytes(),
            [&b"\xEF\xBB\xBF"[..], sign_in.as_bytes()].concat(),
            utf16(&format!("{sign_in}\n{envelope}\n"), false),
            utf16(&envelope, true),
            csv.as_bytes().to_vec(),
            format!("  \n{envelope}\n\n{{\"id\" 1}}").into_bytes(),
        ];
        for text in texts {
            let file = file_of(&text);
            let mapped = read_path(file.path()).map_err(|e| (e.line, e.column, e.message));
            let read = read_slice(file.path(), &text).map_err(|e| (e.line, e.column, e.message));
            assert_eq!(mapped, read, "{}", String::from_utf8_lossy(&text));
        }
    }
}
