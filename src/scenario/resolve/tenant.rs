//! The tenant: its settings, app registrations and Conditional Access policies, and where the
//! file writes them (for errors that name two files).

use super::{Resolver, derived_guid};
use crate::catalog::KNOWN_PERMISSIONS;
use crate::catalog::risk::RiskLevel;
use crate::scenario::diagnostic::{SourceFile, suggest};
use crate::scenario::model::*;
use crate::scenario::spec::*;
use serde_saphyr::Spanned;

impl Resolver<'_> {
    pub(super) fn tenant(&mut self, spec: TenantSpec) -> Tenant {
        if let Some(id) = &spec.id {
            self.guid(id, "tenant id");
        }
        if !spec.domain.value.contains('.') {
            self.error(
                spec.domain.referenced,
                format!("`{}` is not a domain name", spec.domain.value),
                "not a domain",
                "write the tenant's domain, e.g. contoso.onmicrosoft.com",
            );
        }
        Tenant {
            id: spec.id.as_ref().map(|id| id.value.to_lowercase()),
            display_name: spec
                .display_name
                .map_or_else(|| spec.domain.value.to_lowercase(), |d| d.value),
            domain: spec.domain.value.to_lowercase(),
            premium: spec.premium.is_none_or(|p| p.value),
            lockout: self.lockout(spec.smart_lockout.map(|l| l.value).unwrap_or_default()),
            sspr: self.sspr_policy(spec.sspr.map(|s| s.value).unwrap_or_default()),
            conditional_access: Vec::new(),
            named_locations: Vec::new(),
            identity_protection: spec
                .identity_protection
                .map(|i| self.identity_protection(i.value)),
        }
    }

    pub(super) fn lockout(&mut self, spec: SmartLockoutSpec) -> LockoutPolicy {
        let defaults = LockoutPolicy::default();
        if let Some(threshold) = &spec.threshold
            && threshold.value == 0
        {
            self.error(
                threshold.referenced,
                "a lockout threshold of 0 would lock every sign-in",
                "must be 1 or more",
                "Entra's default is 10; the lab used 5",
            );
        }
        if let Some(growth) = &spec.growth
            && !(growth.value.is_finite() && growth.value >= 1.0)
        {
            self.error(
                growth.referenced,
                format!("growth {} would shrink the lockout", growth.value),
                "must be 1 or more",
                "1 keeps the duration fixed; the default 2 doubles it per lockout",
            );
        }
        LockoutPolicy {
            threshold: spec.threshold.map_or(defaults.threshold, |t| t.value),
            duration_ticks: spec.duration.map_or(defaults.duration_ticks, |d| d.ticks()),
            drift: spec.drift.unwrap_or(defaults.drift),
            growth: spec.growth.map_or(defaults.growth, |g| g.value),
            max_duration_ticks: spec
                .max_duration
                .map_or(defaults.max_duration_ticks, |d| d.ticks()),
            familiar_match: match spec.familiar_match {
                None | Some(FamiliarMatchSpec::IpAndBrowser) => FamiliarMatch::IpAndBrowser,
                Some(FamiliarMatchSpec::Ip) => FamiliarMatch::Ip,
                Some(FamiliarMatchSpec::Browser) => FamiliarMatch::Browser,
            },
            reset_on_success: spec.reset_on_success.unwrap_or(defaults.reset_on_success),
        }
    }

    pub(super) fn sspr_policy(&mut self, spec: SsprPolicySpec) -> SsprPolicy {
        let defaults = SsprPolicy::default();
        for limit in [
            &spec.wrong_codes_before_restart,
            &spec.failed_verifications_before_block,
        ]
        .into_iter()
        .flatten()
        {
            if limit.value == 0 {
                self.error(limit.referenced, "an SSPR limit of 0 would stop every reset", "must be 1 or more", "the lab's limits are 3 wrong codes per flow and 5 failed verifications per 24 h");
            }
        }
        if let Some(methods) = &spec.methods
            && methods.value.is_empty()
        {
            self.error(
                methods.referenced,
                "SSPR needs at least one verification method",
                "empty list",
                "write e.g. `methods: [sms]`",
            );
        }
        SsprPolicy {
            enabled: spec.enabled.unwrap_or(defaults.enabled),
            methods: spec.methods.map_or(defaults.methods.clone(), |m| m.value),
            wrong_codes_before_restart: spec
                .wrong_codes_before_restart
                .map_or(defaults.wrong_codes_before_restart, |v| v.value),
            failed_verifications_before_block: spec
                .failed_verifications_before_block
                .map_or(defaults.failed_verifications_before_block, |v| v.value),
            verification_window_ticks: spec
                .verification_window
                .map_or(defaults.verification_window_ticks, |d| d.ticks()),
            block_duration_ticks: spec
                .block_duration
                .map_or(defaults.block_duration_ticks, |d| d.ticks()),
        }
    }

    pub(super) fn app_registration(&mut self, spec: AppRegistrationSpec) -> AppRegistration {
        self.guid(&spec.client_id, "client id");
        for permission in &spec.permissions {
            if !KNOWN_PERMISSIONS.contains(&permission.value.as_str()) {
                let help = match suggest(&permission.value, KNOWN_PERMISSIONS.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("known permissions: {}", KNOWN_PERMISSIONS.join(", ")),
                };
                self.error(
                    permission.referenced,
                    format!("unknown application permission `{}`", permission.value),
                    "unknown permission",
                    help,
                );
            }
        }
        AppRegistration {
            display_name: spec.display_name,
            client_id: spec.client_id.value.to_lowercase(),
            client_secret: spec.client_secret,
            permissions: spec.permissions.into_iter().map(|p| p.value).collect(),
        }
    }

    pub(super) fn conditional_access(
        &mut self,
        specs: Vec<ConditionalAccessSpec>,
        users: &[User],
        seed: Option<u64>,
        identity_protection: bool,
    ) -> Vec<CaPolicy> {
        let mut policies = Vec::new();
        for spec in specs {
            for country in spec.countries.iter().chain(&spec.except_countries) {
                if !(country.value.len() == 2
                    && country.value.chars().all(|c| c.is_ascii_uppercase()))
                {
                    self.error(
                        country.referenced,
                        format!("`{}` is not a two-letter country code", country.value),
                        "not ISO 3166-1 alpha-2",
                        "write the country as Graph does, e.g. JP, US or DE",
                    );
                }
            }
            if !spec.countries.is_empty() && !spec.except_countries.is_empty() {
                self.error(
                    spec.name.referenced,
                    "a policy names `countries` or `except_countries`, not both",
                    "this policy",
                    "split it into two policies",
                );
            }
            let apps = spec
                .apps
                .iter()
                .filter_map(|a| self.app(a, &[]))
                .map(|a| a.display_name)
                .collect();
            let policy_users = spec
                .users
                .iter()
                .filter_map(|u| self.user_index(u, users))
                .collect();
            let id = match &spec.id {
                Some(id) => {
                    self.guid(id, "policy id");
                    id.value.to_lowercase()
                }
                None => derived_guid(seed.unwrap_or(DEFAULT_SEED), &spec.name.value),
            };
            let sign_in_risk = self.risk_levels(&spec.sign_in_risk, "sign_in_risk");
            let user_risk = self.risk_levels(&spec.user_risk, "user_risk");
            if !identity_protection
                && let Some(first) = spec.sign_in_risk.first().or(spec.user_risk.first())
            {
                self.error(
                    first.referenced,
                    "a risk condition needs ID Protection",
                    "no `tenant.identity_protection`",
                    "add `identity_protection: {}` to the tenant (P2 by default)",
                );
            }
            if spec.grant == Some(CaGrantSpec::PasswordChange) && spec.user_risk.is_empty() {
                self.error(
                    spec.name.referenced,
                    "`grant: password_change` needs a `user_risk` condition",
                    "this policy",
                    "Entra offers a password change only in a user risk policy, e.g. \
                     `user_risk: [high]`",
                );
            }
            policies.push(CaPolicy {
                id,
                display_name: spec.name.value,
                countries: spec.countries.into_iter().map(|c| c.value).collect(),
                except_countries: spec.except_countries.into_iter().map(|c| c.value).collect(),
                client_apps: spec.client_apps.into_iter().map(|c| c.value).collect(),
                apps,
                users: policy_users,
                sign_in_risk,
                user_risk,
                grant: match spec.grant {
                    None | Some(CaGrantSpec::Block) => CaGrant::Block,
                    Some(CaGrantSpec::Mfa) => CaGrant::Mfa,
                    Some(CaGrantSpec::PasswordChange) => CaGrant::PasswordChange,
                },
            });
        }
        policies
    }

    /// The levels of a risk condition: `low`, `medium` or `high` (Entra's policy levels),
    /// each once, in the order written.
    fn risk_levels(&mut self, written: &[Spanned<String>], field: &str) -> Vec<RiskLevel> {
        const LEVELS: [&str; 3] = ["low", "medium", "high"];
        let mut levels = Vec::new();
        for level in written {
            match RiskLevel::parse(&level.value).filter(|l| *l != RiskLevel::None) {
                Some(l) if levels.contains(&l) => self.error(
                    level.referenced,
                    format!("`{}` is listed twice in `{field}`", level.value),
                    "repeated",
                    "list each level once",
                ),
                Some(l) => levels.push(l),
                None => {
                    let help = match suggest(&level.value, LEVELS) {
                        Some(best) => {
                            format!("did you mean `{best}`? Levels are low, medium and high")
                        }
                        None => "write `low`, `medium` or `high`".to_string(),
                    };
                    self.error(
                        level.referenced,
                        format!("unknown risk level `{}` in `{field}`", level.value),
                        "not a level",
                        help,
                    );
                }
            }
        }
        levels
    }
}

