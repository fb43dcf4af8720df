//! The `@odata.context` values of Graph collection responses.

pub const SIGN_INS_CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns";
pub const DIRECTORY_AUDITS_CONTEXT: &str =
    "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits";
pub const BETA_SIGN_INS_CONTEXT: &str =
    "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns";
pub const BETA_DIRECTORY_AUDITS_CONTEXT: &str =
    "https://graph.microsoft.com/beta/$metadata#auditLogs/directoryAudits";

/// Which Graph API version a record is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiVersion {
    /// The v1.0 properties only.
    #[default]
    V1,
    /// Every property the record has: v1.0's, beta's, and any a file carried.
    Beta,
}

impl ApiVersion {
    /// `(signIns, directoryAudits)` collection contexts.
    pub fn contexts(self) -> (&'static str, &'static str) {
        match self {
            ApiVersion::V1 => (SIGN_INS_CONTEXT, DIRECTORY_AUDITS_CONTEXT),
            ApiVersion::Beta => (BETA_SIGN_INS_CONTEXT, BETA_DIRECTORY_AUDITS_CONTEXT),
        }
    }
}
