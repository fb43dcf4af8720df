//! From what the file says (`ScenarioSpec`) to what the simulator runs (`Scenario`): resolves
//! names, fills defaults, checks limits. Collects every mistake rather than stopping at the
//! first, so one `entralab check` shows them all.

use super::diagnostic::{ScenarioError, SourceFile, suggest};
use super::model::*;
use super::spec::*;
use super::template::Template;
use crate::catalog::{self, FIRST_PARTY_APPS, KNOWN_PERMISSIONS, SsprMethod};
use serde_saphyr::{Location, Spanned};

pub fn resolve(file: &SourceFile, mut spec: ScenarioSpec) -> Result<Scenario, Vec<ScenarioError>> {
    let mut r = Resolver {
        file,
        errors: Vec::new(),
        seed: spec.seed.unwrap_or(DEFAULT_SEED),
    };
    let ca_specs = std::mem::take(&mut spec.tenant.conditional_access);
    let mut places = super::tenancy::places(file, &spec, &ca_specs);
    let named_locations = std::mem::take(&mut spec.tenant.named_locations);
    let mut tenant = r.tenant(spec.tenant);
    tenant.named_locations = r.named_locations(named_locations);
    let app_registrations = spec
        .app_registrations
        .into_iter()
        .map(|a| r.app_registration(a))
        .collect();
    let custom_apps: Vec<App> = spec
        .apps
        .into_iter()
        .filter_map(|a| r.custom_app(a))
        .collect();
    let (users, user_places) = r.users(spec.users);
    places.users = user_places;
    tenant.conditional_access = r.conditional_access(ca_specs, &users, spec.seed);
    let mut periods = Vec::new();
    let mut populations: Vec<Population> = spec
        .populations
        .into_iter()
        .filter_map(|p| {
            let at = p.sign_ins.over.referenced;
            let population = r.population(p, &custom_apps)?;
            periods.push(at);
            Some(population)
        })
        .collect();
    let (start, steps) = match spec.timeline {
        Some(timeline) => {
            let steps = r.steps(timeline.steps, &users, &custom_apps, &tenant, &populations);
            (timeline.start, steps)
        }
        None => (
            crate::graph::Timestamp::from_unix_seconds(1_742_223_600),
            Vec::new(),
        ),
    };
    for (p, at) in populations.iter_mut().zip(periods) {
        let (from, over) = (p.from_ticks, p.over_ticks);
        if let Some(rhythm) = &mut p.rhythm {
            rhythm.lay_out(start, from, over);
            if rhythm.total_ticks == 0 {
                r.error(
                    at,
                    "this period has no working hours on a weekday",
                    "no working time",
                    "lengthen `over`, move `from`, or check `hours` and `utc_offset`",
                );
            }
        }
    }
    let faults = spec.faults.map(|f| r.faults(f.value)).unwrap_or_default();
    let expectations = r.expectations(spec.expect, &users);
    let detections = r.detections(spec.detections);
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    let name = spec.name.map(|n| n.value).unwrap_or_else(|| {
        file.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Ok(Scenario {
        name,
        description: spec.description,
        source: file.path.clone(),
        seed: spec.seed.unwrap_or(DEFAULT_SEED),
        benign: spec.benign,
        tenant,
        app_registrations,
        users,
        populations,
        start,
        steps,
        faults,
        expectations,
        detections,
        places,
    })
}

/// SSPR mistakes of one kind in one attempt: each leaves a timeline note, so the number is
/// bounded to keep memory small.
const MAX_SSPR_MISTAKES: u32 = 10_000;
/// Members of one population: the schedule holds one entry per member.
const MAX_POPULATION: u32 = 10_000_000;

pub(super) struct Resolver<'a> {
    file: &'a SourceFile,
    errors: Vec<ScenarioError>,
    /// For ids derived from names (policies, devices).
    pub(super) seed: u64,
}

impl Resolver<'_> {
    pub(super) fn error_count(&self) -> usize {
        self.errors.len()
    }

    pub(super) fn error(
        &mut self,
        at: Location,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        self.errors.push(ScenarioError::new(
            self.file,
            at,
            message,
            label,
            Some(help.into()),
        ));
    }

    fn tenant(&mut self, spec: TenantSpec) -> Tenant {
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
        }
    }

    fn lockout(&mut self, spec: SmartLockoutSpec) -> LockoutPolicy {
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

    fn sspr_policy(&mut self, spec: SsprPolicySpec) -> SsprPolicy {
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

    fn app_registration(&mut self, spec: AppRegistrationSpec) -> AppRegistration {
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

    fn custom_app(&mut self, spec: AppSpec) -> Option<App> {
        let ok = self.guid(&spec.app_id, "app id");
        let resource_ok = spec
            .resource_id
            .as_ref()
            .is_none_or(|id| self.guid(id, "resource id"));
        (ok && resource_ok).then(|| App {
            resource_display_name: spec
                .resource_display_name
                .unwrap_or_else(|| spec.display_name.value.clone()),
            resource_id: spec.resource_id.map_or_else(
                || spec.app_id.value.to_lowercase(),
                |r| r.value.to_lowercase(),
            ),
            app_id: spec.app_id.value.to_lowercase(),
            display_name: spec.display_name.value,
        })
    }

    /// The users, and where each one's `upn` is written.
    fn users(&mut self, specs: Vec<UserSpec>) -> (Vec<User>, Vec<Location>) {
        let mut users: Vec<User> = Vec::new();
        let mut places = Vec::new();
        for spec in specs {
            let upn = spec.upn.value.to_lowercase();
            let Some((local, _)) = upn
                .split_once('@')
                .filter(|(l, d)| !l.is_empty() && d.contains('.'))
            else {
                self.error(
                    spec.upn.referenced,
                    format!("`{}` is not a user principal name", spec.upn.value),
                    "not a UPN",
                    "write name@domain, e.g. user01@contoso.onmicrosoft.com",
                );
                continue;
            };
            let (key, key_at) = match &spec.id {
                Some(id) => (id.value.clone(), id.referenced),
                None => (local.to_string(), spec.upn.referenced),
            };
            if users.iter().any(|u| u.key == key || u.upn == upn) {
                self.error(
                    key_at,
                    format!("user `{key}` is declared twice"),
                    "second declaration",
                    "give each user its own `id` and `upn`",
                );
                continue;
            }
            let Some(home) = self.context(&spec.home, None, spec.upn.referenced) else {
                continue;
            };
            let familiar = spec
                .familiar
                .iter()
                .filter_map(|c| self.context(c, Some(&home), spec.upn.referenced))
                .collect();
            for context in std::iter::once(&spec.home).chain(&spec.familiar) {
                if let Some(client_app) = &context.client_app {
                    self.error(
                        client_app.referenced,
                        "`client_app` belongs to a step's `client`, not to a user's contexts",
                        "not here",
                        "move it to the `client:` of the sign-in or spray step",
                    );
                }
            }
            places.push(spec.upn.referenced);
            users.push(User {
                key,
                upn,
                display_name: spec.display_name,
                password: spec.password,
                home,
                familiar,
                enabled: spec.enabled.unwrap_or(true),
                mfa: match spec.mfa {
                    None | Some(UserMfaSpec::On(false)) => None,
                    Some(UserMfaSpec::On(true))
                    | Some(UserMfaSpec::Method(MfaMethodSpec::Push)) => Some(MfaMethod::Push),
                    Some(UserMfaSpec::Method(MfaMethodSpec::Sms)) => Some(MfaMethod::Sms),
                    Some(UserMfaSpec::Method(MfaMethodSpec::PhoneCall)) => {
                        Some(MfaMethod::PhoneCall)
                    }
                    Some(UserMfaSpec::Method(MfaMethodSpec::Oath)) => Some(MfaMethod::Oath),
                },
            });
        }
        (users, places)
    }

    /// A client context, each field falling back to `base` (a user's home) when given.
    fn context(
        &mut self,
        spec: &ContextSpec,
        base: Option<&ClientContext>,
        owner: Location,
    ) -> Option<ClientContext> {
        if let Some(country) = &spec.country
            && !(country.value.len() == 2 && country.value.chars().all(|c| c.is_ascii_uppercase()))
        {
            self.error(
                country.referenced,
                format!("`{}` is not a two-letter country code", country.value),
                "not ISO 3166-1 alpha-2",
                "write the country as Graph does, e.g. JP, US or DE",
            );
        }
        let ip = match (&spec.ip, base) {
            (Some(ip), _) => ip.0.clone(),
            (None, Some(base)) => base.ip.clone(),
            (None, None) => {
                self.error(
                    owner,
                    "this user's home context has no `ip`",
                    "user declared here",
                    "add `ip:` (and `country:`) under `home:`",
                );
                return None;
            }
        };
        let country = match (&spec.country, base) {
            (Some(c), _) => c.value.clone(),
            (None, Some(base)) => base.country.clone(),
            (None, None) => {
                self.error(
                    owner,
                    "this user's home context has no `country`",
                    "user declared here",
                    "add `country:` under `home:`, e.g. `country: JP`",
                );
                return None;
            }
        };
        // A step that changes the address, browser or OS is another client: it does not inherit
        // the home context's user agent or device.
        let same_client = spec.ip.is_none() && spec.browser.is_none() && spec.os.is_none();
        let device = match &spec.device {
            Some(device) => Some(self.device(device)),
            None => base.filter(|_| same_client).and_then(|b| b.device.clone()),
        };
        let pick =
            |own: &Option<String>, from_base: fn(&ClientContext) -> &String, default: &str| {
                own.clone()
                    .or_else(|| base.map(|b| from_base(b).clone()))
                    .unwrap_or_else(|| default.to_string())
            };
        Some(ClientContext {
            ip,
            country,
            city: pick(&spec.city, |b| &b.city, ""),
            state: pick(&spec.state, |b| &b.state, ""),
            os: pick(&spec.os, |b| &b.os, "Windows10"),
            browser: pick(&spec.browser, |b| &b.browser, "Edge 134.0.0"),
            latitude: spec.latitude.or(base.and_then(|b| b.latitude)),
            longitude: spec.longitude.or(base.and_then(|b| b.longitude)),
            user_agent: spec.user_agent.clone().or_else(|| {
                base.filter(|_| spec.browser.is_none() && spec.os.is_none())
                    .and_then(|b| b.user_agent.clone())
            }),
            device,
        })
    }

    fn app(&mut self, name: &Spanned<String>, custom: &[App]) -> Option<App> {
        if let Some(app) = custom
            .iter()
            .find(|a| a.display_name.eq_ignore_ascii_case(&name.value))
        {
            return Some(app.clone());
        }
        if let Some(app) = catalog::find_first_party_app(&name.value) {
            return Some(App {
                display_name: app.display_name.into(),
                app_id: app.app_id.into(),
                resource_display_name: app.resource_display_name.into(),
                resource_id: app.resource_id.into(),
            });
        }
        let names = custom
            .iter()
            .map(|a| a.display_name.as_str())
            .chain(FIRST_PARTY_APPS.iter().map(|a| a.display_name));
        let help = match suggest(&name.value, names) {
            Some(best) => format!("did you mean `{best}`? Other apps can be declared under `apps:`"),
            None => "use a first-party app such as OfficeHome or Azure Portal, or declare it under `apps:`".into(),
        };
        self.error(
            name.referenced,
            format!("unknown app `{}`", name.value),
            "unknown app",
            help,
        );
        None
    }

    fn user_index(&mut self, name: &Spanned<String>, users: &[User]) -> Option<usize> {
        let found = users
            .iter()
            .position(|u| u.key == name.value || u.upn.eq_ignore_ascii_case(&name.value));
        if found.is_none() {
            let help = match suggest(&name.value, users.iter().map(|u| u.key.as_str())) {
                Some(best) => format!("did you mean `{best}`?"),
                None if users.is_empty() => "declare the user under `users:` first".into(),
                None => format!(
                    "declared users: {}",
                    users
                        .iter()
                        .map(|u| u.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(
                name.referenced,
                format!("unknown user `{}`", name.value),
                "not declared under `users:`",
                help,
            );
        }
        found
    }

    fn steps(
        &mut self,
        specs: Vec<StepSpec>,
        users: &[User],
        apps: &[App],
        tenant: &Tenant,
        populations: &[Population],
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut previous: Option<i64> = None;
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
                    if last > i128::from(super::values::MAX_DURATION_TICKS) {
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
                + usize::from(spec.spray.is_some());
            let action = match (spec.sign_in, spec.sspr, spec.spray) {
                _ if actions > 1 => {
                    self.error(
                        spec.at.referenced,
                        "a step does one thing: `sign_in` or `sspr`, not both",
                        "this step",
                        "split it into two steps",
                    );
                    None
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
                        "add `sign_in:` or `sspr:` to it",
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

    fn sign_in_step(
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
        })
    }

    fn spray_step(
        &mut self,
        spec: SpraySpec,
        users: &[User],
        apps: &[App],
        populations: &[Population],
    ) -> Option<(SprayStep, i64)> {
        let errors_before = self.errors.len();
        let mut targets: Vec<SprayTarget> = spec
            .users
            .iter()
            .filter_map(|u| self.user_index(u, users).map(SprayTarget::User))
            .collect();
        match (&spec.population, &spec.members) {
            (Some(name), members) => match populations.iter().position(|p| p.name == name.value) {
                Some(index) => {
                    let count = members.as_ref().map_or(populations[index].count, |m| {
                        m.value.min(populations[index].count)
                    });
                    targets.extend((1..=count).map(|n| SprayTarget::Member {
                        population: index,
                        n,
                    }));
                }
                None => {
                    let help =
                        match suggest(&name.value, populations.iter().map(|p| p.name.as_str())) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => "declare it under `populations:`".into(),
                        };
                    self.error(
                        name.referenced,
                        format!("unknown population `{}`", name.value),
                        "unknown population",
                        help,
                    );
                }
            },
            (None, Some(members)) => self.error(
                members.referenced,
                "`members` counts members of a population",
                "no `population`",
                "add `population: NAME`",
            ),
            (None, None) => {}
        }
        if targets.is_empty() && self.errors.len() == errors_before {
            self.error(
                spec.app.referenced,
                "this spray has nobody to try",
                "no targets",
                "list `users:` or name a `population:`",
            );
        }
        let app = self.app(&spec.app, apps);
        let mut texts: Vec<&Spanned<String>> = spec.password.iter().collect();
        texts.extend(spec.passwords.iter());
        if texts.is_empty() || (spec.password.is_some() && !spec.passwords.is_empty()) {
            self.error(
                spec.every.referenced,
                "a spray needs `password` (one) or `passwords` (one per round)",
                "this spray",
                "write e.g. `password: Spring2025!`",
            );
        }
        let passwords: Vec<Template> = texts.into_iter().filter_map(|t| self.template(t)).collect();
        if spec.every.value.ticks() == 0 {
            self.error(
                spec.every.referenced,
                "attempts need time between them",
                "must be more than 0",
                "write e.g. `every: 10s`",
            );
        }
        if self.errors.len() > errors_before {
            return None;
        }
        let base = match targets[0] {
            SprayTarget::User(u) => users[u].home.clone(),
            SprayTarget::Member { population, .. } => {
                let l = &populations[population].locations[0];
                ClientContext {
                    ip: l.ips.address(0).to_string(),
                    city: l.city.clone(),
                    state: l.state.clone(),
                    country: l.country.clone(),
                    latitude: l.latitude,
                    longitude: l.longitude,
                    os: l.os.clone(),
                    browser: l.browser.clone(),
                    user_agent: None,
                    device: None,
                }
            }
        };
        let client = self.context(&spec.client, Some(&base), spec.app.referenced)?;
        let client_app = spec.client.client_app.as_ref().map(|c| c.value.clone());
        Some((
            SprayStep {
                targets,
                app: app?,
                passwords,
                client,
                stay_signed_in: stay_default(spec.stay_signed_in, client_app.as_deref()),
                client_app,
                ips: spec.ips,
            },
            spec.every.value.ticks(),
        ))
    }

    fn sspr_step(
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

    fn population(&mut self, spec: PopulationSpec, custom: &[App]) -> Option<Population> {
        let errors_before = self.errors.len();
        if spec.count.value == 0 {
            self.error(
                spec.count.referenced,
                "a population of 0 users",
                "must be 1 or more",
                "remove the population or give it a count",
            );
        }
        if spec.count.value > MAX_POPULATION {
            self.error(
                spec.count.referenced,
                format!("a population of {} users is more than entralab simulates", spec.count.value),
                "too many",
                format!("at most {MAX_POPULATION} per population; add sign-ins per user for more records"),
            );
        }
        let upn = self.template(&spec.upn);
        if let Some(upn) = &upn
            && spec.count.value > 1
            && !upn.has_placeholder()
        {
            self.error(
                spec.upn.referenced,
                "every member would get the same UPN",
                "no {n} placeholder",
                "put {n} in the UPN, e.g. staff{n}@contoso.com",
            );
        }
        let display_name = spec
            .display_name
            .as_ref()
            .map_or(Some(Template::literal("")), |t| self.template(t));
        let password = spec
            .password
            .as_ref()
            .map_or(Some(Template::literal("")), |t| self.template(t));
        if spec.apps.value.is_empty() {
            self.error(
                spec.apps.referenced,
                "members need at least one app to sign in to",
                "empty list",
                "write e.g. `apps: [OfficeHome]`",
            );
        }
        let apps: Vec<App> = spec
            .apps
            .value
            .iter()
            .filter_map(|a| self.app(a, custom))
            .collect();
        if spec.locations.value.is_empty() {
            self.error(
                spec.locations.referenced,
                "members need at least one location",
                "empty list",
                "add a location with `ips:` and `country:`",
            );
        }
        let mut locations = Vec::new();
        for loc in spec.locations.value {
            if !(loc.weight.value.is_finite() && loc.weight.value > 0.0) {
                self.error(
                    loc.weight.referenced,
                    "a location's weight must be more than 0",
                    "not a positive number",
                    "weights are relative shares, e.g. 3 and 1",
                );
            }
            if !(loc.country.value.len() == 2
                && loc.country.value.chars().all(|c| c.is_ascii_uppercase()))
            {
                self.error(
                    loc.country.referenced,
                    format!("`{}` is not a two-letter country code", loc.country.value),
                    "not ISO 3166-1 alpha-2",
                    "write the country as Graph does, e.g. JP, US or DE",
                );
            }
            locations.push(PopulationLocation {
                ips: loc.ips,
                city: loc.city.unwrap_or_default(),
                state: loc.state.unwrap_or_default(),
                country: loc.country.value,
                latitude: loc.latitude,
                longitude: loc.longitude,
                os: loc.os.unwrap_or_else(|| "Windows10".into()),
                browser: loc.browser.unwrap_or_else(|| "Edge 134.0.0".into()),
                weight: loc.weight.value,
            });
        }
        if spec.sign_ins.per_user.value == 0 {
            self.error(
                spec.sign_ins.per_user.referenced,
                "members would never sign in",
                "must be 1 or more",
                "write e.g. `per_user: 10`",
            );
        }
        if spec.sign_ins.over.value.ticks() == 0 {
            self.error(
                spec.sign_ins.over.referenced,
                "sign-ins need a period to spread over",
                "must be more than 0",
                "write e.g. `over: 7d`",
            );
        }
        let rhythm = self.rhythm(&spec.sign_ins);
        let devices = spec.devices.and_then(|d| self.population_devices(d));
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Population {
            name: spec.name,
            count: spec.count.value,
            upn: upn?,
            display_name: display_name?,
            password: password?,
            apps,
            locations,
            sign_ins_per_user: spec.sign_ins.per_user.value,
            from_ticks: spec.sign_ins.from.ticks(),
            over_ticks: spec.sign_ins.over.value.ticks(),
            typo_rate: spec.typo_rate.0,
            stay_signed_in: stay_signed_in(spec.stay_signed_in),
            mfa_rate: spec.mfa_rate.0,
            rhythm,
            devices,
        })
    }

    fn rhythm(&mut self, spec: &SignInRhythmSpec) -> Option<WorkingRhythm> {
        if spec.rhythm != Some(RhythmSpec::WorkingDays) {
            for extra in [&spec.hours, &spec.utc_offset].into_iter().flatten() {
                self.error(
                    extra.referenced,
                    "working hours and offsets shape `rhythm: working_days` only",
                    "without `rhythm: working_days`",
                    "add `rhythm: working_days` or remove this key",
                );
            }
            return None;
        }
        let hours = match &spec.hours {
            None => (8 * 60, 18 * 60),
            Some(text) => match parse_hours(&text.value) {
                Some(h) => h,
                None => {
                    self.error(
                        text.referenced,
                        format!("`{}` is not a range of hours like 08:00-18:00", text.value),
                        "not HH:MM-HH:MM",
                        "write e.g. `hours: \"08:30-17:30\"` (start before end)",
                    );
                    return None;
                }
            },
        };
        let utc_offset_minutes = match &spec.utc_offset {
            None => 0,
            Some(text) => match parse_offset(&text.value) {
                Some(o) => o,
                None => {
                    self.error(
                        text.referenced,
                        format!("`{}` is not a UTC offset like +09:00", text.value),
                        "not ±HH:MM",
                        "write e.g. `utc_offset: \"+09:00\"` or `\"-05:00\"`",
                    );
                    return None;
                }
            },
        };
        Some(WorkingRhythm {
            hours,
            utc_offset_minutes,
            intervals: Vec::new(),
            total_ticks: 0,
        })
    }

    fn conditional_access(
        &mut self,
        specs: Vec<ConditionalAccessSpec>,
        users: &[User],
        seed: Option<u64>,
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
            policies.push(CaPolicy {
                id,
                display_name: spec.name.value,
                countries: spec.countries.into_iter().map(|c| c.value).collect(),
                except_countries: spec.except_countries.into_iter().map(|c| c.value).collect(),
                client_apps: spec.client_apps.into_iter().map(|c| c.value).collect(),
                apps,
                users: policy_users,
                grant: match spec.grant {
                    None | Some(CaGrantSpec::Block) => CaGrant::Block,
                    Some(CaGrantSpec::Mfa) => CaGrant::Mfa,
                },
            });
        }
        policies
    }

    fn faults(&mut self, spec: FaultsSpec) -> Faults {
        let throttle = spec.throttle.map(|t| {
            if t.requests.value == 0 {
                self.error(
                    t.requests.referenced,
                    "a budget of 0 requests refuses everything",
                    "must be 1 or more",
                    "Graph's identity reports allow 5 requests per 10 s per app and tenant",
                );
            }
            if t.per.value.ticks() == 0 {
                self.error(
                    t.per.referenced,
                    "a throttling window needs a length",
                    "must be more than 0",
                    "write e.g. `per: 10s`",
                );
            }
            Throttle {
                requests: t.requests.value,
                window_ticks: t.per.value.ticks(),
            }
        });
        let ingestion_delay = spec.ingestion_delay.map(|d| {
            let median = d.median.value.ticks();
            let max = d.max.map_or(median * 3, |m| m.ticks());
            if !(d.min.ticks() <= median && median <= max) {
                self.error(
                    d.median.referenced,
                    "the ingestion delay needs min <= median <= max",
                    "out of order",
                    "e.g. `{ min: 1m, median: 3m, max: 15m }`",
                );
            }
            IngestionDelay {
                min_ticks: d.min.ticks(),
                median_ticks: median,
                max_ticks: max,
            }
        });
        Faults {
            throttle,
            latency_ticks: spec.latency.map_or(0, |l| l.ticks()),
            server_error_rate: spec.server_errors.map_or(0.0, |p| p.0),
            ingestion_delay,
        }
    }

    pub(super) fn template(&mut self, text: &Spanned<String>) -> Option<Template> {
        match Template::parse(&text.value) {
            Ok(t) => Some(t),
            Err(message) => {
                self.error(
                    text.referenced,
                    message,
                    "bad placeholder",
                    "the only placeholder is {n} (or {n:05} for zero padding)",
                );
                None
            }
        }
    }

    pub(super) fn guid(&mut self, value: &Spanned<String>, what: &str) -> bool {
        let ok = is_guid(&value.value);
        if !ok {
            self.error(value.referenced, format!("`{}` is not a GUID ({what})", value.value), "not a GUID", "write 32 hex digits in 8-4-4-4-12 groups, e.g. 00000000-0000-0000-0000-000000000001");
        }
        ok
    }
}

/// Legacy and rich clients show no "Stay signed in?" prompt: only a `Browser` client defaults
/// to the prompt.
fn stay_default(spec: Option<StaySignedInSpec>, client_app: Option<&str>) -> StaySignedIn {
    match (spec, client_app) {
        (None, Some(app)) if !app.eq_ignore_ascii_case("Browser") => StaySignedIn::NotAsked,
        _ => stay_signed_in(spec),
    }
}

/// `HH:MM-HH:MM` as minutes after midnight, start before end.
fn parse_hours(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-')?;
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':').unwrap_or((t.trim(), "0"));
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
    };
    let (a, b) = (minutes(a)?, minutes(b)?);
    (a < b).then_some((a, b))
}

/// `+09:00`, `-05:00`, `+5:30`, `0` as minutes east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let text = text.trim();
    if text == "0" || text.eq_ignore_ascii_case("Z") {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

/// A stable GUID for something named in a scenario (a policy without an `id`).
pub(super) fn derived_guid(seed: u64, name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    let mut next = || {
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = h.rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h
    };
    let (a, b) = (next(), next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

fn stay_signed_in(spec: Option<StaySignedInSpec>) -> StaySignedIn {
    match spec {
        None | Some(StaySignedInSpec::No) => StaySignedIn::No,
        Some(StaySignedInSpec::Yes) => StaySignedIn::Yes,
        Some(StaySignedInSpec::NotAsked) => StaySignedIn::NotAsked,
    }
}

pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    const SCENARIO: &str = "
tenant: { domain: x.com }
users:
  - { id: a, upn: a@x.com, display_name: A, password: p, home: { ip: 10.0.0.1, country: JP } }
timeline:
  start: 2025-03-17T15:00:00Z
  steps:
    - at: 1d
      repeat: { count: COUNT, every: 36500d }
      sign_in: { user: a, app: OfficeHome }
";

    /// Found by reasoning while fuzzing: `count` times `every` was unbounded, and the
    /// simulator's `at + every` overflowed (a panic with overflow checks on).
    #[test]
    fn repetitions_past_100_years_are_rejected_instead_of_overflowing() {
        let text = SCENARIO.replace("COUNT", "400");
        let error = crate::scenario::load_str(Path::new("r.yaml"), &text).unwrap_err();
        assert!(
            error
                .render()
                .starts_with("r.yaml:9:24: the last repetition would come more than 100 years")
        );

        let text = SCENARIO.replace("COUNT", "2");
        let scenario = crate::scenario::load_str(Path::new("r.yaml"), &text).unwrap();
        assert_eq!(
            crate::sim::simulate(&scenario)
                .filter(|i| i.record.is_some())
                .count(),
            4
        );
    }
}
