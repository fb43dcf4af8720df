//! `kafka://HOST:PORT/TOPIC` and `kafka+ssl://NAMESPACE.servicebus.windows.net:9093/HUB`: where
//! records go to or come from, parsed once with a hint for each mistake.
//!
//! | part | meaning |
//! |---|---|
//! | `kafka://` | plaintext, no authentication (a local broker); default port 9092 |
//! | `kafka+ssl://` | TLS (rustls, the system's trust store) and SASL PLAIN, as Event Hubs' Kafka endpoint wants; default port 9093 |
//! | `USER@` | the SASL user; `$ConnectionString` by default (Event Hubs) |
//! | `/TOPIC` | the Kafka topic, i.e. the event hub |
//! | `?partitions=N` | partitions of a topic that `generate` creates (default [`DEFAULT_PARTITIONS`]) |
//! | `?timeout=SECONDS` | how long connecting and each request keep retrying (default [`DEFAULT_TIMEOUT_SECS`]) |
//! | `?password_env=NAME` | the environment variable holding the SASL password (default [`DEFAULT_PASSWORD_ENV`]) |
//! | `?ca_cert=PATH` | trust only this PEM certificate (a broker with a private CA) instead of the system's |
//!
//! The password is never part of the URL, so that it stays out of shell history and process
//! listings.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Partitions of a topic `generate --to` creates when it does not exist.
pub const DEFAULT_PARTITIONS: i32 = 3;
/// Seconds that connecting and each request keep retrying (with backoff) before giving up.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// The environment variable with the SASL password: for Event Hubs, the connection string.
pub const DEFAULT_PASSWORD_ENV: &str = "EVENTHUB_CONNECTION_STRING";
/// The SASL user Event Hubs expects with a connection string as the password.
pub const EVENT_HUBS_USER: &str = "$ConnectionString";

/// A parsed `kafka://` or `kafka+ssl://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaUrl {
    /// TLS and SASL PLAIN (`kafka+ssl://`).
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub topic: String,
    /// The SASL user: given in the URL, or [`EVENT_HUBS_USER`] over TLS; `None` for no SASL.
    pub user: Option<String>,
    pub partitions: i32,
    pub timeout: Duration,
    pub password_env: String,
    pub ca_cert: Option<PathBuf>,
}

impl KafkaUrl {
    /// `host:port`, as the client dials it.
    pub fn broker(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Whether `text` names a Kafka topic rather than a file.
pub fn is_kafka_url(text: &str) -> bool {
    let lower = text.get(..12).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("kafka://") || lower.starts_with("kafka+ssl://")
}

impl fmt::Display for KafkaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "kafka+ssl" } else { "kafka" };
        write!(f, "{scheme}://{}/{}", self.broker(), self.topic)
    }
}

/// A URL that is not a Kafka topic, and how to write one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{url}` is not a Kafka topic URL: {problem}\n  hint: write kafka://HOST:PORT/TOPIC (e.g. kafka://127.0.0.1:9092/entra-logs), or for Event Hubs kafka+ssl://NAMESPACE.servicebus.windows.net:9093/HUB with the connection string in ${DEFAULT_PASSWORD_ENV}"
)]
pub struct BadKafkaUrl {
    pub url: String,
    pub problem: String,
}

impl FromStr for KafkaUrl {
    type Err = BadKafkaUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |problem: &str| BadKafkaUrl {
            url: text.to_string(),
            problem: problem.to_string(),
        };
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| bad("it has no scheme (kafka:// or kafka+ssl://)"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "kafka" => false,
            "kafka+ssl" => true,
            _ => {
                return Err(bad(&format!(
                    "the scheme `{scheme}` is neither kafka nor kafka+ssl"
                )));
            }
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, topic) = rest
            .split_once('/')
            .ok_or_else(|| bad("it names no topic after the broker (/TOPIC)"))?;
        let (user, host_port) = match authority.rsplit_once('@') {
            Some(("", host_port)) => {
                return Err(bad(&format!("the user before `@{host_port}` is empty")));
            }
            Some((user, host_port)) => (Some(user.to_string()), host_port),
            None => (None, authority),
        };
        let (host, port) = split_host_port(host_port).map_err(|p| bad(&p))?;
        let port = port.unwrap_or(if tls { 9093 } else { 9092 });
        check_topic(topic).map_err(|p| bad(&p))?;
        let mut url = KafkaUrl {
            tls,
            host,
            port,
            topic: topic.to_string(),
            user: user.or_else(|| tls.then(|| EVENT_HUBS_USER.to_string())),
            partitions: DEFAULT_PARTITIONS,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            password_env: DEFAULT_PASSWORD_ENV.to_string(),
            ca_cert: None,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "partitions" => {
                    url.partitions = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=1024).contains(n))
                        .ok_or_else(|| bad("partitions= takes a number from 1 to 1024"))?;
                }
                "timeout" => {
                    let seconds: u64 = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=3600).contains(n))
                        .ok_or_else(|| bad("timeout= takes seconds, from 1 to 3600"))?;
                    url.timeout = Duration::from_secs(seconds);
                }
                "password_env" if !value.is_empty() => url.password_env = value.to_string(),
                "ca_cert" if !value.is_empty() => url.ca_cert = Some(PathBuf::from(value)),
                _ => {
                    return Err(bad(&format!(
                        "unknown or empty option `{pair}` (known: partitions=N, timeout=SECONDS, password_env=NAME, ca_cert=PATH)"
                    )));
                }
            }
        }
        Ok(url)
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(text: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or("an IPv6 address opened with `[` is never closed")?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("`{after}` after the address is not :PORT")),
            },
        }
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() {
        return Err("it names no broker host".into());
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(format!("`{host}` is not a host name or address"));
    }
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("`{p}` is not a port (1-65535)"))
        })
        .transpose()?;
    Ok((host.to_string(), port))
}

