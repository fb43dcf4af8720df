//! The sign-in fields decided from behaviour: the authentication requirement and steps, MFA
//! policies, named locations and devices.

use crate::graph::{Record, SignIn};
use crate::scenario::{self, Scenario};
use std::path::Path;

fn scenario(text: &str) -> Scenario {
    scenario::load_str(Path::new("test.yaml"), text).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn rows(s: &Scenario) -> Vec<SignIn> {
    super::simulate(s)
        .filter_map(|i| match i.record {
            Some(Record::SignIn(row)) => Some(*row),
            _ => None,
        })
        .collect()
}

const CORPORATE: &str = "
tenant:
  domain: t.onmicrosoft.com
  named_locations:
    - { name: Tokyo office, ips: [203.0.113.0/24], trusted: true }
    - { name: Partner network, ips: [192.0.2.0/24] }
  conditional_access:
    - { name: Require MFA for all users, id: 0c0a0000-0000-4000-8000-000000000001, grant: mfa }
users:
  - id: u
    upn: u@t.onmicrosoft.com
    display_name: U
    password: Right-1
    home:
      ip: 203.0.113.9
      country: JP
      device: { name: TOKYO-PC-0042, join: entra_joined }
  - id: p
    upn: p@t.onmicrosoft.com
    display_name: P
    password: Right-2
    mfa: push
    home: { ip: 192.0.2.7, country: JP }
timeline:
  start: 2025-01-06T00:00:00Z
  steps:
    - at: 0s
      sign_in: { user: u, app: OfficeHome, password: wrong }
    - at: 10s
      sign_in: { user: u, app: OfficeHome }
    - at: 1m
      sign_in: { user: u, app: OfficeHome, client: { ip: 198.51.100.66, country: RU } }
    - at: 2m
      sign_in: { user: p, app: OfficeHome, mfa: { deny: 1, approve: true } }
";

fn text(value: &Option<crate::graph::Text>) -> &str {
    value.as_deref().unwrap_or("")
}

#[test]
fn a_failed_password_is_single_factor_and_precedes_conditional_access() {
    let rows = rows(&scenario(CORPORATE));
    let wrong = &rows[0];
    assert_eq!(wrong.status.error_code, 50126);
    assert_eq!(
        text(&wrong.beta.authentication_requirement),
        "singleFactorAuthentication"
    );
    assert_eq!(text(&wrong.conditional_access_status), "notApplied");
    assert!(wrong.applied_conditional_access_policies.is_empty());
    let steps = wrong.beta.authentication_details.as_ref().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].succeeded, Some(false));
}

#[test]
fn an_mfa_policy_is_satisfied_by_the_claim_and_listed_as_applied() {
    let rows = rows(&scenario(CORPORATE));
    let success = rows
        .iter()
        .find(|r| r.status.error_code == 0 && text(&r.user_principal_name).starts_with("u@"))
        .unwrap();
    assert_eq!(
        text(&success.beta.authentication_requirement),
        "multiFactorAuthentication"
    );
    assert_eq!(text(&success.conditional_access_status), "success");
    let policy = &success.applied_conditional_access_policies[0];
    assert_eq!(policy.enforced_grant_controls, vec!["Mfa".into()]);
    assert_eq!(text(&policy.result), "success");
    let steps = success.beta.authentication_details.as_ref().unwrap();
    assert_eq!(
        text(&steps[1].authentication_method),
        "Previously satisfied"
    );
    let required_by = success
        .beta
        .authentication_requirement_policies
        .as_ref()
        .unwrap();
    assert_eq!(
        text(&required_by[0].requirement_provider),
        "multiConditionalAccess"
    );
}

