//! The whole-line fast path of the JSON reader gives what the byte path gives: the same
//! records, and for a line it cannot take whole, the same errors at the same places.

use super::*;

const SIGN_IN: &str = r#"{"id":"1","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":0},"deviceDetail":{},"location":{}}"#;
const BAD: &str = r#"{"id":"2","status":{"errorCode":0}}"#;

fn read(text: &str) -> Result<Vec<Record>, LogFileError> {
    read_slice("t.json", text.as_bytes())
}

#[test]
fn a_bad_record_in_an_envelope_line_is_named_where_it_starts() {
    let line = format!(r#"{{"records":[{SIGN_IN},{BAD}]}}"#);
    let e = read(&format!("{line}\n")).unwrap_err();
    let column = line.find(BAD).unwrap() as u64 + 1;
    assert_eq!(
        (e.line, e.column, e.record),
        (Some(1), Some(column), Some(2))
    );
    assert!(e.message.contains("createdDateTime"), "{}", e.message);
}

#[test]
fn a_bad_line_after_good_ones_is_named_by_its_line() {
    let e = read(&format!("{SIGN_IN}\n{SIGN_IN}\n{BAD}\n")).unwrap_err();
    assert_eq!((e.line, e.column, e.record), (Some(3), Some(1), Some(3)));
}

#[test]
fn lines_the_fast_path_refuses_are_read_as_before() {
    // A trailing comma inside a record, a record over two lines, and one without a final
    // newline: all for the byte path, between lines for the fast one.
    let lenient = SIGN_IN.replace(r#""location":{}"#, r#""location":{},"#);
    let split = SIGN_IN.replace(r#","status""#, "\n,\"status\"");
    let text = format!("{SIGN_IN}\n{lenient}\n{split}\n{SIGN_IN}\n{SIGN_IN}");
    let records = read(&text).unwrap();
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|r| r == &records[0]));
}

#[test]
fn a_graph_page_one_record_a_line_reads_like_ndjson() {
    let page =
        format!("{{\"@odata.context\":\"x\",\"value\":[\n{SIGN_IN},\n{SIGN_IN},\n{SIGN_IN}\n]}}\n");
    let ndjson = format!("{SIGN_IN}\n{SIGN_IN}\n{SIGN_IN}\n");
    assert_eq!(read(&page).unwrap(), read(&ndjson).unwrap());
    let envelopes = format!("{{\"records\":[{SIGN_IN},{SIGN_IN}]}}\n{{\"records\":[{SIGN_IN}]}}\n");
    assert_eq!(read(&envelopes).unwrap().len(), 3);
}

#[test]
fn skipping_a_bad_record_of_an_envelope_keeps_the_others() {
    let text = format!("{{\"records\":[{SIGN_IN},{BAD},{SIGN_IN}]}}\n{SIGN_IN}\n");
    let (mut records, mut bad) = (0, Vec::new());
    let summary =
        read_from_skipping_bad("t.json", text.as_bytes(), |_| records += 1, |e| bad.push(e))
            .unwrap();
    assert_eq!((records, summary.bad_records), (3, 1));
    assert_eq!(bad[0].record, Some(2));
}
