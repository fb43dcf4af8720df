//! Timeline steps that change the directory: the audit rows of one operation.

use super::{Origin, Simulation};
use crate::graph::{Record, Timestamp};
use crate::scenario::{Caller, DirectoryStep};
use crate::sim::audit_records::AuditOutcome;
use crate::sim::directory_steps::{TenantContext, actor, operation};
use crate::sim::streams::Purpose;

impl Simulation<'_> {
    pub(super) fn step_directory(
        &mut self,
        at: Timestamp,
        origin: Origin,
        index: usize,
        repetition: u32,
        step: &DirectoryStep,
    ) {
        let mut rng = self
            .streams
            .rng(Purpose::Step, index as u64, u64::from(repetition));
        let tenant_id = crate::sim::tenant_id(self.scenario);
        let tenant = TenantContext {
            streams: &self.streams,
            tenant_id: &tenant_id,
            tenant_name: &self.scenario.tenant.display_name,
        };
        let who = match &step.by {
            Caller::User(user) => user.upn.clone(),
            Caller::App(app) => app.display_name.clone(),
            Caller::Service(service) => service.display_name.to_string(),
        };
        let Some(action) = operation(step, &tenant, at) else {
            self.emit(
                at,
                origin,
                &who.as_str().into(),
                None,
                Some(format!("{}: nothing to write", step.verb.name())),
            );
            return;
        };
        let outcome = match &step.failure {
            None => AuditOutcome::Success,
            Some(reason) => AuditOutcome::Failure {
                reason: reason.clone(),
            },
        };
        let rows = action.write(&actor(step, &tenant), &outcome, at, &mut rng);
        let who = who.as_str().into();
        for row in rows {
            self.emit(
                row.activity_date_time,
                origin,
                &who,
                Some(Record::Audit(Box::new(row))),
                None,
            );
        }
    }
}
