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

mod cells;
mod columns;
mod risk_rows;
mod row;
mod table;
#[cfg(test)]
mod value_reference;
mod values;

use cells::{Cells, Json};
pub use columns::{AUDIT_COLUMNS, SIGN_IN_COLUMNS};
pub(super) use risk_rows::write_risk_tables;
pub use risk_rows::{RISK_EVENTS as USER_RISK_EVENTS_TABLE, risky_user_row, user_risk_event_row};
use table::Table;
use values::RowValues;

use super::beta_fields;
use super::sign_in_logs::SignInLog;
use super::{RESOURCE_PROVIDER, audit_identity, resource_id};
use crate::graph::wire;
use crate::graph::{DirectoryAudit, Record, SignIn};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::io;
use std::path::{Path, PathBuf};

pub const SIGN_IN_TABLE: &str = "SigninLogs";
pub const NON_INTERACTIVE_TABLE: &str = "AADNonInteractiveUserSignInLogs";
pub const AUDIT_TABLE: &str = "AuditLogs";

const SOURCE_SYSTEM: &str = "Azure AD";

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
fn unknown_text<'r>(r: &'r SignIn, key: &str) -> Option<Cow<'r, str>> {
    match unknown(r, key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Cow::Borrowed(s)),
        Some(other) => Some(Cow::Owned(other.to_string())),
    }
}

struct Context {
    tenant_id: String,
    resource_id: String,
}

