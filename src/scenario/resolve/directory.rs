//! `directory:` steps: which operation, which fields it takes, and whether what it names
//! exists at that point of the timeline. Users, apps, devices and Conditional Access policies
//! exist when declared, or from the step that adds them until the step that deletes them; an
//! operation on one that does not exist yet, or no longer, is a mistake with a hint.

use super::Resolver;
use super::directory_objects::{Directory, Lifecycle, Want};
use crate::catalog::audit::{CredentialKind, INTUNE, ROLE_TEMPLATES, find_role};
use crate::scenario::diagnostic::suggest;
use crate::scenario::model::*;
use crate::scenario::spec::JoinSpec;
use crate::scenario::spec::directory::{DirectoryStepSpec, OutcomeSpec};
use serde_saphyr::{Location, Spanned};

/// The resource a consent names when the step names none.
const MICROSOFT_GRAPH: (&str, &str) = ("Microsoft Graph", "00000003-0000-0000-c000-000000000000");

impl Resolver<'_> {
    pub(super) fn directory_step(
        &mut self,
        spec: DirectoryStepSpec,
        users: &[User],
        dir: &mut Directory,
        line: u64,
    ) -> Option<DirectoryStep> {
        let Some(verb) = DirectoryVerb::find(&spec.action.value) else {
            let help = match suggest(&spec.action.value, VERBS.iter().map(|v| v.0)) {
                Some(best) => {
                    format!("did you mean `{best}`? (docs/scenario-format.md lists them)")
                }
                None => "see docs/scenario-format.md for the directory actions".into(),
            };
            self.error(
                spec.action.referenced,
                format!("unknown directory action `{}`", spec.action.value),
                "unknown action",
                help,
            );
            return None;
        };
        let errors_before = self.error_count();
        self.check_fields(verb, &spec);
        let failure = match (&spec.outcome, &spec.reason) {
            (Some(o), Some(reason)) if o.value == OutcomeSpec::Failure => {
                Some(reason.value.clone())
            }
            (Some(o), None) if o.value == OutcomeSpec::Failure => {
                self.error(
                    o.referenced,
                    "a failed operation needs its `reason`",
                    "no reason",
                    "add `reason:` with the resultReason Entra writes, e.g. `reason: Insufficient privileges to complete the operation.`",
                );
                None
            }
            (_, Some(reason)) => {
                self.error(
                    reason.referenced,
                    "`reason` is only for `outcome: failure`",
                    "not a failure",
                    "add `outcome: failure`, or remove `reason`",
                );
                None
            }
            _ => None,
        };
        let succeeds = failure.is_none();
        let (by, client) = self.caller(verb, &spec, users, dir)?;
        let caller_user = match &by {
            Caller::User(u) => Some(u.clone()),
            _ => None,
        };
        let user = self.target_user(verb, &spec, dir, caller_user, succeeds, line);
        let role = spec.role.as_ref().and_then(|r| self.role(r));
        let app = self.target_app(verb, &spec, dir, succeeds, line);
        let resource = match &spec.resource {
            Some(name) => self.lookup(&dir.apps, name, Want::Present).map(|(_, a)| a),
            None => (verb == DirectoryVerb::Consent).then(|| DirApp {
                display_name: MICROSOFT_GRAPH.0.into(),
                app_id: Some(MICROSOFT_GRAPH.1.into()),
            }),
        };
        let policy = self.target_policy(verb, &spec, dir, succeeds, line);
        let device = self.target_device(verb, &spec, dir, succeeds, line);
        if let Some(tenant_id) = &spec.tenant_id {
            self.guid(tenant_id, "the partner tenant's id");
        }
        if self.error_count() > errors_before {
            return None;
        }
        Some(DirectoryStep {
            verb,
            by,
            client,
            user,
            group: spec.group.map(|g| g.value),
            role,
            app,
            resource,
            scopes: spec.scopes.map(|s| s.value).unwrap_or_default(),
            app_roles: spec.app_roles.map(|s| s.value).unwrap_or_default(),
            admin_consent: spec.admin_consent.is_some_and(|a| a.value),
            pim: spec.pim.is_none_or(|p| p.value),
            justification: spec.justification.map(|j| j.value).unwrap_or_default(),
            credential: spec
                .credential
                .map(|c| (c.value.kind, c.value.name))
                .or(matches!(
                    verb,
                    DirectoryVerb::AddAppCredential | DirectoryVerb::AddSpCredential
                )
                .then(|| (CredentialKind::Secret, "secret".to_string()))),
            method: spec.method.map(|m| m.value),
            changes: spec
                .changes
                .map(|c| {
                    c.value
                        .into_iter()
                        .map(|c| Change {
                            property: c.property,
                            old: c.old,
                            new: c.new,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            policy,
            domain: spec.domain.map(|d| d.value),
            issuer_uri: spec.issuer_uri.map(|d| d.value),
            tenant_id: spec.tenant_id.map(|d| d.value),
            device,
            new_password: spec.new_password.map(|p| p.value),
            failure,
        })
    }

    /// Every field the step gives is one its operation takes; every field it needs is given.
    fn check_fields(&mut self, verb: DirectoryVerb, spec: &DirectoryStepSpec) {
        let given = given_fields(spec);
        let name = verb.name();
        let takes: Vec<&str> = verb
            .required()
            .iter()
            .chain(verb.optional())
            .map(|f| f.key())
            .collect();
        for (field, at) in &given {
            if !verb.required().contains(field) && !verb.optional().contains(field) {
                let help = if takes.is_empty() {
                    format!("`{name}` takes only `by`, `client` and `outcome`")
                } else {
                    format!("`{name}` takes: {}", takes.join(", "))
                };
                self.error(
                    *at,
                    format!("`{}` means nothing to `{name}`", field.key()),
                    "not used by this action",
                    help,
                );
            }
        }
        if verb.member_is_user_or_group() {
            let user = given.iter().find(|(f, _)| *f == StepField::User);
            let group = given.iter().find(|(f, _)| *f == StepField::Group);
            match (user, group) {
                (Some(_), Some((_, at))) => self.error(
                    *at,
                    format!("`{name}` takes a `user` or a `group`, not both"),
                    "a second member",
                    "keep `user:` (a user) or `group:` (a role-assignable group)",
                ),
                (None, None) => self.error(
                    spec.action.referenced,
                    format!("`{name}` needs `user` or `group`"),
                    "no member",
                    "add `user:` (a user) or `group:` (a role-assignable group holding the role)",
                ),
                _ => {}
            }
        }
        for field in verb.required() {
            if !given.iter().any(|(f, _)| f == field) {
                self.error(
                    spec.action.referenced,
                    format!("`{name}` needs `{}`", field.key()),
                    "missing a field",
                    format!("add `{}:` to this step", field.key()),
                );
            }
        }
    }

    /// Who does it, and from where.
    fn caller(
        &mut self,
        verb: DirectoryVerb,
        spec: &DirectoryStepSpec,
        users: &[User],
        dir: &Directory,
    ) -> Option<(Caller, ClientContext)> {
        let placeholder = ClientContext {
            ip: String::new(),
            city: String::new(),
            state: String::new(),
            country: String::new(),
            latitude: None,
            longitude: None,
            os: "Windows10".into(),
            browser: "Edge 134.0.0".into(),
            user_agent: None,
            device: None,
        };
        match (&spec.by, &spec.by_app) {
            (Some(by), Some(_)) => {
                self.error(
                    by.referenced,
                    "a step is done by a user or by an app, not both",
                    "two callers",
                    "keep `by` or `by_app`",
                );
                None
            }
            (Some(by), None) => {
                let (_, user) = self.lookup(&dir.users, by, Want::Present)?;
                let home = users
                    .iter()
                    .find(|u| u.upn.eq_ignore_ascii_case(&user.upn))
                    .map(|u| &u.home);
                let client = self.context(&spec.client, home, by.referenced)?;
                Some((Caller::User(user), client))
            }
            (None, Some(app)) => {
                let (_, app) = self.lookup(&dir.apps, app, Want::Present)?;
                let client = self.context(&spec.client, Some(&placeholder), app_at(spec))?;
                Some((Caller::App(app), client))
            }
            (None, None) => match verb {
                DirectoryVerb::DeviceNoLongerCompliant | DirectoryVerb::DeviceNoLongerManaged => {
                    Some((Caller::Service(INTUNE), placeholder))
                }
                DirectoryVerb::RedeemInvite => {
                    let guest = spec.user.as_ref()?;
                    let (_, user) = self.lookup(&dir.users, guest, Want::Present)?;
                    let client = self.context(&spec.client, None, guest.referenced)?;
                    Some((Caller::User(user), client))
                }
                _ => {
                    self.error(
                        spec.action.referenced,
                        format!("who does `{}`?", verb.name()),
                        "no caller",
                        "add `by: <user>` (a user, e.g. an administrator) or `by_app: <app>` (an app with its own credentials)",
                    );
                    None
                }
            },
        }
    }

    fn target_user(
        &mut self,
        verb: DirectoryVerb,
        spec: &DirectoryStepSpec,
        dir: &mut Directory,
        caller: Option<DirUser>,
        succeeds: bool,
        line: u64,
    ) -> Option<DirUser> {
        match verb {
            DirectoryVerb::AddUser => {
                let (upn, name) = (spec.upn.as_ref()?, spec.display_name.as_ref()?);
                if self.exists_already(&dir.users, upn) {
                    return None;
                }
                let user = DirUser {
                    upn: upn.value.clone(),
                    display_name: name.value.clone(),
                    guest: spec.guest.as_ref().is_some_and(|g| g.value),
                };
                if succeeds {
                    let key = upn.value.split('@').next().unwrap_or_default().to_string();
                    dir.users.add(vec![upn.value.clone(), key], user.clone());
                }
                Some(user)
            }
            DirectoryVerb::InviteGuest => {
                let email = spec.email.as_ref()?;
                if self.exists_already(&dir.users, email) {
                    return None;
                }
                let local = email.value.split('@').next().unwrap_or_default();
                let user = DirUser {
                    upn: format!("{}#EXT#@{}", email.value.replace('@', "_"), dir.domain),
                    display_name: spec
                        .display_name
                        .as_ref()
                        .map_or_else(|| local.to_string(), |d| d.value.clone()),
                    guest: true,
                };
                if succeeds {
                    dir.users
                        .add(vec![email.value.clone(), user.upn.clone()], user.clone());
                }
                Some(user)
            }
            _ => {
                let Some(name) = &spec.user else {
                    // A role's member given as a `group` is no user; neither is the caller.
                    if !verb.optional().contains(&StepField::User) || verb.member_is_user_or_group()
                    {
                        return None;
                    }
                    if caller.is_none() {
                        self.error(
                            spec.action.referenced,
                            format!(
                                "`{}` without `user` is about the caller, and an app is no user",
                                verb.name()
                            ),
                            "no user",
                            "add `user:`",
                        );
                    }
                    return caller;
                };
                let want = if verb == DirectoryVerb::RestoreUser {
                    Want::Deleted
                } else {
                    Want::Present
                };
                let (i, user) = self.lookup(&dir.users, name, want)?;
                if succeeds {
                    match verb {
                        DirectoryVerb::DeleteUser => dir.users.entries[i].deleted_at = Some(line),
                        DirectoryVerb::RestoreUser => dir.users.entries[i].deleted_at = None,
                        DirectoryVerb::ConvertGuestToMember => {
                            dir.users.entries[i].value.guest = false
                        }
                        _ => {}
                    }
                }
                Some(user)
            }
        }
    }

    fn target_app(
        &mut self,
        verb: DirectoryVerb,
        spec: &DirectoryStepSpec,
        dir: &mut Directory,
        succeeds: bool,
        line: u64,
    ) -> Option<DirApp> {
        let name = spec.app.as_ref()?;
        let add = verb == DirectoryVerb::AddApplication;
        let delete = verb == DirectoryVerb::DeleteApplication;
        let change = Lifecycle::new(add, delete, succeeds, line);
        self.add_or_find(&mut dir.apps, name, change, || DirApp {
            display_name: name.value.clone(),
            app_id: None,
        })
    }

    fn target_policy(
        &mut self,
        verb: DirectoryVerb,
        spec: &DirectoryStepSpec,
        dir: &mut Directory,
        succeeds: bool,
        line: u64,
    ) -> Option<DirObject> {
        let name = spec.policy.as_ref()?;
        let add = verb == DirectoryVerb::AddCaPolicy;
        let delete = verb == DirectoryVerb::DeleteCaPolicy;
        let change = Lifecycle::new(add, delete, succeeds, line);
        self.add_or_find(&mut dir.policies, name, change, || DirObject {
            id: None,
            name: name.value.clone(),
        })
    }

    fn target_device(
        &mut self,
        verb: DirectoryVerb,
        spec: &DirectoryStepSpec,
        dir: &mut Directory,
        succeeds: bool,
        line: u64,
    ) -> Option<DirDevice> {
        let name = spec.device.as_ref()?;
        let trust = match spec.join.as_ref().map(|j| j.value) {
            None | Some(JoinSpec::EntraJoined) => TrustType::EntraJoined,
            Some(JoinSpec::HybridJoined) => TrustType::HybridJoined,
            Some(JoinSpec::Registered) => TrustType::Registered,
        };
        let add = verb == DirectoryVerb::RegisterDevice;
        let delete = verb == DirectoryVerb::DeleteDevice;
        let change = Lifecycle::new(add, delete, succeeds, line);
        self.add_or_find(&mut dir.devices, name, change, || DirDevice {
            id: None,
            name: name.value.clone(),
            trust,
        })
    }

    fn role(
        &mut self,
        name: &Spanned<String>,
    ) -> Option<&'static crate::catalog::audit::RoleTemplate> {
        let role = find_role(&name.value);
        if role.is_none() {
            let names = || ROLE_TEMPLATES.iter().map(|r| r.display_name);
            let lower = name.value.to_lowercase();
            let started = names().find(|n| n.to_lowercase().starts_with(&lower));
            let help = match started.or_else(|| suggest(&name.value, names())) {
                Some(best) => format!("did you mean `{best}`? A role is named by its display name or its template id"),
                None => "name a built-in role by its display name (e.g. Global Administrator) or its template id (e.g. 62e90394-69f5-4237-9190-012177145e10)".into(),
            };
            self.error(
                name.referenced,
                format!("unknown directory role `{}`", name.value),
                "not a built-in role",
                help,
            );
        }
        role
    }
}

fn app_at(spec: &DirectoryStepSpec) -> Location {
    spec.by_app
        .as_ref()
        .map_or(spec.action.referenced, |a| a.referenced)
}

/// The fields a step gives, with where.
fn given_fields(spec: &DirectoryStepSpec) -> Vec<(StepField, Location)> {
    fn at<T>(field: StepField, value: &Option<Spanned<T>>) -> Option<(StepField, Location)> {
        value.as_ref().map(|v| (field, v.referenced))
    }
    [
        at(StepField::User, &spec.user),
        at(StepField::Upn, &spec.upn),
        at(StepField::DisplayName, &spec.display_name),
        at(StepField::Guest, &spec.guest),
        at(StepField::Email, &spec.email),
        at(StepField::Group, &spec.group),
        at(StepField::Role, &spec.role),
        at(StepField::Pim, &spec.pim),
        at(StepField::Justification, &spec.justification),
        at(StepField::App, &spec.app),
        at(StepField::Resource, &spec.resource),
        at(StepField::Scopes, &spec.scopes),
        at(StepField::AppRoles, &spec.app_roles),
        at(StepField::AdminConsent, &spec.admin_consent),
        at(StepField::Credential, &spec.credential),
        at(StepField::Method, &spec.method),
        at(StepField::Changes, &spec.changes),
        at(StepField::Policy, &spec.policy),
        at(StepField::Domain, &spec.domain),
        at(StepField::IssuerUri, &spec.issuer_uri),
        at(StepField::TenantId, &spec.tenant_id),
        at(StepField::Device, &spec.device),
        at(StepField::Join, &spec.join),
        at(StepField::NewPassword, &spec.new_password),
    ]
    .into_iter()
    .flatten()
    .collect()
}
