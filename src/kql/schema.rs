//! The Log Analytics tables over entralab's records: `SigninLogs`,
//! `AADNonInteractiveUserSignInLogs` and `AuditLogs`, with the columns and rows of
//! [`crate::export::loganalytics`], and ID Protection's `AADUserRiskEvents` and
//! `AADRiskyUsers`, with those of [`crate::export::risk`] and the risk files' export; typed as
//! Log Analytics types them.
//!
//! Records reach the engine through one function, [`la_row`]: everything the engine knows
//! about the record model is there.

use super::table::{Column, Row, Table};
use super::value::{Type, Value};
use crate::export::SignInLog;
use crate::export::loganalytics::{
    AUDIT_COLUMNS, AUDIT_TABLE, NON_INTERACTIVE_TABLE, SIGN_IN_COLUMNS, SIGN_IN_TABLE, row_json_of,
};
use crate::export::risk::USER_RISK_EVENT_COLUMNS;
use crate::export::{RISKY_USER_COLUMNS, risky_user_row, user_risk_event_row};
use crate::graph::{Record, RiskDetection, RiskyUserHistoryItem};
use std::collections::BTreeMap;
use std::sync::Arc;

/// ID Protection's detections (one row per `riskDetection`).
pub const RISK_EVENTS_TABLE: &str = "AADUserRiskEvents";
/// ID Protection's risky users (one row per change of a user's risk).
pub const RISKY_USERS_TABLE: &str = "AADRiskyUsers";

/// The tables a workspace of entralab data has.
pub const TABLES: &[&str] = &[
    SIGN_IN_TABLE,
    NON_INTERACTIVE_TABLE,
    AUDIT_TABLE,
    RISK_EVENTS_TABLE,
    RISKY_USERS_TABLE,
];

const DATETIME_COLUMNS: &[&str] = &[
    "TimeGenerated",
    "CreatedDateTime",
    "ActivityDateTime",
    "DetectedDateTime",
    "LastUpdatedDateTime",
    "RiskLastUpdatedDateTime",
];
const LONG_COLUMNS: &[&str] = &["DurationMs"];
const BOOL_COLUMNS: &[&str] = &[
    "IsInteractive",
    "IsRisky",
    "FlaggedForReview",
    "IsDeleted",
    "IsProcessing",
];
/// Dynamic in `SigninLogs` and `AuditLogs`. `AADNonInteractiveUserSignInLogs` types the
/// sign-in ones as strings holding JSON (reference entra-behavior.md 6.3), so queries over it
/// `parse_json` them, as they must in Log Analytics.
const DYNAMIC_COLUMNS: &[&str] = &[
    "Status",
    "DeviceDetail",
    "LocationDetails",
    "ConditionalAccessPolicies",
    "MfaDetail",
    "AuthenticationProcessingDetails",
    "AdditionalDetails",
    "InitiatedBy",
    "TargetResources",
    "AdditionalInfo",
];

/// A column's type in `table`.
pub fn column_type(table: &str, column: &str) -> Type {
    if DATETIME_COLUMNS.contains(&column) {
        Type::DateTime
    } else if LONG_COLUMNS.contains(&column) {
        Type::Long
    } else if BOOL_COLUMNS.contains(&column) {
        Type::Bool
    } else if DYNAMIC_COLUMNS.contains(&column) && table != NON_INTERACTIVE_TABLE
        || (table == RISK_EVENTS_TABLE && column == "Location")
    {
        Type::Dynamic
    } else {
        Type::String
    }
}

/// The empty table `name`, with its columns.
pub fn empty_table(name: &str) -> Option<Table> {
    let columns = match name {
        SIGN_IN_TABLE | NON_INTERACTIVE_TABLE => SIGN_IN_COLUMNS,
        AUDIT_TABLE => AUDIT_COLUMNS,
        RISK_EVENTS_TABLE => USER_RISK_EVENT_COLUMNS,
        RISKY_USERS_TABLE => RISKY_USER_COLUMNS,
        _ => return None,
    };
    Some(Table::new(
        columns
            .iter()
            .map(|c| Column::new(*c, column_type(name, c)))
            .collect(),
    ))
}

