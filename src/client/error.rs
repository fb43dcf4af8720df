//! What can go wrong talking to the login host and Graph. Every string in here has had the
//! client secret and the access token scrubbed out.

/// A failed Graph or token request, after any retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The configuration cannot work (a URL that does not parse, a certificate that does not
    /// load).
    #[error("client configuration: {0}")]
    Config(String),
    /// The token endpoint refused (or answered something that is not a token).
    #[error("authentication failed: HTTP {status}{}{}: {description}", error_part(.error), aadsts_part(*.aadsts))]
    Authentication {
        status: u16,
        /// OAuth's `error`, e.g. `invalid_client`; empty when the body had none.
        error: String,
        /// The AADSTS number, e.g. 7000215.
        aadsts: Option<u32>,
        /// The first line of `error_description` (without trace and correlation ids).
        description: String,
    },
    /// No answer: connection refused, DNS, TLS, timeouts, after every attempt.
    #[error("{url} could not be reached after {attempts} attempt(s): {reason}")]
    Unreachable {
        url: String,
        attempts: u32,
        reason: String,
    },
    /// Graph answered with an error status (for 429 and 5xx: after every attempt).
    #[error("Graph answered HTTP {status}{}: {message}", code_part(.code))]
    Http {
        status: u16,
        /// Graph's `error.code`, e.g. `Authentication_MSGraphPermissionMissing`; empty when the
        /// body was not Graph's error envelope.
        code: String,
        message: String,
    },
    /// A 2xx answer that is not what Graph sends (not JSON, no `value`, a record that does not
    /// deserialize, a `@odata.nextLink` that loops).
    #[error("unexpected answer from {url}: {message}")]
    Decode { url: String, message: String },
}

fn error_part(error: &str) -> String {
    if error.is_empty() {
        String::new()
    } else {
        format!(" {error}")
    }
}

fn aadsts_part(code: Option<u32>) -> String {
    code.map(|c| format!(" (AADSTS{c})")).unwrap_or_default()
}

fn code_part(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

impl ClientError {
    /// Whether the source could not be read at all: transport failures, 429/5xx after every
    /// retry, and authentication or authorization failures (token refused, Graph's 401/403).
    /// The verifier exits 3 for these. Bad queries (400), unknown paths (404), configuration
    /// and decoding errors are not.
    pub fn is_unreachable(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } | ClientError::Authentication { .. } => true,
            ClientError::Http { status, .. } => matches!(status, 401 | 403 | 429) || *status >= 500,
            ClientError::Config(_) | ClientError::Decode { .. } => false,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Authentication { status, .. } | ClientError::Http { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}
