//! The Event Hubs form of the Kafka sink and reader,
//! `kafka+ssl://$ConnectionString@HOST:PORT/TOPIC` (TLS, SASL PLAIN with the connection string
//! from `$EVENTHUB_CONNECTION_STRING`), against a real broker: tansu on loopback behind
//! [`proxy`], a TLS- and SASL PLAIN-terminating proxy as Event Hubs puts in front of its
//! brokers. tansu advertises the proxy's address, so every connection a client makes,
//! including its reconnections to the broker the metadata names, goes through TLS and a login.
//!
//! Needs `tansu`, like `kafka.rs` (whose broker start-up this reuses).

mod proxy;

use crate::kafka::{Broker, POPULATION, SSPR, entralab, exported, stdout_of};
use proxy::{EVENT_HUBS_USER, Login, ProxyListener, SaslTlsProxy};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The shape of an Event Hubs namespace's connection string (the key is made up).
const CONNECTION_STRING: &str = "Endpoint=sb://entralab-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=c2VjcmV0LWtleS1mb3ItZW50cmFsYWItdGVzdHM=";
const PASSWORD_ENV: &str = "EVENTHUB_CONNECTION_STRING";

/// tansu behind the proxy; both stop when dropped.
struct EventHubs {
    proxy: SaslTlsProxy,
    port: u16,
    _broker: Broker,
}

impl EventHubs {
    fn start() -> EventHubs {
        EventHubs::start_dropping(None)
    }

    /// With the proxy closing its `nth` connection at once (see [`ProxyListener::serve_dropping`]).
    fn start_dropping(nth: Option<usize>) -> EventHubs {
        let listener = ProxyListener::bind();
        let port = listener.port();
        let broker = Broker::start_advertising(Some(port));
        let proxy = listener.serve_dropping(broker.port, CONNECTION_STRING, nth);
        EventHubs {
            proxy,
            port,
            _broker: broker,
        }
    }

    /// The Event Hubs URL of `topic` through the proxy, trusting its certificate, plus
    /// `options` (`&key=value...`).
    fn url(&self, topic: &str, options: &str) -> String {
        format!(
            "kafka+ssl://{EVENT_HUBS_USER}@127.0.0.1:{}/{topic}?ca_cert={}{options}",
            self.port,
            self.proxy.ca_cert.display()
        )
    }
}

/// entralab with the right connection string in its environment.
fn logged_in() -> assert_cmd::Command {
    let mut command = entralab();
    command.env(PASSWORD_ENV, CONNECTION_STRING);
    command
}

/// Two rules matching every sign-in and every audit, so that `detect` lists what it read.
fn every_record_rules() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (service, id) in [
        ("signinlogs", "0b7f3a52-3c1e-4f0e-9a51-6d2f4c1e7a01"),
        ("auditlogs", "0b7f3a52-3c1e-4f0e-9a51-6d2f4c1e7a02"),
    ] {
        let rule = format!(
            "title: Every {service} record (entralab test)\nid: {id}\nstatus: test\n\
             logsource:\n    product: azure\n    service: {service}\n\
             detection:\n    nothing:\n        OperationName: no-record-has-this-operation\n    \
             condition: not nothing\nlevel: informational\n"
        );
        std::fs::write(dir.path().join(format!("every_{service}.yml")), rule).unwrap();
    }
    dir
}

/// `detect --format json` of `logs` with the shipped rules and [`every_record_rules`]: the
/// records read and each rule's matches.
fn detect(logs: &[&str], every_record: &Path) -> (u64, Vec<Value>) {
    let out = stdout_of(
        logged_in()
            .args(["detect", "--format", "json", "--rules", "tests/data/sigma"])
            .arg("--rules")
            .arg(every_record)
            .arg("--logs")
            .args(logs),
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let scenario = &report["scenarios"][0];
    let rules = scenario["rules"].as_array().unwrap().clone();
    (scenario["records"].as_u64().unwrap(), rules)
}

/// The ids of every record in `files`, by kind.
fn ids_by_kind(files: &[PathBuf]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut sign_ins, mut audits) = (BTreeSet::new(), BTreeSet::new());
    for record in files
        .iter()
        .flat_map(|f| entralab::logfiles::read_path(f).unwrap())
    {
        match record {
            entralab::graph::Record::SignIn(_) => sign_ins.insert(record.id().to_string()),
            entralab::graph::Record::Audit(_) => audits.insert(record.id().to_string()),
        };
    }
    (sign_ins, audits)
}

