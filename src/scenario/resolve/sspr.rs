//! Self-service password reset attempts and their mistakes.

use super::Resolver;
use crate::catalog::SsprMethod;
use crate::scenario::model::*;
use crate::scenario::spec::*;
use serde_saphyr::Spanned;

impl Resolver<'_> {
    pub(super) fn sspr_step(
        &mut self,
        spec: SsprStepSpec,
        users: &[User],
        tenant: &Tenant,
    ) -> Option<SsprStep> {
        let user = self.user_index(&spec.user, users)?;
        let method = match &spec.method {
            Some(method) if !tenant.sspr.methods.contains(&method.value) => {
                self.error(
                    method.referenced,
                    format!(
                        "the tenant's SSPR policy does not offer {}",
                        method.value.label()
                    ),
                    "not in `tenant.sspr.methods`",
                    "add it to `tenant.sspr.methods` or pick an offered method",
                );
                return None;
            }
            Some(method) => method.value,
            None => tenant
                .sspr
                .methods
                .first()
                .copied()
                .unwrap_or(SsprMethod::Sms),
        };
        let client = self.context(&spec.client, Some(&users[user].home), spec.user.referenced)?;
        let mut mistakes = |count: &Option<Spanned<u32>>| match count {
            Some(count) if count.value > MAX_SSPR_MISTAKES => {
                self.error(
                    count.referenced,
                    format!(
                        "{} mistakes in one SSPR attempt is more than entralab simulates",
                        count.value
                    ),
                    "too many",
                    format!("at most {MAX_SSPR_MISTAKES}; split the attempt into steps"),
                );
                0
            }
            Some(count) => count.value,
            None => 0,
        };
        let (wrong_captcha, wrong_phone_number, wrong_codes) = (
            mistakes(&spec.wrong_captcha),
            mistakes(&spec.wrong_phone_number),
            mistakes(&spec.wrong_codes),
        );
        Some(SsprStep {
            user,
            method,
            wrong_captcha,
            wrong_phone_number,
            wrong_codes,
            outcome: match spec.outcome {
                None | Some(SsprOutcomeSpec::Reset) => SsprOutcome::Reset,
                Some(SsprOutcomeSpec::Abandon) => SsprOutcome::Abandon,
            },
            new_password: spec.new_password,
            client,
        })
    }
}

/// SSPR mistakes of one kind in one attempt: each leaves a timeline note, so the number is
/// bounded to keep memory small.
const MAX_SSPR_MISTAKES: u32 = 10_000;
