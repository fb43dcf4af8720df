//! The Entra behaviour model: plays a scenario's timeline and populations, in time order, into
//! the sign-in and audit records a real tenant would log. Deterministic: no clock, no
//! `thread_rng`, no hash-map iteration; every draw comes from a seeded stream (`streams`).

mod audit_actions;
mod audit_records;
mod authentication;
mod conditional_access;
mod deferred;
mod directory_effects;
mod directory_steps;
mod lockout;
mod merge;
pub mod parallel;
mod population;
mod records;
pub mod risk;
mod schedule;
mod sspr;
mod streams;

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod directory_effect_tests;
#[cfg(test)]
mod fidelity_tests;
#[cfg(test)]
mod sspr_timing_tests;

pub use audit_actions::{
    AppAction, AppRef, AppRoleRef, AuthAction, AuthMethod, CaChange, Credential, CredentialKind,
    DeviceAction, DeviceRef, DirectoryAction, GroupAction, KeyHolder, Membership, ObjectRef,
    PolicyAction, Principal, PropertyChange, RoleAction, RoleRef, SecurityInfoChange, UserAction,
    UserRef,
};
pub use audit_records::{AuditActor, AuditOutcome, AuditTarget, RowSpec, write_operation};
pub use lockout::{LockoutCounter, LockoutDecision, PasswordCheck, lockout_duration};
pub use merge::{TenantSimulation, simulate_tenant};
pub use records::user_agent;
pub use schedule::{Origin, SimItem, Simulation};
pub use sspr::{PlannedAudit, SsprRun, SsprState};
pub use streams::{Purpose, Streams};

use crate::scenario::Scenario;

/// The tenant id a scenario runs as: the one it names, or one drawn from its domain (not its
/// seed), so files that name one domain and no id are one tenant whatever their seeds.
pub fn tenant_id(scenario: &Scenario) -> String {
    match &scenario.tenant.id {
        Some(id) => id.clone(),
        None => {
            let domain = streams::fingerprint(&scenario.tenant.domain);
            let streams = Streams::new(crate::scenario::DEFAULT_SEED);
            streams::guid(&mut streams.rng(Purpose::Tenant, domain, 0)).to_string()
        }
    }
}

/// Simulates `scenario` (with `scenario.seed`).
pub fn simulate(scenario: &Scenario) -> Simulation<'_> {
    Simulation::new(scenario)
}
