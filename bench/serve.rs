//! The mock Graph over a store of about a million sign-ins (`bench/serve-1m.yaml`), three
//! measurements in one run:
//!
//! 1. memory: resident memory (VmRSS) before and after building the tenant's store, divided
//!    by the number of sign-ins (target: at most 2 KB a record);
//! 2. paging (criterion, group `serve_page_1m`): the real router in process (tower oneshot:
//!    token check, OData, paging, rendering) answering the first `$top=100` page and the
//!    10,000th one, whose cursor is found by following every cursor from the first page
//!    (target: the 10,000th at most 1.2x the first); unfiltered and with
//!    `status/errorCode eq 0`;
//! 3. HTTP throughput: in this process, (a) the real router and (b) a trivial axum route that
//!    returns the bytes of the same page pre-rendered (the floor of HTTP here), both served
//!    over plain HTTP on 127.0.0.1 by axum-server, driven in turn by the same `wrk` run of a
//!    fixed duration for a filtered `$top=100` page with a bearer token (target: (a) at least
//!    half of (b)).
//!
//! Run it with `bench/serve.sh` (installs wrk when missing) or
//!
//!     cargo bench --bench serve
//!
//! `ENTRALAB_SERVE_BENCH=memory,paging,http` picks parts (all by default; memory is always
//! measured since the store is built anyway). `ENTRALAB_WRK_SECONDS` sets the length of each
//! wrk run (default 5), `ENTRALAB_WRK_ROUNDS` how many times both servers are driven in
//! turn (default 6), `ENTRALAB_WRK_CONNECTIONS` the connections (default 16).

// The allocator `entralab` itself runs with (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use criterion::Criterion;
use entralab::cli::tenant_config;
use entralab::graph::SignIn;
use entralab::odata::{Cursor, QueryOptions, SIGN_IN};
use entralab::server::{self, Clock, ServerConfig};
use entralab::store::Collection;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};
use tower::ServiceExt;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/serve-1m.yaml");
const TENANT: &str = "e17a1ab0-0000-4000-8000-0000000b3e0c";
const CLIENT: &str = "e17a1ab0-0000-4000-8000-00000000c11e";
const SECRET: &str = "entralab-lab-secret-not-for-production";
const MIN_SIGN_INS: usize = 1_000_000;
const GROUP: &str = "serve_page_1m";
/// The page the paging bench compares with the first.
const DEEP_PAGE: usize = 10_000;
const TOP: usize = 100;
/// The bars.
const MAX_BYTES_PER_RECORD: f64 = 2048.0;
const MAX_DEEP_RATIO: f64 = 1.2;
const MIN_THROUGHPUT_RATIO: f64 = 0.5;
/// The throughput bench's page: one day, successes only, 100 a page.
const HTTP_QUERY: &str = "$filter=createdDateTime%20ge%202025-04-03T00:00:00Z%20and%20createdDateTime%20lt%202025-04-04T00:00:00Z%20and%20status/errorCode%20eq%200&$top=100";
/// Host the in-process requests claim, so links look like those of a server on loopback.
const HOST: &str = "127.0.0.1:8080";

/// The paging bench's queries: (label, query without a cursor).
const PAGING: &[(&str, &str)] = &[
    ("unfiltered", "$top=100"),
    (
        "errorCode_eq_0",
        "$filter=status/errorCode%20eq%200&$top=100",
    ),
];

