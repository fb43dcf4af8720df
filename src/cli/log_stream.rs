//! Exported log files read in time order without holding them (`detect --logs`,
//! `verify --against FILE`).
//!
//! Each file is read on its own thread and put in time order through a bounded reorder buffer
//! of [`REORDER_WINDOW`] records: a record may come up to that many records later than its
//! place in time and still be handed over in order. The files are then merged oldest first,
//! records of one instant in file order (first file first, then the order within the file):
//! the same order as sorting all the files' records by time, which is what both commands did
//! when they held every record.
//!
//! A file that is more out of order than that (a Graph download lists the newest first; a
//! stream dump written by several producers may interleave widely) cannot be streamed: the
//! pass stops with [`Stop::OutOfOrder`], and the caller starts again with that file held
//! whole and sorted in memory ([`read_in_time_order`] does this), so the answer never depends
//! on the reorder window, only the memory does. Each restart is noted on stderr.

use crate::graph::{Record, Text, Timestamp};
use crate::logfiles::{self, ErrorKind, LogFileError, RiskItem};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// How many records a file's reorder buffer holds (about 2-3 KB each in memory): a record
/// may be this many records out of place in its file and still be streamed.
pub const REORDER_WINDOW: usize = 20_000;
/// Records handed from a reader thread to the merge at a time.
const BATCH: usize = 512;
/// Batches a reader thread may have in flight: bounds what waits between the two threads.
const BATCHES_IN_FLIGHT: usize = 4;

/// A record as the files hand it over, with the tenant it names ([`logfiles::record_tenant`]:
/// its envelope's or row's, else its sign-in's own), if any.
#[derive(Debug)]
pub struct LogRecord {
    pub record: Record,
    pub tenant: Option<Text>,
}

impl LogRecord {
    fn time(&self) -> Timestamp {
        self.record.time()
    }
}

/// How the records of one file are put in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOrder {
    /// By time, records of one instant in file order (`detect --logs`).
    ByTime,
    /// As [`logfiles::make_oldest_first`] turns a file (a file whose first two records of
    /// different times go backwards is reversed), then by time (`verify --against FILE`).
    OldestFirstThenByTime,
}

/// How to read the files.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Skip records that cannot be read (each one noted) instead of failing the file.
    pub skip_bad: bool,
    pub order: FileOrder,
    /// Records a file's reorder buffer holds ([`REORDER_WINDOW`]).
    pub reorder_window: usize,
}

impl Options {
    pub fn new(skip_bad: bool, order: FileOrder) -> Self {
        Options {
            skip_bad,
            order,
            reorder_window: REORDER_WINDOW,
        }
    }
}

/// Why a pass over the files stopped before the end.
#[derive(Debug)]
pub enum Stop {
    /// A file could not be read (the first such file in the order given).
    Failed(LogFileError),
    /// The file at this index is too far out of time order to stream.
    OutOfOrder(usize),
}

/// What a whole pass read.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Records handed over.
    pub records: u64,
    /// Bad records skipped (with [`Options::skip_bad`]).
    pub bad_records: usize,
    /// The ID Protection records the files held (`logfiles::ReadSummary::risk`), file by file
    /// in the order given, each in its file's order.
    pub risk: Vec<RiskItem>,
}

/// What reading a file left beside its records.
#[derive(Debug, Default)]
struct FileEnd {
    bad_records: usize,
    risk: Vec<RiskItem>,
}

impl FileEnd {
    fn of(summary: logfiles::ReadSummary) -> FileEnd {
        FileEnd {
            bad_records: summary.bad_records,
            risk: summary.risk,
        }
    }
}

