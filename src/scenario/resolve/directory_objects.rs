//! What exists in the directory as the timeline goes: users, apps, devices and Conditional
//! Access policies, declared or added by a step, until a step deletes them; and the lookups
//! that refuse a name that does not exist at that point, with a hint.

use super::Resolver;
use crate::catalog::FIRST_PARTY_APPS;
use crate::scenario::diagnostic::suggest;
use crate::scenario::model::*;
use crate::scenario::spec::StepSpec;
use serde_saphyr::Spanned;

/// One kind of directory object as the timeline goes.
pub(super) struct Registry<T> {
    kind: &'static str,
    pub(super) entries: Vec<Entry<T>>,
    /// Objects steps add, by name, with the step's line (for "does not exist yet").
    added_later: Vec<(String, u64)>,
}

pub(super) struct Entry<T> {
    names: Vec<String>,
    pub(super) value: T,
    pub(super) deleted_at: Option<u64>,
}

impl<T: Clone> Registry<T> {
    fn new(kind: &'static str) -> Self {
        Registry {
            kind,
            entries: Vec::new(),
            added_later: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, names: Vec<String>, value: T) {
        let names = names.into_iter().map(|n| n.to_lowercase()).collect();
        self.entries.push(Entry {
            names,
            value,
            deleted_at: None,
        });
    }

    /// The newest object of that name: one added again after a delete is the one meant.
    fn position(&self, name: &str) -> Option<usize> {
        let name = name.to_lowercase();
        self.entries.iter().rposition(|e| e.names.contains(&name))
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| e.deleted_at.is_none())
            .filter_map(|e| e.names.first().map(String::as_str))
    }
}

/// What exists in the tenant's directory at the step being resolved.
pub(crate) struct Directory {
    pub(super) users: Registry<DirUser>,
    pub(super) apps: Registry<DirApp>,
    pub(super) devices: Registry<DirDevice>,
    pub(super) policies: Registry<DirObject>,
    pub(super) domain: String,
}

impl Directory {
    /// The declared users, apps, devices and policies, and what the steps will add.
    pub(super) fn new(users: &[User], apps: &[App], tenant: &Tenant, steps: &[StepSpec]) -> Self {
        let mut dir = Directory {
            users: Registry::new("user"),
            apps: Registry::new("app"),
            devices: Registry::new("device"),
            policies: Registry::new("Conditional Access policy"),
            domain: tenant.domain.clone(),
        };
        for user in users {
            dir.users.add(
                vec![user.key.clone(), user.upn.clone()],
                DirUser {
                    upn: user.upn.clone(),
                    display_name: user.display_name.clone(),
                    guest: false,
                },
            );
            for context in std::iter::once(&user.home).chain(&user.familiar) {
                if let Some(device) = &context.device
                    && dir.devices.position(&device.name).is_none()
                {
                    dir.devices.add(
                        vec![device.name.clone()],
                        DirDevice {
                            id: Some(device.id.clone()),
                            name: device.name.clone(),
                            trust: device.trust,
                        },
                    );
                }
            }
        }
        for app in apps {
            dir.apps.add(
                vec![app.display_name.clone()],
                DirApp {
                    display_name: app.display_name.clone(),
                    app_id: Some(app.app_id.clone()),
                },
            );
        }
        for app in FIRST_PARTY_APPS {
            dir.apps.add(
                vec![app.display_name.into()],
                DirApp {
                    display_name: app.display_name.into(),
                    app_id: Some(app.app_id.into()),
                },
            );
        }
        for policy in &tenant.conditional_access {
            dir.policies.add(
                vec![policy.display_name.clone()],
                DirObject {
                    id: Some(policy.id.clone()),
                    name: policy.display_name.clone(),
                },
            );
        }
        for step in steps {
            let Some(d) = &step.directory else { continue };
            let line = step.at.referenced.line();
            let later = |field: &Option<Spanned<String>>| {
                field
                    .as_ref()
                    .map(|f| (f.value.to_lowercase(), line))
                    .into_iter()
            };
            match DirectoryVerb::find(&d.action.value) {
                Some(DirectoryVerb::AddUser) => {
                    // Later steps may name the new user by UPN or by the part before `@`.
                    let keys = later(&d.upn).flat_map(|(upn, line)| {
                        let key = upn.split('@').next().unwrap_or_default().to_string();
                        [(upn, line), (key, line)]
                    });
                    dir.users.added_later.extend(keys)
                }
                Some(DirectoryVerb::InviteGuest) => dir.users.added_later.extend(later(&d.email)),
                Some(DirectoryVerb::AddApplication) => dir.apps.added_later.extend(later(&d.app)),
                Some(DirectoryVerb::RegisterDevice) => {
                    dir.devices.added_later.extend(later(&d.device))
                }
                Some(DirectoryVerb::AddCaPolicy) => {
                    dir.policies.added_later.extend(later(&d.policy))
                }
                _ => {}
            }
        }
        dir
    }
}

