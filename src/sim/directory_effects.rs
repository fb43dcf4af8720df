//! What a successful `directory:` step changes for the steps after it, as Entra does: a
//! disabled account's sign-ins fail with 50057 until it is enabled, a deleted account's fail
//! with 50034 until it is restored, an admin reset or a change of password makes the old
//! password wrong (and an admin reset unlocks smart lockout: entra-behavior.md 1.5, "an admin
//! can unlock a cloud account by resetting the password"), a session revocation moves the
//! user's `StsRefreshTokensValidFrom` (the next revocation's `oldValue`), and an application's
//! credentials accumulate (the next credential's `KeyDescription` `oldValue` lists them).
//!
//! A failed step changes nothing. Effects hold from the step's instant: steps run in time
//! order, so every later step sees them and no earlier one does.

use super::audit_actions::{AppAction, Credential, DirectoryAction, KeyHolder, UserAction};
use crate::graph::{Text, Timestamp};
use std::collections::BTreeMap;

/// The account of a declared user as the directory steps left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub enabled: bool,
    pub deleted: bool,
}

/// What a sign-in meets first: the account state decides before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountBlock {
    /// 50034: the user does not exist (deleted; in the recycle bin until restored).
    NotFound,
    /// 50057: `accountEnabled` is false.
    Disabled,
}

impl AccountBlock {
    /// For the timeline's notes.
    pub fn describe(self) -> &'static str {
        match self {
            AccountBlock::NotFound => "account deleted (50034)",
            AccountBlock::Disabled => "account disabled",
        }
    }
}

impl Account {
    pub fn block(self) -> Option<AccountBlock> {
        if self.deleted {
            Some(AccountBlock::NotFound)
        } else if !self.enabled {
            Some(AccountBlock::Disabled)
        } else {
            None
        }
    }
}

/// A change to a declared user's password and lockout that the scheduler applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    /// The declared user (index into the scenario's users).
    pub user: usize,
    /// The password from then on; `None`: one the scenario does not know (a temporary
    /// password), so only a sign-in that types no password gets it right.
    pub new_password: Option<String>,
    /// Whether smart lockout is cleared (an admin reset; not a user's own change, which the
    /// reference does not say unlocks).
    pub clears_lockout: bool,
}

/// The directory state the steps of one scenario build up.
#[derive(Debug, Default)]
pub struct DirectoryEffects {
    /// By declared user index; filled lazily from the scenario's `enabled`.
    accounts: BTreeMap<usize, Account>,
    /// The last `StsRefreshTokensValidFrom` per user (UPN, lower case).
    revoked: BTreeMap<String, Timestamp>,
    /// The credentials each application's registration or service principal has (by app
    /// display name, lower case).
    credentials: BTreeMap<(KeyHolder, String), Vec<Credential>>,
}

impl DirectoryEffects {
    /// The account of declared user `user`, `enabled` as the scenario declares it.
    pub fn account(&self, user: usize, declared_enabled: bool) -> Account {
        self.accounts.get(&user).copied().unwrap_or(Account {
            enabled: declared_enabled,
            deleted: false,
        })
    }

    /// Fills in what the operation's rows need from earlier steps: the credentials an app has
    /// before this one, the previous revocation instant.
    pub fn prepare(&self, action: &mut DirectoryAction) {
        match action {
            DirectoryAction::App(AppAction::AddCredential {
                app,
                holder,
                existing,
                ..
            }) => {
                *existing = self
                    .credentials
                    .get(&(*holder, app.display_name.to_lowercase()))
                    .cloned()
                    .unwrap_or_default();
            }
            DirectoryAction::User(UserAction::RevokeSessions { user, previous, .. }) => {
                *previous = self.revoked.get(&user.upn.to_lowercase()).copied();
            }
            _ => {}
        }
    }

    /// Records a successful operation. `declared` maps a UPN to its declared user (index and
    /// declared `enabled`); users a step added cannot sign in, so only the declared ones have
    /// an account here. Returns the password change the scheduler must apply, if any.
    pub fn apply(
        &mut self,
        action: &DirectoryAction,
        new_password: Option<&str>,
        declared: impl Fn(&str) -> Option<(usize, bool)>,
    ) -> Option<PasswordChange> {
        match action {
            DirectoryAction::User(user_action) => {
                self.apply_user(user_action, new_password, declared)
            }
            DirectoryAction::App(AppAction::AddCredential {
                app,
                holder,
                credential,
                ..
            }) => {
                self.credentials
                    .entry((*holder, app.display_name.to_lowercase()))
                    .or_default()
                    .push(credential.clone());
                None
            }
            DirectoryAction::App(AppAction::Delete { app }) => {
                let key = (KeyHolder::Application, app.display_name.to_lowercase());
                self.credentials.remove(&key);
                None
            }
            DirectoryAction::App(AppAction::RemoveServicePrincipal { app }) => {
                let key = (KeyHolder::ServicePrincipal, app.display_name.to_lowercase());
                self.credentials.remove(&key);
                None
            }
            _ => None,
        }
    }

