//! The `questions:` section as written: exercises whose answers are computed from the
//! simulated records by an expression over the same selectors as `expect:`.

use super::expect::MatcherMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSpec {
    pub id: Spanned<String>,
    pub text: String,
    /// What kind of answer a learner gives (integer, ipv4, upn, ...).
    pub kind: Spanned<AnswerKindSpec>,
    pub answer: Spanned<AnswerSpec>,
    /// Said after a wrong answer, before the hint entralab works out.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKindSpec {
    Integer,
    Ipv4,
    Upn,
    CorrelationId,
    Timestamp,
    Text,
}

/// Select rows (`sign_ins:` or `audits:`), then one way to pick the answer from them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSpec {
    pub sign_ins: Option<Spanned<MatcherMap>>,
    pub audits: Option<Spanned<MatcherMap>>,
    /// `count: rows`: how many rows are selected.
    pub count: Option<Spanned<String>>,
    /// How many distinct values the field has over the selected rows.
    pub count_distinct: Option<Spanned<String>>,
    /// The 1-based position, among the selected rows, of the first one matching these.
    pub position: Option<Spanned<MatcherMap>>,
    /// The value of this field on one row (`row:`), or on the value group `most_distinct:`
    /// ranks first.
    pub field: Option<Spanned<String>>,
    /// Which row `field:` reads: `first` (default), `last`, or a 1-based number.
    pub row: Option<Spanned<RowSpec>>,
    /// Of the values of `field:`, the one whose rows have the most distinct values of this
    /// field ("the address that failed for the most users").
    pub most_distinct: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSpec {
    First,
    Last,
    /// 1-based.
    Nth(u64),
}

impl<'de> Deserialize<'de> for RowSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl Visitor<'_> for RowVisitor {
            type Value = RowSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`first`, `last` or a row number from 1")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RowSpec, E> {
                if v == 0 {
                    return Err(E::custom("rows are numbered from 1"));
                }
                Ok(RowSpec::Nth(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RowSpec, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("rows are numbered from 1"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RowSpec, E> {
                match v {
                    "first" => Ok(RowSpec::First),
                    "last" => Ok(RowSpec::Last),
                    _ => Err(E::custom(format!(
                        "`{v}` is not a row: write `first`, `last` or a row number from 1"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(RowVisitor)
    }
}
