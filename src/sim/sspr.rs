//! Self-service password reset for one user: which audit rows an attempt writes and when the
//! user is blocked.
//!
//! The model (reference lab, section 3 of `entra-behavior.md`):
//! - a wrong CAPTCHA, a wrong phone number and a single wrong code write no row;
//! - each page the user gets through writes a `flow activity progress` row, one
//!   `correlationId` per flow;
//! - `wrong_codes_before_restart` wrong codes in one flow send the user back to the start (a
//!   new flow);
//! - `failed_verifications_before_block` failed verifications within the window block SSPR
//!   for `block_duration` and write the two failure rows, about 1 ms apart;
//! - while blocked the reset page is unavailable and nothing is written;
//! - a successful reset clears the failed verifications.

use crate::catalog::SsprText;
use crate::graph::Timestamp;
use crate::scenario::{SsprOutcome, SsprPolicy, SsprStep};
use rand::Rng;
use std::collections::VecDeque;

use super::streams::ticks_between_ms;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsprState {
    failed_verifications: VecDeque<Timestamp>,
    blocked_until: Option<Timestamp>,
}

/// One audit row an attempt writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAudit {
    pub time: Timestamp,
    /// The flow of the attempt the row belongs to (0-based); names its correlationId.
    pub flow: u32,
    pub activity: &'static str,
    pub success: bool,
    pub reason: &'static str,
}

/// Something that happened and left no row, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remark {
    pub time: Timestamp,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsprRun {
    pub rows: Vec<PlannedAudit>,
    pub remarks: Vec<Remark>,
    /// When the password was reset: the instant the completing `Reset password (self-service)`
    /// row is logged. The new password and the cleared lockout take effect then, not when the
    /// attempt starts; `None` for an abandoned or blocked attempt, which changes nothing.
    pub reset_at: Option<Timestamp>,
}

impl SsprState {
    pub fn blocked_until(&self) -> Option<Timestamp> {
        self.blocked_until
    }

