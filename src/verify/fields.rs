//! Reading a field of a record and testing a matcher on it. Fields the filter schema knows are
//! read from the typed record; anything else from the record's JSON, made once per record.

use crate::graph::Record;
use crate::odata::{DIRECTORY_AUDIT, Entity, SIGN_IN, Val};
use crate::scenario::{Comparison, Field, FieldMatch, MatchOp, RecordKind, Scalar};
use serde_json::Value;
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// One record being verified, with its JSON made on first need.
pub struct RecordView<'a> {
    source: Source<'a>,
    json: OnceCell<Value>,
}

enum Source<'a> {
    Log(&'a Record),
    Risk(&'a RiskRecord),
}

/// An ID Protection record (a risk detection or a risky user) as the verifier reads it: its
/// Graph JSON, and the time it is ordered and windowed by.
#[derive(Debug, Clone)]
pub struct RiskRecord {
    pub kind: RecordKind,
    pub id: String,
    /// `activityDateTime` of a detection, `riskLastUpdatedDateTime` of a risky user.
    pub time: crate::graph::Timestamp,
    pub json: Value,
}

impl RiskRecord {
    pub fn detection(d: &crate::graph::RiskDetection) -> RiskRecord {
        RiskRecord {
            kind: RecordKind::RiskDetections,
            id: d.id.to_string(),
            time: d.activity_date_time,
            json: serde_json::to_value(d).unwrap_or(Value::Null),
        }
    }

    /// The detections, then each user's latest state from its risk `history` (oldest first),
    /// as the Graph collections would list them.
    pub fn all_of(
        detections: &[crate::graph::RiskDetection],
        history: &[crate::graph::RiskyUserHistoryItem],
    ) -> Vec<RiskRecord> {
        Self::latest_of(detections, history.iter().map(|item| item.user()))
    }

    /// The detections, then each user's latest state of `changes` (oldest first; of one
    /// user's, the last wins).
    pub fn latest_of<'d>(
        detections: impl IntoIterator<Item = &'d crate::graph::RiskDetection>,
        changes: impl IntoIterator<Item = crate::graph::RiskyUser>,
    ) -> Vec<RiskRecord> {
        let mut latest: Vec<crate::graph::RiskyUser> = Vec::new();
        for user in changes {
            latest.retain(|u| u.id != user.id);
            latest.push(user);
        }
        detections
            .into_iter()
            .map(RiskRecord::detection)
            .chain(latest.iter().map(RiskRecord::risky_user))
            .collect()
    }

    pub fn risky_user(u: &crate::graph::RiskyUser) -> RiskRecord {
        RiskRecord {
            kind: RecordKind::RiskyUsers,
            id: u.id.to_string(),
            time: u.risk_last_updated_date_time,
            json: serde_json::to_value(u).unwrap_or(Value::Null),
        }
    }
}

/// A field value, borrowed from the typed record or owned from its JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
}

impl FieldValue {
    pub fn display(&self) -> String {
        match self {
            FieldValue::Null => "null".into(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::Text(t) => t.clone(),
        }
    }
}

impl<'a> RecordView<'a> {
    pub fn new(record: &'a Record) -> Self {
        RecordView {
            source: Source::Log(record),
            json: OnceCell::new(),
        }
    }

    pub fn risk(record: &'a RiskRecord) -> Self {
        RecordView {
            source: Source::Risk(record),
            json: OnceCell::new(),
        }
    }

    /// The sign-in or audit behind this view; `None` for an ID Protection record.
    pub fn record(&self) -> Option<&'a Record> {
        match self.source {
            Source::Log(record) => Some(record),
            Source::Risk(_) => None,
        }
    }

    /// The kind of record this is.
    pub fn kind(&self) -> RecordKind {
        match self.source {
            Source::Log(Record::SignIn(_)) => RecordKind::SignIns,
            Source::Log(Record::Audit(_)) => RecordKind::Audits,
            Source::Risk(r) => r.kind,
        }
    }

