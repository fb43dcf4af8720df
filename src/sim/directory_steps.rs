//! A scenario's `directory:` step as the operation `audit_actions` writes: the caller as the
//! initiator, and every object it names with this tenant's ids. Ids a scenario does not give
//! are drawn from the tenant's streams by kind and name, so an object has one id in every step
//! and every file of the tenant (a user's id is the one its sign-ins carry).

use super::audit_actions::{
    AppAction, AppRef, AppRoleRef, AuthAction, CaChange, Credential, DeviceAction, DeviceRef,
    DirectoryAction, GroupAction, KeyHolder, Membership, ObjectRef, PolicyAction, Principal,
    PropertyChange, RoleAction, RoleRef, SecurityInfoChange, UserAction, UserRef,
};
use super::audit_records::AuditActor;
use super::records::user_agent;
use super::streams::{Purpose, Streams, fingerprint, guid};
use crate::graph::{Text, Timestamp};
use crate::scenario::{
    Caller, Change, DirApp, DirDevice, DirUser, DirectoryStep, DirectoryVerb as V, TrustType,
};
use serde_json::{Map, Value};

/// What a step needs of its tenant beyond the step itself.
pub struct TenantContext<'a> {
    pub streams: &'a Streams,
    pub tenant_id: &'a str,
    pub tenant_name: &'a str,
}

impl TenantContext<'_> {
    fn id(&self, kind: &str, name: &str) -> Text {
        let key = format!("{kind}:{}", name.to_lowercase());
        guid(&mut self.streams.rng(Purpose::Tenant, fingerprint(&key), 0))
    }

    fn user(&self, user: &DirUser) -> UserRef {
        UserRef {
            id: guid(&mut self.streams.rng(Purpose::User, fingerprint(&user.upn), 0)),
            upn: user.upn.as_str().into(),
            display_name: user.display_name.as_str().into(),
        }
    }

    fn app(&self, app: &DirApp) -> AppRef {
        let name = &app.display_name;
        AppRef {
            object_id: self.id("application", name),
            app_id: app
                .app_id
                .as_deref()
                .map_or_else(|| self.id("appId", name), Text::from),
            service_principal_id: self.id("servicePrincipal", name),
            display_name: name.as_str().into(),
        }
    }

    fn device(&self, device: &DirDevice) -> DeviceRef {
        DeviceRef {
            id: device
                .id
                .as_deref()
                .map_or_else(|| self.id("device", &device.name), Text::from),
            device_id: self.id("deviceId", &device.name),
            display_name: device.name.as_str().into(),
            os: "Windows".into(),
            trust_type: match device.trust {
                TrustType::EntraJoined => "AzureAd",
                TrustType::HybridJoined => "ServerAd",
                TrustType::Registered => "Workplace",
            }
            .into(),
        }
    }
}

/// The initiator of the step's rows.
pub fn actor(step: &DirectoryStep, tenant: &TenantContext<'_>) -> AuditActor {
    match &step.by {
        Caller::User(user) => {
            let client = &step.client;
            AuditActor::User {
                id: tenant.user(user).id,
                upn: user.upn.as_str().into(),
                ip: client.ip.as_str().into(),
                user_agent: Some(
                    client
                        .user_agent
                        .clone()
                        .unwrap_or_else(|| user_agent(&client.browser, &client.os))
                        .into(),
                ),
            }
        }
        Caller::App(app) => {
            let app = tenant.app(app);
            AuditActor::App {
                app_id: Some(app.app_id),
                display_name: app.display_name,
                service_principal_id: Some(app.service_principal_id),
                service_principal_name: None,
            }
        }
        Caller::Service(service) => AuditActor::App {
            app_id: Some(service.app_id.into()),
            display_name: service.display_name.into(),
            service_principal_id: None,
            service_principal_name: None,
        },
    }
}

