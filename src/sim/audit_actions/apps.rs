//! Applications and service principals: registration, updates, credentials, owners,
//! deletion, and consent with the grant rows it writes under one correlationId.

use super::{AppRef, PropertyChange, UserRef, changes_as_properties, sp_target, spec, user_target};
use crate::catalog::audit::{CredentialKind, TargetKind};
use crate::graph::{ModifiedProperty, Text};
use crate::sim::audit_records::{AuditActor, AuditTarget, RowSpec, shape};
use crate::sim::streams::guid;
use rand::Rng;

/// A key credential as `KeyDescription` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub key_id: Text,
    pub kind: CredentialKind,
    pub display_name: String,
}

/// `KeyDescription`: the keys before (`oldValue`) and with the new one (`newValue`).
fn key_description(existing: &[Credential], added: &Credential) -> ModifiedProperty {
    let old: Vec<String> = existing.iter().map(Credential::description).collect();
    let mut new = old.clone();
    new.push(added.description());
    shape::prop(
        "KeyDescription",
        Some(serde_json::json!(old).to_string()),
        Some(serde_json::json!(new).to_string()),
    )
}

/// Which object of an app a credential goes on: its registration, or its service principal
/// (enterprise application), whose keys the registration's owners do not see. Each keeps its
/// own list of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyHolder {
    Application,
    ServicePrincipal,
}

impl Credential {
    /// `[KeyIdentifier=..,KeyType=..,KeyUsage=Verify,DisplayName=..]` (SENTINEL
    /// NRT_NewAppOrSPCredential.kql parses this order; secrets are `Password`).
    fn description(&self) -> String {
        let kind = self.kind.key_type();
        format!(
            "[KeyIdentifier={},KeyType={kind},KeyUsage=Verify,DisplayName={}]",
            self.key_id, self.display_name
        )
    }
}

/// An application permission (app role) of the resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoleRef {
    pub id: Text,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppAction {
    AddApplication {
        app: AppRef,
    },
    AddServicePrincipal {
        app: AppRef,
    },
    RemoveServicePrincipal {
        app: AppRef,
    },
    Update {
        app: AppRef,
        changes: Vec<PropertyChange>,
    },
    /// `existing` are the credentials the holder had before; the new one is added to them.
    AddCredential {
        app: AppRef,
        holder: KeyHolder,
        credential: Credential,
        existing: Vec<Credential>,
    },
    AddOwner {
        app: AppRef,
        owner: UserRef,
    },
    RemoveOwner {
        app: AppRef,
        owner: UserRef,
    },
    Delete {
        app: AppRef,
    },
    /// A user's (or an admin's, for everyone) consent: the consent row, one delegated grant
    /// row when `scopes` is not empty, one app role assignment row per `app_roles` entry.
    Consent {
        client: AppRef,
        resource: AppRef,
        scopes: Vec<String>,
        app_roles: Vec<AppRoleRef>,
        /// Admin consent for all users; otherwise the consenting `user`'s own.
        admin: bool,
        user: Option<UserRef>,
    },
}

