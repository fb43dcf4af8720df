//! Detection expectations: the Sigma rules that must fire on the scenario's records, and those
//! that must stay quiet (checked by `entralab verify --rules DIR`).

use crate::scenario::values::CountSpec;

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
