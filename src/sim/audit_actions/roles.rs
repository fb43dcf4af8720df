//! Directory roles: direct assignment (Core Directory, plus PIM's "outside of PIM" row) and
//! PIM: eligible assignment, activation, approval decisions, role settings.

use super::{
    Principal, PropertyChange, changes_as_properties, principal_target, service_actor, spec,
};
use crate::catalog::audit::{MS_PIM, RoleTemplate, TargetKind};
use crate::graph::{ModifiedProperty, Text};
use crate::sim::audit_records::{AuditActor, AuditTarget, RowSpec, shape};
use crate::sim::streams::guid;
use rand::Rng;

/// A role in this tenant: its template and the id of its activated directoryRole object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRef {
    pub template: &'static RoleTemplate,
    pub object_id: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RoleAction {
    /// A direct (permanent, active) assignment. `pim_in_use`: the tenant uses PIM, so PIM
    /// also writes its "outside of PIM" row (named default: true).
    AddMember {
        role: RoleRef,
        member: Principal,
        pim_in_use: bool,
    },
    RemoveMember {
        role: RoleRef,
        member: Principal,
    },
    /// A permanent eligible assignment made in PIM.
    PimAddEligible {
        role: RoleRef,
        member: Principal,
        justification: String,
    },
    /// The member activates an eligible assignment; `actor` is the member.
    PimActivate {
        role: RoleRef,
        member: Principal,
        justification: String,
    },
    /// An approver decides on an activation request.
    PimDecide {
        role: RoleRef,
        member: Principal,
        approved: bool,
        justification: String,
    },
    PimUpdateSetting {
        role: RoleRef,
        changes: Vec<PropertyChange>,
    },
}

impl RoleAction {
    pub(super) fn rows(&self, actor: &AuditActor, rng: &mut impl Rng) -> Vec<RowSpec> {
        match self {
            RoleAction::AddMember {
                role,
                member,
                pim_in_use,
            } => {
                let mut rows = vec![directory_row(
                    "add_member_to_role",
                    actor,
                    role,
                    member,
                    true,
                )];
                if *pim_in_use {
                    rows.push(
                        spec(
                            "add_member_to_role_outside_pim",
                            actor,
                            pim_targets(role, member),
                        )
                        .detail("RequestId", guid(rng).to_string()),
                    );
                }
                rows
            }
            RoleAction::RemoveMember { role, member } => vec![directory_row(
                "remove_member_from_role",
                actor,
                role,
                member,
                false,
            )],
            RoleAction::PimAddEligible {
                role,
                member,
                justification,
            } => vec![
                spec("pim_add_eligible_member", actor, pim_targets(role, member))
                    .detail("RequestId", guid(rng).to_string())
                    .detail("Justification", justification.clone()),
                directory_row(
                    "add_eligible_member_to_role",
                    &service_actor(MS_PIM),
                    role,
                    member,
                    true,
                ),
            ],
            RoleAction::PimActivate {
                role,
                member,
                justification,
            } => {
                let request = guid(rng).to_string();
                vec![
                    spec("pim_activation_requested", actor, pim_targets(role, member))
                        .detail("RequestId", request.clone())
                        .detail("Justification", justification.clone()),
                    spec("pim_activation_completed", actor, pim_targets(role, member))
                        .detail("RequestId", request),
                    directory_row(
                        "add_member_to_role_by_pim",
                        &service_actor(MS_PIM),
                        role,
                        member,
                        true,
                    ),
                ]
            }
            RoleAction::PimDecide {
                role,
                member,
                approved,
                justification,
            } => {
                let key = if *approved {
                    "pim_request_approved"
                } else {
                    "pim_request_denied"
                };
                vec![
                    spec(key, actor, pim_targets(role, member))
                        .detail("RequestId", guid(rng).to_string())
                        .detail("Justification", justification.clone()),
                ]
            }
            RoleAction::PimUpdateSetting { role, changes } => vec![spec(
                "pim_update_role_setting",
                actor,
                vec![role_target(role).with(changes_as_properties(changes))],
            )],
        }
    }
}

/// The Core Directory row: the member carries `Role.*` (new on add, old on removal), the
/// role is the second target.
fn directory_row(
    key: &str,
    actor: &AuditActor,
    role: &RoleRef,
    member: &Principal,
    adds: bool,
) -> RowSpec {
    spec(
        key,
        actor,
        vec![
            principal_target(member).with(role_properties(role, adds)),
            role_target(role),
        ],
    )
}

fn role_properties(role: &RoleRef, adds: bool) -> Vec<ModifiedProperty> {
    [
        ("Role.ObjectID", role.object_id.as_ref()),
        ("Role.DisplayName", role.template.display_name),
        ("Role.TemplateId", role.template.template_id),
        ("Role.WellKnownObjectName", role.template.well_known),
    ]
    .into_iter()
    .map(|(name, value)| {
        let value = shape::string(value);
        if adds {
            shape::prop(name, None, Some(value))
        } else {
            shape::prop(name, Some(value), None)
        }
    })
    .collect()
}

fn role_target(role: &RoleRef) -> AuditTarget {
    AuditTarget::new(
        TargetKind::Role,
        role.object_id.clone(),
        Some(role.template.display_name.into()),
    )
}

