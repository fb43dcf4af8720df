//! Where `verify` reads records from: the embedded mock (simulated, served on loopback and read
//! back through the Graph client, as a live run would), a live tenant, or exported files.

use crate::client::{
    ClientConfig, ClientError, GraphClient, LogHook, LogKind, PUBLIC_AUTHORITY, PUBLIC_GRAPH_BASE,
    Secret,
};
use crate::graph::{Precision, Record, Timestamp};
use crate::scenario::{RecordKind, Scenario};
use crate::server::{self, Clock, ServerConfig};
use crate::sim;
use std::collections::BTreeMap;

/// Records fetched for one scenario, and how to read their order.
pub struct Fetched {
    pub records: Vec<Record>,
    /// Graph lists newest first; exported streams are oldest first.
    pub newest_first: bool,
    pub description: String,
    /// ID Protection detections, read when the scenario has ID Protection and `detections:`.
    pub risk: Vec<crate::graph::RiskDetection>,
    /// ID Protection risky users, read when an expectation selects them.
    pub risky_users: Vec<crate::graph::RiskyUser>,
}

/// Why records could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source could not be reached or refused us (exit code 3).
    #[error("{0}")]
    Unreachable(String),
    /// The request or the input was wrong (exit code 2).
    #[error("{0}")]
    BadInput(String),
}

impl From<ClientError> for SourceError {
    fn from(e: ClientError) -> Self {
        if e.is_unreachable() {
            SourceError::Unreachable(e.to_string())
        } else {
            SourceError::BadInput(e.to_string())
        }
    }
}

/// The time window a scenario's logs fall in: from the timeline start (or the first record)
/// to just after the last record.
pub fn scenario_window(scenario: &Scenario) -> (Timestamp, Timestamp) {
    let mut first = scenario.start;
    let mut last = scenario.start;
    for item in sim::simulate(scenario) {
        if let Some(record) = item.record {
            first = first.min(record.time());
            last = last.max(record.time());
        }
    }
    (
        first.truncate_to_seconds(),
        last.truncate_to_seconds().plus_seconds(1),
    )
}

/// Which collections the expectations read.
pub fn kinds(scenario: &Scenario) -> Vec<LogKind> {
    let mut kinds = Vec::new();
    for (kind, log) in [
        (RecordKind::SignIns, LogKind::SignIns),
        (RecordKind::Audits, LogKind::DirectoryAudits),
    ] {
        if scenario.expectations.iter().any(|e| e.kind == kind) {
            kinds.push(log);
        }
    }
    kinds
}

/// Reads every collection the scenario needs within the window through one client.
pub fn fetch_graph(
    client: &mut GraphClient,
    kinds: &[LogKind],
    window: (Timestamp, Timestamp),
    verbose: u8,
    note: &mut dyn FnMut(String),
) -> Result<(Vec<Record>, String), SourceError> {
    let mut records = Vec::new();
    let mut counts = Vec::new();
    for kind in kinds {
        let field = match kind {
            LogKind::SignIns => "createdDateTime",
            LogKind::DirectoryAudits => "activityDateTime",
        };
        let filter = format!(
            "{field} ge {} and {field} lt {}",
            window.0.to_graph_string(Precision::Seconds),
            window.1.to_graph_string(Precision::Seconds)
        );
        let before = records.len();
        let stats = client.for_each_record(*kind, Some(&filter), None, &mut |r| records.push(r))?;
        if verbose >= 1 {
            note(format!(
                "{}: {} records in {} pages ({} retries, {} throttled) for $filter={filter}",
                kind.resource(),
                stats.records,
                stats.pages,
                stats.retries,
                stats.throttled
            ));
        }
        counts.push(format!(
            "{} {}",
            records.len() - before,
            kind.resource().trim_start_matches("auditLogs/")
        ));
    }
    Ok((records, counts.join(", ")))
}

/// The embedded mock: every tenant the scenarios describe (files that name one tenant are one
/// tenant, as `serve` makes them) on one server on an ephemeral loopback port,
/// alive while this value is. Plain HTTP: on loopback TLS only adds a certificate and
/// handshakes; `verify --against live` at `entralab serve` exercises the HTTPS path.
pub struct Mock {
    /// Runs the server; dropped after it, when the mock goes.
    _runtime: tokio::runtime::Runtime,
    running: server::Running,
    /// The first client made; later ones share its connections and TLS set-up.
    first: std::cell::OnceCell<GraphClient>,
}