/// Gives `r`'s cells as a row of its sign-in table, in the order of [`SIGN_IN_COLUMNS`].
fn write_sign_in(row: &mut impl Cells, r: &SignIn, ctx: &Context) {
    use Json::{Dynamic, Text as JsonText};
    let log = SignInLog::of(r);
    let beta = &r.beta;
    let tenant = Some(ctx.tenant_id.as_str());
    row.text("TenantId", tenant);
    row.text("SourceSystem", Some(SOURCE_SYSTEM));
    row.time("TimeGenerated", r.created_date_time);
    row.text("ResourceId", Some(&ctx.resource_id));
    row.text("OperationName", Some(super::eventhub::SIGN_IN_OPERATION));
    row.text("OperationVersion", Some(super::eventhub::OPERATION_VERSION));
    row.text("Category", Some(log.category()));
    row.number_text("ResultType", Some(r.status.error_code.into()));
    row.text("ResultSignature", Some("None"));
    row.text("ResultDescription", r.status.failure_reason.as_deref());
    row.int("DurationMs", 0);
    row.text("CorrelationId", r.correlation_id.as_deref());
    row.text("Resource", Some(RESOURCE_PROVIDER));
    row.text("ResourceGroup", Some(RESOURCE_PROVIDER));
    row.text("ResourceProvider", Some(RESOURCE_PROVIDER));
    row.text("Identity", r.user_display_name.as_deref());
    row.text("Level", Some("4"));
    row.text("Location", r.location.country_or_region.as_deref());
    let alternate = unknown_text(r, "alternateSignInName");
    row.text("AlternateSignInName", alternate.as_deref());
    row.text("AppDisplayName", r.app_display_name.as_deref());
    row.text("AppId", r.app_id.as_deref());
    let class_references = unknown_text(r, "authenticationContextClassReferences");
    row.text(
        "AuthenticationContextClassReferences",
        class_references.as_deref(),
    );
    row.serde(
        "AuthenticationDetails",
        JsonText,
        beta.authentication_details.as_ref(),
    );
    row.serde(
        "AuthenticationMethodsUsed",
        JsonText,
        beta.authentication_methods_used.as_ref(),
    );
    row.serde(
        "AuthenticationProcessingDetails",
        Dynamic,
        beta.authentication_processing_details.as_ref(),
    );
    row.text(
        "AuthenticationRequirement",
        beta.authentication_requirement.as_deref(),
    );
    row.serde(
        "AuthenticationRequirementPolicies",
        JsonText,
        beta.authentication_requirement_policies.as_ref(),
    );
    row.text("ClientAppUsed", r.client_app_used.as_deref());
    row.serde(
        "ConditionalAccessPolicies",
        Dynamic,
        Some(&r.applied_conditional_access_policies),
    );
    row.text(
        "ConditionalAccessStatus",
        r.conditional_access_status.as_deref(),
    );
    row.time("CreatedDateTime", r.created_date_time);
    let device = beta_fields::ExportDevice(&r.device_detail);
    row.json("DeviceDetail", Dynamic, Some(&device), |out, device| {
        wire::write_device(out, device.0, beta_fields::device_registration(device.0))
    });
    row.flag("IsInteractive", r.is_interactive);
    row.text("Id", Some(&r.id));
    row.text("IPAddress", r.ip_address.as_deref());
    row.flag("IsRisky", unknown(r, "isRisky").and_then(Value::as_bool));
    row.json(
        "LocationDetails",
        Dynamic,
        Some(&r.location),
        wire::write_location,
    );
    row.serde("MfaDetail", Dynamic, beta.mfa_detail.as_ref());
    row.serde(
        "NetworkLocationDetails",
        JsonText,
        beta.network_location_details.as_ref(),
    );
    row.text("OriginalRequestId", beta.original_request_id.as_deref());
    row.number_text(
        "ProcessingTimeInMilliseconds",
        beta.processing_time_in_milliseconds.map(i64::from),
    );
    row.text("RiskDetail", r.risk_detail.as_deref());
    let risk_event_types = Some(r.risk_event_types.as_slice());
    row.json("RiskEventTypes", JsonText, risk_event_types, wire::strings);
    let risk_event_types_v2 = Some(r.risk_event_types_v2.as_slice());
    row.json(
        "RiskEventTypes_V2",
        JsonText,
        risk_event_types_v2,
        wire::strings,
    );
    row.text("RiskLevelAggregated", r.risk_level_aggregated.as_deref());
    row.text(
        "RiskLevelDuringSignIn",
        r.risk_level_during_sign_in.as_deref(),
    );
    row.text("RiskState", r.risk_state.as_deref());
    row.text("ResourceDisplayName", r.resource_display_name.as_deref());
    row.text("ResourceIdentity", r.resource_id.as_deref());
    let resource_principal = unknown_text(r, "resourceServicePrincipalId");
    row.text("ResourceServicePrincipalId", resource_principal.as_deref());
    row.text("ServicePrincipalId", r.service_principal_id.as_deref());
    row.text("ServicePrincipalName", r.service_principal_name.as_deref());
    row.json("Status", Dynamic, Some(&r.status), wire::write_status);
    row.text("TokenIssuerName", beta.token_issuer_name.as_deref());
    row.text("TokenIssuerType", beta.token_issuer_type.as_deref());
    row.text("UserAgent", r.user_agent.as_deref());
    row.text("UserDisplayName", r.user_display_name.as_deref());
    row.text("UserId", r.user_id.as_deref());
    row.text("UserPrincipalName", r.user_principal_name.as_deref());
    row.text("AADTenantId", tenant);
    let user_type = beta.user_type.as_deref();
    row.text("UserType", user_type.map(beta_fields::export_user_type));
    row.flag("FlaggedForReview", beta.flagged_for_review);
    let resource_ip = unknown_text(r, "ipAddressFromResourceProvider");
    row.text("IPAddressFromResourceProvider", resource_ip.as_deref());
    let identifier = unknown_text(r, "signInIdentifier");
    row.text("SignInIdentifier", identifier.as_deref());
    let identifier_type = unknown_text(r, "signInIdentifierType");
    row.text("SignInIdentifierType", identifier_type.as_deref());
    row.text("ResourceTenantId", r.resource_tenant_id.as_deref());
    row.text("HomeTenantId", r.home_tenant_id.as_deref());
    row.text(
        "UniqueTokenIdentifier",
        beta.unique_token_identifier.as_deref(),
    );
    row.serde(
        "SessionLifetimePolicies",
        JsonText,
        beta.session_lifetime_policies.as_ref(),
    );
    let system_number = beta.autonomous_system_number.map(i64::from);
    row.number_text("AutonomousSystemNumber", system_number);
    row.text(
        "AuthenticationProtocol",
        beta.authentication_protocol.as_deref(),
    );
    row.text(
        "CrossTenantAccessType",
        beta.cross_tenant_access_type.as_deref(),
    );
    row.text("IncomingTokenType", beta.incoming_token_type.as_deref());
    row.text("Type", Some(log.table()));
}