/// Reads `paths` in time order, handing each record to the consumer that `start` makes.
/// A file too far out of order is read again held whole: the consumer of the pass that
/// found it is dropped, and `start` makes a new one for the next pass. Notes (skipped bad
/// records, restarts) go to `note`, each once. Returns the consumer that saw every record.
pub fn read_in_time_order<C>(
    paths: &[PathBuf],
    options: Options,
    note: &mut dyn FnMut(String),
    mut start: impl FnMut() -> C,
    mut each: impl FnMut(&mut C, LogRecord),
) -> Result<(C, Totals), LogFileError> {
    let mut hold = vec![false; paths.len()];
    let mut noted = vec![0usize; paths.len()];
    loop {
        let mut consumer = start();
        match one_pass(paths, options, &hold, &mut noted, note, &mut |r| {
            each(&mut consumer, r)
        }) {
            Ok(read) => return Ok((consumer, read)),
            Err(Stop::Failed(e)) => return Err(e),
            Err(Stop::OutOfOrder(i)) => {
                note(format!(
                    "note: {} is not in time order (a record came more than {} records late, or the file lists the newest first): reading it again, held whole in memory",
                    paths[i].display(),
                    options.reorder_window
                ));
                hold[i] = true;
            }
        }
    }
}

/// One pass over `paths` (the files `hold` marks are read whole and sorted). `noted` counts,
/// per file, the notes already passed on by earlier passes, so that none is repeated.
pub fn one_pass(
    paths: &[PathBuf],
    options: Options,
    hold: &[bool],
    noted: &mut [usize],
    note: &mut dyn FnMut(String),
    each: &mut dyn FnMut(LogRecord),
) -> Result<Totals, Stop> {
    std::thread::scope(|scope| {
        let mut sources: Vec<Source> = paths
            .iter()
            .zip(hold)
            .map(|(path, &hold)| {
                let (tx, rx) = mpsc::sync_channel(BATCHES_IN_FLIGHT);
                scope.spawn(move || read_file(path, options, hold, tx));
                Source::new(rx)
            })
            .collect();
        let mut merge = Merge {
            paths,
            sources: &mut sources,
            noted,
            note,
        };
        let result = merge.run(each);
        // Dropping the receivers stops readers still going (after an error elsewhere).
        drop(sources);
        result
    })
}

/// What a reader thread sends.
enum Message {
    Records(Vec<LogRecord>),
    Note(String),
    /// The file ended.
    Done(FileEnd),
    Failed(LogFileError),
    OutOfOrder,
}

/// One file as the merge sees it.
struct Source {
    rx: Receiver<Message>,
    batch: std::vec::IntoIter<LogRecord>,
    head: Option<LogRecord>,
    /// Notes received in this pass.
    notes: usize,
    done: Option<FileEnd>,
}

impl Source {
    fn new(rx: Receiver<Message>) -> Self {
        Source {
            rx,
            batch: Vec::new().into_iter(),
            head: None,
            notes: 0,
            done: None,
        }
    }
}

struct Merge<'a, 'n> {
    paths: &'a [PathBuf],
    sources: &'a mut [Source],
    noted: &'a mut [usize],
    note: &'a mut (dyn FnMut(String) + 'n),
}

