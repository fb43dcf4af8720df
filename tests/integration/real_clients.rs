//! Real Graph clients against the real `entralab serve`: msgraph-sdk, azure-identity, MSAL and
//! curl, run by tests/python/graph_clients.py from a virtualenv in target/python-venv.
//!
//! Needs python3 (3.11 is what requirements.txt was resolved on) and, the first time or after
//! requirements.txt changes, PyPI. Without them the test fails: it never skips silently.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Bounds on each stage, so a hung server or client fails the test instead of hanging it.
const SERVER_START: Duration = Duration::from_secs(30);
const SCRIPT_RUN: Duration = Duration::from_secs(300);

/// A child process killed (and reaped) when the guard goes, on success and on panic alike.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn read(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

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

/// Waits for `path` to hold JSON (the server writes it atomically once it listens).
fn wait_for_info(path: &Path, server: &mut KillOnDrop, log: &Path) -> serde_json::Value {
    let deadline = Instant::now() + SERVER_START;
    loop {
        if let Ok(bytes) = std::fs::read(path)
            && let Ok(info) = serde_json::from_slice(&bytes)
        {
            return info;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!(
                "entralab serve exited ({status}) before writing its info file:\n{}",
                read(log)
            );
        }
        assert!(
            Instant::now() < deadline,
            "entralab serve wrote no info file within {SERVER_START:?}:\n{}",
            read(log)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn msgraph_sdk_azure_identity_msal_and_curl_read_the_mock() {
    let python = python_venv();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let info_path = dir.path().join("info.json");
    let cert_path = dir.path().join("entralab.pem");
    let server_log = dir.path().join("serve.log");

    let log = File::create(&server_log).expect("server log");
    let mut server = KillOnDrop(
        Command::new(assert_cmd::cargo::cargo_bin("entralab"))
            .current_dir(ROOT)
            .args([
                "serve",
                "scenarios",
                "tests/data/population-small.yaml",
                "--bind",
                "127.0.0.1:0",
                "--info-file",
            ])
            .arg(&info_path)
            .arg("--cert-file")
            .arg(&cert_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log)
            .spawn()
            .expect("start entralab serve"),
    );
    let info = wait_for_info(&info_path, &mut server, &server_log);
    assert_eq!(
        info["certificate"].as_str().map(PathBuf::from),
        Some(cert_path.clone()),
        "{info}"
    );

    let script_log = dir.path().join("graph_clients.log");
    let out = File::create(&script_log).expect("script log");
    let mut script = KillOnDrop(
        Command::new(&python)
            .current_dir(ROOT)
            .arg("tests/python/graph_clients.py")
            .arg(&info_path)
            .env("SSL_CERT_FILE", &cert_path)
            .env("REQUESTS_CA_BUNDLE", &cert_path)
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
    drop(server);
    assert!(
        status.success(),
        "graph_clients.py failed ({status}):\n{output}\nserver log:\n{}",
        read(&server_log)
    );
    let last = output.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "unexpected summary {last:?}:\n{output}"
    );
}
