//! Group membership and ownership. The member (or owner) is the first target and carries the
//! group's id and name; the group is the second target (graph-api.md 6.3 shows both).

use super::{ObjectRef, Principal, object_target, principal_target, spec};
use crate::catalog::audit::TargetKind;
use crate::sim::audit_records::{AuditActor, RowSpec, shape};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    AddMember,
    RemoveMember,
    AddOwner,
    RemoveOwner,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupAction {
    pub change: Membership,
    pub group: ObjectRef,
    pub member: Principal,
}

impl GroupAction {
    pub(super) fn rows(&self, actor: &AuditActor) -> Vec<RowSpec> {
        let (key, adds) = match self.change {
            Membership::AddMember => ("add_member_to_group", true),
            Membership::RemoveMember => ("remove_member_from_group", false),
            Membership::AddOwner => ("add_owner_to_group", true),
            Membership::RemoveOwner => ("remove_owner_from_group", false),
        };
        let values = [
            ("Group.ObjectID", shape::string(&self.group.id)),
            ("Group.DisplayName", shape::string(&self.group.display_name)),
        ];
        let props = values
            .into_iter()
            .map(|(name, value)| {
                if adds {
                    shape::prop(name, None, Some(value))
                } else {
                    shape::prop(name, Some(value), None)
                }
            })
            .collect();
        vec![spec(
            key,
            actor,
            vec![
                principal_target(&self.member).with(props),
                object_target(TargetKind::Group, &self.group),
            ],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::super::DirectoryAction;
    use super::super::test_support::*;
    use super::*;

    fn group() -> ObjectRef {
        ObjectRef {
            id: "5d2f7c1e-9a0b-4c3d-8e6f-112233445566".into(),
            display_name: "Finance".into(),
        }
    }

    fn write_group(change: Membership) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::Group(GroupAction {
            change,
            group: group(),
            member: Principal::User(alice()),
        }))
    }

    #[test]
    fn adding_a_member_names_the_group_on_the_member() {
        let rows = write_group(Membership::AddMember);
        assert_eq!(names(&rows), ["Add member to group"]);
        assert_eq!(rows[0].category.as_deref(), Some("GroupManagement"));
        assert_eq!(
            props(&rows[0], 0)[1],
            (
                "Group.DisplayName".into(),
                None,
                Some(r#""Finance""#.into())
            )
        );
        assert_eq!(
            rows[0].target_resources[1].resource_type.as_deref(),
            Some("Group")
        );
    }

    #[test]
    fn removals_move_the_group_to_the_old_value_and_owners_have_their_own_names() {
        let rows = write_group(Membership::RemoveMember);
        assert_eq!(names(&rows), ["Remove member from group"]);
        assert_eq!(rows[0].operation_type.as_deref(), Some("Delete"));
        assert!(props(&rows[0], 0)[0].1.is_some());
        assert_eq!(
            names(&write_group(Membership::AddOwner)),
            ["Add owner to group"]
        );
        assert_eq!(
            names(&write_group(Membership::RemoveOwner)),
            ["Remove owner from group"]
        );
    }
}