/// PIM rows list the role (by template id, UNSURE) first, then the member.
fn pim_targets(role: &RoleRef, member: &Principal) -> Vec<AuditTarget> {
    vec![
        AuditTarget::new(
            TargetKind::Role,
            role.template.template_id,
            Some(role.template.display_name.into()),
        ),
        principal_target(member),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{DirectoryAction, ObjectRef};
    use super::*;
    use crate::catalog::audit::find_role;

    fn global_admin() -> RoleRef {
        RoleRef {
            template: find_role("Global Administrator").unwrap(),
            object_id: "d3f6a7b8-1111-4222-8333-444455556666".into(),
        }
    }

    fn write_role(action: RoleAction) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::Role(action))
    }

    #[test]
    fn a_direct_assignment_writes_the_directory_row_and_pims_outside_row() {
        let rows = write_role(RoleAction::AddMember {
            role: global_admin(),
            member: Principal::User(alice()),
            pim_in_use: true,
        });
        assert_eq!(
            names(&rows),
            [
                "Add member to role",
                "Add member to role outside of PIM (permanent)"
            ]
        );
        assert_eq!(rows[0].correlation_id, rows[1].correlation_id);
        assert_eq!(rows[0].operation_type.as_deref(), Some("Assign"));
        assert_eq!(rows[1].logged_by_service.as_deref(), Some("PIM"));
        let p = props(&rows[0], 0);
        assert_eq!(p[1].2.as_deref(), Some(r#""Global Administrator""#));
        assert_eq!(
            p[2].2.as_deref(),
            Some(r#""62e90394-69f5-4237-9190-012177145e10""#)
        );
        assert_eq!(p[3].2.as_deref(), Some(r#""TenantAdmins""#));
        let without_pim = write_role(RoleAction::AddMember {
            role: global_admin(),
            member: Principal::User(alice()),
            pim_in_use: false,
        });
        assert_eq!(names(&without_pim), ["Add member to role"]);
    }

    #[test]
    fn a_group_holding_a_role_is_the_first_target_of_both_rows() {
        let tier0 = ObjectRef {
            id: "5d2f7c1e-9a0b-4c3d-8e6f-0000000000a0".into(),
            display_name: "Tier0 Admins".into(),
        };
        let rows = write_role(RoleAction::AddMember {
            role: global_admin(),
            member: Principal::Group(tier0),
            pim_in_use: true,
        });
        let kinds = |row: &crate::graph::DirectoryAudit| -> Vec<String> {
            row.target_resources
                .iter()
                .map(|t| t.resource_type.as_deref().unwrap_or("").to_string())
                .collect()
        };
        assert_eq!(kinds(&rows[0]), ["Group", "Role"]);
        assert_eq!(kinds(&rows[1]), ["Role", "Group"]);
        assert_eq!(
            rows[0].target_resources[0].display_name.as_deref(),
            Some("Tier0 Admins")
        );
        assert_eq!(props(&rows[0], 0)[1].0, "Role.DisplayName");
    }

    #[test]
    fn a_removal_keeps_the_role_in_the_old_values() {
        let rows = write_role(RoleAction::RemoveMember {
            role: global_admin(),
            member: Principal::User(alice()),
        });
        assert_eq!(rows[0].operation_type.as_deref(), Some("Unassign"));
        assert!(
            props(&rows[0], 0)
                .iter()
                .all(|p| p.1.is_some() && p.2.is_none())
        );
    }

    #[test]
    fn pim_rows_are_followed_by_the_directory_row_ms_pim_initiates() {
        let rows = write_role(RoleAction::PimActivate {
            role: global_admin(),
            member: Principal::User(alice()),
            justification: "change window".into(),
        });
        assert_eq!(
            names(&rows),
            [
                "Add member to role requested (PIM activation)",
                "Add member to role completed (PIM activation)",
                "Add member to role"
            ]
        );
        assert_eq!(detail(&rows[0], "RequestId"), detail(&rows[1], "RequestId"));
        let by = rows[2].initiated_by.app.as_ref().unwrap();
        assert_eq!(by.display_name.as_deref(), Some("MS-PIM"));
        let eligible = write_role(RoleAction::PimAddEligible {
            role: global_admin(),
            member: Principal::User(alice()),
            justification: "on call".into(),
        });
        assert_eq!(
            eligible[1].operation_type.as_deref(),
            Some("AssignEligibleRole")
        );
    }

    #[test]
    fn decisions_and_settings_have_their_own_activities() {
        let decide = |approved| {
            write_role(RoleAction::PimDecide {
                role: global_admin(),
                member: Principal::User(alice()),
                approved,
                justification: "ok".into(),
            })
        };
        assert_eq!(
            names(&decide(true)),
            ["Add member to role request approved (PIM activation)"]
        );
        assert_eq!(
            names(&decide(false)),
            ["Add member to role request denied (PIM activation)"]
        );
        let rows = write_role(RoleAction::PimUpdateSetting {
            role: global_admin(),
            changes: vec![PropertyChange {
                name: "RequireApproval".into(),
                old: Some("true".into()),
                new: Some("false".into()),
            }],
        });
        assert_eq!(names(&rows), ["Update role setting in PIM"]);
        assert_eq!(
            rows[0].target_resources[0].resource_type.as_deref(),
            Some("Role")
        );
    }
}
