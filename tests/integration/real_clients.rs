//! Real Graph clients against the real `entralab serve`: msgraph-sdk, azure-identity, MSAL and
//! curl, run by tests/python/graph_clients.py from a virtualenv in target/python-venv.
//!
//! Needs python3 (3.11 is what requirements.txt was resolved on) and, the first time or after
//! requirements.txt changes, PyPI. Without them the test fails: it never skips silently.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Bounds on each stage, so a hung server or client fails the test instead of hanging it.
const SCRIPT_RUN: Duration = Duration::from_secs(300);

use crate::served::{KillOnDrop, Served, read};

/// Runs `command` to the end; panics with its output when it cannot start or fails.
fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", command.get_program()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{text}",
        output.status
    );
    text
}

/// target/python-venv with tests/python/requirements.txt installed; reinstalls when the
/// requirements change (a marker holds their hash) or the venv no longer works.
fn python_venv() -> PathBuf {
    let target = Path::new(ROOT).join("target");
    let venv = target.join("python-venv");
    let python = venv.join("bin").join("python");
    let requirements = Path::new(ROOT).join("tests/python/requirements.txt");
    let wanted = format!(
        "{:x}",
        Sha256::digest(std::fs::read(&requirements).expect("tests/python/requirements.txt"))
    );
    let marker = venv.join(".requirements-sha256");

    std::fs::create_dir_all(&target).expect("target/");
    // One installer at a time, across test processes too.
    let lock = File::create(target.join("python-venv.lock")).expect("target/python-venv.lock");
    lock.lock().expect("lock target/python-venv.lock");

    let ready = || {
        read(&marker).trim() == wanted
            && Command::new(&python)
                .args(["-c", "import msgraph, msgraph_core, azure.identity, msal"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    };
    if !ready() {
        if venv.exists() {
            std::fs::remove_dir_all(&venv).expect("remove the stale target/python-venv");
        }
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv (is python3 with venv installed?)",
        );
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-r",
                ])
                .arg(&requirements),
            "pip install -r tests/python/requirements.txt",
        );
        std::fs::write(&marker, &wanted).expect("write the venv marker");
    }
    python
}

#[test]
fn msgraph_sdk_azure_identity_msal_and_curl_read_the_mock() {
    let python = python_venv();
    let served = Served::start(&["scenarios", "tests/data/population-small.yaml"]);
    let (info, info_path, cert_path) = (&served.info, &served.info_path, &served.cert);
    assert_eq!(
        info["certificate"].as_str().map(PathBuf::from).as_ref(),
        Some(cert_path),
        "{info}"
    );
    let dir = tempfile::tempdir().expect("a temporary folder");

    let script_log = dir.path().join("graph_clients.log");
    let out = File::create(&script_log).expect("script log");
    let mut script = KillOnDrop(
        Command::new(&python)
            .current_dir(ROOT)
            .arg("tests/python/graph_clients.py")
            .arg(info_path)
            .env("SSL_CERT_FILE", cert_path)
            .env("REQUESTS_CA_BUNDLE", cert_path)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONIOENCODING", "utf-8")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("script log"))
            .stderr(out)
            .spawn()
            .expect("start graph_clients.py"),
    );
    let deadline = Instant::now() + SCRIPT_RUN;
    let status = loop {
        if let Some(status) = script.0.try_wait().expect("wait for graph_clients.py") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = read(&script_log);
    println!("{output}");
    let status = status.unwrap_or_else(|| {
        panic!("graph_clients.py did not finish within {SCRIPT_RUN:?}:\n{output}")
    });
    drop(served);
    assert!(
        status.success(),
        "graph_clients.py failed ({status}):\n{output}"
    );
    let last = output.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "unexpected summary {last:?}:\n{output}"
    );
}
