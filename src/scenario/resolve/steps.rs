//! The timeline: steps, their repetitions, and sign-in steps.

use super::Resolver;
use crate::scenario::model::*;
use crate::scenario::spec::*;

impl Resolver<'_> {
    pub(super) fn steps(
        &mut self,
        specs: Vec<StepSpec>,
        users: &[User],
        apps: &[App],
        tenant: &Tenant,
        populations: &[Population],
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut previous: Option<i64> = None;
        let mut directory = super::directory_objects::Directory::new(users, apps, tenant, &specs);
        for spec in specs {
            let at = spec.at.value.ticks();
            if let Some(prev) = previous
                && at < prev
            {
                self.error(
                    spec.at.referenced,
                    "this step comes before the step above it",
                    "out of order",
                    "steps are listed in time order; move it up or change `at`",
                );
            }
            previous = Some(at);
            let mut repeat = match &spec.repeat {
                None => Repeat::ONCE,
                Some(r) => {
                    if r.count.value == 0 {
                        self.error(
                            r.count.referenced,
                            "`repeat` with a count of 0 never runs",
                            "must be 1 or more",
                            "remove `repeat` or give a count of 1 or more",
                        );
                    }
                    if r.count.value > 1 && r.every.value.ticks() == 0 {
                        self.error(
                            r.every.referenced,
                            "repetitions need time between them",
                            "must be more than 0",
                            "write e.g. `every: 10s`",
                        );
                    }
                    // Keeps every instant far from overflow, as `MAX_DURATION_TICKS` promises.
                    let last = i128::from(at)
                        + i128::from(r.count.value.saturating_sub(1))
                            * i128::from(r.every.value.ticks());
                    if last > i128::from(crate::scenario::values::MAX_DURATION_TICKS) {
                        self.error(
                            r.count.referenced,
                            "the last repetition would come more than 100 years after the start",
                            "too many for `every`",
                            "a scenario spans at most 100 years: lower `count` or `every`",
                        );
                    }
                    Repeat {
                        count: r.count.value,
                        every_ticks: r.every.value.ticks(),
                    }
                }
            };
            let line = spec.at.referenced.line();
            let actions = usize::from(spec.sign_in.is_some())
                + usize::from(spec.sspr.is_some())
                + usize::from(spec.spray.is_some())
                + usize::from(spec.directory.is_some())
                + usize::from(spec.risk_detection.is_some())
                + usize::from(spec.risky_user.is_some());
            let action = match (spec.sign_in, spec.sspr, spec.spray) {
                _ if actions > 1 => {
                    self.error(
                        spec.at.referenced,
                        "a step does one thing: `sign_in`, `sspr`, `spray` or `directory`, not two",
                        "this step",
                        "split it into two steps",
                    );
                    None
                }
                (None, None, None) if spec.risk_detection.is_some() => {
                    let risk = spec.risk_detection.expect("checked just above");
                    self.risk_detection_step(risk, users, tenant)
                        .map(Action::RiskDetection)
                }
                (None, None, None) if spec.risky_user.is_some() => {
                    let risky = spec.risky_user.expect("checked just above");
                    self.risky_user_step(risky, users, spec.at.referenced)
                        .map(Action::RiskyUser)
                }
                (None, None, None) if spec.directory.is_some() => {
                    let directory_spec = spec.directory.expect("checked just above");
                    self.directory_step(directory_spec, users, &mut directory, line)
                        .map(|d| Action::Directory(Box::new(d)))
                }
                (Some(sign_in), None, None) => {
                    self.sign_in_step(sign_in, users, apps).map(Action::SignIn)
                }
                (None, Some(sspr), None) => self.sspr_step(sspr, users, tenant).map(Action::Sspr),
                (None, None, Some(spray)) => {
                    if let Some(r) = &spec.repeat {
                        self.error(
                            r.count.referenced,
                            "a spray repeats by itself: one attempt per user and password",
                            "`repeat` on a spray",
                            "remove `repeat`; set the pace with the spray's `every`",
                        );
                    }
                    let spray = self.spray_step(spray, users, apps, populations);
                    if let Some((spray, every)) = &spray {
                        repeat = Repeat {
                            count: (spray.targets.len() * spray.passwords.len()) as u32,
                            every_ticks: *every,
                        };
                    }
                    spray.map(|(s, _)| Action::Spray(s))
                }
                _ => {
                    self.error(
                        spec.at.referenced,
                        "this step has nothing to do",
                        "this step",
                        "add `sign_in:`, `sspr:`, `spray:` or `directory:` to it",
                    );
                    None
                }
            };
            if let Some(action) = action {
                steps.push(Step {
                    at_ticks: at,
                    repeat,
                    action,
                    line,
                });
            }
        }
        steps
    }

    pub(super) fn sign_in_step(
        &mut self,
        spec: SignInStepSpec,
        users: &[User],
        apps: &[App],
    ) -> Option<SignInStep> {
        let user = self.user_index(&spec.user, users);
        let app = self.app(&spec.app, apps);
        let password = spec.password.as_ref().and_then(|p| self.template(p));
        let user = user?;
        let client = self.context(&spec.client, Some(&users[user].home), spec.user.referenced)?;
        if spec.mfa.is_some() && users[user].mfa.is_none() {
            self.error(
                spec.user.referenced,
                format!(
                    "user `{}` has no MFA, so no prompt to deny",
                    spec.user.value
                ),
                "no `mfa` on this user",
                "add `mfa: true` to the user, or remove the step's `mfa`",
            );
        }
        let client_app = spec.client.client_app.as_ref().map(|c| c.value.clone());
        Some(SignInStep {
            user,
            app: app?,
            password: match spec.password {
                Some(_) => Some(password?),
                None => None,
            },
            client,
            stay_signed_in: stay_default(spec.stay_signed_in, client_app.as_deref()),
            client_app,
            mfa: spec.mfa.map_or(MfaResponse::APPROVE, |m| MfaResponse {
                deny: m.deny,
                ignore: m.ignore,
                approve: m.approve.unwrap_or(true),
            }),
            same_session: spec.same_session,
        })
    }
}

/// Legacy and rich clients show no "Stay signed in?" prompt: only a `Browser` client defaults
/// to the prompt.
pub(super) fn stay_default(
    spec: Option<StaySignedInSpec>,
    client_app: Option<&str>,
) -> StaySignedIn {
    match (spec, client_app) {
        (None, Some(app)) if !app.eq_ignore_ascii_case("Browser") => StaySignedIn::NotAsked,
        _ => stay_signed_in(spec),
    }
}

pub(super) fn stay_signed_in(spec: Option<StaySignedInSpec>) -> StaySignedIn {
    match spec {
        None | Some(StaySignedInSpec::No) => StaySignedIn::No,
        Some(StaySignedInSpec::Yes) => StaySignedIn::Yes,
        Some(StaySignedInSpec::NotAsked) => StaySignedIn::NotAsked,
    }
}
