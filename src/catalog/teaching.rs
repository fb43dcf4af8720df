//! What `entralab explain` says about each sign-in code and SSPR activity: what causes it in
//! entralab's model and the scenario knobs that change it. Kept in a table of its own, keyed
//! by code or activity name, so the records' catalogue (`sign_in_codes`, `sspr`) keeps its
//! shape; a test checks every catalogue entry has its text here.

use super::{PortalStatus, SsprText};

/// Why entralab writes a sign-in code, and which scenario keys change it.
#[derive(Debug, Clone, Copy)]
pub struct CodeCause {
    pub code: i32,
    /// What makes the simulator write this code.
    pub cause: &'static str,
    /// Scenario keys that decide it (`tenant.smart_lockout.threshold`).
    pub knobs: &'static [&'static str],
}

const CAUSES: &[CodeCause] = &[
    CodeCause {
        code: 0,
        cause: "the right password, then whatever the tenant asks next is satisfied: an MFA \
                prompt approved, or an MFA requirement met by the claim already in the token. \
                A browser sign-in first shows \"Stay signed in?\", so the success comes in the \
                same second as a 50140 row and shares its correlationId",
        knobs: &[
            "sign_in.password (absent = the user's right password)",
            "sign_in.stay_signed_in",
            "users[].mfa",
            "tenant.conditional_access[].grant: mfa",
        ],
    },
    CodeCause {
        code: 50126,
        cause: "a wrong password. Distinct wrong passwords count towards smart lockout; \
                repeating one of the last three wrong passwords writes 50126 again but does \
                not count. Once the count passes threshold + drift the next attempts get 50053",
        knobs: &[
            "sign_in.password",
            "tenant.smart_lockout.threshold",
            "tenant.smart_lockout.drift",
            "populations[].typo_rate",
            "spray.passwords",
        ],
    },
    CodeCause {
        code: 50053,
        cause: "smart lockout: the sign-in context (unfamiliar or familiar, counted apart) \
                passed threshold + drift distinct wrong passwords and is locked for the lockout \
                duration, which grows with each relock. Every attempt from the locked context \
                is refused, right password or not; the familiar context still signs in",
        knobs: &[
            "tenant.smart_lockout.threshold",
            "tenant.smart_lockout.drift",
            "tenant.smart_lockout.duration",
            "tenant.smart_lockout.growth",
            "tenant.smart_lockout.max_duration",
            "tenant.smart_lockout.familiar_match",
            "users[].familiar",
        ],
    },
    CodeCause {
        code: 50140,
        cause: "the right password in a browser, then the \"Stay signed in?\" (KMSI) prompt: \
                an interrupt, not a failure. Whatever the user answers, the success row (0) \
                follows in the same second with the same correlationId",
        knobs: &[
            "sign_in.stay_signed_in",
            "populations[].stay_signed_in",
            "client_app (only Browser sign-ins see the prompt)",
        ],
    },
    CodeCause {
        code: 50057,
        cause: "a sign-in to an account whose accountEnabled is false: refused before the \
                password counts, right password or not, and never locks",
        knobs: &[
            "users[].enabled: false",
            "directory: disable_user (until enable_user)",
        ],
    },
    CodeCause {
        code: 50034,
        cause: "a sign-in as a user a directory step deleted (and did not restore): no \
                account answers to the name, so the row has no user id and the password is \
                never checked or counted. Real tenants also write it for mistyped or unknown \
                user names (account enumeration looks like this)",
        knobs: &["directory: delete_user (until restore_user)"],
    },
    CodeCause {
        code: 50074,
        cause: "the right password for a user who must do MFA: the MFA prompt is shown, an \
                interrupt. The row after it (same correlationId) is the MFA outcome: 0 with \
                \"MFA completed in Azure AD\", or 500121",
        knobs: &[
            "users[].mfa",
            "sign_in.mfa",
            "populations[].mfa_rate",
            "tenant.conditional_access[].grant: mfa",
        ],
    },
    CodeCause {
        code: 500121,
        cause: "the MFA step failed: the push was denied or not answered. One row per failed \
                prompt, all in the sign-in's correlationId; additionalDetails says which",
        knobs: &["sign_in.mfa.deny", "sign_in.mfa.ignore"],
    },
    CodeCause {
        code: 53003,
        cause: "the right password, then a Conditional Access policy with a Block grant \
                matched (country, client app, app or user); conditionalAccessStatus is \
                `failure`. A wrong password stays 50126: CA is evaluated after the password",
        knobs: &[
            "tenant.conditional_access[].countries",
            "tenant.conditional_access[].except_countries",
            "tenant.conditional_access[].client_apps",
            "tenant.conditional_access[].apps",
            "tenant.conditional_access[].users",
            "tenant.conditional_access[].sign_in_risk",
            "tenant.conditional_access[].user_risk",
        ],
    },
    CodeCause {
        code: 50135,
        cause: "the right password, then a user risk policy with `grant: password_change` \
                matched: ID Protection had the user at one of its levels (detections landed \
                before the sign-in). A later SSPR reset or password change remediates the risk",
        knobs: &[
            "tenant.conditional_access[].user_risk",
            "tenant.conditional_access[].grant: password_change",
            "tenant.identity_protection",
        ],
    },
    CodeCause {
        code: 53004,
        cause: "the right password, then a risk-based policy required MFA and the user has no \
                MFA method to answer with (entralab's default for an unregistered user at risk)",
        knobs: &[
            "users[].mfa",
            "tenant.conditional_access[].sign_in_risk",
            "tenant.conditional_access[].user_risk",
        ],
    },
];

