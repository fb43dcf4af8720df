//! Replicated serve: three `entralab serve` processes given one signing secret, behind nginx as
//! a round-robin load balancer, answer as one: a token fetched through the balancer is
//! accepted by every replica, each nextLink resolves on whichever replica gets it, and paging
//! everything through the balancer yields every record exactly once.
//!
//! Needs Debian's nginx (`/usr/sbin/nginx`, or ENTRALAB_NGINX), which `.ci/run` installs.

use crate::served::{KillOnDrop, Served, read};
use reqwest::blocking::Client;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Two tenants: one with a population's sign-ins, one with directory audits.
const LABS: [&str; 2] = [
    "tests/data/population-small.yaml",
    "scenarios/detections/benign-admin-noise.yaml",
];
const SECRET: &str = "replicas-share-this-signing-secret";
/// Small pages, so that a listing takes many requests across the replicas.
const TOP: usize = 7;

fn nginx() -> PathBuf {
    let nginx = std::env::var_os("ENTRALAB_NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"));
    assert!(
        nginx.exists(),
        "{} not found: the replicated serve test needs Debian's nginx \
         (`apt-get update && apt-get install -y nginx`, as .ci/run does), or set ENTRALAB_NGINX",
        nginx.display()
    );
    nginx
}

/// A loopback port free a moment ago, for nginx to listen on.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// nginx in the foreground with its files in `dir`, balancing round-robin over `replicas`
/// and passing the client's Host on, so that nextLinks name the balancer. One process (no
/// master and workers), so that killing it by its PID leaves nothing behind.
fn balancer(dir: &Path, replicas: &[String]) -> (KillOnDrop, String) {
    let port = free_port();
    let servers: String = replicas
        .iter()
        .map(|base| format!("    server {};\n", base.trim_start_matches("http://")))
        .collect();
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  log_format upstream '$request_uri $upstream_addr $status';\n  \
         access_log {d}/access.log upstream;\n  \
         client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
         upstream replicas {{\n{servers}  }}\n  \
         server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      \
         proxy_pass http://replicas;\n      proxy_set_header Host $http_host;\n      \
         proxy_buffering off;\n    }}\n  }}\n}}\n"
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(nginx())
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let guard = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {port}:\n{}",
            read(&dir.join("error.log"))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (guard, format!("http://127.0.0.1:{port}"))
}

fn replica(key_file: &Path) -> Served {
    let key = key_file.to_str().unwrap();
    Served::start(&[LABS[0], LABS[1], "--http", "--key-file", key])
}

/// A plain-HTTP client (reqwest wants a rustls provider even so).
fn http_client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}

fn token(http: &Client, base: &str, tenant: &Value) -> String {
    let response: Value = http
        .post(format!(
            "{base}/{}/oauth2/v2.0/token",
            tenant["tenant_id"].as_str().unwrap()
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("client_id", tenant["client_id"].as_str().unwrap()),
                ("client_secret", tenant["client_secret"].as_str().unwrap()),
                ("grant_type", "client_credentials"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .unwrap(),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    response["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

fn get(http: &Client, url: &str, token: &str) -> Value {
    let response = http.get(url).bearer_auth(token).send().unwrap();
    let status = response.status();
    let body: Value = response.json().unwrap();
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

/// Every record of `resource`, following nextLinks from `first`; the ids in order of paging.
fn page_all(http: &Client, first: String, token: &str, balancer: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut url = Some(first);
    while let Some(next) = url {
        let page = get(http, &next, token);
        let values = page["value"].as_array().unwrap();
        assert!(values.len() <= TOP);
        ids.extend(values.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        url = page["@odata.nextLink"].as_str().map(|link| {
            assert!(link.starts_with(balancer), "{link} names the balancer");
            link.to_string()
        });
    }
    ids
}

#[test]
fn three_replicas_behind_nginx_answer_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("signing.key");
    std::fs::write(&key_file, format!("{SECRET}\n")).unwrap();
    let replicas: Vec<Served> = (0..3).map(|_| replica(&key_file)).collect();
    assert_eq!(replicas[0].info["signing_key"], "key-file");
    let bases: Vec<String> = replicas.iter().map(Served::base).collect();
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let (_nginx, lb) = balancer(&nginx_dir, &bases);
    let http = http_client();

    let mut listed = 0;
    for tenant in replicas[0].info["tenants"].as_array().unwrap() {
        let token = token(&http, &lb, tenant);
        for (resource, count) in [
            ("signIns", &tenant["sign_ins"]),
            ("directoryAudits", &tenant["directory_audits"]),
        ] {
            let expected = count.as_u64().unwrap() as usize;
            let path = format!("v1.0/auditLogs/{resource}?$top={TOP}");
            let ids = page_all(&http, format!("{lb}/{path}"), &token, &lb);
            let distinct: BTreeSet<&String> = ids.iter().collect();
            assert_eq!(ids.len(), expected, "{resource}: every record");
            assert_eq!(distinct.len(), expected, "{resource}: each once");
            // The same records, in the same order, as one replica serves them alone.
            let single = page_all(&http, format!("{}/{path}", bases[2]), &token, &bases[2]);
            assert_eq!(ids, single, "{resource}");
            listed += expected;
        }
    }
    assert!(listed > 90, "sign-ins and audits were listed ({listed})");

    // Round robin spread the requests over all three replicas.
    let log = read(&nginx_dir.join("access.log"));
    let upstreams: BTreeSet<&str> = log
        .lines()
        .filter_map(|line| line.split(' ').nth(1))
        .collect();
    assert_eq!(upstreams.len(), 3, "requests reached every replica:\n{log}");
}

#[test]
fn a_nextlink_from_one_replica_resolves_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("signing.key");
    std::fs::write(&key_file, SECRET).unwrap();
    let (a, b) = (replica(&key_file), replica(&key_file));
    let http = http_client();
    let tenant = &a.info["tenants"][0];
    let token = token(&http, &a.base(), tenant);
    let first = get(
        &http,
        &format!("{}/v1.0/auditLogs/signIns?$top={TOP}", a.base()),
        &token,
    );
    let link = first["@odata.nextLink"].as_str().unwrap();
    let on_b = link.replace(&a.base(), &b.base());
    let from_b = get(&http, &on_b, &token);
    let from_a = get(&http, link, &token);
    assert_eq!(from_b["value"], from_a["value"]);
    assert_eq!(from_b["value"].as_array().unwrap().len(), TOP);
}

#[test]
fn without_a_shared_key_replicas_refuse_each_others_tokens() {
    let (a, b) = (
        Served::start(&[LABS[0], "--http"]),
        Served::start(&[LABS[0], "--http"]),
    );
    assert_eq!(a.info["signing_key"], "random");
    let http = http_client();
    let token = token(&http, &a.base(), &a.info["tenants"][0]);
    let refused = http
        .get(format!("{}/v1.0/auditLogs/signIns", b.base()))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(refused.status(), 401);
}

#[test]
fn a_short_or_missing_key_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.key");
    std::fs::write(&short, "tooshort\n").unwrap();
    let missing = dir.path().join("missing.key");
    for (key, message) in [
        (&short, "has 8 bytes; give at least 16"),
        (&missing, "cannot read the key file"),
    ] {
        let output = Command::new(assert_cmd::cargo::cargo_bin("entralab"))
            .args([
                "serve",
                LABS[0],
                "--http",
                "--bind",
                "127.0.0.1:0",
                "--key-file",
            ])
            .arg(key)
            .current_dir(crate::served::ROOT)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}
