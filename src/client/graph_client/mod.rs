//! The blocking Graph client: token, paging, retries.

mod exchange;
mod token_requests;

use super::config::{ClientConfig, Secret};
use super::error::ClientError;
use super::retry::{Backoff, human};
use super::token::AccessToken;
use crate::graph::{DirectoryAudit, Record, SignIn};
use exchange::{Exchange, error_chain};
use reqwest::blocking::Client;
use reqwest::header::ACCEPT;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// How many past access tokens are remembered, to scrub them from server text.
const REMEMBERED_TOKENS: usize = 4;

/// What one listing took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListStats {
    /// Pages read (successful answers).
    pub pages: u32,
    /// Records handed to the sink.
    pub records: u64,
    /// Requests sent again: after 429, 5xx, a transport error, or a 401 that renewed the token
    /// (token requests included).
    pub retries: u32,
    /// 429 answers (from Graph or the token endpoint).
    pub throttled: u32,
}

/// The audit log collections the typed helpers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    SignIns,
    DirectoryAudits,
}

impl LogKind {
    /// The path under the Graph base.
    pub fn resource(self) -> &'static str {
        match self {
            LogKind::SignIns => "auditLogs/signIns",
            LogKind::DirectoryAudits => "auditLogs/directoryAudits",
        }
    }
}

/// A synchronous Microsoft Graph client for the audit log APIs, working the same against the
/// entralab mock and a live tenant. Not for use inside an async runtime (it blocks); call it
/// from a plain thread or `spawn_blocking`.
pub struct GraphClient {
    config: ClientConfig,
    http: Client,
    graph_base: String,
    token_url: String,
    token: Option<AccessToken>,
    /// Tokens issued to this client (newest last), only to scrub them from text.
    issued: Vec<String>,
    backoff: Backoff,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("config", &self.config)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl GraphClient {
    /// Checks the URLs, loads the extra root certificate and builds the HTTP client. Sends
    /// nothing: the token is requested with the first Graph request.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        Self::build(config, None)
    }

    /// A client for another tenant or app of the same hosts, sharing this one's connections
    /// and TLS set-up (building those is most of a client's cost).
    pub fn for_tenant(
        &self,
        tenant_id: &str,
        client_id: &str,
        client_secret: Secret,
    ) -> Result<Self, ClientError> {
        let config = ClientConfig {
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            client_secret,
            ..self.config.clone()
        };
        Self::build(config, Some(self.http.clone()))
    }

