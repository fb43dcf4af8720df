//! One tenant, many files: scenario files that name the same tenant (the same id or the same
//! domain) describe one tenant, which is served, verified and exported as one.
//!
//! Each file is still simulated on its own (its records are the same alone or beside the
//! others), so the files must agree on everything that belongs to the tenant: its settings,
//! its app registrations and its users. A disagreement is a mistake that names both files.
//! Two tenants that share a domain are a mistake too: Entra gives each domain one tenant, and
//! an authority by domain must never silently reach the first one.

use super::diagnostic::{ScenarioError, SourceFile};
use super::model::{CaPolicy, FamiliarMatch, LockoutPolicy, Scenario, SsprPolicy, User};
use serde_saphyr::Location;

/// One tenant and the scenario files that describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantFiles {
    pub id: String,
    pub domain: String,
    /// Indexes into the scenarios given to `group_tenants`, in the order given.
    pub members: Vec<usize>,
}

/// Groups scenarios into tenants. `tenant_id` is each scenario's tenant id (as written, or
/// derived from its domain: `sim::tenant_id`). A file that contradicts an earlier file of its tenant is left out,
/// and the mistake, naming both files, is returned beside the tenants.
pub fn group_tenants(
    scenarios: &[Scenario],
    tenant_id: impl Fn(&Scenario) -> String,
) -> (Vec<TenantFiles>, Vec<ScenarioError>) {
    let mut tenants: Vec<TenantFiles> = Vec::new();
    let mut errors = Vec::new();
    for (index, scenario) in scenarios.iter().enumerate() {
        let id = tenant_id(scenario);
        let domain = scenario.tenant.domain.as_str();
        let by_id = tenants.iter().position(|t| t.id == id);
        let by_domain = tenants.iter().position(|t| t.domain == domain);
        let found = match (by_id, by_domain) {
            (None, None) => {
                tenants.push(TenantFiles {
                    id,
                    domain: domain.to_string(),
                    members: vec![index],
                });
                continue;
            }
            (Some(t), Some(d)) if t == d => t,
            (Some(t), _) => {
                let first = &scenarios[tenants[t].members[0]];
                errors.push(one_id_two_domains(scenario, first, &id));
                continue;
            }
            (None, Some(d)) => {
                let first = &scenarios[tenants[d].members[0]];
                errors.push(one_domain_two_ids(scenario, first, &id, &tenants[d].id));
                continue;
            }
        };
        let members: Vec<&Scenario> = tenants[found]
            .members
            .iter()
            .map(|&m| &scenarios[m])
            .collect();
        match contradiction(scenario, &members) {
            Some(error) => errors.push(error),
            None => tenants[found].members.push(index),
        }
    }
    (tenants, errors)
}

