//! The parsed form of a `$filter` expression, before names are bound to a resource.

use crate::graph::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    And(Box<Ast>, Box<Ast>),
    Or(Box<Ast>, Box<Ast>),
    Not(Box<Ast>),
    Compare {
        left: Operand,
        op: CompareOp,
        right: Operand,
        at: usize,
    },
    /// A function call used as a condition: `startswith(path, 'x')`.
    Call {
        name: String,
        args: Vec<Operand>,
        at: usize,
    },
    /// `path/any(v: body)` or `path/all(v: body)`; `any()` without a body is "not empty".
    Lambda {
        path: Vec<String>,
        all: bool,
        var: Option<String>,
        body: Option<Box<Ast>>,
        at: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Vec<String>, usize),
    Literal(Literal, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Time(Timestamp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }

    /// The operator with its operands swapped: `5 lt x` is `x gt 5`.
    pub fn flipped(self) -> Self {
        match self {
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            other => other,
        }
    }
}