/// Where `spec` writes its tenant's settings and app registrations (users are placed as they
/// are resolved). `conditional_access` is the tenant's policies, already taken out of `spec`.
pub(super) fn places(
    file: &SourceFile,
    spec: &ScenarioSpec,
    conditional_access: &[ConditionalAccessSpec],
) -> TenantPlaces {
    let tenant = &spec.tenant;
    TenantPlaces {
        file: file.clone(),
        name: spec
            .name
            .as_ref()
            .map_or(tenant.domain.referenced, |n| n.referenced),
        id: tenant.id.as_ref().map(|id| id.referenced),
        domain: tenant.domain.referenced,
        display_name: tenant.display_name.as_ref().map(|d| d.referenced),
        premium: tenant.premium.as_ref().map(|p| p.referenced),
        smart_lockout: tenant.smart_lockout.as_ref().map(|l| l.referenced),
        sspr: tenant.sspr.as_ref().map(|s| s.referenced),
        conditional_access: conditional_access.first().map(|c| c.name.referenced),
        named_locations: tenant.named_locations.first().map(|n| n.name.referenced),
        identity_protection: tenant.identity_protection.as_ref().map(|i| i.referenced),
        faults: spec.faults.as_ref().map(|f| f.referenced),
        app_registrations: spec
            .app_registrations
            .iter()
            .map(|a| a.client_id.referenced)
            .collect(),
        users: Vec::new(),
    }
}
