//! Fields whose values Entra takes from a closed set, under any of the three namings, and the
//! verdict on a field test that looks for a value outside it.

use super::probe::{ItemStats, Op, Wanted};
use crate::catalog::{self, field_values};

/// What entralab knows about the values of a field.
enum Domain {
    /// Entra writes only these.
    Closed(&'static [&'static str]),
    /// An AADSTS error code: a number, 0 for success.
    Code,
    /// The text of the error code (`ResultDescription`, `status.failureReason`).
    CodeText,
    /// Entra writes many more values, entralab only these (the audit activities).
    Simulated(&'static [&'static str], &'static str),
    /// An ID Protection `riskEventType`: the documented ones (`catalog::risk`), plus the names
    /// rules still use that Entra renamed or retired, with the reason.
    RiskEventType,
}

/// `field` (any naming, any case) as a sign-in or audit field with a known value set.
fn domain(field: &str, service: &str) -> Option<Domain> {
    let lower = field.to_ascii_lowercase();
    let name = lower.strip_prefix("properties.").unwrap_or(&lower);
    Some(match (service, name) {
        ("signinlogs", "authenticationrequirement") => {
            Domain::Closed(field_values::AUTHENTICATION_REQUIREMENT)
        }
        ("signinlogs", "conditionalaccessstatus") => {
            Domain::Closed(field_values::CONDITIONAL_ACCESS_STATUS)
        }
        ("signinlogs", "risklevelaggregated" | "risklevelduringsignin") => {
            Domain::Closed(field_values::RISK_LEVEL)
        }
        ("signinlogs", "riskstate") => Domain::Closed(field_values::RISK_STATE),
        ("signinlogs", "clientappused") => Domain::Closed(field_values::CLIENT_APP_USED),
        ("signinlogs", "operationname") => Domain::Closed(field_values::SIGN_IN_OPERATION_NAME),
        ("signinlogs", "resulttype" | "status.errorcode") => Domain::Code,
        ("signinlogs", "resultdescription" | "status.failurereason") => Domain::CodeText,
        ("auditlogs", "result") => Domain::Closed(field_values::AUDIT_RESULT),
        ("riskdetection", "riskeventtype") => Domain::RiskEventType,
        // The audit activities entralab writes (Entra writes hundreds).
        ("auditlogs", "operationname" | "activitydisplayname") => Domain::Simulated(
            catalog::audit::activity_names(),
            "the SSPR activities and those of docs/audit-activities.md",
        ),
        _ => return None,
    })
}

/// Why a field test that never matched never will.
pub(super) struct Verdict {
    /// `never_written` (Entra never writes such a value) or `not_simulated` (Entra may, but
    /// entralab does not).
    pub verdict: &'static str,
    pub note: String,
    pub known_values: Vec<String>,
}

fn satisfies(wanted: &Wanted, value: &str) -> bool {
    let (w, v) = (wanted.value.to_lowercase(), value.to_lowercase());
    match wanted.op {
        Op::Equals => v == w,
        Op::Contains => v.contains(&w),
        Op::StartsWith => v.starts_with(&w),
        Op::EndsWith => v.ends_with(&w),
    }
}

