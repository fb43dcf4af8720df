//! `generate --to kafka://...`: records sent as Kafka messages, keyed by their owner.
//!
//! - **Payload.** `eventhub` (the default): each message is a diagnostic-settings envelope
//!   `{"records":[...]}` as `generate --format eventhub` writes one per line, holding up to
//!   [`RECORDS_PER_ENVELOPE`](crate::export::eventhub::RECORDS_PER_ENVELOPE) consecutive records
//!   of one owner and one category. `ndjson`: each message is one Graph record (v1.0, or beta
//!   with `--api beta`), as a line of `generate --format ndjson` without its newline.
//! - **Key and partition.** The key is the record's owner (`export::shard::owner`, the user
//!   `--shard` splits by); the partition is Kafka's default for that key
//!   ([`super::partitioner`]), so one user's records stay in one partition, oldest first.
//!   The message timestamp is the (first) record's time.
//! - **Bounded memory and backpressure.** Messages are batched up to [`BATCH_BYTES`]; then the
//!   batch is sent (every partition at once, each partition's messages in order, in produce
//!   requests of at most [`REQUEST_BYTES`]) and generation waits until the broker acknowledged
//!   all of it. A slow broker slows generation down; memory never holds more than a batch.
//! - **Retries.** Each request is retried with exponential backoff (100 ms, x3, at most 5 s
//!   apart) until the URL's `timeout`; then `generate` stops with exit code 3.
//! - **A topic that does not exist** is created with the URL's `partitions` (default 3) and
//!   replication factor 1. A broker that refuses (Event Hubs' Basic tier, a cluster without
//!   auto-creation rights) is a clear error: create the topic (event hub) first.

use super::address::KafkaUrl;
use super::connect::{self, StreamError, one_line};
use super::partitioner::partition_of;
use crate::export::eventhub::{EventHubAudit, EventHubSignIn};
use crate::export::risk::{USER_RISK_CATEGORY, user_risk_event_hub};
use crate::export::risk_files::{RISKY_USERS_CATEGORY, risky_user_hub};
use crate::export::shard::owner;
use crate::export::{ExportOptions, Format, SignInLog, resource_id};
use crate::graph::{ApiVersion, Record, RiskDetection, RiskyUserHistoryItem, Timestamp};
use rskafka::client::Client;
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A batch is sent once its messages hold this many bytes.
pub const BATCH_BYTES: usize = 4 << 20;
/// At most this many bytes per produce request (brokers refuse batches over 1 MB by default,
/// as does Event Hubs).
pub const REQUEST_BYTES: usize = 512 << 10;

/// What was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendSummary {
    pub sign_ins: usize,
    pub audits: usize,
    pub risk_detections: usize,
    pub risky_user_changes: usize,
    pub messages: usize,
    pub partitions: usize,
    /// Whether the topic was created.
    pub created: bool,
}

enum Payload {
    EventHub {
        tenant_id: String,
        resource_id: String,
    },
    Ndjson(ApiVersion),
}

/// An ID Protection record to send.
#[derive(Clone, Copy)]
pub enum RiskOut<'a> {
    Detection(&'a RiskDetection),
    /// One change of a user's risk.
    Change(&'a RiskyUserHistoryItem),
}

/// What places an item in a message: whose it is, when, and its category.
struct Item<'a> {
    owner: &'a str,
    time: Timestamp,
    category: &'static str,
}

/// One message being filled.
struct Message {
    key: String,
    /// For Event Hub envelopes: the open `{"records":[...` (closed when sent).
    value: Vec<u8>,
    records: usize,
    category: &'static str,
    millis: i64,
}

/// Sends records to one topic; see the module documentation.
pub struct KafkaSink {
    runtime: tokio::runtime::Runtime,
    url: KafkaUrl,
    /// By partition index (0..n).
    partitions: Vec<Arc<PartitionClient>>,
    payload: Payload,
    /// The messages of the current batch, by partition index.
    batch: Vec<Vec<Message>>,
    /// An owner's open envelope in the batch: (partition index, message index).
    open: BTreeMap<String, (usize, usize)>,
    batch_bytes: usize,
    summary: SendSummary,
}

