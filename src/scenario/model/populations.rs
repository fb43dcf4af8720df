//! Populations: many generated users who sign in on a rhythm, and their devices.

use super::{App, ClientContext, StaySignedIn, TrustType};
use crate::graph::Timestamp;
use crate::scenario::template::Template;
use crate::scenario::values::Cidr;

/// The corporate devices of a population's members.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationDevices {
    pub share: f64,
    pub trust: TrustType,
    pub compliant: f64,
    pub name: Template,
}

/// Many generated users who sign in on a rhythm.
#[derive(Debug, Clone)]
pub struct Population {
    pub name: String,
    pub count: u32,
    pub upn: Template,
    pub display_name: Template,
    pub password: Template,
    pub apps: Vec<App>,
    pub locations: Vec<PopulationLocation>,
    pub sign_ins_per_user: u32,
    pub from_ticks: i64,
    pub over_ticks: i64,
    pub typo_rate: f64,
    pub stay_signed_in: StaySignedIn,
    /// Chance a sign-in gets the MFA prompt, approved.
    pub mfa_rate: f64,
    /// Sign-ins only in working hours on weekdays; `None` spreads them evenly.
    pub rhythm: Option<WorkingRhythm>,
    /// Members' corporate devices; `None`: every member on an unregistered device.
    pub devices: Option<PopulationDevices>,
}

/// Working hours on weekdays in a fixed UTC offset, as intervals of the population's period.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingRhythm {
    /// Start and end of the working day, minutes after local midnight.
    pub hours: (u32, u32),
    pub utc_offset_minutes: i32,
    /// (offset from the timeline start, length) of each working interval in the period, and
    /// the working time before it, in ticks; filled in once the timeline start is known.
    pub intervals: Vec<(i64, i64, i64)>,
    pub total_ticks: i64,
}

impl WorkingRhythm {
    /// Lays the working intervals over `[from, from + over)` (ticks after `start`).
    pub fn lay_out(&mut self, start: Timestamp, from: i64, over: i64) {
        const MINUTE: i64 = 60 * crate::graph::timestamp::TICKS_PER_SECOND;
        const DAY: i64 = 1440 * MINUTE;
        let offset = i64::from(self.utc_offset_minutes) * MINUTE;
        let (lo, hi) = (start.ticks() + from, start.ticks() + from + over);
        // Local midnight of the first day, in UTC ticks since the Unix epoch.
        let epoch = crate::graph::Timestamp::from_unix_seconds(0).ticks();
        let local = lo - epoch + offset;
        let mut day = local.div_euclid(DAY) * DAY - offset + epoch;
        self.intervals.clear();
        let mut total = 0;
        while day < hi {
            // 1970-01-01 was a Thursday: weekday 0 = Monday.
            let weekday = ((day + offset - epoch).div_euclid(DAY) + 3).rem_euclid(7);
            if weekday < 5 {
                let a = (day + i64::from(self.hours.0) * MINUTE).max(lo);
                let b = (day + i64::from(self.hours.1) * MINUTE).min(hi);
                if b > a {
                    self.intervals.push((a - start.ticks(), b - a, total));
                    total += b - a;
                }
            }
            day += DAY;
        }
        self.total_ticks = total;
    }

    /// The offset from the timeline start of working-time offset `working` (0..total).
    pub fn place(&self, working: i64) -> i64 {
        let i = self
            .intervals
            .partition_point(|&(_, _, before)| before <= working)
            .saturating_sub(1);
        match self.intervals.get(i) {
            Some(&(at, len, before)) => at + (working - before).min(len - 1).max(0),
            None => 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PopulationLocation {
    pub ips: Cidr,
    pub city: String,
    pub state: String,
    pub country: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub os: String,
    pub browser: String,
    pub weight: f64,
}

impl PopulationLocation {
    /// The client of the location's first address, on an unregistered device.
    pub fn context(&self) -> ClientContext {
        ClientContext {
            ip: self.ips.address(0).to_string(),
            city: self.city.clone(),
            state: self.state.clone(),
            country: self.country.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
            os: self.os.clone(),
            browser: self.browser.clone(),
            user_agent: None,
            device: None,
        }
    }
}