fn rule<'a>(rules: &'a [Value], title_start: &str) -> &'a Value {
    rules
        .iter()
        .find(|r| r["title"].as_str().unwrap().starts_with(title_start))
        .unwrap_or_else(|| panic!("no rule `{title_start}...`"))
}

#[test]
fn the_event_hubs_form_round_trips_through_tls_and_sasl_plain() {
    let hubs = EventHubs::start();
    let every_record = every_record_rules();

    // Many users' sign-ins: what detect reads through TLS + SASL is what the files hold.
    let population = hubs.url("entra-signins", "&partitions=3");
    let sent = stdout_of(logged_in().args(["generate", POPULATION, "--to", &population]));
    assert!(
        sent.contains("eventhub messages to kafka+ssl://127.0.0.1:")
            && sent.contains("(3 partitions, created)"),
        "{sent}"
    );
    let (_dir, files) = exported(POPULATION, "eventhub");
    let file_args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let (read, rules) = detect(&[&hubs.url("entra-signins", "")], every_record.path());
    let (in_files, file_rules) = detect(&file_args, every_record.path());
    let (sign_ins, audits) = ids_by_kind(&files);
    assert_eq!(read, in_files, "as many records as the files hold");
    assert_eq!(read as usize, sign_ins.len() + audits.len());
    assert_eq!(
        rule(&rules, "Every signinlogs")["matches"],
        sign_ins.len(),
        "every sign-in once"
    );
    assert_eq!(rules, file_rules, "every rule sees the same records");

    // One user's SSPR audits (20, and each rule lists up to 20 ids): every id, once; and
    // verify's expectations hold on the topic.
    let sspr = hubs.url("entra-sspr", "");
    logged_in()
        .args(["generate", SSPR, "--to", &sspr])
        .assert()
        .success();
    let (_dir, files) = exported(SSPR, "eventhub");
    let (sign_ins, audits) = ids_by_kind(&files);
    assert!(!audits.is_empty() && audits.len() <= 20, "{}", audits.len());
    let (_, rules) = detect(&[&sspr], every_record.path());
    for (title, ids) in [
        ("Every signinlogs", &sign_ins),
        ("Every auditlogs", &audits),
    ] {
        let rule = rule(&rules, title);
        assert_eq!(rule["matches"], ids.len(), "{title}: each record once");
        let listed: BTreeSet<String> = rule["record_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().to_string())
            .collect();
        assert_eq!(&listed, ids, "{title}: every record");
    }
    let verified = stdout_of(logged_in().args(["verify", SSPR, "--against", &sspr]));
    assert!(
        verified.contains("kafka+ssl://$ConnectionString@127.0.0.1:")
            && verified.contains(" passed, 0 failed"),
        "{verified}"
    );

    // Every connection logged in as `$ConnectionString` first (the five commands above, and
    // their reconnections to the broker the metadata names).
    let seen = hubs.proxy.seen();
    assert!(seen.logins.len() >= 5, "{seen:?}");
    assert!(
        seen.logins
            .iter()
            .all(|l| l.accepted && l.user == EVENT_HUBS_USER),
        "{seen:?}"
    );
    assert!(seen.refused_before_login.is_empty(), "{seen:?}");
    assert_eq!(seen.tls_failures, 0, "{seen:?}");
}

#[test]
fn a_connection_dropped_after_the_login_probe_is_retried() {
    // The first connection is the one-attempt login probe (src/stream/connect.rs); whatever
    // the second is for, the client from then on retries as the URL's timeout says.
    let hubs = EventHubs::start_dropping(Some(2));
    let sent = stdout_of(logged_in().args(["generate", SSPR, "--to", &hubs.url("entra-sspr", "")]));
    assert!(sent.contains("(3 partitions, created)"), "{sent}");
    let seen = hubs.proxy.seen();
    assert_eq!(seen.dropped, 1, "{seen:?}");
    assert!(seen.logins.len() >= 2, "{seen:?}");
    assert!(seen.logins.iter().all(|l| l.accepted), "{seen:?}");
}

/// stderr and stdout of a command that must exit with `code`.
fn failure(command: &mut assert_cmd::Command, code: i32) -> String {
    let out = command.assert().code(code).get_output().clone();
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

#[test]
fn a_wrong_connection_string_fails_at_once_naming_authentication() {
    let hubs = EventHubs::start();
    // A short timeout bounds the test should the refusal be retried after all; the proxy's
    // count of logins says whether it was.
    let url = hubs.url("entra-signins", "&timeout=5");
    let wrong = CONNECTION_STRING.replace("SharedAccessKey=c2", "SharedAccessKey=d3");
    // At most one login per connection a command opens (detect opens two: one for the
    // tenant of the first record, then the reading), since a refused login is not retried:
    // retrying until a 5 s deadline would have made at least four.
    for args in [
        vec!["generate", SSPR, "--to", &url],
        vec!["detect", "--rules", "tests/data/sigma", "--logs", &url],
        vec!["verify", SSPR, "--against", &url],
    ] {
        let before = hubs.proxy.seen().logins.len();
        let text = failure(entralab().env(PASSWORD_ENV, &wrong).args(&args), 3);
        assert!(
            text.contains(&format!(
                "authentication failed: the Kafka broker 127.0.0.1:{} refused the SASL PLAIN login as `$ConnectionString` (SaslAuthenticationFailed)",
                hubs.port
            )) && text.contains("hint: check the password in $EVENTHUB_CONNECTION_STRING"),
            "{args:?}: {text}"
        );
        assert!(
            !text.contains(&wrong),
            "the secret is never printed: {text}"
        );
        let logins = hubs.proxy.seen().logins;
        assert!(
            (1..=2).contains(&(logins.len() - before)),
            "{args:?}: {logins:?}"
        );
        let refused = Login {
            user: EVENT_HUBS_USER.into(),
            accepted: false,
        };
        assert!(logins.iter().all(|l| *l == refused), "{logins:?}");
    }

    // The right connection string with another user is refused too.
    let other_user = url.replace("$ConnectionString@", "someone@");
    let text = failure(logged_in().args(["generate", SSPR, "--to", &other_user]), 3);
    assert!(
        text.contains("refused the SASL PLAIN login as `someone`"),
        "{text}"
    );
    assert!(hubs.proxy.seen().logins.iter().all(|l| !l.accepted));
}

#[test]
fn a_certificate_the_client_does_not_trust_is_a_clear_tls_error() {
    let hubs = EventHubs::start();
    let other = tempfile::tempdir().unwrap();
    let other_ca = other.path().join("other-ca.pem");
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    std::fs::write(&other_ca, certified.cert.pem()).unwrap();
    let system_store = format!(
        "kafka+ssl://127.0.0.1:{}/entra-signins?timeout=20",
        hubs.port
    );
    let another_ca = format!("{system_store}&ca_cert={}", other_ca.display());
    for url in [&system_store, &another_ca] {
        let text = failure(logged_in().args(["generate", SSPR, "--to", url]), 3);
        assert!(
            text.contains("TLS failed: the Kafka broker 127.0.0.1:")
                && text.contains("invalid peer certificate"),
            "{url}: {text}"
        );
    }
    // One handshake per command: a refused certificate is final, not retried until the
    // URL's timeout.
    let seen = hubs.proxy.seen_once(|s| s.tls_failures >= 2);
    assert_eq!(seen.tls_failures, 2, "{seen:?}");
    assert!(seen.logins.is_empty(), "no password sent: {seen:?}");
}
