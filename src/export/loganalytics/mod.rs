//! Rows of the Log Analytics / Sentinel tables `SigninLogs`, `AADNonInteractiveUserSignInLogs`
//! and `AuditLogs` (reference entra-behavior.md 6.1-6.4), each table written twice:
//!
//! - `<Table>.ndjson`: one JSON object per line, columns in table order, as
//!   `az monitor log-analytics query` / the query API return rows: datetime columns
//!   `2025-03-17T15:08:07.0000000Z` (7 digits), `ResultType` a string, dynamic columns as
//!   JSON objects/arrays (in `AADNonInteractiveUserSignInLogs` as strings holding JSON, as the
//!   reference says that table types them), string columns never null (`""`).
//! - `<Table>.csv`: as the Azure portal exports a query result: a header row of the column
//!   names, RFC 4180 quoting (only cells with `,`, `"`, CR or LF are quoted), CRLF line
//!   ends, no BOM, datetimes `3/17/2025, 3:08:07.000 PM` (UTC, milliseconds: the 100 ns
//!   ticks of audit times below a millisecond are lost), dynamic columns as JSON text, bools
//!   `true`/`false`, a null as an empty cell.
//!
//! `SigninLogs.*` and `AuditLogs.*` are always written; `AADNonInteractiveUserSignInLogs.*`,
//! `AADServicePrincipalSignInLogs.*` and `AADManagedIdentitySignInLogs.*` only when a sign-in
//! belongs there ([`super::sign_in_logs`]), with the `SigninLogs` columns. Rows are **oldest first** (a table has no
//! order; this is the order the simulator makes them).
//!
//! # Columns
//!
//! [`SIGN_IN_COLUMNS`] and [`AUDIT_COLUMNS`]: the documented 2022 column lists, in the order of
//! `getschema` as far as it is known (UNSURE), plus `AuthenticationProtocol`,
//! `CrossTenantAccessType` and `IncomingTokenType` of the newer schema. Mapping choices:
//!
//! - `TenantId` is the workspace's id in Log Analytics; entralab has no workspace and writes
//!   the Entra tenant id (as in `AADTenantId`).
//! - `SourceSystem` `Azure AD`; `Resource`, `ResourceGroup`, `ResourceProvider`
//!   `Microsoft.aadiam`; `ResourceId` `/tenants/<tid>/providers/Microsoft.aadiam`;
//!   `ResultSignature` `None`; `DurationMs` 0; `Level` `"4"`; `OperationVersion` `1.0`.
//! - Sign-ins: `ResultType` = `status.errorCode` as a string, `ResultDescription` =
//!   `status.failureReason`, `Identity` = `userDisplayName`, `Location` =
//!   `location.countryOrRegion`, `ResourceIdentity` = Graph `resourceId` (the resource's app
//!   GUID; UNSURE), `UserType` `Member`. Dynamic: `Status`, `DeviceDetail`, `LocationDetails`,
//!   `ConditionalAccessPolicies` (= `appliedConditionalAccessPolicies`), `MfaDetail` (`{}`),
//!   `AuthenticationProcessingDetails`. Strings holding JSON: `AuthenticationDetails`,
//!   `AuthenticationMethodsUsed`, `AuthenticationRequirementPolicies`,
//!   `AuthenticationContextClassReferences`, `NetworkLocationDetails`, `RiskEventTypes`,
//!   `RiskEventTypes_V2`, `SessionLifetimePolicies` (per-column types are UNSURE in the
//!   reference; readers accept either). The beta-only values (`AuthenticationDetails`,
//!   `AuthenticationRequirement`, `ProcessingTimeInMilliseconds`, `TokenIssuerType`, ...) are
//!   derived as [`crate::graph::beta_sign_in`] derives them. Columns entralab has no value for
//!   (`AlternateSignInName`, `SignInIdentifier`, `IsRisky`, ...) are empty.
//! - Audits: `OperationName` and `ActivityDisplayName` = `activityDisplayName`; `Category` =
//!   the audit category (`UserManagement`; the reference says this is what real rows hold,
//!   UNSURE); `ResultType` and `Result` = `result`; `ResultDescription` and `ResultReason` =
//!   `resultReason`; `AADOperationType` = `operationType`; `Identity` as in the Event Hub
//!   export (initiator's display name, else UPN, else app); `Location` empty. Dynamic:
//!   `InitiatedBy`, `TargetResources`, `AdditionalDetails`.
//!
//! # What does not survive
//!
//! Graph `authenticationAppDeviceDetails` has no column and is lost. String columns cannot
//! be null, so a Graph `null` in a top-level string property reads back as `""` (nulls inside
//! dynamic columns survive). CSV keeps datetimes to the millisecond.