impl Mock {
    pub fn start(scenarios: &[Scenario]) -> Result<Mock, SourceError> {
        let tenants = super::inputs::tenants(scenarios)
            .iter()
            .map(|t| super::serve::tenant_config_of(&super::inputs::members(scenarios, t)))
            .collect();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| SourceError::Unreachable(format!("cannot start the mock: {e}")))?;
        let config = ServerConfig {
            tenants,
            clock: Clock::System,
            token_lifetime: server::DEFAULT_TOKEN_LIFETIME,
        };
        let running = runtime
            .block_on(server::start(config, ([127, 0, 0, 1], 0).into(), None))
            .map_err(|e| SourceError::Unreachable(format!("cannot start the mock: {e}")))?;
        Ok(Mock {
            _runtime: runtime,
            running,
            first: std::cell::OnceCell::new(),
        })
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.running.addr.port())
    }

    /// A client for the tenant of `scenario`, with its first app registration.
    pub fn client(
        &self,
        scenario: &Scenario,
        log: Option<LogHook>,
    ) -> Result<GraphClient, SourceError> {
        let app = scenario.app_registrations.first().ok_or_else(|| {
            SourceError::BadInput(format!(
                "{} declares no app registration to read the mock with: add one under `app_registrations:`",
                scenario.source.display()
            ))
        })?;
        let tenant = sim::tenant_id(scenario);
        let secret = Secret::new(app.client_secret.clone());
        if let Some(first) = self.first.get() {
            return Ok(first.for_tenant(&tenant, &app.client_id, secret)?);
        }
        let mut config = ClientConfig::new(
            self.base(),
            format!("{}/v1.0", self.base()),
            tenant,
            app.client_id.clone(),
            secret,
        );
        config.log = log;
        config.system_roots = false;
        let client = GraphClient::new(config)?;
        let shared = client.for_tenant(
            &client.config().tenant_id,
            &app.client_id,
            Secret::new(app.client_secret.clone()),
        )?;
        let _ = self.first.set(client);
        Ok(shared)
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.running.shutdown();
    }
}

/// Settings for a live tenant (or any Graph, such as a running `entralab serve`).
pub struct Live {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub authority: Option<String>,
    pub graph_url: Option<String>,
    pub ca_cert: Option<Vec<u8>>,
}

impl Live {
    /// From azure-identity's environment variables.
    pub fn from_env(
        authority: Option<String>,
        graph_url: Option<String>,
        ca_cert: Option<Vec<u8>>,
    ) -> Result<Live, SourceError> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| SourceError::BadInput(format!("--against live needs {name} in the environment (with AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)")))
        };
        Ok(Live {
            tenant_id: var("AZURE_TENANT_ID")?,
            client_id: var("AZURE_CLIENT_ID")?,
            client_secret: Secret::new(var("AZURE_CLIENT_SECRET")?),
            authority,
            graph_url,
            ca_cert,
        })
    }

    pub fn client(&self, log: Option<LogHook>) -> Result<GraphClient, SourceError> {
        let authority = self
            .authority
            .clone()
            .unwrap_or_else(|| PUBLIC_AUTHORITY.into());
        let graph = self
            .graph_url
            .clone()
            .unwrap_or_else(|| PUBLIC_GRAPH_BASE.into());
        let mut config = ClientConfig::new(
            authority,
            graph.trim_end_matches('/').to_string(),
            self.tenant_id.clone(),
            self.client_id.clone(),
            self.client_secret.clone(),
        );
        config.extra_root_certificate_pem = self.ca_cert.clone();
        config.log = log;
        Ok(GraphClient::new(config)?)
    }
}

/// `user02=alice@contoso.com` pairs, for mapping scenario users onto real accounts.
pub fn parse_user_map(pairs: &[String]) -> Result<BTreeMap<String, String>, String> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .filter(|(k, v)| !k.is_empty() && v.contains('@'))
                .map(|(k, v)| (k.to_string(), v.to_lowercase()))
                .ok_or_else(|| format!("`{pair}` is not user=upn, e.g. user02=alice@contoso.com"))
        })
        .collect()
}

/// "1 bad record skipped", "3 bad records skipped": the summary's word for skipped records.
pub fn skipped_text(bad_records: usize) -> String {
    format!(
        "{} skipped",
        counted(bad_records, "bad record", "bad records")
    )
}

/// A count and its noun: "1 risk detection", "2 risk detections".
pub fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
