//! `verify --against kafka://...` and `detect --logs kafka://...`: a topic read back from the
//! beginning of every partition to the high watermark it had when reading started, then
//! stop (a snapshot, not a subscription; no consumer group, no committed offsets).
//!
//! Each message goes through the same readers as a file ([`crate::logfiles::read_from`]): an
//! Event Hub envelope `{"records":[...]}`, a bare diagnostic-settings record, a Graph record
//! (NDJSON), or a Log Analytics row, whichever it is. Partitions are read one after the other,
//! each in offset order, so one user's records (one partition, see [`super::sink`]) come out
//! in the order they were sent. Memory holds one fetch (at most [`FETCH_BYTES`]) at a time.

use super::address::KafkaUrl;
use super::connect::{self, StreamError, one_line};
use crate::graph::Record;
use crate::logfiles::{self, LogFileError, ReadSummary};
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};

/// The most a fetch asks the broker for.
pub const FETCH_BYTES: i32 = 4 << 20;
/// How long a fetch may wait for data at the broker, in milliseconds.
const FETCH_WAIT_MS: i32 = 200;
/// Fetches that may come back empty below the high watermark before reading gives up.
const EMPTY_FETCHES: u32 = 5;

/// Reads every message of `url`'s topic, handing each record, with the tenant its envelope or
/// row names, to `emit` until it returns `false` (then the rest of that message is passed over and nothing more is fetched). With
/// `skipped`, a record that cannot be read is handed to it and reading goes on (as
/// [`logfiles::read_path_skipping_bad`] does for files); without, it stops reading.
pub fn read_topic(
    url: &KafkaUrl,
    emit: &mut dyn FnMut(Record, Option<&str>) -> bool,
    mut skipped: Option<&mut dyn FnMut(LogFileError)>,
) -> Result<ReadSummary, StreamError> {
    let runtime = connect::runtime()?;
    runtime.block_on(async {
        let client = connect::connect(url).await?;
        let Some(ids) = connect::partitions_of(&client, url).await? else {
            let mut names: Vec<String> = client
                .list_topics()
                .await
                .map(|topics| topics.into_iter().map(|t| t.name).collect())
                .unwrap_or_default();
            names.sort();
            let there = if names.is_empty() {
                "it has no topics".to_string()
            } else {
                format!("its topics: {}", names.join(", "))
            };
            return Err(StreamError::BadInput(format!(
                "the topic `{}` does not exist on {} ({there})",
                url.topic,
                url.broker()
            )));
        };
        let mut summary = ReadSummary::default();
        let mut ids = ids;
        ids.sort_unstable();
        for id in ids {
            let partition = client
                .partition_client(url.topic.clone(), id, UnknownTopicHandling::Retry)
                .await
                .map_err(|e| unreachable(url, id, &e))?;
            if !read_partition(url, &partition, &mut summary, emit, &mut skipped).await? {
                break;
            }
        }
        Ok(summary)
    })
}

/// Reads one partition to its snapshot's end; `false` when `emit` stopped the reading.
async fn read_partition(
    url: &KafkaUrl,
    partition: &PartitionClient,
    summary: &mut ReadSummary,
    emit: &mut dyn FnMut(Record, Option<&str>) -> bool,
    skipped: &mut Option<&mut dyn FnMut(LogFileError)>,
) -> Result<bool, StreamError> {
    let id = partition.partition();
    let low = partition
        .get_offset(OffsetAt::Earliest)
        .await
        .map_err(|e| unreachable(url, id, &e))?;
    let high = partition
        .get_offset(OffsetAt::Latest)
        .await
        .map_err(|e| unreachable(url, id, &e))?;
    let mut offset = low;
    let mut high = high;
    let mut first = true;
    let mut empty = 0;
    // The snapshot ends at the higher of ListOffsets(latest) and the first fetch's high
    // watermark: tansu 0.6 answers ListOffsets with an offset below its last record, while
    // its fetches carry the right watermark. The first fetch is made even when ListOffsets
    // says the partition is empty, for the same reason.
    while first || offset < high {
        let (records, watermark) = partition
            .fetch_records(offset, 1..FETCH_BYTES, FETCH_WAIT_MS)
            .await
            .map_err(|e| unreachable(url, id, &e))?;
        if first {
            high = high.max(watermark);
            first = false;
        }
        let before = offset;
        for record in records {
            if record.offset < offset || record.offset >= high {
                continue;
            }
            offset = record.offset + 1;
            let Some(value) = record.record.value.filter(|v| !v.is_empty()) else {
                continue;
            };
            let name = format!("{url} partition {id} offset {}", record.offset);
            let mut going = true;
            let mut each = |r, named: Option<&str>| going = going && emit(r, named);
            let skipped = skipped
                .as_mut()
                .map(|s| &mut **s as &mut dyn FnMut(LogFileError));
            let read = logfiles::read_from_with_tenants(&name, &value[..], &mut each, skipped)
                .map_err(|e| StreamError::BadInput(e.to_string()))?;
            add(summary, read);
            if !going {
                return Ok(false);
            }
        }
        if offset == before {
            empty += 1;
            if empty == EMPTY_FETCHES {
                return Err(StreamError::Unreachable(format!(
                    "{url} partition {id}: the broker returned no records at offset {offset}, below its high watermark {high}"
                )));
            }
        } else {
            empty = 0;
        }
    }
    Ok(true)
}

fn unreachable(url: &KafkaUrl, partition: i32, e: &rskafka::client::error::Error) -> StreamError {
    StreamError::Unreachable(format!(
        "cannot read partition {partition} of {url}: {}",
        one_line(e)
    ))
}

/// Adds one message's summary to the topic's.
fn add(total: &mut ReadSummary, one: ReadSummary) {
    total.sign_ins += one.sign_ins;
    total.audits += one.audits;
    total.bad_records += one.bad_records;
    for (name, count) in one.skipped {
        *total.skipped.entry(name).or_default() += count;
    }
    total.shapes.extend(one.shapes);
    total.tenant_ids.extend(one.tenant_ids);
    total.risk.extend(one.risk);
}
