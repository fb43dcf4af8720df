//! An [`Evaluator`] on a thread of its own, fed records in batches, in the order given.
//!
//! Reading a log file already decodes on other threads, but merging the decoded runs back
//! into time order happens on the thread that hands each record over. The work is split
//! between that thread and the evaluator's: the handing thread matches each record against
//! the detection rules (stateless, [`Matcher`]) as it puts it in a batch; the evaluator's
//! counts the matches and feeds the correlation engine (stateful), in the order given. The
//! results are the same: one evaluator sees every record and its matches, in order.
//! Memory stays bounded: at most [`BATCHES_IN_FLIGHT`] batches of [`BATCH`] records wait.
//!
//! An evaluated batch goes back to the handing thread, which frees its records there and
//! fills the emptied lists again. The evaluator's thread bounded the rate when it did all of
//! this: matching was about half its time and freeing the records about a tenth, while the
//! handing thread mostly waited.

use super::{Evaluator, Matcher, RuleResult};
use crate::graph::{Record, Text};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Records handed over at once (one channel message, not one per record).
const BATCH: usize = 512;
/// Full batches waiting for the evaluator before the sending thread waits.
const BATCHES_IN_FLIGHT: usize = 8;

/// A record and the tenant its envelope or row is to name (`None`: the evaluator's own).
type Labelled = (Record, Option<Text>);

/// Records handed over together, with the rules each matched.
struct Batch {
    records: Vec<Labelled>,
    /// The positions of the rules the records matched ([`Matcher::matching`]), record after
    /// record.
    matched: Vec<usize>,
    /// Where each record's matches end in `matched`.
    ends: Vec<usize>,
}

impl Batch {
    fn with_capacity(records: usize) -> Batch {
        Batch {
            records: Vec::with_capacity(records),
            matched: Vec::with_capacity(records),
            ends: Vec::with_capacity(records),
        }
    }

    /// Empties the batch (freeing its records here), keeping its room.
    fn clear(&mut self) {
        self.records.clear();
        self.matched.clear();
        self.ends.clear();
    }

    fn len(&self) -> usize {
        self.records.len()
    }
}

/// An evaluator and its results, counting on another thread.
pub struct ThreadedEvaluator {
    batch: Batch,
    /// Records a batch holds ([`BATCH`], but for the tests).
    batch_size: usize,
    /// The tenant of records handed over without one.
    tenant_id: String,
    worker: Worker,
}

enum Worker {
    Thread {
        matcher: Matcher,
        send: SyncSender<Batch>,
        /// Batches evaluated, to free and fill again.
        evaluated: Receiver<Batch>,
        handle: JoinHandle<Option<(Vec<RuleResult>, Evaluator)>>,
    },
    /// No thread could be started: evaluate on the caller's.
    Inline {
        results: Vec<RuleResult>,
        evaluator: Box<Evaluator>,
    },
}

impl ThreadedEvaluator {
    /// Starts the thread (`tenant_id` fills the export envelopes and rows of records handed
    /// over without a tenant of their own, as in [`Evaluator::push`]).
    pub fn start(results: Vec<RuleResult>, evaluator: Evaluator, tenant_id: String) -> Self {
        Self::with_batches_of(BATCH, results, evaluator, tenant_id)
    }

    fn with_batches_of(
        batch_size: usize,
        results: Vec<RuleResult>,
        evaluator: Evaluator,
        tenant_id: String,
    ) -> Self {
        let (send, receive) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
        // Room for every batch there can be: giving one back never waits.
        let (give_back, evaluated) = sync_channel::<Batch>(BATCHES_IN_FLIGHT + 2);
        // The state goes to the thread once it has started (else it stays here).
        let (hand_over, handed) = sync_channel::<(Vec<RuleResult>, Evaluator, String)>(1);
        let spawned = std::thread::Builder::new()
            .name("detect".into())
            .spawn(move || {
                let (results, evaluator, tenant_id) = handed.recv().ok()?;
                Some(evaluate(receive, give_back, results, evaluator, &tenant_id))
            });
        let worker = match spawned {
            Ok(handle) => {
                let matcher = evaluator.matcher();
                let _ = hand_over.send((results, evaluator, tenant_id.clone()));
                Worker::Thread {
                    matcher,
                    send,
                    evaluated,
                    handle,
                }
            }
            Err(_) => Worker::Inline {
                results,
                evaluator: Box::new(evaluator),
            },
        };
        ThreadedEvaluator {
            batch: Batch::with_capacity(batch_size),
            batch_size,
            tenant_id,
            worker,
        }
    }