/// The cause of `code`, when the catalogue has one.
pub fn code_cause(code: i32) -> Option<&'static CodeCause> {
    CAUSES.iter().find(|c| c.code == code)
}

/// A code Entra writes that entralab does not simulate, for `explain` only.
#[derive(Debug, Clone, Copy)]
pub struct OtherCode {
    pub code: i32,
    pub name: &'static str,
    pub failure_reason: &'static str,
    pub portal_status: PortalStatus,
    pub meaning: &'static str,
}

/// Codes of `reference/entra-behavior.md` 2.2 that learners meet and entralab does not write.
/// The texts and statuses follow the reference, UNSURE where it says so.
pub const OTHER_CODES: &[OtherCode] = &[
    OtherCode {
        code: 7000215,
        name: "InvalidClientSecret",
        // The reference gives the documentation's short wording (current wording UNSURE).
        failure_reason: "Invalid client secret is provided.",
        portal_status: PortalStatus::Failure,
        meaning: "a service principal signed in with a wrong client secret \
                  (service principal sign-ins, not user sign-ins)",
    },
    OtherCode {
        code: 7000218,
        name: "MissingClientSecret",
        failure_reason: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        portal_status: PortalStatus::Failure,
        meaning: "a public-client flow (ROPC, spray tools) against a confidential app",
    },
    OtherCode {
        code: 50076,
        name: "UserStrongAuthClientAuthNRequired",
        failure_reason: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'.",
        portal_status: PortalStatus::Failure,
        meaning: "a non-interactive request needs MFA; the client must go interactive",
    },
    OtherCode {
        code: 50055,
        name: "InvalidPasswordExpiredPassword",
        failure_reason: "The password is expired.",
        portal_status: PortalStatus::Failure,
        meaning: "the right password, but it has expired",
    },
    OtherCode {
        code: 50097,
        name: "DeviceAuthenticationRequired",
        failure_reason: "Device authentication is required.",
        portal_status: PortalStatus::Interrupted,
        meaning: "a device-state probe before the device claims are sent",
    },
    OtherCode {
        code: 50125,
        name: "PasswordResetRegistrationRequiredInterrupt",
        failure_reason: "Sign-in was interrupted due to a password reset or password registration entry.",
        portal_status: PortalStatus::Interrupted,
        meaning: "an SSPR registration or password change prompt during sign-in",
    },
    OtherCode {
        code: 65001,
        name: "DelegationDoesNotExist",
        failure_reason: "The user or administrator has not consented to use the application with ID '{identifier}'{namePhrase}. Send an interactive authorization request for this user and resource.",
        portal_status: PortalStatus::Failure,
        meaning: "first use of an app that needs consent",
    },
];

