//! ID Protection records in the logs: a risk detection or a risky user's state, from a Graph
//! object (a `riskDetections` / `riskyUsers` / `riskyUserHistory` item), a diagnostic-settings
//! record (categories `UserRiskEvents`, `RiskyUsers`: the Graph object under `properties`, as
//! Elastic's azure integration reads them from Event Hubs) or a Log Analytics row
//! (`AADUserRiskEvents`, `AADRiskyUsers`: the Graph properties in PascalCase). The reverse of
//! `crate::export::risk` and `crate::export::risk_files`.

use super::Object;
use crate::graph::{
    Precision, RiskDetection, RiskUserActivity, RiskyUser, RiskyUserHistoryItem, Text,
};
use crate::logfiles::parse_timestamp;
use serde_json::Value;

/// An ID Protection record read from a log.
#[derive(Debug, Clone, PartialEq)]
pub enum RiskItem {
    Detection(Box<RiskDetection>),
    /// A risky user's state at one change (`riskLastUpdatedDateTime`), as the Event Hub,
    /// Log Analytics and Graph's `riskyUsers` hold it; with the change's id where the record
    /// names it (the Event Hub `correlationId`, the table's `CorrelationId`).
    User {
        state: RiskyUser,
        change_id: Option<Text>,
    },
    /// A change as Graph's history lists it (`riskyUserHistory.ndjson`): the state it leaves,
    /// who made it and why.
    Change(Box<RiskyUserHistoryItem>),
}

impl RiskItem {
    /// The state a risky-user record leaves its user in; `None` for a detection.
    pub fn user_state(&self) -> Option<RiskyUser> {
        match self {
            RiskItem::Detection(_) => None,
            RiskItem::User { state, .. } => Some(state.clone()),
            RiskItem::Change(change) => Some(change.user()),
        }
    }

    /// A risky-user record as a history item, for the files that list changes. A record of
    /// the user's state alone says neither who changed it nor which detections did: its item
    /// has the change's id, else the user's own (as Graph's items do), `initiatedBy` null, and
    /// an `activity` of its `riskDetail` with no `riskEventTypes`. `None` for a detection.
    pub fn into_history_item(self) -> Option<RiskyUserHistoryItem> {
        match self {
            RiskItem::Detection(_) => None,
            RiskItem::Change(change) => Some(*change),
            RiskItem::User { state, change_id } => Some(RiskyUserHistoryItem {
                user_id: state.id.clone(),
                initiated_by: None,
                activity: RiskUserActivity {
                    detail: state.risk_detail.clone(),
                    risk_event_types: Vec::new(),
                },
                risk: RiskyUser {
                    id: change_id.unwrap_or_else(|| state.id.clone()),
                    ..state
                },
            }),
        }
    }

    /// The record with the id of the change its envelope or row names, for a user's state.
    pub(super) fn of_change(self, change_id: Option<&str>) -> Self {
        match self {
            RiskItem::User { state, .. } => RiskItem::User {
                state,
                change_id: change_id.filter(|id| !id.is_empty()).map(Text::from),
            },
            other => other,
        }
    }
}

/// Which of the two a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RiskKind {
    Detection,
    User,
}

/// The diagnostic-settings categories of ID Protection.
const CATEGORIES: &[(&str, RiskKind)] = &[
    ("UserRiskEvents", RiskKind::Detection),
    ("RiskyUsers", RiskKind::User),
];

/// The Log Analytics tables of ID Protection.
const TABLES: &[(&str, RiskKind)] = &[
    ("AADUserRiskEvents", RiskKind::Detection),
    ("AADRiskyUsers", RiskKind::User),
];

fn kind_of(names: &[(&str, RiskKind)], name: &str) -> Option<RiskKind> {
    names
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, kind)| *kind)
}

/// The kind of record a diagnostic-settings `category` holds, when it is ID Protection's.
pub(super) fn category_kind(category: &str) -> Option<RiskKind> {
    kind_of(CATEGORIES, category)
}

/// The kind of record a Log Analytics table holds, when it is ID Protection's.
pub(super) fn table_kind(table: &str) -> Option<RiskKind> {
    kind_of(TABLES, table)
}