impl AppAction {
    pub(super) fn rows(&self, actor: &AuditActor, rng: &mut impl Rng) -> Vec<RowSpec> {
        match self {
            AppAction::AddApplication { app } => {
                let props = vec![
                    shape::prop("AppId", None, Some(shape::list(&app.app_id))),
                    shape::prop("DisplayName", None, Some(shape::list(&app.display_name))),
                    shape::included(&["AppId", "DisplayName"]),
                ];
                vec![with_app_id(
                    spec("add_application", actor, vec![application(app).with(props)]),
                    app,
                )]
            }
            AppAction::AddServicePrincipal { app } => {
                let props = vec![
                    shape::prop("AccountEnabled", None, Some(shape::list_bool(true))),
                    shape::prop("AppPrincipalId", None, Some(shape::list(&app.app_id))),
                    shape::prop("DisplayName", None, Some(shape::list(&app.display_name))),
                    shape::prop("ServicePrincipalName", None, Some(shape::list(&app.app_id))),
                    shape::included(&[
                        "AccountEnabled",
                        "AppPrincipalId",
                        "DisplayName",
                        "ServicePrincipalName",
                    ]),
                ];
                vec![with_app_id(
                    spec(
                        "add_service_principal",
                        actor,
                        vec![sp_target(app).with(props)],
                    ),
                    app,
                )]
            }
            AppAction::RemoveServicePrincipal { app } => {
                vec![with_app_id(
                    spec("remove_service_principal", actor, vec![sp_target(app)]),
                    app,
                )]
            }
            AppAction::Update { app, changes } => vec![with_app_id(
                spec(
                    "update_application",
                    actor,
                    vec![application(app).with(changes_as_properties(changes))],
                ),
                app,
            )],
            AppAction::AddCredential {
                app,
                holder,
                credential,
                existing,
            } => {
                let mut props = vec![
                    key_description(existing, credential),
                    shape::included(&["KeyDescription"]),
                ];
                let (activity, target) = match holder {
                    KeyHolder::Application => ("update_application_credentials", application(app)),
                    KeyHolder::ServicePrincipal => {
                        // The service principal names (its appId) say which app the key
                        // opens, as on the consent row (Sentinel's
                        // CredentialAddedAfterAdminConsent reads both).
                        props.push(shape::prop(
                            "TargetId.ServicePrincipalNames",
                            None,
                            Some(shape::string(&app.app_id)),
                        ));
                        ("add_service_principal_credentials", sp_target(app))
                    }
                };
                vec![with_app_id(
                    spec(activity, actor, vec![target.with(props)]),
                    app,
                )]
            }
            AppAction::AddOwner { app, owner } => {
                owner_rows("add_owner_to_application", actor, app, owner, true)
            }
            AppAction::RemoveOwner { app, owner } => {
                owner_rows("remove_owner_from_application", actor, app, owner, false)
            }
            AppAction::Delete { app } => {
                vec![with_app_id(
                    spec("delete_application", actor, vec![application(app)]),
                    app,
                )]
            }
            AppAction::Consent {
                client,
                resource,
                scopes,
                app_roles,
                admin,
                user,
            } => consent_rows(
                actor,
                client,
                resource,
                scopes,
                app_roles,
                *admin,
                user.as_ref(),
                rng,
            ),
        }
    }
}

fn application(app: &AppRef) -> AuditTarget {
    AuditTarget::new(
        TargetKind::Application,
        app.object_id.clone(),
        Some(app.display_name.clone()),
    )
}

/// The owner carries the application's ids (new on add, old on removal); the application is
/// the second target.
fn owner_rows(
    key: &str,
    actor: &AuditActor,
    app: &AppRef,
    owner: &UserRef,
    adds: bool,
) -> Vec<RowSpec> {
    let props = [
        ("Application.ObjectID", &app.object_id),
        ("Application.DisplayName", &app.display_name),
        ("Application.AppId", &app.app_id),
    ]
    .into_iter()
    .map(|(name, value)| {
        let value = Some(shape::string(value));
        if adds {
            shape::prop(name, None, value)
        } else {
            shape::prop(name, value, None)
        }
    })
    .collect();
    vec![spec(
        key,
        actor,
        vec![user_target(owner).with(props), application(app)],
    )]
}

fn with_app_id(row: RowSpec, app: &AppRef) -> RowSpec {
    row.detail("AppId", app.app_id.to_string())
}

