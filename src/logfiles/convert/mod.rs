//! One JSON object (or CSV row) to a Graph record: classification (Graph, diagnostic-settings
//! record, Log Analytics row; sign-in or audit) and the reverse of the export mappings
//! (`crate::export::eventhub`, `crate::export::loganalytics`).

mod graph_record;
mod log_analytics_row;
mod risk_record;

use super::Shape;
use crate::graph::Record;
pub(super) use graph_record::has_misspelt_keys;
use graph_record::{graph_audit, graph_sign_in};
use log_analytics_row::log_analytics;
pub(crate) use log_analytics_row::{column_key, convert_csv_row};
pub use risk_record::RiskItem;
use serde_json::{Map, Value};

/// What one object turned out to be.
pub(crate) enum Converted {
    Record(Record, Shape),
    /// A record of a log that is neither sign-ins nor audits (its category or table).
    Skipped(String),
    /// An ID Protection record.
    Risk(Box<RiskItem>),
}

pub(super) type Object = Map<String, Value>;

/// The sign-in categories of diagnostic settings, and the `signInEventTypes` of their rows.
pub(super) const SIGN_IN_CATEGORIES: &[(&str, &str)] = &[
    ("SignInLogs", INTERACTIVE),
    ("NonInteractiveUserSignInLogs", "nonInteractiveUser"),
    ("ServicePrincipalSignInLogs", "servicePrincipal"),
    ("ManagedIdentitySignInLogs", "managedIdentity"),
    ("MicrosoftServicePrincipalSignInLogs", "servicePrincipal"),
    ("ADFSSignInLogs", INTERACTIVE),
];

/// The sign-in tables of Log Analytics, and the `signInEventTypes` of their rows.
pub(super) const SIGN_IN_TABLES: &[(&str, &str)] = &[
    ("SigninLogs", INTERACTIVE),
    ("AADNonInteractiveUserSignInLogs", "nonInteractiveUser"),
    ("AADServicePrincipalSignInLogs", "servicePrincipal"),
    ("AADManagedIdentitySignInLogs", "managedIdentity"),
    ("ADFSSignInLogs", INTERACTIVE),
];

pub(super) const INTERACTIVE: &str = "interactiveUser";

/// Case-insensitive key lookup (exact spelling first).
fn get_ci<'m>(object: &'m Object, key: &str) -> Option<&'m Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The array of an envelope (`value` of a Graph page, `records` of a diagnostic export).
pub(crate) fn envelope_key(key: &str) -> bool {
    key == "value" || key.eq_ignore_ascii_case("records")
}

pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn keys_of(object: &Object) -> String {
    let mut keys: Vec<String> = object.keys().take(8).map(|k| format!("`{k}`")).collect();
    if object.len() > 8 {
        keys.push("...".into());
    }
    if keys.is_empty() {
        "no keys".into()
    } else {
        format!("keys {}", keys.join(", "))
    }
}

/// Classifies and converts one record-like object.
pub(crate) fn convert_object(object: Object) -> Result<Converted, String> {
    let has_ci = |key: &str| get_ci(&object, key).is_some();
    if get_ci(&object, "properties").is_some()
        && (has_ci("category") || has_ci("operationName") || has_ci("time") || has_ci("resourceId"))
    {
        return event_hub(object);
    }
    if object.contains_key("createdDateTime") {
        return graph_sign_in(object, &Fallback::default())
            .map(|s| Converted::Record(Record::SignIn(Box::new(s)), Shape::GraphJson));
    }
    if let Some(kind) = risk_record::graph_kind(&object) {
        return risk_record::from_graph(kind, object).map(|r| Converted::Risk(Box::new(r)));
    }
    if object.contains_key("activityDateTime") {
        return graph_audit(object, &Fallback::default())
            .map(|a| Converted::Record(Record::Audit(Box::new(a)), Shape::GraphJson));
    }
    const LA_MARKERS: &[&str] = &[
        "TimeGenerated",
        "Type",
        "TenantId",
        "SourceSystem",
        "ResultType",
        "OperationName",
        "UserPrincipalName",
        "ActivityDisplayName",
        "CreatedDateTime",
        "ActivityDateTime",
    ];
    if LA_MARKERS.iter().any(|k| object.contains_key(*k)) || has_ci("TimeGenerated") {
        return log_analytics(object, Shape::LogAnalyticsJson);
    }
    if has_ci("createdDateTime") {
        return graph_sign_in(object, &Fallback::default())
            .map(|s| Converted::Record(Record::SignIn(Box::new(s)), Shape::GraphJson));
    }
    if has_ci("activityDateTime") {
        return graph_audit(object, &Fallback::default())
            .map(|a| Converted::Record(Record::Audit(Box::new(a)), Shape::GraphJson));
    }
    Err(format!(
        "expected a Graph signIn or directoryAudit (with `createdDateTime` or \
         `activityDateTime`), a diagnostic-settings record (with `category` and `properties`) \
         or a Log Analytics SigninLogs/AuditLogs row (with `TimeGenerated`); found an object \
         with {}",
        keys_of(&object)
    ))
}

