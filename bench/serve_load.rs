//! Load client for `bench/serve-load.sh`: many clients page through one-day windows of the
//! sign-ins of a running `entralab serve --http` by following `@odata.nextLink`, and check
//! that each client saw every record of each window exactly once, newest first, with no
//! error, while the server's resident memory stays flat.
//!
//!     cargo run --release --example serve_load -- --base http://127.0.0.1:PORT \
//!         --scenario bench/serve-1m.yaml --server-pid PID [--clients 64] [--top 1000] \
//!         [--days 7] [--windows 7] [--deadline 540]
//!
//! The expected ids of each window come from simulating the scenario here (the same
//! deterministic simulation the server ran), not from the server. Client `i` pages `windows`
//! days one after the other, starting with day `i % days` from the timeline start (with the
//! defaults every client reads the whole week, each from a different day). Memory is VmRSS of `--server-pid` (from
//! /proc/PID/status) when the first response has arrived, every half second, and after the
//! last response. Exits 0 only if every check passes; prints a summary either way. Every
//! request has a timeout and the run a deadline, so it always stops by itself.

use entralab::graph::{Record, Timestamp};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DAY_SECONDS: i64 = 86_400;
/// The bar for resident memory, first to last request.
const MAX_RSS_GROWTH: f64 = 0.10;

struct Args {
    base: String,
    scenario: PathBuf,
    server_pid: u32,
    clients: usize,
    top: usize,
    days: i64,
    windows: i64,
    deadline: Duration,
}

fn args() -> Args {
    let mut args = Args {
        base: String::new(),
        scenario: PathBuf::new(),
        server_pid: 0,
        clients: 64,
        top: 1000,
        days: 7,
        windows: 7,
        deadline: Duration::from_secs(540),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number =
            |v: &str| -> u64 { v.parse().unwrap_or_else(|_| usage(&format!("{flag}: {v}"))) };
        match flag.as_str() {
            "--base" => args.base = value.trim_end_matches('/').to_string(),
            "--scenario" => args.scenario = value.into(),
            "--server-pid" => args.server_pid = number(&value) as u32,
            "--clients" => args.clients = number(&value).max(1) as usize,
            "--top" => args.top = number(&value).clamp(1, 1000) as usize,
            "--days" => args.days = number(&value).max(1) as i64,
            "--windows" => args.windows = number(&value).max(1) as i64,
            "--deadline" => args.deadline = Duration::from_secs(number(&value)),
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    if args.base.is_empty() || args.scenario.as_os_str().is_empty() || args.server_pid == 0 {
        usage("--base, --scenario and --server-pid are required");
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "serve_load: {problem}\nusage: serve_load --base URL --scenario FILE --server-pid PID [--clients N] [--top N] [--days N] [--windows N] [--deadline SECONDS]"
    );
    std::process::exit(2)
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(rename = "@odata.nextLink")]
    next: Option<String>,
    #[serde(borrow)]
    value: Vec<Row<'a>>,
}

#[derive(Deserialize)]
struct Row<'a> {
    id: &'a str,
    #[serde(rename = "createdDateTime")]
    created: &'a str,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
}

/// What one client saw of one window, checked as soon as the window was paged.
#[derive(Default)]
struct Outcome {
    window: i64,
    pages: u64,
    records: usize,
    errors: Vec<String>,
    /// Rows newer than the row before them.
    out_of_order: u64,
    /// Ids that are not GUIDs.
    bad_ids: u64,
    duplicates: usize,
    /// Expected ids not seen, and ids seen that were not expected.
    missing: usize,
    unexpected: usize,
}

/// A GUID as a number, so a million ids take 16 MB.
fn guid(id: &str) -> Option<u128> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    (id.len() == 36 && hex.len() == 32)
        .then(|| u128::from_str_radix(&hex, 16).ok())
        .flatten()
}

