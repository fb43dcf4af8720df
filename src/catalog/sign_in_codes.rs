//! `status.errorCode` values the simulator writes, with the Graph v1.0 texts.

/// The status the admin centre shows in its sign-in list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalStatus {
    Success,
    Failure,
    Interrupted,
}

impl PortalStatus {
    pub fn label(self) -> &'static str {
        match self {
            PortalStatus::Success => "Success",
            PortalStatus::Failure => "Failure",
            PortalStatus::Interrupted => "Interrupted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInCode {
    pub code: i32,
    /// Entra's internal name of the code.
    pub name: &'static str,
    pub failure_reason: &'static str,
    pub additional_details: Option<&'static str>,
    pub portal_status: PortalStatus,
    /// What it means, for people.
    pub meaning: &'static str,
}

/// `additionalDetails` of a success after an MFA prompt (reference 2.1, 4.5).
pub const MFA_COMPLETED: &str = "MFA completed in Azure AD";
/// `additionalDetails` of a 500121 row when the user denied the push.
pub const MFA_DECLINED: &str = "MFA denied; user declined the authentication";
/// `additionalDetails` of a 500121 row when the user did not answer the push.
pub const MFA_NO_RESPONSE: &str = "MFA denied; user did not respond to mobile app notification";

// `authenticationStepResultDetail` values (reference entra-behavior.md 4.6). The locked and
// disabled ones are UNSURE: the reference lists no step text for 50053 or 50057.
pub const STEP_CORRECT_PASSWORD: &str = "Correct password";
pub const STEP_INVALID_PASSWORD: &str =
    "Invalid username or password or Invalid on-premise username or password.";
pub const STEP_ACCOUNT_LOCKED: &str = "Account is locked";
pub const STEP_ACCOUNT_DISABLED: &str = "User account is disabled";
pub const STEP_MFA_CLAIM: &str = "MFA requirement satisfied by claim in the token";
pub const STEP_MFA_REQUIRED: &str = "MFA required in Azure AD";
/// The MFA step of the sign-in that completed a prompt: real exports and Sentinel's MFA
/// spamming rule read this step text, while the row's `additionalDetails` is [`MFA_COMPLETED`].
pub const STEP_MFA_SUCCEEDED: &str = "MFA successfully completed";
/// `authenticationMethod` of a second factor satisfied by an earlier sign-in.
pub const STEP_PREVIOUSLY_SATISFIED: &str = "Previously satisfied";

const CODES: &[SignInCode] = &[
    SignInCode {
        code: 0,
        name: "Success",
        // Real success rows carry "Other." rather than null (reference lab).
        failure_reason: "Other.",
        additional_details: Some("MFA requirement satisfied by claim in the token"),
        portal_status: PortalStatus::Success,
        meaning: "signed in",
    },
    SignInCode {
        code: 50126,
        name: "InvalidUserNameOrPassword",
        failure_reason: "Error validating credentials due to invalid username or password.",
        // The Graph example carries a space and a no-break space after "credentials.".
        additional_details: Some(
            "The user didn't enter the right credentials. \u{a0}It's expected to see some number of these errors in your logs due to users making mistakes.",
        ),
        portal_status: PortalStatus::Failure,
        meaning: "wrong password",
    },
    SignInCode {
        code: 50053,
        name: "IdsLocked",
        failure_reason: "The account is locked, you've tried to sign in too many times with an incorrect user ID or password.",
        // UNSURE: no source shows additionalDetails of a lockout row; null is the default.
        additional_details: None,
        portal_status: PortalStatus::Failure,
        meaning: "locked by smart lockout",
    },
    SignInCode {
        code: 50140,
        name: "KmsiInterrupt",
        failure_reason: "This occurred due to 'Keep me signed in' interrupt when the user was signing in.",
        additional_details: None,
        portal_status: PortalStatus::Interrupted,
        meaning: "\"Stay signed in?\" prompt shown (an interrupt, not a failure)",
    },
    SignInCode {
        code: 50057,
        name: "UserDisabled",
        // Old portal table; some exports put the second sentence in additionalDetails (UNSURE).
        failure_reason: "User account is disabled. The account has been disabled by an administrator.",
        additional_details: None,
        portal_status: PortalStatus::Failure,
        meaning: "account disabled (accountEnabled = false)",
    },
    SignInCode {
        code: 50034,
        name: "UserAccountNotFound",
        // The reference's observed text (entra-behavior.md 4, [OBS in tool comment]).
        failure_reason: "The user account does not exist in the tenant directory.",
        additional_details: None,
        portal_status: PortalStatus::Failure,
        meaning: "no such user (never created, or deleted and not restored)",
    },
    SignInCode {
        code: 50074,
        name: "UserStrongAuthClientAuthNRequiredInterrupt",
        failure_reason: "Strong Authentication is required.",
        // The MFA step's detail in authenticationDetails (reference 2.2).
        additional_details: Some("MFA required in Azure AD"),
        // UNSURE in the reference, widely reported as Interrupted.
        portal_status: PortalStatus::Interrupted,
        meaning: "right password; MFA prompt shown (an interrupt)",
    },
    SignInCode {
        code: 500121,
        name: "AuthenticationFailedStrongAuthentication",
        failure_reason: "Authentication failed during strong authentication request.",
        // Set per row: `MFA denied; user declined the authentication`, ...
        additional_details: Some(MFA_DECLINED),
        portal_status: PortalStatus::Failure,
        meaning: "MFA failed (push denied or not answered)",
    },
    SignInCode {
        code: 53003,
        name: "BlockedByConditionalAccess",
        failure_reason: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        additional_details: None,
        portal_status: PortalStatus::Failure,
        meaning: "blocked by a Conditional Access policy",
    },
    SignInCode {
        code: 50135,
        name: "PasswordChangeCompromisedPassword",
        // Entra's AADSTS text; how a log row words it is UNSURE (entra-behavior.md 2.2 names
        // the code "password change required due to risk").
        failure_reason: "Password change is required due to account risk.",
        additional_details: None,
        // UNSURE: the user is sent to change the password (an interrupt in the portal).
        portal_status: PortalStatus::Interrupted,
        meaning: "right password; a user risk policy requires a secure password change",
    },
    SignInCode {
        code: 53004,
        name: "ProofUpBlockedDueToRisk",
        // Entra's AADSTS text (entra-behavior.md 2.2: "MFA registration blocked due to risk").
        failure_reason: "User needs to complete Multi-factor authentication registration process before accessing this content. User should register for multi-factor authentication.",
        additional_details: None,
        portal_status: PortalStatus::Failure,
        meaning: "right password; a risk-based policy requires MFA and the user has no method",
    },
];

/// The catalogue entry of a code the simulator writes.
///
/// # Panics
/// When `code` is not in the catalogue: the simulator only writes codes it knows.
pub fn sign_in_code(code: i32) -> &'static SignInCode {
    find_sign_in_code(code).unwrap_or_else(|| panic!("sign-in code {code} is not in the catalogue"))
}

