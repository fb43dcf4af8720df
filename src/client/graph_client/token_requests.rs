//! The client-credentials token: kept while fresh, requested (with retries) when not.

use super::{Exchange, GraphClient, ListStats, REMEMBERED_TOKENS};
use crate::client::error::ClientError;
use crate::client::retry::human;
use crate::client::token::{self, AccessToken};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use std::time::Instant;

impl GraphClient {
    /// The current access token, requesting one when there is none or it is about to expire.
    pub(super) fn bearer(&mut self, stats: &mut ListStats) -> Result<String, ClientError> {
        if let Some(token) = &self.token {
            if token.is_fresh(Instant::now()) {
                return Ok(token.value.clone());
            }
            self.log("token: the access token is about to expire; renewing it");
        }
        let token = self.request_token(stats)?;
        let value = token.value.clone();
        self.issued.push(value.clone());
        if self.issued.len() > REMEMBERED_TOKENS {
            self.issued.remove(0);
        }
        self.token = Some(token);
        Ok(value)
    }

    /// POSTs the client-credentials form to the token endpoint, retrying 429/5xx/transport
    /// errors like Graph requests.
    pub(super) fn request_token(
        &mut self,
        stats: &mut ListStats,
    ) -> Result<AccessToken, ClientError> {
        let url = self.token_url.clone();
        self.log(&format!(
            "token: requesting for tenant {} client {}",
            self.config.tenant_id, self.config.client_id
        ));
        let form = serde_urlencoded::to_string([
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose()),
            ("grant_type", "client_credentials"),
            ("scope", self.config.scope.as_str()),
        ])
        .expect("string pairs encode");
        let max = self.config.retry.max_attempts;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let request = self
                .http
                .post(&url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(form.clone());
            match self.exchange(request) {
                Exchange::Transport(reason) => {
                    self.after_transport_error(
                        &format!("token: POST {url}"),
                        &url,
                        reason,
                        attempt,
                        stats,
                    )?;
                }
                Exchange::Answer { status, body, .. } if (200..300).contains(&status) => {
                    let obtained = Instant::now();
                    return match token::parse_success(&body) {
                        Ok((value, lifetime, defaulted)) => {
                            let note = if defaulted {
                                " (no usable expires_in; assumed)"
                            } else {
                                ""
                            };
                            self.log(&format!(
                                "token: POST {url} -> {status} (expires in {}{note})",
                                human(lifetime)
                            ));
                            Ok(AccessToken::new(value, lifetime, obtained))
                        }
                        Err(message) => {
                            self.log(&format!("token: POST {url} -> {status}, but {message}"));
                            Err(ClientError::Authentication {
                                status,
                                error: "invalid_response".into(),
                                aadsts: None,
                                description: message,
                            })
                        }
                    };
                }
                Exchange::Answer {
                    status,
                    retry_after,
                    body,
                } => {
                    self.log(&format!("token: POST {url} -> {status}"));
                    if matches!(status, 429 | 500 | 502 | 503 | 504) && attempt < max {
                        if status == 429 {
                            stats.throttled += 1;
                        }
                        let wait = self.wait(status, attempt, retry_after);
                        stats.retries += 1;
                        std::thread::sleep(wait);
                        continue;
                    }
                    if matches!(status, 429 | 500 | 502 | 503 | 504) {
                        stats.throttled += u32::from(status == 429);
                        self.log(&format!("{status}: giving up after {attempt} attempt(s)"));
                    }
                    return Err(token::parse_error(status, &body, &|text| self.scrub(text)));
                }
            }
        }
    }
}