#[test]
fn prompts_under_an_mfa_policy_fail_it_until_approved() {
    let rows = rows(&scenario(CORPORATE));
    let p: Vec<&SignIn> = rows
        .iter()
        .filter(|r| text(&r.user_principal_name).starts_with("p@"))
        .collect();
    let codes: Vec<i32> = p.iter().map(|r| r.status.error_code).collect();
    assert_eq!(codes, vec![50074, 500121, 50140, 0]);
    assert_eq!(text(&p[1].conditional_access_status), "failure");
    assert_eq!(
        text(&p[1].beta.authentication_requirement),
        "multiFactorAuthentication"
    );
    let denied = &p[1].beta.authentication_details.as_ref().unwrap()[1];
    assert_eq!(
        text(&denied.authentication_method),
        "Mobile app notification"
    );
    assert_eq!(denied.succeeded, Some(false));
    assert_eq!(text(&p[3].conditional_access_status), "success");
    assert_eq!(
        p[3].beta.authentication_methods_used.as_deref(),
        Some(&["Password".into(), "Mobile app notification".into()][..])
    );
}

#[test]
fn named_locations_and_devices_follow_the_client() {
    let rows = rows(&scenario(CORPORATE));
    let office = &rows[1];
    let network = office.beta.network_location_details.as_ref().unwrap();
    assert_eq!(text(&network[0].network_type), "trustedNamedLocation");
    assert_eq!(network[0].network_names, vec!["Tokyo office".into()]);
    let device = &office.device_detail;
    assert_eq!(text(&device.display_name), "TOKYO-PC-0042");
    assert_eq!(text(&device.trust_type), "Azure AD joined");
    assert_eq!(
        (device.is_compliant, device.is_managed),
        (Some(true), Some(true))
    );
    assert_eq!(text(&device.device_id).len(), 36);

    // Another address is another client: no named location, no device of the user's.
    let abroad = rows
        .iter()
        .find(|r| text(&r.ip_address) == "198.51.100.66")
        .unwrap();
    assert_eq!(
        abroad.beta.network_location_details.as_deref(),
        Some(&[][..])
    );
    assert_eq!(text(&abroad.device_detail.device_id), "");
    assert_eq!(abroad.device_detail.is_compliant, Some(false));

    let partner = rows
        .iter()
        .find(|r| text(&r.ip_address) == "192.0.2.7")
        .unwrap();
    let network = partner.beta.network_location_details.as_ref().unwrap();
    assert_eq!(text(&network[0].network_type), "namedNetwork");
}

#[test]
fn population_devices_follow_their_shares() {
    let members = |devices: &str| {
        rows(&scenario(&format!(
            "
tenant: {{ domain: t.onmicrosoft.com }}
populations:
  - name: staff
    count: 40
    upn: \"s{{n}}@t.onmicrosoft.com\"
    apps: [OfficeHome]
    locations: [{{ ips: 10.0.0.0/16, country: JP }}]
    sign_ins: {{ per_user: 1, over: 1d }}
    stay_signed_in: not_asked
{devices}
timeline: {{ start: 2025-01-06T00:00:00Z }}
"
        )))
    };
    let none = members("");
    assert!(
        none.iter()
            .all(|r| text(&r.device_detail.device_id).is_empty())
    );
    let all = members("    devices: { share: 1, compliant: 1, name: \"PC-{n:03}\" }");
    assert_eq!(all.len(), 40);
    assert!(
        all.iter()
            .all(|r| r.device_detail.is_compliant == Some(true)
                && text(&r.device_detail.display_name).starts_with("PC-"))
    );
    let some = members("    devices: { share: 0.5, join: hybrid_joined, compliant: 0 }");
    let joined = some
        .iter()
        .filter(|r| text(&r.device_detail.trust_type) == "Hybrid Azure AD joined")
        .count();
    assert!((8..=32).contains(&joined), "{joined} of 40");
    assert!(
        some.iter()
            .all(|r| r.device_detail.is_compliant == Some(false))
    );
    // The members themselves do not change with their devices.
    let ids = |rows: &[SignIn]| rows.iter().map(|r| r.user_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&none), ids(&some));
}
