//! `entralab serve`: every tenant the scenarios describe behind a mock Microsoft Graph (files
//! that name one tenant are one tenant).

use super::inputs::{load_all, members, tenants};
use crate::exit::Exit;
use crate::graph::{Precision, Timestamp};
use crate::scenario::{DurationValue, Scenario};
use crate::server::{
    AppCredentials, Bound, Certificate, Clock, FaultConfig, ServerConfig, TenantConfig, TokenSigner,
};
use crate::sim;
use crate::store::Store;
use serde_json::json;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Scenario files, or folders of them; the built-in labs when none is given.
    pub paths: Vec<PathBuf>,
    /// Address to listen on. Loopback by default.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub bind: SocketAddr,
    /// Serve plain HTTP instead of HTTPS (MSAL-based clients need HTTPS).
    #[arg(long)]
    pub http: bool,
    /// Where to write the self-signed certificate for clients to trust [default:
    /// <temp>/entralab/<ip>-<port>.pem, one per listening address].
    #[arg(long, value_name = "FILE")]
    pub cert_file: Option<PathBuf>,
    /// Write the connection details as JSON here once the server listens.
    #[arg(long, value_name = "FILE")]
    pub info_file: Option<PathBuf>,
    /// Pretend it is this instant (RFC 3339) when deciding which records have been ingested.
    #[arg(long, value_parser = parse_timestamp)]
    pub now: Option<Timestamp>,
    /// Throttle every tenant: N requests per window per app, e.g. 5/10s.
    #[arg(long, value_parser = parse_throttle)]
    pub throttle: Option<(u32, u64)>,
    /// Delay every Graph response by this long, e.g. 200ms.
    #[arg(long, value_parser = parse_duration_ms)]
    pub latency: Option<u64>,
    /// Answer this share of Graph requests with 503 or 504, e.g. 0.05.
    #[arg(long)]
    pub server_errors: Option<f64>,
    /// Median ingestion delay for every tenant, e.g. 3m (from 0 to 3x the median).
    #[arg(long, value_parser = parse_duration_ms)]
    pub ingestion_delay: Option<u64>,
    /// How long access tokens live, e.g. 30s: their `expires_in`, after which Graph answers
    /// 401 InvalidAuthenticationToken (for rehearsing clients' token renewal).
    #[arg(long, value_name = "DURATION", value_parser = parse_token_lifetime, default_value = "3599s")]
    pub token_lifetime: u64,
    /// Sign tokens with the secret in this file (at least 16 bytes; surrounding whitespace
    /// ignored), so that replicas given the same file accept each other's tokens [default:
    /// $ENTRALAB_SIGNING_KEY, else a key random to this process].
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// The environment variable holding the token signing secret when `--key-file` is not given.
pub const SIGNING_KEY_VAR: &str = "ENTRALAB_SIGNING_KEY";

/// The shortest signing secret accepted, in bytes.
const MIN_SECRET: usize = 16;

/// Where the token signing key came from, for the banner and the info file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeySource {
    File,
    Environment,
    Random,
}

impl KeySource {
    fn name(self) -> &'static str {
        match self {
            KeySource::File => "key-file",
            KeySource::Environment => "environment",
            KeySource::Random => "random",
        }
    }
}

/// The token signer `--key-file`, else `$ENTRALAB_SIGNING_KEY`, asks for, else a random one.
fn signer(args: &ServeArgs) -> Result<(TokenSigner, KeySource), String> {
    let (secret, source, origin) = match &args.key_file {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
            (bytes, KeySource::File, path.display().to_string())
        }
        None => match std::env::var_os(SIGNING_KEY_VAR) {
            Some(value) => (
                value.into_encoded_bytes(),
                KeySource::Environment,
                format!("${SIGNING_KEY_VAR}"),
            ),
            None => return Ok((TokenSigner::random(), KeySource::Random)),
        },
    };
    let secret = secret.trim_ascii();
    if secret.len() < MIN_SECRET {
        return Err(format!(
            "the signing secret in {origin} has {} bytes; give at least {MIN_SECRET} (e.g. `openssl rand -hex 32`)",
            secret.len()
        ));
    }
    Ok((TokenSigner::from_secret(secret), source))
}

