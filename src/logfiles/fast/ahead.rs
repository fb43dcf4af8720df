//! Lines decoded ahead, on worker threads, while the scanner takes earlier ones: a pipeline,
//! so that no core waits for another.
//!
//! The scanner asks for the line at an offset of a block ([`Ahead::take`]). The first time, and
//! whenever the file changes shape (the line asked for is not one decoded ahead, or in another
//! context), jobs are queued from there on: runs of the lines that follow, in the same
//! context, through the rest of the block and into the next one, a few jobs ahead (bounded
//! memory). Workers take the oldest queued job; when the scanner needs a job no worker has
//! started, it decodes it itself rather than wait. Jobs grow from [`Tuning::job_min`] bytes
//! while their lines are used, and fall back to it when some are abandoned, so that lines
//! decoded in vain stay a fraction of those used.
//!
//! Decoding a line depends only on its bytes and its context, so a line decoded ahead is
//! what the scanner would have decoded itself: the records, their order, and every error
//! (read by the general path from the same bytes) stay the same.

use super::{Context, Decoded, decode, object_of_line, threads};
use crate::logfiles::blocks::Block;
use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// How the reader cuts and decodes: the defaults suit files of any size; tests use small
/// values to cross every boundary with little data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// The bytes of a block read at a time ([`crate::logfiles::blocks`]).
    pub(crate) read_bytes: usize,
    /// The smallest and largest job, in bytes of lines.
    pub(crate) job_min: usize,
    pub(crate) job_max: usize,
    /// Workers start once a job this big is queued: smaller files are decoded on the calling
    /// thread, where starting threads would cost more than it saves.
    pub(crate) parallel_bytes: usize,
    /// Jobs queued ahead of the scanner, at most.
    pub(crate) jobs_ahead: usize,
    /// Worker threads (besides the scanner's own).
    pub(crate) workers: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            // Jobs are queued at most into the block after the scanner's, so the block size
            // bounds how far the workers can decode ahead. 1 MB blocks (tried for their
            // cache locality) left the workers idle half the time: on a quiet 2-core machine,
            // 1.1 cores busy and 262-296k NDJSON records/s, against 1.95 cores and 532-578k/s
            // with 4 MB, which also took less processor time in all.
            read_bytes: 4 << 20,
            job_min: 32 << 10,
            job_max: 1 << 20,
            parallel_bytes: 256 << 10,
            jobs_ahead: 2 * threads() + 2,
            workers: threads(),
        }
    }
}

/// A line decoded: where it starts in its block, where its `\n` is, and its records (`None`:
/// not for the fast path).
type Line = (usize, usize, Option<Decoded>);

enum State {
    Queued,
    Running,
    Done(VecDeque<Line>),
    Failed(Box<dyn Any + Send>),
    /// Taken by the scanner, or abandoned before it started.
    Gone,
}

/// The lines of `block` that start in `from..to` (`to` is just after a `\n`).
struct Job {
    block: Arc<Block>,
    from: usize,
    to: usize,
    context: Context,
    state: Mutex<State>,
    done: Condvar,
}

impl Job {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decodes the job if no one has started it yet (a worker, or the scanner).
    fn run(&self) {
        {
            let mut state = self.state();
            if !matches!(*state, State::Queued) {
                return;
            }
            *state = State::Running;
        }
        let decoded = catch_unwind(AssertUnwindSafe(|| self.decode()));
        *self.state() = match decoded {
            Ok(lines) => State::Done(lines),
            Err(panic) => State::Failed(panic),
        };
        self.done.notify_all();
    }

    fn decode(&self) -> VecDeque<Line> {
        super::intern::forget_all();
        super::lists::forget_all();
        let bytes = &self.block.bytes()[..self.to];
        let mut lines = VecDeque::new();
        let mut at = self.from;
        while let Some(end) = memchr::memchr(b'\n', &bytes[at..]) {
            let newline = at + end;
            let decoded =
                object_of_line(&bytes[at..newline]).and_then(|line| decode(line, self.context));
            lines.push_back((at, newline, decoded));
            at = newline + 1;
        }
        lines
    }

