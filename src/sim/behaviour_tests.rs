//! The behaviours beyond the reference lab, one test each: disabled accounts, MFA prompts,
//! Conditional Access blocks, legacy clients, sprays and the working-day rhythm.

use crate::graph::{Record, SignIn};
use crate::scenario::{self, Scenario};
use std::path::Path;

const HEAD: &str = "
tenant:
  domain: t.onmicrosoft.com
  smart_lockout: { threshold: 5, drift: 0 }
";

fn scenario(body: &str) -> Scenario {
    let text = format!("{HEAD}{body}");
    scenario::load_str(Path::new("test.yaml"), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// Sign-in rows, oldest first.
fn rows(s: &Scenario) -> Vec<SignIn> {
    super::simulate(s)
        .filter_map(|i| match i.record {
            Some(Record::SignIn(row)) => Some(*row),
            _ => None,
        })
        .collect()
}

fn codes(rows: &[SignIn]) -> Vec<i32> {
    rows.iter().map(|r| r.status.error_code).collect()
}

const USER: &str = "
users:
  - id: u
    upn: u@t.onmicrosoft.com
    display_name: U
    password: Right-1
    home: { ip: 203.0.113.1, country: JP }
";

#[test]
fn a_disabled_account_gets_50057_on_every_attempt_and_never_locks() {
    let s = scenario(&format!(
        "{}    enabled: false\ntimeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      repeat: {{ count: 8, every: 5s }}\n      sign_in: {{ user: u, app: OfficeHome, password: \"w{{n}}\" }}\n    - at: 1m\n      sign_in: {{ user: u, app: OfficeHome }}\n",
        USER.trim_end_matches('\n').to_string() + "\n"
    ));
    let rows = rows(&s);
    assert_eq!(codes(&rows), vec![50057; 9]);
    assert_eq!(
        rows[0].status.failure_reason.as_deref(),
        Some("User account is disabled. The account has been disabled by an administrator.")
    );
}

#[test]
fn mfa_interrupts_then_completes_in_one_correlation() {
    let s = scenario(&format!(
        "{USER}    mfa: true\ntimeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      sign_in: {{ user: u, app: OfficeHome }}\n"
    ));
    let rows = rows(&s);
    assert_eq!(codes(&rows), vec![50074, 50140, 0]);
    assert_eq!(
        rows[0].status.failure_reason.as_deref(),
        Some("Strong Authentication is required.")
    );
    assert_eq!(
        rows[2].status.additional_details.as_deref(),
        Some("MFA completed in Azure AD")
    );
    // The MFA step itself reads as real exports (and Sentinel's MFA spamming rule) have it.
    let steps = rows[2].beta.authentication_details.as_ref().unwrap();
    assert_eq!(
        steps
            .last()
            .unwrap()
            .authentication_step_result_detail
            .as_deref(),
        Some("MFA successfully completed")
    );
    assert!(
        rows.iter()
            .all(|r| r.correlation_id == rows[0].correlation_id)
    );
    assert!(rows[2].created_date_time > rows[0].created_date_time);
}

#[test]
fn denied_and_ignored_prompts_write_500121_before_the_approval_or_not() {
    let s = scenario(&format!(
        "{USER}    mfa: push\ntimeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      sign_in: {{ user: u, app: OfficeHome, stay_signed_in: not_asked, mfa: {{ deny: 2, ignore: 1 }} }}\n    - at: 1h\n      sign_in: {{ user: u, app: OfficeHome, mfa: {{ deny: 1, approve: false }} }}\n"
    ));
    let rows = rows(&s);
    assert_eq!(
        codes(&rows),
        vec![50074, 500121, 500121, 500121, 0, 50074, 500121]
    );
    let details: Vec<_> = rows
        .iter()
        .map(|r| r.status.additional_details.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(details[1], "MFA denied; user declined the authentication");
    assert_eq!(
        details[3],
        "MFA denied; user did not respond to mobile app notification"
    );
    assert_eq!(
        rows[1].status.failure_reason.as_deref(),
        Some("Authentication failed during strong authentication request.")
    );
    // The unanswered prompt waits for its timeout.
    assert!(
        rows[3].created_date_time.ticks() - rows[2].created_date_time.ticks() >= 59 * 10_000_000
    );
}

#[test]
fn a_step_mfa_needs_a_user_with_mfa() {
    let text = format!(
        "{HEAD}{USER}timeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      sign_in: {{ user: u, app: OfficeHome, mfa: {{ deny: 1 }} }}\n"
    );
    let errors = scenario::load_str(Path::new("t.yaml"), &text).unwrap_err();
    assert!(
        errors.render().contains("has no MFA"),
        "{}",
        errors.render()
    );
}

#[test]
fn conditional_access_blocks_after_the_right_password_only() {
    let s = scenario(&format!(
        "  conditional_access:\n    - {{ name: Outside JP, except_countries: [JP] }}\n    - {{ name: Legacy, client_apps: [IMAP4] }}\n{USER}timeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      sign_in: {{ user: u, app: OfficeHome, password: nope, client: {{ country: US }} }}\n    - at: 1m\n      sign_in: {{ user: u, app: OfficeHome, client: {{ country: US }} }}\n    - at: 2m\n      sign_in: {{ user: u, app: OfficeHome }}\n"
    ));
    let rows = rows(&s);
    assert_eq!(codes(&rows), vec![50126, 53003, 50140, 0]);
    assert_eq!(
        rows[0].conditional_access_status.as_deref(),
        Some("notApplied")
    );
    let blocked = &rows[1];
    assert_eq!(
        blocked.conditional_access_status.as_deref(),
        Some("failure")
    );
    let results: Vec<_> = blocked
        .applied_conditional_access_policies
        .iter()
        .map(|p| {
            (
                p.display_name.as_deref().unwrap(),
                p.result.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        vec![("Outside JP", "failure"), ("Legacy", "notApplied")]
    );
    assert_eq!(
        blocked.applied_conditional_access_policies[0].enforced_grant_controls[0].as_ref() as &str,
        "Block"
    );
    assert!(
        blocked
            .status
            .failure_reason
            .as_deref()
            .unwrap()
            .starts_with("Access has been blocked by Conditional Access policies.")
    );
}

#[test]
fn legacy_clients_land_in_client_app_used_and_user_agent_without_kmsi() {
    let s = scenario(&format!(
        "{USER}timeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      sign_in: {{ user: u, app: Office 365 Exchange Online, client: {{ client_app: Other clients, user_agent: BAV2ROPC }} }}\n"
    ));
    let rows = rows(&s);
    assert_eq!(codes(&rows), vec![0]);
    assert_eq!(rows[0].client_app_used.as_deref(), Some("Other clients"));
    assert_eq!(rows[0].user_agent.as_deref(), Some("BAV2ROPC"));
}

#[test]
fn a_client_app_on_a_home_context_is_refused() {
    let text = format!(
        "{HEAD}users:\n  - {{ id: u, upn: u@t.onmicrosoft.com, display_name: U, password: p, home: {{ ip: 203.0.113.1, country: JP, client_app: IMAP4 }} }}\n"
    );
    let errors = scenario::load_str(Path::new("t.yaml"), &text).unwrap_err();
    assert!(
        errors.render().contains("client_app"),
        "{}",
        errors.render()
    );
}

#[test]
fn a_spray_tries_each_target_once_per_round_from_one_address() {
    let s = scenario(&format!(
        "{USER}  - {{ id: v, upn: v@t.onmicrosoft.com, display_name: V, password: Spring1, home: {{ ip: 203.0.113.2, country: JP }} }}
populations:
  - {{ name: staff, count: 3, upn: \"s{{n}}@t.onmicrosoft.com\", password: \"P{{n}}\", apps: [OfficeHome], locations: [{{ ips: 10.0.0.0/8, country: JP }}], sign_ins: {{ per_user: 1, from: 1d, over: 1h }} }}
timeline:
  start: 2025-01-06T00:00:00Z
  steps:
    - at: 0s
      spray: {{ users: [u, v], population: staff, members: 2, app: OfficeHome, passwords: [Spring1, Summer1], every: 2s, client: {{ ip: 198.51.100.9, country: RU }}, stay_signed_in: not_asked }}
"
    ));
    let rows: Vec<SignIn> = rows(&s)
        .into_iter()
        .filter(|r| r.ip_address.as_deref() == Some("198.51.100.9"))
        .collect();
    let upns: Vec<_> = rows
        .iter()
        .map(|r| r.user_principal_name.as_deref().unwrap())
        .collect();
    assert_eq!(
        upns,
        [
            "u@t.onmicrosoft.com",
            "v@t.onmicrosoft.com",
            "s1@t.onmicrosoft.com",
            "s2@t.onmicrosoft.com"
        ]
        .repeat(2)
    );
    // v's password is the first round's: one success, the rest wrong.
    assert_eq!(
        codes(&rows),
        vec![50126, 0, 50126, 50126, 50126, 50126, 50126, 50126]
    );
    assert_eq!(rows[1].location.country_or_region.as_deref(), Some("RU"));
}

#[test]
fn a_spray_locks_accounts_it_keeps_hitting() {
    let s = scenario(&format!(
        "{USER}timeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      spray: {{ users: [u], app: OfficeHome, passwords: [a, b, c, d, e, f, g], every: 2s, client: {{ ip: 198.51.100.9 }} }}\n"
    ));
    // Threshold 5, drift 0: the fifth distinct failure locks, the next attempts are refused.
    assert_eq!(
        codes(&rows(&s)),
        vec![50126, 50126, 50126, 50126, 50126, 50053, 50053]
    );
}

#[test]
fn a_stuffing_spray_rotates_addresses() {
    let s = scenario(&format!(
        "{USER}timeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      spray: {{ users: [u], app: OfficeHome, passwords: [a, b, c], every: 2s, ips: 192.0.2.0/24 }}\n"
    ));
    let ips: Vec<_> = rows(&s)
        .iter()
        .map(|r| r.ip_address.as_deref().unwrap().to_string())
        .collect();
    assert_eq!(ips.len(), 3);
    assert!(
        ips[0] != ips[1] && ips[1] != ips[2] && ips.iter().all(|ip| ip.starts_with("192.0.2."))
    );
}

#[test]
fn working_days_keep_sign_ins_to_local_weekday_hours() {
    let s = scenario(
        "populations:
  - name: staff
    count: 40
    upn: \"s{n}@t.onmicrosoft.com\"
    apps: [OfficeHome]
    locations: [{ ips: 10.0.0.0/8, country: JP }]
    sign_ins: { per_user: 30, over: 14d, rhythm: working_days, hours: \"09:00-17:30\", utc_offset: \"+09:00\" }
    stay_signed_in: not_asked
timeline:
  start: 2025-01-06T00:00:00Z
",
    );
    let rows = rows(&s);
    assert_eq!(rows.len(), 1200);
    for row in &rows {
        // Local time in Tokyo.
        let local = row.created_date_time.unix_seconds() + 9 * 3600;
        let minute_of_day = local.rem_euclid(86_400) / 60;
        let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7); // 0 = Monday
        assert!(weekday < 5, "{} is at the weekend", row.created_date_time);
        assert!(
            (540..1050).contains(&minute_of_day),
            "{} is outside 09:00-17:30",
            row.created_date_time
        );
    }
}

#[test]
fn bad_working_hours_are_reported_where_they_are() {
    let text = format!(
        "{HEAD}populations:\n  - {{ name: s, count: 1, upn: \"s{{n}}@t.onmicrosoft.com\", apps: [OfficeHome], locations: [{{ ips: 10.0.0.0/8, country: JP }}], sign_ins: {{ per_user: 1, over: 1d, rhythm: working_days, hours: \"18:00-08:00\" }} }}\n"
    );
    let errors = scenario::load_str(Path::new("t.yaml"), &text).unwrap_err();
    assert!(
        errors.render().contains("not a range of hours"),
        "{}",
        errors.render()
    );
}

#[test]
fn a_period_without_working_time_is_refused() {
    // Saturday 2025-01-04 in UTC, one day: no weekday working hours at all.
    let text = format!(
        "{HEAD}populations:\n  - {{ name: s, count: 1, upn: \"s{{n}}@t.onmicrosoft.com\", apps: [OfficeHome], locations: [{{ ips: 10.0.0.0/8, country: JP }}], sign_ins: {{ per_user: 1, over: 1d, rhythm: working_days }} }}\ntimeline:\n  start: 2025-01-04T00:00:00Z\n"
    );
    let errors = scenario::load_str(Path::new("t.yaml"), &text).unwrap_err();
    assert!(
        errors.render().contains("no working hours"),
        "{}",
        errors.render()
    );
}

/// `same_session`: retries of one login page share the correlationId of the first refused
/// attempt, the accepted password ends that sign-in, and the next refused attempt (or one
/// without `same_session`, or from another address) starts a new one.
#[test]
fn same_session_attempts_share_a_correlation_until_a_password_is_accepted() {
    let s = scenario(&format!(
        "{USER}timeline:
  start: 2025-01-06T00:00:00Z
  steps:
    - at: 0s
      repeat: {{ count: 3, every: 5s }}
      sign_in: {{ user: u, app: OfficeHome, password: \"w{{n}}\", same_session: true }}
    - at: 1m
      sign_in: {{ user: u, app: OfficeHome, same_session: true }}
    - at: 2m
      sign_in: {{ user: u, app: OfficeHome, password: x, same_session: true }}
    - at: 3m
      sign_in: {{ user: u, app: OfficeHome, password: y }}
    - at: 4m
      sign_in: {{ user: u, app: OfficeHome, password: z, same_session: true, client: {{ ip: 192.0.2.1 }} }}
"
    ));
    let rows = rows(&s);
    assert_eq!(
        codes(&rows),
        vec![50126, 50126, 50126, 50140, 0, 50126, 50126, 50126]
    );
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r.correlation_id.as_deref().unwrap())
        .collect();
    assert!(ids[..5].iter().all(|id| *id == ids[0]), "{ids:?}");
    for later in 5..8 {
        assert!(!ids[..later].contains(&ids[later]), "{ids:?}");
    }
}

/// Without `same_session` every attempt is a sign-in of its own, as before.
#[test]
fn attempts_without_same_session_get_their_own_correlations() {
    let s = scenario(&format!(
        "{USER}timeline:\n  start: 2025-01-06T00:00:00Z\n  steps:\n    - at: 0s\n      repeat: {{ count: 3, every: 5s }}\n      sign_in: {{ user: u, app: OfficeHome, password: \"w{{n}}\" }}\n"
    ));
    let rows = rows(&s);
    assert_eq!(rows.len(), 3);
    assert_ne!(rows[0].correlation_id, rows[1].correlation_id);
    assert_ne!(rows[1].correlation_id, rows[2].correlation_id);
}
