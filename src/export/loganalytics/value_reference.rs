//! The `serde_json::Value` encoding of the rows as it was before [`super::row::Row`] (a
//! `Cell` per column, the beta properties looked up in a `Map`, cells written through
//! serde_json and chrono), kept as the reference of the tests: the direct writer must write
//! its bytes.

use super::{AUDIT_COLUMNS, AUDIT_TABLE, Context, SIGN_IN_COLUMNS, SOURCE_SYSTEM, unknown};
use crate::export::beta_fields;
use crate::export::sign_in_logs::SignInLog;
use crate::export::timefmt::{portal_csv, seven_digits};
use crate::export::{RESOURCE_PROVIDER, audit_identity};
use crate::graph::{DirectoryAudit, Record, SignIn, Text, Timestamp};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, Write};

const SIGN_IN_COUNT: usize = SIGN_IN_COLUMNS.len();
const AUDIT_COUNT: usize = AUDIT_COLUMNS.len();

/// One cell of a row.
enum Cell<'a> {
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

fn unknown_text<'r>(r: &'r SignIn, key: &str) -> Cell<'r> {
    match unknown(r, key) {
        None | Some(Value::Null) => Cell::Text(None),
        Some(Value::String(s)) => Cell::Text(Some(s)),
        Some(other) => Cell::Owned(other.to_string()),
    }
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
            Text(Some(crate::export::eventhub::SIGN_IN_OPERATION)),
        ),
        (
            "OperationVersion",
            Text(Some(crate::export::eventhub::OPERATION_VERSION)),
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
            Text(Some(crate::export::eventhub::OPERATION_VERSION)),
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

/// `record`'s NDJSON line and CSV line, as the old `Table` wrote them.
pub(super) fn encode(
    record: &Record,
    ctx: &Context,
    dynamic_as_string: bool,
) -> (Vec<u8>, Vec<u8>) {
    let (mut json, mut csv) = (Vec::new(), Vec::new());
    match record {
        Record::SignIn(r) => {
            let row = sign_in_row(r, ctx);
            write_json(&mut json, &row, dynamic_as_string).unwrap();
            write_csv(&mut csv, &row).unwrap();
        }
        Record::Audit(r) => {
            let row = audit_row(r, ctx);
            write_json(&mut json, &row, dynamic_as_string).unwrap();
            write_csv(&mut csv, &row).unwrap();
        }
    }
    (json, csv)
}

fn write_json(
    out: &mut Vec<u8>,
    row: &[(&'static str, Cell<'_>)],
    dynamic_as_string: bool,
) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (column, cell)) in row.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_json_string(out, column)?;
        out.write_all(b":")?;
        match cell {
            Cell::Text(value) => write_json_string(out, value.unwrap_or(""))?,
            Cell::Owned(value) => write_json_string(out, value)?,
            Cell::Time(time) => write_json_string(out, &seven_digits(*time, "Z"))?,
            Cell::Int(value) => write!(out, "{value}")?,
            Cell::Bool(Some(value)) => write!(out, "{value}")?,
            Cell::Bool(None) => out.write_all(b"null")?,
            // A property the record does not have.
            Cell::Dynamic(text) if text.is_empty() => out.write_all(b"null")?,
            Cell::Dynamic(text) if !dynamic_as_string => out.write_all(text.as_bytes())?,
            Cell::Dynamic(text) | Cell::JsonText(text) => write_json_string(out, text)?,
        }
    }
    out.write_all(b"}\n")
}

fn write_csv(out: &mut Vec<u8>, row: &[(&'static str, Cell<'_>)]) -> io::Result<()> {
    for (i, (_, cell)) in row.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        match cell {
            Cell::Text(value) => write_csv_cell(out, value.unwrap_or(""))?,
            Cell::Owned(value) | Cell::Dynamic(value) | Cell::JsonText(value) => {
                write_csv_cell(out, value)?
            }
            Cell::Time(time) => write_csv_cell(out, &portal_csv(*time))?,
            Cell::Int(value) => write!(out, "{value}")?,
            Cell::Bool(Some(value)) => write!(out, "{value}")?,
            Cell::Bool(None) => {}
        }
    }
    out.write_all(b"\r\n")
}

fn write_json_string(out: &mut impl Write, value: &str) -> io::Result<()> {
    serde_json::to_writer(out, value).map_err(io::Error::other)
}

/// RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled.
fn write_csv_cell(out: &mut impl Write, value: &str) -> io::Result<()> {
    if value.contains([',', '"', '\r', '\n']) {
        out.write_all(b"\"")?;
        let mut rest = value;
        while let Some(at) = rest.find('"') {
            out.write_all(&rest.as_bytes()[..=at])?;
            out.write_all(b"\"")?;
            rest = &rest[at + 1..];
        }
        out.write_all(rest.as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(value.as_bytes())
    }
}
