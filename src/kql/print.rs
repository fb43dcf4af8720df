//! Writes a syntax tree back as KQL text that parses to the same tree: every binary
//! expression in parentheses, names quoted when they are not plain identifiers.

use super::ast::*;
use super::value::{Type, format_datetime_iso};
use std::fmt::{self, Display, Formatter, Write};

/// Words that cannot be a bare column name.
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "has", "contains", "between", "by", "on", "kind", "with", "true",
    "false", "asc", "desc", "nulls", "first", "last", "let", "to", "typeof", "null", "matches",
    "regex", "datetime", "timespan", "time", "dynamic", "of", "step", "from", "limit",
];

/// Words that start a source other than an expression where a pipeline begins (the parser's
/// `source`): a name spelled so at the start of a pipeline is not read as a name.
const SOURCE_WORDS: &[&str] = &[
    "union",
    "datatable",
    "print",
    "range",
    "materialize",
    "externaldata",
    "find",
    "search",
    "evaluate",
    "external_table",
    "cluster",
    "database",
];

pub fn name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !RESERVED.contains(&name.to_ascii_lowercase().as_str())
        && !name.contains('$')
        || name == "$left"
        || name == "$right";
    if plain {
        name.to_string()
    } else {
        format!("['{}']", escape(name, '\''))
    }
}

fn escape(text: &str, quote: char) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub fn string_literal(text: &str) -> String {
    format!("\"{}\"", escape(text, '"'))
}

/// A timespan as a literal: the largest whole unit.
pub fn timespan_literal(ticks: i64) -> String {
    for (unit, size) in [
        ("d", 864_000_000_000),
        ("h", 36_000_000_000),
        ("m", 600_000_000),
        ("s", 10_000_000),
        ("ms", 10_000),
    ] {
        if ticks % size == 0 && ticks != 0 {
            return format!("{}{unit}", ticks / size);
        }
    }
    format!("{ticks}tick")
}

fn list<T: Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for l in &self.lets {
            writeln!(f, "{l};")?;
        }
        write!(f, "{}", self.body)
    }
}

impl Display for Let {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "let {} = ", name(&self.name))?;
        match &self.value {
            LetValue::Pipeline(p) => write!(f, "{p}"),
            LetValue::Lambda(l) => write!(f, "{l}"),
        }
    }
}

impl Display for Lambda {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                let mut s = format!("{}:", name(&p.name));
                match &p.kind {
                    ParamKind::Table => s.push_str("(*)"),
                    ParamKind::Scalar(t) => s.push_str(t.name()),
                }
                if let Some(d) = &p.default {
                    let _ = write!(s, " = {d}");
                }
                s
            })
            .collect();
        write!(f, "({}) {{ ", params.join(", "))?;
        for l in &self.lets {
            write!(f, "{l}; ")?;
        }
        write!(f, "{} }}", self.body)
    }
}

impl Display for Pipeline {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut first = true;
        if self.source != Source::Input {
            write!(f, "{}", self.source)?;
            first = false;
        }
        for op in &self.ops {
            if !first {
                f.write_str(" | ")?;
            }
            first = false;
            write!(f, "{op}")?;
        }
        Ok(())
    }
}

impl Display for Source {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Source::Expr(e) => {
                // An expression that prints starting with a word the parser reads as a source
                // of its own (`database + R`, found by the fuzzer from `+database+R`) has that
                // name quoted (`['database'] + R`), which the parser reads as a name.
                let text = e.to_string();
                let first = text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                let rest = &text[first.len()..];
                if !SOURCE_WORDS.contains(&first) {
                    f.write_str(&text)
                } else if rest.starts_with('(') {
                    // A call cannot be quoted, and in parentheses `union` still starts a
                    // subquery; after a unary plus (which the parser drops) it is a call.
                    write!(f, "+{text}")
                } else {
                    write!(f, "['{first}']{rest}")
                }
            }
            Source::Input => Ok(()),
            Source::Union(u) => write!(f, "{u}"),
            Source::Datatable { columns, values } => {
                let cols: Vec<String> = columns
                    .iter()
                    .map(|(n, t)| format!("{}:{}", name(n), t.name()))
                    .collect();
                write!(f, "datatable({}) [{}]", cols.join(", "), list(values))
            }
            Source::Print(items) => write!(f, "print {}", list(items)),
            Source::Range {
                name: n,
                from,
                to,
                step,
            } => write!(f, "range {} from {from} to {to} step {step}", name(n)),
            Source::Paren(p) => write!(f, "({p})"),
        }
    }
}

