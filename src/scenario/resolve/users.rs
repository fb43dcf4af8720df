//! Users, their home and familiar contexts, and the apps steps and populations name.

use super::Resolver;
use crate::catalog::{self, FIRST_PARTY_APPS};
use crate::scenario::diagnostic::suggest;
use crate::scenario::model::*;
use crate::scenario::spec::*;
use serde_saphyr::{Location, Spanned};

impl Resolver<'_> {
    pub(super) fn custom_app(&mut self, spec: AppSpec) -> Option<App> {
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
    pub(super) fn users(&mut self, specs: Vec<Spanned<UserSpec>>) -> (Vec<User>, Vec<Location>) {
        let mut users: Vec<User> = Vec::new();
        let mut places = Vec::new();
        for entry in specs {
            let (entry_at, spec) = (entry.referenced, entry.value);
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
            let display_name = spec.display_name.unwrap_or_else(|| {
                self.error(
                    entry_at,
                    format!("user `{key}` has no `display_name`"),
                    "this user has no `display_name:`",
                    "every user needs the name the logs show as userDisplayName (any Unicode), \
                     e.g. `display_name: User 01`, beside `upn:` (see docs/scenario-format.md)",
                );
                String::new()
            });
            places.push(spec.upn.referenced);
            users.push(User {
                key,
                upn,
                display_name,
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
    pub(super) fn context(
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
        // A step that names a country or city is another place: it does not inherit the home
        // context's city, state or coordinates (a client in Amsterdam is not in Tokyo's state).
        let same_place = spec.country.is_none() && spec.city.is_none();
        let place_base = base.filter(|_| same_place);
        let pick = |own: &Option<String>,
                    base: Option<&ClientContext>,
                    from_base: fn(&ClientContext) -> &String,
                    default: &str| {
            own.clone()
                .or_else(|| base.map(|b| from_base(b).clone()))
                .unwrap_or_else(|| default.to_string())
        };
        Some(ClientContext {
            ip,
            country,
            city: pick(&spec.city, place_base, |b| &b.city, ""),
            state: pick(&spec.state, place_base, |b| &b.state, ""),
            os: pick(&spec.os, base, |b| &b.os, "Windows10"),
            browser: pick(&spec.browser, base, |b| &b.browser, "Edge 134.0.0"),
            latitude: spec.latitude.or(place_base.and_then(|b| b.latitude)),
            longitude: spec.longitude.or(place_base.and_then(|b| b.longitude)),
            user_agent: spec.user_agent.clone().or_else(|| {
                base.filter(|_| spec.browser.is_none() && spec.os.is_none())
                    .and_then(|b| b.user_agent.clone())
            }),
            device,
        })
    }

    pub(super) fn app(&mut self, name: &Spanned<String>, custom: &[App]) -> Option<App> {
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

    pub(super) fn user_index(&mut self, name: &Spanned<String>, users: &[User]) -> Option<usize> {
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
}