impl KafkaSink {
    /// Connects, creates the topic when it does not exist, and opens every partition.
    pub fn open(
        url: &KafkaUrl,
        format: Format,
        options: &ExportOptions,
    ) -> Result<KafkaSink, StreamError> {
        let payload = match format {
            Format::EventHub => Payload::EventHub {
                tenant_id: options.tenant_id.clone(),
                resource_id: resource_id(&options.tenant_id),
            },
            Format::Ndjson => Payload::Ndjson(options.api),
            other => {
                return Err(StreamError::BadInput(format!(
                    "--to {url} sends eventhub (the default) or ndjson messages, not `{other}`"
                )));
            }
        };
        let runtime = connect::runtime()?;
        let (partitions, created) = runtime.block_on(open_topic(url))?;
        let count = partitions.len();
        Ok(KafkaSink {
            runtime,
            url: url.clone(),
            partitions,
            payload,
            batch: (0..count).map(|_| Vec::new()).collect(),
            open: BTreeMap::new(),
            batch_bytes: 0,
            summary: SendSummary {
                partitions: count,
                created,
                ..SendSummary::default()
            },
        })
    }

    /// Adds a record (oldest first); sends the batch when it is full.
    pub fn push(&mut self, record: &Record) -> Result<(), StreamError> {
        let category = match record {
            Record::SignIn(s) => {
                self.summary.sign_ins += 1;
                SignInLog::of(s).category()
            }
            Record::Audit(_) => {
                self.summary.audits += 1;
                crate::export::eventhub::AUDIT_CATEGORY
            }
        };
        let item = Item {
            owner: owner(record),
            time: record.time(),
            category,
        };
        self.add(item, &mut |payload, out| match payload {
            Payload::Ndjson(api) => match (api, record) {
                (ApiVersion::V1, Record::SignIn(s)) => serde_json::to_writer(out, s),
                (ApiVersion::V1, Record::Audit(a)) => serde_json::to_writer(out, a),
                (ApiVersion::Beta, _) => serde_json::to_writer(out, &record.to_json(*api)),
            },
            Payload::EventHub {
                tenant_id,
                resource_id,
            } => match record {
                Record::SignIn(sign_in) => {
                    EventHubSignIn {
                        sign_in,
                        tenant_id,
                        resource_id,
                    }
                    .write_json(out);
                    Ok(())
                }
                Record::Audit(audit) => serde_json::to_writer(
                    out,
                    &EventHubAudit {
                        audit,
                        tenant_id,
                        resource_id,
                    },
                ),
            },
        })
    }

    /// Adds an ID Protection record (in time order with the logs), keyed by its user as the
    /// user's sign-ins are: `UserRiskEvents` and `RiskyUsers` envelopes as diagnostic
    /// settings stream them, or the Graph `riskDetection` / `riskyUserHistoryItem` as
    /// `generate --format ndjson` writes them.
    pub fn push_risk(&mut self, risk: RiskOut<'_>) -> Result<(), StreamError> {
        let item = match risk {
            RiskOut::Detection(d) => {
                self.summary.risk_detections += 1;
                Item {
                    owner: &d.user_id,
                    time: d.detected_date_time,
                    category: USER_RISK_CATEGORY,
                }
            }
            RiskOut::Change(h) => {
                self.summary.risky_user_changes += 1;
                Item {
                    owner: &h.user_id,
                    time: h.risk.risk_last_updated_date_time,
                    category: RISKY_USERS_CATEGORY,
                }
            }
        };
        self.add(item, &mut |payload, out| match (payload, risk) {
            (Payload::Ndjson(_), RiskOut::Detection(d)) => serde_json::to_writer(out, d),
            (Payload::Ndjson(_), RiskOut::Change(h)) => serde_json::to_writer(out, h),
            (Payload::EventHub { tenant_id, .. }, RiskOut::Detection(d)) => {
                serde_json::to_writer(out, &user_risk_event_hub(d, tenant_id))
            }
            (Payload::EventHub { tenant_id, .. }, RiskOut::Change(h)) => {
                serde_json::to_writer(out, &risky_user_hub(h, tenant_id))
            }
        })
    }

