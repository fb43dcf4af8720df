//! One scenario simulated on two threads, its items handed out in exactly the order the
//! single-threaded [`Simulation`] gives them (so `generate` writes the same bytes).
//!
//! The sources (timeline steps, population members) are split in two parts that share no
//! state: the first part runs every timeline step, the members a spray step targets (a spray
//! and the member's own sign-ins share the member's smart lockout counter) and the members
//! with odd numbers; the second part the other members. Members keep only their own state
//! (their lockout counter, their seeded streams), so each part makes exactly the records the
//! whole simulation makes for its sources. Scenarios with ID Protection are not split: their
//! real-time risk is the whole tenant's.
//!
//! The order. The whole simulation runs its sources in order of (start, rank), each source
//! having one rank, and puts what a run emits into a reorder buffer that hands items out by
//! (time, emission order), each as soon as no run still to come starts before it. Each part
//! hands out its runs unordered, with their (start, rank) ([`Simulation::next_run`]); the
//! merge below takes the runs of both parts in (start, rank) order, which is the order of
//! the whole simulation (ranks are distinct across parts), and keeps the one reorder buffer
//! the whole simulation keeps. Runs that emit nothing are skipped: nothing enters the
//! buffer, so handing items out before or after them is the same.

use super::schedule::{Ready, SimItem, Simulation};
use crate::graph::Timestamp;
use crate::scenario::{Action, Scenario, SprayTarget};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::iter::Peekable;
use std::sync::mpsc;

/// Items per hand-over from the second part's thread.
const BATCH: usize = 512;
/// Batches made by the second part but not yet merged.
const BATCHES_IN_FLIGHT: usize = 8;

/// Whether splitting the simulation can pay here when its records go to another thread to
/// be serialised: with at least three cores. On the 2-core machine of issue 11, under the
/// load of other builds, two side-by-side runs of `bench/population-1m.yaml` with the split
/// took 31% and 34% more CPU time (user + system) than without it, and longer wall time.
/// The records' shared strings (`Arc<str>`) were cloned and dropped on three threads at once.
pub fn worth_splitting() -> bool {
    cores() >= 3
}

/// Whether splitting pays when each part serialises its own records
/// ([`for_each_mapped`]): with two cores. No record then leaves the thread that made it.
/// Measured on `bench/population-1m.yaml` as `generate --format graph` (2 cores, 3 runs each):
/// 3.4 to 3.7 s against 4.0 to 4.2 s with the records serialised on the writing thread.
pub fn worth_splitting_serialized() -> bool {
    cores() >= 2
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get())
}

/// Simulates `scenario` on this thread and one more, turns every item by `map` into what
/// `each` takes, on the thread that made it, and hands the results to `each`, in the order
/// [`super::simulate`] gives the items, until `each` returns false. Returns false, having
/// handed nothing out, when the scenario is not split (no population, or ID Protection):
/// simulate it whole then. `generate` serialises records in `map`, so that no record (and
/// none of the strings it shares with others) is touched by two threads.
pub fn for_each_mapped<P: Send>(
    scenario: &Scenario,
    map: &(dyn Fn(SimItem) -> P + Sync),
    each: &mut dyn FnMut(P) -> bool,
) -> bool {
    if scenario.populations.is_empty() || scenario.tenant.identity_protection.is_some() {
        return false;
    }
    let in_first = first_part(scenario);
    std::thread::scope(|scope| {
        let (batches, received) = mpsc::sync_channel::<Vec<RunItem<P>>>(BATCHES_IN_FLIGHT);
        let in_first = &in_first;
        scope.spawn(move || {
            let second = Simulation::part(scenario, None, false, &|p, n| !in_first(p, n));
            let mut batch = Vec::with_capacity(BATCH);
            for item in RunItems::new(second, map) {
                batch.push(item);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if batches.send(full).is_err() {
                        return; // the merge stopped
                    }
                }
            }
            if !batch.is_empty() {
                let _ = batches.send(batch);
            }
        });
        let first = Simulation::part(scenario, None, true, in_first);
        let mut merged = Merge::new(RunItems::new(first, map), received.into_iter().flatten());
        for item in merged.by_ref() {
            if !each(item) {
                break;
            }
        }
        // Stops the second part at its next batch when `each` stopped early.
        drop(merged);
    });
    true
}

