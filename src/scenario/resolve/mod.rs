//! From what the file says (`ScenarioSpec`) to what the simulator runs (`Scenario`): resolves
//! names, fills defaults, checks limits. Collects every mistake rather than stopping at the
//! first, so one `entralab check` shows them all.

mod detections;
mod devices;
mod directory;
mod directory_objects;
mod expectations;
mod faults;
mod populations;
mod questions;
mod risk;
mod spray;
mod sspr;
mod steps;
mod tenant;
mod users;

use super::diagnostic::{ScenarioError, SourceFile};
use super::model::*;
use super::spec::*;
use super::template::Template;
use serde_saphyr::{Location, Spanned};
use tenant::places;

pub fn resolve(file: &SourceFile, mut spec: ScenarioSpec) -> Result<Scenario, Vec<ScenarioError>> {
    let mut r = Resolver {
        file,
        errors: Vec::new(),
        seed: spec.seed.unwrap_or(DEFAULT_SEED),
    };
    let ca_specs = std::mem::take(&mut spec.tenant.conditional_access);
    let mut places = places(file, &spec, &ca_specs);
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
    let has_risk = tenant.identity_protection.is_some();
    tenant.conditional_access = r.conditional_access(ca_specs, &users, spec.seed, has_risk);
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
    let questions = r.questions(spec.questions, &users);
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
        questions,
        places,
    })
}

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

    /// A step's client that names another country and city keeps none of the home's place:
    /// it used to keep the home's state and coordinates (rows of NL / Tokyo / Amsterdam).
    #[test]
    fn a_client_in_another_place_does_not_keep_the_home_state_or_coordinates() {
        let text = "
tenant: { domain: x.com }
users:
  - id: a
    upn: a@x.com
    display_name: A
    password: p
    home: { ip: 10.0.0.1, country: JP, state: Tokyo, city: Tokyo, latitude: 35.7, longitude: 139.7 }
timeline:
  start: 2025-03-17T15:00:00Z
  steps:
    - at: 1m
      sign_in: { user: a, app: OfficeHome }
    - at: 2m
      sign_in: { user: a, app: OfficeHome, client: { ip: 10.0.0.2 } }
    - at: 3m
      sign_in: { user: a, app: OfficeHome, client: { ip: 192.0.2.9, country: NL, city: Amsterdam } }
";
        let scenario = crate::scenario::load_str(Path::new("p.yaml"), text).unwrap();
        // Each sign-in writes more than one record (the interactive one and the token it
        // gets): compare the places in order, each once. A new address alone is the same place.
        let mut places: Vec<_> = crate::sim::simulate(&scenario)
            .filter_map(|item| match item.record {
                Some(crate::graph::Record::SignIn(s)) => Some((
                    s.location.country_or_region.as_deref().map(str::to_owned),
                    s.location.state.as_deref().map(str::to_owned),
                    s.location.city.as_deref().map(str::to_owned),
                    s.location.geo_coordinates.latitude,
                )),
                _ => None,
            })
            .collect();
        places.dedup();
        let place = |country: &str, state: &str, city: &str, latitude: Option<f64>| {
            (
                Some(country.to_owned()),
                Some(state.to_owned()),
                Some(city.to_owned()),
                latitude,
            )
        };
        assert_eq!(
            places,
            [
                place("JP", "Tokyo", "Tokyo", Some(35.7)),
                place("NL", "", "Amsterdam", None),
            ]
        );
    }
}