/// A code entralab does not simulate, if the reference lists it.
pub fn find_other_code(code: i32) -> Option<&'static OtherCode> {
    OTHER_CODES.iter().find(|c| c.code == code)
}

/// What an SSPR activity means, what writes it in entralab's model and its knobs.
#[derive(Debug, Clone, Copy)]
pub struct SsprActivityText {
    pub display_name: &'static str,
    pub meaning: &'static str,
    pub cause: &'static str,
    pub knobs: &'static [&'static str],
    /// `resultReason`s the row can carry, as the admin centre's Status reason shows them.
    pub reasons: &'static [&'static str],
}

pub const SSPR_ACTIVITIES: &[SsprActivityText] = &[
    SsprActivityText {
        display_name: SsprText::FLOW_PROGRESS,
        meaning: "one step of the self-service password reset portal flow; the rows of one \
                  attempt share a correlationId",
        cause: "an `sspr:` step: one row per step (user ID submitted, options shown, method \
                started, code right or wrong). A wrong CAPTCHA, phone number or the first wrong \
                codes leave no row; `wrong_codes_before_restart` wrong codes restart the flow, \
                and `failed_verifications_before_block` failures within the window block it",
        knobs: &[
            "sspr (timeline step)",
            "tenant.sspr.wrong_codes_before_restart",
            "tenant.sspr.failed_verifications_before_block",
            "tenant.sspr.verification_window",
            "tenant.sspr.methods",
        ],
        reasons: &[
            SsprText::SUBMITTED_USER_ID,
            SsprText::PRESENTED_OPTIONS,
            "User started the mobile SMS verification option",
            "User completed the mobile SMS verification option",
            SsprText::RESET_SUCCEEDED,
            "User entered too many invalid SMS verification codes and is blocked for 24 hours",
        ],
    },
    SsprActivityText {
        display_name: SsprText::RESET,
        meaning: "the password was reset through the SSPR portal",
        cause: "an `sspr:` step that gets through verification and sets a new password; the \
                Core Directory writes the password change beside it",
        knobs: &["sspr (timeline step)", "tenant.sspr.enabled"],
        reasons: &[SsprText::RESET_COMPLETED],
    },
    SsprActivityText {
        display_name: SsprText::BLOCKED,
        meaning: "the user failed verification too often and is blocked from SSPR (24 hours by \
                  default); written 1 ms after the flow-progress failure row",
        cause: "an `sspr:` step whose failed verifications reach \
                `failed_verifications_before_block` within `verification_window`; later \
                attempts within `block_duration` are refused",
        knobs: &[
            "tenant.sspr.failed_verifications_before_block",
            "tenant.sspr.verification_window",
            "tenant.sspr.block_duration",
        ],
        reasons: &["User throttle for attempting challenge: UserSMSOtp too many times."],
    },
];

/// The SSPR activity named `display_name`.
pub fn sspr_activity(display_name: &str) -> Option<&'static SsprActivityText> {
    SSPR_ACTIVITIES
        .iter()
        .find(|a| a.display_name.eq_ignore_ascii_case(display_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_simulated_code_has_a_cause_and_no_other_code_is_simulated() {
        for code in super::super::sign_in_codes() {
            assert!(code_cause(code.code).is_some(), "{}", code.code);
        }
        for other in OTHER_CODES {
            assert!(super::super::find_sign_in_code(other.code).is_none());
        }
    }
}
