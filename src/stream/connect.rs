//! Connecting to a broker: TLS and SASL PLAIN as the URL asks, retries with exponential
//! backoff up to the URL's timeout, and errors sorted into "cannot reach" (exit 3) and "the
//! request is wrong" (exit 2).
//!
//! A refused login (SASL) or a certificate we do not trust (TLS) is final: retrying only
//! repeats it, and rskafka retries every connection error alike until the deadline. So a
//! client with TLS or credentials first makes one attempt without retries; when the broker
//! refused the login or its certificate was refused, that is the answer at once (exit 3),
//! otherwise the retrying client follows. The probe's
//! client is dropped even when it connected: rskafka keeps a client's backoff for every
//! later request, and that one's gives up at the first failure.

use super::address::KafkaUrl;
use rskafka::BackoffConfig;
use rskafka::client::{Client, ClientBuilder, Credentials, SaslConfig};
use std::sync::Arc;
use std::time::Duration;

/// Why a topic could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The broker could not be reached, refused us, or kept failing (exit code 3).
    #[error("{0}")]
    Unreachable(String),
    /// The request or the input was wrong (exit code 2).
    #[error("{0}")]
    BadInput(String),
}

impl StreamError {
    pub fn exit(&self) -> crate::exit::Exit {
        match self {
            StreamError::Unreachable(_) => crate::exit::Exit::Unreachable,
            StreamError::BadInput(_) => crate::exit::Exit::BadInput,
        }
    }
}

/// A runtime for one command: the CLI is synchronous, the client is not.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, StreamError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StreamError::Unreachable(format!("cannot start the Kafka client: {e}")))
}

/// A client of the broker at `url`, its metadata fetched (so the broker answered).
pub(crate) async fn connect(url: &KafkaUrl) -> Result<Client, StreamError> {
    let tls = match url.tls {
        true => Some(Arc::new(tls_config(url)?)),
        false => None,
    };
    let sasl = match &url.user {
        Some(user) => Some(SaslConfig::Plain(Credentials::new(
            user.clone(),
            password(url, user)?,
        ))),
        None => None,
    };
    let attempt = |deadline: Duration| {
        let mut builder = ClientBuilder::new(vec![url.broker()])
            .client_id("entralab")
            .backoff_config(backoff(deadline));
        if let Some(tls) = &tls {
            builder = builder.tls_config(Arc::clone(tls));
        }
        if let Some(sasl) = &sasl {
            builder = builder.sasl_config(sasl.clone());
        }
        builder.build()
    };
    if sasl.is_some() || tls.is_some() {
        // One attempt (a zero deadline stops rskafka's backoff after the first failure).
        if let Err(e) = attempt(Duration::ZERO).await
            && let Some(refused) = final_failure(url, &one_line(&e))
        {
            return Err(refused);
        }
    }
    attempt(url.timeout).await.map_err(|e| {
        let text = one_line(&e);
        final_failure(url, &text).unwrap_or_else(|| {
            StreamError::Unreachable(format!(
                "cannot reach the Kafka broker {} (gave up after {} s): {text}",
                url.broker(),
                url.timeout.as_secs(),
            ))
        })
    })
}

/// The SASL password, from the environment variable the URL names.
fn password(url: &KafkaUrl, user: &str) -> Result<String, StreamError> {
    std::env::var(&url.password_env)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            StreamError::BadInput(format!(
                "{url} authenticates as `{user}` with the password in the environment variable {0}, which is not set\n  hint: for Event Hubs, export {0}='Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=KEY_NAME;SharedAccessKey=KEY' (never on the command line)",
                url.password_env
            ))
        })
}

/// A failure retrying cannot mend: a refused login or a certificate we do not trust.
fn final_failure(url: &KafkaUrl, error: &str) -> Option<StreamError> {
    refused_login(url, error).or_else(|| untrusted_certificate(url, error))
}

/// What rustls says when it refuses the broker's certificate.
const UNTRUSTED: &str = "invalid peer certificate";

/// "the broker's certificate is not trusted" when `error` (one attempt's) says so.
fn untrusted_certificate(url: &KafkaUrl, error: &str) -> Option<StreamError> {
    let at = error.find(UNTRUSTED)?;
    let trusted = match &url.ca_cert {
        Some(path) => format!("the certificate in ca_cert={}", path.display()),
        None => "the system's trust store".to_string(),
    };
    Some(StreamError::Unreachable(format!(
        "TLS failed: the Kafka broker {} presented a certificate that {trusted} does not vouch for ({})\n  hint: Event Hubs' certificates chain to public roots; for a broker with a private CA, add ca_cert=PATH (a PEM file) to the URL",
        url.broker(),
        &error[at..],
    )))
}

/// The Kafka error codes of a login the broker refused for good, as rskafka names them in
/// its errors (it keeps the failed attempts' errors only as text).
const REFUSED_LOGIN: [&str; 2] = ["SaslAuthenticationFailed", "UnsupportedSaslMechanism"];

