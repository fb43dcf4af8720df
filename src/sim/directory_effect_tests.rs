//! Directory steps change what later sign-ins meet (issue 9): disable/enable, delete/restore,
//! an admin password reset (old password wrong, new one right, smart lockout cleared), a
//! user's own change, and what later audit rows carry (revocations, app credentials).

use crate::graph::{DirectoryAudit, Record, SignIn};
use crate::scenario::{self, Scenario};
use std::path::Path;

const HEAD: &str = "
tenant:
  domain: t.onmicrosoft.com
  smart_lockout: { threshold: 3, drift: 0 }
users:
  - id: admin
    upn: admin@t.onmicrosoft.com
    display_name: Admin
    password: Admin-1
    home: { ip: 203.0.113.1, country: JP }
  - id: u
    upn: u@t.onmicrosoft.com
    display_name: U
    password: Right-1
    home: { ip: 203.0.113.2, country: JP }
timeline:
  start: 2025-01-06T00:00:00Z
  steps:
";

fn scenario(steps: &str) -> Scenario {
    let text = format!("{HEAD}{steps}");
    scenario::load_str(Path::new("test.yaml"), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn records(s: &Scenario) -> (Vec<SignIn>, Vec<DirectoryAudit>) {
    let (mut sign_ins, mut audits) = (Vec::new(), Vec::new());
    for item in super::simulate(s) {
        match item.record {
            Some(Record::SignIn(row)) => sign_ins.push(*row),
            Some(Record::Audit(row)) => audits.push(*row),
            None => {}
        }
    }
    (sign_ins, audits)
}

fn codes(rows: &[SignIn]) -> Vec<i32> {
    rows.iter().map(|r| r.status.error_code).collect()
}

/// `- at: <at>` then the step, indented.
fn step(at: &str, body: &str) -> String {
    format!("    - at: {at}\n      {body}\n")
}

fn sign_in(at: &str, password: Option<&str>) -> String {
    let password = password.map_or_else(String::new, |p| format!(", password: {p}"));
    step(
        at,
        &format!("sign_in: {{ user: u, app: OfficeHome, stay_signed_in: not_asked{password} }}"),
    )
}

fn directory(at: &str, action: &str) -> String {
    step(at, &format!("directory: {{ by: admin, {action} }}"))
}

#[test]
fn disable_then_enable_and_delete_then_restore_decide_later_sign_ins() {
    let s = scenario(
        &[
            sign_in("1m", None),
            directory("2m", "action: disable_user, user: u"),
            sign_in("3m", None),
            directory("4m", "action: enable_user, user: u"),
            sign_in("5m", None),
            directory("6m", "action: delete_user, user: u"),
            sign_in("7m", None),
            sign_in("7m10s", Some("Wrong-9")),
            directory("8m", "action: restore_user, user: u"),
            sign_in("9m", None),
        ]
        .concat(),
    );
    let (sign_ins, _) = records(&s);
    assert_eq!(codes(&sign_ins), [0, 50057, 0, 50034, 50034, 0]);
    let missing = &sign_ins[3];
    assert_eq!(
        missing.status.failure_reason.as_deref(),
        Some("The user account does not exist in the tenant directory.")
    );
    assert_eq!(missing.user_id, None, "a deleted user resolves to no id");
    assert_eq!(
        missing.user_principal_name.as_deref(),
        Some("u@t.onmicrosoft.com")
    );
    assert!(sign_ins[5].user_id.is_some());
}

#[test]
fn a_failed_disable_changes_nothing() {
    let s = scenario(
        &[
            directory(
                "2m",
                "action: disable_user, user: u, outcome: failure, reason: Insufficient privileges to complete the operation.",
            ),
            sign_in("3m", None),
        ]
        .concat(),
    );
    assert_eq!(codes(&records(&s).0), [0]);
}

#[test]
fn an_admin_reset_makes_the_old_password_wrong_and_unlocks() {
    let s = scenario(
        &[
            // Three distinct wrong passwords lock the account (threshold 3, no drift).
            step(
                "1m",
                "repeat: { count: 4, every: 5s }\n      sign_in: { user: u, app: OfficeHome, stay_signed_in: not_asked, password: \"w{n}\" }",
            ),
            sign_in("1m30s", Some("Right-1")),
            directory("2m", "action: reset_password, user: u, new_password: Fresh-2"),
            // Still inside the lockout period had the reset not cleared it.
            sign_in("2m1s", Some("Right-1")),
            sign_in("4m", Some("Fresh-2")),
        ]
        .concat(),
    );
    let codes = codes(&records(&s).0);
    assert_eq!(codes[..5], [50126, 50126, 50126, 50053, 50053], "{codes:?}");
    assert_eq!(
        codes[5..],
        [50126, 0],
        "after the reset: unlocked, old wrong, new right"
    );
}

#[test]
fn a_reset_without_a_new_password_leaves_only_the_untyped_one_right() {
    let s = scenario(
        &[
            directory("2m", "action: reset_password, user: u"),
            sign_in("3m", Some("Right-1")),
            sign_in("4m", None),
        ]
        .concat(),
    );
    assert_eq!(codes(&records(&s).0), [50126, 0]);
}

#[test]
fn a_users_own_change_sets_the_new_password() {
    let s = scenario(
        &[
            step(
                "2m",
                "directory: { by: u, action: change_password, new_password: Mine-3 }",
            ),
            sign_in("3m", Some("Right-1")),
            sign_in("4m", Some("Mine-3")),
        ]
        .concat(),
    );
    assert_eq!(codes(&records(&s).0), [50126, 0]);
}

#[test]
fn a_second_revocation_and_a_second_credential_show_the_first_in_old_value() {
    let s = scenario(
        &[
            directory("1m", "action: revoke_sessions, user: u"),
            directory("2m", "action: revoke_sessions, user: u"),
            directory("3m", "action: add_application, app: Payroll Sync"),
            directory(
                "4m",
                "action: add_app_credential, app: Payroll Sync, credential: { kind: certificate, name: CN=payroll }",
            ),
            directory(
                "5m",
                "action: add_app_credential, app: Payroll Sync, credential: { name: backup }",
            ),
        ]
        .concat(),
    );
    let (_, audits) = records(&s);
    let first_property = |row: &DirectoryAudit| {
        let p = &row.target_resources[0].modified_properties[0];
        (
            p.old_value.as_deref().unwrap_or("").to_string(),
            p.new_value.as_deref().unwrap_or("").to_string(),
        )
    };
    let (old, _) = first_property(&audits[0]);
    assert_eq!(old, "[]");
    let (old, new) = first_property(&audits[1]);
    assert_eq!(old, "[\"2025-01-06T00:01:00Z\"]");
    assert_eq!(new, "[\"2025-01-06T00:02:00Z\"]");

    let credentials: Vec<_> = audits
        .iter()
        .filter(|a| {
            a.activity_display_name.as_deref()
                == Some("Update application – Certificates and secrets management")
        })
        .map(first_property)
        .collect();
    assert_eq!(credentials.len(), 2);
    assert_eq!(credentials[0].0, "[]");
    let (old, new) = &credentials[1];
    let old: Vec<String> = serde_json::from_str(old).unwrap();
    let new: Vec<String> = serde_json::from_str(new).unwrap();
    assert_eq!(old.len(), 1);
    assert!(
        old[0].contains("KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=payroll"),
        "{old:?}"
    );
    assert_eq!(new.len(), 2);
    assert_eq!(
        new[0], old[0],
        "the earlier key is listed first in newValue too"
    );
    assert!(new[1].contains("KeyType=Password,KeyUsage=Verify,DisplayName=backup"));
}

#[test]
fn an_app_added_again_after_its_delete_starts_without_credentials() {
    let s = scenario(
        &[
            directory("1m", "action: add_application, app: Payroll Sync"),
            directory("2m", "action: add_app_credential, app: Payroll Sync"),
            directory("3m", "action: delete_application, app: Payroll Sync"),
            directory("4m", "action: add_application, app: Payroll Sync"),
            directory("5m", "action: add_app_credential, app: Payroll Sync"),
        ]
        .concat(),
    );
    let (_, audits) = records(&s);
    let old_values: Vec<&str> = audits
        .iter()
        .filter(|a| {
            a.activity_display_name.as_deref()
                == Some("Update application – Certificates and secrets management")
        })
        .map(|a| {
            a.target_resources[0].modified_properties[0]
                .old_value
                .as_deref()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(old_values, ["[]", "[]"]);
}

#[test]
fn a_role_given_to_a_group_names_the_group_not_the_caller() {
    let s = scenario(&directory(
        "1m",
        "action: add_role_member, role: Global Administrator, group: Tier0 Admins",
    ));
    let (_, audits) = records(&s);
    let member = &audits[0].target_resources[0];
    assert_eq!(member.resource_type.as_deref(), Some("Group"));
    assert_eq!(member.display_name.as_deref(), Some("Tier0 Admins"));
    assert_eq!(audits.len(), 2, "and PIM's outside-of-PIM row");
}
