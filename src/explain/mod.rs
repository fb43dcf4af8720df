//! `entralab explain`: what a sign-in error code or an audit activity means, what the admin
//! centre shows for it, what causes it in entralab's model (with the scenario knobs), which
//! shipped scenario shows it, and which Sigma rules look at it. Offline, from the catalogue
//! (`catalog`, `catalog::teaching`, `catalog::audit`) and the scenarios built into the binary.

mod render;
mod rules;
mod shipped;

pub use render::render;
pub use rules::{RuleMention, rules_mentioning};
pub use shipped::{DETECTION_SCENARIOS, Needle, ShippedIndex, ShownIn, load_shipped, shipped};

use crate::catalog::audit::{self, AuditActivity};
use crate::catalog::teaching::{self, OtherCode, SsprActivityText};
use crate::catalog::{self, SignInCode, SsprText};

/// One thing `explain` can talk about.
#[derive(Debug, Clone, Copy)]
pub enum Topic {
    /// A code the simulator writes.
    Code(&'static SignInCode),
    /// A code Entra writes that entralab does not simulate.
    OtherCode(&'static OtherCode),
    /// An SSPR service activity.
    Sspr(&'static SsprActivityText),
    /// An activity of the audit catalogue.
    Activity(&'static AuditActivity),
}

impl Topic {
    /// What to look for in the shipped scenarios and in rules.
    pub fn needle(&self) -> Option<Needle<'static>> {
        match self {
            Topic::Code(c) => Some(Needle::Code(c.code)),
            Topic::OtherCode(_) => None,
            Topic::Sspr(s) => Some(Needle::Activity(s.display_name)),
            Topic::Activity(a) => Some(Needle::Activity(a.display_name)),
        }
    }

    /// The text a rule's selection names it by.
    pub fn rule_text(&self) -> String {
        match self {
            Topic::Code(c) => c.code.to_string(),
            Topic::OtherCode(c) => c.code.to_string(),
            Topic::Sspr(s) => s.display_name.to_string(),
            Topic::Activity(a) => a.display_name.to_string(),
        }
    }
}

/// What `explain` was asked about and could not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub query: String,
    /// The nearest known code or activity.
    pub nearest: Option<String>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if parse_code(&self.query).is_some() {
            "sign-in error code"
        } else {
            "audit activity"
        };
        write!(f, "`{}` is not a {what} entralab knows", self.query)?;
        if let Some(nearest) = &self.nearest {
            write!(f, "; did you mean `{nearest}`?")?;
        }
        Ok(())
    }
}

/// The topics `query` names: a code (`50053`, `AADSTS50053`), an activity's display name
/// (`Add member to role`, any case) or its catalogue key (`add_member_to_role`). One display
/// name can be several catalogue activities (the direct and the PIM `Add member to role`).
pub fn lookup(query: &str) -> Result<Vec<Topic>, Unknown> {
    let query = query.trim();
    if let Some(code) = parse_code(query) {
        if let Some(known) = catalog::find_sign_in_code(code) {
            return Ok(vec![Topic::Code(known)]);
        }
        if let Some(other) = teaching::find_other_code(code) {
            return Ok(vec![Topic::OtherCode(other)]);
        }
        return Err(Unknown {
            query: query.to_string(),
            nearest: nearest_code(code).map(|c| c.to_string()),
        });
    }
    if let Some(sspr) = teaching::sspr_activity(query) {
        return Ok(vec![Topic::Sspr(sspr)]);
    }
    let found: Vec<Topic> = audit::activities()
        .filter(|a| a.key == query || a.display_name.eq_ignore_ascii_case(query))
        .map(Topic::Activity)
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    Err(Unknown {
        query: query.to_string(),
        nearest: nearest_activity(query).map(str::to_string),
    })
}

/// Every topic of the catalogue: the simulated codes, the other codes, the SSPR activities
/// and the audit activities, in catalogue order.
pub fn every_topic() -> Vec<Topic> {
    let mut topics: Vec<Topic> = catalog::sign_in_codes().iter().map(Topic::Code).collect();
    topics.extend(teaching::OTHER_CODES.iter().map(Topic::OtherCode));
    topics.extend(teaching::SSPR_ACTIVITIES.iter().map(Topic::Sspr));
    topics.extend(audit::activities().map(Topic::Activity));
    topics
}

fn parse_code(query: &str) -> Option<i32> {
    let digits = query
        .strip_prefix("AADSTS")
        .or_else(|| query.strip_prefix("aadsts"))
        .unwrap_or(query);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The known code nearest to `code`: fewest digit edits (a typo), then numerically closest.
fn nearest_code(code: i32) -> Option<i32> {
    let text = code.to_string();
    catalog::sign_in_codes()
        .iter()
        .map(|c| c.code)
        .chain(teaching::OTHER_CODES.iter().map(|c| c.code))
        .filter(|c| *c != 0)
        .min_by_key(|c| {
            (
                strsim::damerau_levenshtein(&text, &c.to_string()),
                (i64::from(*c) - i64::from(code)).unsigned_abs(),
            )
        })
}

/// The activity name nearest to `query`, by edit distance over names and keys.
fn nearest_activity(query: &str) -> Option<&'static str> {
    let query = query.to_lowercase();
    let names = [SsprText::FLOW_PROGRESS, SsprText::RESET, SsprText::BLOCKED]
        .into_iter()
        .map(|n| (n, n))
        .chain(
            audit::activities()
                .flat_map(|a| [(a.display_name, a.display_name), (a.key, a.display_name)]),
        );
    names
        .map(|(spelling, name)| {
            (
                strsim::normalized_damerau_levenshtein(&query, &spelling.to_lowercase()),
                name,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_with_or_without_the_aadsts_prefix() {
        for query in ["50053", "AADSTS50053", " 50053 "] {
            let topics = lookup(query).unwrap();
            assert!(matches!(topics[..], [Topic::Code(c)] if c.code == 50053));
        }
        assert!(
            matches!(lookup("7000215").unwrap()[..], [Topic::OtherCode(c)] if c.code == 7000215)
        );
    }

    #[test]
    fn unknown_codes_suggest_the_nearest() {
        let unknown = lookup("50127").unwrap_err();
        assert_eq!(unknown.nearest.as_deref(), Some("50126"));
        assert_eq!(
            lookup("50054").unwrap_err().nearest.as_deref(),
            Some("50053")
        );
        assert_eq!(
            unknown.to_string(),
            "`50127` is not a sign-in error code entralab knows; did you mean `50126`?"
        );
    }

    #[test]
    fn activities_are_found_by_name_or_key_and_may_be_several() {
        assert_eq!(lookup("add member to role").unwrap().len(), 2);
        assert_eq!(lookup("delete_conditional_access_policy").unwrap().len(), 1);
        assert!(matches!(
            lookup("Blocked from self-service password reset").unwrap()[..],
            [Topic::Sspr(_)]
        ));
        let unknown = lookup("Delete condtional access policy").unwrap_err();
        assert_eq!(
            unknown.nearest.as_deref(),
            Some("Delete conditional access policy")
        );
    }

    #[test]
    fn every_action_an_activity_names_is_a_directory_action() {
        for (key, _, actions) in crate::catalog::audit::teaching::ACTIVITY_TEXTS {
            for action in *actions {
                assert!(
                    crate::scenario::DirectoryVerb::find(action).is_some(),
                    "{key}: {action}"
                );
            }
        }
    }
}