    fn apply_user(
        &mut self,
        action: &UserAction,
        new_password: Option<&str>,
        declared: impl Fn(&str) -> Option<(usize, bool)>,
    ) -> Option<PasswordChange> {
        let mut account = |upn: &Text, change: fn(&mut Account)| {
            if let Some((index, enabled)) = declared(upn) {
                let mut state = self.account(index, enabled);
                change(&mut state);
                self.accounts.insert(index, state);
            }
        };
        match action {
            UserAction::SetAccountEnabled { user, enabled } => {
                if *enabled {
                    account(&user.upn, |a| a.enabled = true);
                } else {
                    account(&user.upn, |a| a.enabled = false);
                }
                None
            }
            UserAction::Delete { user } => {
                account(&user.upn, |a| a.deleted = true);
                None
            }
            UserAction::Restore { user } => {
                account(&user.upn, |a| a.deleted = false);
                None
            }
            UserAction::RevokeSessions { user, now, .. } => {
                self.revoked.insert(user.upn.to_lowercase(), *now);
                None
            }
            UserAction::ResetPassword { user } => {
                declared(&user.upn).map(|(index, _)| PasswordChange {
                    user: index,
                    new_password: new_password.map(str::to_string),
                    clears_lockout: true,
                })
            }
            // A user's own change: the password changes only when the scenario says to what.
            UserAction::ChangePassword { user } => {
                let (index, _) = declared(&user.upn)?;
                new_password.map(|password| PasswordChange {
                    user: index,
                    new_password: Some(password.to_string()),
                    clears_lockout: false,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::audit::CredentialKind;
    use crate::sim::audit_actions::{AppRef, UserRef};

    fn bob() -> UserRef {
        UserRef {
            id: "0c8a1a1e-58a4-4f0e-a1b4-000000000003".into(),
            upn: "Bob@contoso.example".into(),
            display_name: "Bob".into(),
        }
    }

    fn declared(upn: &str) -> Option<(usize, bool)> {
        upn.eq_ignore_ascii_case("bob@contoso.example")
            .then_some((0, true))
    }

    #[test]
    fn disable_delete_restore_and_enable_change_what_a_sign_in_meets() {
        let mut effects = DirectoryEffects::default();
        let user = |action| DirectoryAction::User(action);
        assert_eq!(effects.account(0, true).block(), None);
        effects.apply(
            &user(UserAction::SetAccountEnabled {
                user: bob(),
                enabled: false,
            }),
            None,
            declared,
        );
        assert_eq!(
            effects.account(0, true).block(),
            Some(AccountBlock::Disabled)
        );
        effects.apply(&user(UserAction::Delete { user: bob() }), None, declared);
        assert_eq!(
            effects.account(0, true).block(),
            Some(AccountBlock::NotFound)
        );
        effects.apply(&user(UserAction::Restore { user: bob() }), None, declared);
        assert_eq!(
            effects.account(0, true).block(),
            Some(AccountBlock::Disabled)
        );
        effects.apply(
            &user(UserAction::SetAccountEnabled {
                user: bob(),
                enabled: true,
            }),
            None,
            declared,
        );
        assert_eq!(effects.account(0, true).block(), None);
        // A declared-disabled account stays so until a step enables it.
        assert_eq!(
            effects.account(1, false).block(),
            Some(AccountBlock::Disabled)
        );
    }

    #[test]
    fn an_admin_reset_unlocks_and_a_change_without_a_password_changes_nothing() {
        let mut effects = DirectoryEffects::default();
        let reset = effects.apply(
            &DirectoryAction::User(UserAction::ResetPassword { user: bob() }),
            None,
            declared,
        );
        assert_eq!(
            reset,
            Some(PasswordChange {
                user: 0,
                new_password: None,
                clears_lockout: true
            })
        );
        let change = DirectoryAction::User(UserAction::ChangePassword { user: bob() });
        assert_eq!(effects.apply(&change, None, declared), None);
        let changed = effects.apply(&change, Some("New-1"), declared).unwrap();
        assert_eq!(changed.new_password.as_deref(), Some("New-1"));
        assert!(!changed.clears_lockout);
    }

    #[test]
    fn the_second_credential_sees_the_first_and_revocations_chain() {
        let mut effects = DirectoryEffects::default();
        let app = AppRef {
            object_id: "a1".into(),
            app_id: "a2".into(),
            service_principal_id: "a3".into(),
            display_name: "Payroll Sync".into(),
        };
        let add = |name: &str| {
            DirectoryAction::App(AppAction::AddCredential {
                app: app.clone(),
                holder: KeyHolder::Application,
                credential: Credential {
                    key_id: format!("key-{name}").into(),
                    kind: CredentialKind::Secret,
                    display_name: name.into(),
                },
                existing: Vec::new(),
            })
        };
        let mut first = add("one");
        effects.prepare(&mut first);
        effects.apply(&first, None, declared);
        let mut second = add("two");
        effects.prepare(&mut second);
        let DirectoryAction::App(AppAction::AddCredential { existing, .. }) = &second else {
            unreachable!()
        };
        assert_eq!(existing.len(), 1);
        assert_eq!(existing[0].display_name, "one");

        let at = Timestamp::parse("2025-03-18T09:00:00Z").unwrap();
        let revoke = |now| {
            DirectoryAction::User(UserAction::RevokeSessions {
                user: bob(),
                previous: None,
                now,
            })
        };
        effects.apply(&revoke(at), None, declared);
        let mut again = revoke(at.plus_seconds(60));
        effects.prepare(&mut again);
        let DirectoryAction::User(UserAction::RevokeSessions { previous, .. }) = again else {
            unreachable!()
        };
        assert_eq!(previous, Some(at));
    }
}
