//! A Graph record from a Log Analytics row (`SigninLogs`, `AADNonInteractiveUserSignInLogs`,
//! ..., `AuditLogs`): the reverse of `crate::export::loganalytics`.

use super::graph_record::{boolean, clip, error_code, graph_audit, graph_sign_in};
use super::risk_record::{self, RiskItem, RiskKind};
use super::{Converted, Fallback, Object, SIGN_IN_TABLES};
use crate::export::loganalytics;
use crate::graph::{DirectoryAudit, Record, SignIn};
use crate::logfiles::Shape;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A Log Analytics row, with column names compared without case and without the suffixes
/// custom tables and CSV exports add (`Status_dynamic`, `ResultType_s`, `TimeGenerated [UTC]`).
struct Row(HashMap<String, Value>);

pub(crate) fn column_key(name: &str) -> String {
    let mut name = name.trim();
    if let Some(at) = name.find(" [") {
        name = name[..at].trim_end();
    }
    let lower = name.to_ascii_lowercase();
    for suffix in ["_dynamic", "_string", "_s", "_d", "_b", "_t", "_g"] {
        if let Some(base) = lower.strip_suffix(suffix)
            && !base.is_empty()
            && !base.ends_with('_')
        {
            return base.to_string();
        }
    }
    lower
}

impl Row {
    fn new(object: Object) -> Self {
        let mut map = HashMap::with_capacity(object.len());
        for (key, value) in object {
            map.entry(column_key(&key)).or_insert(value);
        }
        Row(map)
    }

    fn get(&self, column: &str) -> Option<&Value> {
        self.0
            .get(&column.to_ascii_lowercase())
            .filter(|v| !v.is_null())
    }

    fn has(&self, column: &str) -> bool {
        self.0.contains_key(&column.to_ascii_lowercase())
    }

    /// A string column as Graph text (numbers and booleans as their text).
    fn text(&self, column: &str) -> Option<Value> {
        Some(Value::String(match self.get(column)? {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }))
    }

    /// The first of `columns` that has a non-empty value.
    fn first_text(&self, columns: &[&str]) -> Option<Value> {
        columns
            .iter()
            .filter_map(|c| self.text(c))
            .find(|v| v.as_str() != Some(""))
    }

    /// A dynamic column (JSON, or a string holding JSON); empty is `None`.
    fn dynamic(&self, column: &str) -> Result<Option<Value>, String> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => serde_json::from_str(text).map(Some).map_err(|e| {
                format!(
                    "column `{column}`: expected JSON text, found `{}` ({e})",
                    clip(text)
                )
            }),
            Some(other) => Ok(Some(other.clone())),
        }
    }
}

pub(super) fn log_analytics(object: Object, shape: Shape) -> Result<Converted, String> {
    let row = Row::new(object);
    let table = row
        .text("Type")
        .and_then(|v| v.as_str().map(str::to_string));
    let table = table.filter(|t| !t.is_empty());
    let sign_in_table = table.as_deref().and_then(|t| {
        SIGN_IN_TABLES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(t))
            .map(|(_, event_type)| *event_type)
    });
    let audit = match &table {
        Some(t) if t.eq_ignore_ascii_case("AuditLogs") => true,
        Some(t) if sign_in_table.is_none() => {
            return match risk_record::table_kind(t) {
                Some(kind) => la_risk(&row, kind).map(|r| Converted::Risk(Box::new(r))),
                None => Ok(Converted::Skipped(t.clone())),
            };
        }
        Some(_) => false,
        None => [
            "ActivityDisplayName",
            "ActivityDateTime",
            "InitiatedBy",
            "TargetResources",
            "LoggedByService",
            "AADOperationType",
        ]
        .iter()
        .any(|c| row.has(c)),
    };
    if audit {
        la_audit(&row).map(|a| Converted::Record(Record::Audit(Box::new(a)), shape))
    } else {
        la_sign_in(&row, sign_in_table)
            .map(|s| Converted::Record(Record::SignIn(Box::new(s)), shape))
    }
}

fn put(object: &mut Object, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value);
    }
}