    fn build(config: ClientConfig, http: Option<Client>) -> Result<Self, ClientError> {
        let authority = config.authority.trim_end_matches('/').to_string();
        let graph_base = config.graph_base.trim_end_matches('/').to_string();
        for (name, url) in [("authority", &authority), ("graph_base", &graph_base)] {
            match reqwest::Url::parse(url) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
                _ => {
                    return Err(ClientError::Config(format!(
                        "{name} {url:?} is not an http(s) URL"
                    )));
                }
            }
        }
        if config.tenant_id.trim().is_empty() || config.tenant_id.contains(['/', '?', '#']) {
            return Err(ClientError::Config(format!(
                "tenant id {:?} is not a tenant id or domain",
                config.tenant_id
            )));
        }
        let token_url = format!("{authority}/{}/oauth2/v2.0/token", config.tenant_id.trim());
        reqwest::Url::parse(&token_url)
            .map_err(|e| ClientError::Config(format!("token URL {token_url:?}: {e}")))?;
        if config.retry.max_attempts == 0 {
            return Err(ClientError::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }

        // The project uses rustls with ring (axum-server); reqwest is built without a provider.
        // Installing fails harmlessly when a default is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if let Some(http) = http {
            let backoff = Backoff::new(config.retry);
            return Ok(GraphClient {
                config,
                http,
                graph_base,
                token_url,
                token: None,
                issued: Vec::new(),
                backoff,
            });
        }
        let mut builder = Client::builder()
            .user_agent(concat!("entralab/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout);
        let mut extra = Vec::new();
        if let Some(pem) = &config.extra_root_certificate_pem {
            extra = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ClientError::Config(format!("extra root certificate: {}", error_chain(&e)))
            })?;
            if extra.is_empty() {
                return Err(ClientError::Config(
                    "extra root certificate: no certificate in the PEM".into(),
                ));
            }
        }
        builder = if config.system_roots {
            builder.tls_certs_merge(extra)
        } else {
            builder.tls_certs_only(extra)
        };
        let http = builder
            .build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {}", error_chain(&e))))?;
        let backoff = Backoff::new(config.retry);
        Ok(GraphClient {
            config,
            http,
            graph_base,
            token_url,
            token: None,
            issued: Vec::new(),
            backoff,
        })
    }

    /// After a transport error on attempt `attempt` of `what` (`GET <url>`): gives up when no
    /// attempt is left, else logs, counts the retry and waits the backoff.
    fn after_transport_error(
        &mut self,
        what: &str,
        url: &str,
        reason: String,
        attempt: u32,
        stats: &mut ListStats,
    ) -> Result<(), ClientError> {
        let max = self.config.retry.max_attempts;
        if attempt >= max {
            self.log(&format!(
                "{what} -> {reason}; giving up after {attempt} attempt(s)"
            ));
            return Err(ClientError::Unreachable {
                url: url.to_string(),
                attempts: attempt,
                reason,
            });
        }
        let wait = self.backoff.delay(attempt);
        self.log(&format!("{what} -> {reason}"));
        self.log(&format!(
            "transport error: retrying in {} (backoff, attempt {} of {max})",
            human(wait),
            attempt + 1
        ));
        stats.retries += 1;
        std::thread::sleep(wait);
        Ok(())
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The first page's URL: `{graph_base}/{resource}?$filter=...&$top=...`, the filter
    /// percent-encoded (spaces as `%20`).
    pub fn list_url(&self, resource: &str, filter: Option<&str>, top: Option<usize>) -> String {
        let mut url = format!("{}/{}", self.graph_base, resource.trim_start_matches('/'));
        let mut separator = if url.contains('?') { '&' } else { '?' };
        if let Some(filter) = filter {
            url.push(separator);
            url.push_str("$filter=");
            url.push_str(&crate::graph::encode_query_value(filter));
            separator = '&';
        }
        if let Some(top) = top {
            url.push(separator);
            url.push_str(&format!("$top={top}"));
        }
        url
    }

    /// Lists a collection, e.g. `auditLogs/signIns`: the first page, then every
    /// `@odata.nextLink` as given, until a page has none. Each element of each page's `value`
    /// goes to `sink`, in order.
    pub fn list(
        &mut self,
        resource: &str,
        filter: Option<&str>,
        top: Option<usize>,
        sink: &mut dyn FnMut(Value),
    ) -> Result<ListStats, ClientError> {
        self.list_inner(resource, filter, top, &mut |value| {
            sink(value);
            Ok(())
        })
    }

    /// Lists sign-ins or directory audits as typed records, handing each to `sink`.
    pub fn for_each_record(
        &mut self,
        kind: LogKind,
        filter: Option<&str>,
        top: Option<usize>,
        sink: &mut dyn FnMut(Record),
    ) -> Result<ListStats, ClientError> {
        self.list_inner(kind.resource(), filter, top, &mut |value| {
            let record = match kind {
                LogKind::SignIns => {
                    serde_json::from_value::<SignIn>(value).map(|s| Record::SignIn(Box::new(s)))
                }
                LogKind::DirectoryAudits => serde_json::from_value::<DirectoryAudit>(value)
                    .map(|a| Record::Audit(Box::new(a))),
            }
            .map_err(|e| format!("a record does not read as {kind:?}: {e}"))?;
            sink(record);
            Ok(())
        })
    }

    /// Every sign-in or directory audit matching `filter`, in Graph's order.
    pub fn records(
        &mut self,
        kind: LogKind,
        filter: Option<&str>,
        top: Option<usize>,
    ) -> Result<Vec<Record>, ClientError> {
        let mut records = Vec::new();
        self.for_each_record(kind, filter, top, &mut |record| records.push(record))?;
        Ok(records)
    }

    fn list_inner(
        &mut self,
        resource: &str,
        filter: Option<&str>,
        top: Option<usize>,
        sink: &mut dyn FnMut(Value) -> Result<(), String>,
    ) -> Result<ListStats, ClientError> {
        let mut stats = ListStats::default();
        let mut url = self.list_url(resource, filter, top);
        if let Err(e) = reqwest::Url::parse(&url) {
            return Err(ClientError::Config(format!("list URL {url:?}: {e}")));
        }
        loop {
            let page = self.get_json(&url, &mut stats)?;
            let Value::Object(mut page) = page else {
                return Err(ClientError::Decode {
                    url,
                    message: "the page is not a JSON object".into(),
                });
            };
            let Some(Value::Array(values)) = page.remove("value") else {
                return Err(ClientError::Decode {
                    url,
                    message: "the page has no \"value\" array".into(),
                });
            };
            let next = match page.remove("@odata.nextLink") {
                None | Some(Value::Null) => None,
                Some(Value::String(link)) => Some(link),
                Some(_) => {
                    return Err(ClientError::Decode {
                        url,
                        message: "@odata.nextLink is not a string".into(),
                    });
                }
            };
            stats.pages += 1;
            stats.records += values.len() as u64;
            self.log(&format!(
                "GET {url} -> 200 (page {}, {} records)",
                stats.pages,
                values.len()
            ));
            for value in values {
                sink(value).map_err(|message| ClientError::Decode {
                    url: url.clone(),
                    message,
                })?;
            }
            let Some(next) = next else { return Ok(stats) };
            let next = self.resolve_next_link(&url, next)?;
            if next == url {
                return Err(ClientError::Decode {
                    url,
                    message: "@odata.nextLink points at the page itself".into(),
                });
            }
            url = next;
        }
    }

    /// `@odata.nextLink` is absolute and followed verbatim; a relative one (not what Graph
    /// sends) is resolved against the page it came from.
    fn resolve_next_link(&self, current: &str, next: String) -> Result<String, ClientError> {
        if reqwest::Url::parse(&next).is_ok() {
            return Ok(next);
        }
        let base =
            reqwest::Url::parse(current).expect("the current URL parsed when it was requested");
        let joined = base.join(&next).map_err(|e| ClientError::Decode {
            url: current.to_string(),
            message: format!("@odata.nextLink {next:?}: {e}"),
        })?;
        self.log(&format!("@odata.nextLink is relative; following {joined}"));
        Ok(joined.to_string())
    }

    /// GETs `url` with the bearer token: retries 429/5xx/transport errors, renews the token
    /// once on 401, and returns the parsed JSON of a 2xx answer.
    fn get_json(&mut self, url: &str, stats: &mut ListStats) -> Result<Value, ClientError> {
        let max = self.config.retry.max_attempts;
        let mut attempt = 0u32;
        let mut renewed = false;
        loop {
            attempt += 1;
            let token = self.bearer(stats)?;
            let request = self
                .http
                .get(url)
                .bearer_auth(&token)
                .header(ACCEPT, "application/json");
            let (status, retry_after, body) = match self.exchange(request) {
                Exchange::Answer {
                    status,
                    retry_after,
                    body,
                } => (status, retry_after, body),
                Exchange::Transport(reason) => {
                    self.after_transport_error(&format!("GET {url}"), url, reason, attempt, stats)?;
                    continue;
                }
            };
            if (200..300).contains(&status) {
                return serde_json::from_slice(&body).map_err(|e| ClientError::Decode {
                    url: url.to_string(),
                    message: format!("the answer is not JSON: {e}"),
                });
            }
            self.log(&format!("GET {url} -> {status}"));
            let (code, message) = self.graph_error(&body);
            match status {
                401 if !renewed => {
                    renewed = true;
                    attempt -= 1;
                    self.log(&format!(
                        "401: the access token was refused ({code}); renewing it and retrying once"
                    ));
                    self.token = None;
                    stats.retries += 1;
                }
                429 | 500 | 502 | 503 | 504 => {
                    if status == 429 {
                        stats.throttled += 1;
                    }
                    if attempt >= max {
                        self.log(&format!("{status}: giving up after {attempt} attempt(s)"));
                        return Err(ClientError::Http {
                            status,
                            code,
                            message,
                        });
                    }
                    let wait = self.wait(status, attempt, retry_after);
                    stats.retries += 1;
                    std::thread::sleep(wait);
                }
                _ => {
                    return Err(ClientError::Http {
                        status,
                        code,
                        message,
                    });
                }
            }
        }
    }

    /// How long to wait before the next attempt, logged.
    fn wait(&mut self, status: u16, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let max = self.config.retry.max_attempts;
        let (wait, why) = match retry_after {
            Some(asked) => {
                let wait = self.backoff.cap(asked);
                let why = if wait < asked {
                    format!("Retry-After {}, capped", human(asked))
                } else {
                    "Retry-After".to_string()
                };
                (wait, why)
            }
            None => (self.backoff.delay(attempt), "backoff".to_string()),
        };
        self.log(&format!(
            "{status}: retrying in {} ({why}, attempt {} of {max})",
            human(wait),
            attempt + 1
        ));
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Secret;

    #[test]
    fn filters_are_percent_encoded() {
        assert_eq!(
            crate::graph::encode_query_value(
                "createdDateTime ge 2025-03-17T15:00:00Z and userPrincipalName eq 'a+b@x.com'"
            ),
            "createdDateTime%20ge%202025-03-17T15:00:00Z%20and%20userPrincipalName%20eq%20%27a%2Bb%40x.com%27"
        );
    }

    #[test]
    fn list_urls() {
        let config = ClientConfig::new(
            "http://127.0.0.1:1",
            "http://127.0.0.1:1/v1.0/",
            "t",
            "c",
            Secret::new("s"),
        );
        let client = GraphClient::new(config).unwrap();
        assert_eq!(
            client.list_url("auditLogs/signIns", None, None),
            "http://127.0.0.1:1/v1.0/auditLogs/signIns"
        );
        assert_eq!(
            client.list_url(
                "/auditLogs/signIns",
                Some("status/errorCode eq 50126"),
                Some(10)
            ),
            "http://127.0.0.1:1/v1.0/auditLogs/signIns?$filter=status/errorCode%20eq%2050126&$top=10"
        );
        assert_eq!(
            client.list_url("auditLogs/directoryAudits", None, Some(1)),
            "http://127.0.0.1:1/v1.0/auditLogs/directoryAudits?$top=1"
        );
    }

    #[test]
    fn bad_configuration_is_refused() {
        let bad = |f: &dyn Fn(&mut ClientConfig)| {
            let mut config = ClientConfig::new(
                "https://login.example",
                "https://graph.example/v1.0",
                "t",
                "c",
                Secret::new("s"),
            );
            f(&mut config);
            matches!(GraphClient::new(config), Err(ClientError::Config(_)))
        };
        assert!(bad(&|c| c.authority = "login.example".into()));
        assert!(bad(&|c| c.graph_base = "ftp://graph.example".into()));
        assert!(bad(&|c| c.tenant_id = "".into()));
        assert!(bad(&|c| c.tenant_id = "a/b".into()));
        assert!(bad(&|c| c.retry.max_attempts = 0));
        assert!(bad(
            &|c| c.extra_root_certificate_pem = Some(b"not a pem".to_vec())
        ));
        assert!(!bad(&|_| {}));
    }
}