impl Merge<'_, '_> {
    fn run(&mut self, each: &mut dyn FnMut(LogRecord)) -> Result<Totals, Stop> {
        let mut read = Totals::default();
        loop {
            for i in 0..self.sources.len() {
                self.fill(i)?;
            }
            // The oldest head; the first file wins a tie.
            let next = self
                .sources
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.head.as_ref().map(|r| (r.time(), i)))
                .min();
            let Some((_, i)) = next else { break };
            let record = self.sources[i].head.take().expect("a head");
            read.records += 1;
            each(record);
        }
        for end in self.sources.iter_mut().filter_map(|s| s.done.as_mut()) {
            read.bad_records += end.bad_records;
            read.risk.append(&mut end.risk);
        }
        Ok(read)
    }

    /// Makes sure source `i` has its next record at hand, unless it is done.
    fn fill(&mut self, i: usize) -> Result<(), Stop> {
        let source = &mut self.sources[i];
        if source.head.is_some() || source.done.is_some() {
            return Ok(());
        }
        loop {
            let source = &mut self.sources[i];
            if let Some(record) = source.batch.next() {
                source.head = Some(record);
                return Ok(());
            }
            match source.rx.recv() {
                Ok(Message::Records(batch)) => source.batch = batch.into_iter(),
                Ok(Message::Note(text)) => self.pass_note(i, text),
                Ok(Message::Done(end)) => {
                    source.done = Some(end);
                    return Ok(());
                }
                Ok(Message::OutOfOrder) => return Err(Stop::OutOfOrder(i)),
                Ok(Message::Failed(e)) => return Err(self.first_failure(i, e)),
                // The thread ended without a word: it panicked. Say so rather than hang.
                Err(_) => {
                    return Err(Stop::Failed(LogFileError {
                        path: self.paths[i].clone(),
                        line: None,
                        column: None,
                        record: None,
                        kind: ErrorKind::Io,
                        message: "the reader thread stopped".into(),
                    }));
                }
            }
        }
    }

    fn pass_note(&mut self, i: usize, text: String) {
        let source = &mut self.sources[i];
        source.notes += 1;
        if source.notes > self.noted[i] {
            self.noted[i] = source.notes;
            (self.note)(text);
        }
    }

    /// File `failed` could not be read: as when the files were read one after the other, an
    /// earlier file's failure is the one reported (read the earlier files to their end).
    fn first_failure(&mut self, failed: usize, e: LogFileError) -> Stop {
        for i in 0..failed {
            loop {
                let source = &mut self.sources[i];
                if source.done.is_some() {
                    break;
                }
                match source.rx.recv() {
                    Ok(Message::Records(_)) => {}
                    Ok(Message::Note(text)) => self.pass_note(i, text),
                    Ok(Message::Failed(earlier)) => return Stop::Failed(earlier),
                    Ok(Message::Done(end)) => source.done = Some(end),
                    Ok(Message::OutOfOrder) | Err(_) => break,
                }
            }
        }
        Stop::Failed(e)
    }
}

/// A record with its place in the file, ordered by time, then place.
struct Entry {
    time: Timestamp,
    seq: u64,
    record: LogRecord,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// Puts one file's records in time order through a bounded buffer.
///
/// Records that come in order (no older than the newest held) are kept in a queue, which
/// they leave from the front; only the others go to a heap. Both are ordered by time, then
/// place, and the older of their two fronts leaves first. Most files are in order: a heap
/// of 20,000 records alone cost a sift through it for every record.
pub struct Reorder {
    in_order: VecDeque<Entry>,
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    window: usize,
    /// The time of the last record released: nothing older may come after it.
    released: Option<Timestamp>,
    /// With [`FileOrder::OldestFirstThenByTime`]: the first record's time, until a record
    /// of another time says which way the file goes.
    first: Option<Timestamp>,
    direction_known: bool,
}

/// A file too far out of order to stream.
#[derive(Debug, PartialEq, Eq)]
pub struct OutOfOrder;

impl Reorder {
    pub fn new(window: usize, order: FileOrder) -> Self {
        Reorder {
            in_order: VecDeque::new(),
            heap: BinaryHeap::new(),
            seq: 0,
            window: window.max(1),
            released: None,
            first: None,
            direction_known: order == FileOrder::ByTime,
        }
    }

    /// Takes the next record of the file; returns the oldest one when the buffer is full.
    pub fn push(&mut self, record: LogRecord) -> Result<Option<LogRecord>, OutOfOrder> {
        let time = record.time();
        if !self.direction_known {
            match self.first {
                None => self.first = Some(time),
                Some(first) if time == first => {}
                // Newest first: the whole file is turned around, which needs all of it.
                Some(first) if time < first => return Err(OutOfOrder),
                Some(_) => self.direction_known = true,
            }
        }
        if self.released.is_some_and(|released| time < released) {
            return Err(OutOfOrder);
        }
        let entry = Entry {
            time,
            seq: self.seq,
            record,
        };
        self.seq += 1;
        if self
            .in_order
            .back()
            .is_none_or(|newest| newest.time <= time)
        {
            self.in_order.push_back(entry);
        } else {
            self.heap.push(Reverse(entry));
        }
        if self.in_order.len() + self.heap.len() <= self.window {
            return Ok(None);
        }
        Ok(self.pop())
    }

