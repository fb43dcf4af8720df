//! The `detections:` section checked: rule names not empty, no rule listed twice, no count on
//! a quiet rule. Rule names themselves are only checked against the rules at run time.

use super::Resolver;
use crate::scenario::model::DetectionExpectation;
use crate::scenario::spec::detections::{DetectionsSpec, RuleRefSpec};
use serde_saphyr::Spanned;

impl Resolver<'_> {
    pub(super) fn detections(
        &mut self,
        spec: Option<Spanned<DetectionsSpec>>,
    ) -> Vec<DetectionExpectation> {
        let Some(spec) = spec else {
            return Vec::new();
        };
        let mut out: Vec<DetectionExpectation> = Vec::new();
        let lists = [(true, spec.value.fires), (false, spec.value.quiet)];
        for (fires, list) in lists {
            for entry in list {
                let at = entry.referenced;
                let RuleRefSpec { rule, count } = entry.value;
                let rule = rule.trim().to_string();
                if rule.is_empty() {
                    self.error(
                        at,
                        "empty rule name",
                        "no rule",
                        "name a Sigma rule by its id or its title",
                    );
                    continue;
                }
                if !fires && count.is_some_and(|c| c.min > 0) {
                    self.error(
                        at,
                        format!("`quiet` takes no count, but `{rule}` has one"),
                        "count on a quiet rule",
                        "move the rule to `fires:`, or drop the count",
                    );
                    continue;
                }
                if let Some(other) = out.iter().find(|d| d.rule.eq_ignore_ascii_case(&rule)) {
                    let (what, hint) = if other.fires == fires {
                        ("listed twice", "keep one entry")
                    } else {
                        (
                            "both in `fires` and in `quiet`",
                            "a rule either fires or stays quiet",
                        )
                    };
                    self.error(
                        at,
                        format!("rule `{rule}` is {what}"),
                        "listed before",
                        hint,
                    );
                    continue;
                }
                out.push(DetectionExpectation {
                    rule,
                    fires,
                    count: if fires { count } else { None },
                    line: at.line(),
                });
            }
        }
        out
    }
}