#[allow(clippy::too_many_arguments)]
fn consent_rows(
    actor: &AuditActor,
    client: &AppRef,
    resource: &AppRef,
    scopes: &[String],
    app_roles: &[AppRoleRef],
    admin: bool,
    user: Option<&UserRef>,
    rng: &mut impl Rng,
) -> Vec<RowSpec> {
    let flag = |b: bool| shape::string(if b { "True" } else { "False" });
    let consent_type = if admin { "AllPrincipals" } else { "Principal" };
    let scope = scopes.join(" ");
    let principal = if admin {
        String::new()
    } else {
        user.map(|u| u.id.to_string()).unwrap_or_default()
    };
    // UNSURE: the order inside the permission text; ConsentType last so that SENTINEL
    // RareApplicationConsent.kql's `parse ... "ConsentType: " ConsentType "]"` reads it.
    let permissions = format!(
        "[] => [[Id: {}, ClientId: {}, PrincipalId: {principal}, ResourceId: {}, Scope: {scope}, ConsentType: {consent_type}]]; ",
        guid(rng),
        client.service_principal_id,
        resource.service_principal_id,
    );
    let props = vec![
        shape::prop("ConsentContext.IsAdminConsent", None, Some(flag(admin))),
        shape::prop(
            "ConsentContext.IsAppOnly",
            None,
            Some(flag(scopes.is_empty())),
        ),
        shape::prop("ConsentContext.OnBehalfOfAll", None, Some(flag(admin))),
        shape::prop("ConsentContext.Tags", None, Some(shape::string(""))),
        shape::prop(
            "ConsentAction.Permissions",
            None,
            Some(shape::string(&permissions)),
        ),
        shape::prop(
            "TargetId.ServicePrincipalNames",
            None,
            Some(shape::string(&client.app_id)),
        ),
    ];
    let mut rows = vec![spec(
        "consent_to_application",
        actor,
        vec![sp_target(client).with(props)],
    )];
    if !scopes.is_empty() {
        let props = vec![
            shape::prop(
                "DelegatedPermissionGrant.Scope",
                None,
                Some(shape::string(&format!(" {scope}"))),
            ),
            shape::prop(
                "DelegatedPermissionGrant.ConsentType",
                None,
                Some(shape::string(consent_type)),
            ),
            shape::prop(
                "ServicePrincipal.ObjectID",
                None,
                Some(shape::string(&client.service_principal_id)),
            ),
        ];
        rows.push(spec(
            "add_delegated_permission_grant",
            actor,
            vec![sp_target(resource).with(props), sp_target(client)],
        ));
    }
    for role in app_roles {
        let props = vec![
            shape::prop("AppRole.Id", None, Some(shape::string(&role.id))),
            shape::prop("AppRole.Value", None, Some(shape::string(&role.value))),
            shape::prop(
                "ServicePrincipal.ObjectID",
                None,
                Some(shape::string(&client.service_principal_id)),
            ),
            shape::prop(
                "ServicePrincipal.DisplayName",
                None,
                Some(shape::string(&client.display_name)),
            ),
            shape::prop(
                "ServicePrincipal.AppId",
                None,
                Some(shape::string(&client.app_id)),
            ),
        ];
        rows.push(spec(
            "add_app_role_assignment_to_service_principal",
            actor,
            vec![sp_target(resource).with(props), sp_target(client)],
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::DirectoryAction;
    use super::super::test_support::*;
    use super::*;

    fn graph() -> AppRef {
        AppRef {
            object_id: "00000000-0000-4000-8000-0000000000aa".into(),
            app_id: "00000003-0000-0000-c000-000000000000".into(),
            service_principal_id: "00000000-0000-4000-8000-0000000000bb".into(),
            display_name: "Microsoft Graph".into(),
        }
    }

    fn write_app(action: AppAction) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::App(action))
    }

    #[test]
    fn registration_writes_application_then_service_principal_rows() {
        let rows = write_app(AppAction::AddApplication { app: app() });
        assert_eq!(names(&rows), ["Add application"]);
        assert_eq!(
            rows[0].target_resources[0].resource_type.as_deref(),
            Some("Application")
        );
        assert_eq!(detail(&rows[0], "AppId"), Some(&*app().app_id));
        let rows = write_app(AppAction::AddServicePrincipal { app: app() });
        assert_eq!(
            rows[0].target_resources[0].resource_type.as_deref(),
            Some("ServicePrincipal")
        );
        assert_eq!(
            names(&write_app(AppAction::Delete { app: app() })),
            ["Delete application"]
        );
        assert_eq!(
            names(&write_app(AppAction::RemoveServicePrincipal { app: app() })),
            ["Remove service principal"]
        );
    }

    #[test]
    fn a_new_secret_is_appended_to_key_description() {
        let old = Credential {
            key_id: "11111111-1111-4111-8111-111111111111".into(),
            kind: CredentialKind::Certificate,
            display_name: "CN=payroll".into(),
        };
        let new = Credential {
            key_id: "22222222-2222-4222-8222-222222222222".into(),
            kind: CredentialKind::Secret,
            display_name: "backup".into(),
        };
        let rows = write_app(AppAction::AddCredential {
            app: app(),
            holder: KeyHolder::Application,
            credential: new,
            existing: vec![old],
        });
        assert_eq!(
            names(&rows),
            ["Update application – Certificates and secrets management"]
        );
        let p = props(&rows[0], 0);
        assert_eq!(p[0].0, "KeyDescription");
        assert_eq!(
            p[0].1.as_deref(),
            Some(
                r#"["[KeyIdentifier=11111111-1111-4111-8111-111111111111,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=payroll]"]"#
            )
        );
        assert!(
            p[0].2
                .as_deref()
                .unwrap()
                .contains("KeyType=Password,KeyUsage=Verify,DisplayName=backup")
        );
    }

    #[test]
    fn updates_and_owners() {
        let rows = write_app(AppAction::Update {
            app: app(),
            changes: vec![PropertyChange {
                name: "AppIdentifierUri".into(),
                old: None,
                new: Some("api://payroll".into()),
            }],
        });
        assert_eq!(
            props(&rows[0], 0)[0].2.as_deref(),
            Some(r#"["api://payroll"]"#)
        );
        let rows = write_app(AppAction::AddOwner {
            app: app(),
            owner: alice(),
        });
        assert_eq!(names(&rows), ["Add owner to application"]);
        let removed = write_app(AppAction::RemoveOwner {
            app: app(),
            owner: alice(),
        });
        assert_eq!(names(&removed), ["Remove owner from application"]);
        assert!(
            props(&removed[0], 0)
                .iter()
                .all(|p| p.1.is_some() && p.2.is_none())
        );
        assert_eq!(
            rows[0].target_resources[1].resource_type.as_deref(),
            Some("Application")
        );
    }

    #[test]
    fn user_consent_writes_consent_and_delegated_grant_under_one_correlation() {
        let rows = write_app(AppAction::Consent {
            client: app(),
            resource: graph(),
            scopes: vec!["Mail.Read".into(), "offline_access".into()],
            app_roles: vec![],
            admin: false,
            user: Some(alice()),
        });
        assert_eq!(
            names(&rows),
            ["Consent to application", "Add delegated permission grant"]
        );
        assert_eq!(rows[0].correlation_id, rows[1].correlation_id);
        let p = props(&rows[0], 0);
        assert_eq!(
            p[0],
            (
                "ConsentContext.IsAdminConsent".into(),
                None,
                Some(r#""False""#.into())
            )
        );
        assert!(
            p[4].2
                .as_deref()
                .unwrap()
                .contains("Scope: Mail.Read offline_access, ConsentType: Principal]]")
        );
        assert_eq!(
            props(&rows[1], 0)[0].2.as_deref(),
            Some(r#"" Mail.Read offline_access""#)
        );
        assert_eq!(
            rows[1].target_resources[0].display_name.as_deref(),
            Some("Microsoft Graph")
        );
    }

    #[test]
    fn admin_consent_with_app_roles_writes_the_three_rows() {
        let rows = write_app(AppAction::Consent {
            client: app(),
            resource: graph(),
            scopes: vec!["User.Read".into()],
            app_roles: vec![AppRoleRef {
                id: "810c84a8-4a9e-49e6-bf7d-12d183f40d01".into(),
                value: "Mail.Read".into(),
            }],
            admin: true,
            user: None,
        });
        assert_eq!(
            names(&rows),
            [
                "Consent to application",
                "Add delegated permission grant",
                "Add app role assignment to service principal"
            ]
        );
        assert_eq!(props(&rows[0], 0)[0].2.as_deref(), Some(r#""True""#));
        assert_eq!(props(&rows[2], 0)[1].2.as_deref(), Some(r#""Mail.Read""#));
    }
}