mod columns;
mod table;

pub use columns::{AUDIT_COLUMNS, SIGN_IN_COLUMNS};
use table::Table;
pub(super) use table::write_csv_cell;

use super::beta_fields;
use super::sign_in_logs::SignInLog;
use super::timefmt::seven_digits;
use super::{RESOURCE_PROVIDER, audit_identity, resource_id};
use crate::graph::{DirectoryAudit, Record, SignIn, Text, Timestamp};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::io;
use std::path::{Path, PathBuf};

pub const SIGN_IN_TABLE: &str = "SigninLogs";
pub const NON_INTERACTIVE_TABLE: &str = "AADNonInteractiveUserSignInLogs";
pub const AUDIT_TABLE: &str = "AuditLogs";

const SOURCE_SYSTEM: &str = "Azure AD";

const SIGN_IN_COUNT: usize = SIGN_IN_COLUMNS.len();
const AUDIT_COUNT: usize = AUDIT_COLUMNS.len();

/// One cell of a row.
pub(super) enum Cell<'a> {
    /// A string column; `None` is written `""`.
    Text(Option<&'a str>),
    Owned(String),
    Time(Timestamp),
    Int(i64),
    Bool(Option<bool>),
    /// A dynamic column, as compact JSON text.
    Dynamic(String),
    /// A string column that holds JSON text.
    JsonText(String),
}

fn text(value: &Option<Text>) -> Cell<'_> {
    Cell::Text(value.as_deref())
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// The beta properties a record has, by name (see [`beta_fields::beta_entries`]).
struct Beta(serde_json::Map<String, Value>);

impl Beta {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A string column: strings as they are, absent or null as `""`, others as JSON.
    fn text(&self, key: &str) -> Cell<'static> {
        match self.get(key) {
            None | Some(Value::Null) => Cell::Text(None),
            Some(Value::String(s)) => Cell::Owned(s.clone()),
            Some(other) => Cell::Owned(other.to_string()),
        }
    }

    /// JSON text; `""` when the record does not have the property.
    fn json(&self, key: &str) -> String {
        self.get(key).map(Value::to_string).unwrap_or_default()
    }
}

/// Sign-in properties entralab does not model but a `SigninLogs` column holds: a record read
/// from a file keeps them under [`SignIn::unknown`]; the reader maps the columns back.
pub const UNMODELLED_COLUMNS: &[(&str, &str)] = &[
    ("alternateSignInName", "AlternateSignInName"),
    (
        "authenticationContextClassReferences",
        "AuthenticationContextClassReferences",
    ),
    ("isRisky", "IsRisky"),
    ("resourceServicePrincipalId", "ResourceServicePrincipalId"),
    (
        "ipAddressFromResourceProvider",
        "IPAddressFromResourceProvider",
    ),
    ("signInIdentifier", "SignInIdentifier"),
    ("signInIdentifierType", "SignInIdentifierType"),
];

fn unknown<'r>(r: &'r SignIn, key: &str) -> Option<&'r Value> {
    r.unknown.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// An unmodelled property as a string column: strings as they are, others as JSON text.
fn unknown_text<'r>(r: &'r SignIn, key: &str) -> Cell<'r> {
    match unknown(r, key) {
        None | Some(Value::Null) => Cell::Text(None),
        Some(Value::String(s)) => Cell::Text(Some(s)),
        Some(other) => Cell::Owned(other.to_string()),
    }
}

struct Context {
    tenant_id: String,
    resource_id: String,
}