/// Every code the simulator writes.
pub fn sign_in_codes() -> &'static [SignInCode] {
    CODES
}

pub fn find_sign_in_code(code: i32) -> Option<&'static SignInCode> {
    CODES.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_text_is_the_measured_one() {
        // 100 ASCII characters with a trailing period (reference, "OBS measured").
        let text = sign_in_code(50053).failure_reason;
        assert_eq!(text.len(), 100);
        assert!(text.is_ascii());
    }

    #[test]
    fn detection_codes_carry_the_reference_texts() {
        assert_eq!(
            sign_in_code(50057).failure_reason,
            "User account is disabled. The account has been disabled by an administrator."
        );
        assert_eq!(sign_in_code(50074).portal_status, PortalStatus::Interrupted);
        assert_eq!(
            sign_in_code(500121).failure_reason,
            "Authentication failed during strong authentication request."
        );
        assert_eq!(sign_in_code(53003).portal_status, PortalStatus::Failure);
        assert!(
            sign_in_code(53003)
                .failure_reason
                .starts_with("Access has been blocked by Conditional Access policies.")
        );
    }

    #[test]
    fn kmsi_is_an_interrupt_not_a_failure() {
        assert_eq!(sign_in_code(50140).portal_status, PortalStatus::Interrupted);
    }
}
