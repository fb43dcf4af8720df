//! Password sprays: one client, many users, a password per round.

use super::Resolver;
use super::steps::stay_default;
use crate::scenario::diagnostic::suggest;
use crate::scenario::model::*;
use crate::scenario::spec::*;
use crate::scenario::template::Template;
use serde_saphyr::Spanned;

impl Resolver<'_> {
    pub(super) fn spray_step(
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
                populations[population].locations[0].context()
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
}
