//! Directory operations described the way a scenario (or a test) names them, turned into the
//! row specs `audit_records` writes. One family per file; each family's enum says what an
//! operation needs to know, and its `rows` decides which catalogue activities it writes, with
//! which targets, `modifiedProperties` (in Entra's JSON-in-string shapes) and details.

mod apps;
mod authentication;
mod devices;
mod groups;
mod policy;
mod roles;
mod users;

pub use crate::catalog::audit::{AuthMethod, CredentialKind};
pub use apps::{AppAction, AppRoleRef, Credential, KeyHolder};
pub use authentication::{AuthAction, SecurityInfoChange};
pub use devices::{DeviceAction, DeviceRef};
pub use groups::{GroupAction, Membership};
pub use policy::{CaChange, PolicyAction};
pub use roles::{RoleAction, RoleRef};
pub use users::UserAction;

use super::audit_records::{AuditActor, AuditOutcome, AuditTarget, RowSpec, write_operation};
use crate::catalog::audit::{AuditActivity, ServiceApp, TargetKind, find_activity};
use crate::graph::{DirectoryAudit, Text, Timestamp};
use rand::Rng;

/// A user as a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub id: Text,
    pub upn: Text,
    pub display_name: Text,
}

/// A directory object named by id and display name (group, policy, domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub id: Text,
    pub display_name: Text,
}

/// An application with its service principal in this tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRef {
    /// The application object's id (`Application` targets).
    pub object_id: Text,
    pub app_id: Text,
    pub service_principal_id: Text,
    pub display_name: Text,
}

/// A user, a service principal or (as a role's member) a role-assignable group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User(UserRef),
    ServicePrincipal(AppRef),
    /// A group holding a role: the `Add member to role` row's first target is the group.
    Group(ObjectRef),
}

/// A property a scenario changes, with plain values; written as one-element JSON lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One directory operation, by family.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectoryAction {
    User(UserAction),
    Group(GroupAction),
    Role(RoleAction),
    App(AppAction),
    Auth(AuthAction),
    Policy(PolicyAction),
    Device(DeviceAction),
}

impl DirectoryAction {
    /// The rows this operation writes, first row first.
    pub fn rows(&self, actor: &AuditActor, rng: &mut impl Rng) -> Vec<RowSpec> {
        match self {
            DirectoryAction::User(a) => a.rows(actor),
            DirectoryAction::Group(a) => a.rows(actor),
            DirectoryAction::Role(a) => a.rows(actor, rng),
            DirectoryAction::App(a) => a.rows(actor, rng),
            DirectoryAction::Auth(a) => a.rows(actor),
            DirectoryAction::Policy(a) => a.rows(actor),
            DirectoryAction::Device(a) => a.rows(actor),
        }
    }

    /// The finished rows of this operation, the first at `start`.
    pub fn write(
        &self,
        actor: &AuditActor,
        outcome: &AuditOutcome,
        start: Timestamp,
        rng: &mut impl Rng,
    ) -> Vec<DirectoryAudit> {
        let rows = self.rows(actor, rng);
        write_operation(rows, outcome, start, rng)
    }
}

/// The catalogue activity `key`; the keys used here are tested to exist.
fn activity(key: &str) -> &'static AuditActivity {
    find_activity(key).unwrap_or_else(|| panic!("activity {key} is not in the catalogue"))
}

fn spec(key: &str, actor: &AuditActor, targets: Vec<AuditTarget>) -> RowSpec {
    RowSpec::new(activity(key), actor.clone(), targets)
}

fn user_target(user: &UserRef) -> AuditTarget {
    AuditTarget::new(
        TargetKind::User,
        user.id.clone(),
        Some(user.display_name.clone()),
    )
    .with_upn(user.upn.clone())
}

fn principal_target(principal: &Principal) -> AuditTarget {
    match principal {
        Principal::User(user) => user_target(user),
        Principal::ServicePrincipal(app) => sp_target(app),
        Principal::Group(group) => object_target(TargetKind::Group, group),
    }
}

fn sp_target(app: &AppRef) -> AuditTarget {
    AuditTarget::new(
        TargetKind::ServicePrincipal,
        app.service_principal_id.clone(),
        Some(app.display_name.clone()),
    )
}

fn object_target(kind: TargetKind, object: &ObjectRef) -> AuditTarget {
    AuditTarget::new(kind, object.id.clone(), Some(object.display_name.clone()))
}

fn service_actor(app: ServiceApp) -> AuditActor {
    AuditActor::App {
        app_id: Some(app.app_id.into()),
        display_name: app.display_name.into(),
        service_principal_id: None,
        service_principal_name: None,
    }
}

/// Generic changes as one-element lists, then `Included Updated Properties`.
fn changes_as_properties(changes: &[PropertyChange]) -> Vec<crate::graph::ModifiedProperty> {
    use super::audit_records::shape;
    let mut out: Vec<_> = changes
        .iter()
        .map(|c| {
            shape::prop(
                &c.name,
                Some(
                    c.old
                        .as_deref()
                        .map_or_else(|| "[]".to_string(), shape::list),
                ),
                Some(
                    c.new
                        .as_deref()
                        .map_or_else(|| "[]".to_string(), shape::list),
                ),
            )
        })
        .collect();
    let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
    out.push(shape::included(&names));
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use rand::SeedableRng;

    pub fn admin() -> AuditActor {
        AuditActor::User {
            id: "6b0f0a4b-3c8e-4f8e-9a57-0d1c9a1f3e11".into(),
            upn: "admin@contoso.example".into(),
            ip: "203.0.113.9".into(),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)".into()),
        }
    }

    pub fn alice() -> UserRef {
        UserRef {
            id: "0c8a1a1e-58a4-4f0e-a1b4-1b0e3c9d7a21".into(),
            upn: "alice@contoso.example".into(),
            display_name: "Alice Example".into(),
        }
    }

    pub fn app() -> AppRef {
        AppRef {
            object_id: "a1b2c3d4-0000-4000-8000-000000000001".into(),
            app_id: "a1b2c3d4-0000-4000-8000-000000000002".into(),
            service_principal_id: "a1b2c3d4-0000-4000-8000-000000000003".into(),
            display_name: "Payroll Sync".into(),
        }
    }

    pub fn write(action: DirectoryAction) -> Vec<DirectoryAudit> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let start = Timestamp::parse("2025-03-17T16:20:00Z").unwrap();
        action.write(&admin(), &AuditOutcome::Success, start, &mut rng)
    }

    pub fn names(rows: &[DirectoryAudit]) -> Vec<&str> {
        rows.iter()
            .map(|r| r.activity_display_name.as_deref().unwrap_or(""))
            .collect()
    }

    /// `(displayName, oldValue, newValue)` of target `t` of `row`.
    pub fn props(row: &DirectoryAudit, t: usize) -> Vec<(String, Option<String>, Option<String>)> {
        row.target_resources[t]
            .modified_properties
            .iter()
            .map(|p| {
                (
                    p.display_name.as_deref().unwrap_or("").to_string(),
                    p.old_value.as_deref().map(str::to_string),
                    p.new_value.as_deref().map(str::to_string),
                )
            })
            .collect()
    }

    pub fn detail<'a>(row: &'a DirectoryAudit, key: &str) -> Option<&'a str> {
        row.additional_details
            .iter()
            .find(|d| d.key.as_deref() == Some(key))
            .and_then(|d| d.value.as_deref())
    }
}