impl Display for Union {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("union")?;
        if self.kind_outer {
            f.write_str(" kind=outer")?;
        } else {
            f.write_str(" kind=inner")?;
        }
        if self.fuzzy {
            f.write_str(" isfuzzy=true")?;
        }
        if let Some(w) = &self.with_source {
            write!(f, " withsource={}", name(w))?;
        }
        let tables: Vec<String> = self
            .tables
            .iter()
            .map(|t| match (&t.source, t.ops.is_empty()) {
                // A leg is a table name or a call bare; anything else was in parentheses
                // (`(A - b(c))`, found by the fuzzer printed bare).
                (Source::Expr(e), true)
                    if matches!(e.kind, ExprKind::Name(_) | ExprKind::Call(..)) =>
                {
                    e.to_string()
                }
                _ => format!("({t})"),
            })
            .collect();
        write!(f, " {}", tables.join(", "))
    }
}

impl Display for Assign {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{} = {}", name(n), self.expr),
            None => write!(f, "{}", self.expr),
        }
    }
}

impl Display for SortKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.expr,
            if self.desc { "desc" } else { "asc" }
        )?;
        match self.nulls_first {
            Some(true) => f.write_str(" nulls first"),
            Some(false) => f.write_str(" nulls last"),
            None => Ok(()),
        }
    }
}

impl Display for JoinKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$left.{} == $right.{}",
            name(&self.left),
            name(&self.right)
        )
    }
}

impl Display for MvItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "{} = ", name(n))?;
        }
        write!(f, "{}", self.expr)?;
        if let Some(t) = self.to {
            write!(f, " to typeof({})", t.name())?;
        }
        Ok(())
    }
}