    fn pop(&mut self) -> Option<LogRecord> {
        let from_queue = match (self.in_order.front(), self.heap.peek()) {
            (Some(queued), Some(Reverse(heaped))) => queued < heaped,
            (queued, _) => queued.is_some(),
        };
        let entry = if from_queue {
            self.in_order.pop_front()?
        } else {
            self.heap.pop()?.0
        };
        self.released = Some(entry.time);
        Some(entry.record)
    }

    /// The records still held, in order, once the file has ended.
    pub fn drain(mut self) -> impl Iterator<Item = LogRecord> {
        std::iter::from_fn(move || self.pop())
    }
}

/// Reads `path` record by record, handing each with the tenant its envelope or row names to
/// `emit` until it returns `false`; bad records go to `skipped` when skipping. Returns what
/// the file left beside its records, or `None` when `emit` stopped the reading.
fn read_until(
    path: &Path,
    skip_bad: bool,
    emit: impl FnMut(Record, Option<&str>) -> bool,
    skipped: impl FnMut(LogFileError),
) -> Result<Option<FileEnd>, LogFileError> {
    if let Some(topic) = kafka_topic(path)? {
        return read_topic_until(path, &topic, skip_bad, emit, skipped);
    }
    let mut skipped = skipped;
    let skipped = skip_bad.then_some(&mut skipped as &mut dyn FnMut(LogFileError));
    Ok(logfiles::read_path_until(path, emit, skipped)?.map(FileEnd::of))
}

/// The topic `path` names when it is a `kafka://` / `kafka+ssl://` URL; a malformed one is
/// an error of its own.
fn kafka_topic(path: &Path) -> Result<Option<crate::stream::KafkaUrl>, LogFileError> {
    let text = path.to_string_lossy();
    if !crate::stream::is_kafka_url(&text) {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e: crate::stream::BadKafkaUrl| stream_error(path, ErrorKind::Io, e.to_string()))
}

/// Reads a topic from its beginning as [`read_until`] reads a file, until `emit` stops
/// taking records (no further messages are fetched then).
fn read_topic_until(
    path: &Path,
    topic: &crate::stream::KafkaUrl,
    skip_bad: bool,
    mut emit: impl FnMut(Record, Option<&str>) -> bool,
    mut skipped: impl FnMut(LogFileError),
) -> Result<Option<FileEnd>, LogFileError> {
    let mut stopped = false;
    let mut each = |record, named: Option<&str>| {
        stopped = stopped || !emit(record, named);
        !stopped
    };
    let skipped: Option<&mut dyn FnMut(LogFileError)> =
        if skip_bad { Some(&mut skipped) } else { None };
    match crate::stream::read_topic(topic, &mut each, skipped) {
        _ if stopped => Ok(None),
        Ok(summary) => Ok(Some(FileEnd::of(summary))),
        Err(crate::stream::StreamError::Unreachable(m)) => {
            Err(stream_error(path, ErrorKind::Unreachable, m))
        }
        Err(crate::stream::StreamError::BadInput(m)) => Err(stream_error(path, ErrorKind::Io, m)),
    }
}

fn stream_error(path: &Path, kind: ErrorKind, message: String) -> LogFileError {
    LogFileError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        record: None,
        kind,
        message,
    }
}