pub fn serve(args: &ServeArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let (scenarios, broken) = load_all(&args.paths, err)?;
    if broken {
        return Ok(Exit::BadInput);
    }
    let tenants: Vec<(TenantSummary, TenantConfig)> = tenants(&scenarios)
        .iter()
        .map(|t| tenant(&members(&scenarios, t), args))
        .collect();
    let (signer, key_source) = match signer(args) {
        Ok(found) => found,
        Err(problem) => {
            writeln!(err, "error: {problem}")?;
            return Ok(Exit::BadInput);
        }
    };
    let (summaries, configs): (Vec<_>, Vec<_>) = tenants.into_iter().unzip();
    let certificate = match (!args.http).then(Certificate::self_signed).transpose() {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "error: cannot make a certificate: {e}")?;
            return Ok(Exit::BadInput);
        }
    };
    // Bind before writing the certificate: a serve that cannot listen leaves every file alone.
    let bound = match Bound::bind(args.bind) {
        Ok(bound) => bound,
        Err(e) => {
            writeln!(err, "error: cannot listen on {}: {e}", args.bind)?;
            return Ok(Exit::BadInput);
        }
    };
    let held = match &certificate {
        Some(c) => {
            let path = args
                .cert_file
                .clone()
                .unwrap_or_else(|| Certificate::default_path(bound.addr));
            match c.write_held(&path) {
                Ok(held) => Some(held),
                Err(e) => {
                    writeln!(err, "error: cannot write {}: {e}", path.display())?;
                    return Ok(Exit::BadInput);
                }
            }
        }
        None => None,
    };
    let cert_path = held.as_ref().map(|h| h.path.clone());
    let config = ServerConfig {
        tenants: configs,
        clock: args.now.map_or(Clock::System, Clock::Fixed),
        token_lifetime: args.token_lifetime,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let running = match bound
            .serve_signed(config, certificate.as_ref(), signer)
            .await
        {
            Ok(running) => running,
            Err(e) => {
                writeln!(err, "error: cannot serve on {}: {e}", args.bind)?;
                return Ok(Exit::BadInput);
            }
        };
        let scheme = if args.http { "http" } else { "https" };
        let host = match running.addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let base = format!("{scheme}://{host}:{}", running.addr.port());
        let mut info = info(&base, cert_path.as_deref(), &summaries);
        info["signing_key"] = json!(key_source.name());
        write!(out, "{}", human(&info))?;
        out.flush()?;
        if let Some(path) = &args.info_file {
            write_atomically(path, &serde_json::to_vec_pretty(&info).expect("serializes"))?;
        }
        let _ = tokio::signal::ctrl_c().await;
        writeln!(out, "stopping")?;
        running.shutdown();
        Ok(Exit::Success)
    })
}