/// Gives `r`'s cells as a row of `AuditLogs`, in the order of [`AUDIT_COLUMNS`].
fn write_audit(row: &mut impl Cells, r: &DirectoryAudit, ctx: &Context) {
    let tenant = Some(ctx.tenant_id.as_str());
    row.text("TenantId", tenant);
    row.text("SourceSystem", Some(SOURCE_SYSTEM));
    row.time("TimeGenerated", r.activity_date_time);
    row.text("ResourceId", Some(&ctx.resource_id));
    row.text("OperationName", r.activity_display_name.as_deref());
    row.text("OperationVersion", Some(super::eventhub::OPERATION_VERSION));
    row.text("Category", r.category.as_deref());
    row.text("ResultType", r.result.as_deref());
    row.text("ResultSignature", Some("None"));
    row.text("ResultDescription", r.result_reason.as_deref());
    row.int("DurationMs", 0);
    row.text("CorrelationId", r.correlation_id.as_deref());
    row.text("Resource", Some(RESOURCE_PROVIDER));
    row.text("ResourceGroup", Some(RESOURCE_PROVIDER));
    row.text("ResourceProvider", Some(RESOURCE_PROVIDER));
    row.text("Identity", audit_identity(r));
    row.text("Level", Some("4"));
    row.text("Location", None);
    row.serde(
        "AdditionalDetails",
        Json::Dynamic,
        Some(&r.additional_details),
    );
    row.text("Id", Some(&r.id));
    row.serde("InitiatedBy", Json::Dynamic, Some(&r.initiated_by));
    row.text("LoggedByService", r.logged_by_service.as_deref());
    row.text("Result", r.result.as_deref());
    row.text("ResultReason", r.result_reason.as_deref());
    row.serde("TargetResources", Json::Dynamic, Some(&r.target_resources));
    row.text("AADTenantId", tenant);
    row.text("ActivityDisplayName", r.activity_display_name.as_deref());
    row.time("ActivityDateTime", r.activity_date_time);
    row.text("AADOperationType", r.operation_type.as_deref());
    row.text("Type", Some(AUDIT_TABLE));
}

/// Gives `record`'s cells to `row`: a sign-in or an audit.
fn write_record(row: &mut impl Cells, record: &Record, ctx: &Context) {
    match record {
        Record::SignIn(sign_in) => write_sign_in(row, sign_in, ctx),
        Record::Audit(audit) => write_audit(row, audit, ctx),
    }
}

/// One record as a Log Analytics row of its table (`SigninLogs`,
/// `AADNonInteractiveUserSignInLogs` or `AuditLogs`): (column, value) in the order of
/// [`SIGN_IN_COLUMNS`] or [`AUDIT_COLUMNS`], values as `<Table>.ndjson` writes a `SigninLogs`
/// row: datetimes as text, `ResultType` a string, dynamic columns as JSON objects and arrays
/// (also for the non-interactive table, so that their members can be reached). For callers
/// that need one row at a time (the query engine, the Sigma evaluator, `crate::detect`): the
/// values parsing the row's NDJSON line would give, made by the same walk over the columns.
pub fn row_json(record: &Record, tenant_id: &str) -> Vec<(&'static str, Value)> {
    row_json_of(record, tenant_id, None)
}