/// A reader thread: reads `path`, puts it in order (or holds it whole), sends it in batches.
fn read_file(path: &Path, options: Options, hold: bool, tx: SyncSender<Message>) {
    let notes = tx.clone();
    let skipped = move |e: LogFileError| {
        let _ = notes.send(Message::Note(format!("warning: skipped a bad record: {e}")));
    };
    let mut labeller = Labeller::default();
    let mut batch = Vec::with_capacity(BATCH);
    let send = |batch: &mut Vec<LogRecord>| -> bool {
        let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
        tx.send(Message::Records(full)).is_ok()
    };
    let outcome = if hold {
        let mut all = Vec::new();
        let read = read_until(
            path,
            options.skip_bad,
            |r, named| {
                all.push(labeller.record(r, named));
                true
            },
            skipped,
        );
        if options.order == FileOrder::OldestFirstThenByTime {
            logfiles::make_oldest_first_by(&mut all, LogRecord::time);
        }
        all.sort_by_key(LogRecord::time);
        read.inspect(|_| {
            let mut all = all.into_iter();
            loop {
                batch.extend(all.by_ref().take(BATCH));
                if batch.is_empty() || !send(&mut batch) {
                    break;
                }
            }
        })
    } else {
        let mut reorder = Reorder::new(options.reorder_window, options.order);
        let mut out_of_order = false;
        let read = read_until(
            path,
            options.skip_bad,
            |r, named| match reorder.push(labeller.record(r, named)) {
                Ok(Some(oldest)) => {
                    batch.push(oldest);
                    batch.len() < BATCH || send(&mut batch)
                }
                Ok(None) => true,
                Err(OutOfOrder) => {
                    out_of_order = true;
                    false
                }
            },
            skipped,
        );
        if out_of_order {
            let _ = tx.send(Message::OutOfOrder);
            return;
        }
        read.inspect(|_| {
            let mut rest = reorder.drain();
            loop {
                batch.extend(rest.by_ref().take(BATCH - batch.len()));
                if batch.is_empty() || !send(&mut batch) {
                    break;
                }
            }
        })
    };
    let _ = match outcome {
        Ok(Some(end)) => tx.send(Message::Done(end)),
        // Stopped: the merge has gone.
        Ok(None) => Ok(()),
        Err(e) => tx.send(Message::Failed(e)),
    };
}

/// The ID Protection records `paths` hold (files or `kafka://` topics), file by file in the
/// order given: a pass of their own, for a caller that needs them before the logs.
pub fn risk_in(paths: &[PathBuf], skip_bad: bool) -> Result<Vec<RiskItem>, LogFileError> {
    let mut risk = Vec::new();
    for path in paths {
        if let Some(mut end) = read_until(path, skip_bad, |_, _| true, |_| {})? {
            risk.append(&mut end.risk);
        }
    }
    Ok(risk)
}

/// Labels records with the tenant they name, sharing one `Text` while it stays the same (every
/// record of a tenant's export names the same one) rather than allocating one per record.
#[derive(Default)]
struct Labeller {
    last: Option<Text>,
}

impl Labeller {
    fn record(&mut self, record: Record, named: Option<&str>) -> LogRecord {
        let tenant = logfiles::record_tenant(&record, named).map(|own| match &self.last {
            Some(last) if **last == *own => last.clone(),
            _ => self.last.insert(Text::from(own)).clone(),
        });
        LogRecord { record, tenant }
    }
}

/// The first tenant a record of `paths` names ([`logfiles::record_tenant`]), in file order:
/// what a record that names none (a Graph audit) is labelled with. Reads only as far as that
/// record; files or records that cannot be read are passed over (the pass that follows
/// reports them).
pub fn first_named_tenant(paths: &[PathBuf]) -> Option<String> {
    for path in paths {
        let mut found = None;
        let _ = read_until(
            path,
            true,
            |record, named| {
                found = logfiles::record_tenant(&record, named).map(str::to_string);
                found.is_none()
            },
            |_| {},
        );
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests;
