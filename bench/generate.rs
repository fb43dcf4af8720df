//! `generate` at scale: a population scenario of about a million sign-ins
//! (`bench/population-1m.yaml`), simulated and written as Graph JSON exactly as
//! `entralab generate` does, next to the floor: the same records, made beforehand and held in
//! memory, only serialized with serde_json into the same collection envelope.
//!
//! Both are measured in one criterion group (`generate_1m`, flat sampling, 10 samples of one
//! or two runs each), then side by side in turns (`side_by_side`: the floor drifts with the
//! machine's state, and criterion measures one after the other). At the end the bench prints
//! both ratios (target: simulate + write at most 1.5x serialize-only): of criterion's means,
//! and the median of the rounds side by side. `bench/generate.sh` runs it and also measures
//! the CLI's peak RSS.
//!
//! Both write their files through the page cache and stop there (no `fsync`).
//!
//!     cargo bench --bench generate
//!
//! Each run writes about 1.5 GB; the files live in a temporary folder and are removed after
//! every iteration, outside the timed part.

// The allocator `entralab` itself runs with (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use criterion::{Criterion, SamplingMode};
use entralab::cli::{Cli, execute};
use entralab::exit::Exit;
use entralab::export::collect_newest_first;
use entralab::graph::{DIRECTORY_AUDITS_CONTEXT, SIGN_INS_CONTEXT};
use entralab::{scenario, sim};
use serde::Serialize;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/population-1m.yaml");
const GROUP: &str = "generate_1m";
const SIMULATE_AND_WRITE: &str = "simulate_and_write";
const SERIALIZE_ONLY: &str = "serialize_only";
/// The bar.
const TARGET_RATIO: f64 = 1.5;
const MIN_SIGN_INS: usize = 1_000_000;

fn main() {
    let started = SystemTime::now();
    let work = tempfile::Builder::new()
        .prefix("entralab-bench-")
        .tempdir()
        .expect("a temporary folder");
    let generated = work.path().join("generated");
    let serialized = work.path().join("serialized");

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .without_plots()
        .configure_from_args();
    let mut group = criterion.benchmark_group(GROUP);
    group.sampling_mode(SamplingMode::Flat);

    // (a) What `entralab generate bench/population-1m.yaml --out DIR` does, through the same
    // entry point: load, simulate, spool, write both files newest first.
    group.bench_function(SIMULATE_AND_WRITE, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                generate(&generated);
                total += start.elapsed();
                remove(&generated);
            }
            total
        })
    });

    // (b) The floor: the same records, made once before the first sample (untimed) and kept in
    // memory newest first, serialized with serde_json into the same envelope through a
    // BufWriter<File>. The first run is checked to give the same bytes as (a).
    let mut records = None;
    group.bench_function(SERIALIZE_ONLY, |b| {
        let (sign_ins, audits) = records.get_or_insert_with(|| {
            let records = simulate_in_memory();
            assert!(
                records.0.len() >= MIN_SIGN_INS,
                "{SCENARIO} makes only {} sign-ins",
                records.0.len()
            );
            check_same_bytes(&records.0, &records.1, &generated, &serialized);
            records
        });
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                serialize(&serialized, sign_ins, audits);
                total += start.elapsed();
                remove(&serialized);
            }
            total
        })
    });
    group.finish();
    criterion.final_summary();
    if let Some((sign_ins, audits)) = &records {
        side_by_side(&generated, &serialized, sign_ins, audits);
    }
    drop(records);
    drop(work);

    report_ratio(started);
}

/// Rounds of [`side_by_side`].
const ROUNDS: usize = 5;

