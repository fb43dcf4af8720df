//! Newline-delimited JSON: one Graph record per line, in `signIns.ndjson` and
//! `directoryAudits.ndjson`, **oldest first** (the order the simulator makes them, and the
//! order stream collectors such as the CISA Untitled Goose Tool write with
//! `$orderby=createdDateTime`). Each line is byte-identical to the record in the Graph
//! collection output.

use super::output::OutputFile;
use crate::graph::{ApiVersion, Record};
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const SIGN_INS_FILE: &str = "signIns.ndjson";
pub const AUDITS_FILE: &str = "directoryAudits.ndjson";

pub(crate) struct NdjsonExport {
    api: ApiVersion,
    sign_ins: OutputFile,
    audits: OutputFile,
}

impl NdjsonExport {
    pub(crate) fn create(dir: &Path, api: ApiVersion) -> io::Result<Self> {
        Ok(NdjsonExport {
            api,
            sign_ins: OutputFile::create(dir, SIGN_INS_FILE)?,
            audits: OutputFile::create(dir, AUDITS_FILE)?,
        })
    }

    pub(crate) fn push(&mut self, record: &Record) -> io::Result<()> {
        let out = match record {
            Record::SignIn(_) => &mut self.sign_ins,
            Record::Audit(_) => &mut self.audits,
        };
        match (self.api, record) {
            (ApiVersion::V1, Record::SignIn(s)) => write_line(out, s),
            (ApiVersion::V1, Record::Audit(a)) => write_line(out, a),
            (ApiVersion::Beta, _) => write_line(out, &record.to_json(ApiVersion::Beta)),
        }
    }

    pub(crate) fn finish(self) -> io::Result<Vec<PathBuf>> {
        Ok(vec![self.sign_ins.commit()?, self.audits.commit()?])
    }
}

fn write_line(out: &mut OutputFile, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(out.writer(), value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
