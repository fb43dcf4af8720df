//! One record as a Sigma event, under the three namings SigmaHQ's Azure rules use.
//!
//! A field is looked up, in this order, in:
//!
//! 1. the **Log Analytics** row ([`crate::export::loganalytics::row_json`]): `ResultType`,
//!    `ResultDescription`, `UserPrincipalName`, `IPAddress`, `AuthenticationRequirement`,
//!    `ClientAppUsed`, `OperationName`, ... A dynamic column named whole (`Status`,
//!    `DeviceDetail`) is its JSON text, as KQL compares it; a dotted path reaches inside it
//!    (`DeviceDetail.isCompliant`, `LocationDetails.countryOrRegion`);
//! 2. the **Event Hub** record ([`crate::export::eventhub`]): `resultType`, `operationName`,
//!    `callerIpAddress`, `category`, `properties.status.errorCode`, `properties.appId`, ...;
//! 3. the **Graph** record, which is the Event Hub record's `properties` (every v1.0 property,
//!    plus for sign-ins the beta ones Event Hub carries): `userAgent`, `status.errorCode`,
//!    `clientAppUsed`, `authenticationRequirement`, ...;
//! 4. failing all three, the same path with its first segment matched without regard to
//!    case, so that `resulttype` and `Resultdescription` (spellings found in upstream rules)
//!    find `resultType` and `ResultDescription`.
//!
//! Where two namings use one name for different things the earlier layer wins: `resourceId`
//! is the Event Hub envelope's, `category` the envelope's (`SignInLogs`, `AuditLogs`).
//! Numbers and strings compare either way (rsigma's matchers coerce): `ResultType: 50053` and
//! `ResultType: '50053'` both match the string `"50053"`, and `status.errorCode: '50053'` the
//! number.
//!
//! Most lookups never build those layers: the field paths rules commonly use are answered
//! straight from the typed record ([`super::fields`]), with exactly the value the layered
//! lookup would give. Any other path, a keyword search or [`Event::to_json`] builds the three
//! layers once, on first need.

use super::fields;
use crate::export::{eventhub, loganalytics, resource_id};
use crate::graph::{Record, RiskDetection};
use rsigma_eval::event::{Event, EventValue};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A record's log source as fields (rsigma's log source extractor reads them; the evaluator
/// itself knows each record's service, see `by_service`); no record has them.
pub(crate) const PRODUCT_FIELD: &str = "\u{0}entralab.product";
pub(crate) const SERVICE_FIELD: &str = "\u{0}entralab.service";

/// A record under all three namings.
pub struct RecordEvent<'r> {
    source: Source<'r>,
    tenant_id: &'r str,
    service: &'static str,
    /// The three namings as JSON, built on the first lookup [`fields`] cannot answer.
    layers: OnceCell<Layers>,
}

/// The typed record an event reads.
#[derive(Clone, Copy)]
pub(super) enum Source<'r> {
    Record(&'r Record),
    Risk(&'r RiskDetection),
}

/// A record materialised under the three namings, for the layered lookup.
pub(super) struct Layers {
    /// The Log Analytics row, in column order; [`column_index`] finds a column.
    pub(super) la: Vec<(&'static str, Value)>,
    pub(super) la_index: &'static HashMap<&'static str, usize>,
    pub(super) eh: Value,
}

/// Column name → position, for the sign-in tables or `AuditLogs`.
fn column_index(audit: bool) -> &'static HashMap<&'static str, usize> {
    static SIGN_IN: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    static AUDIT: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    let (cell, columns) = if audit {
        (&AUDIT, loganalytics::AUDIT_COLUMNS)
    } else {
        (&SIGN_IN, loganalytics::SIGN_IN_COLUMNS)
    };
    cell.get_or_init(|| columns.iter().enumerate().map(|(i, c)| (*c, i)).collect())
}

impl<'r> RecordEvent<'r> {
    pub fn new(record: &'r Record, tenant_id: &'r str) -> Self {
        let service = match record {
            Record::SignIn(_) => "signinlogs",
            Record::Audit(_) => "auditlogs",
        };
        RecordEvent {
            source: Source::Record(record),
            tenant_id,
            service,
            layers: OnceCell::new(),
        }
    }

    /// An ID Protection detection (`service: riskdetection`); see [`super::risk_event`].
    pub(super) fn of_risk(detection: &'r RiskDetection, tenant_id: &'r str) -> Self {
        RecordEvent {
            source: Source::Risk(detection),
            tenant_id,
            service: "riskdetection",
            layers: OnceCell::new(),
        }
    }

    /// The three layers, built on first need.
    pub(super) fn layers(&self) -> &Layers {
        self.layers.get_or_init(|| match self.source {
            Source::Record(record) => Layers::of_record(record, self.tenant_id),
            Source::Risk(detection) => Layers::of_risk(detection, self.tenant_id),
        })
    }

    /// The layered lookup alone, bypassing [`fields`] (for the differential tests).
    #[cfg(test)]
    pub(super) fn layered_field(&self, path: &str) -> Option<EventValue<'_>> {
        self.layers().get_field(path)
    }
}

impl Layers {
    fn of_record(record: &Record, tenant_id: &str) -> Self {
        let resource = resource_id(tenant_id);
        let eh = match record {
            Record::SignIn(sign_in) => serde_json::to_value(eventhub::EventHubSignIn {
                sign_in,
                tenant_id,
                resource_id: &resource,
            }),
            Record::Audit(audit) => serde_json::to_value(eventhub::EventHubAudit {
                audit,
                tenant_id,
                resource_id: &resource,
            }),
        };
        let la = loganalytics::row_json(record, tenant_id);
        let la_index = column_index(matches!(record, Record::Audit(_)));
        debug_assert!(la.iter().enumerate().all(|(i, (c, _))| la_index[c] == i));
        Layers {
            la,
            la_index,
            eh: eh.unwrap_or(Value::Null),
        }
    }

    fn la_column(&self, name: &str) -> Option<&Value> {
        self.la_index.get(name).map(|&i| &self.la[i].1)
    }

    /// `path` in the Log Analytics row: a column, or a dotted path into a dynamic one.
    fn la_lookup(&self, path: &str) -> Option<EventValue<'_>> {
        if let Some(value) = self.la_column(path) {
            // A dynamic column named whole compares as its JSON text.
            return Some(match value {
                Value::Object(_) | Value::Array(_) => {
                    EventValue::Str(Cow::Owned(value.to_string()))
                }
                other => EventValue::from(other),
            });
        }
        let (first, rest) = path.split_once('.')?;
        let mut found = Vec::new();
        walk(
            self.la_column(first)?,
            &rest.split('.').collect::<Vec<_>>(),
            &mut found,
        );
        match found.len() {
            0 => None,
            1 => found.pop(),
            _ => Some(EventValue::Array(found)),
        }
    }

    pub(super) fn graph(&self) -> &Value {
        self.eh.get("properties").unwrap_or(&Value::Null)
    }

    fn exact(&self, path: &str) -> Option<EventValue<'_>> {
        self.la_lookup(path)
            .or_else(|| lookup(&self.eh, path))
            .or_else(|| lookup(self.graph(), path))
    }
}

