//! Timeline steps that change the directory: the audit rows of one operation.

use super::{Origin, Simulation};
use crate::graph::{Record, Timestamp};
use crate::scenario::{Caller, DirectoryStep};
use crate::sim::audit_records::AuditOutcome;
use crate::sim::directory_steps::{TenantContext, actor, operation};
use crate::sim::streams::{Purpose, guid};

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
        let Some(mut action) = operation(step, &tenant, at) else {
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
        self.directory.prepare(&mut action);
        let rows = action.write(&actor(step, &tenant), &outcome, at, &mut rng);
        if outcome == AuditOutcome::Success {
            let users = &self.scenario.users;
            let declared = |upn: &str| {
                users
                    .iter()
                    .position(|u| u.upn.eq_ignore_ascii_case(upn))
                    .map(|i| (i, users[i].enabled))
            };
            let change = self
                .directory
                .apply(&action, step.new_password.as_deref(), declared);
            if let Some(change) = change {
                // A temporary password nobody in the scenario types (drawn after the rows, so
                // the rows are the same whether or not the step resets a password).
                let temporary = format!("temporary-{}", guid(&mut rng));
                self.apply_password_change(change, temporary);
            }
        }
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