/// The first thing `scenario` says about its tenant that an earlier file says otherwise.
fn contradiction(scenario: &Scenario, members: &[&Scenario]) -> Option<ScenarioError> {
    let first = members[0];
    let (here, there) = (&scenario.places, &first.places);
    if let Some(other) = members.iter().find(|m| m.name == scenario.name) {
        return Some(conflict(
            scenario,
            here.name,
            other,
            other.places.name,
            format!("a second scenario named `{}` in this tenant", scenario.name),
            ("the same name".into(), "here".into()),
            "the streams of a file's events are drawn from its seed and its name, so two files of one tenant need different names: change `name:` in one of them",
        ));
    }
    let (a, b) = (&scenario.tenant, &first.tenant);
    let mut settings: Vec<(String, Option<Location>, Option<Location>)> = Vec::new();
    if a.display_name != b.display_name {
        settings.push((
            format!(
                "display name `{}` differs from `{}`",
                a.display_name, b.display_name
            ),
            here.display_name,
            there.display_name,
        ));
    }
    if a.premium != b.premium {
        settings.push((
            format!("premium: {} differs from {}", a.premium, b.premium),
            here.premium,
            there.premium,
        ));
    }
    if let Some(difference) = differing(&lockout_fields(&a.lockout), &lockout_fields(&b.lockout)) {
        settings.push((
            format!("smart lockout differs ({difference})"),
            here.smart_lockout,
            there.smart_lockout,
        ));
    }
    if let Some(difference) = differing(&sspr_fields(&a.sspr), &sspr_fields(&b.sspr)) {
        settings.push((
            format!("the SSPR policy differs ({difference})"),
            here.sspr,
            there.sspr,
        ));
    }
    if let Some(difference) = ca_difference(&ca_policies(scenario), &ca_policies(first)) {
        settings.push((
            format!("the Conditional Access policies differ ({difference})"),
            here.conditional_access,
            there.conditional_access,
        ));
    }
    if a.named_locations != b.named_locations {
        settings.push((
            "the named locations differ".into(),
            here.named_locations,
            there.named_locations,
        ));
    }
    if a.identity_protection != b.identity_protection {
        settings.push((
            "ID Protection differs (`identity_protection`: licence, threat intelligence, travel speed)"
                .into(),
            here.identity_protection,
            there.identity_protection,
        ));
    }
    if scenario.faults != first.faults {
        settings.push(("the faults differ".into(), here.faults, there.faults));
    }
    if let Some((what, at, other_at)) = settings.into_iter().next() {
        let at_or_domain =
            |place: Option<Location>, places: &super::TenantPlaces| place.unwrap_or(places.domain);
        return Some(conflict(
            scenario,
            at_or_domain(at, here),
            first,
            at_or_domain(other_at, there),
            format!("tenant `{}`: {what}", a.domain),
            (label(at), label(other_at)),
            "files that name one tenant describe it the same way (a key left out takes its default): write the same settings in both, or give this file its own tenant `id` and `domain`",
        ));
    }
    for (i, app) in scenario.app_registrations.iter().enumerate() {
        for other in members {
            let Some(j) = other
                .app_registrations
                .iter()
                .position(|o| o.client_id == app.client_id)
            else {
                continue;
            };
            if other.app_registrations[j] != *app {
                return Some(conflict(
                    scenario,
                    here.app_registrations[i],
                    other,
                    other.places.app_registrations[j],
                    format!(
                        "app registration `{}` is declared differently (name, secret or permissions)",
                        app.client_id
                    ),
                    ("declared differently".into(), "here".into()),
                    "one client id is one app registration of the tenant: give it the same display name, secret and permissions in every file",
                ));
            }
        }
    }
    for (i, user) in scenario.users.iter().enumerate() {
        for other in members {
            let Some(j) = other.users.iter().position(|o| o.upn == user.upn) else {
                continue;
            };
            if !same_user(user, &other.users[j]) {
                return Some(conflict(
                    scenario,
                    here.users[i],
                    other,
                    other.places.users[j],
                    format!("user `{}` is declared differently", user.upn),
                    ("declared differently".into(), "here".into()),
                    "one UPN is one user of the tenant: give it the same display name, password, contexts, `enabled` and `mfa` in every file that declares it",
                ));
            }
        }
    }
    None
}

/// Users are the same when everything but the file-local name (`id:`) agrees.
fn same_user(a: &User, b: &User) -> bool {
    User {
        key: String::new(),
        ..a.clone()
    } == User {
        key: String::new(),
        ..b.clone()
    }
}

/// The policies with their users named by UPN (indexes are per file).
fn ca_policies(scenario: &Scenario) -> Vec<(CaPolicy, Vec<&str>)> {
    scenario
        .tenant
        .conditional_access
        .iter()
        .map(|p| {
            let users = p
                .users
                .iter()
                .map(|&u| scenario.users[u].upn.as_str())
                .collect();
            (
                CaPolicy {
                    users: Vec::new(),
                    ..p.clone()
                },
                users,
            )
        })
        .collect()
}

/// What differs between two lists of policies, for people: the count, or the first policy
/// that differs (an id the files leave out is drawn from each file's seed).
fn ca_difference(
    here: &[(CaPolicy, Vec<&str>)],
    there: &[(CaPolicy, Vec<&str>)],
) -> Option<String> {
    if here.len() != there.len() {
        return Some(format!("{} here, {} there", here.len(), there.len()));
    }
    let ((a, _), (b, _)) = here.iter().zip(there).find(|(a, b)| a != b)?;
    Some(if a.id != b.id && a.display_name == b.display_name {
        format!(
            "`{}` has the id {} here and {} there; without `id:` it is drawn from the file's seed, so write it",
            a.display_name, a.id, b.id
        )
    } else {
        format!("`{}` here, `{}` there", a.display_name, b.display_name)
    })
}

