//! Directory changes done by a user or an app (issue 9): which operation, on what, by whom,
//! with which outcome. Names are resolved and checked; ids of objects the scenario does not
//! give are derived by the simulator from the tenant and the name.

use super::{ClientContext, TrustType};
use crate::catalog::audit::{AuthMethod, CredentialKind, RoleTemplate, ServiceApp};

#[derive(Debug, Clone)]
pub struct DirectoryStep {
    pub verb: DirectoryVerb,
    pub by: Caller,
    /// Where the caller works from (`ipAddress`, the `User-Agent` detail): a declared user's
    /// home unless the step says otherwise.
    pub client: ClientContext,
    /// The user the operation is about (the member, the owner, the new user...).
    pub user: Option<DirUser>,
    pub group: Option<String>,
    pub role: Option<&'static RoleTemplate>,
    pub app: Option<DirApp>,
    /// The API a consent grants access to (default Microsoft Graph).
    pub resource: Option<DirApp>,
    pub scopes: Vec<String>,
    pub app_roles: Vec<String>,
    pub admin_consent: bool,
    /// Whether the tenant uses PIM (a direct role assignment also writes PIM's row).
    pub pim: bool,
    pub justification: String,
    pub credential: Option<(CredentialKind, String)>,
    pub method: Option<AuthMethod>,
    pub changes: Vec<Change>,
    pub policy: Option<DirObject>,
    pub domain: Option<String>,
    pub issuer_uri: Option<String>,
    pub tenant_id: Option<String>,
    pub device: Option<DirDevice>,
    /// The password a reset or change sets; `None`: one the scenario does not know (a reset's
    /// temporary password), so only a sign-in that types no password gets it right.
    pub new_password: Option<String>,
    /// `None`: success; otherwise the failure's `resultReason`.
    pub failure: Option<String>,
}

/// Who does it.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    User(DirUser),
    App(DirApp),
    /// A first-party service acting on its own (Intune for compliance rows).
    Service(ServiceApp),
}

/// A user of the directory: declared under `users:` or added by an earlier step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirUser {
    pub upn: String,
    pub display_name: String,
    pub guest: bool,
}

/// An application: declared under `apps:`, first-party, or added by an earlier step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirApp {
    pub display_name: String,
    /// `None` for an app a step registers: derived from the tenant and the name.
    pub app_id: Option<String>,
}

/// A named object with its id if the scenario gives one (a Conditional Access policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirObject {
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirDevice {
    pub id: Option<String>,
    pub name: String,
    pub trust: TrustType,
}

/// A property change, values as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub property: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What a directory step may say besides `action`, `by`, `client`, `outcome` and `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepField {
    User,
    Upn,
    DisplayName,
    Guest,
    Email,
    Group,
    Role,
    Pim,
    Justification,
    App,
    Resource,
    Scopes,
    AppRoles,
    AdminConsent,
    Credential,
    Method,
    Changes,
    Policy,
    Domain,
    IssuerUri,
    TenantId,
    Device,
    Join,
    NewPassword,
}

impl StepField {
    pub fn key(self) -> &'static str {
        match self {
            StepField::User => "user",
            StepField::Upn => "upn",
            StepField::DisplayName => "display_name",
            StepField::Guest => "guest",
            StepField::Email => "email",
            StepField::Group => "group",
            StepField::Role => "role",
            StepField::Pim => "pim",
            StepField::Justification => "justification",
            StepField::App => "app",
            StepField::Resource => "resource",
            StepField::Scopes => "scopes",
            StepField::AppRoles => "app_roles",
            StepField::AdminConsent => "admin_consent",
            StepField::Credential => "credential",
            StepField::Method => "method",
            StepField::Changes => "changes",
            StepField::Policy => "policy",
            StepField::Domain => "domain",
            StepField::IssuerUri => "issuer_uri",
            StepField::TenantId => "tenant_id",
            StepField::Device => "device",
            StepField::Join => "join",
            StepField::NewPassword => "new_password",
        }
    }
}

macro_rules! verbs {
    ($( $verb:ident = $name:literal, required [$($req:ident),*], optional [$($opt:ident),*]; )*) => {
        /// A directory operation, as a scenario names it (`action: add_member_to_role`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum DirectoryVerb { $($verb),* }

        /// Every verb: its name, the fields it needs and the fields it may take.
        pub const VERBS: &[(&str, DirectoryVerb, &[StepField], &[StepField])] = &[
            $(($name, DirectoryVerb::$verb, &[$(StepField::$req),*], &[$(StepField::$opt),*])),*
        ];
    };
}

