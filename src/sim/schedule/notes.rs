//! Notes for people: the state behind a sign-in, shown on the timeline.

use crate::scenario::StaySignedIn;
use crate::sim::lockout::{LockoutDecision, PasswordCheck};

/// The state behind a sign-in, for the timeline.
pub(super) fn describe(
    decision: LockoutDecision,
    check: PasswordCheck,
    familiar: bool,
    stay: StaySignedIn,
) -> String {
    let counter = if familiar { "familiar" } else { "unfamiliar" };
    match decision {
        LockoutDecision::Allowed => match stay {
            StaySignedIn::Yes => "right password; \"Stay signed in?\" answered yes".into(),
            StaySignedIn::No => "right password; \"Stay signed in?\" answered no".into(),
            StaySignedIn::NotAsked => "right password".into(),
        },
        LockoutDecision::Counted {
            failure,
            threshold,
            drift,
        } => {
            format!(
                "distinct failure {failure} of threshold {threshold} + drift {drift} ({counter} context)"
            )
        }
        LockoutDecision::Repeated { failures } => {
            format!(
                "one of the last 3 wrong passwords again: not counted (still {failures}, {counter} context)"
            )
        }
        LockoutDecision::LockedNow {
            failure,
            threshold,
            drift,
            duration_ticks,
            relock,
            ..
        } => {
            let seconds = duration_ticks / crate::graph::timestamp::TICKS_PER_SECOND;
            if relock {
                format!(
                    "first failure after the lockout expired: locked again for {seconds} s ({counter} context)"
                )
            } else {
                format!(
                    "distinct failure {failure} of threshold {threshold} + drift {drift}: locked for {seconds} s ({counter} context)"
                )
            }
        }
        LockoutDecision::Refused { until } => {
            let password = if check == PasswordCheck::Right {
                "right"
            } else {
                "wrong"
            };
            format!("{counter} context locked until {until}: refused ({password} password)")
        }
    }
}
