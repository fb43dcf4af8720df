//! The activity table, one file per family (people, apps, directory). Sources are named per
//! row (see the module comment of `audit`).
//! `modified` lists what the first target carries; the builder (`sim::audit_records`) fills
//! the values in the shapes Entra writes (JSON inside a string: `"[\"Member\"]"`, `"\"x\""`).

use super::{AuditActivity, Service as S, TargetKind};

#[allow(clippy::too_many_arguments)]
pub(super) const fn act(
    key: &'static str,
    display_name: &'static str,
    category: &'static str,
    service: &'static str,
    operation_type: &'static str,
    targets: &'static [TargetKind],
    modified: &'static [&'static str],
    details: &'static [&'static str],
    source: &'static str,
) -> AuditActivity {
    AuditActivity {
        key,
        display_name,
        category,
        service,
        operation_type,
        targets,
        modified,
        details,
        source,
    }
}

/// Core Directory rows carry the caller's user agent (SENTINEL NRT_NewAppOrSPCredential.kql
/// reads `User-Agent` and `AppId`).
pub(super) const UA: &[&str] = &["User-Agent"];
pub(super) const ROLE_PROPS: &[&str] = &[
    "Role.ObjectID",
    "Role.DisplayName",
    "Role.TemplateId",
    "Role.WellKnownObjectName",
];
pub(super) const GROUP_PROPS: &[&str] = &["Group.ObjectID", "Group.DisplayName"];
pub(super) const NONE: &[&str] = &[];
pub(super) const CD: &str = S::CORE_DIRECTORY;

mod apps;
mod directory;
mod people;

/// Every activity the catalogue knows, family by family.
pub fn all() -> impl Iterator<Item = &'static AuditActivity> {
    people::PEOPLE
        .iter()
        .chain(apps::APPS)
        .chain(directory::DIRECTORY)
}
