//! Log Analytics CSV exports (the Azure portal's "Export to CSV", the Sentinel training lab's
//! telemetry files): RFC 4180 with a header row; quoted cells may hold commas, doubled quotes
//! and line breaks; CRLF or LF line ends; blank lines are ignored.
//!
//! A row that is wrong by itself (the wrong number of cells, text after a closing quote, a cell
//! that is not UTF-8) is read to its end before it is refused, so that skipping bad records
//! ([`super::read_path_skipping_bad`]) goes on with the next row. A quoted cell never closed
//! runs to the end of the file and fails it.

use super::convert::column_key;
use super::source::{Cursor, Pos};
use super::{LogFileError, Reader};
use serde_json::{Map, Value};
use std::io;

enum CsvError {
    Io(io::Error),
    Syntax(Pos, String),
}

impl From<io::Error> for CsvError {
    fn from(e: io::Error) -> Self {
        CsvError::Io(e)
    }
}

/// Columns that show a header is a Log Analytics export.
const KNOWN_COLUMNS: &[&str] = &[
    "timegenerated",
    "type",
    "operationname",
    "resulttype",
    "id",
    "createddatetime",
    "activitydatetime",
    "activitydisplayname",
    "userprincipalname",
    "status",
    "correlationid",
];

pub(crate) fn read_csv(
    source: &mut Cursor<'_>,
    reader: &mut Reader<'_>,
) -> Result<(), LogFileError> {
    let fail = |reader: &Reader<'_>, source: &Cursor<'_>, e: CsvError| match e {
        CsvError::Io(e) => reader.io_error(&e, source.last),
        CsvError::Syntax(at, message) => reader.syntax_error(at, message),
    };
    let (header_at, header) = match next_row(source) {
        Ok(Some((at, Ok(header)))) => (at, header),
        Ok(Some((_, Err((at, message))))) => return Err(reader.syntax_error(at, message)),
        Ok(None) => return Ok(()),
        Err(e) => return Err(fail(reader, source, e)),
    };
    for name in &header {
        if let Some(at) = name.find('[')
            && !name[at..].eq_ignore_ascii_case("[UTC]")
        {
            return Err(reader.syntax_error(
                header_at,
                format!(
                    "column `{name}`: only times in UTC can be read (export with the display \
                     time zone set to UTC)"
                ),
            ));
        }
    }
    if !header
        .iter()
        .any(|name| KNOWN_COLUMNS.contains(&column_key(name).as_str()))
    {
        let shown: String = header.join(",").chars().take(80).collect();
        return Err(reader.syntax_error(
            header_at,
            format!(
                "expected JSON (a Graph page or records, diagnostic-settings `{{\"records\":[...]}}`, \
                 Log Analytics rows) or a Log Analytics CSV export whose header names columns \
                 such as TimeGenerated, OperationName, ResultType; found `{shown}`"
            ),
        ));
    }
    loop {
        let (at, cells) = match next_row(source) {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(()),
            Err(e) => return Err(fail(reader, source, e)),
        };
        let cells = cells.and_then(|cells| {
            if cells.len() == header.len() {
                Ok(cells)
            } else {
                Err((
                    at,
                    format!(
                        "the row has {} cells, the header {} columns",
                        cells.len(),
                        header.len()
                    ),
                ))
            }
        });
        let cells = match cells {
            Ok(cells) => cells,
            Err((at, message)) => {
                reader.index += 1;
                let e = reader.record_error(at, message);
                reader.bad_record(e)?;
                continue;
            }
        };
        let row: Map<String, Value> = header
            .iter()
            .cloned()
            .zip(cells.into_iter().map(Value::String))
            .collect();
        reader.accept_csv_row(row, at)?;
    }
}

/// A row's cells, or what is wrong with the row (where, and why) once it has been read.
type Row = Result<Vec<String>, (Pos, String)>;

/// The next row and where it starts; `None` at the end.
fn next_row(source: &mut Cursor<'_>) -> Result<Option<(Pos, Row)>, CsvError> {
    loop {
        match source.peek()? {
            Some(b'\n' | b'\r') => {
                source.next_byte()?;
            }
            None => return Ok(None),
            Some(_) => break,
        }
    }
    let start = source.next;
    let mut cells = Vec::new();
    let mut problem: Option<(Pos, String)> = None;
    loop {
        let mut cell = Vec::new();
        if source.peek()? == Some(b'"') {
            source.next_byte()?;
            let opened = source.last;
            loop {
                match source.next_byte()? {
                    None => {
                        return Err(CsvError::Syntax(
                            opened,
                            "a quoted cell is never closed (expected a closing `\"`)".into(),
                        ));
                    }
                    Some(b'"') if source.peek()? == Some(b'"') => {
                        source.next_byte()?;
                        cell.push(b'"');
                    }
                    Some(b'"') => break,
                    Some(b) => cell.push(b),
                }
            }
            if !matches!(source.peek()?, None | Some(b',' | b'\n' | b'\r')) {
                source.next_byte()?;
                let at = source.last;
                // The rest of the line belongs to this broken row.
                while !matches!(source.peek()?, None | Some(b'\n' | b'\r')) {
                    source.next_byte()?;
                }
                problem.get_or_insert((
                    at,
                    "expected `,` or the end of the line after a closing quote".into(),
                ));
            }
        } else {
            while let Some(b) = source.peek()? {
                if matches!(b, b',' | b'\n' | b'\r') {
                    break;
                }
                source.next_byte()?;
                cell.push(b);
            }
        }
        match String::from_utf8(cell) {
            Ok(text) => cells.push(text),
            Err(_) => {
                problem.get_or_insert((
                    start,
                    format!("cell {} is not valid UTF-8", cells.len() + 1),
                ));
                cells.push(String::new());
            }
        }
        match source.next_byte()? {
            Some(b',') => continue,
            Some(b'\r') if source.peek()? == Some(b'\n') => {
                source.next_byte()?;
            }
            _ => {}
        }
        let row = match problem {
            Some(problem) => Err(problem),
            None => Ok(cells),
        };
        return Ok(Some((start, row)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        let mut source = Cursor::new(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some((_, cells)) = next_row(&mut source).ok().unwrap() {
            out.push(cells.unwrap());
        }
        out
    }

    #[test]
    fn reads_rfc_4180() {
        assert_eq!(
            rows("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\n\"two\nlines\",\r\n"),
            [
                vec!["a".to_string(), "b".into()],
                vec!["x, y".into(), "say \"hi\"".into()],
                vec!["two\nlines".into(), "".into()],
            ]
        );
    }
}