fn la_sign_in(row: &Row, event_type: Option<&'static str>) -> Result<SignIn, String> {
    let mut g = Object::new();
    put(&mut g, "id", row.first_text(&["Id", "OriginalRequestId"]));
    put(
        &mut g,
        "createdDateTime",
        row.first_text(&["CreatedDateTime", "TimeGenerated"]),
    );
    put(
        &mut g,
        "userDisplayName",
        row.text("UserDisplayName").or_else(|| row.text("Identity")),
    );
    for (graph, column) in [
        ("userPrincipalName", "UserPrincipalName"),
        ("userId", "UserId"),
        ("appId", "AppId"),
        ("appDisplayName", "AppDisplayName"),
        ("ipAddress", "IPAddress"),
        ("clientAppUsed", "ClientAppUsed"),
        ("correlationId", "CorrelationId"),
        ("conditionalAccessStatus", "ConditionalAccessStatus"),
        ("riskDetail", "RiskDetail"),
        ("riskLevelAggregated", "RiskLevelAggregated"),
        ("riskLevelDuringSignIn", "RiskLevelDuringSignIn"),
        ("riskState", "RiskState"),
        ("resourceDisplayName", "ResourceDisplayName"),
        ("resourceId", "ResourceIdentity"),
        ("homeTenantId", "HomeTenantId"),
        ("resourceTenantId", "ResourceTenantId"),
        ("servicePrincipalId", "ServicePrincipalId"),
        ("servicePrincipalName", "ServicePrincipalName"),
        ("userAgent", "UserAgent"),
    ] {
        put(&mut g, graph, row.text(column));
    }
    match row.get("IsInteractive").map(boolean) {
        Some(Some(b)) => put(&mut g, "isInteractive", b.map(Value::Bool)),
        Some(None) => return Err("column `IsInteractive`: expected true or false".into()),
        None => {}
    }
    put(&mut g, "riskEventTypes", row.dynamic("RiskEventTypes")?);
    put(
        &mut g,
        "riskEventTypes_v2",
        row.dynamic("RiskEventTypes_V2")?,
    );
    let status = match row.dynamic("Status")? {
        Some(status) => status,
        None => {
            let Some(code) = row.get("ResultType") else {
                return Err("no `Status` and no `ResultType` column: the result is unknown".into());
            };
            let code = error_code(code).map_err(|e| format!("column `ResultType`: {e}"))?;
            json!({ "errorCode": code, "failureReason": row.text("ResultDescription") })
        }
    };
    g.insert("status".into(), status);
    put(&mut g, "deviceDetail", row.dynamic("DeviceDetail")?);
    let location = match row.dynamic("LocationDetails")? {
        Some(location) => location,
        None => json!({ "countryOrRegion": row.text("Location") }),
    };
    g.insert("location".into(), location);
    put(
        &mut g,
        "appliedConditionalAccessPolicies",
        row.dynamic("ConditionalAccessPolicies")?,
    );
    for (graph, column) in [
        ("userType", "UserType"),
        ("authenticationRequirement", "AuthenticationRequirement"),
        ("authenticationProtocol", "AuthenticationProtocol"),
        ("tokenIssuerType", "TokenIssuerType"),
        ("tokenIssuerName", "TokenIssuerName"),
        ("crossTenantAccessType", "CrossTenantAccessType"),
        ("incomingTokenType", "IncomingTokenType"),
        ("originalRequestId", "OriginalRequestId"),
        ("uniqueTokenIdentifier", "UniqueTokenIdentifier"),
        (
            "processingTimeInMilliseconds",
            "ProcessingTimeInMilliseconds",
        ),
        ("autonomousSystemNumber", "AutonomousSystemNumber"),
        ("flaggedForReview", "FlaggedForReview"),
    ] {
        put(&mut g, graph, row.text(column));
    }
    for (graph, column) in [
        ("authenticationDetails", "AuthenticationDetails"),
        ("authenticationMethodsUsed", "AuthenticationMethodsUsed"),
        (
            "authenticationProcessingDetails",
            "AuthenticationProcessingDetails",
        ),
        (
            "authenticationRequirementPolicies",
            "AuthenticationRequirementPolicies",
        ),
        ("mfaDetail", "MfaDetail"),
        ("networkLocationDetails", "NetworkLocationDetails"),
        ("sessionLifetimePolicies", "SessionLifetimePolicies"),
    ] {
        put(&mut g, graph, row.dynamic(column)?);
    }
    for (property, column) in loganalytics::UNMODELLED_COLUMNS {
        let value = match row.get(column) {
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(Value::String(text)) if text.starts_with(['[', '{']) => row.dynamic(column)?,
            Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => Some(json!(true)),
            Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => Some(json!(false)),
            other => other.cloned(),
        };
        put(&mut g, property, value);
    }
    graph_sign_in(
        g,
        &Fallback {
            event_type,
            diagnostic: true,
            ..Fallback::default()
        },
    )
}

