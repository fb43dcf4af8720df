//! Directory audit activities as data: the strings Entra writes for administrator and user
//! actions beyond SSPR (`activityDisplayName`, `category`, `loggedByService`, `operationType`),
//! the target types, the `modifiedProperties` names, the `additionalDetails` keys, which rows
//! one operation writes under one `correlationId`, and the built-in directory role templates.
//!
//! Each activity names the source of its facts:
//! - `DOC` Microsoft's audit activity reference (`reference-audit-activities.md`, summarised in
//!   `reference/graph-api.md` 3.4) and the Graph directoryAudit pages;
//! - `SENTINEL` an Azure-Sentinel analytic rule that reads the field (file named), which shows
//!   the spelling a real tenant writes;
//! - `SIGMA` a SigmaHQ rule under `rules/cloud/azure/audit_logs/` (file named);
//! - `UNSURE` no public source shows it: a named default, documented in
//!   `docs/audit-activities.md`, that a scenario can override where it matters.

mod activities;
mod methods;
mod roles;
pub mod teaching;

pub use activities::all as activities;
pub use methods::{AuthMethod, CredentialKind};
pub use roles::{ROLE_TEMPLATES, RoleTemplate, find_role};
pub use teaching::activity_text;

/// `loggedByService` values as they appear on the wire.
pub struct Service;

impl Service {
    pub const CORE_DIRECTORY: &'static str = "Core Directory";
    pub const INVITED_USERS: &'static str = "Invited Users";
    pub const AUTHENTICATION_METHODS: &'static str = "Authentication Methods";
    pub const CONDITIONAL_ACCESS: &'static str = "Conditional Access";
    pub const SSPR: &'static str = "Self-service Password Management";
    /// UNSURE: the reference's heading is "Privileged Identity Management"; rows exported to
    /// Log Analytics carry the short form, which is the default here.
    pub const PIM: &'static str = "PIM";
    pub const DEVICE_REGISTRATION: &'static str = "Device Registration Service";
    /// The reference's "Microsoft Entra Management UX" section; the wire string is the old
    /// name (SIGMA azure_update_risk_and_mfa_registration_policy.yml).
    pub const MANAGEMENT_UX: &'static str = "AAD Management UX";
}

/// `category` values.
pub struct Category;

impl Category {
    pub const USER_MANAGEMENT: &'static str = "UserManagement";
    pub const GROUP_MANAGEMENT: &'static str = "GroupManagement";
    pub const APPLICATION_MANAGEMENT: &'static str = "ApplicationManagement";
    pub const ROLE_MANAGEMENT: &'static str = "RoleManagement";
    pub const DIRECTORY_MANAGEMENT: &'static str = "DirectoryManagement";
    pub const POLICY: &'static str = "Policy";
    pub const DEVICE: &'static str = "Device";
    pub const KEY_MANAGEMENT: &'static str = "KeyManagement";
    pub const CROSS_TENANT: &'static str = "CrossTenantAccessSettings";
}

/// `operationType` values (LA `AADOperationType`). `Assign`, `Unassign`, `AssignEligibleRole`
/// and `RemoveEligibleRole` are the role ones (SENTINEL UserAssignedPrivilegedRole.kql,
/// MultipleAdminRemovals.kql).
pub struct Operation;

impl Operation {
    pub const ADD: &'static str = "Add";
    pub const UPDATE: &'static str = "Update";
    pub const DELETE: &'static str = "Delete";
    pub const ASSIGN: &'static str = "Assign";
    pub const UNASSIGN: &'static str = "Unassign";
    pub const ASSIGN_ELIGIBLE: &'static str = "AssignEligibleRole";
    /// What a read (BitLocker key, LAPS password) is logged as. UNSURE: the LA reference lists
    /// only Add, Update, Delete and Other.
    pub const OTHER: &'static str = "Other";
}

/// A `targetResources[].type` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    User,
    Group,
    Role,
    Application,
    ServicePrincipal,
    Device,
    Directory,
    Policy,
    Other,
}

