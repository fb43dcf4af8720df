//! Exercises: questions whose answers are computed from the simulated records. The
//! `exercise` module evaluates them.

use super::{FieldMatch, RecordKind};

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub kind: AnswerKind,
    pub answer: AnswerExpr,
    pub hint: Option<String>,
    /// Line of the question in the scenario file.
    pub line: u64,
}

/// What a learner answers with; how answers are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    Integer,
    Ipv4,
    Upn,
    CorrelationId,
    Timestamp,
    Text,
}

/// Select rows, then pick the answer from them.
#[derive(Debug, Clone)]
pub struct AnswerExpr {
    pub records: RecordKind,
    pub select: Vec<FieldMatch>,
    pub pick: Pick,
}

#[derive(Debug, Clone)]
pub enum Pick {
    /// How many rows.
    Count,
    /// How many distinct values of a field.
    CountDistinct(String),
    /// The 1-based position of the first row matching these.
    Position(Vec<FieldMatch>),
    /// A field of one row.
    Field { path: String, row: RowPick },
    /// The value of `path` whose rows have the most distinct values of `by`.
    MostDistinct { path: String, by: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPick {
    First,
    Last,
    /// 1-based.
    Nth(u64),
}