    /// The time the record is ordered and windowed by.
    pub fn time(&self) -> crate::graph::Timestamp {
        match self.source {
            Source::Log(record) => record.time(),
            Source::Risk(r) => r.time,
        }
    }

    /// The time as people read it in a failure.
    pub fn time_text(&self) -> String {
        match self.source {
            Source::Log(Record::SignIn(s)) => s
                .created_date_time
                .to_graph_string(crate::graph::Precision::Seconds),
            Source::Log(Record::Audit(a)) => a.activity_date_time.to_string(),
            Source::Risk(r) => r.time.to_graph_string(crate::graph::Precision::Seconds),
        }
    }

    fn json(&self) -> &Value {
        match self.source {
            Source::Log(record) => self
                .json
                .get_or_init(|| serde_json::to_value(record).unwrap_or(Value::Null)),
            Source::Risk(r) => &r.json,
        }
    }

    /// The values at `path`: one for a plain field, one per element under `*`, none when the
    /// path leads nowhere.
    pub fn values(&self, path: &str) -> Vec<FieldValue> {
        if let Some(value) = self.typed(path) {
            return vec![value];
        }
        let mut found = Vec::new();
        collect(
            self.json(),
            &path.split('/').collect::<Vec<_>>(),
            &mut found,
        );
        found
    }

    fn typed(&self, path: &str) -> Option<FieldValue> {
        let Source::Log(record) = self.source else {
            return None;
        };
        let val = match record {
            Record::SignIn(s) => s.get(SIGN_IN.property(path)?.0),
            Record::Audit(a) => a.get(DIRECTORY_AUDIT.property(path)?.0),
        };
        Some(match val {
            Val::Null => FieldValue::Null,
            Val::Str(s) => FieldValue::Text(s.to_string()),
            Val::Int(n) => FieldValue::Number(n as f64),
            Val::Float(f) => FieldValue::Number(f),
            Val::Bool(b) => FieldValue::Bool(b),
            Val::Time(t) => FieldValue::Text(match record {
                Record::SignIn(_) => t.to_graph_string(crate::graph::Precision::Seconds),
                Record::Audit(_) => t.to_string(),
            }),
        })
    }

    pub fn id(&self) -> &str {
        match self.source {
            Source::Log(record) => record.id(),
            Source::Risk(r) => &r.id,
        }
    }

    pub fn matches(&self, m: &FieldMatch, users: &BTreeMap<String, String>) -> bool {
        match &m.field {
            Field::User { key, upn } => {
                let upn = users.get(key).unwrap_or(upn);
                let paths: &[&str] = match self.source {
                    Source::Log(Record::Audit(_)) => &[
                        "initiatedBy/user/userPrincipalName",
                        "targetResources/*/userPrincipalName",
                    ],
                    // Sign-ins, risk detections and risky users all name their user so.
                    _ => &["userPrincipalName"],
                };
                paths
                    .iter()
                    .flat_map(|p| self.values(p))
                    .any(|v| matches!(v, FieldValue::Text(t) if t.eq_ignore_ascii_case(upn)))
            }
            Field::AnyText => {
                let mut texts = Vec::new();
                collect_texts(self.json(), &mut texts);
                test_values(
                    &m.op,
                    &texts.into_iter().map(FieldValue::Text).collect::<Vec<_>>(),
                )
            }
            Field::Path(path) => test_values(&m.op, &self.values(path)),
        }
    }
}

fn collect(value: &Value, path: &[&str], out: &mut Vec<FieldValue>) {
    let Some((first, rest)) = path.split_first() else {
        out.push(match value {
            Value::Null => FieldValue::Null,
            Value::Bool(b) => FieldValue::Bool(*b),
            Value::Number(n) => FieldValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => FieldValue::Text(s.clone()),
            other => FieldValue::Text(other.to_string()),
        });
        return;
    };
    match value {
        Value::Array(items) if *first == "*" => {
            items.iter().for_each(|item| collect(item, rest, out))
        }
        Value::Array(items) => {
            if let Some(item) = first.parse::<usize>().ok().and_then(|i| items.get(i)) {
                collect(item, rest, out);
            }
        }
        Value::Object(map) => {
            let found = map.get(*first).or_else(|| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(first))
                    .map(|(_, v)| v)
            });
            if let Some(child) = found {
                collect(child, rest, out);
            }
        }
        _ => {}
    }
}

