//! What `entralab explain` says about each audit activity: what it records, for people, and
//! the `directory:` step actions that write it in entralab's model. A table of its own, keyed
//! by the activity's key, so the activity table keeps its shape; a test checks every
//! activity of the catalogue has its text here.

/// (activity key, what the row records, the `directory:` actions that write it).
pub const ACTIVITY_TEXTS: &[(&str, &str, &[&str])] = &[
    // People.
    (
        "add_user",
        "a user account was created (a member, or a guest placeholder)",
        &["add_user"],
    ),
    (
        "update_user",
        "a user's properties changed; modifiedProperties lists old and new values \
         (AccountEnabled for disable/enable, UserType for guest to member, \
         StrongAuthenticationRequirement for per-user MFA)",
        &[
            "update_user",
            "convert_guest_to_member",
            "disable_user",
            "enable_user",
            "disable_per_user_mfa",
        ],
    ),
    (
        "delete_user",
        "a user was deleted (soft delete: restorable for 30 days)",
        &["delete_user"],
    ),
    (
        "restore_user",
        "a deleted user was restored",
        &["restore_user"],
    ),
    (
        "reset_user_password",
        "the Core Directory wrote a password set by someone else (an admin reset)",
        &["reset_password"],
    ),
    (
        "reset_password_by_admin",
        "the password management service's row of an admin reset, beside the Core Directory's",
        &["reset_password"],
    ),
    (
        "change_user_password",
        "the Core Directory wrote a user's own password change",
        &["change_password"],
    ),
    (
        "change_password_self_service",
        "the password management service's row of a user changing their own password",
        &["change_password"],
    ),
    (
        "revoke_sessions",
        "the user's refresh tokens and sessions were revoked (StsRefreshTokenValidFrom moved to now)",
        &["revoke_sessions"],
    ),
    (
        "disable_strong_authentication",
        "per-user MFA was switched off for a user",
        &["disable_strong_authentication"],
    ),
    (
        "invite_external_user",
        "a guest was invited from outside the tenant",
        &["invite_guest"],
    ),
    (
        "redeem_external_user_invite",
        "a guest accepted their invitation",
        &["redeem_invite"],
    ),
    (
        "add_member_to_group",
        "a user was added to a group",
        &["add_group_member"],
    ),
    (
        "remove_member_from_group",
        "a user was removed from a group",
        &["remove_group_member"],
    ),
    (
        "add_owner_to_group",
        "a user became an owner of a group",
        &["add_group_owner"],
    ),
    (
        "remove_owner_from_group",
        "a user stopped being an owner of a group",
        &["remove_group_owner"],
    ),
    (
        "add_member_to_role",
        "a directory role (Global Administrator, ...) was assigned to a user directly",
        &["add_role_member"],
    ),
    (
        "add_member_to_role_by_pim",
        "the Core Directory's row of a role assignment PIM made (initiated by MS-PIM)",
        &["activate_role"],
    ),
    (
        "remove_member_from_role",
        "a directory role was taken from a user",
        &["remove_role_member"],
    ),
    (
        "add_eligible_member_to_role",
        "the Core Directory's row of a user made eligible for a role through PIM",
        &["add_eligible_role_member"],
    ),
    (
        "add_member_to_role_outside_pim",
        "PIM noticed a permanent role assignment made outside PIM",
        &["add_role_member"],
    ),
    (
        "pim_add_eligible_member",
        "PIM made a user eligible for a role (permanently)",
        &["add_eligible_role_member"],
    ),
    (
        "pim_activation_requested",
        "a user asked PIM to activate an eligible role",
        &["activate_role"],
    ),
    (
        "pim_activation_completed",
        "PIM activated the role",
        &["activate_role"],
    ),
    (
        "pim_request_approved",
        "an approver approved a PIM activation request",
        &["approve_role_activation"],
    ),
    (
        "pim_request_denied",
        "an approver denied a PIM activation request",
        &["deny_role_activation"],
    ),
    (
        "pim_update_role_setting",
        "a role's PIM settings changed (approval, MFA on activation, duration)",
        &["update_role_setting"],
    ),
    // Applications, consent, authentication methods.
    (
        "add_application",
        "an app registration was created",
        &["add_application"],
    ),
    (
        "update_application",
        "an app registration changed (redirect URIs, identifier URIs, ...)",
        &["update_application"],
    ),
    (
        "update_application_credentials",
        "a client secret or certificate was added to an app registration",
        &["add_app_credential"],
    ),
    (
        "add_service_principal_credentials",
        "a client secret or certificate was added to an enterprise application (service \
         principal) itself, not to its registration: a key its owner may not know about",
        &["add_sp_credential"],
    ),
    (
        "add_owner_to_application",
        "a user became an owner of an app registration",
        &["add_app_owner"],
    ),
    (
        "remove_owner_from_application",
        "a user stopped being an owner of an app registration",
        &["remove_app_owner"],
    ),
    (
        "delete_application",
        "an app registration was deleted",
        &["delete_application"],
    ),
    (
        "add_service_principal",
        "an enterprise application (service principal) was created in the tenant",
        &["add_service_principal"],
    ),
    (
        "remove_service_principal",
        "an enterprise application (service principal) was removed",
        &["remove_service_principal"],
    ),
    (
        "consent_to_application",
        "a user or an admin consented to an app's permissions; the grant rows follow under \
         the same correlationId",
        &["consent"],
    ),
    (
        "add_delegated_permission_grant",
        "delegated permissions (scopes) were granted to an app, part of a consent",
        &["consent"],
    ),
    (
        "add_app_role_assignment_to_service_principal",
        "application permissions (app roles) were granted to an app, part of a consent",
        &["consent"],
    ),
    (
        "user_registered_security_info",
        "a user registered an authentication method (Authenticator, phone, ...)",
        &["register_security_info"],
    ),
    (
        "user_deleted_security_info",
        "a user deleted one of their authentication methods",
        &["delete_security_info"],
    ),
    (
        "admin_registered_security_info",
        "an admin registered an authentication method for a user (a Temporary Access Pass, ...)",
        &["admin_register_security_info"],
    ),
    (
        "update_authentication_methods_policy",
        "the tenant's authentication methods policy changed",
        &["update_authentication_methods_policy"],
    ),
    // Policy, directory, devices.
    (
        "add_conditional_access_policy",
        "a Conditional Access policy was created",
        &["add_ca_policy"],
    ),
    (
        "update_conditional_access_policy",
        "a Conditional Access policy changed; old and new policy JSON in modifiedProperties",
        &["update_ca_policy"],
    ),
    (
        "delete_conditional_access_policy",
        "a Conditional Access policy was deleted; the old policy JSON is kept in oldValue",
        &["delete_ca_policy"],
    ),
    (
        "set_federation_settings",
        "a domain's federation settings (issuer, signing certificate) changed",
        &["set_federation"],
    ),
    (
        "add_unverified_domain",
        "a domain was added to the tenant, not yet verified",
        &["add_domain"],
    ),
    (
        "verify_domain",
        "a domain's ownership was verified",
        &["verify_domain"],
    ),
    (
        "add_verified_domain",
        "the Core Directory's row of a domain that became verified",
        &["verify_domain"],
    ),
    (
        "set_company_information",
        "the tenant's company information changed",
        &["set_company_information"],
    ),
    (
        "set_device_registration_policies",
        "who may join or register devices, and whether that needs MFA, changed",
        &["set_device_registration_policy"],
    ),
    (
        "add_cross_tenant_partner",
        "another tenant was added to the cross-tenant access settings",
        &["add_cross_tenant_partner"],
    ),
    (
        "update_cross_tenant_partner",
        "a partner tenant's cross-tenant access settings changed",
        &["update_cross_tenant_partner"],
    ),
    (
        "update_user_risk_and_mfa_registration_policy",
        "ID Protection's user risk or MFA registration policy changed",
        &["update_risk_and_mfa_registration_policy"],
    ),
    (
        "register_device",
        "a device was registered or joined to Entra ID",
        &["register_device"],
    ),
    (
        "add_device",
        "the Core Directory's row of a new device object",
        &["register_device"],
    ),
    (
        "add_registered_owner_to_device",
        "a user became the registered owner of a device",
        &["register_device"],
    ),
    (
        "update_device",
        "a device's properties changed",
        &["update_device"],
    ),
    ("delete_device", "a device was deleted", &["delete_device"]),
    (
        "read_bitlocker_key",
        "someone read a device's BitLocker recovery key",
        &["read_bitlocker_key"],
    ),
    (
        "recover_laps_password",
        "someone read a device's local administrator password (LAPS)",
        &["recover_laps_password"],
    ),
    (
        "device_no_longer_compliant",
        "Intune marked a device non-compliant",
        &["device_no_longer_compliant"],
    ),
    (
        "device_no_longer_managed",
        "a device left management (MDM)",
        &["device_no_longer_managed"],
    ),
];

/// What the activity `key` records and the actions that write it.
pub fn activity_text(key: &str) -> Option<(&'static str, &'static [&'static str])> {
    ACTIVITY_TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, meaning, actions)| (*meaning, *actions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_activity_has_a_text_and_every_text_an_activity() {
        for activity in super::super::activities() {
            assert!(activity_text(activity.key).is_some(), "{}", activity.key);
        }
        for (key, _, actions) in ACTIVITY_TEXTS {
            assert!(super::super::find_activity(key).is_some(), "{key}");
            assert!(!actions.is_empty(), "{key}");
        }
    }
}
