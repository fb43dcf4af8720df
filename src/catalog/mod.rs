//! Facts as data: sign-in result codes and their texts, SSPR audit strings, first-party apps.
//! Every string here is a literal the service emits (see `reference/entra-behavior.md`); where
//! the reference marks a value UNSURE the comment beside it says so.

mod apps;
pub mod audit;
pub mod field_values;
pub mod risk;
pub mod risk_teaching;
mod sign_in_codes;
mod sspr;
pub mod teaching;

pub use apps::{FIRST_PARTY_APPS, FirstPartyApp, find_first_party_app};
pub use sign_in_codes::{
    MFA_COMPLETED, MFA_DECLINED, MFA_NO_RESPONSE, PortalStatus, STEP_ACCOUNT_DISABLED,
    STEP_ACCOUNT_LOCKED, STEP_CORRECT_PASSWORD, STEP_INVALID_PASSWORD, STEP_MFA_CLAIM,
    STEP_MFA_REQUIRED, STEP_MFA_SUCCEEDED, STEP_PREVIOUSLY_SATISFIED, SignInCode,
    find_sign_in_code, sign_in_code, sign_in_codes,
};
pub use sspr::{SsprMethod, SsprText};

/// `loggedByService` of every SSPR audit row.
pub const SSPR_SERVICE: &str = "Self-service Password Management";
/// `category` of SSPR audit rows.
pub const USER_MANAGEMENT: &str = "UserManagement";
/// `operationType` of SSPR rows (reference lab).
pub const OPERATION_UPDATE: &str = "Update";

/// Application permissions a scenario's app registration may be granted.
pub const KNOWN_PERMISSIONS: &[&str] = &[
    "AuditLog.Read.All",
    "Directory.Read.All",
    "Policy.Read.All",
    "User.Read.All",
    "IdentityRiskEvent.Read.All",
    "IdentityRiskyUser.Read.All",
    "IdentityRiskyUser.ReadWrite.All",
];
