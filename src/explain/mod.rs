//! `entralab explain`: what a sign-in error code, an audit activity or an ID Protection risk
//! detection type means, what the admin centre or the logs show for it, what causes it in
//! entralab's model (with the scenario knobs), which shipped scenario shows it, and which
//! Sigma rules look at it. Offline, from the catalogue (`catalog`, `catalog::teaching`,
//! `catalog::audit`, `catalog::risk`) and the scenarios built into the binary.

mod library;
mod nearest;
mod render;
mod render_risk;
mod rules;
mod shipped;

pub use library::{DETECTION_SCENARIOS, IDENTITY_PROTECTION_SCENARIOS, load_shipped, shipped};
pub use render::render;
pub use rules::{RuleMention, rules_mentioning};
pub use shipped::{Needle, ShippedIndex, ShownIn};

use crate::catalog::audit::{self, AuditActivity};
use crate::catalog::risk::{self, RISK_TYPES, RiskType, UNDOCUMENTED_RISK_TYPES};
use crate::catalog::teaching::{self, OtherCode, SsprActivityText};
use crate::catalog::{self, SignInCode};
use nearest::{nearest_code, nearest_name};

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
    /// An ID Protection risk detection type (`riskEventType`).
    Risk(&'static RiskType),
}

impl Topic {
    /// What to look for in the shipped scenarios and in rules.
    pub fn needle(&self) -> Option<Needle<'static>> {
        match self {
            Topic::Code(c) => Some(Needle::Code(c.code)),
            Topic::OtherCode(_) => None,
            Topic::Sspr(s) => Some(Needle::Activity(s.display_name)),
            Topic::Activity(a) => Some(Needle::Activity(a.display_name)),
            Topic::Risk(r) => Some(Needle::Risk(r.name)),
        }
    }

    /// The text a rule's selection names it by.
    pub fn rule_text(&self) -> String {
        match self {
            Topic::Code(c) => c.code.to_string(),
            Topic::OtherCode(c) => c.code.to_string(),
            Topic::Sspr(s) => s.display_name.to_string(),
            Topic::Activity(a) => a.display_name.to_string(),
            Topic::Risk(r) => r.name.to_string(),
        }
    }
}

/// What `explain` was asked about and could not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub query: String,
    /// The nearest known code, activity or risk detection type.
    pub nearest: Option<String>,
    /// Why a name found in rules is not known: a risk type renamed or no longer documented.
    pub note: Option<&'static str>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A number is only looked up as a code; anything else as everything else.
        let what = if parse_code(&self.query).is_some() {
            "a sign-in error code"
        } else {
            "a sign-in error code, audit activity or risk detection type"
        };
        write!(f, "`{}` is not {what} entralab knows", self.query)?;
        if let Some(note) = self.note {
            write!(f, " ({note})")?;
        }
        if let Some(nearest) = &self.nearest {
            write!(f, "; did you mean `{nearest}`?")?;
        }
        Ok(())
    }
}

/// The topics `query` names: a code (`50053`, `AADSTS50053`), an activity's display name
/// (`Add member to role`, any case) or its catalogue key (`add_member_to_role`), or a risk
/// detection type's Graph name (`unlikelyTravel`, any case) or title (`Atypical travel`). One
/// display name can be several catalogue activities (the direct and the PIM `Add member to
/// role`).
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
            note: None,
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
    if let Some(risk) = find_risk(query) {
        return Ok(vec![Topic::Risk(risk)]);
    }
    Err(Unknown {
        query: query.to_string(),
        nearest: nearest_name(query).map(str::to_string),
        note: UNDOCUMENTED_RISK_TYPES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(query))
            .map(|(_, why)| *why),
    })
}

/// The risk detection type `query` names by its Graph name or its title, any case.
fn find_risk(query: &str) -> Option<&'static RiskType> {
    risk::find_risk_type(query).or_else(|| {
        RISK_TYPES
            .iter()
            .find(|r| r.title.eq_ignore_ascii_case(query))
    })
}

/// Every topic of the catalogue: the simulated codes, the other codes, the SSPR activities,
/// the audit activities and the risk detection types, in catalogue order.
pub fn every_topic() -> Vec<Topic> {
    let mut topics: Vec<Topic> = catalog::sign_in_codes().iter().map(Topic::Code).collect();
    topics.extend(teaching::OTHER_CODES.iter().map(Topic::OtherCode));
    topics.extend(teaching::SSPR_ACTIVITIES.iter().map(Topic::Sspr));
    topics.extend(audit::activities().map(Topic::Activity));
    topics.extend(RISK_TYPES.iter().map(Topic::Risk));
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
    fn risk_types_are_found_by_graph_name_in_any_case_or_by_title() {
        for query in [
            "unlikelyTravel",
            "UNLIKELYTRAVEL",
            " unlikelytravel ",
            "Atypical travel",
            "atypical TRAVEL",
        ] {
            let topics = lookup(query).unwrap();
            assert!(
                matches!(topics[..], [Topic::Risk(r)] if r.name == "unlikelyTravel"),
                "{query}"
            );
        }
        assert!(
            matches!(lookup("anonymizedipaddress").unwrap()[..], [Topic::Risk(r)] if r.name == "anonymizedIPAddress")
        );
    }

    #[test]
    fn a_misspelt_risk_type_says_what_was_looked_for_and_suggests_the_type() {
        let unknown = lookup("unlikelyTravle").unwrap_err();
        assert_eq!(unknown.nearest.as_deref(), Some("unlikelyTravel"));
        assert_eq!(
            unknown.to_string(),
            "`unlikelyTravle` is not a sign-in error code, audit activity or risk detection \
             type entralab knows; did you mean `unlikelyTravel`?"
        );
        // A name SigmaHQ rules still use says why it is not known.
        assert_eq!(
            lookup("impossibleTravel").unwrap_err().to_string(),
            "`impossibleTravel` is not a sign-in error code, audit activity or risk detection \
             type entralab knows (renamed: current documentation names it \
             `mcasImpossibleTravel`); did you mean `mcasImpossibleTravel`?"
        );
    }

    #[test]
    fn no_risk_type_hides_or_is_hidden_by_an_activity() {
        // `lookup` tries activities first: a risk type spelt like one would never be found.
        for r in crate::catalog::risk::RISK_TYPES {
            for spelling in [r.name, r.title] {
                assert!(
                    teaching::sspr_activity(spelling).is_none()
                        && !audit::activities().any(|a| a.key.eq_ignore_ascii_case(spelling)
                            || a.display_name.eq_ignore_ascii_case(spelling)),
                    "{spelling}"
                );
                assert!(
                    matches!(lookup(spelling).unwrap()[..], [Topic::Risk(found)] if found.name == r.name),
                    "{spelling}"
                );
            }
        }
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