fn sign_in_row<'a>(r: &'a SignIn, ctx: &'a Context) -> [(&'static str, Cell<'a>); SIGN_IN_COUNT] {
    use Cell::*;
    let log = SignInLog::of(r);
    let beta = Beta(beta_fields::beta_entries(r));
    let tenant = Some(ctx.tenant_id.as_str());
    [
        ("TenantId", Text(tenant)),
        ("SourceSystem", Text(Some(SOURCE_SYSTEM))),
        ("TimeGenerated", Time(r.created_date_time)),
        ("ResourceId", Text(Some(&ctx.resource_id))),
        (
            "OperationName",
            Text(Some(super::eventhub::SIGN_IN_OPERATION)),
        ),
        (
            "OperationVersion",
            Text(Some(super::eventhub::OPERATION_VERSION)),
        ),
        ("Category", Text(Some(log.category()))),
        ("ResultType", Owned(r.status.error_code.to_string())),
        ("ResultSignature", Text(Some("None"))),
        ("ResultDescription", text(&r.status.failure_reason)),
        ("DurationMs", Int(0)),
        ("CorrelationId", text(&r.correlation_id)),
        ("Resource", Text(Some(RESOURCE_PROVIDER))),
        ("ResourceGroup", Text(Some(RESOURCE_PROVIDER))),
        ("ResourceProvider", Text(Some(RESOURCE_PROVIDER))),
        ("Identity", text(&r.user_display_name)),
        ("Level", Text(Some("4"))),
        ("Location", text(&r.location.country_or_region)),
        (
            "AlternateSignInName",
            unknown_text(r, "alternateSignInName"),
        ),
        ("AppDisplayName", text(&r.app_display_name)),
        ("AppId", text(&r.app_id)),
        (
            "AuthenticationContextClassReferences",
            unknown_text(r, "authenticationContextClassReferences"),
        ),
        (
            "AuthenticationDetails",
            JsonText(beta.json("authenticationDetails")),
        ),
        (
            "AuthenticationMethodsUsed",
            JsonText(beta.json("authenticationMethodsUsed")),
        ),
        (
            "AuthenticationProcessingDetails",
            Dynamic(beta.json("authenticationProcessingDetails")),
        ),
        (
            "AuthenticationRequirement",
            beta.text("authenticationRequirement"),
        ),
        (
            "AuthenticationRequirementPolicies",
            JsonText(beta.json("authenticationRequirementPolicies")),
        ),
        ("ClientAppUsed", text(&r.client_app_used)),
        (
            "ConditionalAccessPolicies",
            Dynamic(json(&r.applied_conditional_access_policies)),
        ),
        (
            "ConditionalAccessStatus",
            text(&r.conditional_access_status),
        ),
        ("CreatedDateTime", Time(r.created_date_time)),
        (
            "DeviceDetail",
            Dynamic(json(&beta_fields::ExportDevice(&r.device_detail))),
        ),
        ("IsInteractive", Bool(r.is_interactive)),
        ("Id", Text(Some(&r.id))),
        ("IPAddress", text(&r.ip_address)),
        (
            "IsRisky",
            Bool(unknown(r, "isRisky").and_then(Value::as_bool)),
        ),
        ("LocationDetails", Dynamic(json(&r.location))),
        ("MfaDetail", Dynamic(beta.json("mfaDetail"))),
        (
            "NetworkLocationDetails",
            JsonText(beta.json("networkLocationDetails")),
        ),
        ("OriginalRequestId", beta.text("originalRequestId")),
        (
            "ProcessingTimeInMilliseconds",
            beta.text("processingTimeInMilliseconds"),
        ),
        ("RiskDetail", text(&r.risk_detail)),
        ("RiskEventTypes", JsonText(json(&r.risk_event_types))),
        ("RiskEventTypes_V2", JsonText(json(&r.risk_event_types_v2))),
        ("RiskLevelAggregated", text(&r.risk_level_aggregated)),
        ("RiskLevelDuringSignIn", text(&r.risk_level_during_sign_in)),
        ("RiskState", text(&r.risk_state)),
        ("ResourceDisplayName", text(&r.resource_display_name)),
        ("ResourceIdentity", text(&r.resource_id)),
        (
            "ResourceServicePrincipalId",
            unknown_text(r, "resourceServicePrincipalId"),
        ),
        ("ServicePrincipalId", text(&r.service_principal_id)),
        ("ServicePrincipalName", text(&r.service_principal_name)),
        ("Status", Dynamic(json(&r.status))),
        ("TokenIssuerName", beta.text("tokenIssuerName")),
        ("TokenIssuerType", beta.text("tokenIssuerType")),
        ("UserAgent", text(&r.user_agent)),
        ("UserDisplayName", text(&r.user_display_name)),
        ("UserId", text(&r.user_id)),
        ("UserPrincipalName", text(&r.user_principal_name)),
        ("AADTenantId", Text(tenant)),
        ("UserType", beta.text("userType")),
        (
            "FlaggedForReview",
            Bool(beta.get("flaggedForReview").and_then(Value::as_bool)),
        ),
        (
            "IPAddressFromResourceProvider",
            unknown_text(r, "ipAddressFromResourceProvider"),
        ),
        ("SignInIdentifier", unknown_text(r, "signInIdentifier")),
        (
            "SignInIdentifierType",
            unknown_text(r, "signInIdentifierType"),
        ),
        ("ResourceTenantId", text(&r.resource_tenant_id)),
        ("HomeTenantId", text(&r.home_tenant_id)),
        ("UniqueTokenIdentifier", beta.text("uniqueTokenIdentifier")),
        (
            "SessionLifetimePolicies",
            JsonText(beta.json("sessionLifetimePolicies")),
        ),
        (
            "AutonomousSystemNumber",
            beta.text("autonomousSystemNumber"),
        ),
        (
            "AuthenticationProtocol",
            beta.text("authenticationProtocol"),
        ),
        ("CrossTenantAccessType", beta.text("crossTenantAccessType")),
        ("IncomingTokenType", beta.text("incomingTokenType")),
        ("Type", Text(Some(log.table()))),
    ]
}

