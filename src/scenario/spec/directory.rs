//! `directory:` steps as written: one operation on the directory, by a user or an app.
//! Which fields an operation takes is checked by `resolve` (`model::VERBS`).

use super::{ContextSpec, JoinSpec};
use crate::catalog::audit::{AuthMethod, CredentialKind};
use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryStepSpec {
    /// The operation: `add_user`, `add_role_member`, `consent`, ... (docs/scenario-format.md).
    pub action: Spanned<String>,
    /// The user who does it (key or UPN).
    pub by: Option<Spanned<String>>,
    /// Or the app that does it with its own credentials.
    pub by_app: Option<Spanned<String>>,
    /// Where the caller works from; falls back to the user's home.
    #[serde(default)]
    pub client: ContextSpec,
    /// `success` (default) or `failure`.
    pub outcome: Option<Spanned<OutcomeSpec>>,
    /// The failure's `resultReason`.
    pub reason: Option<Spanned<String>>,
    pub user: Option<Spanned<String>>,
    pub upn: Option<Spanned<String>>,
    pub display_name: Option<Spanned<String>>,
    pub guest: Option<Spanned<bool>>,
    pub email: Option<Spanned<String>>,
    pub group: Option<Spanned<String>>,
    pub role: Option<Spanned<String>>,
    pub pim: Option<Spanned<bool>>,
    pub justification: Option<Spanned<String>>,
    pub app: Option<Spanned<String>>,
    pub resource: Option<Spanned<String>>,
    pub scopes: Option<Spanned<Vec<String>>>,
    pub app_roles: Option<Spanned<Vec<String>>>,
    pub admin_consent: Option<Spanned<bool>>,
    pub credential: Option<Spanned<CredentialSpec>>,
    pub method: Option<Spanned<AuthMethod>>,
    pub changes: Option<Spanned<Vec<ChangeSpec>>>,
    pub policy: Option<Spanned<String>>,
    pub domain: Option<Spanned<String>>,
    pub issuer_uri: Option<Spanned<String>>,
    pub tenant_id: Option<Spanned<String>>,
    pub device: Option<Spanned<String>>,
    pub join: Option<Spanned<JoinSpec>>,
    /// The password from then on (`reset_password`, `change_password`).
    pub new_password: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeSpec {
    Success,
    Failure,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    #[serde(default = "secret")]
    pub kind: CredentialKind,
    pub name: String,
}

fn secret() -> CredentialKind {
    CredentialKind::Secret
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSpec {
    pub property: String,
    pub old: Option<String>,
    pub new: Option<String>,
}
