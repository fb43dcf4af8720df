//! From a described directory operation to the exact `directoryAudit` rows Entra writes:
//! one row per activity of the operation (`catalog::audit::OPERATIONS`), one `correlationId`,
//! ids in the `Directory_<guid>_<5 chars>_<number>` shape, times at 100 ns resolution.
//! Deterministic: every id and gap is drawn from the rng passed in.
//!
//! Named defaults (documented in `docs/audit-activities.md`, UNSURE in the reference):
//! - the guid inside a row id is the operation's correlationId, as in the `IPCGraph_` ids of
//!   the reference (entra-behavior.md 6.4); the prefix follows the service ([`id_prefix`]);
//! - the rows of one operation are [`ROW_GAP_MS`] apart, in catalogue order;
//! - a failed operation writes only its first row, with `result` `failure` and the reason;
//! - `initiatedBy.user.displayName` is `null`, as on every user-initiated row the reference
//!   lab shows.

use crate::catalog::audit::{AuditActivity, Service, TargetKind};
use crate::graph::{
    AppIdentity, AuditActivityInitiator, DirectoryAudit, KeyValue, ModifiedProperty,
    TargetResource, Text, Timestamp, UserIdentity,
};
use rand::Rng;

use super::streams::{guid, ticks_between_ms};

/// Milliseconds between two rows of one operation (UNSURE; the SSPR block pair is ~1 ms).
pub const ROW_GAP_MS: (i64, i64) = (2, 60);

/// Who did it.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditActor {
    User {
        id: Text,
        upn: Text,
        ip: Text,
        /// Written as the `User-Agent` detail where the activity has one.
        user_agent: Option<Text>,
    },
    App {
        app_id: Option<Text>,
        display_name: Text,
        service_principal_id: Option<Text>,
        service_principal_name: Option<Text>,
    },
}

/// How the operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    Success,
    Failure { reason: String },
}

/// One `targetResources` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditTarget {
    pub kind: TargetKind,
    pub id: Text,
    pub display_name: Option<Text>,
    pub user_principal_name: Option<Text>,
    pub modified: Vec<ModifiedProperty>,
}

impl AuditTarget {
    pub fn new(kind: TargetKind, id: impl Into<Text>, display_name: Option<Text>) -> Self {
        AuditTarget {
            kind,
            id: id.into(),
            display_name,
            user_principal_name: None,
            modified: Vec::new(),
        }
    }

    pub fn with_upn(mut self, upn: Text) -> Self {
        self.user_principal_name = Some(upn);
        self
    }

    pub fn with(mut self, modified: Vec<ModifiedProperty>) -> Self {
        self.modified = modified;
        self
    }
}

/// One row of an operation before ids and times are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSpec {
    pub activity: &'static AuditActivity,
    pub actor: AuditActor,
    pub targets: Vec<AuditTarget>,
    /// `additionalDetails` besides the `User-Agent` the actor brings.
    pub details: Vec<(&'static str, String)>,
    /// `resultReason` of a success (most services write `""`).
    pub reason: String,
}

impl RowSpec {
    pub fn new(
        activity: &'static AuditActivity,
        actor: AuditActor,
        targets: Vec<AuditTarget>,
    ) -> Self {
        RowSpec {
            activity,
            actor,
            targets,
            details: Vec::new(),
            reason: String::new(),
        }
    }

    pub fn detail(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.details.push((key, value.into()));
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }
}

/// The row id prefix a service writes: `Directory` (Core Directory, reference), `IPCGraph`
/// (Conditional Access, reference), `SSPR` (reference lab); the others are UNSURE and use
/// `Directory`.
pub fn id_prefix(service: &str) -> &'static str {
    match service {
        Service::CONDITIONAL_ACCESS => "IPCGraph",
        Service::SSPR => "SSPR",
        _ => "Directory",
    }
}

/// Writes one operation's rows, the first at `start`.
pub fn write_operation(
    rows: Vec<RowSpec>,
    outcome: &AuditOutcome,
    start: Timestamp,
    rng: &mut impl Rng,
) -> Vec<DirectoryAudit> {
    let correlation = guid(rng);
    let mut time = start;
    let keep = match outcome {
        AuditOutcome::Success => rows.len(),
        AuditOutcome::Failure { .. } => rows.len().min(1),
    };
    let mut out = Vec::with_capacity(keep);
    for (i, spec) in rows.into_iter().take(keep).enumerate() {
        if i > 0 {
            time = time.plus_ticks(ticks_between_ms(rng, ROW_GAP_MS.0, ROW_GAP_MS.1));
        }
        out.push(row(spec, outcome, &correlation, time, rng));
    }
    out
}