/// `path` in `value`: a key as it is, else a dotted path; crossing an array follows every
/// element (any of them may match), as rsigma's own JSON events do.
fn lookup<'a>(value: &'a Value, path: &str) -> Option<EventValue<'a>> {
    let map = value.as_object()?;
    if let Some(v) = map.get(path) {
        return Some(EventValue::from(v));
    }
    if !path.contains('.') {
        return None;
    }
    let mut found = Vec::new();
    walk(value, &path.split('.').collect::<Vec<_>>(), &mut found);
    match found.len() {
        0 => None,
        1 => found.pop(),
        _ => Some(EventValue::Array(found)),
    }
}

fn walk<'a>(value: &'a Value, segments: &[&str], found: &mut Vec<EventValue<'a>>) {
    match (value, segments.split_first()) {
        (_, None) => found.push(EventValue::from(value)),
        (Value::Object(map), Some((first, rest))) => {
            if let Some(next) = map.get(*first) {
                walk(next, rest, found);
            }
        }
        (Value::Array(items), Some(_)) => {
            for item in items {
                walk(item, segments, found);
            }
        }
        _ => {}
    }
}

impl Layers {
    /// The layered lookup (see the module documentation).
    pub(super) fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if let Some(found) = self.exact(path) {
            return Some(found);
        }
        // Case-insensitive first segment.
        let (first, rest) = match path.find('.') {
            Some(i) => (&path[..i], &path[i..]),
            None => (path, ""),
        };
        let different_case = |k: &&str| *k != first && k.eq_ignore_ascii_case(first);
        let key = self
            .la
            .iter()
            .map(|(c, _)| *c)
            .find(different_case)
            .or_else(|| {
                [&self.eh, self.graph()]
                    .into_iter()
                    .filter_map(Value::as_object)
                    .find_map(|map| map.keys().map(String::as_str).find(different_case))
            })?;
        self.exact(&format!("{key}{rest}"))
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        // The Graph layer is inside the Event Hub one.
        for (_, value) in &self.la {
            collect_strings(value, visit);
        }
        collect_strings(&self.eh, visit);
    }
}

impl RecordEvent<'_> {
    /// [`Event::get_field`], with `path`'s route kept in `cell` (see [`fields::RouteCell`]).
    pub(super) fn get_field_via(
        &self,
        path: &str,
        cell: &fields::RouteCell,
    ) -> Option<EventValue<'_>> {
        if path == PRODUCT_FIELD || path == SERVICE_FIELD {
            return self.get_field(path);
        }
        if let Source::Record(record) = self.source
            && let Some(answer) = fields::direct_via(record, self.tenant_id, path, cell)
        {
            return answer;
        }
        self.layers().get_field(path)
    }
}

impl Event for RecordEvent<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if path == PRODUCT_FIELD {
            return Some(EventValue::Str(Cow::Borrowed("azure")));
        }
        if path == SERVICE_FIELD {
            return Some(EventValue::Str(Cow::Borrowed(self.service)));
        }
        if let Source::Record(record) = self.source
            && let Some(answer) = fields::direct(record, self.tenant_id, path)
        {
            return answer;
        }
        self.layers().get_field(path)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.visit_string_values(&mut |s| found = found || pred(s));
        found
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut all = Vec::new();
        self.visit_string_values(&mut |s| all.push(Cow::Owned(s.to_string())));
        all
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        self.layers().visit_string_values(visit)
    }

    fn to_json(&self) -> Value {
        self.layers().graph().clone()
    }
}

fn collect_strings(value: &Value, visit: &mut dyn FnMut(&str)) {
    match value {
        Value::String(s) => visit(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, visit)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, visit)),
        _ => {}
    }
}
