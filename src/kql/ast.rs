//! The syntax tree of a KQL query. [`super::print`] writes it back as KQL text that parses to
//! the same tree (spans aside: they always compare equal).

use super::error::Span;
use super::value::Type;

/// A whole query: `let` statements, then one tabular expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub lets: Vec<Let>,
    pub body: Pipeline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: String,
    pub value: LetValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A pipeline, or an expression (a scalar, a table's name, a call of a function that
    /// returns a table): which one is decided when it is bound.
    Pipeline(Pipeline),
    Lambda(Lambda),
}

/// `(params) { lets; body }`
#[derive(Debug, Clone, PartialEq)]
pub struct Lambda {
    pub params: Vec<Param>,
    pub lets: Vec<Let>,
    pub body: Pipeline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    /// `= default`
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    Scalar(Type),
    /// `T:(*)` or `T:(Col:type, ...)`: a table (its columns are not checked).
    Table,
}

/// `source | op | op ...`
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub source: Source,
    pub ops: Vec<Operator>,
    /// Where each operator stands in the text (for errors that no expression explains).
    pub spans: OpSpans,
}

/// The spans of a pipeline's operators; like [`Span`], always equal to another.
#[derive(Debug, Clone, Default)]
pub struct OpSpans(pub Vec<Span>);

impl PartialEq for OpSpans {
    fn eq(&self, _: &OpSpans) -> bool {
        true
    }
}

impl Pipeline {
    pub fn new(source: Source, ops: Vec<Operator>) -> Pipeline {
        Pipeline {
            source,
            ops,
            spans: OpSpans::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A table name, a let name, a function call, or (as the value of a `let`) a scalar.
    Expr(Expr),
    /// The rows of the enclosing operator (`mv-apply ... on (where ...)`).
    Input,
    Union(Union),
    Datatable {
        columns: Vec<(String, Type)>,
        values: Vec<Expr>,
    },
    Print(Vec<Assign>),
    Range {
        name: String,
        from: Expr,
        to: Expr,
        step: Expr,
    },
    Paren(Box<Pipeline>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub kind_outer: bool,
    pub fuzzy: bool,
    pub with_source: Option<String>,
    pub tables: Vec<Pipeline>,
}

/// `name = expr`, or `expr` alone (its name is inferred).
/// `make-series A = agg(x) default = d, ... on Axis [from a] [to b] step s [by G, ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeSeries {
    /// Each aggregation with its `default =` (0 when absent, as in KQL).
    pub aggregates: Vec<(Assign, Option<Expr>)>,
    pub axis: Expr,
    pub from: Option<Expr>,
    pub to: Option<Expr>,
    pub step: Expr,
    pub by: Vec<Assign>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub name: Option<String>,
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub desc: bool,
    /// `nulls first` / `nulls last`; the default depends on the direction.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    InnerUnique,
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftAnti,
    RightAnti,
    LeftSemi,
    RightSemi,
}

impl JoinKind {
    pub const ALL: &[(&str, JoinKind)] = &[
        ("innerunique", JoinKind::InnerUnique),
        ("inner", JoinKind::Inner),
        ("leftouter", JoinKind::LeftOuter),
        ("rightouter", JoinKind::RightOuter),
        ("fullouter", JoinKind::FullOuter),
        ("leftanti", JoinKind::LeftAnti),
        ("anti", JoinKind::LeftAnti),
        ("leftantisemi", JoinKind::LeftAnti),
        ("rightanti", JoinKind::RightAnti),
        ("rightantisemi", JoinKind::RightAnti),
        ("leftsemi", JoinKind::LeftSemi),
        ("rightsemi", JoinKind::RightSemi),
    ];

    pub fn name(self) -> &'static str {
        JoinKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("inner", |(n, _)| n)
    }
}

/// One `on` condition of a join: `Col`, or `$left.A == $right.B`.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinKey {
    pub left: String,
    pub right: String,
    pub span: Span,
}