fn la_audit(row: &Row) -> Result<DirectoryAudit, String> {
    let mut g = Object::new();
    put(&mut g, "id", row.text("Id"));
    put(&mut g, "category", row.text("Category"));
    put(&mut g, "correlationId", row.text("CorrelationId"));
    put(
        &mut g,
        "result",
        row.text("Result").or_else(|| row.text("ResultType")),
    );
    put(
        &mut g,
        "resultReason",
        row.text("ResultReason")
            .or_else(|| row.text("ResultDescription")),
    );
    put(
        &mut g,
        "activityDisplayName",
        row.text("ActivityDisplayName")
            .or_else(|| row.text("OperationName")),
    );
    put(
        &mut g,
        "activityDateTime",
        row.first_text(&["ActivityDateTime", "TimeGenerated"]),
    );
    put(&mut g, "loggedByService", row.text("LoggedByService"));
    put(
        &mut g,
        "operationType",
        row.text("AADOperationType")
            .or_else(|| row.text("OperationType")),
    );
    put(&mut g, "initiatedBy", row.dynamic("InitiatedBy")?);
    put(&mut g, "targetResources", row.dynamic("TargetResources")?);
    put(
        &mut g,
        "additionalDetails",
        row.dynamic("AdditionalDetails")?,
    );
    graph_audit(g, &Fallback::default())
}

/// The Graph properties an ID Protection table holds, as PascalCase columns (the Graph name
/// with its first letter upper-case); the tables' own columns (`TimeGenerated`,
/// `OperationName`, `SourceSystem`, ...) are not the record's.
const DETECTION_TEXT_COLUMNS: &[&str] = &[
    "Id",
    "RequestId",
    "CorrelationId",
    "RiskEventType",
    "RiskState",
    "RiskLevel",
    "RiskDetail",
    "Source",
    "DetectionTimingType",
    "Activity",
    "TokenIssuerType",
    "IpAddress",
    "ActivityDateTime",
    "DetectedDateTime",
    "LastUpdatedDateTime",
    "UserId",
    "UserDisplayName",
    "UserPrincipalName",
];
/// The detection's properties Graph may leave null (an offline detection has no request,
/// correlation or address): the table's string columns are never null, so an empty one is the
/// property's null.
const DETECTION_NULLABLE_COLUMNS: &[&str] = &["RequestId", "CorrelationId", "IpAddress"];

const RISKY_USER_TEXT_COLUMNS: &[&str] = &[
    "Id",
    "RiskLastUpdatedDateTime",
    "RiskLevel",
    "RiskState",
    "RiskDetail",
    "UserDisplayName",
    "UserPrincipalName",
];

/// `riskDetection` from `AADUserRiskEvents`, `riskyUser` from `AADRiskyUsers`.
fn la_risk(row: &Row, kind: RiskKind) -> Result<RiskItem, String> {
    let camel = |column: &str| column[..1].to_ascii_lowercase() + &column[1..];
    let mut g = Object::new();
    let texts = match kind {
        RiskKind::Detection => DETECTION_TEXT_COLUMNS,
        RiskKind::User => RISKY_USER_TEXT_COLUMNS,
    };
    for column in texts {
        let mut value = row.text(column);
        if DETECTION_NULLABLE_COLUMNS.contains(column) {
            value = value.filter(|v| v.as_str() != Some(""));
        }
        put(&mut g, &camel(column), value);
    }
    match kind {
        RiskKind::Detection => {
            // Graph holds `additionalInfo` as a string of JSON; the table as JSON.
            let info = match row.get("AdditionalInfo") {
                Some(Value::String(text)) => Some(Value::String(text.clone())),
                Some(other) => Some(Value::String(other.to_string())),
                None => None,
            };
            put(&mut g, "additionalInfo", info);
            put(&mut g, "location", row.dynamic("Location")?);
        }
        RiskKind::User => {
            for column in ["IsDeleted", "IsProcessing"] {
                let flag = match row.get(column) {
                    None => None,
                    Some(value) => boolean(value)
                        .ok_or_else(|| format!("column `{column}`: expected true or false"))?,
                };
                put(&mut g, &camel(column), flag.map(Value::Bool));
            }
        }
    }
    let change_id = row.text("CorrelationId");
    risk_record::from_graph(kind, g)
        .map(|item| item.of_change(change_id.as_ref().and_then(Value::as_str)))
}

/// A CSV row: every cell a string.
pub(crate) fn convert_csv_row(row: Object) -> Result<Converted, String> {
    log_analytics(row, Shape::LogAnalyticsCsv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_keys_drop_case_and_export_suffixes() {
        assert_eq!(column_key("Status_dynamic"), "status");
        assert_eq!(column_key("TimeGenerated [UTC]"), "timegenerated");
        assert_eq!(column_key("ResultType_s"), "resulttype");
        assert_eq!(column_key("RiskEventTypes_V2"), "riskeventtypes_v2");
        assert_eq!(column_key("IPAddress"), "ipaddress");
    }
}