    /// The decoded lines, once decoded (by the caller when no one has started).
    fn lines(&self) -> VecDeque<Line> {
        self.run();
        let mut state = self.state();
        while matches!(*state, State::Running) {
            state = self
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match std::mem::replace(&mut *state, State::Gone) {
            State::Done(lines) => lines,
            State::Failed(panic) => {
                drop(state);
                resume_unwind(panic)
            }
            State::Queued | State::Running | State::Gone => VecDeque::new(),
        }
    }

    /// Not to be decoded any more, if no one has started.
    fn abandon(&self) {
        let mut state = self.state();
        if matches!(*state, State::Queued) {
            *state = State::Gone;
        }
    }
}

/// The jobs workers take, oldest first.
#[derive(Default)]
struct Queue {
    jobs: Mutex<(VecDeque<Arc<Job>>, bool)>,
    more: Condvar,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, (VecDeque<Arc<Job>>, bool)> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn work(&self) {
        loop {
            let job = {
                let mut queue = self.lock();
                loop {
                    if let Some(job) = queue.0.pop_front() {
                        break job;
                    }
                    if queue.1 {
                        return;
                    }
                    queue = self
                        .more
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            };
            job.run();
        }
    }
}

/// Where the next job would start.
struct Frontier {
    block: Arc<Block>,
    at: usize,
    context: Context,
}

/// The lines decoded ahead of the scanner of one file.
pub(crate) struct Ahead {
    tuning: Tuning,
    queue: Arc<Queue>,
    workers: Vec<JoinHandle<()>>,
    /// Queued jobs in file order; the first one's lines are in `lines` once it is reached.
    jobs: VecDeque<Arc<Job>>,
    /// The lines of the job being taken, and that job.
    current: Option<(Arc<Job>, VecDeque<Line>)>,
    frontier: Option<Frontier>,
    /// The size of the next job.
    job_bytes: usize,
}

impl Ahead {
    pub(crate) fn new(tuning: Tuning) -> Self {
        Ahead {
            tuning,
            queue: Arc::default(),
            workers: Vec::new(),
            jobs: VecDeque::new(),
            current: None,
            frontier: None,
            job_bytes: tuning.job_min,
        }
    }

    /// The line at `offset` of `block` decoded in `context`: where its `\n` is, and its
    /// records (`None`: not for the fast path); `None` when `block` has no `\n` from `offset`
    /// on. `next` is the block after this one, if read, for jobs to go on into.
    pub(crate) fn take(
        &mut self,
        block: &Arc<Block>,
        offset: usize,
        context: Context,
        next: Option<&Arc<Block>>,
    ) -> Option<(usize, Option<Decoded>)> {
        if let Some(found) = self.take_queued(block, offset, context) {
            self.queue_ahead(next);
            return Some(found);
        }
        // Not decoded ahead: the file changed shape here, or nothing was queued yet. Jobs
        // start again from here, small if lines decoded ahead go unused.
        let unused = self
            .current
            .as_ref()
            .is_some_and(|(_, lines)| !lines.is_empty())
            || !self.jobs.is_empty();
        self.job_bytes = if unused {
            self.tuning.job_min
        } else {
            (self.job_bytes * 2).min(self.tuning.job_max)
        };
        self.abandon_all();
        self.frontier = Some(Frontier {
            block: Arc::clone(block),
            at: offset,
            context,
        });
        self.queue_ahead(next);
        let found = self.take_queued(block, offset, context);
        self.queue_ahead(next);
        found
    }