/// Criterion measures one function after the other, and the floor (mostly the kernel taking
/// 1.5 GB into the page cache) drifts with the machine's state: between two runs of this bench
/// an hour apart it moved from 2.02 s to 2.69 s. So both are also run in turns, `generate`
/// then the floor, [`ROUNDS`] times, and each round's ratio is printed with their median.
/// `generate` runs here as users run it, as the `entralab` command in a process of its own:
/// in this one it shares the allocator with the floor's million records.
fn side_by_side(
    generated: &Path,
    serialized: &Path,
    sign_ins: &[entralab::graph::SignIn],
    audits: &[entralab::graph::DirectoryAudit],
) {
    let timed = |run: &dyn Fn()| {
        let start = Instant::now();
        run();
        start.elapsed().as_secs_f64()
    };
    let mut ratios = Vec::new();
    for round in 1..=ROUNDS {
        let full = timed(&|| generate_command(generated));
        remove(generated);
        let floor = timed(&|| serialize(serialized, sign_ins, audits));
        remove(serialized);
        println!(
            "{GROUP}: side by side, round {round}: {SIMULATE_AND_WRITE} {full:.3} s, \
             {SERIALIZE_ONLY} {floor:.3} s, ratio {:.2}x",
            full / floor
        );
        ratios.push(full / floor);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ROUNDS / 2];
    println!(
        "{GROUP}: side by side, median ratio of {ROUNDS} rounds {median:.2}x (target <= {TARGET_RATIO:.1}x: {})",
        if median <= TARGET_RATIO {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// `entralab generate SCENARIO --out dir`, in process.
fn generate(dir: &Path) {
    let cli = Cli::parse_from([
        OsStr::new("entralab"),
        OsStr::new("generate"),
        OsStr::new(SCENARIO),
        OsStr::new("--out"),
        dir.as_os_str(),
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = execute(cli, &mut out, &mut err);
    assert_eq!(
        exit,
        Exit::Success,
        "generate failed: {}",
        String::from_utf8_lossy(&err)
    );
}

/// `entralab generate SCENARIO --out dir -q`, the release binary in a process of its own.
fn generate_command(dir: &Path) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_entralab"))
        .args([
            OsStr::new("generate"),
            OsStr::new(SCENARIO),
            OsStr::new("--out"),
        ])
        .arg(dir)
        .arg("-q")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("entralab runs");
    assert!(status.success(), "generate failed: {status}");
}

/// The scenario's records in memory, newest first.
fn simulate_in_memory() -> (
    Vec<entralab::graph::SignIn>,
    Vec<entralab::graph::DirectoryAudit>,
) {
    let scenario =
        scenario::load_file(Path::new(SCENARIO)).unwrap_or_else(|e| panic!("{}", e.render()));
    collect_newest_first(sim::simulate(&scenario).filter_map(|item| item.record))
}

/// The floor: both collections serialized with serde_json into `dir`.
fn serialize(
    dir: &Path,
    sign_ins: &[entralab::graph::SignIn],
    audits: &[entralab::graph::DirectoryAudit],
) {
    std::fs::create_dir_all(dir).expect("a folder to write to");
    write_collection(&dir.join("signIns.json"), SIGN_INS_CONTEXT, sign_ins)
        .expect("signIns.json written");
    write_collection(
        &dir.join("directoryAudits.json"),
        DIRECTORY_AUDITS_CONTEXT,
        audits,
    )
    .expect("directoryAudits.json written");
}

/// A Graph collection response: `{"@odata.context":...,"value":[` one record a line `]}`.
fn write_collection<T: Serialize>(path: &Path, context: &str, records: &[T]) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"{\"@odata.context\":")?;
    serde_json::to_writer(&mut out, context)?;
    out.write_all(b",\"value\":[")?;
    for (i, record) in records.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut out, record)?;
    }
    out.write_all(b"\n]}\n")?;
    out.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// The floor must write what `generate` writes, byte for byte.
fn check_same_bytes(
    sign_ins: &[entralab::graph::SignIn],
    audits: &[entralab::graph::DirectoryAudit],
    generated: &Path,
    serialized: &Path,
) {
    generate(generated);
    serialize(serialized, sign_ins, audits);
    for name in ["signIns.json", "directoryAudits.json"] {
        assert!(
            same_file_contents(&generated.join(name), &serialized.join(name)),
            "serialize_only does not write what generate writes ({name})"
        );
    }
    remove(generated);
    remove(serialized);
}

fn same_file_contents(a: &Path, b: &Path) -> bool {
    let open = |p: &Path| BufReader::with_capacity(1 << 20, File::open(p).expect("a written file"));
    let (mut a, mut b) = (open(a), open(b));
    let (mut x, mut y) = (vec![0; 1 << 20], vec![0; 1 << 20]);
    loop {
        let n = read_full(&mut a, &mut x);
        let m = read_full(&mut b, &mut y);
        if x[..n] != y[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]).expect("a readable file") {
            0 => break,
            n => filled += n,
        }
    }
    filled
}

fn remove(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("temporary output removed");
    }
}

/// Prints both means and their ratio from criterion's estimates of this run.
fn report_ratio(started: SystemTime) {
    let dir = criterion_home().join(GROUP);
    let mean = |name: &str| -> Option<f64> {
        let path = dir.join(name).join("new").join("estimates.json");
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= started);
        if !fresh {
            return None;
        }
        let estimates: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        estimates["mean"]["point_estimate"]
            .as_f64()
            .map(|ns| ns / 1e9)
    };
    match (mean(SIMULATE_AND_WRITE), mean(SERIALIZE_ONLY)) {
        (Some(full), Some(floor)) => {
            let ratio = full / floor;
            println!(
                "{GROUP}: {SIMULATE_AND_WRITE} mean {full:.3} s, {SERIALIZE_ONLY} mean {floor:.3} s"
            );
            println!(
                "{GROUP}: ratio {ratio:.2}x (target <= {TARGET_RATIO:.1}x: {})",
                if ratio <= TARGET_RATIO {
                    "met"
                } else {
                    "NOT met"
                }
            );
        }
        _ => println!(
            "{GROUP}: ratio not computed (both functions must be measured in the same run)"
        ),
    }
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
        std::process::Command::new(cargo)
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