fn row(
    spec: RowSpec,
    outcome: &AuditOutcome,
    correlation: &Text,
    time: Timestamp,
    rng: &mut impl Rng,
) -> DirectoryAudit {
    let activity = spec.activity;
    let (result, reason) = match outcome {
        AuditOutcome::Success => ("success", spec.reason),
        AuditOutcome::Failure { reason } => ("failure", reason.clone()),
    };
    let mut details: Vec<KeyValue> = Vec::new();
    for key in activity.details {
        let value = match (*key, &spec.actor) {
            ("User-Agent", AuditActor::User { user_agent, .. }) => {
                user_agent.as_ref().map(|ua| ua.to_string())
            }
            _ => spec
                .details
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
        };
        if let Some(value) = value {
            details.push(KeyValue {
                key: Some((*key).into()),
                value: Some(value.into()),
            });
        }
    }
    DirectoryAudit {
        id: row_id(activity.service, correlation, rng),
        category: Some(activity.category.into()),
        correlation_id: Some(correlation.clone()),
        result: Some(result.into()),
        result_reason: Some(reason.into()),
        activity_display_name: Some(activity.display_name.into()),
        activity_date_time: time,
        logged_by_service: Some(activity.service.into()),
        operation_type: Some(activity.operation_type.into()),
        initiated_by: initiator(&spec.actor),
        target_resources: spec.targets.into_iter().map(target).collect(),
        additional_details: details,
        unknown: Default::default(),
    }
}

fn initiator(actor: &AuditActor) -> AuditActivityInitiator {
    match actor {
        AuditActor::User { id, upn, ip, .. } => AuditActivityInitiator {
            app: None,
            user: Some(UserIdentity {
                id: Some(id.clone()),
                display_name: None,
                user_principal_name: Some(upn.clone()),
                ip_address: Some(ip.clone()),
                user_type: None,
                home_tenant_id: None,
                home_tenant_name: None,
                other: Default::default(),
            }),
        },
        AuditActor::App {
            app_id,
            display_name,
            service_principal_id,
            service_principal_name,
        } => AuditActivityInitiator {
            app: Some(AppIdentity {
                app_id: app_id.clone(),
                display_name: Some(display_name.clone()),
                service_principal_id: service_principal_id.clone(),
                service_principal_name: service_principal_name.clone(),
                other: Default::default(),
            }),
            user: None,
        },
    }
}

fn target(t: AuditTarget) -> TargetResource {
    TargetResource {
        id: Some(t.id),
        display_name: t.display_name,
        resource_type: Some(t.kind.wire().into()),
        user_principal_name: t.user_principal_name,
        group_type: None,
        modified_properties: t.modified,
        other: Default::default(),
    }
}

/// `<prefix>_<correlationId>_<5 upper-case letters or digits>_<8 digits>`.
fn row_id(service: &str, correlation: &Text, rng: &mut impl Rng) -> Text {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let middle: String = (0..5)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect();
    let number: u32 = rng.random_range(10_000_000..100_000_000);
    format!("{}_{correlation}_{middle}_{number}", id_prefix(service)).into()
}

/// Value shapes of `modifiedProperties`: Entra writes JSON inside a string.
pub mod shape {
    use crate::graph::ModifiedProperty;

    /// `"[\"Member\"]"`: a one-element list of strings (most Core Directory properties).
    pub fn list(value: &str) -> String {
        serde_json::json!([value]).to_string()
    }

    /// `"[true]"`: a one-element list of a boolean.
    pub fn list_bool(value: bool) -> String {
        format!("[{value}]")
    }

    /// `"\"Global Administrator\""`: one JSON string (role and group reference properties).
    pub fn string(value: &str) -> String {
        serde_json::Value::from(value).to_string()
    }

    /// A property as written: `old`/`new` already shaped, `None` for `null`.
    pub fn prop(name: &str, old: Option<String>, new: Option<String>) -> ModifiedProperty {
        ModifiedProperty {
            display_name: Some(name.into()),
            old_value: old.map(Into::into),
            new_value: new.map(Into::into),
        }
    }