verbs! {
    AddUser = "add_user", required [Upn, DisplayName], optional [Guest];
    UpdateUser = "update_user", required [User, Changes], optional [];
    ConvertGuestToMember = "convert_guest_to_member", required [User], optional [];
    DisableUser = "disable_user", required [User], optional [];
    EnableUser = "enable_user", required [User], optional [];
    DisablePerUserMfa = "disable_per_user_mfa", required [User], optional [];
    DisableStrongAuthentication = "disable_strong_authentication", required [User], optional [];
    DeleteUser = "delete_user", required [User], optional [];
    RestoreUser = "restore_user", required [User], optional [];
    ResetPassword = "reset_password", required [User], optional [NewPassword];
    ChangePassword = "change_password", required [], optional [User, NewPassword];
    RevokeSessions = "revoke_sessions", required [User], optional [];
    InviteGuest = "invite_guest", required [Email], optional [DisplayName];
    RedeemInvite = "redeem_invite", required [], optional [User];
    AddGroupMember = "add_group_member", required [Group, User], optional [];
    RemoveGroupMember = "remove_group_member", required [Group, User], optional [];
    AddGroupOwner = "add_group_owner", required [Group, User], optional [];
    RemoveGroupOwner = "remove_group_owner", required [Group, User], optional [];
    AddRoleMember = "add_role_member", required [Role], optional [User, Group, Pim];
    RemoveRoleMember = "remove_role_member", required [Role], optional [User, Group];
    AddEligibleRoleMember = "add_eligible_role_member", required [Role], optional [User, Group, Justification];
    ActivateRole = "activate_role", required [Role], optional [User, Justification];
    ApproveRoleActivation = "approve_role_activation", required [Role, User], optional [Justification];
    DenyRoleActivation = "deny_role_activation", required [Role, User], optional [Justification];
    UpdateRoleSetting = "update_role_setting", required [Role, Changes], optional [];
    AddApplication = "add_application", required [App], optional [];
    AddServicePrincipal = "add_service_principal", required [App], optional [];
    UpdateApplication = "update_application", required [App, Changes], optional [];
    AddAppCredential = "add_app_credential", required [App], optional [Credential];
    AddSpCredential = "add_sp_credential", required [App], optional [Credential];
    AddAppOwner = "add_app_owner", required [App, User], optional [];
    RemoveAppOwner = "remove_app_owner", required [App, User], optional [];
    DeleteApplication = "delete_application", required [App], optional [];
    RemoveServicePrincipal = "remove_service_principal", required [App], optional [];
    Consent = "consent", required [App], optional [Resource, Scopes, AppRoles, AdminConsent];
    RegisterSecurityInfo = "register_security_info", required [Method], optional [User];
    DeleteSecurityInfo = "delete_security_info", required [Method], optional [User];
    AdminRegisterSecurityInfo = "admin_register_security_info", required [User, Method], optional [];
    UpdateAuthenticationMethodsPolicy = "update_authentication_methods_policy", required [Changes], optional [];
    AddCaPolicy = "add_ca_policy", required [Policy], optional [];
    UpdateCaPolicy = "update_ca_policy", required [Policy], optional [Changes];
    DeleteCaPolicy = "delete_ca_policy", required [Policy], optional [];
    SetFederation = "set_federation", required [Domain], optional [IssuerUri];
    AddDomain = "add_domain", required [Domain], optional [];
    VerifyDomain = "verify_domain", required [Domain], optional [];
    SetCompanyInformation = "set_company_information", required [Changes], optional [];
    SetDeviceRegistrationPolicy = "set_device_registration_policy", required [Changes], optional [];
    UpdateRiskAndMfaRegistrationPolicy = "update_risk_and_mfa_registration_policy", required [Changes], optional [];
    AddCrossTenantPartner = "add_cross_tenant_partner", required [TenantId], optional [];
    UpdateCrossTenantPartner = "update_cross_tenant_partner", required [TenantId], optional [];
    RegisterDevice = "register_device", required [Device], optional [User, Join];
    UpdateDevice = "update_device", required [Device, Changes], optional [];
    DeleteDevice = "delete_device", required [Device], optional [];
    ReadBitlockerKey = "read_bitlocker_key", required [Device], optional [];
    RecoverLapsPassword = "recover_laps_password", required [Device], optional [];
    DeviceNoLongerCompliant = "device_no_longer_compliant", required [Device], optional [];
    DeviceNoLongerManaged = "device_no_longer_managed", required [Device], optional [];
}

impl DirectoryVerb {
    /// Whether the verb's member is a `user` or a role-assignable `group` (exactly one).
    pub fn member_is_user_or_group(self) -> bool {
        matches!(
            self,
            DirectoryVerb::AddRoleMember
                | DirectoryVerb::RemoveRoleMember
                | DirectoryVerb::AddEligibleRoleMember
        )
    }

    pub fn find(name: &str) -> Option<DirectoryVerb> {
        VERBS.iter().find(|v| v.0 == name).map(|v| v.1)
    }

    pub fn name(self) -> &'static str {
        VERBS.iter().find(|v| v.1 == self).map_or("", |v| v.0)
    }

    pub fn required(self) -> &'static [StepField] {
        VERBS.iter().find(|v| v.1 == self).map_or(&[], |v| v.2)
    }

    pub fn optional(self) -> &'static [StepField] {
        VERBS.iter().find(|v| v.1 == self).map_or(&[], |v| v.3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verb_names_are_unique_and_found() {
        for (i, (name, verb, required, optional)) in VERBS.iter().enumerate() {
            assert_eq!(DirectoryVerb::find(name), Some(*verb));
            assert_eq!(verb.name(), *name);
            assert!(VERBS[i + 1..].iter().all(|v| v.0 != *name));
            assert!(required.iter().all(|f| !optional.contains(f)), "{name}");
        }
        assert_eq!(DirectoryVerb::find("add_member"), None);
    }
}
