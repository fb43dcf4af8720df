//! Real Graph clients against the real `entralab serve`: msgraph-sdk, azure-identity, MSAL and
//! curl, run by tests/python/*.py from a virtualenv in target/python-venv; and every program in
//! docs/real-clients.md (curl, Python, the two JavaScript SDKs from tests/js in
//! target/js-clients), taken out of the page and run as it stands.
//!
//! Needs python3 (3.11 is what requirements.txt was resolved on), Node.js 20 with npm, and, the
//! first time or after tests/python/requirements.txt or tests/js/package-lock.json change, PyPI
//! and the npm registry. Without them the tests fail: they never skip silently.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Bounds on each stage, so a hung server or client fails the test instead of hanging it.
const SCRIPT_RUN: Duration = Duration::from_secs(300);
const LAB: &str = "scenarios/user01-password-failures.yaml";
const DOC: &str = "docs/real-clients.md";

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

/// Runs `command` for at most SCRIPT_RUN with stdout to one file and stderr to another;
/// panics with both when it cannot start, fails or overruns. Returns stdout.
pub(crate) fn run_bounded(command: &mut Command, what: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = KillOnDrop(
        command
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", command.get_program())),
    );
    let deadline = Instant::now() + SCRIPT_RUN;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait for the client") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (read(&out_path), read(&err_path));
    println!("{what}:\n{stdout}{stderr}");
    match status {
        None => panic!("{what} did not finish within {SCRIPT_RUN:?}:\n{stdout}{stderr}"),
        Some(status) => assert!(
            status.success(),
            "{what} failed ({status}):\n{stdout}{stderr}"
        ),
    }
    stdout
}

/// The hash of `files`, to tell when an install made from them is stale.
fn fingerprint(files: &[PathBuf]) -> String {
    let mut hash = Sha256::new();
    for file in files {
        hash.update(std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display())));
    }
    format!("{:x}", hash.finalize())
}

/// Holds `target/NAME.lock`: one installer at a time, across test processes too.
fn install_lock(name: &str) -> File {
    let target = Path::new(ROOT).join("target");
    std::fs::create_dir_all(&target).expect("target/");
    let lock = File::create(target.join(format!("{name}.lock"))).expect("an install lock");
    lock.lock().expect("lock the install");
    lock
}

/// target/python-venv with tests/python/requirements.txt (the Graph and Log Analytics clients)
/// and requirements-kql.txt (the KQL oracle) installed; reinstalls when the requirements change
/// (a marker holds their hash) or the venv no longer works.
pub(crate) fn python_venv() -> PathBuf {
    let venv = Path::new(ROOT).join("target").join("python-venv");
    let python = venv.join("bin").join("python");
    let requirements = [
        Path::new(ROOT).join("tests/python/requirements.txt"),
        Path::new(ROOT).join("tests/python/requirements-kql.txt"),
    ];
    let wanted = fingerprint(&requirements);
    let marker = venv.join(".requirements-sha256");
    let _lock = install_lock("python-venv");
    let ready = || {
        read(&marker).trim() == wanted
            && Command::new(&python)
                .args([
                    "-c",
                    "import msgraph, msgraph_core, azure.identity, msal, azure.monitor.query, duckdb_kql",
                ])
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
                .arg(&requirements[0])
                .arg("-r")
                .arg(&requirements[1]),
            "pip install -r tests/python/requirements.txt -r tests/python/requirements-kql.txt",
        );
        std::fs::write(&marker, &wanted).expect("write the venv marker");
    }
    python
}

/// target/js-clients with tests/js installed by `npm ci` from the committed lock file;
/// reinstalls when package.json or the lock file change. Scripts written into this folder
/// find its node_modules.
pub(crate) fn js_clients() -> PathBuf {
    let dir = Path::new(ROOT).join("target").join("js-clients");
    let sources =
        ["package.json", "package-lock.json"].map(|f| Path::new(ROOT).join("tests/js").join(f));
    let wanted = fingerprint(&sources);
    let marker = dir.join(".lock-sha256");
    let _lock = install_lock("js-clients");
    let ready = read(&marker).trim() == wanted
        && dir
            .join("node_modules/@microsoft/msgraph-sdk/package.json")
            .exists();
    if !ready {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("remove the stale target/js-clients");
        }
        std::fs::create_dir_all(&dir).expect("target/js-clients");
        for source in &sources {
            std::fs::copy(source, dir.join(source.file_name().unwrap())).expect("copy tests/js");
        }
        run(
            Command::new("node").arg("--version"),
            "node --version (is Node.js 20 installed?)",
        );
        run(
            Command::new("npm")
                .current_dir(&dir)
                .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
                // Fail within minutes, not npm's default quarter hour, when the registry is unreachable.
                .env("npm_config_fetch_retries", "1")
                .env("npm_config_fetch_timeout", "60000")
                .env("npm_config_update_notifier", "false"),
            "npm ci of tests/js into target/js-clients (are npm and the npm registry reachable?)",
        );
        std::fs::write(&marker, &wanted).expect("write the js-clients marker");
    }
    dir
}

