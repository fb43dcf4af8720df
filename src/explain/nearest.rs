//! The known name nearest to what `explain` could not find, for its "did you mean".

use crate::catalog::audit;
use crate::catalog::risk::RISK_TYPES;
use crate::catalog::teaching;
use crate::catalog::{self, SsprText};

/// The known code nearest to `code`: fewest digit edits (a typo), then numerically closest.
pub(super) fn nearest_code(code: i32) -> Option<i32> {
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

/// The activity or risk detection type nearest to `query`, by edit distance over activity
/// names and keys and risk types' Graph names and titles. An activity is suggested by its
/// display name; a risk type in the form the query was written in: by its title when the
/// query has words (`Atypical travle`), else by its Graph name (`impossibleTravel` gets
/// `mcasImpossibleTravel`, though the title `Impossible travel` is nearer).
pub(super) fn nearest_name(query: &str) -> Option<&'static str> {
    let words = query.contains(char::is_whitespace);
    let query = query.to_lowercase();
    let sspr = [SsprText::FLOW_PROGRESS, SsprText::RESET, SsprText::BLOCKED]
        .into_iter()
        .map(|n| (n, n));
    let activities = audit::activities()
        .flat_map(|a| [(a.display_name, a.display_name), (a.key, a.display_name)]);
    let risks = RISK_TYPES.iter().flat_map(move |r| {
        [
            (r.name, r.name),
            (r.title, if words { r.title } else { r.name }),
        ]
    });
    sspr.chain(activities)
        .chain(risks)
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
    fn a_misspelt_risk_type_gets_the_type_and_a_misspelt_title_the_title() {
        assert_eq!(nearest_name("unlikelyTravle"), Some("unlikelyTravel"));
        assert_eq!(nearest_name("leakedcredential"), Some("leakedCredentials"));
        assert_eq!(nearest_name("Atypical travle"), Some("Atypical travel"));
        assert_eq!(
            nearest_name("impossibleTravel"),
            Some("mcasImpossibleTravel")
        );
    }

    #[test]
    fn a_misspelt_activity_still_gets_the_activity() {
        assert_eq!(
            nearest_name("Delete condtional access policy"),
            Some("Delete conditional access policy")
        );
        assert_eq!(
            nearest_name("add_member_to_rol"),
            Some("Add member to role")
        );
    }
}