impl TargetKind {
    /// The wire spelling (graph-api.md 3.2; SENTINEL rules compare `ServicePrincipal` and
    /// `Application`).
    pub fn wire(self) -> &'static str {
        match self {
            TargetKind::User => "User",
            TargetKind::Group => "Group",
            TargetKind::Role => "Role",
            TargetKind::Application => "Application",
            TargetKind::ServicePrincipal => "ServicePrincipal",
            TargetKind::Device => "Device",
            TargetKind::Directory => "Directory",
            TargetKind::Policy => "Policy",
            TargetKind::Other => "Other",
        }
    }
}

/// One activity: the row's constant strings and what its targets carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditActivity {
    /// The name a scenario and the builder use (`add_member_to_role`).
    pub key: &'static str,
    pub display_name: &'static str,
    pub category: &'static str,
    pub service: &'static str,
    pub operation_type: &'static str,
    /// The target types, in the order the row lists them.
    pub targets: &'static [TargetKind],
    /// `modifiedProperties[].displayName`s of the first target, in order.
    pub modified: &'static [&'static str],
    /// `additionalDetails[].key`s, in order.
    pub details: &'static [&'static str],
    /// Where the facts come from (DOC / SENTINEL / SIGMA / UNSURE, see the module comment).
    pub source: &'static str,
}

/// Every `activityDisplayName` entralab writes: the SSPR service's and the catalogue's, once
/// each, in catalogue order.
pub fn activity_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let sspr = [
            super::SsprText::FLOW_PROGRESS,
            super::SsprText::RESET,
            super::SsprText::BLOCKED,
        ];
        let mut names: Vec<&'static str> = sspr.to_vec();
        for activity in activities() {
            if !names.contains(&activity.display_name) {
                names.push(activity.display_name);
            }
        }
        names
    })
}

/// The activity named `key`, if the catalogue has it.
pub fn find_activity(key: &str) -> Option<&'static AuditActivity> {
    activities().find(|a| a.key == key)
}

/// The activity whose `activityDisplayName` is `name`.
pub fn find_activity_by_name(name: &str) -> Option<&'static AuditActivity> {
    activities().find(|a| a.display_name == name)
}

/// The rows one operation writes under one `correlationId`, first row first. An operation
/// not listed writes one row.
///
/// - Consent: SENTINEL RareApplicationConsent.kql reads the three rows of one consent by
///   `CorrelationId`; SIGMA azure_app_permissions_msft.yml watches the two grant rows.
/// - PIM: the PIM service row and the Core Directory row it causes (initiated by `MS-PIM`,
///   SENTINEL MultipleAdminRemovals.kql filters `Initiator != "MS-PIM"`). Sharing one
///   correlationId is UNSURE (default: shared).
/// - A role assigned outside PIM: the Core Directory row and PIM's "outside of PIM" row
///   (UNSURE: written only in tenants where PIM is in use; default: written).
/// - Admin and self-service password changes: the Core Directory row and the password
///   management service's row (DOC lists both; sharing one correlationId is UNSURE).
/// - Device registration: the Device Registration Service row and the Core Directory rows.
pub const OPERATIONS: &[(&str, &[&str])] = &[
    (
        "consent_to_application",
        &[
            "consent_to_application",
            "add_delegated_permission_grant",
            "add_app_role_assignment_to_service_principal",
        ],
    ),
    (
        "add_member_to_role",
        &["add_member_to_role", "add_member_to_role_outside_pim"],
    ),
    (
        "pim_add_eligible_member",
        &["pim_add_eligible_member", "add_eligible_member_to_role"],
    ),
    (
        "pim_activate",
        &[
            "pim_activation_requested",
            "pim_activation_completed",
            "add_member_to_role_by_pim",
        ],
    ),
    (
        "reset_user_password",
        &["reset_user_password", "reset_password_by_admin"],
    ),
    (
        "change_user_password",
        &["change_user_password", "change_password_self_service"],
    ),
    (
        "register_device",
        &[
            "register_device",
            "add_device",
            "add_registered_owner_to_device",
        ],
    ),
];