    /// Hands `record` over (records must come oldest first, as for [`Evaluator::push`]), with
    /// the tenant it names, if any.
    pub fn push(&mut self, record: Record, tenant: Option<Text>) {
        let tenant_id = tenant.as_deref().unwrap_or(&self.tenant_id);
        match &mut self.worker {
            Worker::Inline { results, evaluator } => evaluator.push(&record, tenant_id, results),
            Worker::Thread {
                matcher,
                send,
                evaluated,
                ..
            } => {
                let batch = &mut self.batch;
                matcher.matching(&record, tenant_id, &mut batch.matched);
                batch.ends.push(batch.matched.len());
                batch.records.push((record, tenant));
                if batch.len() == self.batch_size {
                    let next = match evaluated.try_recv() {
                        Ok(mut done) => {
                            done.clear();
                            done
                        }
                        Err(_) => Batch::with_capacity(self.batch_size),
                    };
                    let full = std::mem::replace(batch, next);
                    // A thread that is gone has panicked: `finish` says so.
                    let _ = send.send(full);
                }
            }
        }
    }

    /// Waits for every record handed over to be evaluated; the results and the evaluator.
    pub fn finish(self) -> (Vec<RuleResult>, Evaluator) {
        match self.worker {
            Worker::Inline { results, evaluator } => (results, *evaluator),
            Worker::Thread { send, handle, .. } => {
                if !self.batch.records.is_empty() {
                    let _ = send.send(self.batch);
                }
                drop(send);
                match handle.join() {
                    Ok(Some(done)) => done,
                    Ok(None) => unreachable!("the state is handed over as the thread starts"),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }
    }
}

fn evaluate(
    receive: Receiver<Batch>,
    give_back: SyncSender<Batch>,
    mut results: Vec<RuleResult>,
    mut evaluator: Evaluator,
    tenant_id: &str,
) -> (Vec<RuleResult>, Evaluator) {
    for batch in receive {
        let mut start = 0;
        for ((record, tenant), &end) in batch.records.iter().zip(&batch.ends) {
            let tenant_id = tenant.as_deref().unwrap_or(tenant_id);
            let matched = &batch.matched[start..end];
            evaluator.push_matched(record, tenant_id, matched, &mut results);
            start = end;
        }
        // Full only if the sender stopped taking them back (it has finished): freed here.
        let _ = give_back.try_send(batch);
    }
    (results, evaluator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{RuleSet, empty_results};
    use std::path::Path;

    #[test]
    fn a_threaded_evaluator_counts_what_an_evaluator_counts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let rules = RuleSet::load(&root.join("tests/data/sigma")).expect("the shipped rules load");
        let scenario =
            crate::scenario::load_file(&root.join("scenarios/detections/mfa-fatigue.yaml"))
                .expect("the scenario loads");
        let tenant_id = crate::sim::tenant_id(&scenario);
        let (items, _) = crate::sim::risk::simulate_with_risk(&scenario);
        let mut records: Vec<Record> = items.filter_map(|item| item.record).collect();
        records.sort_by_key(|r| r.time());
        // Several batches, and not a whole number of them.
        let batch = 5;
        assert!(
            records.len() > 2 * batch && !records.len().is_multiple_of(batch),
            "{} records",
            records.len()
        );
        let inline = rules.evaluate(&records, &tenant_id);
        let mut threaded = ThreadedEvaluator::with_batches_of(
            batch,
            empty_results(&rules),
            Evaluator::new(&rules),
            tenant_id.clone(),
        );
        for record in records {
            threaded.push(record, None);
        }
        let (results, evaluator) = threaded.finish();
        let mut results = results;
        evaluator.finish(&rules, &mut results);
        // Matches counted, and fed on to a correlation that fires.
        assert!(inline.iter().any(|r| r.fired && r.rule.kind == "detection"));
        assert!(inline.iter().any(|r| r.fired && r.rule.kind == "temporal"));
        for (a, b) in inline.iter().zip(&results) {
            assert_eq!(
                (a.matches, &a.record_ids),
                (b.matches, &b.record_ids),
                "{}",
                a.rule.title
            );
        }
    }
}
