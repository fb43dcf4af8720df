//! The directory audit activities of issue 9, one operation per kind, built with the public
//! `sim` API: every row round-trips through the four export formats, the mock's `$filter`
//! finds them by the documented properties, and our own Sigma rules fire on exactly the
//! activities they are written for.

use crate::formats::{
    assert_same, audit_as_log_analytics_keeps_it, read_files, split, with_extension,
};
use entralab::catalog::audit::{INTUNE, find_role};
use entralab::detect::RuleSet;
use entralab::export::{ExportOptions, Format, export_all};
use entralab::graph::{ApiVersion, DirectoryAudit, Record, Timestamp};
use entralab::odata::{DIRECTORY_AUDIT, Filter};
use entralab::sim::{
    AppAction, AppRef, AppRoleRef, AuditActor, AuditOutcome, AuthAction, AuthMethod, CaChange,
    Credential, CredentialKind, DeviceAction, DeviceRef, DirectoryAction, GroupAction, KeyHolder,
    Membership, ObjectRef, PolicyAction, Principal, PropertyChange, RoleAction, RoleRef,
    SecurityInfoChange, UserAction, UserRef,
};
use rand::SeedableRng;
use std::path::Path;

const TENANT: &str = "e17a1ab0-0000-4000-8000-0000000000a9";

fn user(n: u8, name: &str) -> UserRef {
    UserRef {
        id: format!("0c8a1a1e-58a4-4f0e-a1b4-0000000000{n:02x}").into(),
        upn: format!("{}@contoso.example", name.to_lowercase()).into(),
        display_name: name.into(),
    }
}

fn acting(u: &UserRef, ip: &str) -> AuditActor {
    AuditActor::User {
        id: u.id.clone(),
        upn: u.upn.clone(),
        ip: ip.into(),
        user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/134.0.0.0".into()),
    }
}

fn app(n: u8, name: &str) -> AppRef {
    AppRef {
        object_id: format!("a1b2c3d4-0000-4000-8000-0000000001{n:02x}").into(),
        app_id: format!("a1b2c3d4-0000-4000-8000-0000000002{n:02x}").into(),
        service_principal_id: format!("a1b2c3d4-0000-4000-8000-0000000003{n:02x}").into(),
        display_name: name.into(),
    }
}

fn change(name: &str, old: Option<&str>, new: Option<&str>) -> PropertyChange {
    PropertyChange {
        name: name.into(),
        old: old.map(Into::into),
        new: new.map(Into::into),
    }
}