    /// The line from the jobs queued, if they hold it; the lines before it (read by the
    /// general path) and the jobs of earlier blocks are dropped.
    fn take_queued(
        &mut self,
        block: &Arc<Block>,
        offset: usize,
        context: Context,
    ) -> Option<(usize, Option<Decoded>)> {
        loop {
            if let Some((job, lines)) = &mut self.current {
                let same_block = Arc::ptr_eq(&job.block, block);
                if same_block && job.context != context {
                    return None;
                }
                if same_block && offset < job.to {
                    while lines.front().is_some_and(|(at, _, _)| *at < offset) {
                        lines.pop_front();
                    }
                    return match lines.front() {
                        Some((at, _, _)) if *at == offset => {
                            lines.pop_front().map(|(_, newline, d)| (newline, d))
                        }
                        _ => None,
                    };
                }
                // Used (or passed) to its end.
                self.current = None;
            }
            let job = self.jobs.pop_front()?;
            if !Arc::ptr_eq(&job.block, block) {
                // A job of a block the scanner has left.
                job.abandon();
                continue;
            }
            let lines = job.lines();
            self.current = Some((job, lines));
        }
    }

    /// Queues jobs from the frontier on, up to the bounds.
    fn queue_ahead(&mut self, next: Option<&Arc<Block>>) {
        let mut queued = Vec::new();
        while self.jobs.len() < self.tuning.jobs_ahead {
            let Some(frontier) = &mut self.frontier else {
                break;
            };
            let bytes = frontier.block.bytes();
            let Some(to) = job_end(bytes, frontier.at, self.job_bytes) else {
                // No whole line left in this block: on into the next one, if read.
                match next {
                    Some(next) if !Arc::ptr_eq(next, &frontier.block) => {
                        frontier.block = Arc::clone(next);
                        frontier.at = 0;
                        continue;
                    }
                    _ => break,
                }
            };
            let job = Arc::new(Job {
                block: Arc::clone(&frontier.block),
                from: frontier.at,
                to,
                context: frontier.context,
                state: Mutex::new(State::Queued),
                done: Condvar::new(),
            });
            frontier.at = to;
            if to - job.from >= self.tuning.parallel_bytes {
                self.start_workers();
            }
            if !self.workers.is_empty() {
                queued.push(Arc::clone(&job));
            }
            self.jobs.push_back(job);
            self.job_bytes = (self.job_bytes * 2).min(self.tuning.job_max);
        }
        if !queued.is_empty() {
            self.queue.lock().0.extend(queued);
            self.queue.more.notify_all();
        }
    }

    fn start_workers(&mut self) {
        if !self.workers.is_empty() || self.tuning.workers == 0 {
            return;
        }
        for _ in 0..self.tuning.workers {
            let queue = Arc::clone(&self.queue);
            let spawned = std::thread::Builder::new()
                .name("entralab-decode".into())
                .spawn(move || queue.work());
            // No thread: the scanner decodes every job itself.
            if let Ok(handle) = spawned {
                self.workers.push(handle);
            }
        }
    }

    fn abandon_all(&mut self) {
        self.current = None;
        for job in self.jobs.drain(..) {
            job.abandon();
        }
        self.queue.lock().0.clear();
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.abandon_all();
        self.queue.lock().1 = true;
        self.queue.more.notify_all();
        for worker in self.workers.drain(..) {
            // A worker's panic was handed to the scanner with its job's lines.
            let _ = worker.join();
        }
    }
}

/// Where a job of about `bytes` from `from` ends: just after the `\n` of the last line that
/// starts before `from + bytes`; `None` when no line from `from` on is whole in `block`.
fn job_end(block: &[u8], from: usize, bytes: usize) -> Option<usize> {
    if from >= block.len() {
        return None;
    }
    let probe = (from + bytes.max(1)).min(block.len()) - 1;
    memchr::memchr(b'\n', &block[probe..])
        .map(|n| probe + n + 1)
        .or_else(|| memchr::memrchr(b'\n', &block[from..probe]).map(|n| from + n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_end_after_whole_lines() {
        let block = b"ab\ncd\nef";
        assert_eq!(job_end(block, 0, 1), Some(3));
        assert_eq!(job_end(block, 0, 3), Some(3));
        assert_eq!(job_end(block, 0, 4), Some(6));
        assert_eq!(job_end(block, 3, 100), Some(6));
        assert_eq!(job_end(block, 6, 100), None);
        assert_eq!(job_end(block, 8, 1), None);
    }
}