/// The kind of a bare Graph object, by the properties only that resource has: a detection's
/// `riskEventType` and `detectionTimingType` (it also has `activityDateTime`, which would
/// otherwise read as an audit), a risky user's `riskLastUpdatedDateTime`.
pub(super) fn graph_kind(object: &Object) -> Option<RiskKind> {
    if object.contains_key("riskEventType") && object.contains_key("detectionTimingType") {
        Some(RiskKind::Detection)
    } else if object.contains_key("riskLastUpdatedDateTime") {
        Some(RiskKind::User)
    } else {
        None
    }
}

/// The record of a Graph object of `kind`: timestamps in any spelling the exports use
/// (`2022-09-09T8:48:50.361Z` in Elastic's samples), properties it does not model ignored. A
/// history item (`userId` beside the item's own `id`, and an `activity`) is kept whole.
pub(super) fn from_graph(kind: RiskKind, mut object: Object) -> Result<RiskItem, String> {
    for (key, value) in object.iter_mut() {
        if key.ends_with("DateTime")
            && let Value::String(text) = value
        {
            let time =
                parse_timestamp(text).ok_or_else(|| format!("`{key}`: `{text}` is not a time"))?;
            *text = time.to_graph_string(Precision::Ticks);
        }
    }
    let value = Value::Object(object);
    let item = match kind {
        RiskKind::Detection => {
            serde_json::from_value(value).map(|d| RiskItem::Detection(Box::new(d)))
        }
        RiskKind::User if is_history_item(&value) => {
            serde_json::from_value(value).map(|h| RiskItem::Change(Box::new(h)))
        }
        RiskKind::User => serde_json::from_value(value).map(|state| RiskItem::User {
            state,
            change_id: None,
        }),
    };
    item.map_err(|e| {
        let what = match kind {
            RiskKind::Detection => "a riskDetection",
            RiskKind::User => "a riskyUser",
        };
        format!("not {what}: {e}")
    })
}

