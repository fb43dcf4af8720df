//! The `@odata.context` values of Graph collection responses.

pub const SIGN_INS_CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns";
pub const DIRECTORY_AUDITS_CONTEXT: &str =
    "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits";
