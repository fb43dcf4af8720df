//! Populations: generated members, their locations, and the working rhythm they sign in on.

use super::Resolver;
use super::steps::stay_signed_in;
use crate::scenario::model::*;
use crate::scenario::spec::*;
use crate::scenario::template::Template;

impl Resolver<'_> {
    pub(super) fn population(
        &mut self,
        spec: PopulationSpec,
        custom: &[App],
    ) -> Option<Population> {
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

    pub(super) fn rhythm(&mut self, spec: &SignInRhythmSpec) -> Option<WorkingRhythm> {
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
}

/// `HH:MM-HH:MM` as minutes after midnight, start before end.
pub(super) fn parse_hours(text: &str) -> Option<(u32, u32)> {
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
pub(super) fn parse_offset(text: &str) -> Option<i32> {
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

/// Members of one population: the schedule holds one entry per member.
const MAX_POPULATION: u32 = 10_000_000;
