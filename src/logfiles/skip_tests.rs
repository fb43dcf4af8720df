//! Reading with bad records skipped: each bad one is reported where it is, with the reason, and
//! reading goes on with the next record in every shape.

use super::*;

const GOOD: &str = r#"{"id":"g","createdDateTime":"2025-03-17T15:08:07Z","status":{"errorCode":0},"deviceDetail":{},"location":{}}"#;
const BAD_FIELD: &str = r#"{"id":"b","createdDateTime":"yesterday","status":{"errorCode":0}}"#;

/// The ids read, and each skipped record as `line:record: message`.
fn read_skipping(name: &str, text: &str) -> (Vec<String>, Vec<String>, ReadSummary) {
    let mut ids = Vec::new();
    let mut skipped = Vec::new();
    let summary = read_from_skipping_bad(
        name,
        text.as_bytes(),
        |record| {
            ids.push(match record {
                Record::SignIn(s) => s.id.to_string(),
                Record::Audit(a) => a.id.to_string(),
            })
        },
        |e| {
            skipped.push(format!(
                "{}:{}: {}",
                e.line.unwrap_or(0),
                e.record.unwrap_or(0),
                e.message
            ))
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.bad_records, skipped.len());
    (ids, skipped, summary)
}

/// Each skipped record's report starts with its prefix, and there are no others.
fn assert_reports(skipped: &[String], prefixes: &[&str]) {
    assert_eq!(skipped.len(), prefixes.len(), "{skipped:?}");
    for (report, prefix) in skipped.iter().zip(prefixes) {
        assert!(
            report.starts_with(prefix),
            "{report} does not start with {prefix}"
        );
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn ndjson_a_bad_field_a_broken_line_and_a_line_that_is_not_json() {
    let text = format!(
        "{GOOD}\n{BAD_FIELD}\n{}\n{{\"id\" 1}}\nnot json at all\n{}\n",
        GOOD.replace("\"g\"", "\"h\""),
        GOOD.replace("\"g\"", "\"i\"")
    );
    let (read, skipped, _) = read_skipping("t.ndjson", &text);
    assert_eq!(read, ids(&["g", "h", "i"]));
    assert_reports(
        &skipped,
        &[
            "2:2: `createdDateTime`: expected a timestamp",
            "4:4: invalid JSON: expected `:`",
            "5:5: expected a JSON object or array",
        ],
    );
}

#[test]
fn ndjson_lines_cut_short() {
    // An unclosed string, then a missing closing brace, then the last line cut short.
    let text = format!(
        "{GOOD}\n{{\"id\":\"x\",\"createdDateTime\":\"2025-\n{}\n{{\"id\":\"y\",\"status\":{{\"errorCode\":0}}\n{}\n{{\"id\":\"z\",\"st",
        GOOD.replace("\"g\"", "\"h\""),
        GOOD.replace("\"g\"", "\"i\""),
    );
    let (read, skipped, _) = read_skipping("t.ndjson", &text);
    assert_eq!(read, ids(&["g", "h", "i"]));
    assert_eq!(
        skipped,
        [
            "2:2: line 2 ends inside a string: the record is cut short or broken",
            "4:4: the record is cut short: line 5 starts a new one before it ends",
            "6:6: the file ends inside this record (cut short?)",
        ]
    );
}

#[test]
fn event_hub_envelopes_one_per_line_and_one_record_bad_inside() {
    let record = |id: &str, time: &str| {
        format!(
            r#"{{"time":"{time}","category":"SignInLogs","resultType":"0","properties":{{"id":"{id}","status":{{"errorCode":0}}}}}}"#
        )
    };
    let ok = "2025-03-17T15:08:07Z";
    let text = format!(
        "{{\"records\":[{},{}]}}\n{{\"records\":[{},{{\"time\": ]}}\n{{\"records\":[{}]}}\n",
        record("a", ok),
        record("b", "not a time"),
        record("c", ok),
        record("d", ok),
    );
    let (read, skipped, summary) = read_skipping("eh.json", &text);
    assert_eq!(read, ids(&["a", "c", "d"]));
    assert_eq!(summary.sign_ins, 3);
    assert_reports(
        &skipped,
        &[
            "1:2: in `properties`: `createdDateTime`: expected a timestamp",
            "2:4: invalid JSON: `]` closes a `{`",
        ],
    );
}

#[test]
fn graph_pages_with_records_one_per_line_skip_an_element() {
    // Records at the start of their lines inside a page: the concatenated-pages form.
    let text = format!(
        "{{\"value\":[\n{GOOD},\n{{\"id\":\"x\",\"status\":{{\"errorCode\":0}},\n{},\n{BAD_FIELD}\n]}}\n",
        GOOD.replace("\"g\"", "\"h\""),
    );
    let (read, skipped, _) = read_skipping("page.json", &text);
    assert_eq!(read, ids(&["g", "h"]));
    assert_reports(
        &skipped,
        &[
            "3:2: the record is cut short: line 4",
            "5:4: `createdDateTime`",
        ],
    );
}

#[test]
fn csv_rows_of_the_wrong_width_or_with_a_stray_quote() {
    let text = "TimeGenerated,OperationName,ResultType,Id\n\
        2025-03-17T15:08:07Z,Sign-in activity,0,a\n\
        2025-03-17T15:08:08Z,Sign-in activity\n\
        2025-03-17T15:08:09Z,\"Sign-in activity\"x,0,b\n\
        2025-03-17T15:08:10Z,Sign-in activity,0,c\n";
    let (read, skipped, _) = read_skipping("t.csv", text);
    assert_eq!(read.len(), 2, "{read:?} {skipped:?}");
    assert_eq!(
        skipped,
        [
            "3:2: the row has 2 cells, the header 4 columns",
            "4:3: expected `,` or the end of the line after a closing quote",
        ]
    );
}

#[test]
fn what_is_not_a_record_still_fails_the_file() {
    let fails = |name: &str, text: &str| {
        read_from_skipping_bad(name, text.as_bytes(), |_| {}, |_| {}).unwrap_err()
    };
    // A quoted cell never closed swallows the rest of the file.
    let e = fails("t.csv", "TimeGenerated,Id\n2025-03-17T15:08:07Z,\"a\n");
    assert!(e.message.contains("never closed"), "{e}");
    // Not a log's header.
    assert!(fails("t.csv", "a,b\n1,2\n").message.contains("header"));
    // An envelope left open after its last whole record.
    let e = fails("t.json", &format!("{{\"value\":[{GOOD}"));
    assert!(
        e.message.contains("the file ends inside a JSON value"),
        "{e}"
    );
}

#[test]
fn strict_reading_stops_at_the_first_bad_record() {
    let text = format!("{GOOD}\n{BAD_FIELD}\n{GOOD}\n");
    let e = read_slice("t.ndjson", text.as_bytes()).unwrap_err();
    assert_eq!((e.line, e.record), (Some(2), Some(2)));
    // A line cut short inside a string is refused at its line, not where the file ends.
    let text = format!("{GOOD}\n{{\"id\":\"x\",\"createdDateTime\":\"2025-\n{GOOD}\n{GOOD}\n");
    let e = read_slice("t.ndjson", text.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.ndjson:2:1: line 2 ends inside a string: the record is cut short or broken"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn skipping(bytes: &[u8]) -> Result<(usize, usize), LogFileError> {
        let mut read = 0;
        let summary = read_from_skipping_bad("fuzz", bytes, |_| read += 1, |_| {})?;
        Ok((read, summary.bad_records))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = skipping(&bytes);
        }
    }

    /// One byte lost anywhere in four NDJSON records costs at most the record it was in (every
    /// position tried). Not the first byte: a file is JSON or CSV by its first byte, and without
    /// its `{` the file is not JSON.
    #[test]
    fn a_byte_lost_in_ndjson_costs_at_most_its_record() {
        let lines: Vec<String> = (1..=4)
            .map(|n| GOOD.replace("\"g\"", &format!("\"{n}\"")))
            .collect();
        let whole = lines.join("\n").into_bytes();
        for at in 1..whole.len() {
            let mut bytes = whole.clone();
            bytes.remove(at);
            let (read, _) = skipping(&bytes).unwrap_or_else(|e| panic!("byte {at}: {e}"));
            assert!(read >= 3, "byte {at} lost: read {read} of 4");
        }
    }
}
