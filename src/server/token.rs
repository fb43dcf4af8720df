//! Access tokens: JWT-shaped (three base64url parts), carrying tenant, app and roles, signed
//! with a key that lives as long as the server, or one derived from a secret that replicas
//! share (`serve --key-file`). Clients treat them as opaque; people and
//! scripts can decode the payload.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Token lifetime in seconds unless `serve --token-lifetime` says otherwise: the `expires_in`
/// Entra gave the reference lab (seed-lab.md).
pub const DEFAULT_TOKEN_LIFETIME: u64 = 3599;
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// The audience of tokens for the Log Analytics query API (`/v1/workspaces/{id}/query`).
pub const LOG_ANALYTICS_AUDIENCE: &str = "https://api.loganalytics.io";

/// The audience a client-credentials token gets for its `/.default` scopes: Log Analytics'
/// for `https://api.loganalytics.io/.default` (or the `.azure.com` alias), Graph's for any
/// other scope, as before the mock served Log Analytics.
pub fn audience_for_scope(scope: &str) -> &'static str {
    let log_analytics = scope.split_whitespace().any(|s| {
        let resource = s
            .strip_suffix("/.default")
            .unwrap_or(s)
            .trim_end_matches('/');
        resource.eq_ignore_ascii_case(LOG_ANALYTICS_AUDIENCE)
            || resource.eq_ignore_ascii_case("https://api.loganalytics.azure.com")
    });
    if log_analytics {
        LOG_ANALYTICS_AUDIENCE
    } else {
        GRAPH_AUDIENCE
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub app_displayname: String,
    pub appid: String,
    pub appidacr: String,
    pub idp: String,
    pub idtyp: String,
    pub oid: String,
    pub roles: Vec<String>,
    pub sub: String,
    pub tid: String,
    pub uti: String,
    pub ver: String,
}

/// Why a bearer token was refused, with Graph's message for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Empty,
    Malformed,
    Invalid,
    Expired,
    WrongAudience,
}

impl TokenError {
    pub fn message(self) -> &'static str {
        match self {
            TokenError::Empty => "Access token is empty.",
            TokenError::Malformed => {
                "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'."
            }
            TokenError::Invalid => "Access token validation failure.",
            TokenError::Expired => "Lifetime validation failed, the token is expired.",
            TokenError::WrongAudience => "Access token validation failure. Invalid audience.",
        }
    }
}

pub struct TokenSigner {
    key: [u8; 32],
}

impl TokenSigner {
    /// A signer with a fresh random key: tokens do not outlive the server.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system provides randomness");
        TokenSigner { key }
    }

    /// A signer keyed by a shared secret: every server given the same secret accepts the
    /// others' tokens (replicas behind a load balancer). The key is SHA-256 of a fixed label
    /// and the secret, so a secret of any length makes a full-size key.
    pub fn from_secret(secret: &[u8]) -> Self {
        use sha2::Digest;
        let mut digest = Sha256::new();
        digest.update(b"entralab token signing key\0");
        digest.update(secret);
        TokenSigner {
            key: digest.finalize().into(),
        }
    }

    pub fn issue(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"entralab"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let signed = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(self.mac(signed.as_bytes()));
        format!("{signed}.{signature}")
    }

    /// Checks a Graph bearer token at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = self.decode(token)?;
        if claims.aud != GRAPH_AUDIENCE {
            return Err(TokenError::WrongAudience);
        }
        if now >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// The claims of a token this signer issued, whatever its audience and lifetime: the
    /// caller checks those (APIs word their refusals differently).
    pub fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(TokenError::Empty);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        let expected = self.mac(format!("{header}.{payload}").as_bytes());
        if !constant_time_eq(&signature, &expected) {
            return Err(TokenError::Invalid);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Invalid)?;
        serde_json::from_slice(&payload).map_err(|_| TokenError::Invalid)
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length works");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: GRAPH_AUDIENCE.into(),
            iss: "https://sts.windows.net/t/".into(),
            iat: 0,
            nbf: 0,
            exp,
            app_displayname: "app".into(),
            appid: "a".into(),
            appidacr: "1".into(),
            idp: "https://sts.windows.net/t/".into(),
            idtyp: "app".into(),
            oid: "o".into(),
            roles: vec!["AuditLog.Read.All".into()],
            sub: "o".into(),
            tid: "t".into(),
            uti: "u".into(),
            ver: "1.0".into(),
        }
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let signer = TokenSigner::random();
        let token = signer.issue(&claims(100));
        assert!(token.starts_with("eyJ"));
        assert_eq!(signer.verify(&token, 99).unwrap(), claims(100));
        assert_eq!(signer.verify(&token, 100), Err(TokenError::Expired));
    }

    #[test]
    fn refuses_tampered_foreign_and_malformed_tokens() {
        let signer = TokenSigner::random();
        let token = signer.issue(&claims(100));
        let other = TokenSigner::random().issue(&claims(100));
        assert_eq!(signer.verify(&other, 0), Err(TokenError::Invalid));
        assert_eq!(signer.verify("", 0), Err(TokenError::Empty));
        assert_eq!(signer.verify("abc", 0), Err(TokenError::Malformed));
        let (head, _) = token.rsplit_once('.').unwrap();
        assert_eq!(
            signer.verify(&format!("{head}.AAAA"), 0),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn signers_of_one_secret_accept_each_others_tokens() {
        let token = TokenSigner::from_secret(b"shared secret").issue(&claims(100));
        let replica = TokenSigner::from_secret(b"shared secret");
        assert_eq!(replica.verify(&token, 0), Ok(claims(100)));
        let stranger = TokenSigner::from_secret(b"another secret");
        assert_eq!(stranger.verify(&token, 0), Err(TokenError::Invalid));
        assert_eq!(
            TokenSigner::random().verify(&token, 0),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn the_scope_decides_the_audience() {
        assert_eq!(
            audience_for_scope("https://api.loganalytics.io/.default"),
            LOG_ANALYTICS_AUDIENCE
        );
        assert_eq!(
            audience_for_scope("https://API.LogAnalytics.azure.com//.default"),
            LOG_ANALYTICS_AUDIENCE
        );
        assert_eq!(
            audience_for_scope("https://graph.microsoft.com/.default"),
            GRAPH_AUDIENCE
        );
        assert_eq!(
            audience_for_scope("https://localhost/.default"),
            GRAPH_AUDIENCE
        );
        // Graph refuses a Log Analytics token.
        let signer = TokenSigner::random();
        let mut other = claims(100);
        other.aud = LOG_ANALYTICS_AUDIENCE.into();
        let token = signer.issue(&other);
        assert_eq!(signer.verify(&token, 0), Err(TokenError::WrongAudience));
        assert_eq!(signer.decode(&token), Ok(other));
    }

    proptest! {
        #[test]
        fn verify_never_panics(token in "\\PC{0,200}") {
            let _ = TokenSigner::random().verify(&token, 0);
        }
    }
}
