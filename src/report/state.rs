//! The state behind a row, for the report's gauges and windows.
//!
//! The simulator explains each row in a note, the text `entralab run` prints under it
//! ("distinct failure 6 of threshold 5 + drift 1: locked for 60 s (unfamiliar context)",
//! "wrong SMS code 1 in this flow: failed verification 4 of 5 (no log row)"). The report shows
//! those very notes and reads the figures back out of them here, so the page and `run` cannot
//! disagree and the behaviour model keeps a single voice. A note this module does not
//! recognise is still shown as text; it just draws no gauge.

use crate::graph::{Timestamp, timestamp::TICKS_PER_SECOND};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// What one note says about a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum State {
    /// Smart lockout counted a distinct wrong password (`locked_ms` set when it locked).
    Lockout {
        context: String,
        failure: u32,
        threshold: u32,
        drift: u32,
        /// The lockout it started, in milliseconds, when this failure locked the account.
        #[serde(skip_serializing_if = "Option::is_none")]
        locked_ms: Option<i64>,
    },
    /// The first failure after a lockout expired locked again at once.
    Relock { context: String, locked_ms: i64 },
    /// A wrong password typed again: not counted.
    Repeated { context: String, failures: u32 },
    /// Refused while locked.
    Refused { context: String, until: String },
    /// SSPR counted a failed verification (`blocked_until` set when it blocked SSPR).
    Sspr {
        failed: u32,
        limit: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        blocked_until: Option<String>,
    },
    /// The reset page was unavailable: blocked.
    SsprUnavailable { until: String },
    /// A password reset cleared smart lockout.
    Cleared,
}

/// A span of time a user spent locked out or blocked, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub kind: WindowKind,
    pub from: Timestamp,
    pub until: Timestamp,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    Lockout,
    SsprBlock,
}

static COUNTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"distinct failure (\d+) of threshold (\d+) \+ drift (\d+)(?:: locked for (\d+) s)? \((\w+) context\)",
    )
    .expect("a valid pattern")
});
static RELOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"lockout expired: locked again for (\d+) s \((\w+) context\)")
        .expect("a valid pattern")
});
static REPEATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"not counted \(still (\d+), (\w+) context\)").expect("a valid pattern")
});
static REFUSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\w+) context locked until (\S+): refused").expect("a valid pattern")
});
static SSPR_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"failed verification (\d+) of (\d+)(?: in the window: SSPR blocked until (\S+))?")
        .expect("a valid pattern")
});
static SSPR_UNAVAILABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"SSPR is unavailable: blocked until (\S+)").expect("a valid pattern")
});

fn number(text: &str) -> u32 {
    text.parse().unwrap_or(0)
}

/// What `note` says about smart lockout or SSPR, if anything.
pub fn read(note: &str) -> Option<State> {
    if let Some(c) = COUNTED.captures(note) {
        return Some(State::Lockout {
            context: c[5].to_string(),
            failure: number(&c[1]),
            threshold: number(&c[2]),
            drift: number(&c[3]),
            locked_ms: c.get(4).map(|s| i64::from(number(s.as_str())) * 1000),
        });
    }
    if let Some(c) = RELOCK.captures(note) {
        return Some(State::Relock {
            context: c[2].to_string(),
            locked_ms: i64::from(number(&c[1])) * 1000,
        });
    }
    if let Some(c) = REPEATED.captures(note) {
        return Some(State::Repeated {
            context: c[2].to_string(),
            failures: number(&c[1]),
        });
    }
    if let Some(c) = REFUSED.captures(note) {
        return Some(State::Refused {
            context: c[1].to_string(),
            until: c[2].to_string(),
        });
    }
    if let Some(c) = SSPR_FAILED.captures(note) {
        return Some(State::Sspr {
            failed: number(&c[1]),
            limit: number(&c[2]),
            blocked_until: c.get(3).map(|m| m.as_str().to_string()),
        });
    }
    if let Some(c) = SSPR_UNAVAILABLE.captures(note) {
        return Some(State::SsprUnavailable {
            until: c[1].to_string(),
        });
    }
    note.contains("smart lockout cleared")
        .then_some(State::Cleared)
}

/// The window a state starts at `at`, if it starts one.
pub fn window(state: &State, at: Timestamp) -> Option<Window> {
    let lockout = |context: &str, ms: i64| Window {
        kind: WindowKind::Lockout,
        from: at,
        until: at.plus_ticks(ms * (TICKS_PER_SECOND / 1000)),
        label: format!("{context} context locked for {} s", ms / 1000),
    };
    match state {
        State::Lockout {
            context,
            locked_ms: Some(ms),
            ..
        } => Some(lockout(context, *ms)),
        State::Relock { context, locked_ms } => Some(lockout(context, *locked_ms)),
        State::Sspr {
            blocked_until: Some(until),
            ..
        } => {
            let until = Timestamp::parse(until).ok()?;
            let hours = (until.ticks() - at.ticks()) / (3600 * TICKS_PER_SECOND);
            Some(Window {
                kind: WindowKind::SsprBlock,
                from: at,
                until,
                label: format!("SSPR blocked for {hours} h"),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lockout_notes() {
        assert_eq!(
            read("distinct failure 2 of threshold 5 + drift 1 (unfamiliar context)"),
            Some(State::Lockout {
                context: "unfamiliar".into(),
                failure: 2,
                threshold: 5,
                drift: 1,
                locked_ms: None
            })
        );
        let locked =
            read("spray: distinct failure 6 of threshold 5 + drift 1: locked for 60 s (familiar context)")
                .unwrap();
        let at = Timestamp::parse("2025-03-17T15:42:18Z").unwrap();
        let w = window(&locked, at).unwrap();
        assert_eq!(w.until.to_string(), "2025-03-17T15:43:18Z");
        assert_eq!(w.label, "familiar context locked for 60 s");
        assert_eq!(
            read("unfamiliar context locked until 2025-03-17T15:43:18Z: refused (wrong password)"),
            Some(State::Refused {
                context: "unfamiliar".into(),
                until: "2025-03-17T15:43:18Z".into()
            })
        );
        assert!(matches!(
            read(
                "first failure after the lockout expired: locked again for 120 s (unfamiliar context)"
            ),
            Some(State::Relock {
                locked_ms: 120_000,
                ..
            })
        ));
        assert!(matches!(
            read(
                "one of the last 3 wrong passwords again: not counted (still 1, familiar context)"
            ),
            Some(State::Repeated { failures: 1, .. })
        ));
    }

    #[test]
    fn reads_the_sspr_notes() {
        assert_eq!(
            read("wrong SMS code 1 in this flow: failed verification 4 of 5 (no log row)"),
            Some(State::Sspr {
                failed: 4,
                limit: 5,
                blocked_until: None
            })
        );
        let blocked = read("wrong SMS code: failed verification 5 of 5 in the window: SSPR blocked until 2025-03-18T16:38:01.6675333Z").unwrap();
        let at = Timestamp::parse("2025-03-17T16:38:01.6675333Z").unwrap();
        assert_eq!(window(&blocked, at).unwrap().label, "SSPR blocked for 24 h");
        assert!(matches!(
            read(
                "reset page says SSPR is unavailable: blocked until 2025-03-18T16:38:01.6675333Z (no log row)"
            ),
            Some(State::SsprUnavailable { .. })
        ));
        assert_eq!(
            read("password reset: smart lockout cleared"),
            Some(State::Cleared)
        );
        assert_eq!(read("wrong CAPTCHA 1 (no log row)"), None);
    }
}