    /// Puts one item in its owner's message: a message of its own (`ndjson`), or the owner's
    /// open envelope of the same category while it has room (`eventhub`). `write` appends the
    /// item as the payload spells it.
    fn add(
        &mut self,
        item: Item<'_>,
        write: &mut dyn FnMut(&Payload, &mut Vec<u8>) -> serde_json::Result<()>,
    ) -> Result<(), StreamError> {
        let key = item.owner;
        let partition = partition_of(key.as_bytes(), self.partitions.len() as i32) as usize;
        let millis = item.time.ticks().div_euclid(10_000);
        let cannot =
            |e: serde_json::Error| StreamError::BadInput(format!("cannot write a record: {e}"));
        let messages = &mut self.batch[partition];
        let added = match &self.payload {
            Payload::Ndjson(_) => {
                let mut value = Vec::new();
                write(&self.payload, &mut value).map_err(cannot)?;
                let added = value.len();
                messages.push(Message {
                    key: key.to_string(),
                    value,
                    records: 1,
                    category: item.category,
                    millis,
                });
                added
            }
            Payload::EventHub { .. } => {
                let joinable = self.open.get(key).and_then(|&(_, index)| {
                    let message = &messages[index];
                    (message.category == item.category
                        && message.records < crate::export::eventhub::RECORDS_PER_ENVELOPE)
                        .then_some(index)
                });
                let index = match joinable {
                    Some(index) => {
                        messages[index].value.push(b',');
                        index
                    }
                    None => {
                        messages.push(Message {
                            key: key.to_string(),
                            value: b"{\"records\":[".to_vec(),
                            records: 0,
                            category: item.category,
                            millis,
                        });
                        self.open
                            .insert(key.to_string(), (partition, messages.len() - 1));
                        messages.len() - 1
                    }
                };
                let message = &mut messages[index];
                let before = message.value.len();
                write(&self.payload, &mut message.value).map_err(cannot)?;
                message.records += 1;
                message.value.len() - before
            }
        };
        self.batch_bytes += added;
        if self.batch_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends what is left and says what was sent.
    pub fn finish(mut self) -> Result<SendSummary, StreamError> {
        self.flush()?;
        Ok(self.summary)
    }

    /// Sends the batch: every partition at once, and waits for all acknowledgements.
    fn flush(&mut self) -> Result<(), StreamError> {
        let envelopes = matches!(self.payload, Payload::EventHub { .. });
        // The sends are spawned on this sink's runtime, which must be entered to spawn.
        let _entered = self.runtime.enter();
        let mut sends = tokio::task::JoinSet::new();
        for (index, messages) in self.batch.iter_mut().enumerate() {
            if messages.is_empty() {
                continue;
            }
            let messages = std::mem::take(messages);
            self.summary.messages += messages.len();
            let requests = into_requests(messages, envelopes);
            let partition = Arc::clone(&self.partitions[index]);
            sends.spawn(async move {
                for records in requests {
                    partition
                        .produce(records, Compression::NoCompression)
                        .await
                        .map_err(|e| (partition.partition(), e))?;
                }
                Ok::<(), (i32, rskafka::client::error::Error)>(())
            });
        }
        self.open.clear();
        self.batch_bytes = 0;
        let url = &self.url;
        self.runtime.block_on(async {
            while let Some(done) = sends.join_next().await {
                match done {
                    Ok(Ok(())) => {}
                    Ok(Err((partition, e))) => {
                        return Err(StreamError::Unreachable(format!(
                            "sending to {url} (partition {partition}) failed after retrying for {} s: {}",
                            url.timeout.as_secs(),
                            one_line(&e)
                        )));
                    }
                    Err(e) => {
                        return Err(StreamError::Unreachable(format!(
                            "sending to {url} stopped: {e}"
                        )));
                    }
                }
            }
            Ok(())
        })
    }
}

/// A partition's messages as produce requests of at most [`REQUEST_BYTES`] (a bigger message
/// goes alone), in order.
fn into_requests(messages: Vec<Message>, envelopes: bool) -> Vec<Vec<rskafka::record::Record>> {
    let mut requests: Vec<Vec<rskafka::record::Record>> = Vec::new();
    let mut bytes = 0;
    for mut message in messages {
        if envelopes {
            message.value.extend_from_slice(b"]}");
        }
        let size = message.value.len() + message.key.len();
        if requests.is_empty() || bytes + size > REQUEST_BYTES {
            requests.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        let timestamp = chrono::DateTime::from_timestamp_millis(message.millis).unwrap_or_default();
        requests
            .last_mut()
            .expect("a request")
            .push(rskafka::record::Record {
                key: Some(message.key.into_bytes()),
                value: Some(message.value),
                headers: BTreeMap::new(),
                timestamp,
            });
    }
    requests
}

/// The topic's partition clients, by partition index; creates the topic when missing.
async fn open_topic(url: &KafkaUrl) -> Result<(Vec<Arc<PartitionClient>>, bool), StreamError> {
    let client = connect::connect(url).await?;
    let (ids, created) = match connect::partitions_of(&client, url).await? {
        Some(ids) if !ids.is_empty() => (ids, false),
        _ => (create_topic(&client, url).await?, true),
    };
    let mut partitions = Vec::with_capacity(ids.len());
    for id in ids {
        let partition = client
            .partition_client(url.topic.clone(), id, UnknownTopicHandling::Retry)
            .await
            .map_err(|e| {
                StreamError::Unreachable(format!(
                    "cannot open partition {id} of {url}: {}",
                    one_line(&e)
                ))
            })?;
        partitions.push(Arc::new(partition));
    }
    Ok((partitions, created))
}

async fn create_topic(client: &Client, url: &KafkaUrl) -> Result<Vec<i32>, StreamError> {
    let controller = client
        .controller_client()
        .map_err(|e| create_failed(url, &e))?;
    let timeout_ms = i32::try_from(url.timeout.as_millis()).unwrap_or(i32::MAX);
    controller
        .create_topic(url.topic.clone(), url.partitions, 1, timeout_ms)
        .await
        .map_err(|e| create_failed(url, &e))?;
    Ok((0..url.partitions).collect())
}

/// Why a missing topic was not created: the broker answered no (a usage error: create it
/// first), or the broker was lost on the way (exit 3, as any unreachable broker).
fn create_failed(url: &KafkaUrl, e: &rskafka::client::error::Error) -> StreamError {
    if matches!(e, rskafka::client::error::Error::ServerError { .. }) {
        return StreamError::BadInput(format!(
            "the topic `{}` does not exist on {} and the broker refused to create it: {}\n  hint: create the topic (for Event Hubs, the event hub) first",
            url.topic,
            url.broker(),
            one_line(e)
        ));
    }
    StreamError::Unreachable(format!(
        "the topic `{}` does not exist on {} and creating it failed: {}",
        url.topic,
        url.broker(),
        one_line(e)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(key: &str, size: usize) -> Message {
        Message {
            key: key.into(),
            value: vec![b'x'; size],
            records: 1,
            category: "",
            millis: 0,
        }
    }

    #[test]
    fn a_topic_lost_on_the_way_is_unreachable_not_refused() {
        let url: KafkaUrl = "kafka://127.0.0.1:9092/entra".parse().unwrap();
        let e = create_failed(&url, &rskafka::client::error::Error::Timeout);
        assert!(matches!(e, StreamError::Unreachable(_)), "{e}");
        assert_eq!(
            e.to_string(),
            "the topic `entra` does not exist on 127.0.0.1:9092 and creating it failed: Timeout"
        );
    }

    #[test]
    fn requests_stay_under_the_limit_and_keep_order() {
        let messages = (0..10)
            .map(|i| message(&format!("k{i}"), 200 << 10))
            .collect();
        let requests = into_requests(messages, false);
        assert_eq!(requests.len(), 5);
        let keys: Vec<_> = requests
            .iter()
            .flatten()
            .map(|r| String::from_utf8(r.key.clone().unwrap()).unwrap())
            .collect();
        assert_eq!(keys, (0..10).map(|i| format!("k{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn a_message_bigger_than_a_request_goes_alone() {
        let requests = into_requests(vec![message("a", 1 << 20), message("b", 10)], false);
        assert_eq!(requests.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1]);
    }

    #[test]
    fn envelopes_are_closed_when_sent() {
        let mut open = message("a", 0);
        open.value = b"{\"records\":[{}".to_vec();
        let requests = into_requests(vec![open], true);
        assert_eq!(
            requests[0][0].value.as_deref(),
            Some(&b"{\"records\":[{}]}"[..])
        );
    }
}