    /// `Included Updated Properties`: the changed names, comma-separated, as one JSON string.
    pub fn included(names: &[&str]) -> ModifiedProperty {
        prop(
            "Included Updated Properties",
            Some(string("")),
            Some(string(&names.join(", "))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::audit::{find_activity, operation_rows};
    use rand::SeedableRng;

    fn admin() -> AuditActor {
        AuditActor::User {
            id: "6b0f0a4b-3c8e-4f8e-9a57-0d1c9a1f3e11".into(),
            upn: "admin@contoso.example".into(),
            ip: "203.0.113.9".into(),
            user_agent: Some("Mozilla/5.0".into()),
        }
    }

    fn start() -> Timestamp {
        Timestamp::parse("2025-03-17T16:20:00Z").unwrap()
    }

    fn rng() -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(9)
    }

    fn consent_specs() -> Vec<RowSpec> {
        operation_rows("consent_to_application")
            .into_iter()
            .map(|a| {
                RowSpec::new(
                    a,
                    admin(),
                    vec![AuditTarget::new(TargetKind::ServicePrincipal, "sp", None)],
                )
            })
            .collect()
    }

    #[test]
    fn one_operation_shares_a_correlation_id_and_rows_follow_in_order() {
        let rows = write_operation(consent_specs(), &AuditOutcome::Success, start(), &mut rng());
        assert_eq!(rows.len(), 3);
        let correlation = rows[0].correlation_id.clone().unwrap();
        for r in &rows {
            assert_eq!(r.correlation_id.as_ref(), Some(&correlation));
            let parts: Vec<_> = r.id.split('_').collect();
            assert_eq!(parts.len(), 4, "{}", r.id);
            assert_eq!(parts[0], "Directory");
            assert_eq!(parts[1], &*correlation);
            assert_eq!(parts[2].len(), 5);
            assert_eq!(parts[3].len(), 8);
            assert_eq!(r.result.as_deref(), Some("success"));
        }
        assert_eq!(rows[0].activity_date_time, start());
        assert!(
            rows.windows(2)
                .all(|w| w[0].activity_date_time < w[1].activity_date_time)
        );
    }

    #[test]
    fn the_same_rng_writes_the_same_rows() {
        let a = write_operation(consent_specs(), &AuditOutcome::Success, start(), &mut rng());
        let b = write_operation(consent_specs(), &AuditOutcome::Success, start(), &mut rng());
        assert_eq!(a, b);
    }

    #[test]
    fn a_failure_writes_the_first_row_with_the_reason() {
        let outcome = AuditOutcome::Failure {
            reason: "Microsoft.Online.Security.userConsentBlockedForRiskyAppsExceptions".into(),
        };
        let rows = write_operation(consent_specs(), &outcome, start(), &mut rng());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].result.as_deref(), Some("failure"));
        assert_eq!(
            rows[0].result_reason.as_deref(),
            Some("Microsoft.Online.Security.userConsentBlockedForRiskyAppsExceptions")
        );
    }

    #[test]
    fn user_agent_and_listed_details_are_written_in_catalogue_order() {
        let activity = find_activity("add_user").unwrap();
        let spec = RowSpec::new(activity, admin(), vec![])
            .detail("UserType", "Member")
            .detail("NotInTheCatalogue", "x");
        let rows = write_operation(vec![spec], &AuditOutcome::Success, start(), &mut rng());
        let keys: Vec<_> = rows[0]
            .additional_details
            .iter()
            .map(|d| (d.key.as_deref().unwrap(), d.value.as_deref().unwrap()))
            .collect();
        assert_eq!(
            keys,
            [("UserType", "Member"), ("User-Agent", "Mozilla/5.0")]
        );
    }

    #[test]
    fn an_app_actor_fills_initiated_by_app_only() {
        let actor = AuditActor::App {
            app_id: Some("01fc33a7-78ba-4d2f-a4b7-768e336e890e".into()),
            display_name: "MS-PIM".into(),
            service_principal_id: None,
            service_principal_name: None,
        };
        let activity = find_activity("add_member_to_role_by_pim").unwrap();
        let rows = write_operation(
            vec![RowSpec::new(activity, actor, vec![])],
            &AuditOutcome::Success,
            start(),
            &mut rng(),
        );
        let by = &rows[0].initiated_by;
        assert!(by.user.is_none());
        assert_eq!(
            by.app.as_ref().unwrap().display_name.as_deref(),
            Some("MS-PIM")
        );
    }

    #[test]
    fn conditional_access_rows_use_the_ipcgraph_prefix() {
        let activity = find_activity("delete_conditional_access_policy").unwrap();
        let rows = write_operation(
            vec![RowSpec::new(activity, admin(), vec![])],
            &AuditOutcome::Success,
            start(),
            &mut rng(),
        );
        assert!(rows[0].id.starts_with("IPCGraph_"));
    }

    #[test]
    fn shapes_are_json_inside_strings() {
        assert_eq!(shape::list("Member"), r#"["Member"]"#);
        assert_eq!(shape::list_bool(true), "[true]");
        assert_eq!(
            shape::string("Global Administrator"),
            r#""Global Administrator""#
        );
        assert_eq!(
            shape::included(&["UserType", "AccountEnabled"])
                .new_value
                .as_deref(),
            Some(r#""UserType, AccountEnabled""#)
        );
    }
}