/// `Name = expr to typeof(type)` in mv-expand / mv-apply.
#[derive(Debug, Clone, PartialEq)]
pub struct MvItem {
    pub name: Option<String>,
    pub expr: Expr,
    pub to: Option<Type>,
}

/// One piece of a `parse ... with` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    Literal(String),
    Wildcard,
    Column(String, Option<Type>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Where(Expr),
    Extend(Vec<Assign>),
    Project(Vec<Assign>),
    ProjectAway(Vec<String>),
    ProjectKeep(Vec<String>),
    ProjectRename(Vec<(String, String)>),
    ProjectReorder(Vec<String>),
    Summarize {
        aggregates: Vec<Assign>,
        by: Vec<Assign>,
    },
    Count,
    Take(Expr),
    Top {
        count: Expr,
        by: SortKey,
    },
    Sort(Vec<SortKey>),
    /// `distinct *` is an empty list.
    Distinct(Vec<Expr>),
    Union(Union),
    Join {
        kind: JoinKind,
        right: Pipeline,
        on: Vec<JoinKey>,
    },
    Lookup {
        kind: JoinKind,
        right: Pipeline,
        on: Vec<JoinKey>,
    },
    MvExpand {
        items: Vec<MvItem>,
        limit: Option<Expr>,
    },
    MvApply {
        items: Vec<MvItem>,
        body: Pipeline,
    },
    Parse {
        expr: Expr,
        pattern: Vec<ParsePart>,
    },
    Serialize(Vec<Assign>),
    MakeSeries(Box<MakeSeries>),
    /// Ignored: the table is the result.
    Render(String),
    Getschema,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    Name(String),
    /// `a.b` and `a['b']`
    Member(Box<Expr>, String),
    /// `a[0]`, `a[i]`
    Index(Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    In {
        expr: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
        list: Vec<Expr>,
    },
    Between {
        expr: Box<Expr>,
        negated: bool,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `*` as an argument: `arg_max(T, *)`, `count(*)`.
    Star,
    /// A tabular argument: `toscalar(T | ...)`, `x in (T | project y)`.
    Subquery(Box<Pipeline>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A typed null: `long(null)`, `dynamic(null)`.
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    Str(String),
    /// 100 ns ticks since the Unix epoch.
    DateTime(i64),
    /// 100 ns ticks.
    TimeSpan(i64),
    Dynamic(serde_json::Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    EqCi,
    /// `!~`
    NeCi,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// String operators (`has`, `!contains`, `matches regex`, ...).
    Str(StrOp, bool),
}

/// The string operators; the flag beside one in [`BinOp::Str`] says it is negated (`!has`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    Has,
    HasCs,
    HasPrefix,
    HasPrefixCs,
    HasSuffix,
    HasSuffixCs,
    Contains,
    ContainsCs,
    StartsWith,
    StartsWithCs,
    EndsWith,
    EndsWithCs,
    HasAny,
    HasAll,
    MatchesRegex,
}

impl StrOp {
    pub const ALL: &[(&str, StrOp)] = &[
        ("has", StrOp::Has),
        ("has_cs", StrOp::HasCs),
        ("hasprefix", StrOp::HasPrefix),
        ("hasprefix_cs", StrOp::HasPrefixCs),
        ("hassuffix", StrOp::HasSuffix),
        ("hassuffix_cs", StrOp::HasSuffixCs),
        ("contains", StrOp::Contains),
        ("contains_cs", StrOp::ContainsCs),
        ("startswith", StrOp::StartsWith),
        ("startswith_cs", StrOp::StartsWithCs),
        ("endswith", StrOp::EndsWith),
        ("endswith_cs", StrOp::EndsWithCs),
        ("has_any", StrOp::HasAny),
        ("has_all", StrOp::HasAll),
    ];

    pub fn name(self) -> &'static str {
        if self == StrOp::MatchesRegex {
            return "matches regex";
        }
        StrOp::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("has", |(n, _)| n)
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}
