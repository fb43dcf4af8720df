//! Reading the lines of one file on every core: the file is cut into byte ranges, one a
//! thread, and each thread reads its own range (the kernel's copy included) and hands its
//! lines, in order, to its own sink. A line belongs to the range its first byte is in, so
//! every line is read once, whole, whatever the cuts.

use memchr::memchr;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Below this size a file is read by one thread: starting threads would cost more.
const MIN_BYTES_PER_PART: u64 = 4 << 20;

/// Reads the lines of `path` (without their `\n`) into one sink per part, in file order: the
/// sinks come back in the order of their ranges. `each` returns `false` to stop everything
/// (then the answer is `None`), as does an error reading the file.
pub fn read_lines<S: Send>(
    path: &Path,
    block_bytes: usize,
    new_sink: impl Fn() -> S + Sync,
    each: impl Fn(&mut S, &[u8]) -> bool + Sync,
) -> Option<Vec<S>> {
    let size = std::fs::metadata(path).ok()?.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let parts = (size / MIN_BYTES_PER_PART).clamp(1, threads);
    let stop = AtomicBool::new(false);
    let part = |index: u64| -> Option<S> {
        let start = size * index / parts;
        // The last range runs to the end of the file, however long it has grown.
        let end = if index + 1 == parts {
            u64::MAX
        } else {
            size * (index + 1) / parts
        };
        let mut sink = new_sink();
        let read = read_range(path, start, end, block_bytes, &stop, |line| {
            each(&mut sink, line)
        });
        if read.ok() != Some(true) {
            stop.store(true, Ordering::Relaxed);
            return None;
        }
        Some(sink)
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..parts).map(|i| scope.spawn(move || part(i))).collect();
        let first = part(0);
        let mut sinks = vec![first?];
        for handle in handles {
            sinks.push(handle.join().ok()??);
        }
        Some(sinks)
    })
}

/// Hands `each` the lines that start in `start..end`; `Ok(false)` when `each` or another
/// range stopped.
fn read_range(
    path: &Path,
    start: u64,
    end: u64,
    block_bytes: usize,
    stop: &AtomicBool,
    mut each: impl FnMut(&[u8]) -> bool,
) -> io::Result<bool> {
    let mut file = File::open(path)?;
    // A range after the first starts after the first newline at or after `start - 1`: when
    // `start - 1` is a newline, the line at `start` is this range's.
    let mut offset = start.saturating_sub(1);
    file.seek(SeekFrom::Start(offset))?;
    let mut skipping = start > 0;
    let mut block: Vec<u8> = Vec::with_capacity(block_bytes + (1 << 20));
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let want = block_bytes.saturating_sub(block.len()).max(1 << 16) as u64;
        let read = file.by_ref().take(want).read_to_end(&mut block)?;
        let at_end = (read as u64) < want;
        let mut from = 0;
        if skipping {
            match memchr(b'\n', &block) {
                Some(newline) => {
                    from = newline + 1;
                    skipping = false;
                }
                None if at_end => return Ok(true),
                None => {
                    offset += block.len() as u64;
                    block.clear();
                    continue;
                }
            }
        }
        loop {
            if offset + from as u64 >= end {
                return Ok(true);
            }
            let Some(newline) = memchr(b'\n', &block[from..]) else {
                break;
            };
            if !each(&block[from..from + newline]) {
                return Ok(false);
            }
            from += newline + 1;
        }
        if at_end {
            return Ok(from == block.len() || each(&block[from..]));
        }
        block.drain(..from);
        offset += from as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_read(text: &str, block_bytes: usize, parts: u64) -> Vec<String> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let size = text.len() as u64;
        let stop = AtomicBool::new(false);
        let mut lines = Vec::new();
        for index in 0..parts {
            let start = size * index / parts;
            let end = if index + 1 == parts {
                u64::MAX
            } else {
                size * (index + 1) / parts
            };
            let read = read_range(file.path(), start, end, block_bytes, &stop, |line| {
                lines.push(String::from_utf8(line.to_vec()).unwrap());
                true
            });
            assert!(read.unwrap());
        }
        lines
    }

    #[test]
    fn every_line_is_read_once_whatever_the_cuts() {
        let text = "alpha\nbe\n\ngamma gamma\nd\n\nlast without newline";
        let expected: Vec<&str> = text.split('\n').collect();
        for parts in 1..=text.len() as u64 {
            for block in [1, 3, 7, 64] {
                assert_eq!(
                    lines_read(text, block, parts),
                    expected,
                    "{parts} parts, {block}-byte blocks"
                );
            }
        }
        let ended = "a\nb\n";
        for parts in 1..=4 {
            assert_eq!(lines_read(ended, 1, parts), ["a", "b"]);
        }
    }

    #[test]
    fn a_sink_that_stops_stops_the_read() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"1\n2\nbad\n4\n").unwrap();
        let sinks = read_lines(file.path(), 2, Vec::new, |sink: &mut Vec<u8>, line| {
            sink.extend_from_slice(line);
            line != b"bad"
        });
        assert!(sinks.is_none());
        let sinks = read_lines(file.path(), 2, Vec::new, |sink: &mut Vec<u8>, line| {
            sink.extend_from_slice(line);
            true
        });
        assert_eq!(sinks.unwrap().concat(), b"12bad4");
    }
}