fn main() {
    let args = args();
    let started = Instant::now();
    let deadline = started + args.deadline;

    // The expected ids of each window, from the scenario itself.
    let scenario =
        entralab::scenario::load_file(&args.scenario).unwrap_or_else(|e| panic!("{}", e.render()));
    let start = scenario.start;
    let tenant = entralab::sim::tenant_id(&scenario);
    let app = scenario
        .app_registrations
        .first()
        .expect("the scenario declares an app registration to read with");
    let windows: Vec<(Timestamp, Timestamp)> = (0..args.days)
        .map(|d| {
            (
                start.plus_seconds(d * DAY_SECONDS),
                start.plus_seconds((d + 1) * DAY_SECONDS),
            )
        })
        .collect();
    let mut expected: Vec<Vec<u128>> = vec![Vec::new(); windows.len()];
    let mut total_sign_ins = 0usize;
    for item in entralab::sim::simulate(&scenario) {
        if let Some(Record::SignIn(s)) = item.record {
            total_sign_ins += 1;
            if let Some(w) = windows
                .iter()
                .position(|(from, to)| s.created_date_time >= *from && s.created_date_time < *to)
            {
                expected[w].push(guid(&s.id).expect("simulated ids are GUIDs"));
            }
        }
    }
    for ids in &mut expected {
        ids.sort_unstable();
    }
    println!(
        "expected: {total_sign_ins} sign-ins in the scenario; per one-day window: {}",
        expected
            .iter()
            .map(|ids| ids.len().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // reqwest is built without a TLS provider; the project's is ring (plain HTTP here).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(args.clients)
        .build()
        .expect("an HTTP client");
    let token = http
        .post(format!("{}/{tenant}/oauth2/v2.0/token", args.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.as_str()),
                ("grant_type", "client_credentials"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .expect("a form"),
        )
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json::<TokenReply>())
        .expect("a token from the mock's token endpoint")
        .access_token;

    // Memory: a sampler, plus the samples at the first and the last response.
    let pid = args.server_pid;
    let first_rss: Arc<Mutex<Option<u64>>> = Arc::default();
    let first_done = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let samples: Arc<Mutex<Vec<u64>>> = Arc::default();
    let before = rss_kib(pid).expect("the server's VmRSS");
    let sampler = {
        let (samples, finished) = (samples.clone(), finished.clone());
        std::thread::spawn(move || {
            while !finished.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib(pid) {
                    samples.lock().unwrap().push(rss);
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };

    let bytes = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let paging_started = Instant::now();
    let outcomes: Vec<Vec<Outcome>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..args.clients)
            .map(|client| {
                let (http, token) = (&http, &token);
                let (first_rss, first_done) = (&first_rss, &first_done);
                let (bytes, requests) = (&bytes, &requests);
                let (args, windows, expected) = (&args, &windows, &expected);
                scope.spawn(move || {
                    (0..args.windows)
                        .map(|k| {
                            let window = (client as i64 + k) % args.days;
                            let (from, to) = windows[window as usize];
                            let url = format!(
                                "{}/v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%20{}%20and%20createdDateTime%20lt%20{}&$top={}",
                                args.base,
                                from.to_graph_string(entralab::graph::Precision::Seconds),
                                to.to_graph_string(entralab::graph::Precision::Seconds),
                                args.top
                            );
                            let mut outcome = Outcome {
                                window,
                                ..Outcome::default()
                            };
                            let mut next = Some(url);
                            let mut last_time = String::from("9999");
                            let mut ids: Vec<u128> = Vec::new();
                            while let Some(url) = next.take() {
                                if Instant::now() > deadline {
                                    outcome.errors.push("deadline passed".into());
                                    break;
                                }
                                let body = http
                                    .get(&url)
                                    .bearer_auth(token)
                                    .send()
                                    .and_then(|r| r.error_for_status())
                                    .and_then(|r| r.bytes());
                                requests.fetch_add(1, Ordering::Relaxed);
                                let body = match body {
                                    Ok(body) => body,
                                    Err(e) => {
                                        outcome.errors.push(format!("GET {url}: {e}"));
                                        break;
                                    }
                                };
                                if !first_done.swap(true, Ordering::SeqCst) {
                                    *first_rss.lock().unwrap() = rss_kib(pid);
                                }
                                bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                                let page: Page = match serde_json::from_slice(&body) {
                                    Ok(page) => page,
                                    Err(e) => {
                                        outcome.errors.push(format!("GET {url}: not a page: {e}"));
                                        break;
                                    }
                                };
                                outcome.pages += 1;
                                for row in page.value {
                                    if row.created > last_time.as_str() {
                                        outcome.out_of_order += 1;
                                    }
                                    last_time.clear();
                                    last_time.push_str(row.created);
                                    match guid(row.id) {
                                        Some(id) => ids.push(id),
                                        None => outcome.bad_ids += 1,
                                    }
                                }
                                next = page.next;
                            }
                            check(&mut outcome, ids, &expected[window as usize]);
                            outcome
                        })
                        .collect::<Vec<Outcome>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a client thread"))
            .collect()
    });
    let elapsed = paging_started.elapsed();
    let last = rss_kib(pid);
    finished.store(true, Ordering::Relaxed);
    let _ = sampler.join();

    // Checks.
    let mut failures = Vec::new();
    let mut records = 0usize;
    let mut pages = 0u64;
    let mut per_window: BTreeMap<i64, usize> = BTreeMap::new();
    let outcomes = outcomes
        .into_iter()
        .enumerate()
        .flat_map(|(client, windows)| windows.into_iter().map(move |o| (client, o)));
    for (client, outcome) in outcomes {
        records += outcome.records;
        pages += outcome.pages;
        *per_window.entry(outcome.window).or_default() += 1;
        let day = outcome.window + 1;
        for e in outcome.errors.iter().take(3) {
            failures.push(format!("client {client}, day {day}: {e}"));
        }
        for (count, what) in [
            (
                outcome.out_of_order as usize,
                "rows out of newest-first order",
            ),
            (outcome.bad_ids as usize, "ids that are not GUIDs"),
            (outcome.duplicates, "duplicate ids"),
            (outcome.missing, "expected ids not seen"),
            (outcome.unexpected, "ids not expected in the window"),
        ] {
            if count > 0 {
                failures.push(format!("client {client}, day {day}: {count} {what}"));
            }
        }
    }
    let samples = samples.lock().unwrap().clone();
    let first = first_rss.lock().unwrap().unwrap_or(before);
    let last = last.unwrap_or(0);
    let max = samples
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(first)
        .max(last);
    let min = samples
        .iter()
        .copied()
        .min()
        .unwrap_or(0)
        .min(first)
        .min(last);
    let growth = (last as f64 - first as f64) / first as f64;
    if growth.abs() > MAX_RSS_GROWTH {
        failures.push(format!(
            "server VmRSS went from {first} KiB to {last} KiB ({:+.1}%)",
            growth * 100.0
        ));
    }

    let mb = bytes.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "load: {} clients x {} one-day windows (passes over days 1..{}: {}), $top={}, {} requests, {pages} pages, {records} records, {mb:.0} MB in {:.1} s: {:.0} req/s, {:.0} records/s, {:.0} MB/s",
        args.clients,
        args.windows,
        args.days,
        per_window
            .values()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("/"),
        args.top,
        requests.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        requests.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64(),
        mb / elapsed.as_secs_f64(),
    );
    println!(
        "memory: server VmRSS {before} KiB before the run, {first} KiB at the first response, {last} KiB after the last ({:+.1}%; target within {:.0}%), min {min} max {max} KiB over {} samples",
        growth * 100.0,
        MAX_RSS_GROWTH * 100.0,
        samples.len()
    );
    println!(
        "checks: {} errors, every client saw each record of its window exactly once, newest first: {}",
        failures.len(),
        if failures.is_empty() { "yes" } else { "NO" }
    );
    for failure in failures.iter().take(20) {
        println!("  FAIL {failure}");
    }
    println!(
        "serve_load: {} in {:.1} s",
        if failures.is_empty() {
            "PASSED"
        } else {
            "FAILED"
        },
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        std::process::exit(1);
    }
}

/// Compares the ids a client saw in a window with the expected ones (sorted).
fn check(outcome: &mut Outcome, mut ids: Vec<u128>, expected: &[u128]) {
    outcome.records = ids.len();
    ids.sort_unstable();
    let seen = ids.len();
    ids.dedup();
    outcome.duplicates = seen - ids.len();
    let (mut i, mut j) = (0, 0);
    while i < ids.len() || j < expected.len() {
        match (ids.get(i), expected.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                outcome.unexpected += 1;
                i += 1;
            }
            (Some(_), None) => {
                outcome.unexpected += 1;
                i += 1;
            }
            _ => {
                outcome.missing += 1;
                j += 1;
            }
        }
    }
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
