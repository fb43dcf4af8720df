//! One JSON object (or CSV row) to a Graph record: classification (Graph, diagnostic-settings
//! record, Log Analytics row; sign-in or audit) and the reverse of the export mappings
//! (`crate::export::eventhub`, `crate::export::loganalytics`).

use super::Shape;
use super::time::parse_timestamp;
use crate::graph::{
    BETA_SIGN_IN_PROPERTIES, BetaSignIn, DIRECTORY_AUDIT_PROPERTIES, DirectoryAudit, Record,
    SIGN_IN_PROPERTIES, SignIn, UnknownProperties,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// What one object turned out to be.
pub(crate) enum Converted {
    Record(Record, Shape),
    /// A record of a log that is neither sign-ins nor audits (its category or table).
    Skipped(String),
}

type Object = Map<String, Value>;

/// The sign-in categories of diagnostic settings, and the `signInEventTypes` of their rows.
const SIGN_IN_CATEGORIES: &[(&str, &str)] = &[
    ("SignInLogs", INTERACTIVE),
    ("NonInteractiveUserSignInLogs", "nonInteractiveUser"),
    ("ServicePrincipalSignInLogs", "servicePrincipal"),
    ("ManagedIdentitySignInLogs", "managedIdentity"),
    ("MicrosoftServicePrincipalSignInLogs", "servicePrincipal"),
    ("ADFSSignInLogs", INTERACTIVE),
];

/// The sign-in tables of Log Analytics, and the `signInEventTypes` of their rows.
const SIGN_IN_TABLES: &[(&str, &str)] = &[
    ("SigninLogs", INTERACTIVE),
    ("AADNonInteractiveUserSignInLogs", "nonInteractiveUser"),
    ("AADServicePrincipalSignInLogs", "servicePrincipal"),
    ("AADManagedIdentitySignInLogs", "managedIdentity"),
    ("ADFSSignInLogs", INTERACTIVE),
];

const INTERACTIVE: &str = "interactiveUser";

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
struct Fallback {
    time: Option<Value>,
    code: Option<Value>,
    description: Option<Value>,
    ip: Option<Value>,
    correlation: Option<Value>,
    identity: Option<Value>,
    country: Option<Value>,
    operation: Option<Value>,
    result: Option<Value>,
    /// `signInEventTypes`, from the category or table.
    event_type: Option<&'static str>,
    /// A diagnostic-settings record or Log Analytics row, which spell `userType` `Member`.
    diagnostic: bool,
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

/// Every property name of the Graph resources, for fixing the case of keys
/// (`errorcode` -> `errorCode`), as some pipelines lower-case them.
struct Names {
    canonical: HashSet<&'static str>,
    /// Lower-cased spelling -> Graph's.
    lower: HashMap<String, &'static str>,
}

fn canonical_names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        const NESTED: &[&str] = &[
            "errorCode",
            "failureReason",
            "additionalDetails",
            "deviceId",
            "displayName",
            "operatingSystem",
            "browser",
            "isCompliant",
            "isManaged",
            "trustType",
            "city",
            "state",
            "countryOrRegion",
            "geoCoordinates",
            "altitude",
            "latitude",
            "longitude",
            "enforcedGrantControls",
            "enforcedSessionControls",
            "result",
            "app",
            "user",
            "appId",
            "servicePrincipalId",
            "servicePrincipalName",
            "userPrincipalName",
            "ipAddress",
            "userType",
            "homeTenantId",
            "homeTenantName",
            "type",
            "groupType",
            "modifiedProperties",
            "oldValue",
            "newValue",
            "key",
            "value",
            "id",
            "authenticationStepDateTime",
            "authenticationMethod",
            "authenticationMethodDetail",
            "succeeded",
            "authenticationStepResultDetail",
            "authenticationStepRequirement",
            "requirementProvider",
            "detail",
            "networkType",
            "networkNames",
            "authMethod",
            "authDetail",
        ];
        let canonical: HashSet<&'static str> = SIGN_IN_PROPERTIES
            .iter()
            .chain(BETA_SIGN_IN_PROPERTIES)
            .chain(DIRECTORY_AUDIT_PROPERTIES)
            .chain(NESTED)
            .copied()
            .collect();
        let lower = canonical
            .iter()
            .map(|name| (name.to_ascii_lowercase(), *name))
            .collect();
        Names { canonical, lower }
    })
}

