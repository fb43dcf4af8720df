//! Users and guests: add, update (guest to member, enable/disable, per-user MFA), delete,
//! restore, password reset and change, session revocation, invitations.

use super::{PropertyChange, UserRef, changes_as_properties, spec, user_target};
use crate::graph::{Precision, Timestamp};
use crate::sim::audit_records::{AuditActor, RowSpec, shape};

#[derive(Debug, Clone, PartialEq)]
pub enum UserAction {
    Add {
        user: UserRef,
        guest: bool,
    },
    /// Any properties; `user_type` is the `UserType` detail (`Member` or `Guest`).
    Update {
        user: UserRef,
        changes: Vec<PropertyChange>,
        user_type: &'static str,
    },
    /// `Update user` with `UserType` `["Guest"]` -> `["Member"]` (SIGMA azure_guest_to_member.yml).
    ConvertGuestToMember {
        user: UserRef,
    },
    /// `Update user` with `AccountEnabled` (the issue's disable/enable).
    SetAccountEnabled {
        user: UserRef,
        enabled: bool,
    },
    /// `Update user` clearing `StrongAuthenticationRequirement` (per-user MFA off).
    DisablePerUserMfa {
        user: UserRef,
    },
    DisableStrongAuthentication {
        user: UserRef,
    },
    Delete {
        user: UserRef,
    },
    Restore {
        user: UserRef,
    },
    ResetPassword {
        user: UserRef,
    },
    ChangePassword {
        user: UserRef,
    },
    /// `revokeSignInSessions`: `previous` is the last validity instant, `now` the new one.
    RevokeSessions {
        user: UserRef,
        previous: Option<Timestamp>,
        now: Timestamp,
    },
    Invite {
        user: UserRef,
        email: String,
    },
    Redeem {
        user: UserRef,
    },
}

impl UserAction {
    pub(super) fn rows(&self, actor: &AuditActor) -> Vec<RowSpec> {
        match self {
            UserAction::Add { user, guest } => {
                let user_type = if *guest { "Guest" } else { "Member" };
                let props = vec![
                    shape::prop("AccountEnabled", None, Some(shape::list_bool(true))),
                    shape::prop("DisplayName", None, Some(shape::list(&user.display_name))),
                    shape::prop("UserPrincipalName", None, Some(shape::list(&user.upn))),
                    shape::prop("UserType", None, Some(shape::list(user_type))),
                    shape::included(&[
                        "AccountEnabled",
                        "DisplayName",
                        "UserPrincipalName",
                        "UserType",
                    ]),
                ];
                vec![
                    spec("add_user", actor, vec![user_target(user).with(props)])
                        .detail("UserType", user_type),
                ]
            }
            UserAction::Update {
                user,
                changes,
                user_type,
            } => vec![
                spec(
                    "update_user",
                    actor,
                    vec![user_target(user).with(changes_as_properties(changes))],
                )
                .detail("UserType", *user_type),
            ],
            UserAction::ConvertGuestToMember { user } => UserAction::Update {
                user: user.clone(),
                changes: vec![change("UserType", "Guest", "Member")],
                user_type: "Member",
            }
            .rows(actor),
            UserAction::SetAccountEnabled { user, enabled } => {
                let props = vec![
                    shape::prop(
                        "AccountEnabled",
                        Some(shape::list_bool(!enabled)),
                        Some(shape::list_bool(*enabled)),
                    ),
                    shape::included(&["AccountEnabled"]),
                ];
                vec![
                    spec("update_user", actor, vec![user_target(user).with(props)])
                        .detail("UserType", "Member"),
                ]
            }
            UserAction::DisablePerUserMfa { user } => {
                // The old value is the enforced requirement; State 1 is "enabled" (UNSURE).
                let old = r#"[{"RelyingParty":"*","State":1}]"#;
                let props = vec![
                    shape::prop(
                        "StrongAuthenticationRequirement",
                        Some(old.into()),
                        Some("[]".into()),
                    ),
                    shape::included(&["StrongAuthenticationRequirement"]),
                ];
                vec![
                    spec("update_user", actor, vec![user_target(user).with(props)])
                        .detail("UserType", "Member"),
                ]
            }
            UserAction::DisableStrongAuthentication { user } => {
                one("disable_strong_authentication", actor, user)
            }
            UserAction::Delete { user } => {
                // A deleted user's UPN is prefixed by its object id without dashes
                // (SENTINEL AccountCreatedDeletedShort.kql strips `[a-f0-9]{32}`).
                let hex: String = user.id.chars().filter(|c| *c != '-').collect();
                let target = user_target(user).with_upn(format!("{hex}{}", user.upn).into());
                vec![spec("delete_user", actor, vec![target])]
            }
            UserAction::Restore { user } => one("restore_user", actor, user),
            UserAction::ResetPassword { user } => vec![
                spec("reset_user_password", actor, vec![user_target(user)]),
                spec("reset_password_by_admin", actor, vec![user_target(user)]),
            ],
            UserAction::ChangePassword { user } => vec![
                spec("change_user_password", actor, vec![user_target(user)]),
                spec(
                    "change_password_self_service",
                    actor,
                    vec![user_target(user)],
                ),
            ],
            UserAction::RevokeSessions {
                user,
                previous,
                now,
            } => {
                let text = |t: &Timestamp| shape::list(&t.to_graph_string(Precision::Seconds));
                let props = vec![
                    shape::prop(
                        "StsRefreshTokensValidFrom",
                        Some(previous.as_ref().map_or_else(|| "[]".into(), text)),
                        Some(text(now)),
                    ),
                    shape::included(&["StsRefreshTokensValidFrom"]),
                ];
                vec![spec(
                    "revoke_sessions",
                    actor,
                    vec![user_target(user).with(props)],
                )]
            }
            UserAction::Invite { user, email } => vec![
                spec("invite_external_user", actor, vec![user_target(user)])
                    .detail("invitedUserEmailAddress", email.clone()),
            ],
            UserAction::Redeem { user } => one("redeem_external_user_invite", actor, user),
        }
    }
}