/// The operation a step describes; `None` only if a field the resolver requires is missing.
pub fn operation(
    step: &DirectoryStep,
    tenant: &TenantContext<'_>,
    at: Timestamp,
) -> Option<DirectoryAction> {
    use DirectoryAction as D;
    let user = || step.user.as_ref().map(|u| tenant.user(u));
    let member = || user().map(Principal::User);
    let app = || step.app.as_ref().map(|a| tenant.app(a));
    let device = || step.device.as_ref().map(|d| tenant.device(d));
    let role = || {
        step.role.map(|template| RoleRef {
            template,
            object_id: tenant.id("directoryRole", template.template_id),
        })
    };
    let group = || {
        step.group.as_ref().map(|name| ObjectRef {
            id: tenant.id("group", name),
            display_name: name.as_str().into(),
        })
    };
    // A role's member: the user, or the role-assignable group the step names instead.
    let role_member = || member().or_else(|| group().map(Principal::Group));
    let changes = || changes(&step.changes);
    let group_op = |change| {
        Some(D::Group(GroupAction {
            change,
            group: group()?,
            member: member()?,
        }))
    };
    let user_op = |make: fn(UserRef) -> UserAction| Some(D::User(make(user()?)));
    let device_op = |make: fn(DeviceRef) -> DeviceAction| Some(D::Device(make(device()?)));
    let justification = step.justification.clone();
    Some(match step.verb {
        V::AddUser => D::User(UserAction::Add {
            user: user()?,
            guest: step.user.as_ref()?.guest,
        }),
        V::UpdateUser => D::User(UserAction::Update {
            user: user()?,
            changes: changes(),
            user_type: if step.user.as_ref()?.guest {
                "Guest"
            } else {
                "Member"
            },
        }),
        V::ConvertGuestToMember => user_op(|user| UserAction::ConvertGuestToMember { user })?,
        V::DisableUser => user_op(|user| UserAction::SetAccountEnabled {
            user,
            enabled: false,
        })?,
        V::EnableUser => user_op(|user| UserAction::SetAccountEnabled {
            user,
            enabled: true,
        })?,
        V::DisablePerUserMfa => user_op(|user| UserAction::DisablePerUserMfa { user })?,
        V::DisableStrongAuthentication => {
            user_op(|user| UserAction::DisableStrongAuthentication { user })?
        }
        V::DeleteUser => user_op(|user| UserAction::Delete { user })?,
        V::RestoreUser => user_op(|user| UserAction::Restore { user })?,
        V::ResetPassword => user_op(|user| UserAction::ResetPassword { user })?,
        V::ChangePassword => user_op(|user| UserAction::ChangePassword { user })?,
        V::RevokeSessions => D::User(UserAction::RevokeSessions {
            user: user()?,
            previous: None,
            now: at.truncate_to_seconds(),
        }),
        V::InviteGuest => {
            let guest = step.user.as_ref()?;
            let email = guest
                .upn
                .split("#EXT#")
                .next()
                .unwrap_or_default()
                .rsplit_once('_')
                .map_or_else(String::new, |(local, domain)| format!("{local}@{domain}"));
            D::User(UserAction::Invite {
                user: tenant.user(guest),
                email,
            })
        }
        V::RedeemInvite => user_op(|user| UserAction::Redeem { user })?,
        V::AddGroupMember => group_op(Membership::AddMember)?,
        V::RemoveGroupMember => group_op(Membership::RemoveMember)?,
        V::AddGroupOwner => group_op(Membership::AddOwner)?,
        V::RemoveGroupOwner => group_op(Membership::RemoveOwner)?,
        V::AddRoleMember => D::Role(RoleAction::AddMember {
            role: role()?,
            member: role_member()?,
            pim_in_use: step.pim,
        }),
        V::RemoveRoleMember => D::Role(RoleAction::RemoveMember {
            role: role()?,
            member: role_member()?,
        }),
        V::AddEligibleRoleMember => D::Role(RoleAction::PimAddEligible {
            role: role()?,
            member: role_member()?,
            justification,
        }),
        V::ActivateRole => D::Role(RoleAction::PimActivate {
            role: role()?,
            member: member()?,
            justification,
        }),
        V::ApproveRoleActivation | V::DenyRoleActivation => D::Role(RoleAction::PimDecide {
            role: role()?,
            member: member()?,
            approved: step.verb == V::ApproveRoleActivation,
            justification,
        }),
        V::UpdateRoleSetting => D::Role(RoleAction::PimUpdateSetting {
            role: role()?,
            changes: changes(),
        }),
        V::AddApplication => D::App(AppAction::AddApplication { app: app()? }),
        V::AddServicePrincipal => D::App(AppAction::AddServicePrincipal { app: app()? }),
        V::UpdateApplication => D::App(AppAction::Update {
            app: app()?,
            changes: changes(),
        }),
        V::AddAppCredential | V::AddSpCredential => {
            let (kind, name) = step.credential.clone()?;
            let app = app()?;
            // A service principal's keys are other objects than its registration's.
            let on_sp = step.verb == V::AddSpCredential;
            let credential = Credential {
                key_id: tenant.id(
                    if on_sp { "spKey" } else { "key" },
                    &format!("{}:{name}", app.display_name),
                ),
                kind,
                display_name: name,
            };
            D::App(AppAction::AddCredential {
                credential,
                app,
                holder: if on_sp {
                    KeyHolder::ServicePrincipal
                } else {
                    KeyHolder::Application
                },
                existing: Vec::new(),
            })
        }
        V::AddAppOwner => D::App(AppAction::AddOwner {
            app: app()?,
            owner: user()?,
        }),
        V::RemoveAppOwner => D::App(AppAction::RemoveOwner {
            app: app()?,
            owner: user()?,
        }),
        V::DeleteApplication => D::App(AppAction::Delete { app: app()? }),
        V::RemoveServicePrincipal => D::App(AppAction::RemoveServicePrincipal { app: app()? }),
        V::Consent => D::App(AppAction::Consent {
            client: app()?,
            resource: tenant.app(step.resource.as_ref()?),
            scopes: step.scopes.clone(),
            app_roles: step
                .app_roles
                .iter()
                .map(|value| AppRoleRef {
                    id: tenant.id("appRole", value),
                    value: value.clone(),
                })
                .collect(),
            admin: step.admin_consent,
            user: match &step.by {
                Caller::User(u) => Some(tenant.user(u)),
                _ => None,
            },
        }),
        V::RegisterSecurityInfo | V::DeleteSecurityInfo | V::AdminRegisterSecurityInfo => {
            D::Auth(AuthAction::SecurityInfo {
                user: user()?,
                method: step.method?,
                change: match step.verb {
                    V::RegisterSecurityInfo => SecurityInfoChange::UserRegistered,
                    V::DeleteSecurityInfo => SecurityInfoChange::UserDeleted,
                    _ => SecurityInfoChange::AdminRegistered,
                },
            })
        }
        V::UpdateAuthenticationMethodsPolicy => {
            let (old, new) = json_sides(&step.changes, Map::new());
            D::Auth(AuthAction::MethodsPolicy { old, new })
        }
        V::AddCaPolicy | V::UpdateCaPolicy | V::DeleteCaPolicy => {
            let policy = step.policy.as_ref()?;
            let id: Text = policy.id.as_deref().map_or_else(
                || tenant.id("conditionalAccessPolicy", &policy.name),
                Text::from,
            );
            let mut base = Map::new();
            base.insert("id".into(), Value::from(&*id));
            base.insert("displayName".into(), Value::from(policy.name.as_str()));
            base.insert("state".into(), Value::from("enabled"));
            let (old, new) = json_sides(&step.changes, base);
            let (change, old, new) = match step.verb {
                V::AddCaPolicy => (CaChange::Add, None, Some(new)),
                V::UpdateCaPolicy => (CaChange::Update, Some(old), Some(new)),
                _ => (CaChange::Delete, Some(old), None),
            };
            D::Policy(PolicyAction::ConditionalAccess {
                change,
                policy: ObjectRef {
                    id,
                    display_name: policy.name.as_str().into(),
                },
                old,
                new,
            })
        }
        V::SetFederation => {
            let domain = step.domain.clone()?;
            let issuer = step
                .issuer_uri
                .clone()
                .unwrap_or_else(|| format!("http://{domain}/adfs/services/trust"));
            let passive = match issuer.split_once("://") {
                Some((_, rest)) => format!(
                    "https://{}/adfs/ls/",
                    rest.split('/').next().unwrap_or_default()
                ),
                None => format!("https://{domain}/adfs/ls/"),
            };
            D::Policy(PolicyAction::Federation {
                domain,
                issuer_uri: issuer,
                passive_sign_in_uri: passive,
            })
        }
        V::AddDomain => D::Policy(PolicyAction::AddDomain {
            domain: step.domain.clone()?,
        }),
        V::VerifyDomain => D::Policy(PolicyAction::VerifyDomain {
            domain: step.domain.clone()?,
        }),
        V::SetCompanyInformation => D::Policy(PolicyAction::CompanyInformation {
            tenant: ObjectRef {
                id: tenant.tenant_id.into(),
                display_name: tenant.tenant_name.into(),
            },
            changes: changes(),
        }),
        V::SetDeviceRegistrationPolicy => {
            D::Policy(PolicyAction::DeviceRegistration { changes: changes() })
        }
        V::UpdateRiskAndMfaRegistrationPolicy => {
            D::Policy(PolicyAction::RiskAndMfaRegistration { changes: changes() })
        }
        V::AddCrossTenantPartner | V::UpdateCrossTenantPartner => {
            D::Policy(PolicyAction::CrossTenantPartner {
                add: step.verb == V::AddCrossTenantPartner,
                tenant_id: step.tenant_id.clone()?,
            })
        }
        V::RegisterDevice => D::Device(DeviceAction::Register {
            device: device()?,
            owner: user()?,
        }),
        V::UpdateDevice => D::Device(DeviceAction::Update {
            device: device()?,
            changes: changes(),
        }),
        V::DeleteDevice => device_op(|device| DeviceAction::Delete { device })?,
        V::ReadBitlockerKey => {
            let device = device()?;
            D::Device(DeviceAction::ReadBitLockerKey {
                key_id: tenant.id("bitlockerKey", &device.display_name),
                device,
            })
        }
        V::RecoverLapsPassword => device_op(|device| DeviceAction::RecoverLapsPassword { device })?,
        V::DeviceNoLongerCompliant => {
            device_op(|device| DeviceAction::NoLongerCompliant { device })?
        }
        V::DeviceNoLongerManaged => device_op(|device| DeviceAction::NoLongerManaged { device })?,
    })
}