/// What a lookup wants of the object it names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// It exists now.
    Present,
    /// It was deleted (a restore).
    Deleted,
}

impl Resolver<'_> {
    pub(super) fn lookup<T: Clone>(
        &mut self,
        registry: &Registry<T>,
        name: &Spanned<String>,
        want: Want,
    ) -> Option<(usize, T)> {
        let kind = registry.kind;
        let found = registry.position(&name.value);
        match found.map(|i| (i, &registry.entries[i])) {
            Some((i, entry)) if want == Want::Present && entry.deleted_at.is_none() => {
                return Some((i, entry.value.clone()));
            }
            Some((i, entry)) if want == Want::Deleted && entry.deleted_at.is_some() => {
                return Some((i, entry.value.clone()));
            }
            Some((_, entry)) => match entry.deleted_at {
                Some(line) => self.error(
                    name.referenced,
                    format!("{kind} `{}` was deleted at line {line}", name.value),
                    "deleted by then",
                    // Only users can be restored (`restore_user`); the rest are added again.
                    if kind == "user" {
                        format!("restore it first, or move this step before line {line}")
                    } else {
                        format!(
                            "move this step before line {line}, or add the {kind} again after it"
                        )
                    },
                ),
                None => self.error(
                    name.referenced,
                    format!("{kind} `{}` is not deleted", name.value),
                    "nothing to restore",
                    "remove this step, or delete it in an earlier step",
                ),
            },
            None => {
                let wanted = name.value.to_lowercase();
                let later = registry.added_later.iter().find(|(n, _)| *n == wanted);
                match later {
                    Some((_, line)) => self.error(
                        name.referenced,
                        format!("{kind} `{}` does not exist yet", name.value),
                        "not added yet",
                        format!("it is added at line {line}; move this step after that one"),
                    ),
                    None => {
                        let help = match suggest(&name.value, registry.names()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => match kind {
                                "user" => "declare it under `users:`, or add it in an earlier step (`action: add_user` or `invite_guest`)",
                                "app" => "declare it under `apps:`, or add it in an earlier step (`action: add_application`)",
                                "device" => "give a user's context a `device:`, or register it in an earlier step (`action: register_device`)",
                                _ => "declare it under `tenant.conditional_access`, or add it in an earlier step (`action: add_ca_policy`)",
                            }
                            .to_string(),
                        };
                        self.error(
                            name.referenced,
                            format!("unknown {kind} `{}`", name.value),
                            "does not exist",
                            help,
                        );
                    }
                }
            }
        }
        None
    }

    pub(super) fn exists_already<T: Clone>(
        &mut self,
        registry: &Registry<T>,
        name: &Spanned<String>,
    ) -> bool {
        let exists = registry
            .position(&name.value)
            .is_some_and(|i| registry.entries[i].deleted_at.is_none());
        if exists {
            self.error(
                name.referenced,
                format!("{} `{}` already exists", registry.kind, name.value),
                "exists already",
                "give it another name, or delete the existing one first",
            );
        }
        exists
    }

    /// The object a step names: added by it (`change.add`: refused if it exists), else looked
    /// up (and marked deleted by a successful `change.delete`).
    pub(super) fn add_or_find<T: Clone>(
        &mut self,
        registry: &mut Registry<T>,
        name: &Spanned<String>,
        change: Lifecycle,
        make: impl FnOnce() -> T,
    ) -> Option<T> {
        if change.add {
            if self.exists_already(registry, name) {
                return None;
            }
            let value = make();
            if change.succeeds {
                registry.add(vec![name.value.clone()], value.clone());
            }
            return Some(value);
        }
        let (i, value) = self.lookup(registry, name, Want::Present)?;
        if change.succeeds && change.delete {
            registry.entries[i].deleted_at = Some(change.line);
        }
        Some(value)
    }
}

/// What a step does to the object it names.
#[derive(Clone, Copy)]
pub(super) struct Lifecycle {
    add: bool,
    delete: bool,
    succeeds: bool,
    line: u64,
}

impl Lifecycle {
    pub(super) fn new(add: bool, delete: bool, succeeds: bool, line: u64) -> Self {
        Lifecycle {
            add,
            delete,
            succeeds,
            line,
        }
    }
}
