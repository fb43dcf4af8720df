//! Expectations: what the logs of a scenario must show. The `verify` module evaluates them.

pub use crate::scenario::values::{CountSpec, Scalar};

#[derive(Debug, Clone)]
pub struct Expectation {
    pub name: String,
    /// Line of the expectation in the scenario file.
    pub line: u64,
    pub kind: RecordKind,
    pub select: Vec<FieldMatch>,
    /// Offsets from the timeline start, in ticks: [from, to).
    pub window: Option<(i64, Option<i64>)>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    SignIns,
    Audits,
    /// ID Protection's `riskDetection`s.
    RiskDetections,
    /// ID Protection's `riskyUser`s: each user's latest risk state.
    RiskyUsers,
}

impl RecordKind {
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::SignIns => "sign-ins",
            RecordKind::Audits => "audits",
            RecordKind::RiskDetections => "risk detections",
            RecordKind::RiskyUsers => "risky users",
        }
    }

    /// The kind's name after a number: `1 sign-in`, `0 sign-ins`, `2 sign-ins`.
    pub fn counted(self, count: u64) -> &'static str {
        if count != 1 {
            return self.label();
        }
        match self {
            RecordKind::SignIns => "sign-in",
            RecordKind::Audits => "audit",
            RecordKind::RiskDetections => "risk detection",
            RecordKind::RiskyUsers => "risky user",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FieldMatch {
    pub field: Field,
    pub op: MatchOp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A Graph field path, as known (`status/errorCode`, `targetResources/*/id`).
    Path(String),
    /// A scenario user: the record's user (sign-ins) or initiator or target (audits) is them.
    User { key: String, upn: String },
    /// Any text anywhere in the record.
    AnyText,
}

#[derive(Debug, Clone)]
pub enum MatchOp {
    Equals(Scalar),
    OneOf(Vec<Scalar>),
    Contains(String),
    StartsWith(String),
    Regex(regex::Regex),
    Compare(Comparison, Scalar),
    Exists(bool),
    Not(Box<MatchOp>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
pub enum Check {
    Count(CountSpec),
    All(Vec<FieldMatch>),
    Same(Vec<String>),
    Within(i64),
    Sequence(Vec<SequenceStep>),
    Groups(GroupCheck),
}

#[derive(Debug, Clone)]
pub struct SequenceStep {
    pub matchers: Vec<FieldMatch>,
    pub times: CountSpec,
}

#[derive(Debug, Clone)]
pub struct GroupCheck {
    pub by: String,
    pub count: Option<CountSpec>,
    pub first: Vec<FieldMatch>,
    pub last: Vec<FieldMatch>,
    pub each_count: Option<CountSpec>,
    pub contiguous: bool,
    pub within: Option<i64>,
}
