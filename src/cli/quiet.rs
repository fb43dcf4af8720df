//! `--quiet` on standard error: errors pass, notes and warnings do not. Commands write whole
//! lines, so the filter decides line by line.

use std::io::{self, Write};

/// Passes `err`'s lines through, except those starting `note:` or `warning:`.
pub struct ErrorsOnly<'a> {
    inner: &'a mut dyn Write,
    line: Vec<u8>,
}

impl<'a> ErrorsOnly<'a> {
    pub fn new(inner: &'a mut dyn Write) -> Self {
        ErrorsOnly {
            inner,
            line: Vec::new(),
        }
    }

    /// The writer underneath, unfiltered.
    pub fn inner(&mut self) -> &mut dyn Write {
        &mut *self.inner
    }

    fn pass_line(&mut self) -> io::Result<()> {
        let line = std::mem::take(&mut self.line);
        if !(line.starts_with(b"note:") || line.starts_with(b"warning:")) {
            self.inner.write_all(&line)?;
        }
        Ok(())
    }
}

impl Write for ErrorsOnly<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for chunk in buf.split_inclusive(|b| *b == b'\n') {
            self.line.extend_from_slice(chunk);
            if chunk.ends_with(b"\n") {
                self.pass_line()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Drop for ErrorsOnly<'_> {
    fn drop(&mut self) {
        // A last line without its newline.
        if !self.line.is_empty() {
            let _ = self.pass_line();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_warnings_go_errors_stay() {
        let mut seen = Vec::new();
        {
            let mut err = ErrorsOnly::new(&mut seen);
            write!(err, "note: skipped").unwrap();
            writeln!(err, " 3 records").unwrap();
            writeln!(err, "warning: skipped a bad record").unwrap();
            write!(err, "error: cannot read x\n  help: y\nx.yaml:1:2: bad").unwrap();
        }
        assert_eq!(
            String::from_utf8(seen).unwrap(),
            "error: cannot read x\n  help: y\nx.yaml:1:2: bad"
        );
    }
}