fn changes(changes: &[Change]) -> Vec<PropertyChange> {
    changes
        .iter()
        .map(|c| PropertyChange {
            name: c.property.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
        })
        .collect()
}

/// A JSON object before and after `changes`, from `base` (keys in a stable order).
fn json_sides(changes: &[Change], base: Map<String, Value>) -> (String, String) {
    let (mut old, mut new) = (base.clone(), base);
    for change in changes {
        if let Some(value) = &change.old {
            old.insert(change.property.clone(), Value::from(value.as_str()));
        }
        if let Some(value) = &change.new {
            new.insert(change.property.clone(), Value::from(value.as_str()));
        }
    }
    (
        Value::Object(old).to_string(),
        Value::Object(new).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use crate::graph::{DirectoryAudit, Record, SignIn};
    use crate::scenario;
    use std::path::Path;

    const SCENARIO: &str = "
tenant: { domain: t.onmicrosoft.com, display_name: T }
users:
  - id: admin
    upn: admin@t.onmicrosoft.com
    display_name: Admin
    password: Right-1
    home: { ip: 203.0.113.1, country: JP, device: { name: PC-1, join: entra_joined } }
timeline:
  start: 2025-03-17T15:00:00Z
  steps:
    - at: 1m
      sign_in: { user: admin, app: Azure Portal }
    - at: 2m
      directory: { by: admin, action: add_user, upn: new@t.onmicrosoft.com, display_name: New }
    - at: 3m
      directory: { by: admin, action: add_group_member, group: Finance, user: new }
    - at: 4m
      directory: { by: admin, action: add_group_member, group: finance, user: admin }
    - at: 5m
      directory: { action: device_no_longer_compliant, device: PC-1 }
    - at: 6m
      directory:
        by: admin
        action: delete_user
        user: new
        outcome: failure
        reason: Insufficient privileges to complete the operation.
";

    fn records() -> (Vec<SignIn>, Vec<DirectoryAudit>) {
        let scenario = scenario::load_str(Path::new("t.yaml"), SCENARIO)
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let mut sign_ins = Vec::new();
        let mut audits = Vec::new();
        for item in super::super::simulate(&scenario) {
            match item.record {
                Some(Record::SignIn(s)) => sign_ins.push(*s),
                Some(Record::Audit(a)) => audits.push(*a),
                None => {}
            }
        }
        (sign_ins, audits)
    }

    #[test]
    fn a_callers_id_is_the_one_its_sign_ins_carry() {
        let (sign_ins, audits) = records();
        let signed_in = sign_ins[0].user_id.clone();
        let initiator = audits[0].initiated_by.user.as_ref().unwrap();
        assert_eq!(initiator.id, signed_in);
        assert_eq!(initiator.ip_address.as_deref(), Some("203.0.113.1"));
    }

    #[test]
    fn a_named_object_has_one_id_in_every_step() {
        let (_, audits) = records();
        let group_ids: Vec<_> = audits
            .iter()
            .filter(|a| a.activity_display_name.as_deref() == Some("Add member to group"))
            .map(|a| a.target_resources[1].id.clone())
            .collect();
        assert_eq!(group_ids.len(), 2);
        assert_eq!(group_ids[0], group_ids[1], "names compare without case");
        let added = &audits[0].target_resources[0].id;
        assert_eq!(&audits[1].target_resources[0].id, added);
    }

    #[test]
    fn compliance_rows_are_intunes_and_a_failure_writes_its_reason() {
        let (_, audits) = records();
        let compliance = &audits[3];
        assert_eq!(
            compliance.activity_display_name.as_deref(),
            Some("Device no longer compliant")
        );
        let by = compliance.initiated_by.app.as_ref().unwrap();
        assert_eq!(by.display_name.as_deref(), Some("Microsoft Intune"));
        let failed = audits.last().unwrap();
        assert_eq!(failed.result.as_deref(), Some("failure"));
        assert_eq!(
            failed.result_reason.as_deref(),
            Some("Insufficient privileges to complete the operation.")
        );
    }
}