/// One operation of every kind, with who does it.
fn operations() -> Vec<(AuditActor, DirectoryAction)> {
    let admin = user(1, "Admin");
    let alice = user(2, "Alice");
    let bob = user(3, "Bob");
    let guest = UserRef {
        id: "0c8a1a1e-58a4-4f0e-a1b4-0000000000f1".into(),
        upn: "gina_fabrikam.example#EXT#@contoso.example".into(),
        display_name: "Gina".into(),
    };
    let by_admin = acting(&admin, "203.0.113.9");
    let by_alice = acting(&alice, "198.51.100.20");
    let ga = RoleRef {
        template: find_role("Global Administrator").unwrap(),
        object_id: "d3f6a7b8-1111-4222-8333-444455556666".into(),
    };
    let group = ObjectRef {
        id: "5d2f7c1e-9a0b-4c3d-8e6f-112233445566".into(),
        display_name: "Finance".into(),
    };
    let payroll = app(1, "Payroll Sync");
    let graph = AppRef {
        object_id: "00000000-0000-4000-8000-0000000000aa".into(),
        app_id: "00000003-0000-0000-c000-000000000000".into(),
        service_principal_id: "00000000-0000-4000-8000-0000000000bb".into(),
        display_name: "Microsoft Graph".into(),
    };
    let laptop = DeviceRef {
        id: "3e4f5a6b-0000-4000-8000-00000000d001".into(),
        device_id: "7a8b9c0d-0000-4000-8000-00000000d002".into(),
        display_name: "LAPTOP-ALICE".into(),
        os: "Windows".into(),
        trust_type: "AzureAd".into(),
    };
    let ca = ObjectRef {
        id: "0f0e0d0c-0000-4000-8000-000000000001".into(),
        display_name: "Require MFA for admins".into(),
    };
    let intune = AuditActor::App {
        app_id: Some(INTUNE.app_id.into()),
        display_name: INTUNE.display_name.into(),
        service_principal_id: None,
        service_principal_name: None,
    };
    use DirectoryAction as D;
    let a = |action| (by_admin.clone(), action);
    let group_op = |change, member: &UserRef| {
        a(D::Group(GroupAction {
            change,
            group: group.clone(),
            member: Principal::User(member.clone()),
        }))
    };
    let ca_op = |change, old: Option<&str>, new: Option<&str>| {
        a(D::Policy(PolicyAction::ConditionalAccess {
            change,
            policy: ca.clone(),
            old: old.map(Into::into),
            new: new.map(Into::into),
        }))
    };
    vec![
        a(D::User(UserAction::Add {
            user: bob.clone(),
            guest: false,
        })),
        a(D::User(UserAction::ConvertGuestToMember {
            user: guest.clone(),
        })),
        a(D::User(UserAction::SetAccountEnabled {
            user: bob.clone(),
            enabled: false,
        })),
        a(D::User(UserAction::DisablePerUserMfa { user: bob.clone() })),
        a(D::User(UserAction::DisableStrongAuthentication {
            user: bob.clone(),
        })),
        a(D::User(UserAction::Delete { user: bob.clone() })),
        a(D::User(UserAction::Restore { user: bob.clone() })),
        a(D::User(UserAction::ResetPassword {
            user: alice.clone(),
        })),
        (
            by_alice.clone(),
            D::User(UserAction::ChangePassword {
                user: alice.clone(),
            }),
        ),
        a(D::User(UserAction::RevokeSessions {
            user: alice.clone(),
            previous: None,
            now: Timestamp::parse("2025-03-18T09:00:00Z").unwrap(),
        })),
        a(D::User(UserAction::Invite {
            user: guest.clone(),
            email: "gina@fabrikam.example".into(),
        })),
        (
            acting(&guest, "192.0.2.44"),
            D::User(UserAction::Redeem {
                user: guest.clone(),
            }),
        ),
        group_op(Membership::AddMember, &alice),
        group_op(Membership::RemoveMember, &alice),
        group_op(Membership::AddOwner, &alice),
        group_op(Membership::RemoveOwner, &alice),
        a(D::Role(RoleAction::AddMember {
            role: ga.clone(),
            member: Principal::User(bob.clone()),
            pim_in_use: true,
        })),
        a(D::Role(RoleAction::RemoveMember {
            role: ga.clone(),
            member: Principal::User(bob.clone()),
        })),
        a(D::Role(RoleAction::PimAddEligible {
            role: ga.clone(),
            member: Principal::User(alice.clone()),
            justification: "on call".into(),
        })),
        (
            by_alice.clone(),
            D::Role(RoleAction::PimActivate {
                role: ga.clone(),
                member: Principal::User(alice.clone()),
                justification: "change 42".into(),
            }),
        ),
        a(D::Role(RoleAction::PimDecide {
            role: ga.clone(),
            member: Principal::User(alice.clone()),
            approved: true,
            justification: "ok".into(),
        })),
        a(D::Role(RoleAction::PimDecide {
            role: ga.clone(),
            member: Principal::User(alice.clone()),
            approved: false,
            justification: "no ticket".into(),
        })),
        a(D::Role(RoleAction::PimUpdateSetting {
            role: ga.clone(),
            changes: vec![change("RequireApproval", Some("true"), Some("false"))],
        })),
        a(D::App(AppAction::AddApplication {
            app: payroll.clone(),
        })),
        a(D::App(AppAction::AddServicePrincipal {
            app: payroll.clone(),
        })),
        a(D::App(AppAction::Update {
            app: payroll.clone(),
            changes: vec![change("AppIdentifierUri", None, Some("api://payroll"))],
        })),
        a(D::App(AppAction::AddCredential {
            app: payroll.clone(),
            holder: KeyHolder::Application,
            credential: Credential {
                key_id: "22222222-2222-4222-8222-222222222222".into(),
                kind: CredentialKind::Secret,
                display_name: "backup".into(),
            },
            existing: vec![],
        })),
        a(D::App(AppAction::AddOwner {
            app: payroll.clone(),
            owner: alice.clone(),
        })),
        a(D::App(AppAction::RemoveOwner {
            app: payroll.clone(),
            owner: alice.clone(),
        })),
        (
            by_alice.clone(),
            D::App(AppAction::Consent {
                client: app(2, "Mail Helper"),
                resource: graph.clone(),
                scopes: vec!["Mail.Read".into(), "offline_access".into()],
                app_roles: vec![],
                admin: false,
                user: Some(alice.clone()),
            }),
        ),
        a(D::App(AppAction::Consent {
            client: payroll.clone(),
            resource: graph.clone(),
            scopes: vec!["User.Read".into()],
            app_roles: vec![AppRoleRef {
                id: "df021288-bdef-4463-88db-98f22de89214".into(),
                value: "User.Read.All".into(),
            }],
            admin: true,
            user: None,
        })),
        a(D::App(AppAction::RemoveServicePrincipal {
            app: payroll.clone(),
        })),
        a(D::App(AppAction::Delete {
            app: payroll.clone(),
        })),
        (
            by_alice.clone(),
            D::Auth(AuthAction::SecurityInfo {
                user: alice.clone(),
                method: AuthMethod::AuthenticatorApp,
                change: SecurityInfoChange::UserRegistered,
            }),
        ),
        (
            by_alice.clone(),
            D::Auth(AuthAction::SecurityInfo {
                user: alice.clone(),
                method: AuthMethod::Phone,
                change: SecurityInfoChange::UserDeleted,
            }),
        ),
        a(D::Auth(AuthAction::SecurityInfo {
            user: alice.clone(),
            method: AuthMethod::TemporaryAccessPass,
            change: SecurityInfoChange::AdminRegistered,
        })),
        a(D::Auth(AuthAction::MethodsPolicy {
            old: r#"{"x509CertificateAuthentication":"disabled"}"#.into(),
            new: r#"{"x509CertificateAuthentication":"enabled"}"#.into(),
        })),
        ca_op(CaChange::Add, None, Some(r#"{"state":"enabled"}"#)),
        ca_op(
            CaChange::Update,
            Some(r#"{"state":"enabled"}"#),
            Some(r#"{"state":"disabled"}"#),
        ),
        ca_op(CaChange::Delete, Some(r#"{"state":"disabled"}"#), None),
        a(D::Policy(PolicyAction::Federation {
            domain: "contoso.example".into(),
            issuer_uri: "http://adfs.evil.example/adfs/services/trust".into(),
            passive_sign_in_uri: "https://adfs.evil.example/adfs/ls".into(),
        })),
        a(D::Policy(PolicyAction::AddDomain {
            domain: "contoso2.onmicrosoft.com".into(),
        })),
        a(D::Policy(PolicyAction::VerifyDomain {
            domain: "contoso2.onmicrosoft.com".into(),
        })),
        a(D::Policy(PolicyAction::CompanyInformation {
            tenant: ObjectRef {
                id: TENANT.into(),
                display_name: "Contoso".into(),
            },
            changes: vec![change(
                "TrustedCAsForPasswordlessAuth",
                None,
                Some("CN=Rogue Root"),
            )],
        })),
        a(D::Policy(PolicyAction::DeviceRegistration {
            changes: vec![change("RequireMfa", Some("true"), Some("false"))],
        })),
        a(D::Policy(PolicyAction::RiskAndMfaRegistration {
            changes: vec![change("State", Some("Enabled"), Some("Disabled"))],
        })),
        a(D::Policy(PolicyAction::CrossTenantPartner {
            add: true,
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        })),
        (
            by_alice.clone(),
            D::Device(DeviceAction::Register {
                device: laptop.clone(),
                owner: alice.clone(),
            }),
        ),
        a(D::Device(DeviceAction::Update {
            device: laptop.clone(),
            changes: vec![change("AccountEnabled", Some("true"), Some("false"))],
        })),
        a(D::Device(DeviceAction::ReadBitLockerKey {
            device: laptop.clone(),
            key_id: "b1b2b3b4-0000-4000-8000-00000000beef".into(),
        })),
        a(D::Device(DeviceAction::RecoverLapsPassword {
            device: laptop.clone(),
        })),
        (
            intune.clone(),
            D::Device(DeviceAction::NoLongerCompliant {
                device: laptop.clone(),
            }),
        ),
        (
            intune,
            D::Device(DeviceAction::NoLongerManaged {
                device: laptop.clone(),
            }),
        ),
        a(D::Device(DeviceAction::Delete { device: laptop })),
    ]
}

/// Every operation's rows, a minute apart.
pub fn catalogue_rows() -> Vec<DirectoryAudit> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let start = Timestamp::parse("2025-03-18T08:00:00Z").unwrap();
    operations()
        .into_iter()
        .enumerate()
        .flat_map(|(i, (actor, action))| {
            let at = start.plus_seconds(60 * i as i64);
            action.write(&actor, &AuditOutcome::Success, at, &mut rng)
        })
        .collect()
}

fn records() -> Vec<Record> {
    catalogue_rows()
        .into_iter()
        .map(|a| Record::Audit(Box::new(a)))
        .collect()
}

#[test]
fn every_activity_round_trips_through_the_four_formats() {
    let expected = split(records());
    assert!(expected.1.len() > 60, "{}", expected.1.len());
    for format in Format::ALL {
        let dir = tempfile::tempdir().unwrap();
        let options = ExportOptions {
            tenant_id: TENANT.into(),
            api: ApiVersion::V1,
        };
        let summary = export_all(format, dir.path(), &options, records()).unwrap();
        assert_eq!(summary.audits, expected.1.len());
        let what = format!("audit catalogue as {format}");
        match format {
            Format::Graph | Format::Ndjson => {
                let read = read_files(&summary.files, format == Format::Graph);
                assert_same(&what, split(read), expected.clone());
            }
            Format::EventHub => {
                let read = read_files(&summary.files, false);
                assert_same(&what, split(read), expected.clone());
            }
            Format::LogAnalytics => {
                for (extension, csv) in [("ndjson", false), ("csv", true)] {
                    let files = with_extension(&summary.files, extension);
                    let read = split(read_files(&files, false));
                    let kept = expected
                        .1
                        .iter()
                        .cloned()
                        .map(|a| audit_as_log_analytics_keeps_it(a, csv))
                        .collect();
                    assert_same(&format!("{what} ({extension})"), read, (vec![], kept));
                }
            }
        }
    }
}

fn filtered(filter: &str) -> Vec<String> {
    let filter =
        Filter::parse(filter, &DIRECTORY_AUDIT).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let mut names: Vec<String> = catalogue_rows()
        .iter()
        .filter(|r| filter.matches(*r))
        .map(|r| r.activity_display_name.as_deref().unwrap_or("").to_string())
        .collect();
    names.dedup();
    names
}

#[test]
fn the_documented_filters_find_the_rows() {
    assert_eq!(
        filtered("activityDisplayName eq 'Add member to role'"),
        ["Add member to role"]
    );
    assert_eq!(
        filtered("category eq 'KeyManagement'"),
        ["Read BitLocker key"]
    );
    assert_eq!(
        filtered("loggedByService eq 'Conditional Access'"),
        [
            "Add conditional access policy",
            "Update conditional access policy",
            "Delete conditional access policy"
        ]
    );
    assert_eq!(
        filtered("initiatedBy/app/displayName eq 'MS-PIM'"),
        ["Add eligible member to role", "Add member to role"]
    );
    assert_eq!(
        filtered(
            "initiatedBy/user/userPrincipalName eq 'gina_fabrikam.example#EXT#@contoso.example'"
        ),
        ["Redeem external user invite"]
    );
    assert_eq!(
        filtered(
            "startswith(initiatedBy/user/userPrincipalName, 'alice') and category eq 'ApplicationManagement'"
        ),
        ["Consent to application", "Add delegated permission grant"]
    );
    assert_eq!(
        filtered(
            "targetResources/any(t: t/id eq '3e4f5a6b-0000-4000-8000-00000000d001') and loggedByService eq 'Core Directory' and result eq 'success'"
        ),
        [
            "Add device",
            "Add registered owner to device",
            "Update device",
            "Read BitLocker key",
            "Device no longer compliant",
            "Device no longer managed",
            "Delete device"
        ]
    );
    assert_eq!(
        filtered("targetResources/any(t: t/displayName eq 'Finance' and t/type eq 'Group')").len(),
        4
    );
    assert_eq!(
        filtered("startswith(activityDisplayName, 'Update application')"),
        [
            "Update application",
            "Update application – Certificates and secrets management"
        ]
    );
}

/// Rule title → the activities it fires on, over one operation of every kind.
const RULES_FIRE_ON: &[(&str, &[&str])] = &[
    (
        "Entra ID Conditional Access Policy Deleted",
        &["Delete conditional access policy"],
    ),
    (
        "Entra ID Conditional Access Policy Added or Updated",
        &[
            "Add conditional access policy",
            "Update conditional access policy",
        ],
    ),
    (
        "Entra ID BitLocker Recovery Key Read",
        &["Read BitLocker key"],
    ),
    (
        "Entra ID Administrator Role Assigned Outside PIM",
        &["Add member to role"],
    ),
    (
        "Entra ID Credential Added to an Application",
        &["Update application – Certificates and secrets management"],
    ),
    (
        "Entra ID User Consent to an Application Reading Mail or Files",
        &["Consent to application"],
    ),
    (
        "Entra ID User Registered Security Info",
        &["User registered security info"],
    ),
    ("Entra ID Guest Converted to Member", &["Update user"]),
    (
        "Entra ID Domain Federation Settings Changed",
        &["Set federation settings on domain"],
    ),
    (
        "Entra ID Temporary Access Pass Added by an Administrator",
        &["Admin registered security info"],
    ),
    (
        "Entra ID Per-user MFA Disabled",
        &["Update user", "Disable Strong Authentication"],
    ),
    (
        "Entra ID Device Local Administrator Password Recovered",
        &["Recover device local administrator password"],
    ),
    (
        "Entra ID Delegated Permissions Granted for All Users",
        &["Add delegated permission grant"],
    ),
    (
        "Entra ID Application Permission Granted to a Service Principal",
        &["Add app role assignment to service principal"],
    ),
    (
        "Entra ID Application Owner Added or Removed",
        &["Add owner to application", "Remove owner from application"],
    ),
    ("Entra ID Guest Invitation Failed", &[]),
    (
        "Entra ID PIM Activation Request Approved or Denied",
        &[
            "Add member to role request approved (PIM activation)",
            "Add member to role request denied (PIM activation)",
        ],
    ),
    (
        "Entra ID PIM Role Setting Changed",
        &["Update role setting in PIM"],
    ),
    (
        "Entra ID Cross-tenant Access Partner Added",
        &["Add a partner to cross-tenant access setting"],
    ),
    (
        "Entra ID Trusted Root Certificate Authority Changed",
        &["Set Company Information"],
    ),
    (
        "Entra ID Account Created and Deleted Within Minutes",
        &["Delete user"],
    ),
    (
        "Entra ID Device Registration Policy Changed",
        &["Set device registration policies"],
    ),
    (
        "Entra ID User Risk and MFA Registration Policy Updated",
        &["Update User Risk and MFA Registration Policy"],
    ),
    ("Entra ID Application Deleted", &["Delete application"]),
    (
        "Entra ID Service Principal Removed",
        &["Remove service principal"],
    ),
    (
        "Entra ID Device No Longer Compliant or Managed",
        &["Device no longer compliant", "Device no longer managed"],
    ),
];

#[test]
fn our_audit_rules_fire_on_exactly_the_activities_they_are_written_for() {
    let rules =
        RuleSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigma")).unwrap();
    assert!(
        rules.not_applicable.is_empty(),
        "{:?}",
        rules.not_applicable
    );
    let rows = catalogue_rows();
    let by_id: std::collections::BTreeMap<&str, &str> = rows
        .iter()
        .map(|r| (&*r.id, r.activity_display_name.as_deref().unwrap_or("")))
        .collect();
    let results = rules.evaluate(&records(), TENANT);
    for (title, expected) in RULES_FIRE_ON {
        let result = results
            .iter()
            .find(|r| r.rule.title == *title)
            .unwrap_or_else(|| panic!("no rule `{title}`"));
        let mut fired_on: Vec<&str> = result
            .record_ids
            .iter()
            .map(|id| by_id[id.as_str()])
            .collect();
        fired_on.dedup();
        assert_eq!(fired_on, *expected, "{title}");
    }
    // A failed invitation is the one pattern the catalogue rows above do not contain.
    let failed = DirectoryAction::User(UserAction::Invite {
        user: user(9, "Gus"),
        email: "gus@fabrikam.example".into(),
    })
    .write(
        &acting(&user(1, "Admin"), "203.0.113.9"),
        &AuditOutcome::Failure {
            reason: "The user you're inviting doesn't have a valid email address".into(),
        },
        Timestamp::parse("2025-03-18T12:00:00Z").unwrap(),
        &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
    );
    let failed: Vec<Record> = failed
        .into_iter()
        .map(|a| Record::Audit(Box::new(a)))
        .collect();
    let results = rules.evaluate(&failed, TENANT);
    let fired: Vec<&str> = results
        .iter()
        .filter(|r| r.fired)
        .map(|r| r.rule.title.as_str())
        .collect();
    assert_eq!(fired, ["Entra ID Guest Invitation Failed"]);
}
