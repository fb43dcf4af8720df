//! When an SSPR reset takes effect: at the instant its `Reset password (self-service)` row is
//! logged, not when the attempt starts. Before it the old password is right, the new one wrong
//! and smart lockout still refuses; after it the reverse, and the lockout is gone.

use crate::graph::{Record, Timestamp};
use crate::scenario::{self, Scenario};
use std::path::Path;

/// Threshold 5, drift 0: six wrong passwords from home lock the familiar context at 0-10s; the
/// SSPR starts at 1m and sets `New-2`.
const LOCKED_THEN_SSPR: &str = "
tenant:
  domain: t.onmicrosoft.com
  smart_lockout: { threshold: 5, drift: 0, duration: 1h }
users:
  - { id: u, upn: u@t.onmicrosoft.com, display_name: U, password: Old-1, home: { ip: 203.0.113.1, country: JP } }
timeline:
  start: 2025-01-06T00:00:00Z
  steps:
    - at: 0s
      repeat: { count: 6, every: 2s }
      sign_in: { user: u, app: OfficeHome, password: \"w{n}\", stay_signed_in: not_asked }
    - at: 1m
      sspr: { user: u, new_password: New-2 }
";

fn load(text: &str) -> Scenario {
    scenario::load_str(Path::new("t.yaml"), text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The instant the reset is logged, and the scenario's start.
fn reset_instant() -> (Timestamp, Timestamp) {
    let s = load(LOCKED_THEN_SSPR);
    let reset = super::simulate(&s)
        .filter_map(|i| match i.record {
            Some(Record::Audit(a))
                if a.activity_display_name.as_deref() == Some("Reset password (self-service)") =>
            {
                Some(a.activity_date_time)
            }
            _ => None,
        })
        .next()
        .expect("the SSPR resets");
    (reset, s.start)
}

/// The error codes of sign-ins at `offset_ms` (from the start) with `password` from `ip`.
/// Steps after the SSPR do not change its rows: each step draws from its own stream.
fn codes_of(sign_ins: &[(i64, &str, &str)]) -> Vec<i32> {
    let mut text = LOCKED_THEN_SSPR.to_string();
    for (offset_ms, password, ip) in sign_ins {
        text.push_str(&format!(
            "    - at: {offset_ms}ms\n      sign_in: {{ user: u, app: OfficeHome, password: {password}, client: {{ ip: {ip} }}, stay_signed_in: not_asked }}\n"
        ));
    }
    codes_after_the_sspr(&text)
}

/// The error codes of the sign-ins of the steps after the SSPR (steps 2 on).
fn codes_after_the_sspr(text: &str) -> Vec<i32> {
    let s = load(text);
    super::simulate(&s)
        .filter_map(|i| match (i.origin, i.record) {
            (super::Origin::Step { index, .. }, Some(Record::SignIn(row))) if index >= 2 => {
                Some(row.status.error_code)
            }
            _ => None,
        })
        .collect()
}

const HOME: &str = "203.0.113.1";
const AWAY: &str = "198.51.100.9";

fn offset_ms(reset: Timestamp, start: Timestamp) -> i64 {
    (reset.ticks() - start.ticks()) / 10_000
}

#[test]
fn the_reset_row_is_logged_well_after_the_attempt_starts() {
    let (reset, start) = reset_instant();
    // The flow takes tens of seconds: the window this model is about is real.
    assert!(offset_ms(reset, start) > 60_000 + 20_000, "{reset}");
}

#[test]
fn the_locked_context_stays_locked_until_the_reset_is_logged() {
    let (reset, start) = reset_instant();
    let at = offset_ms(reset, start);
    assert_eq!(
        codes_of(&[(at - 1_000, "New-2", HOME), (at + 1_000, "New-2", HOME)]),
        [50053, 0]
    );
}

#[test]
fn the_old_password_holds_until_the_reset_is_logged() {
    let (reset, start) = reset_instant();
    let at = offset_ms(reset, start);
    // From an unfamiliar context, which the lockout at home does not touch.
    assert_eq!(
        codes_of(&[
            (at - 2_000, "New-2", AWAY),
            (at - 1_000, "Old-1", AWAY),
            (at + 1_000, "Old-1", AWAY),
            (at + 2_000, "New-2", AWAY),
        ]),
        [50126, 0, 50126, 0]
    );
}

/// Codes of an old-password sign-in away from home and one at home, 10 minutes in, after an
/// SSPR step written as `sspr`.
fn codes_after_sspr(sspr: &str) -> Vec<i32> {
    let mut text = LOCKED_THEN_SSPR.replace("sspr: { user: u, new_password: New-2 }", sspr);
    text.push_str(&format!("    - at: 10m\n      sign_in: {{ user: u, app: OfficeHome, password: Old-1, client: {{ ip: {AWAY} }}, stay_signed_in: not_asked }}\n"));
    text.push_str("    - at: 10m1s\n      sign_in: { user: u, app: OfficeHome, password: Old-1, stay_signed_in: not_asked }\n");
    codes_after_the_sspr(&text)
}

#[test]
fn an_abandoned_or_blocked_flow_changes_nothing() {
    // The old password still signs in away from home, and home is still locked (1 h).
    for sspr in [
        "sspr: { user: u, new_password: New-2, outcome: abandon }",
        "sspr: { user: u, new_password: New-2, wrong_codes: 5 }",
    ] {
        assert_eq!(codes_after_sspr(sspr), [0, 50053], "{sspr}");
    }
    // The same sign-ins after a completed reset: the old password is gone, the lock too.
    assert_eq!(
        codes_after_sspr("sspr: { user: u, new_password: New-2 }"),
        [50126, 50126]
    );
}
