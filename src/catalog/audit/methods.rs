//! Authentication methods and credential kinds as the audit rows name them (and scenarios
//! write them: `temporary_access_pass`, `secret`).

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    AuthenticatorApp,
    Phone,
    Email,
    Fido2,
    SoftwareOath,
    TemporaryAccessPass,
}

impl AuthMethod {
    /// The method as `resultReason` names it. Only the Temporary Access Pass text is a fact
    /// (SIGMA azure_tap_added.yml); the others follow its pattern (UNSURE).
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::AuthenticatorApp => "Authenticator App",
            AuthMethod::Phone => "Mobile Phone",
            AuthMethod::Email => "Email",
            AuthMethod::Fido2 => "FIDO2 security key",
            AuthMethod::SoftwareOath => "Software OATH token",
            AuthMethod::TemporaryAccessPass => "temporary access pass",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    Secret,
    Certificate,
}

impl CredentialKind {
    /// `KeyType` in `KeyDescription` (SENTINEL NRT_NewAppOrSPCredential.kql): a client secret
    /// is a `Password`.
    pub fn key_type(self) -> &'static str {
        match self {
            CredentialKind::Secret => "Password",
            CredentialKind::Certificate => "AsymmetricX509Cert",
        }
    }
}