/// A program on a documentation page: a code block whose info string names a file
/// (```` ```js kiota.mjs ````).
#[derive(Debug)]
pub(crate) struct Program {
    pub(crate) file: String,
    pub(crate) code: String,
}

pub(crate) fn programs(page: &str) -> Vec<Program> {
    let text = std::fs::read_to_string(Path::new(ROOT).join(page)).expect(page);
    let mut programs = Vec::new();
    let mut open: Option<Program> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => {
                let file = info.split_whitespace().nth(1).unwrap_or_default();
                open = Some(Program {
                    file: file.to_string(),
                    code: String::new(),
                });
            }
            (Some(_), Some("")) => {
                let done = open.take().expect("open");
                if !done.file.is_empty() {
                    programs.push(done);
                }
            }
            (Some(program), _) => {
                program.code.push_str(line);
                program.code.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "{page}: a code block is not closed");
    programs
}

#[test]
fn msgraph_sdk_azure_identity_msal_and_curl_read_the_mock() {
    let python = python_venv();
    let served = Served::start(&[
        "scenarios",
        "tests/data/population-small.yaml",
        // The directory-change labs: the SDK parses every audit activity they write (issue 9).
        "scenarios/detections/privileged-role-outside-pim.yaml",
        "scenarios/detections/app-credential-after-admin-consent.yaml",
        "scenarios/detections/tenant-backdoors.yaml",
        "scenarios/detections/benign-admin-noise.yaml",
        "scenarios/detections/bitlocker-key-read.yaml",
        "scenarios/detections/account-created-and-deleted.yaml",
        "scenarios/detections/ca-policy-deleted.yaml",
        "scenarios/detections/illicit-consent-grant.yaml",
        "scenarios/detections/mfa-method-after-password-guessing.yaml",
        "scenarios/detections/device-trust-weakened.yaml",
        "scenarios/detections/app-removed-after-use.yaml",
        "scenarios/detections/device-no-longer-compliant.yaml",
        "scenarios/detections/guest-made-administrator.yaml",
        // One row of every activity, a few failed (tests/integration/audit_every_activity.rs).
        "tests/data/every-audit-activity.yaml",
    ]);
    let (info, info_path, cert_path) = (&served.info, &served.info_path, &served.cert);
    assert_eq!(
        info["certificate"].as_str().map(PathBuf::from).as_ref(),
        Some(cert_path),
        "{info}"
    );
    let output = run_bounded(
        python_command(&python, cert_path)
            .arg("tests/python/graph_clients.py")
            .arg(info_path),
        "graph_clients.py",
    );
    drop(served);
    let last = output.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "unexpected summary {last:?}:\n{output}"
    );
}

/// The venv's python from the crate root, trusting `cert` for every HTTP stack it uses.
pub(crate) fn python_command(python: &Path, cert: &Path) -> Command {
    let mut command = Command::new(python);
    command
        .current_dir(ROOT)
        .env("SSL_CERT_FILE", cert)
        .env("REQUESTS_CA_BUNDLE", cert)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONUNBUFFERED", "1");
    command
}

#[test]
fn azure_identity_renews_the_short_tokens_of_token_lifetime() {
    let python = python_venv();
    let served = Served::start(&[LAB, "--token-lifetime", "3s"]);
    let output = run_bounded(
        python_command(&python, &served.cert)
            .arg("tests/python/token_renewal.py")
            .arg(&served.info_path)
            .arg("3"),
        "token_renewal.py",
    );
    assert!(
        output.lines().last() == Some("3 passed, 0 failed"),
        "{output}"
    );
}