/// Values of the envelope of a diagnostic-settings record, used where `properties` lacks
/// them.
#[derive(Default)]
pub(super) struct Fallback {
    pub(super) time: Option<Value>,
    pub(super) code: Option<Value>,
    pub(super) description: Option<Value>,
    pub(super) ip: Option<Value>,
    pub(super) correlation: Option<Value>,
    pub(super) identity: Option<Value>,
    pub(super) country: Option<Value>,
    pub(super) operation: Option<Value>,
    pub(super) result: Option<Value>,
    /// `signInEventTypes`, from the category or table.
    pub(super) event_type: Option<&'static str>,
    /// A diagnostic-settings record or Log Analytics row, which spell `userType` `Member`.
    pub(super) diagnostic: bool,
}

fn event_hub(mut object: Object) -> Result<Converted, String> {
    // Taken out rather than cloned: it holds nearly everything.
    let properties_key = object
        .keys()
        .find(|k| k.eq_ignore_ascii_case("properties"))
        .cloned();
    let properties = properties_key.and_then(|k| object.remove(&k));
    let field = |key: &str| get_ci(&object, key).filter(|v| !v.is_null()).cloned();
    let category = match get_ci(&object, "category") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(format!(
                "`category`: expected a string, found {}",
                describe(other)
            ));
        }
    };
    let properties = match properties {
        Some(Value::Object(p)) => p,
        Some(Value::String(text)) => match serde_json::from_str(&text) {
            Ok(Value::Object(p)) => p,
            _ => return Err("`properties`: expected an object (or a string holding one)".into()),
        },
        Some(other) => {
            return Err(format!(
                "`properties`: expected an object, found {}",
                describe(&other)
            ));
        }
        None => Object::new(),
    };
    let sign_in_category = category.as_deref().and_then(|c| {
        SIGN_IN_CATEGORIES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(c))
            .map(|(_, event_type)| *event_type)
    });
    let is_audit = match &category {
        Some(c) => c.eq_ignore_ascii_case("AuditLogs"),
        None => get_ci(&properties, "activityDateTime").is_some(),
    };
    let is_sign_in = sign_in_category.is_some()
        || (category.is_none() && get_ci(&properties, "createdDateTime").is_some());
    let mut fallback = Fallback {
        time: field("time"),
        code: field("resultType"),
        description: field("resultDescription"),
        ip: field("callerIpAddress").filter(|v| v.as_str() != Some("<null>")),
        correlation: field("correlationId"),
        identity: field("identity"),
        country: field("location"),
        operation: field("operationName"),
        result: None,
        event_type: sign_in_category,
        diagnostic: true,
    };
    if is_sign_in {
        graph_sign_in(properties, &fallback)
            .map(|s| Converted::Record(Record::SignIn(Box::new(s)), Shape::EventHub))
            .map_err(|e| format!("in `properties`: {e}"))
    } else if is_audit {
        // The envelope's `resultType` of an audit is its result (`Success`, `success`), not a
        // sign-in code.
        fallback.result = fallback
            .code
            .take()
            .and_then(|v| v.as_str().map(str::to_ascii_lowercase))
            .filter(|r| matches!(r.as_str(), "success" | "failure" | "timeout"))
            .map(Value::String);
        graph_audit(properties, &fallback)
            .map(|a| Converted::Record(Record::Audit(Box::new(a)), Shape::EventHub))
            .map_err(|e| format!("in `properties`: {e}"))
    } else if let Some(kind) = category.as_deref().and_then(risk_record::category_kind) {
        let change_id = fallback.correlation.as_ref().and_then(Value::as_str);
        risk_record::from_graph(kind, properties)
            .map(|r| Converted::Risk(Box::new(r.of_change(change_id))))
            .map_err(|e| format!("in `properties`: {e}"))
    } else {
        match category {
            Some(c) => Ok(Converted::Skipped(c)),
            None => Err(
                "a diagnostic-settings record without `category` whose `properties` \
                 have neither `createdDateTime` nor `activityDateTime`"
                    .into(),
            ),
        }
    }
}
