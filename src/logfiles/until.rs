//! Reading a file by name until the caller has had enough: how `detect --logs` and `verify
//! --against` stop a reader part way (the readers hand records to a callback that cannot stop
//! them otherwise). Once `emit` says stop, the next block the reader asks for, mapped or read,
//! fails, and the reading ends without reading the rest of the file.

use super::{LogFileError, ReadSummary, open, read_file};
use crate::graph::Record;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the caller wants no more records.
#[derive(Clone, Default)]
pub(crate) struct Stop(Arc<AtomicBool>);

impl Stop {
    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The error a stopped input gives the reader.
    fn check(&self) -> io::Result<()> {
        match self.is_set() {
            true => Err(io::Error::other("stopped")),
            false => Ok(()),
        }
    }
}

/// Checks `stop`, if any: the error a stopped input gives the reader.
pub(crate) fn check(stop: Option<&Stop>) -> io::Result<()> {
    stop.map_or(Ok(()), Stop::check)
}

/// A `Read` that fails once `stop` (if any) is set.
pub(crate) struct Stoppable<R> {
    inner: R,
    stop: Option<Stop>,
}

impl<R> Stoppable<R> {
    pub(crate) fn new(inner: R, stop: Option<Stop>) -> Self {
        Stoppable { inner, stop }
    }
}

impl<R: Read> Read for Stoppable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        check(self.stop.as_ref())?;
        self.inner.read(buf)
    }
}

/// Reads the log file `path` (mapped when it is a regular file) record by record, handing each,
/// with the tenant its envelope or row names, to `emit` until it returns `false`; bad records
/// go to `skipped` when given. `Ok(None)`: `emit` stopped the reading.
pub fn read_path_until(
    path: &Path,
    mut emit: impl FnMut(Record, Option<&str>) -> bool,
    mut skipped: Option<&mut dyn FnMut(LogFileError)>,
) -> Result<Option<ReadSummary>, LogFileError> {
    let file = open(path)?;
    let skipped = skipped
        .as_mut()
        .map(|s| &mut **s as &mut dyn FnMut(LogFileError));
    let stop = Stop::default();
    let mut emit = |record, named: Option<&str>| {
        if !stop.is_set() && !emit(record, named) {
            stop.set();
        }
    };
    let result = read_file(path, file, &mut emit, skipped, Some(stop.clone()));
    match result {
        _ if stop.is_set() => Ok(None),
        Ok(summary) => Ok(Some(summary)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ndjson_file(lines: usize) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let mut sign_in = crate::export::test_records::sample_sign_in();
        for i in 0..lines {
            sign_in.id = format!("id-{i}").as_str().into();
            serde_json::to_writer(&mut file, &sign_in).unwrap();
            file.write_all(b"\n").unwrap();
        }
        file
    }

    #[test]
    fn reads_every_record_when_not_stopped() {
        let file = ndjson_file(50);
        let mut seen = 0;
        let summary = read_path_until(
            file.path(),
            |_, _| {
                seen += 1;
                true
            },
            None,
        )
        .unwrap()
        .expect("not stopped");
        assert_eq!((seen, summary.bad_records), (50, 0));
    }

    #[test]
    fn stops_when_emit_says_so_and_hands_over_nothing_after() {
        // Large enough for several blocks, so the reader has more to read when stopped.
        let file = ndjson_file(20_000);
        let mut seen = 0;
        let result = read_path_until(
            file.path(),
            |_, _| {
                seen += 1;
                seen < 3
            },
            None,
        );
        assert!(matches!(result, Ok(None)), "{result:?}");
        assert_eq!(seen, 3);
    }

    #[test]
    fn a_missing_file_is_the_readers_own_error() {
        let error =
            read_path_until(Path::new("/no/such/file.ndjson"), |_, _| true, None).unwrap_err();
        assert!(error.message.starts_with("cannot open"), "{error}");
    }
}