/// Which members the first part runs: those a spray targets, and the odd-numbered ones.
fn first_part(scenario: &Scenario) -> impl Fn(usize, u32) -> bool + Sync {
    let sprayed: BTreeSet<(usize, u32)> = scenario
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            Action::Spray(spray) => Some(&spray.targets),
            _ => None,
        })
        .flatten()
        .filter_map(|target| match *target {
            SprayTarget::Member { population, n } => Some((population, n)),
            SprayTarget::User(_) => None,
        })
        .collect();
    move |population, n| n % 2 == 1 || sprayed.contains(&(population, n))
}

/// An item (as mapped) with the run that emitted it: the source's start and rank, and the
/// run's number within its part (a source can run twice at one start: a step repeated every
/// 0 seconds), and the item's time.
struct RunItem<P> {
    at: i64,
    rank: u64,
    run: u64,
    time: Timestamp,
    item: P,
}

impl<P> RunItem<P> {
    fn run(&self) -> (i64, u64, u64) {
        (self.at, self.rank, self.run)
    }
}

/// A part's items, run by run, in the order it emitted them, each mapped.
struct RunItems<'a, 'm, P> {
    simulation: Simulation<'a>,
    map: &'m (dyn Fn(SimItem) -> P + Sync),
    runs: u64,
    key: (i64, u64),
    items: std::vec::IntoIter<SimItem>,
}

impl<'a, 'm, P> RunItems<'a, 'm, P> {
    fn new(simulation: Simulation<'a>, map: &'m (dyn Fn(SimItem) -> P + Sync)) -> Self {
        RunItems {
            simulation,
            map,
            runs: 0,
            key: (0, 0),
            items: Vec::new().into_iter(),
        }
    }
}

impl<P> Iterator for RunItems<'_, '_, P> {
    type Item = RunItem<P>;

    fn next(&mut self) -> Option<RunItem<P>> {
        loop {
            if let Some(item) = self.items.next() {
                let (at, rank) = self.key;
                return Some(RunItem {
                    at,
                    rank,
                    run: self.runs,
                    time: item.time,
                    item: (self.map)(item),
                });
            }
            let mut items = Vec::new();
            self.key = self.simulation.next_run(&mut items)?;
            self.runs += 1;
            self.items = items.into_iter();
        }
    }
}

/// The runs of two parts, taken in (start, rank) order through one reorder buffer.
struct Merge<P, A: Iterator<Item = RunItem<P>>, B: Iterator<Item = RunItem<P>>> {
    first: Peekable<A>,
    second: Peekable<B>,
    ready: BinaryHeap<Reverse<Ready<P>>>,
    next_seq: u64,
}

