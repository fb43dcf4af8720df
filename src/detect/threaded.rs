//! An [`Evaluator`] on a thread of its own, fed records in batches, in the order given.
//!
//! Reading a log file already decodes on other threads, but merging the decoded runs back
//! into time order happens on the thread that hands each record over, and with the
//! evaluator on that same thread one core does both (and frees every record). Here that
//! thread only moves records into a batch; the evaluator matches and frees them on its
//! own. The results are the same: one evaluator sees every record, in the same order.
//! Memory stays bounded: at most [`BATCHES_IN_FLIGHT`] batches of [`BATCH`] records wait.

use super::{Evaluator, RuleResult};
use crate::graph::{Record, Text};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Records handed over at once (one channel message, not one per record).
const BATCH: usize = 512;
/// Full batches waiting for the evaluator before the sending thread waits.
const BATCHES_IN_FLIGHT: usize = 8;

/// A record and the tenant its envelope or row is to name (`None`: the evaluator's own).
type Labelled = (Record, Option<Text>);

/// An evaluator and its results, counting on another thread.
pub struct ThreadedEvaluator {
    batch: Vec<Labelled>,
    /// Records a batch holds ([`BATCH`], but for the tests).
    batch_size: usize,
    worker: Worker,
}

enum Worker {
    Thread {
        send: SyncSender<Vec<Labelled>>,
        handle: JoinHandle<Option<(Vec<RuleResult>, Evaluator)>>,
    },
    /// No thread could be started: evaluate on the caller's.
    Inline {
        results: Vec<RuleResult>,
        evaluator: Box<Evaluator>,
        tenant_id: String,
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
        let (send, receive) = sync_channel::<Vec<Labelled>>(BATCHES_IN_FLIGHT);
        // The state goes to the thread once it has started (else it stays here).
        let (hand_over, handed) = sync_channel::<(Vec<RuleResult>, Evaluator, String)>(1);
        let spawned = std::thread::Builder::new()
            .name("detect".into())
            .spawn(move || {
                let (results, evaluator, tenant_id) = handed.recv().ok()?;
                Some(evaluate(receive, results, evaluator, &tenant_id))
            });
        let worker = match spawned {
            Ok(handle) => {
                let _ = hand_over.send((results, evaluator, tenant_id));
                Worker::Thread { send, handle }
            }
            Err(_) => Worker::Inline {
                results,
                evaluator: Box::new(evaluator),
                tenant_id,
            },
        };
        ThreadedEvaluator {
            batch: Vec::with_capacity(batch_size),
            batch_size,
            worker,
        }
    }

    /// Hands `record` over (records must come oldest first, as for [`Evaluator::push`]), with
    /// the tenant it names, if any.
    pub fn push(&mut self, record: Record, tenant: Option<Text>) {
        match &mut self.worker {
            Worker::Inline {
                results,
                evaluator,
                tenant_id,
            } => evaluator.push(&record, tenant.as_deref().unwrap_or(tenant_id), results),
            Worker::Thread { send, .. } => {
                self.batch.push((record, tenant));
                if self.batch.len() == self.batch_size {
                    let full =
                        std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_size));
                    // A thread that is gone has panicked: `finish` says so.
                    let _ = send.send(full);
                }
            }
        }
    }

    /// Waits for every record handed over to be evaluated; the results and the evaluator.
    pub fn finish(self) -> (Vec<RuleResult>, Evaluator) {
        match self.worker {
            Worker::Inline {
                results, evaluator, ..
            } => (results, *evaluator),
            Worker::Thread { send, handle } => {
                if !self.batch.is_empty() {
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
    receive: Receiver<Vec<Labelled>>,
    mut results: Vec<RuleResult>,
    mut evaluator: Evaluator,
    tenant_id: &str,
) -> (Vec<RuleResult>, Evaluator) {
    for batch in receive {
        for (record, tenant) in &batch {
            evaluator.push(record, tenant.as_deref().unwrap_or(tenant_id), &mut results);
        }
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
        assert!(inline.iter().any(|r| r.fired));
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
