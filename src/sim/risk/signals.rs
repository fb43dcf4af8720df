//! What ID Protection sees in one sign-in: the behaviour-based detections (anonymizer,
//! malicious address, unfamiliar properties, atypical travel, new country, password spray).
//! Only sign-ins whose password was right are evaluated, as Entra does.

use crate::catalog::risk::{RiskType, risk_type};
use crate::graph::{SignIn, Timestamp};
use crate::scenario::{IdentityProtection, User};
use std::net::IpAddr;

/// Sign-in codes that mean the password was right (success, or an interrupt after it:
/// "Stay signed in?", MFA required or denied, blocked by Conditional Access, a password change
/// or MFA registration required by a risk-based policy). Every code Conditional Access writes
/// after the password is here, so that what it decides never changes what is detected
/// (`realtime` relies on it).
const CREDENTIALS_VALIDATED: &[i32] = &[0, 50140, 50074, 500121, 53003, 50135, 53004];

/// Atypical travel needs at least this distance: two sign-ins in one metropolitan area are
/// never atypical (entralab's named default).
pub const MIN_TRAVEL_KM: f64 = 500.0;

pub fn credentials_validated(sign_in: &SignIn) -> bool {
    CREDENTIALS_VALIDATED.contains(&sign_in.status.error_code)
}

/// A place and client a user has been seen in.
#[derive(Debug, Clone)]
pub struct Seen {
    pub time: Timestamp,
    pub ip: String,
    pub country: String,
    pub browser: String,
    pub coordinates: Option<(f64, f64)>,
    pub city: String,
    pub user_agent: String,
}

impl Seen {
    pub fn of(sign_in: &SignIn) -> Seen {
        let text = |t: &Option<crate::graph::Text>| t.as_deref().unwrap_or("").to_string();
        let geo = sign_in.location.geo_coordinates;
        Seen {
            time: sign_in.created_date_time,
            ip: text(&sign_in.ip_address),
            country: text(&sign_in.location.country_or_region),
            browser: text(&sign_in.device_detail.browser),
            coordinates: geo.latitude.zip(geo.longitude),
            city: text(&sign_in.location.city),
            user_agent: text(&sign_in.user_agent),
        }
    }
}

/// What the user's history holds: the declared contexts, then each evaluated sign-in.
#[derive(Debug, Default)]
pub struct Profile {
    pub ips: Vec<String>,
    pub countries: Vec<String>,
    pub browsers: Vec<String>,
    /// The latest evaluated sign-in (for travel).
    pub last: Option<Seen>,
}

impl Profile {
    pub fn declared(user: &User) -> Profile {
        let mut profile = Profile::default();
        for context in std::iter::once(&user.home).chain(&user.familiar) {
            push_new(&mut profile.ips, &context.ip);
            push_new(&mut profile.countries, &context.country);
            push_new(&mut profile.browsers, &context.browser);
        }
        profile
    }

    /// A sign-in with no detection is ordinary: its properties become familiar.
    pub fn learn(&mut self, seen: &Seen, clean: bool) {
        if clean {
            push_new(&mut self.ips, &seen.ip);
            push_new(&mut self.countries, &seen.country);
            push_new(&mut self.browsers, &seen.browser);
        }
        self.last = Some(seen.clone());
    }
}

fn push_new(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v.eq_ignore_ascii_case(value)) {
        list.push(value.to_string());
    }
}

fn known(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// One behaviour-based finding and why.
#[derive(Debug, Clone)]
pub struct Signal {
    pub risk_type: &'static RiskType,
    pub why: String,
    /// The earlier sign-in it is measured against (travel).
    pub related: Option<Seen>,
}

/// The detections a validated sign-in raises, in catalogue order.
pub fn evaluate(
    policy: &IdentityProtection,
    profile: &Profile,
    seen: &Seen,
    in_spray: bool,
) -> Vec<Signal> {
    let mut signals = Vec::new();
    let ip: Option<IpAddr> = seen.ip.parse().ok();
    let listed = |ranges: &[crate::scenario::Cidr]| {
        ip.is_some_and(|ip| ranges.iter().any(|r| r.contains(ip)))
    };
    let mut push = |name: &str, why: String, related: Option<Seen>| {
        signals.push(Signal {
            risk_type: risk_type(name),
            why,
            related,
        })
    };
    if listed(&policy.anonymizers) {
        push(
            "anonymizedIPAddress",
            format!("{} is in a declared anonymizer range", seen.ip),
            None,
        );
    }
    let new_ip = !known(&profile.ips, &seen.ip);
    let new_country = !known(&profile.countries, &seen.country);
    let new_browser = !known(&profile.browsers, &seen.browser);
    if new_ip && (new_country || new_browser) {
        let mut what = vec![format!("address {}", seen.ip)];
        if new_country {
            what.push(format!("country {}", seen.country));
        }
        if new_browser {
            what.push(format!("browser {}", seen.browser));
        }
        push(
            "unfamiliarFeatures",
            format!("never seen for this user: {}", what.join(", ")),
            None,
        );
    }
    if let Some(last) = &profile.last
        && let (Some(from), Some(to)) = (last.coordinates, seen.coordinates)
    {
        let km = distance_km(from, to);
        let hours = (seen.time.ticks() - last.time.ticks()) as f64 / 36_000_000_000.0;
        let speed = if hours > 0.0 {
            km / hours
        } else {
            f64::INFINITY
        };
        if km >= MIN_TRAVEL_KM && speed > policy.travel_speed_kmh {
            push(
                "unlikelyTravel",
                format!(
                    "{km:.0} km from the sign-in at {} in {:.1} h ({speed:.0} km/h, more than {} km/h)",
                    last.city, hours, policy.travel_speed_kmh
                ),
                Some(last.clone()),
            );
        }
    }
    if listed(&policy.malicious) {
        push(
            "maliciousIPAddress",
            format!("{} is in a declared malicious range", seen.ip),
            None,
        );
    }
    if new_country && !seen.country.is_empty() {
        push(
            "newCountry",
            format!("first sign-in from {}", seen.country),
            None,
        );
    }
    if in_spray {
        push(
            "passwordSpray",
            "a password spray validated this user's password".into(),
            None,
        );
    }
    signals
}

/// Great-circle distance (haversine, mean Earth radius).
pub fn distance_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokyo_to_paris_is_about_9700_km() {
        let km = distance_km((35.6895, 139.6917), (48.8566, 2.3522));
        assert!((9600.0..9800.0).contains(&km), "{km}");
    }
}
