//! Graph collection responses: `{"@odata.context": ..., "value": [...]}`, newest first, one
//! record per line so the files read well in a pager and diff well.

use super::output::OutputFile;
use super::spool::ReversingSpool;
use crate::graph::{ApiVersion, DirectoryAudit, Record, SignIn};
use std::io::{self, IoSlice, Write};
use std::path::{Path, PathBuf};

/// Collects records (oldest first) and writes `signIns.json` and `directoryAudits.json`.
#[derive(Default)]
pub struct GraphExport {
    api: ApiVersion,
    sign_ins: ReversingSpool,
    audits: ReversingSpool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphExportSummary {
    pub sign_ins: usize,
    pub audits: usize,
    pub files: Vec<PathBuf>,
}

impl GraphExport {
    pub fn new(api: ApiVersion) -> Self {
        GraphExport {
            api,
            ..Self::default()
        }
    }

    /// Adds a record given as its compact JSON in this export's API version
    /// ([`super::SerializedRecord`]); records must come oldest first.
    pub fn push_json(&mut self, is_sign_in: bool, json: &[u8]) -> io::Result<()> {
        let spool = if is_sign_in {
            &mut self.sign_ins
        } else {
            &mut self.audits
        };
        spool.push_compact_json(json)
    }

    pub fn api(&self) -> ApiVersion {
        self.api
    }

    /// Writes both files into `dir` (created if missing). Each file is written under a
    /// temporary name and renamed, so a failure never leaves half a file behind.
    pub fn finish(self, dir: &Path) -> io::Result<GraphExportSummary> {
        std::fs::create_dir_all(dir)?;
        let sign_ins = self.sign_ins.len();
        let audits = self.audits.len();
        let (sign_ins_context, audits_context) = self.api.contexts();
        let files = vec![
            write_collection(dir, "signIns.json", sign_ins_context, self.sign_ins)?,
            write_collection(dir, "directoryAudits.json", audits_context, self.audits)?,
        ];
        Ok(GraphExportSummary {
            sign_ins,
            audits,
            files,
        })
    }
}

fn write_collection(
    dir: &Path,
    name: &str,
    context: &str,
    spool: ReversingSpool,
) -> io::Result<PathBuf> {
    let mut out = OutputFile::create(dir, name)?;
    let file = out.unbuffered()?;
    super::preallocate::reserve(file, 0, envelope_len(context, &spool))?;
    write_envelope(file, context, spool)?;
    out.commit()
}

const SEPARATOR: &[u8] = b",\n";
const TAIL: &[u8] = b"\n]}\n";

/// What comes before the first record: the context, and the line break before the first
/// record when there is one.
fn envelope_head(context: &str, records: bool) -> Vec<u8> {
    let mut head = b"{\"@odata.context\":".to_vec();
    serde_json::to_writer(&mut head, context).expect("a string serializes");
    head.extend_from_slice(b",\"value\":[");
    if records {
        head.push(b'\n');
    }
    head
}

/// The bytes [`write_envelope`] writes for `spool`, known before draining it.
fn envelope_len(context: &str, spool: &ReversingSpool) -> u64 {
    let separators = spool.len().saturating_sub(1) * SEPARATOR.len();
    (envelope_head(context, !spool.is_empty()).len() + separators + TAIL.len()) as u64
        + spool.json_len()
}

/// Writes one collection response from a spool of serialized records. Unbuffered: the
/// records go out in vectored writes of many records each, straight from the spool's buffers.
pub(crate) fn write_envelope(
    out: &mut impl Write,
    context: &str,
    spool: ReversingSpool,
) -> io::Result<()> {
    out.write_all(&envelope_head(context, !spool.is_empty()))?;
    spool.drain_reversed_joined(SEPARATOR, |records| write_all_vectored(out, records))?;
    out.write_all(TAIL)
}

/// Slices per vectored write: Linux takes at most 1024 (`IOV_MAX`).
const SLICES_PER_WRITE: usize = 1024;

/// Writes every slice, in order (`Write::write_all_vectored` is not stable yet).
fn write_all_vectored(out: &mut impl Write, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !slices.is_empty() {
        let batch = slices.len().min(SLICES_PER_WRITE);
        match out.write_vectored(&slices[..batch]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut slices, written),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// All records of a simulation, newest first, in memory: for tests and small scenarios.
pub fn collect_newest_first(
    records: impl IntoIterator<Item = Record>,
) -> (Vec<SignIn>, Vec<DirectoryAudit>) {
    let mut sign_ins = Vec::new();
    let mut audits = Vec::new();
    for record in records {
        match record {
            Record::SignIn(s) => sign_ins.push(*s),
            Record::Audit(a) => audits.push(*a),
        }
    }
    sign_ins.reverse();
    audits.reverse();
    (sign_ins, audits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserved_length_is_the_written_length() {
        use crate::export::test_records::sample_sign_in;
        let context = crate::graph::SIGN_INS_CONTEXT;
        for count in [0, 1, 2, 3000] {
            let mut export = GraphExport::new(ApiVersion::V1);
            for i in 0..count {
                let mut sign_in = sample_sign_in();
                sign_in.id = format!("id-{i}").into();
                let record = Record::SignIn(Box::new(sign_in));
                let json = super::super::SerializedRecord::new(&record, ApiVersion::V1).json;
                export.push_json(true, &json).unwrap();
            }
            let expected = envelope_len(context, &export.sign_ins);
            let mut out = Vec::new();
            write_envelope(&mut out, context, export.sign_ins).unwrap();
            assert_eq!(expected, out.len() as u64, "{count} records");
        }
    }

    /// Takes at most a few bytes per call, and only from the first slice, like a pipe that is
    /// nearly full: the writer must go on where each call stopped.
    struct Dribble(Vec<u8>);

    impl Write for Dribble {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(5);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn vectored_writes_resume_after_short_writes() {
        let parts: Vec<Vec<u8>> = (0..3000)
            .map(|i| format!("record {i}").into_bytes())
            .collect();
        let mut slices: Vec<IoSlice> = parts.iter().map(|p| IoSlice::new(p)).collect();
        let mut out = Dribble(Vec::new());
        write_all_vectored(&mut out, &mut slices).unwrap();
        assert_eq!(out.0, parts.concat());
    }

    #[test]
    fn an_empty_collection_is_valid_json() {
        let mut out = Vec::new();
        let context = crate::graph::SIGN_INS_CONTEXT;
        write_envelope(&mut out, context, ReversingSpool::new()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["value"], serde_json::json!([]));
        assert_eq!(value["@odata.context"], context);
    }
}
