//! Reserving disk blocks for a file before writing it.
//!
//! On ext4, a buffered write into blocks that are not yet allocated pays for delayed
//! allocation page by page; writing into blocks reserved beforehand with `fallocate(2)` cost
//! about half the system time in a side-by-side test here (1.5 GB in 16 MB writes, the size of
//! `generate`'s Graph export of a million sign-ins). Reserving also turns a full disk into an
//! error before anything is written.

use std::fs::File;
use std::io;

/// Reserves `len` bytes from `offset` for `file`, without changing its size (the file grows
/// as it is written; blocks past its end are released when it is closed or truncated).
/// Filesystems that cannot reserve (and other systems than Linux) write as before: only a
/// full disk is an error.
pub fn reserve(file: &File, offset: u64, len: u64) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    reserve_blocks(file, offset, len)
}

#[cfg(target_os = "linux")]
fn reserve_blocks(file: &File, offset: u64, len: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else {
        return Ok(()); // past what the call can name: let the writes find out
    };
    // SAFETY: fallocate only reads its integer arguments; the descriptor is open for as long
    // as `file` is borrowed.
    let done = unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, offset, len) };
    if done == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG) => Err(error),
        // Not supported here (tmpfs on old kernels, network filesystems, ...), interrupted:
        // the writes allocate as they go.
        _ => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
fn reserve_blocks(_file: &File, _offset: u64, _len: u64) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};

    #[test]
    fn reserving_keeps_the_size_and_the_written_bytes() {
        let mut file = tempfile::tempfile().unwrap();
        reserve(&file, 0, 8 << 20).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 0);
        file.write_all(b"{\"value\":[]}\n").unwrap();
        reserve(&file, 13, 1 << 20).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 13);
        let mut back = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut back).unwrap();
        assert_eq!(back, "{\"value\":[]}\n");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn blocks_are_reserved_where_the_filesystem_can() {
        use std::os::unix::fs::MetadataExt;
        let file = tempfile::tempfile().unwrap();
        reserve(&file, 0, 4 << 20).unwrap();
        let blocks = file.metadata().unwrap().blocks();
        // ext4 and xfs reserve (512-byte blocks); a filesystem that cannot reserves nothing.
        assert!(blocks == 0 || blocks >= 8192, "{blocks} blocks");
    }
}