/// The verdict on `item` (which matched no record), given the other tests of its selection.
pub(super) fn judge(item: &ItemStats, siblings: &[ItemStats], service: &str) -> Option<Verdict> {
    if item.negated || item.wanted.is_empty() {
        return None;
    }
    let field = item.field.as_deref()?;
    match domain(field, service)? {
        Domain::Closed(values) => {
            let possible = item
                .wanted
                .iter()
                .any(|w| values.iter().any(|v| satisfies(w, v)));
            let known_values = values.iter().map(|v| v.to_string()).collect();
            Some(if possible {
                Verdict {
                    verdict: "never_matches",
                    note: "a value Entra writes, but no scenario produced it".into(),
                    known_values,
                }
            } else {
                Verdict {
                    verdict: "never_written",
                    note: format!(
                        "never written by Entra; known values: {}",
                        values.join(", ")
                    ),
                    known_values,
                }
            })
        }
        Domain::RiskEventType => {
            let wanted = item.wanted.first()?;
            let documented = catalog::risk::find_risk_type(&wanted.value).is_some()
                || wanted.value.eq_ignore_ascii_case(catalog::risk::GENERIC);
            Some(if documented {
                Verdict {
                    verdict: "never_matches",
                    note: "a documented riskEventType, but no scenario produced it".into(),
                    known_values: Vec::new(),
                }
            } else {
                let reason = catalog::risk::UNDOCUMENTED_RISK_TYPES
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&wanted.value))
                    .map_or("not a documented riskEventType", |(_, reason)| reason);
                Verdict {
                    verdict: "never_written",
                    note: format!("never written by Entra: {reason}"),
                    known_values: Vec::new(),
                }
            })
        }
        Domain::Simulated(values, what) => {
            let possible = item
                .wanted
                .iter()
                .any(|w| values.iter().any(|v| satisfies(w, v)));
            (!possible).then(|| Verdict {
                verdict: "not_simulated",
                note: format!(
                    "entralab simulates only {what} ({} activities)",
                    values.len()
                ),
                known_values: values.iter().map(|v| v.to_string()).collect(),
            })
        }
        Domain::Code => {
            let codes: Vec<Option<i64>> = item
                .wanted
                .iter()
                .map(|w| (w.op == Op::Equals).then(|| w.value.trim().parse().ok())?)
                .collect();
            let known: Vec<String> = catalog::sign_in_codes()
                .iter()
                .map(|c| c.code.to_string())
                .collect();
            if codes.iter().all(Option::is_none) {
                return Some(Verdict {
                    verdict: "never_written",
                    note: "never written by Entra: it is a number (an AADSTS error code, 0 for success)"
                        .into(),
                    known_values: known,
                });
            }
            let simulated = codes.iter().flatten().any(|code| {
                i32::try_from(*code).is_ok_and(|c| catalog::find_sign_in_code(c).is_some())
            });
            (!simulated).then(|| Verdict {
                verdict: "not_simulated",
                note: format!(
                    "entralab does not simulate this code (it writes {})",
                    known.join(", ")
                ),
                known_values: known,
            })
        }
        Domain::CodeText => {
            let pinned: Vec<&'static catalog::SignInCode> = siblings
                .iter()
                .filter(|s| {
                    s.field
                        .as_deref()
                        .is_some_and(|f| matches!(domain(f, service), Some(Domain::Code)))
                })
                .flat_map(|s| &s.wanted)
                .filter_map(|w| w.value.trim().parse::<i32>().ok())
                .map(catalog::find_sign_in_code)
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default();
            let texts: Vec<&'static catalog::SignInCode> = if pinned.is_empty() {
                catalog::sign_in_codes().iter().collect()
            } else {
                pinned.clone()
            };
            let possible = item
                .wanted
                .iter()
                .any(|w| texts.iter().any(|c| satisfies(w, c.failure_reason)));
            if possible {
                return None;
            }
            let known_values = texts.iter().map(|c| c.failure_reason.to_string()).collect();
            Some(if pinned.is_empty() {
                Verdict {
                    verdict: "not_simulated",
                    note: "not the text of any code entralab simulates".into(),
                    known_values,
                }
            } else {
                let written: Vec<String> = pinned
                    .iter()
                    .map(|c| format!("{} is written with '{}'", c.code, c.failure_reason))
                    .collect();
                Verdict {
                    verdict: "never_written",
                    note: format!("never written by Entra: {}", written.join("; ")),
                    known_values,
                }
            })
        }
    }
}

/// A field that holds an object (compared as its JSON text) tested against a plain string.
pub(super) fn object_field(item: &ItemStats) -> Option<Verdict> {
    let field = item.field.as_deref()?;
    let first = item.seen.keys().next()?;
    let objects = item.seen.keys().all(|v| v.starts_with('{'));
    let plain = !item.wanted.is_empty()
        && item
            .wanted
            .iter()
            .all(|w| w.op == Op::Equals && !w.value.starts_with('{'));
    if !(objects && plain) {
        return None;
    }
    let members: Vec<String> = serde_json::from_str::<serde_json::Value>(first)
        .ok()
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default();
    // `errorCode` says more than the first member in order (`additionalDetails`).
    let example = members
        .iter()
        .find(|m| m.as_str() == "errorCode")
        .or(members.first())
        .map(|m| format!(", e.g. `{field}.{m}`"))
        .unwrap_or_default();
    Some(Verdict {
        verdict: "never_written",
        note: format!(
            "`{field}` holds an object, compared as its JSON text, so it never equals a plain string; test a member{example}"
        ),
        known_values: members.iter().map(|m| format!("{field}.{m}")).collect(),
    })
}
