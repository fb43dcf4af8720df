//! Authentication methods: security info registered or deleted by the user, registered by an
//! admin (Temporary Access Pass among them), and the tenant's authentication methods policy.

use super::{UserRef, spec, user_target};
use crate::catalog::audit::{AuthMethod, TargetKind};
use crate::sim::audit_records::{AuditActor, AuditTarget, RowSpec, shape};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityInfoChange {
    UserRegistered,
    UserDeleted,
    AdminRegistered,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AuthAction {
    SecurityInfo {
        user: UserRef,
        method: AuthMethod,
        change: SecurityInfoChange,
    },
    /// `old`/`new` are the policy's JSON as the row carries it.
    MethodsPolicy { old: String, new: String },
}

impl AuthAction {
    pub(super) fn rows(&self, actor: &AuditActor) -> Vec<RowSpec> {
        match self {
            AuthAction::SecurityInfo {
                user,
                method,
                change,
            } => {
                let label = method.label();
                let (key, reason) = match change {
                    SecurityInfoChange::UserRegistered => (
                        "user_registered_security_info",
                        format!("User registered {label}"),
                    ),
                    SecurityInfoChange::UserDeleted => (
                        "user_deleted_security_info",
                        format!("User deleted {label}"),
                    ),
                    SecurityInfoChange::AdminRegistered => (
                        "admin_registered_security_info",
                        format!("Admin registered {label} method for user"),
                    ),
                };
                vec![spec(key, actor, vec![user_target(user)]).reason(reason)]
            }
            AuthAction::MethodsPolicy { old, new } => {
                let target = AuditTarget::new(
                    TargetKind::Policy,
                    "authenticationMethodsPolicy",
                    Some("Authentication Methods Policy".into()),
                )
                .with(vec![shape::prop(
                    "AuthenticationMethodsPolicy",
                    Some(old.clone()),
                    Some(new.clone()),
                )]);
                vec![spec(
                    "update_authentication_methods_policy",
                    actor,
                    vec![target],
                )]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::DirectoryAction;
    use super::super::test_support::*;
    use super::*;

    fn security_info(
        method: AuthMethod,
        change: SecurityInfoChange,
    ) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::Auth(AuthAction::SecurityInfo {
            user: alice(),
            method,
            change,
        }))
    }

    #[test]
    fn a_temporary_access_pass_by_an_admin_has_the_known_reason() {
        let rows = security_info(
            AuthMethod::TemporaryAccessPass,
            SecurityInfoChange::AdminRegistered,
        );
        assert_eq!(names(&rows), ["Admin registered security info"]);
        assert_eq!(
            rows[0].result_reason.as_deref(),
            Some("Admin registered temporary access pass method for user")
        );
        assert_eq!(
            rows[0].logged_by_service.as_deref(),
            Some("Authentication Methods")
        );
        assert_eq!(rows[0].category.as_deref(), Some("UserManagement"));
    }

    #[test]
    fn users_register_and_delete_their_own_methods() {
        let rows = security_info(AuthMethod::Phone, SecurityInfoChange::UserRegistered);
        assert_eq!(names(&rows), ["User registered security info"]);
        assert_eq!(
            rows[0].result_reason.as_deref(),
            Some("User registered Mobile Phone")
        );
        let rows = security_info(
            AuthMethod::AuthenticatorApp,
            SecurityInfoChange::UserDeleted,
        );
        assert_eq!(names(&rows), ["User deleted security info"]);
    }

    #[test]
    fn the_methods_policy_row_carries_the_policy_json() {
        let rows = write(DirectoryAction::Auth(AuthAction::MethodsPolicy {
            old: r#"{"x509CertificateAuthentication":"disabled"}"#.into(),
            new: r#"{"x509CertificateAuthentication":"enabled"}"#.into(),
        }));
        assert_eq!(names(&rows), ["Authentication Methods Policy Update"]);
        assert_eq!(props(&rows[0], 0)[0].0, "AuthenticationMethodsPolicy");
    }
}
