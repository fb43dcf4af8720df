//! Which of Entra's sign-in logs a sign-in belongs to: the diagnostic category (Event Hub) and
//! the Log Analytics table it is exported to (reference entra-behavior.md 6.1).
//!
//! A record's `signInEventTypes` decides (`interactiveUser`, `nonInteractiveUser`,
//! `servicePrincipal`, `managedIdentity`; the readers fill it from the category or table a
//! record came from), else `isInteractive`. Microsoft's own service principals
//! (`MicrosoftServicePrincipalSignInLogs`) and AD FS sign-ins have no type of their own and go
//! with the service principals and the interactive sign-ins.

use crate::graph::{SignIn, sign_in_event_type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignInLog {
    Interactive,
    NonInteractive,
    ServicePrincipal,
    ManagedIdentity,
}

impl SignInLog {
    pub const ALL: [SignInLog; 4] = [
        SignInLog::Interactive,
        SignInLog::NonInteractive,
        SignInLog::ServicePrincipal,
        SignInLog::ManagedIdentity,
    ];

    pub fn of(sign_in: &SignIn) -> SignInLog {
        match sign_in_event_type(sign_in) {
            "nonInteractiveUser" => SignInLog::NonInteractive,
            "servicePrincipal" => SignInLog::ServicePrincipal,
            "managedIdentity" => SignInLog::ManagedIdentity,
            _ => SignInLog::Interactive,
        }
    }

    /// The diagnostic-settings category.
    pub fn category(self) -> &'static str {
        match self {
            SignInLog::Interactive => "SignInLogs",
            SignInLog::NonInteractive => "NonInteractiveUserSignInLogs",
            SignInLog::ServicePrincipal => "ServicePrincipalSignInLogs",
            SignInLog::ManagedIdentity => "ManagedIdentitySignInLogs",
        }
    }

    /// The Log Analytics table.
    pub fn table(self) -> &'static str {
        match self {
            SignInLog::Interactive => "SigninLogs",
            SignInLog::NonInteractive => "AADNonInteractiveUserSignInLogs",
            SignInLog::ServicePrincipal => "AADServicePrincipalSignInLogs",
            SignInLog::ManagedIdentity => "AADManagedIdentitySignInLogs",
        }
    }

    /// Whether the table types its dynamic columns as strings holding JSON: the reference says
    /// so of `AADNonInteractiveUserSignInLogs`; the service principal and managed identity
    /// tables are taken to do the same (UNSURE).
    pub fn dynamic_as_string(self) -> bool {
        self != SignInLog::Interactive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_type_decides_then_is_interactive() {
        let mut s = crate::export::test_records::sample_sign_in();
        assert_eq!(SignInLog::of(&s), SignInLog::Interactive);
        s.beta.sign_in_event_types = Some(std::sync::Arc::from(["managedIdentity".into()]));
        assert_eq!(SignInLog::of(&s).category(), "ManagedIdentitySignInLogs");
        s.beta.sign_in_event_types = None;
        s.is_interactive = Some(false);
        assert_eq!(SignInLog::of(&s).table(), "AADNonInteractiveUserSignInLogs");
    }
}
