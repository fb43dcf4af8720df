//! Real `entralab serve` processes side by side: each keeps its own certificate, and the
//! project's Graph client renews short-lived tokens before the mock refuses them.

use crate::served::{ROOT, Served};
use entralab::client::{ClientConfig, GraphClient, LogHook, LogKind, Secret};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LAB: &str = "scenarios/user01-password-failures.yaml";
const USER01: &str = "e17a1ab0-0000-4000-8000-000000000001";
const CLIENT: &str = "e17a1ab0-0000-4000-8000-00000000c11e";
const SECRET: &str = "entralab-lab-secret-not-for-production";

fn serve(args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("entralab"));
    command.arg("serve").args(args);
    command
}

/// A serve of the user01 lab on `bind`, writing its default certificate under `tmp`.
fn serve_in(tmp: &Path, bind: &str, extra: &[&str]) -> Command {
    let mut command = serve(&[LAB, "--bind", bind]);
    command.args(extra).env("TMPDIR", tmp);
    command
}

/// The project's client for the user01 tenant of `served`, trusting `cert`, logging to `log`.
fn client(served: &Served, cert: &Path, log: &Arc<Mutex<Vec<String>>>) -> ClientConfig {
    let base = served.base();
    let mut config = ClientConfig::new(
        &base,
        format!("{base}/v1.0"),
        USER01,
        CLIENT,
        Secret::new(SECRET),
    );
    config.extra_root_certificate_pem = Some(std::fs::read(cert).expect("the certificate"));
    config.retry.max_attempts = 1;
    let lines = log.clone();
    let hook: LogHook = Arc::new(move |line: &str| lines.lock().unwrap().push(line.to_string()));
    config.log = Some(hook);
    config
}

/// Runs `command` to the end: exit 2 with `message` on stderr.
fn expect_bad_input(command: &mut Command, message: &str) {
    let output = command.current_dir(ROOT).output().expect("run serve");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(message),
        "{message:?}: {output:?}"
    );
}

#[test]
fn a_second_serve_never_replaces_the_first_ones_certificate() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let first = Served::launch(
        serve_in(tmp.path(), "127.0.0.1:0", &[]),
        tempfile::tempdir().unwrap(),
    );
    let port = first.base().rsplit(':').next().unwrap().to_string();
    assert_eq!(
        first.cert,
        tmp.path()
            .join("entralab")
            .join(format!("127.0.0.1-{port}.pem")),
        "the default certificate is named after the address"
    );
    let pem = std::fs::read(&first.cert).expect("the first certificate");

    // The same port: it cannot listen, so it writes nothing.
    expect_bad_input(
        &mut serve_in(tmp.path(), &format!("127.0.0.1:{port}"), &[]),
        "cannot listen",
    );
    assert_eq!(std::fs::read(&first.cert).unwrap(), pem);

    // Another port: its own certificate file.
    let second = Served::launch(
        serve_in(tmp.path(), "127.0.0.1:0", &[]),
        tempfile::tempdir().unwrap(),
    );
    assert_ne!(second.cert, first.cert);
    assert_eq!(std::fs::read(&first.cert).unwrap(), pem);

    // Told to write the first one's file: refused while the first runs.
    let mut same_file = serve_in(tmp.path(), "127.0.0.1:0", &["--cert-file"]);
    same_file.arg(&first.cert);
    expect_bad_input(&mut same_file, "another running entralab serve");
    assert_eq!(std::fs::read(&first.cert).unwrap(), pem);

    // Clients of the first still verify it, and the second's certificate is not its.
    let log = Arc::new(Mutex::new(Vec::new()));
    let trusting = client(&first, &first.cert, &log);
    let rows = GraphClient::new(trusting)
        .unwrap()
        .records(LogKind::SignIns, None, None)
        .expect("the first serve's clients trust its certificate");
    assert_eq!(rows.len(), 4);
    let wrong = client(&first, &second.cert, &log);
    let refused = GraphClient::new(wrong)
        .unwrap()
        .records(LogKind::SignIns, None, None)
        .expect_err("another serve's certificate does not verify the first");
    assert!(refused.is_unreachable(), "{refused:?}");
}

#[test]
fn the_projects_client_renews_short_lived_tokens_before_they_expire() {
    // 4 s tokens, renewed at half-life (2 s); 700 ms per page over 4 pages outlasts that. The
    // mock checks the token before the latency, so a renewed token has 2 s to spare.
    let served = Served::start(&[LAB, "--token-lifetime", "4s", "--latency", "700ms"]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut config = client(&served, &served.cert, &log);
    config.timeout = Duration::from_secs(10);
    let mut rows = Vec::new();
    let stats = GraphClient::new(config)
        .unwrap()
        .list("auditLogs/signIns", None, Some(1), &mut |row| {
            rows.push(row)
        })
        .expect("every page with renewed tokens");
    let lines = log.lock().unwrap().clone();
    assert_eq!(
        (stats.pages, rows.len(), stats.retries),
        (4, 4, 0),
        "{lines:#?}"
    );
    let requested = lines
        .iter()
        .filter(|l| l.starts_with("token: requesting"))
        .count();
    assert!(requested >= 2, "the token was never renewed: {lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("about to expire")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains("401")), "{lines:#?}");
}

#[test]
fn token_lifetime_is_checked_on_the_command_line() {
    for bad in ["0s", "1500ms", "2d", "soon"] {
        expect_bad_input(
            &mut serve(&[LAB, "--token-lifetime", bad]),
            "--token-lifetime",
        );
    }
}
