//! `generate --to kafka://...`, `verify --against kafka://...` and `detect --logs kafka://...`
//! against a real broker: tansu (crates.io, a Kafka-compatible broker in Rust) on a free
//! loopback port with in-memory storage, killed by its PID when a test ends, even on failure.
//! What entralab sent is read back with entralab's reader and with kafka-python, an
//! independent client; every record must arrive once, in per-user order, in the partition
//! Kafka's default partitioner picks for its key.
//!
//! Needs `tansu` (`cargo install tansu --version 0.6.0 --locked --features dynostore`, as
//! `.ci/run` does), found on PATH, in ~/.cargo/bin, or at $ENTRALAB_TANSU.

use crate::real_clients::python_venv;
use crate::served::{KillOnDrop, read};
use assert_cmd::Command;
use entralab::graph::Record;
use entralab::stream::KafkaUrl;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Many users' sign-ins.
pub(crate) const POPULATION: &str = "tests/data/population-small.yaml";
/// One user's sign-ins and SSPR audits, with expectations.
pub(crate) const SSPR: &str = "scenarios/user03-sspr.yaml";

fn tansu() -> PathBuf {
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/tansu"));
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("tansu"))
            .find(|p| p.is_file())
    });
    std::env::var_os("ENTRALAB_TANSU")
        .map(PathBuf::from)
        .or(on_path)
        .or(home.filter(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "tansu not found (on PATH, in ~/.cargo/bin, or at $ENTRALAB_TANSU): the Kafka tests \
                 need it; install it with `cargo install tansu --version 0.6.0 --locked --features \
                 dynostore`, as .ci/run does"
            )
        })
}

/// A loopback port free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A tansu broker on loopback with in-memory storage; stopped when dropped.
pub(crate) struct Broker {
    _process: KillOnDrop,
    /// Where tansu listens.
    pub(crate) port: u16,
    _dir: tempfile::TempDir,
}

impl Broker {
    pub(crate) fn start() -> Broker {
        Broker::start_advertising(None)
    }

