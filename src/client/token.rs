//! Client-credentials tokens: reading the token endpoint's answers and deciding when to renew.

use super::error::ClientError;
use serde_json::Value;
use std::fmt;
use std::time::{Duration, Instant};

/// Renew this long before expiry (or at half-life for tokens shorter than twice this).
pub const RENEW_EARLY: Duration = Duration::from_secs(300);
/// The lifetime assumed when a token answer carries no usable `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3599);

/// A bearer token and when to stop using it. `Debug` never shows the token.
#[derive(Clone)]
pub struct AccessToken {
    pub value: String,
    pub lifetime: Duration,
    pub renew_at: Instant,
}

impl AccessToken {
    pub fn new(value: String, lifetime: Duration, obtained: Instant) -> Self {
        let margin = RENEW_EARLY.min(lifetime / 2);
        AccessToken {
            value,
            lifetime,
            renew_at: obtained + (lifetime - margin),
        }
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.renew_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"[redacted]")
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// A 2xx token answer: the token and its lifetime. `expires_in` may be an integer or a numeric
/// string (MSAL and azure-identity accept both).
pub fn parse_success(body: &[u8]) -> Result<(String, Duration, bool), String> {
    let json: Value = serde_json::from_slice(body)
        .map_err(|_| "the token endpoint's answer is not JSON".to_string())?;
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "the token endpoint's answer has no access_token".to_string())?;
    let expires_in = match json.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s >= 0.0)
    .and_then(|s| Duration::try_from_secs_f64(s).ok());
    let defaulted = expires_in.is_none();
    Ok((
        token.to_string(),
        expires_in.unwrap_or(DEFAULT_LIFETIME),
        defaulted,
    ))
}

/// A refusal from the token endpoint as [`ClientError::Authentication`]. `scrub` removes the
/// secret from anything the server sent back.
pub fn parse_error(status: u16, body: &[u8], scrub: &dyn Fn(&str) -> String) -> ClientError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let error = field("error").unwrap_or_default();
    let full = field("error_description").unwrap_or_default();
    // `AADSTS<code>: <message>\r\nTrace ID: ...`: keep the message line, report the code apart.
    let first_line = full.lines().next().unwrap_or("").trim();
    let (prefix_code, message) = match first_line
        .strip_prefix("AADSTS")
        .and_then(|rest| rest.split_once(':'))
    {
        Some((digits, message))
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (digits.parse::<u32>().ok(), message.trim())
        }
        _ => (None, first_line),
    };
    let listed = json
        .as_ref()
        .and_then(|j| j.get("error_codes"))
        .and_then(Value::as_array)
        .and_then(|codes| codes.first())
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok());
    let description = if json.is_some() {
        message.to_string()
    } else {
        let text = String::from_utf8_lossy(body);
        let snippet: String = text.trim().chars().take(200).collect();
        if snippet.is_empty() {
            "the token endpoint's answer is empty".to_string()
        } else {
            format!("not a token endpoint answer: {snippet}")
        }
    };
    ClientError::Authentication {
        status,
        error: scrub(&error),
        aadsts: listed.or(prefix_code),
        description: scrub(&description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_as_number_or_string() {
        let (token, lifetime, defaulted) =
            parse_success(br#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#)
                .unwrap();
        assert_eq!(
            (token.as_str(), lifetime, defaulted),
            ("abc", Duration::from_secs(3599), false)
        );
        let (_, lifetime, _) =
            parse_success(br#"{"expires_in":"3599","access_token":"abc"}"#).unwrap();
        assert_eq!(lifetime, Duration::from_secs(3599));
        let (_, lifetime, defaulted) = parse_success(br#"{"access_token":"abc"}"#).unwrap();
        assert_eq!((lifetime, defaulted), (Duration::from_secs(3599), true));
        assert!(parse_success(br#"{"expires_in":1}"#).is_err());
        assert!(parse_success(b"<html>").is_err());
    }

    #[test]
    fn renews_early_or_at_half_life() {
        let now = Instant::now();
        let long = AccessToken::new("t".into(), Duration::from_secs(3599), now);
        assert_eq!(long.renew_at - now, Duration::from_secs(3299));
        let short = AccessToken::new("t".into(), Duration::from_secs(1), now);
        assert_eq!(short.renew_at - now, Duration::from_millis(500));
        assert!(short.is_fresh(now));
        assert!(!short.is_fresh(now + Duration::from_millis(500)));
        assert!(!format!("{long:?}").contains("\"t\""));
    }

    #[test]
    fn login_errors_keep_the_first_line_and_the_code() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y\r\nTimestamp: 2016-01-09 02:02:12Z","error_codes":[7000215]}"#;
        let error = parse_error(401, body, &|s| s.replace("hunter2", "[redacted]"));
        assert_eq!(
            error,
            ClientError::Authentication {
                status: 401,
                error: "invalid_client".into(),
                aadsts: Some(7000215),
                description: "Invalid client secret provided.".into()
            }
        );
        let echoed = parse_error(400, b"bad request: client_secret=hunter2", &|s| {
            s.replace("hunter2", "[redacted]")
        });
        assert!(!echoed.to_string().contains("hunter2"), "{echoed}");
    }
}