impl<P, A: Iterator<Item = RunItem<P>>, B: Iterator<Item = RunItem<P>>> Merge<P, A, B> {
    fn new(first: A, second: B) -> Self {
        Merge {
            first: first.peekable(),
            second: second.peekable(),
            ready: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Moves the next run (all its items) of `part` into the reorder buffer.
    fn take_run(
        ready: &mut BinaryHeap<Reverse<Ready<P>>>,
        seq: &mut u64,
        part: &mut Peekable<impl Iterator<Item = RunItem<P>>>,
    ) {
        let Some(first) = part.next() else {
            return;
        };
        let run = first.run();
        let mut push = |item: RunItem<P>| {
            ready.push(Reverse(Ready {
                time: item.time,
                seq: *seq,
                item: item.item,
            }));
            *seq += 1;
        };
        push(first);
        while let Some(next) = part.next_if(|next| next.run() == run) {
            push(next);
        }
    }
}

impl<P, A: Iterator<Item = RunItem<P>>, B: Iterator<Item = RunItem<P>>> Iterator
    for Merge<P, A, B>
{
    type Item = P;

    fn next(&mut self) -> Option<P> {
        loop {
            let first = self.first.peek().map(|i| (i.at, i.rank));
            let second = self.second.peek().map(|i| (i.at, i.rank));
            let from_first = match (first, second) {
                (Some(a), Some(b)) => a < b,
                (a, b) => a.is_some() || b.is_none(),
            };
            let next_start = if from_first { first } else { second };
            if let Some(Reverse(top)) = self.ready.peek()
                && next_start.is_none_or(|(start, _)| top.time.ticks() <= start)
            {
                return self.ready.pop().map(|r| r.0.item);
            }
            next_start?;
            if from_first {
                Self::take_run(&mut self.ready, &mut self.next_seq, &mut self.first);
            } else {
                Self::take_run(&mut self.ready, &mut self.next_seq, &mut self.second);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items themselves, unmapped.
    fn for_each_item(scenario: &Scenario, each: &mut dyn FnMut(SimItem) -> bool) -> bool {
        for_each_mapped(scenario, &|item| item, each)
    }
    use crate::scenario::load_file;
    use std::path::Path;

    fn whole_and_split(scenario: &Scenario) -> (Vec<String>, Vec<String>) {
        let show = |item: &SimItem| {
            format!(
                "{} {:?} {} {:?} {}",
                item.time,
                item.origin,
                item.user,
                item.note,
                item.record
                    .as_ref()
                    .map(|r| serde_json::to_string(r).unwrap())
                    .unwrap_or_default()
            )
        };
        let whole: Vec<String> = super::super::simulate(scenario).map(|i| show(&i)).collect();
        let mut split = Vec::new();
        assert!(for_each_item(scenario, &mut |item| {
            split.push(show(&item));
            true
        }));
        (whole, split)
    }

    /// Every scenario with a population among the shipped and test scenarios: item for item
    /// (time, origin, user, note, record bytes) the order of the whole simulation.
    #[test]
    fn split_runs_give_the_whole_simulations_items_in_its_order() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = [
            "scenarios",
            "scenarios/detections",
            "scenarios/identity-protection",
            "tests/data",
            "bench",
        ]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
        files.sort();
        let mut checked = 0;
        for path in &files {
            let Ok(mut scenario) = load_file(path) else {
                continue;
            };
            if scenario.populations.is_empty() || scenario.tenant.identity_protection.is_some() {
                continue;
            }
            // Large benchmark populations, cut down to what a unit test runs quickly.
            for population in &mut scenario.populations {
                population.count = population.count.min(300);
                population.sign_ins_per_user = population.sign_ins_per_user.min(20);
            }
            let (whole, split) = whole_and_split(&scenario);
            assert_eq!(whole.len(), split.len(), "{}", path.display());
            for (i, (a, b)) in whole.iter().zip(&split).enumerate() {
                assert_eq!(a, b, "{} item {i}", path.display());
            }
            checked += 1;
        }
        assert!(checked >= 2, "only {checked} scenarios with populations");
    }

    /// Where the order is hardest to keep: members sign in many times in a short window (so
    /// starts and times tie), mistype often and lock out, two populations, a spray over
    /// members that also sign in on their own, and a declared user who locks out, resets
    /// the password with SSPR while signing in again every 20 seconds.
    #[test]
    fn split_runs_keep_the_order_of_ties_lockouts_and_sprays() {
        let scenario = stress();
        let (whole, split) = whole_and_split(&scenario);
        assert!(whole.len() > 1_000, "{} items", whole.len());
        assert_eq!(whole, split);
    }

    /// Each item is mapped on the thread of the part that made it (both threads map), and
    /// the mapped items come in the whole simulation's order.
    #[test]
    fn items_are_mapped_where_they_are_made_and_keep_the_order() {
        let scenario = stress();
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let map = |item: SimItem| {
            threads.lock().unwrap().insert(std::thread::current().id());
            let json = item.record.map(|r| serde_json::to_string(&r).unwrap());
            (item.time, json)
        };
        let whole: Vec<_> = super::super::simulate(&scenario)
            .map(|i| (i.time, i.record.map(|r| serde_json::to_string(&r).unwrap())))
            .collect();
        let mut split = Vec::new();
        assert!(for_each_mapped(&scenario, &map, &mut |mapped| {
            split.push(mapped);
            true
        }));
        assert_eq!(whole, split);
        assert_eq!(
            threads.lock().unwrap().len(),
            2,
            "items mapped on both threads"
        );
    }

    fn stress() -> Scenario {
        let yaml = r#"
name: parallel-stress
seed: 11
tenant:
  domain: contoso-stress.onmicrosoft.com
  smart_lockout: { threshold: 2, duration: 60s, drift: 1 }
  sspr: { enabled: true, methods: [sms] }
users:
  - { id: ana, upn: ana@contoso-stress.onmicrosoft.com, display_name: Ana, password: Ana-1, home: { ip: 198.51.100.9, country: ES } }
populations:
  - name: staff
    count: 40
    upn: "staff{n:03}@contoso-stress.onmicrosoft.com"
    display_name: "Staff {n}"
    password: "Pw-{n}"
    apps: [OfficeHome, Microsoft Teams]
    locations:
      - { ips: 203.0.113.0/24, city: Tokyo, country: JP, weight: 3 }
      - { ips: 198.51.100.0/25, city: Osaka, country: JP, weight: 1 }
    sign_ins: { per_user: 30, from: 0s, over: 20m }
    typo_rate: 0.6
    mfa_rate: 0.3
    stay_signed_in: no
  - name: contractors
    count: 7
    upn: "c{n}@contoso-stress.onmicrosoft.com"
    display_name: "Contractor {n}"
    password: "C-{n}"
    apps: [OfficeHome]
    locations:
      - { ips: 192.0.2.0/24, city: Seattle, country: US }
    sign_ins: { per_user: 5, from: 1m, over: 10m }
    typo_rate: 0.5
    stay_signed_in: not_asked
timeline:
  start: 2025-04-01T00:00:00Z
  steps:
    - at: 2m
      spray:
        users: [ana]
        population: staff
        members: 9
        app: OfficeHome
        passwords: [Winter2024!, Pw-4, Spring2025!]
        every: 1s
        client: { ip: 198.51.100.66, country: RU }
    - at: 3m
      sign_in: { user: ana, app: OfficeHome, password: wrong }
      repeat: { count: 3, every: 1s }
    - at: 4m
      sspr: { user: ana, wrong_codes: 1, new_password: Ana-2 }
    - at: 4m
      sign_in: { user: ana, app: OfficeHome, password: Ana-2 }
      repeat: { count: 20, every: 20s }
"#;
        crate::scenario::load_str(Path::new("stress.yaml"), yaml)
            .unwrap_or_else(|e| panic!("{}", e.render()))
    }

    #[test]
    fn scenarios_without_a_population_are_not_split() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let scenario = load_file(&root.join("scenarios/user01-password-failures.yaml")).unwrap();
        let mut handed = 0;
        assert!(!for_each_item(&scenario, &mut |_| {
            handed += 1;
            true
        }));
        assert_eq!(handed, 0);
    }

    #[test]
    fn stops_when_asked() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let scenario = load_file(&root.join("tests/data/population-small.yaml")).unwrap();
        let mut handed = 0;
        assert!(for_each_item(&scenario, &mut |_| {
            handed += 1;
            handed < 10
        }));
        assert_eq!(handed, 10);
    }
}
