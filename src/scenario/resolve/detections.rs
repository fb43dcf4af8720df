//! The `detections:` section: which Sigma rules must fire on the scenario's records and which
//! must stay quiet (checked by `entralab verify --rules DIR`).
//!
//! ```yaml
//! detections:
//!   fires:
//!     - Entra ID sign-in on a locked account        # a rule title (any case) or id
//!     - { rule: 0b6f2c4e-..., count: 3.. }          # with how many matches
//!   quiet: [entralab password spray from one address]
//! ```
//!
//! Rule names can only be checked against the rules at run time: a name no loaded rule has is
//! a failed outcome then.

use super::expect_spec::CountSpec;
use super::resolve::Resolver;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionsSpec {
    #[serde(default)]
    pub fires: Vec<Spanned<RuleRefSpec>>,
    #[serde(default)]
    pub quiet: Vec<Spanned<RuleRefSpec>>,
}

/// `name` or `{ rule: name, count: 1.. }`.
#[derive(Debug)]
pub struct RuleRefSpec {
    pub rule: String,
    pub count: Option<CountSpec>,
}

impl<'de> Deserialize<'de> for RuleRefSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RefVisitor;
        impl<'de> Visitor<'de> for RefVisitor {
            type Value = RuleRefSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rule id or title, or { rule: <id or title>, count: 1.. }")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RuleRefSpec, E> {
                Ok(RuleRefSpec {
                    rule: text.to_string(),
                    count: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuleRefSpec, A::Error> {
                let mut rule = None;
                let mut count = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "rule" => rule = Some(map.next_value::<String>()?),
                        "count" => count = Some(map.next_value::<CountSpec>()?),
                        other => {
                            return Err(de::Error::unknown_field(other, &["rule", "count"]));
                        }
                    }
                }
                let rule = rule.ok_or_else(|| de::Error::missing_field("rule"))?;
                Ok(RuleRefSpec { rule, count })
            }
        }
        deserializer.deserialize_any(RefVisitor)
    }
}

/// One entry of `detections:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectionExpectation {
    /// A rule id, or a title (matched in any case).
    pub rule: String,
    /// `fires:` (true) or `quiet:` (false).
    pub fires: bool,
    /// How many matches (`fires:` only; default `1..`).
    pub count: Option<CountSpec>,
    /// Where the entry is written.
    pub line: u64,
}

impl DetectionExpectation {
    /// The outcome's name in reports.
    pub fn name(&self) -> String {
        match (self.fires, self.count) {
            (false, _) => format!("detection `{}` stays quiet", self.rule),
            (true, None) => format!("detection `{}` fires", self.rule),
            (true, Some(c)) => format!("detection `{}` fires {} time(s)", self.rule, count_text(c)),
        }
    }
}

pub fn count_text(c: CountSpec) -> String {
    match c.max {
        Some(max) if max == c.min => format!("{max}"),
        Some(max) => format!("{}..{max}", c.min),
        None => format!("{}..", c.min),
    }
}

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