    /// Plays one SSPR attempt that starts at `start`.
    pub fn attempt(
        &mut self,
        start: Timestamp,
        step: &SsprStep,
        policy: &SsprPolicy,
        rng: &mut impl Rng,
    ) -> SsprRun {
        let mut run = SsprRun::default();
        let mut t = start;
        if let Some(until) = self.blocked_until {
            if t < until {
                run.remark(
                    t,
                    format!(
                        "reset page says SSPR is unavailable: blocked until {until} (no log row)"
                    ),
                );
                return run;
            }
            self.blocked_until = None;
        }
        if !policy.enabled {
            t = t.plus_ticks(ticks_between_ms(rng, 5_000, 12_000));
            run.row(
                t,
                0,
                SsprText::FLOW_PROGRESS,
                true,
                SsprText::SUBMITTED_USER_ID,
            );
            run.row(
                t.plus_ticks(ticks_between_ms(rng, 20, 400)),
                0,
                SsprText::FLOW_PROGRESS,
                false,
                SsprText::NOT_ENABLED,
            );
            return run;
        }
        let method = step.method;
        let mut codes_left = step.wrong_codes;
        for flow in 0.. {
            if flow == 0 {
                for i in 1..=step.wrong_captcha {
                    t = t.plus_ticks(ticks_between_ms(rng, 6_000, 15_000));
                    run.remark(t, format!("wrong CAPTCHA {i} (no log row)"));
                }
            }
            t = t.plus_ticks(ticks_between_ms(rng, 5_000, 12_000));
            run.row(
                t,
                flow,
                SsprText::FLOW_PROGRESS,
                true,
                SsprText::SUBMITTED_USER_ID,
            );
            t = t.plus_ticks(ticks_between_ms(rng, 300, 1_500));
            run.row(
                t,
                flow,
                SsprText::FLOW_PROGRESS,
                true,
                SsprText::PRESENTED_OPTIONS,
            );
            if flow == 0 {
                for i in 1..=step.wrong_phone_number {
                    t = t.plus_ticks(ticks_between_ms(rng, 5_000, 12_000));
                    run.remark(t, format!("wrong phone number {i} (no log row)"));
                }
            }
            t = t.plus_ticks(ticks_between_ms(rng, 4_000, 10_000));
            run.row(t, flow, SsprText::FLOW_PROGRESS, true, method.started());
            let mut wrong_in_flow = 0;
            while codes_left > 0 && wrong_in_flow < policy.wrong_codes_before_restart {
                t = t.plus_ticks(ticks_between_ms(rng, 15_000, 40_000));
                codes_left -= 1;
                wrong_in_flow += 1;
                let window_start = t.plus_ticks(-policy.verification_window_ticks);
                self.failed_verifications.retain(|f| *f > window_start);
                self.failed_verifications.push_back(t);
                let failed = self.failed_verifications.len() as u32;
                let limit = policy.failed_verifications_before_block;
                if failed >= limit {
                    let until = t.plus_ticks(policy.block_duration_ticks);
                    self.blocked_until = Some(until);
                    self.failed_verifications.clear();
                    run.remark(t, format!("wrong {} code: failed verification {failed} of {limit} in the window: SSPR blocked until {until}", method.label()));
                    run.row(
                        t,
                        flow,
                        SsprText::FLOW_PROGRESS,
                        false,
                        method.too_many_codes(),
                    );
                    // The lab's two rows are about one millisecond apart, the block row last.
                    let gap = 9_990 + rng.random_range(0..=10);
                    run.row(
                        t.plus_ticks(gap),
                        flow,
                        SsprText::BLOCKED,
                        false,
                        method.throttle_reason(),
                    );
                    return run;
                }
                run.remark(t, format!("wrong {} code {wrong_in_flow} in this flow: failed verification {failed} of {limit} (no log row)", method.label()));
            }
            if wrong_in_flow < policy.wrong_codes_before_restart {
                break;
            }
            run.remark(
                t,
                format!("{wrong_in_flow} wrong codes: sent back to the start (a new flow)"),
            );
        }
        let flow = run.rows.last().map_or(0, |r| r.flow);
        match step.outcome {
            SsprOutcome::Abandon => {
                run.remark(
                    t.plus_ticks(ticks_between_ms(rng, 5_000, 20_000)),
                    "abandoned before entering the code (no further row)".into(),
                );
            }
            SsprOutcome::Reset => {
                t = t.plus_ticks(ticks_between_ms(rng, 15_000, 40_000));
                run.row(t, flow, SsprText::FLOW_PROGRESS, true, method.completed());
                t = t.plus_ticks(ticks_between_ms(rng, 10_000, 40_000));
                run.row(
                    t,
                    flow,
                    SsprText::FLOW_PROGRESS,
                    true,
                    SsprText::RESET_SUCCEEDED,
                );
                t = t.plus_ticks(ticks_between_ms(rng, 50, 300));
                run.row(t, flow, SsprText::RESET, true, SsprText::RESET_COMPLETED);
                self.failed_verifications.clear();
                run.reset_at = Some(t);
            }
        }
        run
    }
}

impl SsprRun {
    fn row(
        &mut self,
        time: Timestamp,
        flow: u32,
        activity: &'static str,
        success: bool,
        reason: &'static str,
    ) {
        self.rows.push(PlannedAudit {
            time,
            flow,
            activity,
            success,
            reason,
        });
    }

    fn remark(&mut self, time: Timestamp, text: String) {
        self.remarks.push(Remark { time, text });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SsprMethod;
    use crate::scenario::ClientContext;
    use rand::SeedableRng;

    fn step(wrong_codes: u32, outcome: SsprOutcome) -> SsprStep {
        SsprStep {
            user: 0,
            method: SsprMethod::Sms,
            wrong_captcha: 1,
            wrong_phone_number: 1,
            wrong_codes,
            outcome,
            new_password: None,
            client: ClientContext {
                ip: "203.0.113.7".into(),
                city: String::new(),
                state: String::new(),
                country: "JP".into(),
                latitude: None,
                longitude: None,
                os: "Windows10".into(),
                browser: "Edge 134.0.0".into(),
                user_agent: None,
                device: None,
            },
        }
    }

    fn rng() -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(3)
    }

    fn start() -> Timestamp {
        Timestamp::parse("2025-03-17T16:20:00Z").unwrap()
    }

