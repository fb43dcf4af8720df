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

use crate::scenario::values::CountSpec;
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
