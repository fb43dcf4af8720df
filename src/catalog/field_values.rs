//! Fields whose values Entra takes from a closed set (Graph enums, constants, documented
//! lists), so that a rule looking for any other value can never match a real log.
//! Sources: `reference/graph-api.md` 1.3 (enum members), `reference/entra-behavior.md` 4.3
//! (clientAppUsed) and 6.2 (constants).

/// `authenticationRequirement` (sign-ins).
pub const AUTHENTICATION_REQUIREMENT: &[&str] =
    &["singleFactorAuthentication", "multiFactorAuthentication"];

/// `conditionalAccessStatus` (sign-ins), the Graph enum.
pub const CONDITIONAL_ACCESS_STATUS: &[&str] =
    &["success", "failure", "notApplied", "unknownFutureValue"];

/// `riskLevelAggregated`, `riskLevelDuringSignIn` (sign-ins), the Graph enum.
pub const RISK_LEVEL: &[&str] = &[
    "low",
    "medium",
    "high",
    "hidden",
    "none",
    "unknownFutureValue",
];

/// `riskState` (sign-ins), the Graph enum.
pub const RISK_STATE: &[&str] = &[
    "none",
    "confirmedSafe",
    "remediated",
    "dismissed",
    "atRisk",
    "confirmedCompromised",
    "unknownFutureValue",
];

/// `clientAppUsed` (sign-ins): a free string in the schema, but the documented values are
/// these (the exact spelling of some legacy ones is UNSURE in the reference).
pub const CLIENT_APP_USED: &[&str] = &[
    "Browser",
    "Mobile Apps and Desktop clients",
    "Authenticated SMTP",
    "Autodiscover",
    "Exchange ActiveSync",
    "Exchange Online PowerShell",
    "Exchange Web Services",
    "IMAP4",
    "MAPI Over HTTP",
    "Offline Address Book",
    "Outlook Anywhere (RPC over HTTP)",
    "Outlook Service",
    "POP3",
    "Reporting Web Services",
    "Other clients",
];

/// `operationName` of every sign-in record (Event Hub, Log Analytics).
pub const SIGN_IN_OPERATION_NAME: &[&str] = &["Sign-in activity"];

/// `result` of a directory audit.
pub const AUDIT_RESULT: &[&str] = &["success", "failure", "timeout", "unknownFutureValue"];