/// The Log Analytics table a record is a row of (the export's choice: `SignInLog`).
pub fn table_of(record: &Record) -> &'static str {
    match record {
        Record::Audit(_) => AUDIT_TABLE,
        Record::SignIn(s) => SignInLog::of(s).table(),
    }
}

/// THE adapter from the record model to the engine: a record as the row of its Log
/// Analytics table, typed by [`column_type`]. Returns the table's name and the row.
pub fn la_row(record: &Record, tenant_id: &str) -> (&'static str, Row) {
    la_row_of(record, tenant_id, None)
}

/// [`la_row`] with only the columns `kept` marks (all when `None`) given their values; the
/// others are `null`, and cost nothing to make.
pub fn la_row_of(record: &Record, tenant_id: &str, kept: Option<&[bool]>) -> (&'static str, Row) {
    let cells = row_json_of(record, tenant_id, kept);
    let table = table_of(record);
    let row = cells
        .into_iter()
        .map(|(column, json)| {
            if json.is_null() {
                return Value::Null;
            }
            let ty = column_type(table, column);
            match (&json, ty) {
                // A dynamic column of a string-typed table keeps its JSON as text.
                (serde_json::Value::Object(_) | serde_json::Value::Array(_), Type::String) => {
                    Value::Str(json.to_string())
                }
                _ => Value::from_json(&json).convert(ty),
            }
        })
        .collect();
    (table, row)
}

/// JSON cells typed as `table`'s columns.
fn typed(table: &str, cells: impl IntoIterator<Item = (&'static str, serde_json::Value)>) -> Row {
    cells
        .into_iter()
        .map(|(column, json)| Value::from_json(&json).convert(column_type(table, column)))
        .collect()
}

/// A detection as its `AADUserRiskEvents` row.
pub fn risk_event_row(detection: &RiskDetection, tenant_id: &str) -> Row {
    typed(RISK_EVENTS_TABLE, user_risk_event_row(detection, tenant_id))
}

/// A risky-user change as its `AADRiskyUsers` row.
pub fn risky_user_change_row(change: &RiskyUserHistoryItem, tenant_id: &str) -> Row {
    typed(RISKY_USERS_TABLE, risky_user_row(change, tenant_id))
}

/// The tables a query reads, and the clock it runs at.
#[derive(Debug, Clone)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<Table>>,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::new()
    }
}

impl Catalog {
    /// The three Entra tables, empty.
    pub fn new() -> Catalog {
        let tables = TABLES
            .iter()
            .filter_map(|name| Some((name.to_string(), Arc::new(empty_table(name)?))))
            .collect();
        Catalog { tables }
    }

    /// Only the tables whose names `query` mentions: a query over `AuditLogs` need not hold
    /// every sign-in in memory. A query that names its tables only through values built at
    /// run time (`table(strcat("Signin", "Logs"))`) sees them empty.
    pub fn for_query(query: &str) -> Catalog {
        let mut catalog = Catalog::new();
        catalog
            .tables
            .retain(|name, _| query.contains(name.as_str()));
        catalog
    }

    /// Adds a record to its table (nothing when the catalog leaves that table out).
    pub fn push(&mut self, record: &Record, tenant_id: &str) {
        if !self.tables.contains_key(table_of(record)) {
            return;
        }
        let (table, row) = la_row(record, tenant_id);
        if let Some(t) = self.tables.get_mut(table) {
            Arc::make_mut(t).rows.push(row);
        }
    }

    /// Adds an ID Protection detection to `AADUserRiskEvents` (when the catalog holds it).
    pub fn push_risk_detection(&mut self, detection: &RiskDetection, tenant_id: &str) {
        if let Some(t) = self.tables.get_mut(RISK_EVENTS_TABLE) {
            Arc::make_mut(t)
                .rows
                .push(risk_event_row(detection, tenant_id));
        }
    }

