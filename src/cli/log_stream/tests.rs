use super::*;
use proptest::prelude::*;

/// An NDJSON file of Graph sign-ins: (id, seconds past 15:00:00).
fn write(dir: &Path, name: &str, records: &[(String, u32)]) -> PathBuf {
    let path = dir.join(name);
    let lines: String = records
        .iter()
        .map(|(id, s)| {
            format!(
                "{{\"id\":\"{id}\",\"createdDateTime\":\"2025-03-17T15:{:02}:{:02}Z\",\"status\":{{\"errorCode\":0}},\"deviceDetail\":{{}},\"location\":{{}}}}\n",
                s / 60,
                s % 60
            )
        })
        .collect();
    std::fs::write(&path, lines).unwrap();
    path
}

fn numbered(prefix: &str, seconds: &[u32]) -> Vec<(String, u32)> {
    seconds
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{prefix}{i}"), *s))
        .collect()
}

/// What holding every record gave: each file read whole (turned around for
/// `OldestFirstThenByTime`), one after the other, then sorted by time.
fn held(paths: &[PathBuf], order: FileOrder) -> Vec<String> {
    let mut all = Vec::new();
    for path in paths {
        let mut records = logfiles::read_path(path).unwrap();
        if order == FileOrder::OldestFirstThenByTime {
            logfiles::make_oldest_first(&mut records);
        }
        all.append(&mut records);
    }
    all.sort_by_key(Record::time);
    all.iter().map(|r| r.id().to_string()).collect()
}

/// The ids in the order streamed, and the notes.
fn streamed(paths: &[PathBuf], order: FileOrder, window: usize) -> (Vec<String>, Vec<String>) {
    let options = Options {
        skip_bad: false,
        order,
        reorder_window: window,
    };
    let mut notes = Vec::new();
    let (ids, totals) = read_in_time_order(
        paths,
        options,
        &mut |n| notes.push(n),
        Vec::new,
        |ids: &mut Vec<String>, r| ids.push(r.record.id().to_string()),
    )
    .unwrap();
    assert_eq!(totals.records as usize, ids.len());
    (ids, notes)
}

fn pass(paths: &[PathBuf], order: FileOrder, window: usize) -> Result<Vec<String>, Stop> {
    let options = Options {
        skip_bad: false,
        order,
        reorder_window: window,
    };
    let mut ids = Vec::new();
    let mut noted = vec![0; paths.len()];
    one_pass(
        paths,
        options,
        &vec![false; paths.len()],
        &mut noted,
        &mut |_| {},
        &mut |r| ids.push(r.record.id().to_string()),
    )?;
    Ok(ids)
}

#[test]
fn files_merge_oldest_first_and_the_first_file_wins_a_tie() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.ndjson", &numbered("a", &[1, 3, 3, 5]));
    let b = write(dir.path(), "b.ndjson", &numbered("b", &[0, 3, 4]));
    let ids = pass(&[a.clone(), b.clone()], FileOrder::ByTime, 2).unwrap();
    assert_eq!(ids, ["b0", "a0", "a1", "a2", "b1", "b2", "a3"]);
    assert_eq!(ids, held(&[a, b], FileOrder::ByTime));
}

#[test]
fn records_a_little_out_of_place_are_put_in_order() {
    let dir = tempfile::tempdir().unwrap();
    // Each record at most 2 places from where its time puts it.
    let a = write(
        dir.path(),
        "a.ndjson",
        &numbered("a", &[2, 0, 1, 5, 3, 4, 4]),
    );
    let ids = pass(std::slice::from_ref(&a), FileOrder::ByTime, 2).unwrap();
    assert_eq!(ids, ["a1", "a2", "a0", "a4", "a5", "a6", "a3"]);
    assert_eq!(ids, held(&[a], FileOrder::ByTime));
}

#[test]
fn a_file_too_far_out_of_order_is_read_again_whole() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.ndjson", &numbered("a", &[1, 2, 3]));
    let late = write(dir.path(), "late.ndjson", &numbered("l", &[5, 6, 7, 8, 0]));
    let paths = [a, late];
    assert!(matches!(
        pass(&paths, FileOrder::ByTime, 2),
        Err(Stop::OutOfOrder(1))
    ));
    let (ids, notes) = streamed(&paths, FileOrder::ByTime, 2);
    assert_eq!(ids, held(&paths, FileOrder::ByTime));
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("late.ndjson is not in time order"),
        "{notes:?}"
    );
}

#[test]
fn verify_turns_a_newest_first_file_around_before_sorting() {
    let dir = tempfile::tempdir().unwrap();
    // Newest first, with two records of one instant: turned around, they swap.
    let newest_first = write(dir.path(), "graph.ndjson", &numbered("g", &[9, 7, 7, 4]));
    let paths = [newest_first];
    assert!(matches!(
        pass(&paths, FileOrder::OldestFirstThenByTime, 100),
        Err(Stop::OutOfOrder(0))
    ));
    let (ids, _) = streamed(&paths, FileOrder::OldestFirstThenByTime, 100);
    assert_eq!(ids, ["g3", "g2", "g1", "g0"]);
    // detect keeps the file's order within an instant.
    let (ids, _) = streamed(&paths, FileOrder::ByTime, 100);
    assert_eq!(ids, ["g3", "g1", "g2", "g0"]);
}

