//! Generated users: who member `n` of a population is, and when they sign in. Everything is a
//! pure function of (seed, population, member, sign-in number), so a million members need no
//! memory beyond the schedule.

use super::records::{Actor, AppTexts, ContextTexts, DeviceTexts, Texts};
use super::streams::{Purpose, Streams, guid};
use crate::graph::{Text, Timestamp};
use crate::scenario::Population;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::net::IpAddr;

/// A population with its shared strings made once.
pub struct PopulationTexts {
    pub apps: Vec<AppTexts>,
    locations: Vec<ContextTexts>,
    cumulative_weights: Vec<f64>,
}

/// One member of a population, as their sign-ins show them.
pub struct Member {
    pub actor: Actor,
    pub context: ContextTexts,
}

impl PopulationTexts {
    pub fn new(population: &Population) -> Self {
        let locations = population
            .locations
            .iter()
            .map(|l| ContextTexts::from(&l.context()))
            .collect();
        let mut total = 0.0;
        let cumulative_weights = population
            .locations
            .iter()
            .map(|l| {
                total += l.weight;
                total
            })
            .collect();
        PopulationTexts {
            apps: population.apps.iter().map(AppTexts::from).collect(),
            locations,
            cumulative_weights,
        }
    }

    /// Member `n` (1-based) of population `index`.
    pub fn member(
        &self,
        texts: &Texts,
        streams: &Streams,
        index: usize,
        population: &Population,
        n: u32,
    ) -> Member {
        let mut rng = streams.rng(Purpose::Member, index as u64, u64::from(n));
        let id = guid(&mut rng);
        let total = *self.cumulative_weights.last().unwrap_or(&1.0);
        let pick = rng.random_range(0.0..total);
        let location = self
            .cumulative_weights
            .iter()
            .position(|w| pick < *w)
            .unwrap_or(0);
        let mut context = self.locations[location].clone();
        let ip = population.locations[location].ips.address(rng.random());
        context.ip = ip_text(ip);
        context.network = texts.network_details(ip);
        if let Some(devices) = &population.devices {
            // A stream of its own, so that populations without devices keep their draws.
            let mut rng = streams.rng(Purpose::Device, index as u64, u64::from(n));
            if rng.random_bool(devices.share) {
                let managed = devices.trust.managed_by_default();
                context.device = DeviceTexts {
                    id: guid(&mut rng),
                    name: devices.name.render(u64::from(n)).into(),
                    compliant: managed && rng.random_bool(devices.compliant),
                    managed,
                    trust_type: devices.trust.label().into(),
                };
            }
        }
        let n = u64::from(n);
        let mut upn = population.upn.render(n);
        if !upn.is_ascii() || upn.bytes().any(|b| b.is_ascii_uppercase()) {
            upn = upn.to_lowercase();
        }
        Member {
            actor: Actor {
                id,
                upn: upn.into(),
                display_name: population.display_name.render(n).into(),
            },
            context,
        }
    }
}

/// Member `n`'s password: made only for the sign-ins that compare it (a typo, a spray).
pub fn password(population: &Population, n: u32) -> String {
    population.password.render(u64::from(n))
}

/// `ip.to_string()`, without the formatting machinery for IPv4 (one per sign-in).
fn ip_text(ip: IpAddr) -> Text {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string().into();
    };
    let mut text = [0u8; 15];
    let mut len = 0;
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            text[len] = b'.';
            len += 1;
        }
        let digits = [octet / 100, octet / 10 % 10, octet % 10];
        let skip = if octet >= 100 {
            0
        } else if octet >= 10 {
            1
        } else {
            2
        };
        for digit in &digits[skip..] {
            text[len] = b'0' + digit;
            len += 1;
        }
    }
    std::str::from_utf8(&text[..len])
        .expect("digits and dots")
        .into()
}

/// The stream of member `n`'s sign-in number `k`. Its first draw places the sign-in in time.
pub fn event_rng(streams: &Streams, index: usize, n: u32, k: u32) -> ChaCha8Rng {
    streams.rng(
        Purpose::MemberEvent,
        ((index as u64) << 32) | u64::from(n),
        u64::from(k),
    )
}

/// When member `n` signs in for the `k`-th time (0-based): sign-ins are spread evenly over the
/// period with a random place inside each slot, so they come in order without sorting.
pub fn event_time(
    streams: &Streams,
    start: Timestamp,
    index: usize,
    population: &Population,
    n: u32,
    k: u32,
) -> Timestamp {
    let place: f64 = event_rng(streams, index, n, k).random();
    if let Some(rhythm) = &population.rhythm {
        // Evenly over the working time only, mapped back onto the calendar.
        let slot = rhythm.total_ticks as f64 / f64::from(population.sign_ins_per_user);
        let working = ((f64::from(k) + place) * slot) as i64;
        return start
            .plus_ticks(rhythm.place(working))
            .truncate_to_seconds();
    }
    let slot = population.over_ticks as f64 / f64::from(population.sign_ins_per_user);
    let offset = ((f64::from(k) + place) * slot) as i64;
    start
        .plus_ticks(population.from_ticks + offset)
        .truncate_to_seconds()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn ip_texts_are_what_display_writes() {
        for octets in [
            [0, 0, 0, 0],
            [203, 0, 113, 9],
            [10, 99, 100, 255],
            [1, 20, 199, 7],
        ] {
            let ip = IpAddr::from(octets);
            assert_eq!(&*ip_text(ip), ip.to_string());
        }
        let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
        assert_eq!(&*ip_text(v6), "2001:db8::7");
    }
}
