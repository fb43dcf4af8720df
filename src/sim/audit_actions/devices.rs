//! Devices: registration (the Device Registration Service row and the Core Directory rows it
//! causes), updates, deletion, BitLocker key reads, LAPS password recovery, and Intune's
//! compliance rows.

use super::{PropertyChange, UserRef, changes_as_properties, spec, user_target};
use crate::catalog::audit::TargetKind;
use crate::graph::Text;
use crate::sim::audit_records::{AuditActor, AuditTarget, RowSpec, shape};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRef {
    /// The device object's id.
    pub id: Text,
    /// The `deviceId` the device itself reports.
    pub device_id: Text,
    pub display_name: Text,
    pub os: String,
    /// `AzureAd`, `ServerAd` (hybrid joined) or `Workplace` (registered).
    pub trust_type: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceAction {
    Register {
        device: DeviceRef,
        owner: UserRef,
    },
    Update {
        device: DeviceRef,
        changes: Vec<PropertyChange>,
    },
    Delete {
        device: DeviceRef,
    },
    ReadBitLockerKey {
        device: DeviceRef,
        key_id: Text,
    },
    RecoverLapsPassword {
        device: DeviceRef,
    },
    NoLongerCompliant {
        device: DeviceRef,
    },
    NoLongerManaged {
        device: DeviceRef,
    },
}

impl DeviceAction {
    pub(super) fn rows(&self, actor: &AuditActor) -> Vec<RowSpec> {
        match self {
            DeviceAction::Register { device, owner } => {
                let props = vec![
                    shape::prop("DisplayName", None, Some(shape::list(&device.display_name))),
                    shape::prop("DeviceOSType", None, Some(shape::list(&device.os))),
                    shape::prop(
                        "DeviceTrustType",
                        None,
                        Some(shape::list(&device.trust_type)),
                    ),
                    shape::included(&["DisplayName", "DeviceOSType", "DeviceTrustType"]),
                ];
                vec![
                    spec("register_device", actor, vec![target(device)])
                        .detail("Device Id", device.device_id.to_string())
                        .detail("Device OS", device.os.clone())
                        .detail("Device Trust Type", device.trust_type.clone()),
                    spec("add_device", actor, vec![target(device).with(props)]),
                    spec(
                        "add_registered_owner_to_device",
                        actor,
                        vec![target(device), user_target(owner)],
                    ),
                ]
            }
            DeviceAction::Update { device, changes } => vec![spec(
                "update_device",
                actor,
                vec![target(device).with(changes_as_properties(changes))],
            )],
            DeviceAction::Delete { device } => one("delete_device", actor, device),
            DeviceAction::ReadBitLockerKey { device, key_id } => vec![
                spec("read_bitlocker_key", actor, vec![target(device)])
                    .detail("KeyIdentifier", key_id.to_string()),
            ],
            DeviceAction::RecoverLapsPassword { device } => vec![
                spec("recover_laps_password", actor, vec![target(device)]).detail(
                    "AdditionalInfo",
                    format!(
                        "Successfully recovered local credential by device id: {}",
                        device.device_id
                    ),
                ),
            ],
            DeviceAction::NoLongerCompliant { device } => {
                one("device_no_longer_compliant", actor, device)
            }
            DeviceAction::NoLongerManaged { device } => {
                one("device_no_longer_managed", actor, device)
            }
        }
    }
}

fn target(device: &DeviceRef) -> AuditTarget {
    AuditTarget::new(
        TargetKind::Device,
        device.id.clone(),
        Some(device.display_name.clone()),
    )
}

fn one(key: &str, actor: &AuditActor, device: &DeviceRef) -> Vec<RowSpec> {
    vec![spec(key, actor, vec![target(device)])]
}

#[cfg(test)]
mod tests {
    use super::super::DirectoryAction;
    use super::super::test_support::*;
    use super::*;

    fn laptop() -> DeviceRef {
        DeviceRef {
            id: "3e4f5a6b-0000-4000-8000-00000000d001".into(),
            device_id: "7a8b9c0d-0000-4000-8000-00000000d002".into(),
            display_name: "LAPTOP-ALICE".into(),
            os: "Windows".into(),
            trust_type: "AzureAd".into(),
        }
    }

    fn write_device(action: DeviceAction) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::Device(action))
    }

    #[test]
    fn registration_writes_the_service_row_and_the_directory_rows() {
        let rows = write_device(DeviceAction::Register {
            device: laptop(),
            owner: alice(),
        });
        assert_eq!(
            names(&rows),
            [
                "Register device",
                "Add device",
                "Add registered owner to device"
            ]
        );
        assert_eq!(
            rows[0].logged_by_service.as_deref(),
            Some("Device Registration Service")
        );
        assert_eq!(detail(&rows[0], "Device Trust Type"), Some("AzureAd"));
        assert!(
            rows.iter()
                .all(|r| r.correlation_id == rows[0].correlation_id)
        );
    }

    #[test]
    fn key_reads_and_laps_recovery() {
        let rows = write_device(DeviceAction::ReadBitLockerKey {
            device: laptop(),
            key_id: "b1b2b3b4-0000-4000-8000-00000000beef".into(),
        });
        assert_eq!(names(&rows), ["Read BitLocker key"]);
        assert_eq!(rows[0].category.as_deref(), Some("KeyManagement"));
        let rows = write_device(DeviceAction::RecoverLapsPassword { device: laptop() });
        assert!(
            detail(&rows[0], "AdditionalInfo")
                .unwrap()
                .starts_with("Successfully recovered local credential by device id")
        );
    }

    #[test]
    fn lifecycle_and_compliance_rows() {
        let update = write_device(DeviceAction::Update {
            device: laptop(),
            changes: vec![PropertyChange {
                name: "AccountEnabled".into(),
                old: Some("true".into()),
                new: Some("false".into()),
            }],
        });
        assert_eq!(names(&update), ["Update device"]);
        assert_eq!(
            names(&write_device(DeviceAction::Delete { device: laptop() })),
            ["Delete device"]
        );
        assert_eq!(
            names(&write_device(DeviceAction::NoLongerCompliant {
                device: laptop()
            })),
            ["Device no longer compliant"]
        );
        assert_eq!(
            names(&write_device(DeviceAction::NoLongerManaged {
                device: laptop()
            })),
            ["Device no longer managed"]
        );
    }
}
