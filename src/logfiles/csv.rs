//! Log Analytics CSV exports (the Azure portal's "Export to CSV", the Sentinel training lab's
//! telemetry files): RFC 4180 with a header row; quoted cells may hold commas, doubled quotes
//! and line breaks; CRLF or LF line ends; blank lines are ignored.

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
        Ok(Some(row)) => row,
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
        if cells.len() != header.len() {
            reader.index += 1;
            return Err(reader.record_error(
                at,
                format!(
                    "the row has {} cells, the header {} columns",
                    cells.len(),
                    header.len()
                ),
            ));
        }
        let row: Map<String, Value> = header
            .iter()
            .cloned()
            .zip(cells.into_iter().map(Value::String))
            .collect();
        reader.accept_csv_row(row, at)?;
    }
}

/// The next row's cells and where it starts; `None` at the end.
fn next_row(source: &mut Cursor<'_>) -> Result<Option<(Pos, Vec<String>)>, CsvError> {
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
                return Err(CsvError::Syntax(
                    source.last,
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
        let text = String::from_utf8(cell).map_err(|_| {
            CsvError::Syntax(
                start,
                format!("cell {} is not valid UTF-8", cells.len() + 1),
            )
        })?;
        cells.push(text);
        match source.next_byte()? {
            Some(b',') => continue,
            Some(b'\r') => {
                if source.peek()? == Some(b'\n') {
                    source.next_byte()?;
                }
                return Ok(Some((start, cells)));
            }
            _ => return Ok(Some((start, cells))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        let mut source = Cursor::new(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some((_, cells)) = next_row(&mut source).ok().unwrap() {
            out.push(cells);
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
