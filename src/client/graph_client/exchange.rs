//! One HTTP exchange and what is said about it: the answer read whole, Graph's error envelope,
//! and log lines and errors scrubbed of the secret and access tokens.

use super::GraphClient;
use crate::client::retry::parse_retry_after;
use reqwest::header::RETRY_AFTER;
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// One HTTP exchange's outcome: an answer, or why there was none.
pub(super) enum Exchange {
    Answer {
        status: u16,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    Transport(String),
}

impl GraphClient {
    /// Sends a request and reads the whole answer.
    pub(super) fn exchange(&self, request: reqwest::blocking::RequestBuilder) -> Exchange {
        let response = match request.send() {
            Ok(response) => response,
            Err(e) => return Exchange::Transport(self.scrub(&error_chain(&e.without_url()))),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        match response.bytes() {
            Ok(body) => Exchange::Answer {
                status,
                retry_after,
                body: body.to_vec(),
            },
            Err(e) => Exchange::Transport(self.scrub(&error_chain(&e.without_url()))),
        }
    }

    /// Graph's error envelope `{"error":{"code","message"}}`, or the start of whatever else
    /// came back.
    pub(super) fn graph_error(&self, body: &[u8]) -> (String, String) {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let error = json.as_ref().and_then(|j| j.get("error"));
        let text = |name: &str| {
            error
                .and_then(|e| e.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match (text("code"), text("message")) {
            (None, None) => {
                let raw = String::from_utf8_lossy(body);
                let snippet: String = raw.trim().chars().take(200).collect();
                (
                    String::new(),
                    self.scrub(if snippet.is_empty() {
                        "(empty body)"
                    } else {
                        &snippet
                    }),
                )
            }
            (code, message) => (
                self.scrub(&code.unwrap_or_default()),
                self.scrub(&message.unwrap_or_default()),
            ),
        }
    }

    /// `text` without the client secret (as is and form-encoded) or any access token.
    pub(super) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        let secret = self.config.client_secret.expose();
        if !secret.is_empty() {
            let encoded: String = serde_urlencoded::to_string([("s", secret)]).expect("encodes")
                ["s=".len()..]
                .to_string();
            for needle in [secret, encoded.as_str()] {
                if text.contains(needle) {
                    text = text.replace(needle, "[redacted]");
                }
            }
        }
        for token in self.issued.iter().filter(|t| !t.is_empty()) {
            if text.contains(token.as_str()) {
                text = text.replace(token.as_str(), "[redacted]");
            }
        }
        text
    }

    pub(super) fn log(&self, line: &str) {
        if let Some(log) = &self.config.log {
            log(&self.scrub(line));
        }
    }
}

/// An error and its causes, `outer: inner: innermost`, without repeats.
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