fn audit_row<'a>(
    r: &'a DirectoryAudit,
    ctx: &'a Context,
) -> [(&'static str, Cell<'a>); AUDIT_COUNT] {
    use Cell::*;
    let tenant = Some(ctx.tenant_id.as_str());
    [
        ("TenantId", Text(tenant)),
        ("SourceSystem", Text(Some(SOURCE_SYSTEM))),
        ("TimeGenerated", Time(r.activity_date_time)),
        ("ResourceId", Text(Some(&ctx.resource_id))),
        ("OperationName", text(&r.activity_display_name)),
        (
            "OperationVersion",
            Text(Some(super::eventhub::OPERATION_VERSION)),
        ),
        ("Category", text(&r.category)),
        ("ResultType", text(&r.result)),
        ("ResultSignature", Text(Some("None"))),
        ("ResultDescription", text(&r.result_reason)),
        ("DurationMs", Int(0)),
        ("CorrelationId", text(&r.correlation_id)),
        ("Resource", Text(Some(RESOURCE_PROVIDER))),
        ("ResourceGroup", Text(Some(RESOURCE_PROVIDER))),
        ("ResourceProvider", Text(Some(RESOURCE_PROVIDER))),
        ("Identity", Text(audit_identity(r))),
        ("Level", Text(Some("4"))),
        ("Location", Text(None)),
        ("AdditionalDetails", Dynamic(json(&r.additional_details))),
        ("Id", Text(Some(&r.id))),
        ("InitiatedBy", Dynamic(json(&r.initiated_by))),
        ("LoggedByService", text(&r.logged_by_service)),
        ("Result", text(&r.result)),
        ("ResultReason", text(&r.result_reason)),
        ("TargetResources", Dynamic(json(&r.target_resources))),
        ("AADTenantId", Text(tenant)),
        ("ActivityDisplayName", text(&r.activity_display_name)),
        ("ActivityDateTime", Time(r.activity_date_time)),
        ("AADOperationType", text(&r.operation_type)),
        ("Type", Text(Some(AUDIT_TABLE))),
    ]
}

