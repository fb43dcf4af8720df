//! Output files written under a temporary name and renamed into place when complete, so a
//! failed or abandoned export never leaves half a file under the real name.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub(crate) struct OutputFile {
    path: PathBuf,
    partial: PathBuf,
    out: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Creates `dir/.name.partial`; [`OutputFile::commit`] renames it to `dir/name`.
    pub(crate) fn create(dir: &Path, name: &str) -> io::Result<Self> {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        let out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
        Ok(OutputFile {
            path,
            partial,
            out: Some(out),
        })
    }

    pub(crate) fn writer(&mut self) -> &mut BufWriter<File> {
        self.out
            .as_mut()
            .expect("an output file is written only before it is committed")
    }

    /// The file itself, for writes large enough that a buffer would only copy them; what
    /// was buffered is written first.
    pub(crate) fn unbuffered(&mut self) -> io::Result<&mut File> {
        let out = self.writer();
        out.flush()?;
        Ok(out.get_mut())
    }

    /// Flushes and renames the file into place. Not synced to the disk: the rename already
    /// keeps a failed run from leaving half a file under the real name, and every output is
    /// made again, byte for byte, from its scenario and seed, so waiting for the disk (about
    /// 1 s for a 1.5 GB Graph export here) would guard only against a crash of the machine.
    pub(crate) fn commit(mut self) -> io::Result<PathBuf> {
        let out = self.out.take().expect("an output file is committed once");
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&self.partial, &self.path)?;
        Ok(std::mem::take(&mut self.path))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            // Never committed: remove the partial file (best effort).
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}