/// Renames keys whose case differs from Graph's spelling, at every depth.
fn canonicalize(value: &mut Value) {
    match value {
        Value::Object(object) => canonicalize_object(object),
        Value::Array(items) => items.iter_mut().for_each(canonicalize),
        _ => {}
    }
}

fn canonicalize_object(object: &mut Object) {
    let names = canonical_names();
    let misspelt: Vec<(String, &'static str)> = object
        .keys()
        .filter(|k| !names.canonical.contains(k.as_str()))
        .filter_map(|k| {
            names
                .lower
                .get(&k.to_ascii_lowercase())
                .filter(|canonical| **canonical != k.as_str())
                .map(|canonical| (k.clone(), *canonical))
        })
        .collect();
    for (key, canonical) in misspelt {
        if let Some(v) = object.remove(&key) {
            object.entry(canonical).or_insert(v);
        }
    }
    object.values_mut().for_each(canonicalize);
}

fn is_missing(object: &Object, key: &str) -> bool {
    matches!(object.get(key), None | Some(Value::Null))
}

fn fill(object: &mut Object, key: &str, value: &Option<Value>) {
    if let Some(value) = value
        && is_missing(object, key)
    {
        object.insert(key.to_string(), value.clone());
    }
}

/// `null` (or missing) becomes `default`.
fn default_if_null(object: &mut Object, key: &str, default: Value) {
    if is_missing(object, key) {
        object.insert(key.to_string(), default);
    }
}

/// Rewrites a timestamp property into Graph's form, from any spelling exports use.
fn normalise_time(object: &mut Object, key: &str, fallback: &Option<Value>) -> Result<(), String> {
    fill(object, key, fallback);
    match object.get(key) {
        None | Some(Value::Null) => Err(format!("missing `{key}` (expected a timestamp)")),
        Some(Value::String(text)) => match parse_timestamp(text) {
            Some(t) => {
                object.insert(key.to_string(), Value::String(t.to_string()));
                Ok(())
            }
            None => Err(format!(
                "`{key}`: expected a timestamp like 2025-03-17T15:08:07Z, found `{}`",
                clip(text)
            )),
        },
        Some(other) => Err(format!(
            "`{key}`: expected a timestamp string, found {}",
            describe(other)
        )),
    }
}

fn clip(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}

/// Ids, codes and the like: numbers and booleans become strings.
fn stringify_scalar(object: &mut Object, key: &str) {
    if let Some(v @ (Value::Number(_) | Value::Bool(_))) = object.get(key) {
        let text = v.to_string();
        object.insert(key.to_string(), Value::String(text));
    }
}

fn require_id(object: &mut Object) -> Result<(), String> {
    stringify_scalar(object, "id");
    match object.get("id") {
        Some(Value::String(_)) => Ok(()),
        None | Some(Value::Null) => Err("missing `id`".into()),
        Some(other) => Err(format!(
            "`id`: expected a string, found {}",
            describe(other)
        )),
    }
}

/// A sign-in error code: a number, or a string of one.
fn error_code(value: &Value) -> Result<i64, String> {
    let code = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    code.filter(|c| i32::try_from(*c).is_ok()).ok_or_else(|| {
        format!(
            "expected a sign-in error code (a number such as 50126), found {}",
            match value {
                Value::String(s) => format!("`{}`", clip(s)),
                other => describe(other).to_string(),
            }
        )
    })
}

fn boolean(value: &Value) -> Option<Option<bool>> {
    match value {
        Value::Bool(b) => Some(Some(*b)),
        Value::Null => Some(None),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(Some(true)),
            "false" | "0" => Some(Some(false)),
            "" => Some(None),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(Some(true)),
            Some(0) => Some(Some(false)),
            _ => None,
        },
        _ => None,
    }
}