fn main() {
    let started = SystemTime::now();
    let parts = std::env::var("ENTRALAB_SERVE_BENCH").unwrap_or_default();
    let want = |part: &str| parts.is_empty() || parts.split(',').any(|p| p.trim() == part);
    if want("http") {
        require_wrk();
    }

    // 1. Memory: the tenant exactly as `entralab serve` builds it.
    let scenario = entralab::scenario::load_file(Path::new(SCENARIO))
        .unwrap_or_else(|e| panic!("{}", e.render()));
    trim_heap();
    let before = rss_kib();
    let tenant = tenant_config(&scenario);
    trim_heap();
    let after = rss_kib();
    let records = tenant.store.sign_ins.len() + tenant.store.audits.len();
    assert!(
        tenant.store.sign_ins.len() >= MIN_SIGN_INS,
        "{SCENARIO} makes only {} sign-ins",
        tenant.store.sign_ins.len()
    );
    let per_record = (after.saturating_sub(before) * 1024) as f64 / records as f64;
    let memory = format!(
        "memory: VmRSS {before} KiB before, {after} KiB after building {} sign-ins + {} audits: {per_record:.0} bytes a record (size_of::<SignIn>() = {} inline; target <= {MAX_BYTES_PER_RECORD:.0}: {})",
        tenant.store.sign_ins.len(),
        tenant.store.audits.len(),
        std::mem::size_of::<SignIn>(),
        verdict(per_record <= MAX_BYTES_PER_RECORD)
    );
    println!("{memory}");

    // Cursors of the deep pages, by following every cursor from the first page.
    let deep: Vec<(&str, String, String)> = PAGING
        .iter()
        .map(|(label, query)| {
            let cursor = follow(&tenant.store.sign_ins, query, DEEP_PAGE - 1);
            let deep = format!("{query}&$skiptoken={}", cursor.encode());
            (*label, query.to_string(), deep)
        })
        .collect();

    let app = server::app(
        ServerConfig {
            tenants: vec![tenant],
            clock: Clock::System,
            token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
        },
        "http",
        HOST.into(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let token = runtime.block_on(token(&app));

    // 2. Paging: first page and the 10,000th, through the router.
    let mut paging_report = Vec::new();
    if want("paging") {
        let local = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut criterion = Criterion::default()
            .sample_size(50)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(8))
            .without_plots()
            .configure_from_args();
        let mut group = criterion.benchmark_group(GROUP);
        for (label, first, deep) in &deep {
            for (name, query) in [("first_page", first), ("page_10000", deep)] {
                let uri = format!("/v1.0/auditLogs/signIns?{query}");
                // The page must be a full page of the right records.
                let body = local.block_on(get(&app, &token, &uri));
                let page: serde_json::Value = serde_json::from_slice(&body).expect("a JSON page");
                assert_eq!(
                    page["value"].as_array().map(Vec::len),
                    Some(TOP),
                    "{label} {name}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(500)])
                );
                group.bench_function(format!("{label}_{name}"), |b| {
                    b.iter(|| local.block_on(get(&app, &token, &uri)).len())
                });
            }
        }
        group.finish();
        criterion.final_summary();
        for (label, _, _) in &deep {
            let first = reported_seconds(started, &format!("{label}_first_page"));
            let deep = reported_seconds(started, &format!("{label}_page_10000"));
            paging_report.push(match (first, deep) {
                (Some(first), Some(deep)) => {
                    let ratio = deep / first;
                    format!(
                        "paging {label}: first page {:.1} µs, page {DEEP_PAGE} {:.1} µs: ratio {ratio:.3}x (target <= {MAX_DEEP_RATIO}x: {})",
                        first * 1e6,
                        deep * 1e6,
                        verdict(ratio <= MAX_DEEP_RATIO)
                    )
                }
                _ => format!(
                    "paging {label}: not measured in this run (a criterion filter left it out)"
                ),
            });
        }
    }

    // 3. HTTP throughput: the real server and the floor, driven in turn by wrk.
    let http_report = want("http").then(|| throughput(&runtime, app.clone(), &token));

    println!();
    println!("== serve bench summary (bench/serve-1m.yaml) ==");
    println!("{memory}");
    for line in &paging_report {
        println!("{line}");
    }
    if let Some(lines) = http_report {
        for line in lines {
            println!("{line}");
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Follows `pages` cursors from the first page of `query`; the cursor of the page after them.
fn follow(collection: &Collection<SignIn>, query: &str, pages: usize) -> Cursor {
    let mut options = QueryOptions::parse(query, &SIGN_IN, &["id"]).expect("a valid query");
    for n in 0..pages {
        let page = collection
            .page(&options, None, |_, _| true)
            .expect("a page");
        assert_eq!(page.items.len(), TOP, "page {} of {query} is short", n + 1);
        options.cursor = Some(page.next.expect("more pages"));
    }
    options.cursor.expect("at least one page followed")
}

async fn token(app: &Router) -> String {
    let form = format!(
        "client_id={CLIENT}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret={SECRET}&grant_type=client_credentials"
    );
    let request = Request::post(format!("/{TENANT}/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .expect("a request");
    let response = app.clone().oneshot(request).await.expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value =
        serde_json::from_slice(&server::body_bytes(response).await).expect("a token response");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_string()
}

async fn get(app: &Router, token: &str, uri: &str) -> Vec<u8> {
    let request = Request::get(uri)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a request");
    let response = app.clone().oneshot(request).await.expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
    server::body_bytes(response).await
}

/// Serves `app` and the floor on loopback, checks they answer the same bytes, drives both with
/// wrk in turn; the report's lines.
fn throughput(runtime: &tokio::runtime::Runtime, app: Router, token: &str) -> Vec<String> {
    let seconds = env_number("ENTRALAB_WRK_SECONDS", 5);
    let rounds = env_number("ENTRALAB_WRK_ROUNDS", 6).max(1);
    let connections = env_number("ENTRALAB_WRK_CONNECTIONS", 16).max(1);
    let real = runtime.block_on(serve(app));
    let real_url = format!("http://{real}/v1.0/auditLogs/signIns?{HTTP_QUERY}");
    // reqwest is built without a TLS provider; the project's is ring (plain HTTP here anyway).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::new();
    let fetch = |url: &str| -> (Vec<u8>, Option<HeaderValue>) {
        let response = client
            .get(url)
            .bearer_auth(token)
            .send()
            .expect("the server answers");
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        (
            response.bytes().expect("a body").to_vec(),
            content_type.map(|v| HeaderValue::from_bytes(v.as_bytes()).expect("a header")),
        )
    };
    let (page, content_type) = fetch(&real_url);
    let page = Bytes::from(page);
    let content_type = content_type.expect("a content type");
    let floor_body = page.clone();
    let floor_app = Router::new().fallback(move || {
        let body = floor_body.clone();
        let content_type = content_type.clone();
        async move {
            let mut response = Response::new(Body::from(body));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type);
            response
        }
    });
    let floor = runtime.block_on(serve(floor_app));
    let floor_url = format!("http://{floor}/v1.0/auditLogs/signIns?{HTTP_QUERY}");
    assert_eq!(
        fetch(&floor_url).0,
        fetch(&real_url).0,
        "the floor must answer the real server's bytes"
    );
    let records = serde_json::from_slice::<serde_json::Value>(&page).expect("a JSON page")["value"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(records, TOP);

    // Rounds alternate which server goes first (ABBA...), so a slow drift in what else the
    // machine is doing weighs on both alike; each round's ratio compares neighbours in time.
    let mut real_rates = Vec::new();
    let mut floor_rates = Vec::new();
    for round in 1..=rounds {
        let mut pair = [
            ("entralab", &real_url, &mut real_rates),
            ("floor", &floor_url, &mut floor_rates),
        ];
        if round % 2 == 0 {
            pair.reverse();
        }
        for (name, url, rates) in pair {
            let rate = wrk(url, token, seconds, connections);
            println!("http round {round}: {name} {rate:.0} req/s");
            rates.push(rate);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (real_rate, floor_rate) = (mean(&real_rates), mean(&floor_rates));
    let ratio = real_rate / floor_rate;
    let mut ratios: Vec<f64> = real_rates
        .iter()
        .zip(&floor_rates)
        .map(|(r, f)| r / f)
        .collect();
    ratios.sort_by(f64::total_cmp);
    let median = if ratios.len() % 2 == 1 {
        ratios[ratios.len() / 2]
    } else {
        (ratios[ratios.len() / 2 - 1] + ratios[ratios.len() / 2]) / 2.0
    };
    vec![
        format!(
            "http: page of {} bytes ({TOP} records), wrk -t2 -c{connections} -d{seconds}s, {rounds} round(s) each, alternating",
            page.len()
        ),
        format!(
            "http: entralab {real_rate:.0} req/s ({}), floor {floor_rate:.0} req/s ({})",
            rates_text(&real_rates),
            rates_text(&floor_rates),
        ),
        format!(
            "http: ratio of means {ratio:.3}; per-round ratios {} (median {median:.3}); target >= {MIN_THROUGHPUT_RATIO}: {}",
            ratios
                .iter()
                .map(|r| format!("{r:.3}"))
                .collect::<Vec<_>>()
                .join(", "),
            verdict(ratio >= MIN_THROUGHPUT_RATIO && median >= MIN_THROUGHPUT_RATIO)
        ),
    ]
}

fn rates_text(rates: &[f64]) -> String {
    rates
        .iter()
        .map(|r| format!("{r:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Serves `app` over plain HTTP on a free loopback port, in the background.
async fn serve(app: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("an address");
    let server = axum_server::from_tcp(listener).expect("a server");
    tokio::spawn(async move { server.serve(app.into_make_service()).await });
    addr
}

/// One wrk run; requests a second. Any error or non-2xx answer fails the bench.
fn wrk(url: &str, token: &str, seconds: u64, connections: u64) -> f64 {
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "-H",
            &format!("Authorization: Bearer {token}"),
            url,
        ])
        .output()
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}");
    assert!(
        !text.contains("Non-2xx") && !text.contains("Socket errors"),
        "wrk saw errors:\n{text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}

fn require_wrk() {
    let found = Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty());
    assert!(
        found,
        "wrk is needed for the HTTP part: run bench/serve.sh (it installs it) or apt-get install -y wrk; ENTRALAB_SERVE_BENCH=paging skips it"
    );
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// VmRSS of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .expect("VmRSS in /proc/self/status (Linux)")
}

/// Gives freed heap memory back to the system, so RSS counts what is still held.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim only releases free memory; any argument is valid.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The time of one function of this run as criterion reports it (its slope estimate, or the
/// mean when it sampled flat), from criterion's estimates, in seconds.
fn reported_seconds(started: SystemTime, function: &str) -> Option<f64> {
    let path = criterion_home()
        .join(GROUP)
        .join(function)
        .join("new")
        .join("estimates.json");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= started);
    if !fresh {
        return None;
    }
    let estimates: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    estimates["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| estimates["mean"]["point_estimate"].as_f64())
        .map(|ns| ns / 1e9)
}

/// Where criterion keeps its results, found as criterion finds it.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Path::new(&target).join("criterion");
    }
    let metadata = std::env::var_os("CARGO").and_then(|cargo| {
        Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()
    });
    metadata
        .and_then(|out| serde_json::from_slice::<serde_json::Value>(&out.stdout).ok())
        .and_then(|m| m["target_directory"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}