fn collect_texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_texts(i, out)),
        Value::Object(map) => map.values().for_each(|v| collect_texts(v, out)),
        _ => {}
    }
}

/// A matcher on all the values of a field: `not` and `exists` look at the field as a whole,
/// the others hold when any value satisfies them.
pub fn test_values(op: &MatchOp, values: &[FieldValue]) -> bool {
    match op {
        MatchOp::Not(inner) => !test_values(inner, values),
        MatchOp::Exists(wanted) => values.iter().any(|v| *v != FieldValue::Null) == *wanted,
        MatchOp::Equals(Scalar::Null) if values.is_empty() => true,
        _ => values.iter().any(|v| test(op, v)),
    }
}

fn test(op: &MatchOp, value: &FieldValue) -> bool {
    match op {
        MatchOp::Equals(expected) => equals(value, expected),
        MatchOp::OneOf(options) => options.iter().any(|o| equals(value, o)),
        MatchOp::Contains(needle) => {
            matches!(value, FieldValue::Text(t) if t.contains(needle.as_str()))
        }
        MatchOp::StartsWith(prefix) => {
            matches!(value, FieldValue::Text(t) if t.starts_with(prefix.as_str()))
        }
        MatchOp::Regex(re) => match value {
            FieldValue::Text(t) => re.is_match(t),
            other => re.is_match(&other.display()),
        },
        MatchOp::Compare(comparison, bound) => {
            compare(value, bound).is_some_and(|o| match comparison {
                Comparison::Gt => o.is_gt(),
                Comparison::Ge => o.is_ge(),
                Comparison::Lt => o.is_lt(),
                Comparison::Le => o.is_le(),
            })
        }
        MatchOp::Exists(_) | MatchOp::Not(_) => test_values(op, std::slice::from_ref(value)),
    }
}

fn equals(value: &FieldValue, expected: &Scalar) -> bool {
    match (value, expected) {
        (FieldValue::Null, Scalar::Null) => true,
        (FieldValue::Bool(a), Scalar::Bool(b)) => a == b,
        (FieldValue::Number(a), Scalar::Int(b)) => *a == *b as f64,
        (FieldValue::Number(a), Scalar::Float(b)) => a == b,
        (FieldValue::Text(a), Scalar::Str(b)) => a == b,
        // Exports write numbers as text (ResultType "50126"): compare them as numbers.
        (FieldValue::Text(a), Scalar::Int(b)) => {
            a.trim().parse::<f64>().is_ok_and(|a| a == *b as f64)
        }
        _ => false,
    }
}

fn compare(value: &FieldValue, bound: &Scalar) -> Option<std::cmp::Ordering> {
    let number = |s: &Scalar| match s {
        Scalar::Int(n) => Some(*n as f64),
        Scalar::Float(f) => Some(*f),
        Scalar::Str(t) => t.trim().parse().ok(),
        _ => None,
    };
    match (value, bound) {
        (FieldValue::Number(a), b) => a.partial_cmp(&number(b)?),
        (FieldValue::Text(a), Scalar::Str(b)) => {
            match (
                crate::graph::Timestamp::parse(a),
                crate::graph::Timestamp::parse(b),
            ) {
                (Ok(a), Ok(b)) => Some(a.cmp(&b)),
                _ => Some(a.as_str().cmp(b.as_str())),
            }
        }
        (FieldValue::Text(a), b) => a.trim().parse::<f64>().ok()?.partial_cmp(&number(b)?),
        _ => None,
    }
}