fn label(place: Option<Location>) -> String {
    match place {
        Some(_) => "set here".into(),
        None => "not written in this file: the defaults".into(),
    }
}

fn seconds(ticks: i64) -> String {
    format!("{}s", ticks / crate::graph::timestamp::TICKS_PER_SECOND)
}

/// The settings as the scenario file spells them, for naming what differs.
fn lockout_fields(p: &LockoutPolicy) -> Vec<(&'static str, String)> {
    let familiar = match p.familiar_match {
        FamiliarMatch::IpAndBrowser => "ip_and_browser",
        FamiliarMatch::Ip => "ip",
        FamiliarMatch::Browser => "browser",
    };
    vec![
        ("threshold", p.threshold.to_string()),
        ("duration", seconds(p.duration_ticks)),
        ("drift", p.drift.to_string()),
        ("growth", p.growth.to_string()),
        ("max_duration", seconds(p.max_duration_ticks)),
        ("familiar_match", familiar.into()),
        ("reset_on_success", p.reset_on_success.to_string()),
    ]
}

fn sspr_fields(p: &SsprPolicy) -> Vec<(&'static str, String)> {
    vec![
        ("enabled", p.enabled.to_string()),
        ("methods", format!("{:?}", p.methods).to_lowercase()),
        (
            "wrong_codes_before_restart",
            p.wrong_codes_before_restart.to_string(),
        ),
        (
            "failed_verifications_before_block",
            p.failed_verifications_before_block.to_string(),
        ),
        ("verification_window", seconds(p.verification_window_ticks)),
        ("block_duration", seconds(p.block_duration_ticks)),
    ]
}

/// `threshold: 10 here, 5 there` for the fields that differ.
fn differing(here: &[(&str, String)], there: &[(&str, String)]) -> Option<String> {
    let parts: Vec<String> = here
        .iter()
        .zip(there)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, a), (_, b))| format!("{name}: {a} here, {b} there"))
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn one_id_two_domains(scenario: &Scenario, first: &Scenario, id: &str) -> ScenarioError {
    let here = &scenario.places;
    conflict(
        scenario,
        here.id.unwrap_or(here.domain),
        first,
        first.places.domain,
        format!(
            "tenant `{id}` has the domain `{}` here but `{}` in another file",
            scenario.tenant.domain, first.tenant.domain
        ),
        ("this tenant id".into(), "with this domain".into()),
        "one tenant id is one tenant with one domain: write the same `domain:` in both files, or give this file its own tenant `id`",
    )
}

fn one_domain_two_ids(
    scenario: &Scenario,
    first: &Scenario,
    id: &str,
    first_id: &str,
) -> ScenarioError {
    let here = &scenario.places;
    let help = if here.id.is_none() {
        format!(
            "this file writes no tenant `id:`, so its id is derived from its domain; write `id: {first_id}` to join that tenant, or give this file its own `domain`"
        )
    } else {
        "a domain belongs to one tenant: write the same tenant `id:` in both files to make them one tenant, or give this file its own `domain`".into()
    };
    conflict(
        scenario,
        here.id.unwrap_or(here.domain),
        first,
        first.places.id.unwrap_or(first.places.domain),
        format!(
            "two tenants share the domain `{}`: `{id}` here and `{first_id}` in another file",
            scenario.tenant.domain
        ),
        (
            "a second tenant id for this domain".into(),
            "the tenant that has it".into(),
        ),
        &help,
    )
}