#[test]
fn the_first_file_that_cannot_be_read_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.ndjson", &numbered("a", &[1, 2]));
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, "{\"id\":\"1\"}\n").unwrap();
    let missing = dir.path().join("missing.ndjson");
    let paths = [good, bad.clone(), missing.clone()];
    let e = read_in_time_order(
        &paths,
        Options::new(false, FileOrder::ByTime),
        &mut |_| {},
        || (),
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.path, bad, "{e}");
    assert_eq!((e.line, e.record), (Some(1), Some(1)), "{e}");
    let e = read_in_time_order(
        &[missing.clone(), bad],
        Options::new(false, FileOrder::ByTime),
        &mut |_| {},
        || (),
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.path, missing);
    assert!(e.message.starts_with("cannot open: "), "{e}");
}

#[test]
fn skipped_records_are_noted_once_even_when_a_file_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ndjson");
    let mut text = std::fs::read_to_string(write(
        dir.path(),
        "tmp.ndjson",
        &numbered("a", &[5, 6, 7, 8]),
    ))
    .unwrap();
    text.push_str("{\"id\":\"broken\"}\n");
    text.push_str(
        &std::fs::read_to_string(write(dir.path(), "tmp2.ndjson", &numbered("b", &[0]))).unwrap(),
    );
    std::fs::write(&path, text).unwrap();
    let options = Options {
        skip_bad: true,
        order: FileOrder::ByTime,
        reorder_window: 2,
    };
    let mut notes = Vec::new();
    let (ids, totals) = read_in_time_order(
        std::slice::from_ref(&path),
        options,
        &mut |n| notes.push(n),
        Vec::new,
        |ids: &mut Vec<String>, r| ids.push(r.record.id().to_string()),
    )
    .unwrap();
    assert_eq!(ids, ["b0", "a0", "a1", "a2", "a3"]);
    assert_eq!(totals.bad_records, 1);
    let skipped = notes
        .iter()
        .filter(|n| n.starts_with("warning: skipped"))
        .count();
    assert_eq!(skipped, 1, "{notes:?}");
    assert_eq!(notes.len(), 2, "one restart note too: {notes:?}");
}

#[test]
fn records_carry_the_tenant_they_name_and_the_fallback_is_the_first_named() {
    let dir = tempfile::tempdir().unwrap();
    let none = write(dir.path(), "none.ndjson", &numbered("a", &[1]));
    // An Event Hub envelope whose sign-ins name no tenant, and a sign-in that names its own.
    let envelope = dir.path().join("envelope.json");
    std::fs::write(
        &envelope,
        "{\"records\":[{\"time\":\"2025-03-17T15:00:02Z\",\"category\":\"SignInLogs\",\"tenantId\":\"t-envelope\",\"properties\":{\"id\":\"e\",\"createdDateTime\":\"2025-03-17T15:00:02Z\",\"status\":{\"errorCode\":0},\"deviceDetail\":{},\"location\":{}}}]}\n",
    )
    .unwrap();
    let named = dir.path().join("named.ndjson");
    std::fs::write(
        &named,
        "{\"id\":\"t\",\"createdDateTime\":\"2025-03-17T15:00:00Z\",\"resourceTenantId\":\"t-1\",\"status\":{\"errorCode\":0},\"deviceDetail\":{},\"location\":{}}\n",
    )
    .unwrap();
    assert_eq!(first_named_tenant(std::slice::from_ref(&none)), None);
    assert_eq!(
        first_named_tenant(&[dir.path().join("missing"), none.clone(), named.clone()]).as_deref(),
        Some("t-1")
    );
    assert_eq!(
        first_named_tenant(&[envelope.clone(), named.clone()]).as_deref(),
        Some("t-envelope")
    );
    let (labels, _) = read_in_time_order(
        &[none, envelope, named],
        Options::new(false, FileOrder::ByTime),
        &mut |_| {},
        Vec::new,
        |labels: &mut Vec<(String, Option<String>)>, r| {
            labels.push((r.record.id().to_string(), r.tenant.map(|t| t.to_string())))
        },
    )
    .unwrap();
    let label = |id: &str, tenant: Option<&str>| (id.to_string(), tenant.map(str::to_string));
    assert_eq!(
        labels,
        [
            label("t", Some("t-1")),
            label("a0", None),
            label("e", Some("t-envelope"))
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Whatever the disorder and the window, the order is the one holding every record gave.
    #[test]
    fn streaming_orders_records_as_holding_them_did(
        files in proptest::collection::vec(proptest::collection::vec(0u32..40, 0..30), 1..4),
        window in 1usize..8,
        verify_order in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = files
            .iter()
            .enumerate()
            .map(|(i, seconds)| write(dir.path(), &format!("{i}.ndjson"), &numbered(&format!("f{i}-"), seconds)))
            .collect();
        let order = if verify_order { FileOrder::OldestFirstThenByTime } else { FileOrder::ByTime };
        let (ids, _) = streamed(&paths, order, window);
        prop_assert_eq!(ids, held(&paths, order));
    }
}
