//! A Graph record from an object in Graph's shape (a Graph file's record, a diagnostic
//! record's `properties`, or what a Log Analytics row maps to): key case fixed, export
//! spellings normalised, and every property kept, those entralab has no field for included.

use super::{Fallback, INTERACTIVE, Object, describe};
use crate::graph::{
    BETA_SIGN_IN_PROPERTIES, BetaSignIn, DIRECTORY_AUDIT_PROPERTIES, DirectoryAudit,
    SIGN_IN_PROPERTIES, SignIn, UnknownProperties,
};
use crate::logfiles::time::parse_timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

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
pub(super) fn canonicalize(value: &mut Value) {
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

/// Whether [`canonicalize`] would rename a key of `value` (at any depth).
pub(crate) fn has_misspelt_keys(value: &Value) -> bool {
    match value {
        Value::Object(object) => {
            let names = canonical_names();
            object.iter().any(|(k, v)| {
                (!names.canonical.contains(k.as_str())
                    && names
                        .lower
                        .get(&k.to_ascii_lowercase())
                        .is_some_and(|canonical| *canonical != k.as_str()))
                    || has_misspelt_keys(v)
            })
        }
        Value::Array(items) => items.iter().any(has_misspelt_keys),
        _ => false,
    }
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

pub(super) fn clip(text: &str) -> String {
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
pub(super) fn error_code(value: &Value) -> Result<i64, String> {
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

pub(super) fn boolean(value: &Value) -> Option<Option<bool>> {
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

pub(super) fn graph_sign_in(mut object: Object, fallback: &Fallback) -> Result<SignIn, String> {
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

pub(super) fn graph_audit(
    mut object: Object,
    fallback: &Fallback,
) -> Result<DirectoryAudit, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
