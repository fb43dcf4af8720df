//! The Entra behaviour model: plays a scenario's timeline and populations, in time order, into
//! the sign-in and audit records a real tenant would log. Deterministic: no clock, no
//! `thread_rng`, no hash-map iteration; every draw comes from a seeded stream (`streams`).

mod authentication;
mod conditional_access;
mod deferred;
mod lockout;
mod population;
mod records;
mod schedule;
mod sspr;
mod streams;

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod sspr_timing_tests;

pub use lockout::{LockoutCounter, LockoutDecision, PasswordCheck, lockout_duration};
pub use records::user_agent;
pub use schedule::{Origin, SimItem, Simulation};
pub use sspr::{PlannedAudit, SsprRun, SsprState};
pub use streams::{Purpose, Streams};

use crate::scenario::Scenario;

/// The tenant id a scenario runs as: the one it names, or one drawn from its seed.
pub fn tenant_id(scenario: &Scenario) -> String {
    match &scenario.tenant.id {
        Some(id) => id.clone(),
        None => {
            streams::guid(&mut Streams::new(scenario.seed).rng(Purpose::Tenant, 0, 0)).to_string()
        }
    }
}

/// Simulates `scenario` (with `scenario.seed`).
pub fn simulate(scenario: &Scenario) -> Simulation<'_> {
    Simulation::new(scenario)
}