    /// A broker whose metadata names `advertised_port` on loopback as its address instead of
    /// its own port (a proxy in front of it, which clients must reconnect to), or its own.
    pub(crate) fn start_advertising(advertised_port: Option<u16>) -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let listener = format!("tcp://127.0.0.1:{port}");
        let advertised = format!("tcp://127.0.0.1:{}", advertised_port.unwrap_or(port));
        let log_path = dir.path().join("tansu.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = std::process::Command::new(tansu())
            .args(["broker", "--listener-url", &listener])
            .args(["--advertised-listener-url", &advertised])
            .args(["--storage-engine", "memory://tansu/"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start tansu");
        let mut process = KillOnDrop(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = process.0.try_wait() {
                panic!("tansu exited ({status}):\n{}", read(&log_path));
            }
            assert!(
                Instant::now() < deadline,
                "tansu did not listen on {port}:\n{}",
                read(&log_path)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Broker {
            _process: process,
            port,
            _dir: dir,
        }
    }

    pub(crate) fn url(&self, topic: &str) -> String {
        format!("kafka://127.0.0.1:{}/{topic}", self.port)
    }

    fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

pub(crate) fn entralab() -> Command {
    let mut command = Command::cargo_bin("entralab").unwrap();
    command.current_dir(ROOT);
    command
}

pub(crate) fn stdout_of(command: &mut Command) -> String {
    let out = command.assert().success().get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

/// The files `generate --format FORMAT` writes for `scenario`, in name order, and their
/// folder (removed when dropped).
pub(crate) fn exported(scenario: &str, format: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    entralab()
        .args(["generate", scenario, "--format", format, "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    (dir, files)
}

/// The records `generate --format FORMAT` writes for `scenario`, read back from the files.
fn generated(scenario: &str, format: &str) -> Vec<Record> {
    let (_dir, files) = exported(scenario, format);
    files
        .iter()
        .flat_map(|f| entralab::logfiles::read_path(f).unwrap())
        .collect()
}

fn owner(record: &Record) -> String {
    entralab::export::shard::owner(record).to_string()
}

/// Each owner's record ids, per kind, in the order given.
fn per_owner(ids: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (owner, id) in ids {
        map.entry(owner).or_default().push(id);
    }
    map
}

/// (owner/kind, id) of records in order: sign-ins and audits of one owner are ordered
/// separately (the files hold them apart).
fn keyed(records: &[Record]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            let kind = match r {
                Record::SignIn(_) => "signIn",
                Record::Audit(_) => "audit",
            };
            (format!("{}/{kind}", owner(r)), r.id().to_string())
        })
        .collect()
}

fn read_back(url: &str) -> Vec<Record> {
    let url: KafkaUrl = url.parse().unwrap();
    let mut records = Vec::new();
    entralab::stream::read_topic(
        &url,
        &mut |r, _| {
            records.push(r);
            true
        },
        None,
    )
    .unwrap();
    records
}

/// The messages of `topic` as kafka-python reads them.
pub(crate) fn python_read(broker: &Broker, topic: &str) -> Vec<Value> {
    let python = python_venv();
    let out = std::process::Command::new(python)
        .arg(Path::new(ROOT).join("tests/python/kafka_topic.py"))
        .args([&broker.bootstrap(), topic])
        .output()
        .expect("run tests/python/kafka_topic.py");
    assert!(
        out.status.success(),
        "kafka_topic.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every record of `expected` arrived exactly once, each owner's in order, read by both
/// clients; kafka-python's messages sit in the partition Kafka's default partitioner picks
/// for their key, which is the owner of every record they hold.
fn assert_round_trip(broker: &Broker, topic: &str, expected: &[Record], per_message: usize) {
    let by_id: BTreeMap<&str, &Record> = expected.iter().map(|r| (r.id(), r)).collect();
    assert_eq!(by_id.len(), expected.len(), "record ids are unique");

    let ours = read_back(&broker.url(topic));
    assert_eq!(
        ours.len(),
        expected.len(),
        "entralab's reader: every record once"
    );
    let mut sorted_ours: Vec<_> = ours.iter().map(|r| format!("{r:?}")).collect();
    let mut sorted_expected: Vec<_> = expected.iter().map(|r| format!("{r:?}")).collect();
    sorted_ours.sort();
    sorted_expected.sort();
    assert!(
        sorted_ours == sorted_expected,
        "the records read back equal the files' records"
    );
    assert_eq!(
        per_owner(keyed(&ours)),
        per_owner(keyed(expected)),
        "per-owner order"
    );

    let messages = python_read(broker, topic);
    let mut seen = Vec::new();
    let mut largest = 0;
    for message in &messages {
        assert_eq!(
            message["partition"], message["default_partition"],
            "murmur2 partition: {message}"
        );
        let ids = message["ids"].as_array().unwrap();
        largest = largest.max(ids.len());
        for id in ids {
            let record = by_id[id.as_str().unwrap()];
            assert_eq!(
                message["key"].as_str(),
                Some(owner(record).as_str()),
                "{message}"
            );
            seen.push(record.clone());
        }
    }
    assert!(
        largest <= per_message,
        "at most {per_message} records a message"
    );
    let ids: BTreeSet<&str> = seen.iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), seen.len(), "kafka-python: no record twice");
    assert_eq!(seen.len(), expected.len(), "kafka-python: every record");
    assert_eq!(
        per_owner(keyed(&seen)),
        per_owner(keyed(expected)),
        "kafka-python: per-owner order"
    );
}

#[test]
fn event_hub_envelopes_round_trip_through_tansu() {
    let broker = Broker::start();
    let topic = "entra-eventhub";
    let url = format!("{}?partitions=3", broker.url(topic));
    let first = stdout_of(entralab().args(["generate", POPULATION, "--to", &url]));
    assert!(
        first.contains("eventhub messages to kafka://127.0.0.1"),
        "{first}"
    );
    assert!(first.contains("(3 partitions, created)"), "{first}");
    // A second tenant's records into the topic, which now exists.
    let second = stdout_of(entralab().args(["generate", SSPR, "--to", &url]));
    assert!(second.contains("(3 partitions)"), "{second}");

    let mut expected = generated(POPULATION, "eventhub");
    expected.extend(generated(SSPR, "eventhub"));
    assert!(expected.iter().any(|r| matches!(r, Record::Audit(_))));
    assert_round_trip(&broker, topic, &expected, 100);

    // detect reads the topic as it reads files.
    let detected = stdout_of(entralab().args([
        "detect",
        "--rules",
        "tests/data/sigma",
        "--logs",
        &broker.url(topic),
    ]));
    assert!(
        detected.contains(&format!("({} records)", expected.len())),
        "{detected}"
    );
}

#[test]
fn ndjson_records_round_trip_and_verify_reads_a_topic() {
    let broker = Broker::start();
    let topic = "entra-ndjson";
    let url = format!("{}?partitions=4", broker.url(topic));
    let sent =
        stdout_of(entralab().args(["generate", POPULATION, "--to", &url, "--format", "ndjson"]));
    assert!(sent.contains("ndjson messages"), "{sent}");
    let expected = generated(POPULATION, "ndjson");
    assert_round_trip(&broker, topic, &expected, 1);

    // A reader that wants only the first records gets them, and no more.
    let mut taken = 0;
    let summary = entralab::stream::read_topic(
        &broker.url(topic).parse().unwrap(),
        &mut |_, _| {
            taken += 1;
            taken < 3
        },
        None,
    )
    .unwrap();
    assert_eq!(taken, 3);
    assert!(
        summary.sign_ins + summary.audits < expected.len(),
        "{summary:?}"
    );

    let sspr = broker.url("sspr");
    entralab()
        .args(["generate", SSPR, "--to", &sspr])
        .assert()
        .success();
    let verified = stdout_of(entralab().args(["verify", SSPR, "--against", &sspr]));
    assert!(verified.contains("kafka://127.0.0.1"), "{verified}");
}

#[test]
fn a_topic_that_does_not_exist_is_a_clear_error_when_read() {
    let broker = Broker::start();
    entralab()
        .args(["generate", SSPR, "--to", &broker.url("present")])
        .assert()
        .success();
    let out = entralab()
        .args([
            "detect",
            "--rules",
            "tests/data/sigma",
            "--logs",
            &broker.url("absent"),
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("the topic `absent` does not exist on 127.0.0.1:")
            && stderr.contains("its topics: present"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_broker_exits_3() {
    let url = format!("kafka://127.0.0.1:{}/t?timeout=1", free_port());
    for args in [
        vec!["generate", SSPR, "--to", &url],
        vec!["detect", "--rules", "tests/data/sigma", "--logs", &url],
        vec!["verify", SSPR, "--against", &url],
    ] {
        let out = entralab().args(&args).assert().code(3).get_output().clone();
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("cannot reach the Kafka broker 127.0.0.1:"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn malformed_kafka_urls_are_usage_errors_with_a_hint() {
    for url in [
        "kafka://127.0.0.1:9092",
        "kafka://h:99999/t",
        "kafka://h/t?colour=red",
    ] {
        let out = entralab()
            .args(["generate", SSPR, "--to", url])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("hint: write kafka://HOST:PORT/TOPIC"),
            "{url}: {stderr}"
        );
    }
    let out = entralab()
        .args(["generate", SSPR, "--to", "kafka://h/t", "--format", "graph"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("eventhub (the default) or ndjson"));
}

#[test]
fn event_hubs_without_the_connection_string_is_a_usage_error() {
    let out = entralab()
        .args([
            "generate",
            SSPR,
            "--to",
            "kafka+ssl://contoso.servicebus.windows.net/hub",
        ])
        .env_remove("EVENTHUB_CONNECTION_STRING")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("EVENTHUB_CONNECTION_STRING") && stderr.contains("$ConnectionString"),
        "{stderr}"
    );
}