/// [`row_json`] with only the columns `kept` marks (all when `None`) given their values; the
/// others are `null`.
pub fn row_json_of(
    record: &Record,
    tenant_id: &str,
    kept: Option<&[bool]>,
) -> Vec<(&'static str, Value)> {
    let ctx = Context {
        tenant_id: tenant_id.to_string(),
        resource_id: resource_id(tenant_id),
    };
    let mut row = RowValues::new(columns_of(record), kept);
    write_record(&mut row, record, &ctx);
    row.end()
}

/// The columns of `record`'s table.
fn columns_of(record: &Record) -> &'static [&'static str] {
    match record {
        Record::SignIn(_) => SIGN_IN_COLUMNS,
        Record::Audit(_) => AUDIT_COLUMNS,
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
                table.push(record, &self.context)
            }
            Record::Audit(_) => self.audits.push(record, &self.context),
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
    use super::*;
    use crate::export::test_records::{every_lab_record, sample_audit, sample_sign_in};
    use row::Row;

    fn context() -> Context {
        Context {
            tenant_id: "t".into(),
            resource_id: resource_id("t"),
        }
    }

    #[test]
    fn rows_name_the_columns_in_order() {
        for (record, columns) in [
            (Record::SignIn(Box::new(sample_sign_in())), SIGN_IN_COLUMNS),
            (Record::Audit(Box::new(sample_audit())), AUDIT_COLUMNS),
        ] {
            let names: Vec<_> = row_json(&record, "t").iter().map(|(n, _)| *n).collect();
            assert_eq!(names, columns);
        }
    }

    /// Every record of the labs (scenarios, their folders, a population), in both forms of
    /// the dynamic columns: the NDJSON and CSV lines are the bytes the `Value` encoding wrote.
    #[test]
    fn writes_what_the_value_encoding_wrote_for_every_record_of_the_labs() {
        let ctx = context();
        let mut checked = 0;
        for (path, record) in every_lab_record() {
            for dynamic_as_string in [false, true] {
                let mut row = Row::new(columns_of(&record), dynamic_as_string);
                let (json, csv) = row.write(&record, &ctx);
                let (want_json, want_csv) =
                    value_reference::encode(&record, &ctx, dynamic_as_string);
                let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
                assert_eq!(text(json), text(&want_json), "{}", path.display());
                assert_eq!(text(csv), text(&want_csv), "{}", path.display());
            }
            checked += 1;
        }
        assert!(checked >= 1000, "only {checked} records checked");
    }

    /// `row_json` builds its values without the NDJSON line; for every record of the labs
    /// they are what the line parses to: the same columns in the same order, and the same
    /// JSON when written again (which also holds the key order inside dynamic columns and
    /// tells `1` from `1.0` and `"1"`).
    #[test]
    fn row_json_is_the_ndjson_line_parsed_for_every_record_of_the_labs() {
        let ctx = context();
        let mut checked = [0, 0];
        for (path, record) in every_lab_record() {
            let mut row = Row::new(columns_of(&record), false);
            let (line, _) = row.write(&record, &ctx);
            let line = std::str::from_utf8(line).unwrap().trim_end_matches('\n');
            let parsed: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
            let parsed: Vec<(&str, &Value)> = parsed.iter().map(|(k, v)| (k.as_str(), v)).collect();
            let values = row_json(&record, "t");
            let built: Vec<(&str, &Value)> = values.iter().map(|(k, v)| (*k, v)).collect();
            assert_eq!(built, parsed, "{}", path.display());
            let rewritten: serde_json::Map<String, Value> = values
                .into_iter()
                .map(|(column, value)| (column.to_string(), value))
                .collect();
            assert_eq!(
                Value::Object(rewritten).to_string(),
                line,
                "{}",
                path.display()
            );
            checked[usize::from(matches!(record, Record::Audit(_)))] += 1;
        }
        let [sign_ins, audits] = checked;
        assert!(
            sign_ins >= 1000 && audits >= 10,
            "{sign_ins} sign-ins, {audits} audits"
        );
    }

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let cell = |value: &str| {
            let mut out = Vec::new();
            row::csv_cell(&mut out, value.as_bytes());
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
        assert_eq!(cell("\"\""), "\"\"\"\"\"\"");
    }
}