fn graph_sign_in(mut object: Object, fallback: &Fallback) -> Result<SignIn, String> {
    canonicalize_object(&mut object);
    require_id(&mut object)?;
    normalise_time(&mut object, "createdDateTime", &fallback.time)?;
    fill(&mut object, "userDisplayName", &fallback.identity);
    fill(&mut object, "ipAddress", &fallback.ip);
    fill(&mut object, "correlationId", &fallback.correlation);
    if is_missing(&object, "status") {
        match &fallback.code {
            Some(code) => {
                let mut status = Object::new();
                status.insert("errorCode".into(), code.clone());
                fill(&mut status, "failureReason", &fallback.description);
                object.insert("status".into(), Value::Object(status));
            }
            None => return Err("missing `status` (expected an object with `errorCode`)".into()),
        }
    }
    match object.get_mut("status") {
        Some(Value::Object(status)) => {
            fill(status, "errorCode", &fallback.code);
            let code = match status.get("errorCode") {
                Some(code) => error_code(code).map_err(|e| format!("`status.errorCode`: {e}"))?,
                None => return Err("`status`: missing `errorCode`".into()),
            };
            status.insert("errorCode".into(), json!(code));
        }
        Some(other) => {
            return Err(format!(
                "`status`: expected an object, found {}",
                describe(other)
            ));
        }
        None => return Err("missing `status` (expected an object with `errorCode`)".into()),
    }
    match object.get("isInteractive").map(boolean) {
        None => {}
        Some(Some(b)) => {
            object.insert("isInteractive".into(), json!(b));
        }
        Some(None) => return Err("`isInteractive`: expected true or false".into()),
    }
    if let Some(event_type) = fallback.event_type {
        default_if_null(
            &mut object,
            "isInteractive",
            json!(event_type == INTERACTIVE),
        );
        default_if_null(&mut object, "signInEventTypes", json!([event_type]));
    }
    if fallback.diagnostic
        && let Some(Value::String(user_type)) = object.get_mut("userType")
        && matches!(user_type.as_str(), "Member" | "Guest")
    {
        // The exports' spelling of Graph's `member` and `guest`.
        *user_type = user_type.to_ascii_lowercase();
    }
    default_if_null(&mut object, "deviceDetail", json!({}));
    default_if_null(&mut object, "location", json!({}));
    if let Some(Value::Object(location)) = object.get_mut("location") {
        default_if_null(location, "geoCoordinates", json!({}));
        fill(location, "countryOrRegion", &fallback.country);
    }
    for key in [
        "riskEventTypes",
        "riskEventTypes_v2",
        "appliedConditionalAccessPolicies",
    ] {
        default_if_null(&mut object, key, json!([]));
    }
    if let Some(Value::Array(policies)) = object.get_mut("appliedConditionalAccessPolicies") {
        for policy in policies.iter_mut().filter_map(Value::as_object_mut) {
            default_if_null(policy, "enforcedGrantControls", json!([]));
            default_if_null(policy, "enforcedSessionControls", json!([]));
        }
    }
    let (beta, mut unknown) = take_extras(&mut object, SIGN_IN_PROPERTIES, BETA_SIGN_IN_PROPERTIES);
    let mut sign_in: SignIn = serde_json::from_value(Value::Object(object))
        .map_err(|e| format!("not a Graph signIn: {e}"))?;
    sign_in.beta = beta_properties(beta, &mut unknown);
    sign_in.unknown = UnknownProperties::from_map(unknown);
    Ok(sign_in)
}

/// Takes out of `object` what is not one of its v1.0 `properties`: the `beta` ones, and the
/// rest (kept whole, so that nothing a file carried is lost). A `null` is as good as absent.
fn take_extras(object: &mut Object, properties: &[&str], beta: &[&str]) -> (Object, Object) {
    let extra: Vec<String> = object
        .keys()
        .filter(|k| !properties.contains(&k.as_str()))
        .cloned()
        .collect();
    let (mut taken, mut unknown) = (Object::new(), Object::new());
    for key in extra {
        match object.remove(&key) {
            None | Some(Value::Null) => {}
            Some(value) if beta.contains(&key.as_str()) => {
                taken.insert(key, value);
            }
            Some(value) => {
                unknown.insert(key, value);
            }
        }
    }
    (taken, unknown)
}