/// Renders a matcher for people: `status/errorCode=50126`.
pub fn describe(m: &FieldMatch) -> String {
    let field = match &m.field {
        Field::Path(p) => p.clone(),
        Field::User { key, .. } => return format!("user {key}"),
        Field::AnyText => "any text".into(),
    };
    format!("{field}{}", describe_op(&m.op))
}

fn describe_op(op: &MatchOp) -> String {
    match op {
        MatchOp::Equals(s) => format!("={}", scalar_text(s)),
        MatchOp::OneOf(v) => format!(" in [{}]", list_text(v)),
        MatchOp::Contains(t) => format!(" contains \"{t}\""),
        MatchOp::StartsWith(t) => format!(" starts with \"{t}\""),
        MatchOp::Regex(re) => format!(" ~ /{}/", re.as_str()),
        MatchOp::Compare(c, s) => format!(" {} {}", comparison_sign(*c), scalar_text(s)),
        MatchOp::Exists(true) => " exists".into(),
        MatchOp::Exists(false) => " is absent".into(),
        MatchOp::Not(inner) => describe_negated(inner),
    }
}

/// `not:` said the way people say it (`status/errorCode!=0`, `... does not contain "x"`), so a
/// failure reads "do not match status/errorCode!=0", not a double negative.
fn describe_negated(op: &MatchOp) -> String {
    match op {
        MatchOp::Equals(s) => format!("!={}", scalar_text(s)),
        MatchOp::OneOf(v) => format!(" not in [{}]", list_text(v)),
        MatchOp::Contains(t) => format!(" does not contain \"{t}\""),
        MatchOp::StartsWith(t) => format!(" does not start with \"{t}\""),
        MatchOp::Regex(re) => format!(" !~ /{}/", re.as_str()),
        // Not the opposite comparison: a field that is absent or not a number is neither.
        MatchOp::Compare(c, s) => format!(" not {} {}", comparison_sign(*c), scalar_text(s)),
        MatchOp::Exists(exists) => describe_op(&MatchOp::Exists(!exists)),
        MatchOp::Not(inner) => describe_op(inner),
    }
}

fn comparison_sign(c: Comparison) -> &'static str {
    match c {
        Comparison::Gt => ">",
        Comparison::Ge => ">=",
        Comparison::Lt => "<",
        Comparison::Le => "<=",
    }
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::Null => "null".to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(n) => n.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Str(t) => format!("\"{t}\""),
    }
}

fn list_text(values: &[Scalar]) -> String {
    values
        .iter()
        .map(scalar_text)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(op: MatchOp) -> String {
        describe(&FieldMatch {
            field: Field::Path("status/errorCode".into()),
            op,
        })
    }

    fn not(op: MatchOp) -> MatchOp {
        MatchOp::Not(Box::new(op))
    }

    #[test]
    fn negations_read_as_people_say_them() {
        assert_eq!(
            described(not(MatchOp::Equals(Scalar::Int(0)))),
            "status/errorCode!=0"
        );
        assert_eq!(
            described(not(MatchOp::OneOf(vec![
                Scalar::Int(0),
                Scalar::Int(50140)
            ]))),
            "status/errorCode not in [0, 50140]"
        );
        assert_eq!(
            described(not(MatchOp::Contains("x".into()))),
            "status/errorCode does not contain \"x\""
        );
        assert_eq!(
            described(not(MatchOp::StartsWith("5".into()))),
            "status/errorCode does not start with \"5\""
        );
        assert_eq!(
            described(not(MatchOp::Regex(regex::Regex::new("^5").unwrap()))),
            "status/errorCode !~ /^5/"
        );
        assert_eq!(
            described(not(MatchOp::Compare(Comparison::Gt, Scalar::Int(1)))),
            "status/errorCode not > 1"
        );
        assert_eq!(
            described(not(MatchOp::Exists(true))),
            "status/errorCode is absent"
        );
        assert_eq!(
            described(not(not(MatchOp::Equals(Scalar::Int(0))))),
            "status/errorCode=0"
        );
    }
}