/// A mistake at `at` in `scenario`'s file that contradicts `other_at` in `other`'s file: the
/// message names the other file, and its place is shown beside this one.
fn conflict(
    scenario: &Scenario,
    at: Location,
    other: &Scenario,
    other_at: Location,
    what: String,
    (label, other_label): (String, String),
    help: &str,
) -> ScenarioError {
    let other_file: &SourceFile = &other.places.file;
    let message = format!(
        "{what}; see {}:{}:{}",
        other_file.path.display(),
        other_at.line(),
        other_at.column()
    );
    let related = ScenarioError::new(
        other_file,
        other_at,
        format!("the other description, in {}", other_file.path.display()),
        other_label,
        None,
    );
    ScenarioError::new(&scenario.places.file, at, message, label, Some(help.into()))
        .with_related(related)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use std::path::Path;

    fn scenario(path: &str, text: &str) -> Scenario {
        load_str(Path::new(path), text).unwrap()
    }

    /// Tenant ids as the simulator makes them.
    fn id(s: &Scenario) -> String {
        crate::sim::tenant_id(s)
    }

    const ANN: &str = "users:\n  - upn: ann@x.onmicrosoft.com\n    display_name: Ann\n    password: Pw\n    home: { ip: 203.0.113.1, country: JP }\n";

    #[test]
    fn files_of_one_domain_are_one_tenant_and_may_share_a_user() {
        let a = scenario(
            "a.yaml",
            &format!("name: a\nseed: 1\ntenant: {{ domain: X.onmicrosoft.com }}\n{ANN}"),
        );
        let b = scenario(
            "b.yaml",
            &format!(
                "name: b\ntenant: {{ domain: x.onmicrosoft.com }}\n{}",
                ANN.replace("- upn", "- id: annie\n    upn")
            ),
        );
        let c = scenario("c.yaml", "name: c\ntenant: { domain: y.onmicrosoft.com }\n");
        let (tenants, errors) = group_tenants(&[a, b, c], id);
        assert!(errors.is_empty(), "{errors:?}");
        let members: Vec<_> = tenants.iter().map(|t| t.members.clone()).collect();
        assert_eq!(members, vec![vec![0, 1], vec![2]]);
        assert_eq!(tenants[0].domain, "x.onmicrosoft.com");
    }

    #[test]
    fn a_domain_with_a_written_id_and_a_drawn_one_says_how_to_join() {
        let a = scenario(
            "a.yaml",
            "name: a\ntenant: { id: 0e0e0000-0000-4000-8000-000000000009, domain: x.onmicrosoft.com }\n",
        );
        let b = scenario("b.yaml", "name: b\ntenant: { domain: x.onmicrosoft.com }\n");
        let (tenants, errors) = group_tenants(&[a, b], id);
        assert_eq!(tenants.len(), 1);
        let [error] = errors.as_slice() else {
            panic!("{errors:?}")
        };
        assert!(
            error
                .headline()
                .starts_with("b.yaml:2:19: two tenants share the domain `x.onmicrosoft.com`"),
            "{}",
            error.headline()
        );
        assert!(
            error.headline().ends_with("see a.yaml:2:15"),
            "{}",
            error.headline()
        );
        assert!(
            error
                .help
                .as_deref()
                .unwrap()
                .contains("write `id: 0e0e0000-0000-4000-8000-000000000009` to join that tenant"),
            "{:?}",
            error.help
        );
    }

    #[test]
    fn two_files_of_one_name_in_one_tenant_would_draw_the_same_ids() {
        let a = scenario("one/lab.yaml", "tenant: { domain: x.onmicrosoft.com }\n");
        let b = scenario("two/lab.yaml", "tenant: { domain: x.onmicrosoft.com }\n");
        let (_, errors) = group_tenants(&[a, b], id);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .message
                .starts_with("a second scenario named `lab` in this tenant"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_policy_without_an_id_in_files_of_two_seeds_says_to_write_the_id() {
        let policy = "  conditional_access:\n    - { name: Block RU, countries: [RU] }\n";
        let file = |name: &str, seed: u32| {
            scenario(
                &format!("{name}.yaml"),
                &format!(
                    "name: {name}\nseed: {seed}\ntenant:\n  domain: x.onmicrosoft.com\n{policy}"
                ),
            )
        };
        let (_, errors) = group_tenants(&[file("a", 1), file("b", 2)], id);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("`Block RU` has the id"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0].headline().starts_with(
                "b.yaml:6:15: tenant `x.onmicrosoft.com`: the Conditional Access policies differ"
            ),
            "{}",
            errors[0].headline()
        );
        let (_, errors) = group_tenants(&[file("a", 1), file("b", 1)], id);
        assert!(errors.is_empty(), "one seed, one derived id: {errors:?}");
    }
}
