//! Self-service password reset: verification methods and the audit strings each one writes.

use serde::Deserialize;

/// A verification method of the SSPR flow that sends the user a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsprMethod {
    Sms,
    Email,
}

/// `resultReason` texts of `Self-service password reset flow activity progress` rows.
pub struct SsprText;

impl SsprText {
    pub const FLOW_PROGRESS: &'static str = "Self-service password reset flow activity progress";
    pub const RESET: &'static str = "Reset password (self-service)";
    pub const BLOCKED: &'static str = "Blocked from self-service password reset";

    pub const SUBMITTED_USER_ID: &'static str = "User submitted their user ID";
    pub const PRESENTED_OPTIONS: &'static str = "User was presented with verification options";
    pub const RESET_SUCCEEDED: &'static str = "User successfully reset password";
    pub const RESET_COMPLETED: &'static str = "Successfully completed reset.";
    pub const NOT_ENABLED: &'static str = "Password reset is not enabled for this user";
}

impl SsprMethod {
    pub fn label(self) -> &'static str {
        match self {
            SsprMethod::Sms => "SMS",
            SsprMethod::Email => "email",
        }
    }

    pub fn started(self) -> &'static str {
        match self {
            SsprMethod::Sms => "User started the mobile SMS verification option",
            SsprMethod::Email => "User started the email verification option",
        }
    }

    pub fn completed(self) -> &'static str {
        match self {
            SsprMethod::Sms => "User completed the mobile SMS verification option",
            SsprMethod::Email => "User completed the email verification option",
        }
    }

    /// The flow-progress failure row written when too many codes block the user.
    pub fn too_many_codes(self) -> &'static str {
        match self {
            SsprMethod::Sms => {
                "User entered too many invalid SMS verification codes and is blocked for 24 hours"
            }
            SsprMethod::Email => {
                "User entered too many invalid email verification codes and is blocked for 24 hours"
            }
        }
    }

    /// The `Blocked from self-service password reset` row's reason. The SMS text is the
    /// reference lab's; the email one follows its pattern (UNSURE).
    pub fn throttle_reason(self) -> &'static str {
        match self {
            SsprMethod::Sms => "User throttle for attempting challenge: UserSMSOtp too many times.",
            SsprMethod::Email => {
                "User throttle for attempting challenge: UserEmailOtp too many times."
            }
        }
    }
}