/// What the user needs to know about one tenant.
struct TenantSummary {
    name: String,
    /// The scenario files that describe the tenant.
    scenarios: Vec<String>,
    id: String,
    domain: String,
    apps: Vec<AppCredentials>,
    sign_ins: usize,
    audits: usize,
    /// The lab's queries: one window per file that logged something, and whether the file
    /// logged sign-ins and audits in it.
    windows: Vec<QueryWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QueryWindow {
    from: Timestamp,
    to: Timestamp,
    sign_ins: bool,
    audits: bool,
}

/// A simulated scenario as a tenant of the mock, with the faults the scenario asks for.
pub fn tenant_config(scenario: &Scenario) -> TenantConfig {
    tenant_config_of(&[scenario])
}

/// The scenario files of one tenant (as `scenario::group_tenants` groups them) as one tenant
/// of the mock: every file's records, the app registrations of all of them (one per client
/// id), the faults they agree on, seeded by the first file.
pub fn tenant_config_of(files: &[&Scenario]) -> TenantConfig {
    let scenario = files[0];
    let store = match files
        .iter()
        .find_map(|s| s.tenant.identity_protection.as_ref())
    {
        None => Store::from_records(sim::simulate_tenant(files).filter_map(|item| item.record)),
        Some(protection) => {
            let (records, outcome) = sim::risk::simulate_tenant_with_risk(files);
            let mut store = Store::from_records(records);
            store.risk = crate::store::RiskStore::new(
                match protection.license {
                    crate::scenario::RiskLicense::P2 => crate::store::RiskTier::P2,
                    crate::scenario::RiskLicense::P1 => crate::store::RiskTier::P1,
                    crate::scenario::RiskLicense::Free => crate::store::RiskTier::Free,
                },
                outcome.detections,
                outcome.history,
            );
            store
        }
    };
    let mut apps: Vec<AppCredentials> = Vec::new();
    for a in files.iter().flat_map(|s| &s.app_registrations) {
        if apps.iter().any(|known| known.client_id == a.client_id) {
            continue;
        }
        apps.push(AppCredentials {
            display_name: a.display_name.clone(),
            client_id: a.client_id.clone(),
            client_secret: a.client_secret.clone(),
            roles: a.permissions.clone(),
        });
    }
    let faults = &scenario.faults;
    let seconds = |ticks: i64| (ticks.max(0) / 10_000_000) as u64;
    TenantConfig {
        name: files
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        id: sim::tenant_id(scenario),
        domain: scenario.tenant.domain.clone(),
        display_name: scenario.tenant.display_name.clone(),
        premium: scenario.tenant.premium,
        apps,
        store,
        faults: FaultConfig {
            throttle: faults
                .throttle
                .map(|t| (t.requests, seconds(t.window_ticks).max(1))),
            latency_ms: (faults.latency_ticks.max(0) / 10_000) as u64,
            server_error_rate: faults.server_error_rate,
            ingestion_delay: faults.ingestion_delay.map(|d| {
                (
                    seconds(d.min_ticks),
                    seconds(d.median_ticks),
                    seconds(d.max_ticks),
                )
            }),
        },
        seed: scenario.seed,
    }
}

fn tenant(files: &[&Scenario], args: &ServeArgs) -> (TenantSummary, TenantConfig) {
    let mut config = tenant_config_of(files);
    let faults = &mut config.faults;
    faults.throttle = args.throttle.or(faults.throttle);
    faults.latency_ms = args.latency.unwrap_or(faults.latency_ms);
    faults.server_error_rate = args.server_errors.unwrap_or(faults.server_error_rate);
    if let Some(median_ms) = args.ingestion_delay {
        faults.ingestion_delay = Some((0, median_ms / 1000, median_ms * 3 / 1000));
    }
    let store = &config.store;
    // The lab's queries, one per file: from the timeline's start to the next 5-minute mark
    // after the file's last record.
    let mut windows: Vec<QueryWindow> = Vec::new();
    if let [scenario] = files {
        // One file: its records are the store's (a large one is not simulated twice).
        let sign_ins = store.sign_ins.iter().map(|s| (s.created_date_time, true));
        let audits = store.audits.iter().map(|a| (a.activity_date_time, false));
        windows.extend(query_window(scenario.start, sign_ins.chain(audits)));
    } else {
        for scenario in files {
            let times = sim::simulate(scenario).filter_map(|item| match item.record? {
                crate::graph::Record::SignIn(s) => Some((s.created_date_time, true)),
                crate::graph::Record::Audit(a) => Some((a.activity_date_time, false)),
            });
            if let Some(window) = query_window(scenario.start, times)
                && !windows.contains(&window)
            {
                windows.push(window);
            }
        }
    }
    let summary = TenantSummary {
        name: config.name.clone(),
        scenarios: files.iter().map(|s| s.name.clone()).collect(),
        id: config.id.clone(),
        domain: config.domain.clone(),
        apps: config.apps.clone(),
        sign_ins: store.sign_ins.len(),
        audits: store.audits.len(),
        windows,
    };
    (summary, config)
}

/// From the timeline's start to the next 5-minute mark after the last record; `times` are
/// (time, whether it is a sign-in).
fn query_window(
    start: Timestamp,
    times: impl Iterator<Item = (Timestamp, bool)>,
) -> Option<QueryWindow> {
    let (mut last, mut sign_ins, mut audits) = (None, false, false);
    for (time, sign_in) in times {
        last = last.max(Some(time));
        sign_ins |= sign_in;
        audits |= !sign_in;
    }
    let last = last?;
    let from = start.min(last).unix_seconds();
    let to = last.plus_seconds(1).unix_seconds();
    Some(QueryWindow {
        from: Timestamp::from_unix_seconds(from - from.rem_euclid(60)),
        to: Timestamp::from_unix_seconds(to + (300 - to.rem_euclid(300)) % 300),
        sign_ins,
        audits,
    })
}

fn info(base: &str, cert: Option<&Path>, tenants: &[TenantSummary]) -> serde_json::Value {
    let cacert = cert
        .map(|c| format!("--cacert {} ", c.display()))
        .unwrap_or_default();
    let tenants: Vec<serde_json::Value> = tenants
        .iter()
        .map(|t| {
            let app = t.apps.first();
            let mut curl = Vec::new();
            if let Some(app) = app {
                curl.push(format!(
                    "TOKEN=$(curl -s {cacert}-X POST {base}/{}/oauth2/v2.0/token -d client_id={} -d client_secret={} -d grant_type=client_credentials --data-urlencode scope=https://graph.microsoft.com/.default | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')",
                    t.id, app.client_id, app.client_secret
                ));
                for window in &t.windows {
                    let from = window.from.to_graph_string(Precision::Seconds);
                    let to = window.to.to_graph_string(Precision::Seconds);
                    for (logged, path, field) in [(window.sign_ins, "signIns", "createdDateTime"), (window.audits, "directoryAudits", "activityDateTime")] {
                        if logged {
                            curl.push(format!(
                                "curl -s {cacert}-H \"Authorization: Bearer $TOKEN\" \"{base}/v1.0/auditLogs/{path}?\\$filter={field}%20ge%20{from}%20and%20{field}%20lt%20{to}\""
                            ));
                        }
                    }
                }
            }
            let workspace = crate::server::workspace_id(&t.id);
            json!({
                "name": t.name,
                "scenarios": t.scenarios,
                "tenant_id": t.id,
                "workspace_id": workspace,
                "logs_curl": app.map(|app| logs_curl(base, &cacert, &t.id, app, &workspace)).unwrap_or_default(),
                "domain": t.domain,
                "client_id": app.map(|a| a.client_id.clone()),
                "client_secret": app.map(|a| a.client_secret.clone()),
                "sign_ins": t.sign_ins,
                "directory_audits": t.audits,
                "curl": curl,
            })
        })
        .collect();
    json!({
        "base_url": base,
        "authority": base,
        "graph_url": format!("{base}/v1.0"),
        "logs_url": format!("{base}/v1"),
        "certificate": cert.map(|c| c.display().to_string()),
        "tenants": tenants,
    })
}

/// A Log Analytics token and a query of the tenant's workspace that counts the rows of each
/// table, ready to paste.
fn logs_curl(
    base: &str,
    cacert: &str,
    tenant: &str,
    app: &AppCredentials,
    workspace: &str,
) -> Vec<String> {
    vec![
        format!(
            "LA_TOKEN=$(curl -s {cacert}-X POST {base}/{tenant}/oauth2/v2.0/token -d client_id={} -d client_secret={} -d grant_type=client_credentials --data-urlencode scope=https://api.loganalytics.io/.default | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')",
            app.client_id, app.client_secret
        ),
        format!(
            "curl -s {cacert}-X POST {base}/v1/workspaces/{workspace}/query -H \"Authorization: Bearer $LA_TOKEN\" -H 'Content-Type: application/json' -d '{{\"query\": \"union withsource=Table SigninLogs, AADNonInteractiveUserSignInLogs, AuditLogs | summarize count() by Table\"}}'"
        ),
    ]
}

fn human(info: &serde_json::Value) -> String {
    let mut text = format!(
        "entralab mock Graph listening on {}\n",
        info["base_url"].as_str().unwrap_or("")
    );
    if let Some(cert) = info["certificate"].as_str() {
        text.push_str(&format!("  certificate: {cert}  (trust it: curl --cacert, REQUESTS_CA_BUNDLE / SSL_CERT_FILE for Python, NODE_EXTRA_CA_CERTS for Node.js)\n"));
    }
    text.push_str(&format!(
        "  authority: {}   Graph base URL: {}\n",
        info["authority"].as_str().unwrap_or(""),
        info["graph_url"].as_str().unwrap_or("")
    ));
    text.push_str(match info["signing_key"].as_str() {
        Some("key-file") => "  tokens signed with the --key-file secret: serves given the same one accept them\n",
        Some("environment") => "  tokens signed with the $ENTRALAB_SIGNING_KEY secret: serves given the same one accept them\n",
        _ => "  tokens signed with a key random to this process: other serves refuse them (share one with --key-file or $ENTRALAB_SIGNING_KEY)\n",
    });
    for t in info["tenants"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "\ntenant {} ({}): {} sign-ins, {} directory audits\n  tenant id {}  client id {}  client secret {}\n",
            t["name"].as_str().unwrap_or(""),
            t["domain"].as_str().unwrap_or(""),
            t["sign_ins"],
            t["directory_audits"],
            t["tenant_id"].as_str().unwrap_or(""),
            t["client_id"].as_str().unwrap_or("(no app registration)"),
            t["client_secret"].as_str().unwrap_or("-"),
        ));
        for command in t["curl"].as_array().into_iter().flatten() {
            text.push_str(&format!("  {}\n", command.as_str().unwrap_or("")));
        }
        text.push_str(&format!(
            "  Log Analytics workspace {}  ({}/workspaces/{}/query)\n",
            t["workspace_id"].as_str().unwrap_or(""),
            info["logs_url"].as_str().unwrap_or(""),
            t["workspace_id"].as_str().unwrap_or(""),
        ));
        for command in t["logs_curl"].as_array().into_iter().flatten() {
            text.push_str(&format!("  {}\n", command.as_str().unwrap_or("")));
        }
    }
    text.push_str("\nCtrl-C stops the server.\n");
    text
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| e.to_string())
}

fn parse_duration_ms(text: &str) -> Result<u64, String> {
    DurationValue::parse(text).map(|d| (d.ticks() / 10_000) as u64)
}

/// Whole seconds from 1s to a day (Entra's configurable token lifetimes stop at a day).
fn parse_token_lifetime(text: &str) -> Result<u64, String> {
    let ticks = DurationValue::parse(text)?.ticks();
    if ticks % 10_000_000 != 0 {
        return Err("the token lifetime is whole seconds, e.g. 30s or 1h".into());
    }
    match ticks / 10_000_000 {
        seconds @ 1..=86_400 => Ok(seconds as u64),
        _ => Err("the token lifetime is from 1s to 24h".into()),
    }
}

fn parse_throttle(text: &str) -> Result<(u32, u64), String> {
    let (requests, window) = text
        .split_once('/')
        .ok_or("write requests/window, e.g. 5/10s")?;
    let requests: u32 = requests
        .trim()
        .parse()
        .ok()
        .filter(|r| *r > 0)
        .ok_or("the request budget is a whole number of 1 or more")?;
    let window = DurationValue::parse(window)?.ticks() / 10_000_000;
    if window < 1 {
        return Err("the window is at least 1s".into());
    }
    Ok((requests, window as u64))
}
