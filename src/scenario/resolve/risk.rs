//! The ID Protection keys: licence and threat intelligence, explicit detections, admin actions.

use super::Resolver;
use crate::catalog::risk::{RISK_TYPES, RiskLevel, Timing, find_risk_type, window_bound};
use crate::scenario::diagnostic::suggest;
use crate::scenario::model::*;
use crate::scenario::spec::risk::*;

impl Resolver<'_> {
    pub(super) fn identity_protection(
        &mut self,
        spec: IdentityProtectionSpec,
    ) -> IdentityProtection {
        let speed = spec.travel_speed_kmh.map_or(DEFAULT_TRAVEL_SPEED_KMH, |s| {
            if !(s.value.is_finite() && s.value > 0.0) {
                self.error(
                    s.referenced,
                    format!(
                        "a travel speed of {} km/h flags nothing or everything",
                        s.value
                    ),
                    "must be more than 0",
                    format!("the default is {DEFAULT_TRAVEL_SPEED_KMH} km/h"),
                );
            }
            s.value
        });
        IdentityProtection {
            license: match spec.license.map(|l| l.value) {
                None | Some(LicenseSpec::P2) => RiskLicense::P2,
                Some(LicenseSpec::P1) => RiskLicense::P1,
                Some(LicenseSpec::Free) => RiskLicense::Free,
            },
            anonymizers: spec.threat_intel.anonymizers,
            malicious: spec.threat_intel.malicious,
            travel_speed_kmh: speed,
        }
    }

    pub(super) fn risk_detection_step(
        &mut self,
        spec: RiskDetectionStepSpec,
        users: &[User],
        tenant: &Tenant,
    ) -> Option<RiskDetectionStep> {
        if tenant.identity_protection.is_none() {
            self.error(
                spec.risk_type.referenced,
                "a risk detection in a tenant without ID Protection",
                "no `tenant.identity_protection`",
                "add `identity_protection: {}` to the tenant (P2 by default)",
            );
        }
        let user = self.user_index(&spec.user, users);
        let Some(risk_type) = find_risk_type(&spec.risk_type.value) else {
            let help = match suggest(&spec.risk_type.value, RISK_TYPES.iter().map(|r| r.name)) {
                Some(best) => format!("did you mean `{best}`? Types are spelt as Graph's riskEventType"),
                None => "types are spelt as Graph's riskEventType, e.g. `leakedCredentials`; docs/identity-protection.md lists them".into(),
            };
            self.error(
                spec.risk_type.referenced,
                format!("unknown risk detection type `{}`", spec.risk_type.value),
                "not a documented riskEventType",
                help,
            );
            return None;
        };
        let level = match &spec.level {
            None => risk_type.level,
            Some(l) => match RiskLevel::parse(&l.value).filter(|l| *l != RiskLevel::None) {
                Some(level) => level,
                None => {
                    self.error(
                        l.referenced,
                        format!("unknown risk level `{}`", l.value),
                        "not a level",
                        "write `low`, `medium` or `high`",
                    );
                    return None;
                }
            },
        };
        let timing = match &spec.timing {
            None => risk_type.timing,
            Some(t) => match Timing::parse(&t.value).filter(|t| risk_type.allows(*t)) {
                Some(timing) => timing,
                None => {
                    let allowed = if risk_type.also_realtime {
                        format!("`{}` or `realtime`", risk_type.timing.as_str())
                    } else {
                        format!("`{}`", risk_type.timing.as_str())
                    };
                    self.error(
                        t.referenced,
                        format!("`{}` is not computed `{}`", risk_type.name, t.value),
                        "not its timing",
                        format!("Entra computes it {allowed}"),
                    );
                    return None;
                }
            },
        };
        let delay_ticks = match &spec.delay {
            None => None,
            Some(d) => {
                let (min, max) = timing.window();
                let seconds = d.value.ticks() / crate::graph::timestamp::TICKS_PER_SECOND;
                if d.value.ticks() < min * crate::graph::timestamp::TICKS_PER_SECOND
                    || seconds > max
                {
                    self.error(
                        d.referenced,
                        format!(
                            "a {} detection is not detected {} after the activity",
                            timing.as_str(),
                            window_bound(seconds)
                        ),
                        "outside the documented window",
                        format!(
                            "{} detections appear {} to {} after the activity",
                            timing.as_str(),
                            window_bound(min),
                            window_bound(max)
                        ),
                    );
                    return None;
                }
                Some(d.value.ticks())
            }
        };
        Some(RiskDetectionStep {
            user: user?,
            risk_type,
            level,
            timing,
            delay_ticks,
        })
    }

    pub(super) fn risky_user_step(
        &mut self,
        spec: RiskyUserStepSpec,
        users: &[User],
        at: serde_saphyr::Location,
    ) -> Option<RiskyUserStep> {
        if spec.users.is_empty() {
            self.error(
                at,
                "a `risky_user` step names no user",
                "this step",
                "list the users it acts on: `users: [alice]`",
            );
            return None;
        }
        let found: Vec<Option<usize>> = spec
            .users
            .iter()
            .map(|u| self.user_index(u, users))
            .collect();
        let by = match &spec.by {
            Some(b) => Some(self.user_index(b, users)?),
            None => None,
        };
        Some(RiskyUserStep {
            action: match spec.action {
                RiskyUserActionSpec::Dismiss => RiskyUserAction::Dismiss,
                RiskyUserActionSpec::ConfirmCompromised => RiskyUserAction::ConfirmCompromised,
            },
            users: found.into_iter().collect::<Option<Vec<_>>>()?,
            by,
        })
    }
}