    /// Adds a risky-user change to `AADRiskyUsers` (when the catalog holds it).
    pub fn push_risky_user(&mut self, change: &RiskyUserHistoryItem, tenant_id: &str) {
        if let Some(t) = self.tables.get_mut(RISKY_USERS_TABLE) {
            Arc::make_mut(t)
                .rows
                .push(risky_user_change_row(change, tenant_id));
        }
    }

    /// Adds (or replaces) a table, e.g. a watchlist or a test fixture.
    pub fn insert(&mut self, name: impl Into<String>, table: Table) {
        self.tables.insert(name.into(), Arc::new(table));
    }

    pub fn get(&self, name: &str) -> Option<Arc<Table>> {
        self.tables.get(name).cloned()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// Keeps only the rows whose `TimeGenerated` is within `[from, to]` (100 ns ticks, both
    /// included): the query API's `timespan`, applied before the query runs.
    pub fn restrict_time(&mut self, from: i64, to: i64) {
        for table in self.tables.values_mut() {
            if let Some(at) = table.index_of("TimeGenerated") {
                Arc::make_mut(table)
                    .rows
                    .retain(|r| matches!(r[at], Value::DateTime(t) if (from..=to).contains(&t)));
            }
        }
    }

    /// The latest `TimeGenerated` of any row: the "now" of a query by default.
    pub fn end_of_data(&self) -> Option<i64> {
        self.tables
            .values()
            .filter_map(|t| {
                let at = t.index_of("TimeGenerated")?;
                t.rows
                    .iter()
                    .filter_map(|r| match r[at] {
                        Value::DateTime(ticks) => Some(ticks),
                        _ => None,
                    })
                    .max()
            })
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};

    #[test]
    fn rows_are_typed_as_log_analytics_types_them() {
        let mut catalog = Catalog::new();
        catalog.push(&Record::SignIn(Box::new(sample_sign_in())), "t");
        catalog.push(&Record::Audit(Box::new(sample_audit())), "t");
        let sign_ins = catalog.get(SIGN_IN_TABLE).unwrap();
        assert_eq!(sign_ins.rows.len(), 1);
        let row = &sign_ins.rows[0];
        let at = |name: &str| &row[sign_ins.index_of(name).unwrap()];
        assert!(matches!(at("TimeGenerated"), Value::DateTime(_)));
        assert!(matches!(at("Status"), Value::Dynamic(_)));
        assert!(matches!(at("ResultType"), Value::Str(_)));
        assert_eq!(catalog.get(AUDIT_TABLE).unwrap().rows.len(), 1);
        assert!(catalog.end_of_data().is_some());
    }

    #[test]
    fn a_query_holds_only_the_tables_it_names() {
        let mut catalog = Catalog::for_query("AuditLogs | count");
        catalog.push(&Record::SignIn(Box::new(sample_sign_in())), "t");
        catalog.push(&Record::Audit(Box::new(sample_audit())), "t");
        assert!(catalog.get(SIGN_IN_TABLE).is_none());
        assert_eq!(catalog.get(AUDIT_TABLE).unwrap().rows.len(), 1);
    }

    #[test]
    fn restrict_time_keeps_the_rows_of_the_window() {
        let mut catalog = Catalog::new();
        catalog.push(&Record::SignIn(Box::new(sample_sign_in())), "t");
        let at = catalog.end_of_data().unwrap();
        catalog.restrict_time(at - 10, at);
        assert_eq!(catalog.get(SIGN_IN_TABLE).unwrap().rows.len(), 1);
        catalog.restrict_time(at + 1, at + 10);
        assert_eq!(catalog.get(SIGN_IN_TABLE).unwrap().rows.len(), 0);
    }

    #[test]
    fn non_interactive_dynamic_columns_are_json_text() {
        assert_eq!(
            column_type(NON_INTERACTIVE_TABLE, "DeviceDetail"),
            Type::String
        );
        assert_eq!(column_type(SIGN_IN_TABLE, "DeviceDetail"), Type::Dynamic);
    }
}