fn is_history_item(value: &Value) -> bool {
    value.get("userId").is_some() && value.get("activity").is_some_and(Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Object {
        match value {
            Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    fn detection() -> Value {
        json!({
            "id": "d1", "requestId": "r1", "correlationId": "c1",
            "riskType": "anonymizedIPAddress", "riskEventType": "anonymizedIPAddress",
            "riskState": "atRisk", "riskLevel": "high", "riskDetail": "none",
            "source": "IdentityProtection", "detectionTimingType": "realtime",
            "activity": "signin", "ipAddress": "203.0.113.9",
            "location": {"city": "Dresden", "state": "Sachsen", "countryOrRegion": "DE",
                "geoCoordinates": {"altitude": 0, "latitude": 51.07, "longitude": 13.73}},
            "activityDateTime": "2022-08-22T18:05:06.133Z",
            "detectedDateTime": "2022-09-09T8:48:50.361Z",
            "lastUpdatedDateTime": "2022-08-22T18:07:16.894Z",
            "userId": "u1", "userDisplayName": "Joe", "userPrincipalName": "joe@contoso.com",
            "additionalInfo": "[]", "tokenIssuerType": "AzureAD", "userType": "member"
        })
    }

    #[test]
    fn a_detection_reads_with_loose_times_and_unmodelled_properties() {
        let raw = object(detection());
        assert_eq!(graph_kind(&raw), Some(RiskKind::Detection));
        let RiskItem::Detection(d) = from_graph(RiskKind::Detection, raw).unwrap() else {
            panic!("not a detection");
        };
        assert_eq!(&*d.risk_event_type, "anonymizedIPAddress");
        assert_eq!(d.detected_date_time.to_string(), "2022-09-09T08:48:50.361Z");
        assert_eq!(d.location.unwrap().country_or_region.as_deref(), Some("DE"));
    }

    #[test]
    fn a_history_item_is_its_users_state() {
        let item = object(json!({
            "id": "h1", "userId": "u1", "isDeleted": false, "isProcessing": false,
            "riskLastUpdatedDateTime": "2025-03-20T01:40:00Z", "riskLevel": "high",
            "riskState": "atRisk", "riskDetail": "none", "userDisplayName": "Joe",
            "userPrincipalName": "joe@contoso.com", "initiatedBy": null,
            "activity": {"detail": "none", "riskEventTypes": ["leakedCredentials"]}
        }));
        assert_eq!(graph_kind(&item), Some(RiskKind::User));
        let read = from_graph(RiskKind::User, item).unwrap();
        let user = read.user_state().unwrap();
        assert_eq!(&*user.id, "u1");
        assert_eq!(&*user.risk_level, "high");
        let item = read.into_history_item().unwrap();
        assert_eq!((&*item.risk.id, &*item.user_id), ("h1", "u1"));
        assert_eq!(
            &*item.activity.risk_event_types,
            ["leakedCredentials".into()]
        );
    }

    #[test]
    fn a_users_state_alone_is_a_history_item_of_its_own_id_by_nobody_for_no_named_detection() {
        let state = object(json!({
            "id": "u1", "isDeleted": false, "isProcessing": false,
            "riskLastUpdatedDateTime": "2025-03-20T01:40:00Z", "riskLevel": "none",
            "riskState": "remediated", "riskDetail": "userPerformedSecuredPasswordReset",
            "userDisplayName": "Joe", "userPrincipalName": "joe@contoso.com"
        }));
        let read = from_graph(RiskKind::User, state).unwrap();
        let user = read.user_state().unwrap();
        let item = read.into_history_item().unwrap();
        assert_eq!(item.user(), user);
        assert_eq!(
            (&*item.risk.id, &*item.user_id, item.initiated_by),
            ("u1", "u1", None)
        );
        assert_eq!(&*item.activity.detail, "userPerformedSecuredPasswordReset");
        assert!(item.activity.risk_event_types.is_empty());
        let detection = from_graph(RiskKind::Detection, object(detection())).unwrap();
        assert!(detection.user_state().is_none() && detection.into_history_item().is_none());
    }

    #[test]
    fn what_is_missing_or_wrong_is_named() {
        let mut raw = object(detection());
        raw.remove("userId");
        let e = from_graph(RiskKind::Detection, raw).unwrap_err();
        assert!(e.contains("riskDetection") && e.contains("userId"), "{e}");
        let mut raw = object(detection());
        raw.insert("activityDateTime".into(), json!("yesterday"));
        let e = from_graph(RiskKind::Detection, raw).unwrap_err();
        assert!(e.contains("`activityDateTime`: `yesterday`"), "{e}");
    }

    #[test]
    fn names_are_matched_without_case() {
        assert_eq!(category_kind("userriskevents"), Some(RiskKind::Detection));
        assert_eq!(category_kind("RiskyUsers"), Some(RiskKind::User));
        assert_eq!(category_kind("RiskyServicePrincipals"), None);
        assert_eq!(table_kind("AADRiskyUsers"), Some(RiskKind::User));
        assert_eq!(table_kind("SigninLogs"), None);
    }
}

/// What the exports write of a tenant's ID Protection records reads back as they were, in
/// every shape: nothing lost, nothing changed.
#[cfg(test)]
mod round_trip {
    use super::RiskItem;
    use crate::export::risk::user_risk_event_hub;
    use crate::export::risk_files::risky_user_hub;
    use crate::export::risky_user_row;
    use crate::export::user_risk_event_row;
    use crate::graph::{RiskDetection, RiskyUserHistoryItem};
    use crate::logfiles::{ReadSummary, read_from};
    use serde_json::{Map, Value};
    use std::path::Path;

    const TENANT: &str = "e17a1ab0-0000-4000-8000-000000000101";

    fn read(lines: &[Value]) -> ReadSummary {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        read_from("risk.json", text.as_bytes(), |r| {
            panic!("a log record: {r:?}")
        })
        .unwrap()
    }

    /// The lab's detections and risky-user changes, and each export shape's lines of them.
    struct LabRisk {
        /// As every shape but Graph's history reads them: the users' states.
        states: Vec<RiskItem>,
        /// As Graph's history reads them: the changes whole.
        changes: Vec<RiskItem>,
        shapes: [(&'static str, Vec<Value>); 3],
    }

    fn the_labs_risk() -> LabRisk {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join("scenarios/identity-protection/lab-anonymous-travel-sspr.yaml");
        let scenario = crate::scenario::load_file(&path).unwrap();
        let (_, risk) = crate::sim::risk::simulate_tenant_with_risk(&[&scenario]);
        assert!(risk.detections.len() >= 5 && risk.history.len() >= 2);
        let detections = || {
            risk.detections
                .iter()
                .map(|d| RiskItem::Detection(Box::new(d.clone())))
        };
        let states = detections()
            .chain(risk.history.iter().map(|h| RiskItem::User {
                state: h.user(),
                change_id: Some(h.risk.id.clone()),
            }))
            .collect();
        let changes = detections()
            .chain(
                risk.history
                    .iter()
                    .map(|h| RiskItem::Change(Box::new(h.clone()))),
            )
            .collect();
        let lines = |detection: &dyn Fn(&RiskDetection) -> Value,
                     change: &dyn Fn(&RiskyUserHistoryItem) -> Value| {
            let detections = risk.detections.iter().map(detection);
            detections.chain(risk.history.iter().map(change)).collect()
        };
        let object = |row: Vec<(&str, Value)>| {
            Value::Object(
                row.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>(),
            )
        };
        let row = |d: &RiskDetection| object(user_risk_event_row(d, TENANT));
        let shapes = [
            (
                "event hub records",
                lines(&|d| user_risk_event_hub(d, TENANT), &|h| {
                    risky_user_hub(h, TENANT)
                }),
            ),
            (
                "log analytics rows",
                lines(&row, &|h| object(risky_user_row(h, TENANT))),
            ),
            (
                "graph objects",
                lines(&|d| serde_json::to_value(d).unwrap(), &|h| {
                    serde_json::to_value(h).unwrap()
                }),
            ),
        ];
        LabRisk {
            states,
            changes,
            shapes,
        }
    }

    #[test]
    fn the_labs_detections_and_changes_read_back_from_every_export_shape() {
        let LabRisk {
            states,
            changes,
            shapes,
        } = the_labs_risk();
        let envelope = serde_json::json!({ "records": shapes[0].1 });
        let with_envelope = shapes
            .into_iter()
            .chain([("an event hub envelope", vec![envelope])]);
        for (shape, lines) in with_envelope {
            let summary = read(&lines);
            let expected = if shape == "graph objects" {
                &changes
            } else {
                &states
            };
            assert_eq!(&summary.risk, expected, "{shape}");
            assert_eq!(summary.sign_ins + summary.audits, 0, "{shape}");
        }
    }

    /// The lab's risk records in every shape, as the exports write them.
    fn lines() -> Vec<Value> {
        the_labs_risk()
            .shapes
            .into_iter()
            .flat_map(|(_, lines)| lines)
            .collect()
    }

    /// Puts `value` at the `n`th key of the record (inside `properties` for an Event Hub one).
    fn perturb(mut line: Value, n: usize, value: Value) -> Value {
        let object = match line.get_mut("properties") {
            Some(Value::Object(p)) => p,
            _ => line.as_object_mut().unwrap(),
        };
        let key = object.keys().nth(n % object.len()).unwrap().clone();
        if value == "<remove>" {
            object.shift_remove(&key);
        } else {
            object.insert(key, value);
        }
        line
    }

    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            Just(Value::from("<remove>")),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[0-9T:.Z -]{0,30}".prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            Just(serde_json::json!({"countryOrRegion": 7})),
            Just(serde_json::json!([1, "two"])),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// A risk record with one field removed or of another type or spelling is read as
        /// one record (a risk record; of another log, when the field that names the log
        /// changed) or fails with an error naming its line; never a panic.
        #[test]
        fn a_perturbed_risk_record_reads_or_is_refused_with_its_line(
            which in 0usize..64,
            key in 0usize..32,
            value in any_value(),
        ) {
            let all = lines();
            let line = perturb(all[which % all.len()].clone(), key, value);
            let text = format!("{line}\n");
            match read_from("risk.json", text.as_bytes(), |_| {}) {
                Ok(summary) => {
                    // Risk records are counted with the other logs' (by category or table).
                    let others: usize = summary.skipped.values().sum();
                    let read = summary.sign_ins + summary.audits + summary.risk.len();
                    proptest::prop_assert_eq!(read + others, 1);
                }
                Err(e) => proptest::prop_assert_eq!(e.line, Some(1), "{}", e),
            }
        }
    }
}