fn names(items: &[String]) -> String {
    items
        .iter()
        .map(|n| wildcard_name(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column name or a wildcard pattern (`Col*`), as project-away and project-reorder take.
fn wildcard_name(n: &str) -> String {
    if n.contains('*')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*')
    {
        n.to_string()
    } else {
        name(n)
    }
}

impl Display for Operator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operator::Where(e) => write!(f, "where {e}"),
            Operator::Extend(a) => write!(f, "extend {}", list(a)),
            Operator::Project(a) => write!(f, "project {}", list(a)),
            Operator::ProjectAway(n) => write!(f, "project-away {}", names(n)),
            Operator::ProjectKeep(n) => write!(f, "project-keep {}", names(n)),
            Operator::ProjectRename(pairs) => {
                let items: Vec<String> = pairs
                    .iter()
                    .map(|(new, old)| format!("{} = {}", name(new), name(old)))
                    .collect();
                write!(f, "project-rename {}", items.join(", "))
            }
            Operator::ProjectReorder(n) => write!(f, "project-reorder {}", names(n)),
            Operator::Summarize { aggregates, by } => {
                f.write_str("summarize")?;
                if !aggregates.is_empty() {
                    write!(f, " {}", list(aggregates))?;
                }
                if !by.is_empty() {
                    write!(f, " by {}", list(by))?;
                }
                Ok(())
            }
            Operator::Count => f.write_str("count"),
            Operator::Take(e) => write!(f, "take {e}"),
            Operator::Top { count, by } => write!(f, "top {count} by {by}"),
            Operator::Sort(keys) => write!(f, "sort by {}", list(keys)),
            Operator::Distinct(e) if e.is_empty() => f.write_str("distinct *"),
            Operator::Distinct(e) => write!(f, "distinct {}", list(e)),
            Operator::Union(u) => {
                let text = u.to_string();
                f.write_str(&text)
            }
            Operator::Join { kind, right, on } => {
                write!(f, "join kind={} ({right}) on {}", kind.name(), list(on))
            }
            Operator::Lookup { kind, right, on } => {
                write!(f, "lookup kind={} ({right}) on {}", kind.name(), list(on))
            }
            Operator::MvExpand { items, limit } => {
                write!(f, "mv-expand {}", list(items))?;
                if let Some(l) = limit {
                    write!(f, " limit {l}")?;
                }
                Ok(())
            }
            Operator::MvApply { items, body } => {
                write!(f, "mv-apply {} on ({body})", list(items))
            }
            Operator::Parse { expr, pattern } => {
                write!(f, "parse {expr} with")?;
                for part in pattern {
                    match part {
                        ParsePart::Literal(s) => write!(f, " {}", string_literal(s))?,
                        ParsePart::Wildcard => f.write_str(" *")?,
                        ParsePart::Column(n, None) => write!(f, " {}", name(n))?,
                        ParsePart::Column(n, Some(t)) => write!(f, " {}:{}", name(n), t.name())?,
                    }
                }
                Ok(())
            }
            Operator::Serialize(a) if a.is_empty() => f.write_str("serialize"),
            Operator::Serialize(a) => write!(f, "serialize {}", list(a)),
            Operator::MakeSeries(m) => {
                let aggregates: Vec<String> = m
                    .aggregates
                    .iter()
                    .map(|(a, default)| match default {
                        Some(d) => format!("{a} default = {d}"),
                        None => a.to_string(),
                    })
                    .collect();
                write!(f, "make-series {} on {}", aggregates.join(", "), m.axis)?;
                if let Some(from) = &m.from {
                    write!(f, " from {from}")?;
                }
                if let Some(to) = &m.to {
                    write!(f, " to {to}")?;
                }
                write!(f, " step {}", m.step)?;
                if !m.by.is_empty() {
                    write!(f, " by {}", list(&m.by))?;
                }
                Ok(())
            }
            Operator::Render(kind) => write!(f, "render {kind}"),
            Operator::Getschema => f.write_str("getschema"),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(l) => write!(f, "{l}"),
            ExprKind::Name(n) => f.write_str(&name(n)),
            ExprKind::Member(base, m) if index_reads_as_name(base) => {
                write!(f, "{}.{}", postfix_base(base), name(m))
            }
            ExprKind::Member(base, m) => write!(f, "{}[{}]", postfix_base(base), string_literal(m)),
            ExprKind::Index(base, i) => write!(f, "{}[{i}]", postfix_base(base)),
            // A call's name is a word whatever it is (`$count()` parses as a call).
            ExprKind::Call(n, args) => write!(f, "{n}({})", list(args)),
            // A chain of minus signs stays a chain (`--(x)`, `--2` for minus the literal -2):
            // parentheses at each level would nest the printed query deeper than the parsed
            // one, past the parser's depth limit. So does a minus before `*`, a name, a call or
            // a member of one (`-(m)` would add a level); a minus before anything else keeps
            // its parentheses (`-(1)` is not the literal `-1`).
            ExprKind::Neg(e)
                if level(e) == UNARY || matches!(e.kind, ExprKind::Star) || starts_with_word(e) =>
            {
                write!(f, "-{e}")
            }
            ExprKind::Neg(e) => write!(f, "-({e})"),
            ExprKind::Binary(op, l, r) => {
                let level = binary_level(*op);
                let left = operand(l, level);
                match (op, &r.kind) {
                    (BinOp::Str(StrOp::HasAny | StrOp::HasAll, _), ExprKind::Call(n, items))
                        if n == "pack_array" =>
                    {
                        write!(f, "{left} {} ({})", binop(*op), list(items))
                    }
                    (BinOp::Str(StrOp::HasAny | StrOp::HasAll, _), _) => {
                        write!(f, "{left} {} ({r})", binop(*op))
                    }
                    _ => write!(f, "{left} {} {}", binop(*op), operand(r, level + 1)),
                }
            }
            ExprKind::In {
                expr,
                negated,
                case_insensitive,
                list: items,
            } => write!(
                f,
                "{} {}in{} ({})",
                operand(expr, COMPARISON),
                if *negated { "!" } else { "" },
                if *case_insensitive { "~" } else { "" },
                list(items)
            ),
            ExprKind::Between {
                expr,
                negated,
                low,
                high,
            } => write!(
                f,
                "{} {}between ({} .. {})",
                operand(expr, COMPARISON),
                if *negated { "!" } else { "" },
                operand(low, ADDITIVE),
                operand(high, ADDITIVE)
            ),
            ExprKind::Star => f.write_str("*"),
            ExprKind::Subquery(p) => write!(f, "({p})"),
        }
    }
}