fn one(key: &str, actor: &AuditActor, user: &UserRef) -> Vec<RowSpec> {
    vec![spec(key, actor, vec![user_target(user)])]
}

fn change(name: &str, old: &str, new: &str) -> PropertyChange {
    PropertyChange {
        name: name.into(),
        old: Some(old.into()),
        new: Some(new.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::DirectoryAction;
    use super::super::test_support::*;
    use super::*;

    fn write_user(action: UserAction) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::User(action))
    }

    #[test]
    fn add_user_lists_the_new_properties_and_the_user_type() {
        let rows = write_user(UserAction::Add {
            user: alice(),
            guest: false,
        });
        assert_eq!(names(&rows), ["Add user"]);
        let row = &rows[0];
        assert_eq!(row.category.as_deref(), Some("UserManagement"));
        assert_eq!(row.logged_by_service.as_deref(), Some("Core Directory"));
        assert_eq!(row.operation_type.as_deref(), Some("Add"));
        let target = &row.target_resources[0];
        assert_eq!(target.resource_type.as_deref(), Some("User"));
        assert_eq!(
            target.user_principal_name.as_deref(),
            Some("alice@contoso.example")
        );
        let p = props(row, 0);
        assert_eq!(p[0], ("AccountEnabled".into(), None, Some("[true]".into())));
        assert_eq!(p[3].2.as_deref(), Some(r#"["Member"]"#));
        assert_eq!(detail(row, "UserType"), Some("Member"));
        assert!(detail(row, "User-Agent").is_some());
    }

    #[test]
    fn guest_to_member_is_the_sigma_shape() {
        let rows = write_user(UserAction::ConvertGuestToMember { user: alice() });
        assert_eq!(names(&rows), ["Update user"]);
        let json = serde_json::to_string(&rows[0].target_resources[0]).unwrap();
        assert!(
            json.contains(
                r#""displayName":"UserType","oldValue":"[\"Guest\"]","newValue":"[\"Member\"]""#
            ),
            "{json}"
        );
    }

    #[test]
    fn disabling_an_account_flips_account_enabled() {
        let rows = write_user(UserAction::SetAccountEnabled {
            user: alice(),
            enabled: false,
        });
        assert_eq!(
            props(&rows[0], 0)[0],
            (
                "AccountEnabled".into(),
                Some("[true]".into()),
                Some("[false]".into())
            )
        );
    }

    #[test]
    fn per_user_mfa_off_clears_the_requirement() {
        let rows = write_user(UserAction::DisablePerUserMfa { user: alice() });
        let p = props(&rows[0], 0);
        assert_eq!(p[0].0, "StrongAuthenticationRequirement");
        assert_eq!(p[0].2.as_deref(), Some("[]"));
        let rows = write_user(UserAction::DisableStrongAuthentication { user: alice() });
        assert_eq!(names(&rows), ["Disable Strong Authentication"]);
    }

    #[test]
    fn a_deleted_user_keeps_its_upn_behind_the_id() {
        let rows = write_user(UserAction::Delete { user: alice() });
        assert_eq!(rows[0].operation_type.as_deref(), Some("Delete"));
        assert_eq!(
            rows[0].target_resources[0].user_principal_name.as_deref(),
            Some("0c8a1a1e58a44f0ea1b41b0e3c9d7a21alice@contoso.example")
        );
        assert_eq!(
            names(&write_user(UserAction::Restore { user: alice() })),
            ["Restore user"]
        );
    }

    #[test]
    fn password_reset_and_change_write_the_directory_and_password_service_rows() {
        let rows = write_user(UserAction::ResetPassword { user: alice() });
        assert_eq!(
            names(&rows),
            ["Reset user password", "Reset password (by admin)"]
        );
        assert_eq!(rows[0].correlation_id, rows[1].correlation_id);
        assert_eq!(
            rows[1].logged_by_service.as_deref(),
            Some("Self-service Password Management")
        );
        let rows = write_user(UserAction::ChangePassword { user: alice() });
        assert_eq!(
            names(&rows),
            ["Change user password", "Change password (self-service)"]
        );
    }

    #[test]
    fn revoking_sessions_moves_the_validity_instant() {
        let now = Timestamp::parse("2025-03-17T16:20:00Z").unwrap();
        let rows = write_user(UserAction::RevokeSessions {
            user: alice(),
            previous: None,
            now,
        });
        assert_eq!(names(&rows), ["Update StsRefreshTokenValidFrom Timestamp"]);
        assert_eq!(
            props(&rows[0], 0)[0],
            (
                "StsRefreshTokensValidFrom".into(),
                Some("[]".into()),
                Some(r#"["2025-03-17T16:20:00Z"]"#.into())
            )
        );
    }

    #[test]
    fn invitations_are_logged_by_invited_users() {
        let rows = write_user(UserAction::Invite {
            user: alice(),
            email: "alice@fabrikam.example".into(),
        });
        assert_eq!(rows[0].logged_by_service.as_deref(), Some("Invited Users"));
        assert_eq!(
            detail(&rows[0], "invitedUserEmailAddress"),
            Some("alice@fabrikam.example")
        );
        let rows = write_user(UserAction::Redeem { user: alice() });
        assert_eq!(names(&rows), ["Redeem external user invite"]);
    }
}
