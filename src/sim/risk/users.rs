//! A user's risk over time: detections raise it as they land, a secure password change or
//! SSPR reset remediates it, an admin dismisses it or confirms the user compromised. Each
//! change is one `riskyUserHistoryItem`.

use crate::catalog::risk::RiskLevel;
use crate::graph::Timestamp;

/// What changes a user's risk, at the instant it happens.
#[derive(Debug, Clone)]
pub enum RiskEvent {
    /// Detection `index` (into the findings) lands.
    Detected {
        index: usize,
        level: RiskLevel,
    },
    /// The user reset (`reset: true`) or changed their password securely.
    PasswordRemediation {
        reset: bool,
    },
    Dismissed {
        by: Option<usize>,
    },
    ConfirmedCompromised {
        by: Option<usize>,
        detection: usize,
    },
}

/// A user's risk state now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRisk {
    pub level: RiskLevel,
    pub state: &'static str,
    pub detail: &'static str,
}

impl Default for UserRisk {
    fn default() -> Self {
        UserRisk {
            level: RiskLevel::None,
            state: "none",
            detail: "none",
        }
    }
}

/// A change of state: the new state, who caused it, and what happened to the detections that
/// were at risk (their new state and detail).
#[derive(Debug, Clone)]
pub struct Change {
    pub time: Timestamp,
    pub risk: UserRisk,
    pub by: Option<usize>,
    /// Detections (finding indexes) this change is about (`activity.riskEventTypes`).
    pub detections: Vec<usize>,
    /// Detections at risk that this change closes, and the state they take.
    pub closes: Vec<usize>,
}

/// Plays one user's events (in time order) and returns each change.
pub fn play(events: &[(Timestamp, RiskEvent)]) -> Vec<Change> {
    let mut risk = UserRisk::default();
    let mut open: Vec<(usize, RiskLevel)> = Vec::new();
    let mut changes = Vec::new();
    for (time, event) in events {
        let (by, detections, closes) = match event {
            RiskEvent::Detected { index, level } => {
                if risk.state == "confirmedCompromised" {
                    // Already at the top: the detection joins the confirmed risk.
                    open.push((*index, *level));
                    continue;
                }
                open.push((*index, *level));
                let level = open
                    .iter()
                    .map(|(_, l)| *l)
                    .max()
                    .unwrap_or(RiskLevel::None);
                risk = UserRisk {
                    level,
                    state: "atRisk",
                    detail: "none",
                };
                (None, vec![*index], Vec::new())
            }
            RiskEvent::PasswordRemediation { reset } => {
                if risk.state != "atRisk" {
                    continue;
                }
                risk = UserRisk {
                    level: RiskLevel::None,
                    state: "remediated",
                    detail: if *reset {
                        "userPerformedSecuredPasswordReset"
                    } else {
                        "userPerformedSecuredPasswordChange"
                    },
                };
                (None, Vec::new(), open.drain(..).map(|(i, _)| i).collect())
            }
            RiskEvent::Dismissed { by } => {
                if risk.state != "atRisk" && risk.state != "confirmedCompromised" {
                    continue;
                }
                risk = UserRisk {
                    level: RiskLevel::None,
                    state: "dismissed",
                    detail: "adminDismissedAllRiskForUser",
                };
                (*by, Vec::new(), open.drain(..).map(|(i, _)| i).collect())
            }
            RiskEvent::ConfirmedCompromised { by, detection } => {
                risk = UserRisk {
                    level: RiskLevel::High,
                    state: "confirmedCompromised",
                    detail: "adminConfirmedUserCompromised",
                };
                open.push((*detection, RiskLevel::High));
                let closes = open.iter().map(|(i, _)| *i).collect();
                (*by, vec![*detection], closes)
            }
        };
        changes.push(Change {
            time: *time,
            risk,
            by,
            detections,
            closes,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_742_223_600 + s)
    }

    #[test]
    fn detections_raise_risk_and_a_reset_remediates_it() {
        let changes = play(&[
            (
                at(0),
                RiskEvent::Detected {
                    index: 0,
                    level: RiskLevel::Medium,
                },
            ),
            (
                at(10),
                RiskEvent::Detected {
                    index: 1,
                    level: RiskLevel::High,
                },
            ),
            (at(20), RiskEvent::PasswordRemediation { reset: true }),
            (at(30), RiskEvent::Dismissed { by: None }),
        ]);
        let states: Vec<(&str, RiskLevel)> = changes
            .iter()
            .map(|c| (c.risk.state, c.risk.level))
            .collect();
        assert_eq!(
            states,
            [
                ("atRisk", RiskLevel::Medium),
                ("atRisk", RiskLevel::High),
                ("remediated", RiskLevel::None)
            ]
        );
        assert_eq!(changes[2].closes, [0, 1]);
        assert_eq!(changes[2].risk.detail, "userPerformedSecuredPasswordReset");
    }
}