/// Kafka topic names: 1-249 of `[a-zA-Z0-9._-]` (Event Hub names are a subset).
fn check_topic(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("it names no topic after the broker (/TOPIC)".into());
    }
    if topic.len() > 249 || topic == "." || topic == ".." {
        return Err(format!("`{topic}` is not a usable topic name"));
    }
    match topic
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        Some(c) => Err(format!(
            "the topic `{topic}` has `{c}`; topic names are letters, digits, `.`, `_` and `-`"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_broker_url_parses_with_defaults() {
        let url: KafkaUrl = "kafka://127.0.0.1:19092/entra-logs".parse().unwrap();
        assert!(!url.tls);
        assert_eq!(url.broker(), "127.0.0.1:19092");
        assert_eq!(url.topic, "entra-logs");
        assert_eq!(url.user, None);
        assert_eq!(url.partitions, DEFAULT_PARTITIONS);
        assert_eq!(url.to_string(), "kafka://127.0.0.1:19092/entra-logs");
        let url: KafkaUrl = "kafka://broker/t".parse().unwrap();
        assert_eq!(url.port, 9092);
    }

    #[test]
    fn the_event_hubs_form_uses_tls_and_the_connection_string_user() {
        let url: KafkaUrl =
            "kafka+ssl://contoso.servicebus.windows.net/signins?partitions=8&timeout=5"
                .parse()
                .unwrap();
        assert!(url.tls);
        assert_eq!(url.port, 9093);
        assert_eq!(url.user.as_deref(), Some("$ConnectionString"));
        assert_eq!(url.partitions, 8);
        assert_eq!(url.timeout, Duration::from_secs(5));
        assert_eq!(url.password_env, DEFAULT_PASSWORD_ENV);
        let url: KafkaUrl = "kafka+ssl://svc@[::1]:9093/t?password_env=MY_PW&ca_cert=/tmp/ca.pem"
            .parse()
            .unwrap();
        assert_eq!(url.user.as_deref(), Some("svc"));
        assert_eq!(url.broker(), "[::1]:9093");
        assert_eq!(url.password_env, "MY_PW");
        assert_eq!(url.ca_cert, Some(PathBuf::from("/tmp/ca.pem")));
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        for (text, problem) in [
            ("127.0.0.1:9092/t", "no scheme"),
            ("http://h:1/t", "neither kafka nor kafka+ssl"),
            ("kafka://h:1", "names no topic"),
            ("kafka://h:1/", "names no topic"),
            ("kafka://:1/t", "no broker host"),
            ("kafka://h:x/t", "`x` is not a port"),
            ("kafka://h:0/t", "`0` is not a port"),
            ("kafka://h:1/a/b", "has `/`"),
            ("kafka://h:1/t?partitions=0", "partitions="),
            (
                "kafka://h:1/t?color=red",
                "unknown or empty option `color=red`",
            ),
            ("kafka://@h:1/t", "user before"),
        ] {
            let e = text.parse::<KafkaUrl>().unwrap_err();
            assert!(e.problem.contains(problem), "{text}: {}", e.problem);
            assert!(
                e.to_string()
                    .contains("hint: write kafka://HOST:PORT/TOPIC")
            );
        }
    }

    #[test]
    fn kafka_urls_are_told_from_paths() {
        assert!(is_kafka_url("kafka://h/t"));
        assert!(is_kafka_url("KAFKA+SSL://h/t"));
        assert!(!is_kafka_url("logs/signIns.json"));
        assert!(!is_kafka_url("kafka"));
    }
}