/// One record as a Log Analytics row of its table (`SigninLogs`,
/// `AADNonInteractiveUserSignInLogs` or `AuditLogs`): (column, value) in the order of
/// [`SIGN_IN_COLUMNS`] or [`AUDIT_COLUMNS`], values as `<Table>.ndjson` writes a `SigninLogs`
/// row: datetimes as text, `ResultType` a string, dynamic columns as JSON objects and arrays
/// (also for the non-interactive table, so that their members can be reached). For callers
/// that need one row at a time (the Sigma evaluator, `crate::detect`).
pub fn row_json(record: &Record, tenant_id: &str) -> Vec<(&'static str, Value)> {
    let ctx = Context {
        tenant_id: tenant_id.to_string(),
        resource_id: resource_id(tenant_id),
    };
    let cell_value = |(column, cell): &(&'static str, Cell<'_>)| -> (&'static str, Value) {
        let value = match cell {
            Cell::Text(value) => Value::String(value.unwrap_or("").to_string()),
            Cell::Owned(value) | Cell::JsonText(value) => Value::String(value.clone()),
            Cell::Time(time) => Value::String(seven_digits(*time, "Z")),
            Cell::Int(value) => Value::from(*value),
            Cell::Bool(value) => value.map(Value::Bool).unwrap_or(Value::Null),
            Cell::Dynamic(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        };
        (*column, value)
    };
    match record {
        Record::SignIn(sign_in) => sign_in_row(sign_in, &ctx).iter().map(cell_value).collect(),
        Record::Audit(audit) => audit_row(audit, &ctx).iter().map(cell_value).collect(),
    }
}

pub(crate) struct LogAnalyticsExport {
    dir: PathBuf,
    context: Context,
    /// One table per sign-in log, in [`SignInLog`] order; `SigninLogs` always.
    sign_ins: BTreeMap<SignInLog, Table>,
    audits: Table,
}

impl LogAnalyticsExport {
    pub(crate) fn create(dir: &Path, tenant_id: &str) -> io::Result<Self> {
        Ok(LogAnalyticsExport {
            dir: dir.to_path_buf(),
            context: Context {
                tenant_id: tenant_id.to_string(),
                resource_id: resource_id(tenant_id),
            },
            sign_ins: BTreeMap::from([(
                SignInLog::Interactive,
                Table::sign_ins(dir, SignInLog::Interactive)?,
            )]),
            audits: Table::create(dir, AUDIT_TABLE, AUDIT_COLUMNS, false)?,
        })
    }

    pub(crate) fn push(&mut self, record: &Record) -> io::Result<()> {
        match record {
            Record::SignIn(sign_in) => {
                let log = SignInLog::of(sign_in);
                let table = match self.sign_ins.entry(log) {
                    Entry::Occupied(entry) => entry.into_mut(),
                    Entry::Vacant(entry) => entry.insert(Table::sign_ins(&self.dir, log)?),
                };
                table.push(&sign_in_row(sign_in, &self.context))
            }
            Record::Audit(audit) => self.audits.push(&audit_row(audit, &self.context)),
        }
    }

    pub(crate) fn finish(self) -> io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for table in self.sign_ins.into_values() {
            files.extend(table.finish()?);
        }
        files.extend(self.audits.finish()?);
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::table::write_csv_cell;
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};

    fn context() -> Context {
        Context {
            tenant_id: "t".into(),
            resource_id: resource_id("t"),
        }
    }

    #[test]
    fn rows_name_the_columns_in_order() {
        let ctx = context();
        let sign_in = sample_sign_in();
        let names: Vec<_> = sign_in_row(&sign_in, &ctx)
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(names, SIGN_IN_COLUMNS);
        let audit = sample_audit();
        let names: Vec<_> = audit_row(&audit, &ctx).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, AUDIT_COLUMNS);
    }

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let cell = |value: &str| {
            let mut out = Vec::new();
            write_csv_cell(&mut out, value).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell(""), "");
        assert_eq!(
            cell("3/17/2025, 3:08:07.000 PM"),
            "\"3/17/2025, 3:08:07.000 PM\""
        );
        assert_eq!(cell(r#"{"a":"b"}"#), r#""{""a"":""b""}""#);
        assert_eq!(cell("two\r\nlines"), "\"two\r\nlines\"");
    }
}
