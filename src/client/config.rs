//! What the client is told: where the login host and Graph are, the app's credentials, how
//! hard to retry, and where verbose log lines go.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The public cloud's login host.
pub const PUBLIC_AUTHORITY: &str = "https://login.microsoftonline.com";
/// The public cloud's Graph, v1.0.
pub const PUBLIC_GRAPH_BASE: &str = "https://graph.microsoft.com/v1.0";
/// The scope a client-credentials token for Graph asks for.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Receives one verbose log line at a time. Lines never carry the client secret or a token.
pub type LogHook = Arc<dyn Fn(&str) + Send + Sync>;

/// A client secret. Its `Debug` and `Display` print `[redacted]`; only [`Secret::expose`]
/// gives the value, for the token request body.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How often and how long to retry throttled (429), failing (500, 502, 503, 504) and
/// unreachable requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first one included (at least 1).
    pub max_attempts: u32,
    /// The first backoff; each further attempt doubles it (full jitter).
    pub base_delay: Duration,
    /// The longest wait between attempts, for backoff and for `Retry-After` alike.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Everything the Graph client needs.
#[derive(Clone)]
pub struct ClientConfig {
    /// The login host, e.g. `https://login.microsoftonline.com` (no tenant, no trailing path).
    pub authority: String,
    /// Graph and its version, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The token scope; [`GRAPH_SCOPE`] unless Graph lives in another cloud.
    pub scope: String,
    /// A PEM certificate (or several) to trust besides the system's roots, e.g. the mock's
    /// self-signed one.
    pub extra_root_certificate_pem: Option<Vec<u8>>,
    /// Trust the system's root certificates (default). Off for plain-HTTP loopback use, where
    /// loading them is most of the cost of making a client.
    pub system_roots: bool,
    pub retry: RetryPolicy,
    /// Per HTTP request, connecting included.
    pub timeout: Duration,
    /// Verbose log lines, when wanted.
    pub log: Option<LogHook>,
}

impl ClientConfig {
    /// A configuration with the default scope, retry policy and a 30 s timeout.
    pub fn new(
        authority: impl Into<String>,
        graph_base: impl Into<String>,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        ClientConfig {
            authority: authority.into(),
            graph_base: graph_base.into(),
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret,
            scope: GRAPH_SCOPE.to_string(),
            extra_root_certificate_pem: None,
            system_roots: true,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            log: None,
        }
    }

    /// The public cloud: `login.microsoftonline.com` and Graph v1.0.
    pub fn public_cloud(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        ClientConfig::new(
            PUBLIC_AUTHORITY,
            PUBLIC_GRAPH_BASE,
            tenant_id,
            client_id,
            client_secret,
        )
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("authority", &self.authority)
            .field("graph_base", &self.graph_base)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scope", &self.scope)
            .field(
                "extra_root_certificate_pem",
                &self
                    .extra_root_certificate_pem
                    .as_ref()
                    .map(|pem| format!("<{} bytes of PEM>", pem.len())),
            )
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("log", &self.log.as_ref().map(|_| "<hook>"))
            .finish()
    }
}