/// The beta properties of a sign-in, leniently: numbers and booleans written as strings (as
/// Log Analytics writes them) are read as such, and a property of an unexpected shape is kept
/// with the unknown ones rather than rejecting the record.
fn beta_properties(mut beta: Object, unknown: &mut Object) -> BetaSignIn {
    let scalars = [
        "processingTimeInMilliseconds",
        "autonomousSystemNumber",
        "isTenantRestricted",
        "flaggedForReview",
    ];
    for key in scalars {
        let Some(Value::String(text)) = beta.get(key) else {
            continue;
        };
        // An empty cell is a value the row did not have.
        let value = match text.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) => Some(json!(n)),
                Err(_) => boolean(&Value::from(text)).flatten().map(Value::Bool),
            },
        };
        match value {
            Some(value) => beta.insert(key.to_string(), value),
            None if text.trim().is_empty() => beta.remove(key),
            None => None,
        };
    }
    if let Ok(parsed) = BetaSignIn::deserialize(&Value::Object(beta.clone())) {
        return parsed;
    }
    let mut kept = Object::new();
    for (key, value) in beta {
        let mut one = kept.clone();
        one.insert(key.clone(), value.clone());
        if BetaSignIn::deserialize(&Value::Object(one)).is_ok() {
            kept.insert(key, value);
        } else {
            unknown.insert(key, value);
        }
    }
    BetaSignIn::deserialize(&Value::Object(kept)).unwrap_or_default()
}

fn graph_audit(mut object: Object, fallback: &Fallback) -> Result<DirectoryAudit, String> {
    canonicalize_object(&mut object);
    require_id(&mut object)?;
    normalise_time(&mut object, "activityDateTime", &fallback.time)?;
    fill(&mut object, "activityDisplayName", &fallback.operation);
    fill(&mut object, "correlationId", &fallback.correlation);
    fill(&mut object, "resultReason", &fallback.description);
    fill(&mut object, "result", &fallback.result);
    // The older documented shape has `"result": 0` (the operationResult enum's index).
    if let Some(Value::Number(n)) = object.get("result") {
        let name = match n.as_i64() {
            Some(0) => "success",
            Some(1) => "failure",
            Some(2) => "timeout",
            _ => "unknownFutureValue",
        };
        object.insert("result".into(), json!(name));
    }
    default_if_null(&mut object, "initiatedBy", json!({}));
    for key in ["targetResources", "additionalDetails"] {
        default_if_null(&mut object, key, json!([]));
    }
    if let Some(Value::Object(by)) = object.get_mut("initiatedBy") {
        for who in ["user", "app"] {
            if let Some(Value::Object(identity)) = by.get_mut(who) {
                for key in ["id", "appId", "servicePrincipalId"] {
                    stringify_scalar(identity, key);
                }
            }
        }
    }
    if let Some(Value::Array(targets)) = object.get_mut("targetResources") {
        for target in targets.iter_mut().filter_map(Value::as_object_mut) {
            default_if_null(target, "modifiedProperties", json!([]));
            if let Some(Value::Array(properties)) = target.get_mut("modifiedProperties") {
                for property in properties.iter_mut().filter_map(Value::as_object_mut) {
                    for key in ["oldValue", "newValue"] {
                        json_text(property, key);
                    }
                }
            }
        }
    }
    if let Some(Value::Array(details)) = object.get_mut("additionalDetails") {
        for detail in details.iter_mut().filter_map(Value::as_object_mut) {
            json_text(detail, "key");
            json_text(detail, "value");
        }
    }
    let (_, unknown) = take_extras(&mut object, DIRECTORY_AUDIT_PROPERTIES, &[]);
    let mut audit: DirectoryAudit = serde_json::from_value(Value::Object(object))
        .map_err(|e| format!("not a Graph directoryAudit: {e}"))?;
    audit.unknown = UnknownProperties::from_map(unknown);
    Ok(audit)
}

/// A property Graph types as a string but some exports write as JSON: any non-string
/// becomes its JSON text.
fn json_text(object: &mut Object, key: &str) {
    if let Some(v) = object.get(key)
        && !matches!(v, Value::String(_) | Value::Null)
    {
        let text = v.to_string();
        object.insert(key.to_string(), Value::String(text));
    }
}

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

fn log_analytics(object: Object, shape: Shape) -> Result<Converted, String> {
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
        Some(t) if sign_in_table.is_none() => return Ok(Converted::Skipped(t.clone())),
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

    #[test]
    fn lower_cased_keys_are_fixed() {
        let mut value = json!({"errorcode": 1, "Status": {"FailureReason": "x"}});
        canonicalize(&mut value);
        assert_eq!(
            value,
            json!({"errorCode": 1, "status": {"failureReason": "x"}})
        );
    }
}
