//! Newline-delimited JSON: one Graph record per line, in `signIns.ndjson` and
//! `directoryAudits.ndjson`, **oldest first** (the order the simulator makes them, and the
//! order stream collectors such as the CISA Untitled Goose Tool write with
//! `$orderby=createdDateTime`). Each line is byte-identical to the record in the Graph
//! collection output.

use super::output::OutputFile;
use crate::graph::ApiVersion;
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

    /// Adds a record given as its compact JSON in this export's API version
    /// ([`super::SerializedRecord`]); records must come oldest first.
    pub(crate) fn push_json(&mut self, is_sign_in: bool, json: &[u8]) -> io::Result<()> {
        let out = if is_sign_in {
            &mut self.sign_ins
        } else {
            &mut self.audits
        };
        out.write_all(json)?;
        out.write_all(b"\n")
    }

    pub(crate) fn api(&self) -> ApiVersion {
        self.api
    }

    pub(crate) fn finish(self) -> io::Result<Vec<PathBuf>> {
        Ok(vec![self.sign_ins.commit()?, self.audits.commit()?])
    }
}