// How tightly each kind of expression binds, as the parser's precedence climbing reads it
// (`parser/expr.rs`): `or`, `and`, comparisons (with the string operators, `in`, `between`),
// `+ -`, `* / %`, unary minus, then member access, calls and literals.
const OR: u8 = 1;
const AND: u8 = 2;
const COMPARISON: u8 = 3;
const ADDITIVE: u8 = 4;
const MULTIPLICATIVE: u8 = 5;
const UNARY: u8 = 6;
const POSTFIX: u8 = 7;

fn binary_level(op: BinOp) -> u8 {
    match op {
        BinOp::Or => OR,
        BinOp::And => AND,
        BinOp::Add | BinOp::Sub => ADDITIVE,
        BinOp::Mul | BinOp::Div | BinOp::Mod => MULTIPLICATIVE,
        _ => COMPARISON,
    }
}

fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, _, _) => binary_level(*op),
        ExprKind::In { .. } | ExprKind::Between { .. } => COMPARISON,
        ExprKind::Neg(_) => UNARY,
        ExprKind::Literal(Literal::Long(n)) if *n < 0 => UNARY,
        ExprKind::Literal(Literal::Real(r)) if r.is_sign_negative() => UNARY,
        ExprKind::Literal(Literal::TimeSpan(t)) if *t < 0 => UNARY,
        _ => POSTFIX,
    }
}

/// An operand that must bind at least as tightly as `min`. Every operator chain is left
/// associative, so a left operand of the same level needs no parentheses and only the right
/// one does: `a - b - c` prints as it was written, not as `((a - b) - c)`, and a long chain
/// prints no deeper than it parsed (the parser bounds nesting depth).
fn operand(e: &Expr, min: u8) -> String {
    if level(e) < min {
        format!("({e})")
    } else {
        e.to_string()
    }
}

/// The base of `a.b` / `a[i]`: everything but a primary goes in parentheses (a minus sign,
/// a negative number or an operator binds looser than the access).
fn postfix_base(base: &Expr) -> String {
    operand(base, POSTFIX)
}

/// Whether `e` prints as a name, a call, or a member or index of one: a primary that a minus
/// sign before it cannot merge with.
fn starts_with_word(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Call(..) => true,
        ExprKind::Member(base, _) | ExprKind::Index(base, _) => starts_with_word(base),
        _ => false,
    }
}

/// Whether `["b"]` printed right after `base` would lex as a quoted name (`['b']`) rather
/// than an index: after `*` or a bare keyword (`serialize`, `take`...). Such members print as
/// `base.b` (found by the fuzzer: `*.m`, `serialize .l`).
fn index_reads_as_name(base: &Expr) -> bool {
    match &base.kind {
        ExprKind::Star => true,
        ExprKind::Name(n) => super::lexer::is_keyword(n) && name(n) == *n,
        _ => false,
    }
}

fn binop(op: BinOp) -> String {
    match op {
        BinOp::Or => "or".into(),
        BinOp::And => "and".into(),
        BinOp::Eq => "==".into(),
        BinOp::Ne => "!=".into(),
        BinOp::Lt => "<".into(),
        BinOp::Le => "<=".into(),
        BinOp::Gt => ">".into(),
        BinOp::Ge => ">=".into(),
        BinOp::EqCi => "=~".into(),
        BinOp::NeCi => "!~".into(),
        BinOp::Add => "+".into(),
        BinOp::Sub => "-".into(),
        BinOp::Mul => "*".into(),
        BinOp::Div => "/".into(),
        BinOp::Mod => "%".into(),
        BinOp::Str(op, negated) => format!("{}{}", if negated { "!" } else { "" }, op.name()),
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("dynamic(null)"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Long(n) => write!(f, "{n}"),
            Literal::Real(r) => write!(f, "{r:?}"),
            Literal::Str(s) => f.write_str(&string_literal(s)),
            Literal::DateTime(t) => write!(f, "datetime({})", format_datetime_iso(*t)),
            Literal::TimeSpan(t) => f.write_str(&timespan_literal(*t)),
            Literal::Dynamic(v) => write!(f, "dynamic({v})"),
        }
    }
}

impl Type {
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Long => "long",
            Type::Real => "real",
            Type::String => "string",
            Type::DateTime => "datetime",
            Type::TimeSpan => "timespan",
            Type::Dynamic => "dynamic",
            Type::Guid => "guid",
        }
    }
}