/// The lab query's sign-in ids, newest first, as the project's own client reads them.
fn lab_query_ids(served: &Served) -> Vec<String> {
    let base = served.base();
    let mut config = entralab::client::ClientConfig::new(
        &base,
        format!("{base}/v1.0"),
        served.info["tenants"][0]["tenant_id"].as_str().unwrap(),
        served.info["tenants"][0]["client_id"].as_str().unwrap(),
        entralab::client::Secret::new(served.info["tenants"][0]["client_secret"].as_str().unwrap()),
    );
    config.extra_root_certificate_pem = Some(std::fs::read(&served.cert).unwrap());
    let mut ids = Vec::new();
    entralab::client::GraphClient::new(config)
        .unwrap()
        .list(
            "auditLogs/signIns",
            Some("createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z"),
            None,
            &mut |row| ids.push(row["id"].as_str().unwrap().to_string()),
        )
        .unwrap();
    ids
}

/// (ids, pages) from a program's output: pages of Graph JSON, one a line (curl), or
/// tab-separated rows ending in the id and a closing `N sign-ins in P pages`.
fn rows_and_pages(file: &str, output: &str) -> (Vec<String>, usize) {
    if file.ends_with(".sh") {
        let pages: Vec<serde_json::Value> = output
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {e}: {l}")))
            .collect();
        let ids = pages
            .iter()
            .flat_map(|p| {
                p["value"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{file}: {p}"))
            })
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        return (ids, pages.len());
    }
    let lines: Vec<&str> = output.lines().collect();
    let (last, rows) = lines
        .split_last()
        .unwrap_or_else(|| panic!("{file} printed nothing"));
    let ids: Vec<String> = rows
        .iter()
        .map(|l| l.rsplit('\t').next().unwrap().to_string())
        .collect();
    let pages = last
        .strip_prefix(&format!("{} sign-ins in ", ids.len()))
        .and_then(|rest| rest.strip_suffix(" pages"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{file}: unexpected last line {last:?}"));
    (ids, pages)
}

#[test]
fn every_program_in_the_real_clients_page_pages_the_lab_query() {
    let programs = programs(DOC);
    let mut files: Vec<&str> = programs.iter().map(|p| p.file.as_str()).collect();
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "curl-paged.sh",
            "graph-client.mjs",
            "kiota.mjs",
            "msgraph_sdk.py"
        ],
        "the programs of {DOC}"
    );
    let python = python_venv();
    let js = js_clients();
    let served = Served::start(&[LAB]);
    let expected = lab_query_ids(&served);
    assert_eq!(expected.len(), 4, "{expected:?}");
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let tenant = &served.info["tenants"][0];
    for program in &programs {
        // JavaScript beside target/js-clients/node_modules; the rest anywhere.
        let folder = if program.file.ends_with(".mjs") {
            js.as_path()
        } else {
            scratch.path()
        };
        let path = folder.join(&program.file);
        std::fs::write(&path, &program.code).expect("write the program");
        let mut command = match Path::new(&program.file)
            .extension()
            .and_then(|e| e.to_str())
        {
            Some("sh") => {
                let mut c = Command::new("bash");
                c.args(["-eo", "pipefail"]);
                c
            }
            Some("py") => python_command(&python, &served.cert),
            Some("mjs") => Command::new("node"),
            other => panic!("{}: no runner for {other:?}", program.file),
        };
        command
            .arg(&path)
            .current_dir(folder)
            .env("ENTRALAB_URL", served.base())
            .env("ENTRALAB_CERT", &served.cert)
            .env("NODE_EXTRA_CA_CERTS", &served.cert)
            .env("TENANT_ID", tenant["tenant_id"].as_str().unwrap())
            .env("CLIENT_ID", tenant["client_id"].as_str().unwrap())
            .env("CLIENT_SECRET", tenant["client_secret"].as_str().unwrap())
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        let output = run_bounded(&mut command, &format!("{DOC}: {}", program.file));
        let (ids, pages) = rows_and_pages(&program.file, &output);
        assert_eq!(ids, expected, "{}: the rows, newest first", program.file);
        assert_eq!(pages, 2, "{}: pages at $top=2", program.file);
        if program.file.ends_with(".mjs") {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[test]
fn msgraph_sdk_pages_and_parses_id_protection() {
    let python = python_venv();
    let served = Served::start(&["scenarios/identity-protection/lab-anonymous-travel-sspr.yaml"]);
    let output = run_bounded(
        python_command(&python, &served.cert)
            .arg("tests/python/identity_protection.py")
            .arg(&served.info_path),
        "identity_protection.py",
    );
    drop(served);
    let last = output.lines().last().unwrap_or("");
    assert_eq!(last, "4 passed, 0 failed", "{output}");
}