/// The activity keys operation `key` writes, in row order.
pub fn operation_rows(key: &str) -> Vec<&'static AuditActivity> {
    let keys: &[&str] = OPERATIONS
        .iter()
        .find(|(op, _)| *op == key)
        .map_or(&[][..], |(_, rows)| rows);
    if keys.is_empty() {
        find_activity(key).into_iter().collect()
    } else {
        keys.iter().filter_map(|k| find_activity(k)).collect()
    }
}

/// A first-party service principal that initiates rows on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceApp {
    pub display_name: &'static str,
    pub app_id: &'static str,
}

/// PIM's own principal: the Core Directory rows a PIM request causes are initiated by it
/// (SENTINEL MultipleAdminRemovals.kql: `Initiator != "MS-PIM"`). The app id is UNSURE.
pub const MS_PIM: ServiceApp = ServiceApp {
    display_name: "MS-PIM",
    app_id: "01fc33a7-78ba-4d2f-a4b7-768e336e890e",
};

/// The initiator of `Device no longer compliant` / `managed` rows (UNSURE: the default is
/// Intune, the service that evaluates compliance).
pub const INTUNE: ServiceApp = ServiceApp {
    display_name: "Microsoft Intune",
    app_id: "0000000a-0000-0000-c000-000000000000",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_every_activity_names_a_source() {
        let all: Vec<_> = activities().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.key, b.key);
            }
            assert!(!a.targets.is_empty(), "{} has no target", a.key);
            assert!(!a.source.is_empty(), "{} names no source", a.key);
        }
    }

    #[test]
    fn every_operation_row_is_in_the_catalogue() {
        for (op, rows) in OPERATIONS {
            assert_eq!(operation_rows(op).len(), rows.len(), "{op}");
        }
        assert_eq!(operation_rows("delete_user").len(), 1);
        assert!(operation_rows("no_such_thing").is_empty());
    }

    #[test]
    fn consent_writes_three_rows_in_order() {
        let names: Vec<_> = operation_rows("consent_to_application")
            .iter()
            .map(|a| a.display_name)
            .collect();
        assert_eq!(
            names,
            [
                "Consent to application",
                "Add delegated permission grant",
                "Add app role assignment to service principal"
            ]
        );
    }

    #[test]
    fn the_issue_families_are_covered() {
        for name in [
            "Add user",
            "Update user",
            "Delete user",
            "Restore user",
            "Reset user password",
            "Change user password",
            "Update StsRefreshTokenValidFrom Timestamp",
            "Invite external user",
            "Redeem external user invite",
            "Add member to group",
            "Remove member from group",
            "Add owner to group",
            "Remove owner from group",
            "Add member to role",
            "Remove member from role",
            "Update role setting in PIM",
            "Add application",
            "Add service principal",
            "Update application",
            "Update application – Certificates and secrets management",
            "Add owner to application",
            "Delete application",
            "Consent to application",
            "Add delegated permission grant",
            "Add app role assignment to service principal",
            "User registered security info",
            "User deleted security info",
            "Admin registered security info",
            "Authentication Methods Policy Update",
            "Disable Strong Authentication",
            "Add conditional access policy",
            "Update conditional access policy",
            "Delete conditional access policy",
            "Set federation settings on domain",
            "Add unverified domain",
            "Verify domain",
            "Set Company Information",
            "Set device registration policies",
            "Add a partner to cross-tenant access setting",
            "Register device",
            "Update device",
            "Delete device",
            "Read BitLocker key",
            "Recover device local administrator password",
            "Device no longer compliant",
            "Device no longer managed",
            "Update User Risk and MFA Registration Policy",
        ] {
            assert!(find_activity_by_name(name).is_some(), "{name}");
        }
    }
}
