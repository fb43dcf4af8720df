//! Which Sigma rules of a folder look at a code or an activity: rules whose `detection:`
//! selections name it. A value matches as the rule's modifier would match it: plain values
//! and `|contains`, `|startswith`, `|endswith` (case-insensitive, as Sigma compares), so
//! `OperationName|contains: member to role` looks at `Add member to role`.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// A rule that looks at what is explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMention {
    pub title: String,
    pub path: PathBuf,
    /// The selection key that names it (`ResultType`, `OperationName|contains`).
    pub field: String,
}

/// The rules under `dir` (a folder searched recursively, or one file) whose selections name
/// `needle`: a sign-in code (`50053`) or an activity name.
pub fn rules_mentioning(dir: &Path, needle: &str) -> Result<Vec<RuleMention>, String> {
    let mut files = Vec::new();
    if dir.is_file() {
        files.push(dir.to_path_buf());
    } else {
        crate::detect::rule_files(dir, &mut files)
            .map_err(|e| format!("cannot read rules in {}: {e}", dir.display()))?;
    }
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // A file that is not YAML is not a rule; `detect` reports it, `explain` skips it.
        let Ok(documents) = serde_saphyr::from_multiple::<Value>(&text) else {
            continue;
        };
        for document in documents {
            let Some(detection) = document.get("detection").and_then(Value::as_object) else {
                continue;
            };
            let title = document
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("(untitled rule)");
            let hit = detection
                .iter()
                .filter(|(name, _)| *name != "condition" && *name != "timeframe")
                .find_map(|(_, selection)| field_naming(selection, needle));
            if let Some(field) = hit {
                found.push(RuleMention {
                    title: title.to_string(),
                    path: path.clone(),
                    field,
                });
            }
        }
    }
    Ok(found)
}

/// The key of `selection` (a map, or a list of maps) whose values name `needle`.
fn field_naming(selection: &Value, needle: &str) -> Option<String> {
    match selection {
        Value::Array(items) => items.iter().find_map(|s| field_naming(s, needle)),
        Value::Object(fields) => fields
            .iter()
            .find(|(key, values)| names(key, values, needle))
            .map(|(key, _)| key.clone()),
        _ => None,
    }
}

fn names(key: &str, values: &Value, needle: &str) -> bool {
    let modifiers: Vec<&str> = key.split('|').skip(1).collect();
    let needle = needle.to_lowercase();
    let test = |value: &Value| {
        let text = match value {
            Value::String(s) => s.to_lowercase(),
            Value::Number(n) => n.to_string(),
            _ => return false,
        };
        if text.is_empty() {
            return false;
        }
        if modifiers.contains(&"contains") {
            needle.contains(&text)
        } else if modifiers.contains(&"startswith") {
            needle.starts_with(&text)
        } else if modifiers.contains(&"endswith") {
            needle.ends_with(&text)
        } else {
            needle == text
        }
    };
    match values {
        Value::Array(items) => items.iter().any(test),
        value => test(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigma")
    }

    #[test]
    fn finds_the_lockout_rule_by_its_code() {
        let found = rules_mentioning(&rules(), "50053").unwrap();
        let titles: Vec<&str> = found.iter().map(|r| r.title.as_str()).collect();
        assert!(
            titles.contains(&"Entra ID Sign-in Refused Because the Account Is Locked"),
            "{titles:?}"
        );
        assert!(found.iter().all(|r| !r.field.is_empty()));
    }

    #[test]
    fn modifiers_match_as_sigma_would() {
        let value = |s: &str| Value::String(s.into());
        assert!(names(
            "OperationName|contains",
            &value("member to role"),
            "Add member to role"
        ));
        assert!(!names(
            "OperationName",
            &value("member to role"),
            "Add member to role"
        ));
        assert!(names(
            "OperationName|startswith",
            &Value::Array(vec![value("x"), value("add member")]),
            "Add member to role"
        ));
        assert!(names("ResultType", &Value::from(50053), "50053"));
        assert!(!names("ResultType", &Value::from(500530), "50053"));
    }
}