    fn reasons(run: &SsprRun) -> Vec<&'static str> {
        run.rows.iter().map(|r| r.reason).collect()
    }

    #[test]
    fn mistakes_leave_no_row_and_a_reset_writes_the_flow() {
        let mut state = SsprState::default();
        let run = state.attempt(
            start(),
            &step(1, SsprOutcome::Reset),
            &SsprPolicy::default(),
            &mut rng(),
        );
        assert_eq!(
            reasons(&run),
            [
                SsprText::SUBMITTED_USER_ID,
                SsprText::PRESENTED_OPTIONS,
                SsprMethod::Sms.started(),
                SsprMethod::Sms.completed(),
                SsprText::RESET_SUCCEEDED,
                SsprText::RESET_COMPLETED,
            ]
        );
        assert!(run.rows.iter().all(|r| r.success && r.flow == 0));
        assert_eq!(run.reset_at, run.rows.last().map(|r| r.time));
        assert!(run.rows.windows(2).all(|w| w[0].time < w[1].time));
    }

    #[test]
    fn three_wrong_codes_restart_and_five_block_with_two_failure_rows() {
        let mut state = SsprState::default();
        let run = state.attempt(
            start(),
            &step(5, SsprOutcome::Reset),
            &SsprPolicy::default(),
            &mut rng(),
        );
        let failures: Vec<_> = run.rows.iter().filter(|r| !r.success).collect();
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].reason, SsprMethod::Sms.too_many_codes());
        assert_eq!(failures[1].activity, SsprText::BLOCKED);
        assert_eq!(
            failures[1].reason,
            "User throttle for attempting challenge: UserSMSOtp too many times."
        );
        let gap = failures[1].time.ticks() - failures[0].time.ticks();
        assert!((9_990..=10_000).contains(&gap), "{gap}");
        assert_eq!(failures[0].flow, 1, "the block comes in the second flow");
        assert!(run.reset_at.is_none());
        assert!(state.blocked_until().is_some());
    }

    #[test]
    fn blocked_attempts_write_nothing_until_the_block_ends() {
        let policy = SsprPolicy::default();
        let mut state = SsprState::default();
        state.attempt(start(), &step(5, SsprOutcome::Reset), &policy, &mut rng());
        let until = state.blocked_until().unwrap();
        let later = state.attempt(
            until.plus_seconds(-60),
            &step(0, SsprOutcome::Reset),
            &policy,
            &mut rng(),
        );
        assert!(later.rows.is_empty());
        assert_eq!(later.remarks.len(), 1);
        let after = state.attempt(
            until.plus_seconds(1),
            &step(0, SsprOutcome::Reset),
            &policy,
            &mut rng(),
        );
        assert!(after.reset_at.is_some());
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let policy = SsprPolicy::default();
        let mut state = SsprState::default();
        state.attempt(start(), &step(2, SsprOutcome::Abandon), &policy, &mut rng());
        let next_day = start().plus_seconds(90_000);
        let run = state.attempt(
            next_day,
            &step(3, SsprOutcome::Abandon),
            &policy,
            &mut rng(),
        );
        assert!(
            run.rows.iter().all(|r| r.success),
            "2 + 3 across two days must not block"
        );
    }

    #[test]
    fn a_reset_clears_failed_verifications() {
        let policy = SsprPolicy::default();
        let mut state = SsprState::default();
        state.attempt(start(), &step(4, SsprOutcome::Reset), &policy, &mut rng());
        let run = state.attempt(
            start().plus_seconds(600),
            &step(2, SsprOutcome::Reset),
            &policy,
            &mut rng(),
        );
        assert!(run.reset_at.is_some());
    }

    #[test]
    fn disabled_sspr_writes_the_not_enabled_pair() {
        let policy = SsprPolicy {
            enabled: false,
            ..SsprPolicy::default()
        };
        let run = SsprState::default().attempt(
            start(),
            &step(0, SsprOutcome::Reset),
            &policy,
            &mut rng(),
        );
        assert_eq!(
            reasons(&run),
            [SsprText::SUBMITTED_USER_ID, SsprText::NOT_ENABLED]
        );
        assert!(!run.rows[1].success);
    }
}
