//! The `expect:` section as written. Matcher maps keep the location of every key and value,
//! so a misspelt field path is reported where it stands.

use crate::scenario::values::{CountSpec, DurationValue, Scalar};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationSpec {
    pub name: Option<String>,
    /// Selects sign-in records by field matchers (`{}` selects all).
    pub sign_ins: Option<Spanned<MatcherMap>>,
    /// Selects directory audit records by field matchers.
    pub audits: Option<Spanned<MatcherMap>>,
    /// Selects ID Protection risk detections by field matchers.
    pub risk_detections: Option<Spanned<MatcherMap>>,
    /// Selects ID Protection risky users (each user's latest risk state) by field matchers.
    pub risky_users: Option<Spanned<MatcherMap>>,
    /// Only records within this window, as offsets from the timeline's start.
    pub window: Option<WindowSpec>,
    pub count: Option<Spanned<CountSpec>>,
    /// Every selected record also matches these.
    pub all: Option<Spanned<MatcherMap>>,
    /// Every selected record has the same value in each of these fields.
    pub same: Option<Vec<Spanned<String>>>,
    /// The first and last selected records are at most this far apart.
    pub within: Option<DurationValue>,
    pub sequence: Option<Spanned<Vec<SequenceStepSpec>>>,
    pub group_by: Option<Spanned<String>>,
    pub groups: Option<Spanned<CountSpec>>,
    pub each: Option<EachGroupSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    #[serde(default)]
    pub from: DurationValue,
    pub to: Option<Spanned<DurationValue>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EachGroupSpec {
    /// The group's first record matches these.
    pub first: Option<Spanned<MatcherMap>>,
    /// The group's last record matches these.
    pub last: Option<Spanned<MatcherMap>>,
    pub count: Option<Spanned<CountSpec>>,
    /// No record of another group falls between the group's first and last record.
    #[serde(default)]
    pub contiguous: bool,
    pub within: Option<DurationValue>,
}

/// One step of a sequence: field matchers plus `times` (default 1).
#[derive(Debug)]
pub struct SequenceStepSpec {
    pub matchers: MatcherMap,
    pub times: Option<Spanned<CountSpec>>,
}

/// Field path → matcher, in the order written.
#[derive(Debug, Default)]
pub struct MatcherMap(pub Vec<(Spanned<String>, Spanned<MatcherSpec>)>);

impl<'de> Deserialize<'de> for MatcherMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = MatcherMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("field matchers, like { status/errorCode: 50126 }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MatcherMap, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(MatcherMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

impl<'de> Deserialize<'de> for SequenceStepSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl<'de> Visitor<'de> for StepVisitor {
            type Value = SequenceStepSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a step, like { status/errorCode: 50126, times: 5..7 }")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<SequenceStepSpec, A::Error> {
                let mut matchers = Vec::new();
                let mut times = None;
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    if key.value == "times" {
                        times = Some(map.next_value()?);
                    } else {
                        matchers.push((key, map.next_value()?));
                    }
                }
                Ok(SequenceStepSpec {
                    matchers: MatcherMap(matchers),
                    times,
                })
            }
        }
        deserializer.deserialize_map(StepVisitor)
    }
}

/// What a field must be: a scalar (equals), a list (one of), or operators.
#[derive(Debug, Clone, PartialEq)]
pub enum MatcherSpec {
    Equals(Scalar),
    OneOf(Vec<Scalar>),
    Ops(Vec<(String, OperandSpec)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum OperandSpec {
    Scalar(Scalar),
    List(Vec<Scalar>),
    Nested(Box<MatcherSpec>),
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = MatcherSpec;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value, a list of values, or operators like { contains: x }")
    }
    fn visit_unit<E: de::Error>(self) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Scalar::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Scalar::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Scalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Scalar::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<MatcherSpec, E> {
        i64::try_from(v)
            .map(|v| MatcherSpec::Equals(Scalar::Int(v)))
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Scalar::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Scalar::Str(v.to_string())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MatcherSpec, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = seq.next_element::<ScalarOnly>()? {
            values.push(value.0);
        }
        Ok(MatcherSpec::OneOf(values))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MatcherSpec, A::Error> {
        let mut ops = Vec::new();
        while let Some(op) = map.next_key::<String>()? {
            let operand = match op.as_str() {
                "not" => OperandSpec::Nested(Box::new(map.next_value::<MatcherSpecValue>()?.0)),
                "one_of" => match map.next_value::<MatcherSpecValue>()?.0 {
                    MatcherSpec::OneOf(values) => OperandSpec::List(values),
                    MatcherSpec::Equals(value) => OperandSpec::List(vec![value]),
                    MatcherSpec::Ops(_) => {
                        return Err(de::Error::custom("one_of takes a list of values"));
                    }
                },
                _ => OperandSpec::Scalar(map.next_value::<ScalarOnly>()?.0),
            };
            ops.push((op, operand));
        }
        Ok(MatcherSpec::Ops(ops))
    }
}

impl<'de> Deserialize<'de> for MatcherSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct MatcherSpecValue(MatcherSpec);

impl<'de> Deserialize<'de> for MatcherSpecValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ScalarVisitor)
            .map(MatcherSpecValue)
    }
}

/// A scalar and nothing else.
struct ScalarOnly(Scalar);

impl<'de> Deserialize<'de> for ScalarOnly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(ScalarVisitor)? {
            MatcherSpec::Equals(scalar) => Ok(ScalarOnly(scalar)),
            _ => Err(de::Error::custom(
                "expected a single value here, not a list or a mapping",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_ranges() {
        assert_eq!(
            CountSpec::parse("5..7").unwrap(),
            CountSpec {
                min: 5,
                max: Some(7)
            }
        );
        assert_eq!(
            CountSpec::parse("5..=7").unwrap(),
            CountSpec {
                min: 5,
                max: Some(7)
            }
        );
        assert_eq!(
            CountSpec::parse("1..").unwrap(),
            CountSpec { min: 1, max: None }
        );
        assert_eq!(
            CountSpec::parse("..2").unwrap(),
            CountSpec {
                min: 0,
                max: Some(2)
            }
        );
        assert_eq!(
            CountSpec::parse("3").unwrap(),
            CountSpec {
                min: 3,
                max: Some(3)
            }
        );
        assert!(CountSpec::parse("7..5").is_err());
        assert!(CountSpec::parse("x").is_err());
    }
}