/// "authentication failed" when `error` (one attempt's, on one line) says the broker refused
/// the SASL login.
fn refused_login(url: &KafkaUrl, error: &str) -> Option<StreamError> {
    let code = REFUSED_LOGIN.iter().find(|code| error.contains(*code))?;
    let user = url.user.as_deref().unwrap_or_default();
    Some(StreamError::Unreachable(format!(
        "authentication failed: the Kafka broker {} refused the SASL PLAIN login as `{user}` ({code})\n  hint: check the password in ${}; for Event Hubs the user is `$ConnectionString` and the password the whole connection string of a shared access policy (Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=KEY_NAME;SharedAccessKey=KEY) with Send (generate) or Listen (verify, detect) rights",
        url.broker(),
        url.password_env,
    )))
}

/// Exponential backoff from 100 ms, at most 5 s apart, giving up after `deadline`.
fn backoff(deadline: Duration) -> BackoffConfig {
    BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(5),
        base: 3.0,
        deadline: Some(deadline),
    }
}

/// TLS with the system's trust store (Event Hubs), or only the URL's `ca_cert`.
fn tls_config(url: &KafkaUrl) -> Result<rustls::ClientConfig, StreamError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StreamError::BadInput(format!("TLS: {e}")))?;
    let config = match &url.ca_cert {
        Some(path) => {
            let bad = |e: String| {
                StreamError::BadInput(format!("cannot read ca_cert={}: {e}", path.display()))
            };
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("no PEM certificate in it".into()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| bad(e.to_string()))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => builder
            .with_platform_verifier()
            .map_err(|e| StreamError::BadInput(format!("TLS: {e}")))?
            .with_no_client_auth(),
    };
    Ok(config)
}

/// An error and its causes on one line: rskafka nests them.
pub(crate) fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The partitions of `topic` on the broker, `None` when it has no such topic.
pub(crate) async fn partitions_of(
    client: &Client,
    url: &KafkaUrl,
) -> Result<Option<Vec<i32>>, StreamError> {
    let topics = client.list_topics().await.map_err(|e| {
        StreamError::Unreachable(format!(
            "cannot list the topics of {}: {}",
            url.broker(),
            one_line(&e)
        ))
    })?;
    Ok(topics
        .into_iter()
        .find(|t| t.name == url.topic)
        .map(|t| t.partitions.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_password_is_a_usage_error_naming_the_variable() {
        let url: KafkaUrl = "kafka+ssl://127.0.0.1:1/hub?password_env=ENTRALAB_TEST_UNSET_PASSWORD"
            .parse()
            .unwrap();
        let e = runtime().unwrap().block_on(connect(&url)).unwrap_err();
        assert!(matches!(e, StreamError::BadInput(_)), "{e}");
        assert!(
            e.to_string().contains("ENTRALAB_TEST_UNSET_PASSWORD"),
            "{e}"
        );
        assert!(e.to_string().contains("Endpoint=sb://"), "{e}");
    }

    #[test]
    fn the_system_trust_store_loads() {
        let url: KafkaUrl = "kafka+ssl://contoso.servicebus.windows.net/hub"
            .parse()
            .unwrap();
        tls_config(&url).unwrap();
    }

    #[test]
    fn a_refused_login_is_told_from_an_unreachable_broker() {
        let url: KafkaUrl = "kafka+ssl://contoso.servicebus.windows.net/hub"
            .parse()
            .unwrap();
        // What rskafka 0.6 reports after one refused attempt.
        let refused = "Connection error: all retries failed: Retry exceeded deadline. Source: Sasl handshake failed: API error: SaslAuthenticationFailed";
        let e = refused_login(&url, refused).expect("a refused login");
        assert!(matches!(e, StreamError::Unreachable(_)), "{e}");
        let text = e.to_string();
        assert!(text.starts_with("authentication failed: the Kafka broker contoso.servicebus.windows.net:9093 refused the SASL PLAIN login as `$ConnectionString` (SaslAuthenticationFailed)"), "{text}");
        assert!(text.contains("$EVENTHUB_CONNECTION_STRING"), "{text}");
        let unreachable = "Connection error: all retries failed: Retry exceeded deadline. Source: error connecting to broker \"127.0.0.1:1\": IO error: Connection refused (os error 111)";
        assert!(refused_login(&url, unreachable).is_none());
        assert!(final_failure(&url, unreachable).is_none());
    }

    #[test]
    fn an_untrusted_certificate_is_final_and_names_the_trust_it_failed() {
        let url: KafkaUrl = "kafka+ssl://contoso.servicebus.windows.net/hub?ca_cert=/tmp/ca.pem"
            .parse()
            .unwrap();
        let tls = "Connection error: all retries failed: Retry exceeded deadline. Source: error connecting to broker \"contoso.servicebus.windows.net:9093\": TLS error: invalid peer certificate: UnknownIssuer";
        let text = final_failure(&url, tls).expect("final").to_string();
        assert!(text.starts_with("TLS failed: the Kafka broker contoso.servicebus.windows.net:9093 presented a certificate that the certificate in ca_cert=/tmp/ca.pem does not vouch for (invalid peer certificate: UnknownIssuer)"), "{text}");
    }

    #[test]
    fn an_unreachable_broker_is_reported_after_the_timeout() {
        // A port nothing listens on: bind one, then free it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url: KafkaUrl = format!("kafka://127.0.0.1:{port}/t?timeout=1")
            .parse()
            .unwrap();
        let e = runtime().unwrap().block_on(connect(&url)).unwrap_err();
        assert!(matches!(e, StreamError::Unreachable(_)), "{e}");
        assert!(
            e.to_string().contains("cannot reach the Kafka broker"),
            "{e}"
        );
    }
}
