//! The tabular operators after a `|`.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::error::{KqlError, Result, Span};
use crate::kql::lexer::Tok;

/// The operators entralab runs.
pub const OPERATORS: &[&str] = &[
    "where",
    "filter",
    "extend",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "summarize",
    "count",
    "take",
    "limit",
    "top",
    "sort",
    "order",
    "distinct",
    "union",
    "join",
    "lookup",
    "mv-expand",
    "mv-apply",
    "mvexpand",
    "parse",
    "serialize",
    "render",
    "getschema",
    "make-series",
];

/// Operators of KQL that entralab does not run yet.
const NOT_YET: &[&str] = &[
    "evaluate",
    "invoke",
    "scan",
    "facet",
    "fork",
    "sample",
    "sample-distinct",
    "partition",
    "reduce",
    "top-nested",
    "top-hitters",
    "parse-where",
    "parse-kv",
    "make-graph",
    "as",
    "consume",
    "find",
    "search",
    "externaldata",
    "lookup-kind",
    "project-smart",
    "graph-match",
];

impl Parser {
    pub(super) fn operator(&mut self) -> Result<Operator> {
        let span = self.span();
        let word = match &self.peek().tok {
            Tok::Ident(w) => w.clone(),
            _ => return Err(self.expected("an operator such as `where` or `summarize`")),
        };
        self.bump();
        Ok(match word.as_str() {
            "where" | "filter" => Operator::Where(self.expr()?),
            "extend" => Operator::Extend(self.assigns()?),
            "project" => Operator::Project(self.assigns()?),
            "project-away" => Operator::ProjectAway(self.name_patterns()?),
            "project-keep" => Operator::ProjectKeep(self.name_patterns()?),
            "project-reorder" => Operator::ProjectReorder(self.name_patterns()?),
            "project-rename" => {
                let mut pairs = Vec::new();
                loop {
                    let new = self.name("the new column name")?;
                    self.expect_punct("=")?;
                    let old = self.name("the column to rename")?;
                    pairs.push((new, old));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                Operator::ProjectRename(pairs)
            }
            "summarize" => self.summarize()?,
            "count" => Operator::Count,
            "take" | "limit" => Operator::Take(self.expr()?),
            "top" => {
                let count = self.expr()?;
                self.expect_word("by")?;
                let by = self.sort_key()?;
                Operator::Top { count, by }
            }
            "sort" | "order" => {
                self.expect_word("by")?;
                let mut keys = vec![self.sort_key()?];
                while self.eat_punct(",") {
                    keys.push(self.sort_key()?);
                }
                Operator::Sort(keys)
            }
            "distinct" => {
                if self.eat_punct("*") {
                    Operator::Distinct(Vec::new())
                } else {
                    let mut items = vec![self.expr()?];
                    while self.eat_punct(",") {
                        items.push(self.expr()?);
                    }
                    Operator::Distinct(items)
                }
            }
            "union" => Operator::Union(self.union()?),
            "join" => {
                let (kind, right, on) = self.join(JoinKind::InnerUnique)?;
                Operator::Join { kind, right, on }
            }
            "lookup" => {
                let (kind, right, on) = self.join(JoinKind::LeftOuter)?;
                Operator::Lookup { kind, right, on }
            }
            "mv-expand" | "mvexpand" => {
                self.skip_options(&["kind", "bagexpansion"], &["with_itemindex"])?;
                let items = self.mv_items()?;
                let limit = if self.eat_word("limit") {
                    Some(self.expr()?)
                } else {
                    None
                };
                Operator::MvExpand { items, limit }
            }
            "mv-apply" => {
                self.skip_options(&["kind", "bagexpansion"], &["with_itemindex"])?;
                let items = self.mv_items()?;
                self.expect_word("on")?;
                self.expect_punct("(")?;
                let body = self.input_pipeline()?;
                self.expect_punct(")")?;
                Operator::MvApply { items, body }
            }
            "parse" => self.parse_operator(span)?,
            "serialize" => {
                if self.is_punct("|") || self.peek().tok == Tok::Eof || self.is_punct(")") {
                    Operator::Serialize(Vec::new())
                } else {
                    Operator::Serialize(self.assigns()?)
                }
            }
            "render" => {
                let kind = self.name("a chart type")?;
                // `with (...)` and other chart properties change nothing in a table.
                let mut nesting = 0usize;
                while self.peek().tok != Tok::Eof {
                    if nesting == 0 && (self.is_punct("|") || self.is_punct(")")) {
                        break;
                    }
                    match self.bump().tok {
                        Tok::Punct("(") => nesting += 1,
                        Tok::Punct(")") => nesting = nesting.saturating_sub(1),
                        _ => {}
                    }
                }
                Operator::Render(kind)
            }
            "getschema" => Operator::Getschema,
            "make-series" => self.make_series()?,
            other if NOT_YET.contains(&other) => {
                return Err(KqlError::unsupported(span, format!("operator `{other}`")));
            }
            other => {
                return Err(
                    KqlError::syntax(span, format!("unknown operator `{other}`"))
                        .did_you_mean(other, OPERATORS.iter().copied()),
                );
            }
        })
    }

    /// `option=value` pairs before an operator's arguments: `ignored` ones (and `hint.*`) are
    /// skipped, `refused` ones are errors; any other name is the operator's first argument.
    pub(super) fn skip_options(&mut self, ignored: &[&str], refused: &[&str]) -> Result<()> {
        while let Some((option, span)) = self.option_ahead() {
            if refused.contains(&option.as_str()) {
                return Err(KqlError::unsupported(span, format!("option `{option}`")));
            }
            if !ignored.contains(&option.as_str()) {
                break;
            }
            self.bump();
            self.bump();
            self.bump();
        }
        Ok(())
    }

    /// The name of an `option=value` ahead (not consumed), `hint.*` options skipped.
    fn option_ahead(&mut self) -> Option<(String, Span)> {
        while self.skip_hint() {}
        match (self.peek_at(0), self.peek_at(1)) {
            (Tok::Ident(option), Tok::Punct("=")) => Some((option.clone(), self.span())),
            _ => None,
        }
    }

    /// Skips a `hint.name=value` (hints change how Kusto distributes work, not results).
    fn skip_hint(&mut self) -> bool {
        let is_hint = self.is_word("hint")
            && matches!(self.peek_at(1), Tok::Punct("."))
            && matches!(self.peek_at(3), Tok::Punct("="));
        if is_hint {
            for _ in 0..5 {
                self.bump();
            }
        }
        is_hint
    }

    /// Column names, each possibly with `*` wildcards (`TimeGenerated*`, `*1`).
    fn name_patterns(&mut self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        loop {
            let mut pattern = String::new();
            let mut last_end: Option<usize> = None;
            loop {
                let token = self.peek().clone();
                let adjacent = last_end.is_none_or(|end| end == token.span.start);
                if !adjacent {
                    break;
                }
                match token.tok {
                    Tok::Ident(w)
                        if last_end.is_none() || !matches!(w.as_str(), "asc" | "desc") =>
                    {
                        pattern.push_str(&w)
                    }
                    Tok::Quoted(w) => pattern.push_str(&w),
                    Tok::Long(n) if last_end.is_some() => pattern.push_str(&n.to_string()),
                    Tok::Punct("*") => pattern.push('*'),
                    _ => break,
                }
                last_end = Some(token.span.end);
                self.bump();
            }
            if pattern.is_empty() {
                return Err(self.expected("a column name"));
            }
            names.push(pattern);
            // project-reorder takes an order after a pattern; the order of columns is kept.
            if self.is_word("asc") || self.is_word("desc") || self.is_word("granny-asc") {
                self.bump();
            }
            if !self.eat_punct(",") {
                return Ok(names);
            }
        }
    }

    fn summarize(&mut self) -> Result<Operator> {
        self.skip_options(&[], &[])?;
        let mut aggregates = Vec::new();
        if !self.is_word("by") {
            aggregates = self.assigns()?;
        }
        let by = if self.eat_word("by") {
            self.assigns()?
        } else {
            Vec::new()
        };
        Ok(Operator::Summarize { aggregates, by })
    }

    fn sort_key(&mut self) -> Result<SortKey> {
        let expr = self.expr()?;
        let desc = if self.eat_word("asc") {
            false
        } else {
            self.eat_word("desc");
            true
        };
        let nulls_first = if self.eat_word("nulls") {
            if self.eat_word("first") {
                Some(true)
            } else {
                self.expect_word("last")?;
                Some(false)
            }
        } else {
            None
        };
        Ok(SortKey {
            expr,
            desc,
            nulls_first,
        })
    }

    fn join(&mut self, default: JoinKind) -> Result<(JoinKind, Pipeline, Vec<JoinKey>)> {
        let mut kind = default;
        while let Some((option, option_span)) = self.option_ahead() {
            self.bump();
            self.bump();
            let span = self.span();
            let value = self.name("a value")?;
            if option != "kind" {
                return Err(KqlError::unsupported(
                    option_span,
                    format!("join option `{option}`"),
                ));
            }
            kind = JoinKind::ALL
                .iter()
                .find(|(n, _)| *n == value)
                .map(|(_, k)| *k)
                .ok_or_else(|| {
                    KqlError::syntax(span, format!("unknown join kind `{value}`"))
                        .did_you_mean(&value, JoinKind::ALL.iter().map(|(n, _)| *n))
                })?;
        }
        let right = if self.eat_punct("(") {
            let inner = self.pipeline()?;
            self.expect_punct(")")?;
            inner
        } else {
            Pipeline::new(Source::Expr(self.postfix()?), Vec::new())
        };
        self.expect_word("on")?;
        let mut on = vec![self.join_key()?];
        while self.eat_punct(",") {
            on.push(self.join_key()?);
        }
        Ok((kind, right, on))
    }

    /// `Col`, `$left.A == $right.B` (either order).
    fn join_key(&mut self) -> Result<JoinKey> {
        let expr = self.expr()?;
        let span = expr.span;
        let side = |e: &Expr| match &e.kind {
            ExprKind::Member(base, column) => match &base.kind {
                ExprKind::Name(n) if n == "$left" => Some((true, column.clone())),
                ExprKind::Name(n) if n == "$right" => Some((false, column.clone())),
                _ => None,
            },
            _ => None,
        };
        match &expr.kind {
            ExprKind::Name(n) => Ok(JoinKey {
                left: n.clone(),
                right: n.clone(),
                span,
            }),
            ExprKind::Binary(BinOp::Eq, l, r) => match (side(l), side(r)) {
                (Some((true, left)), Some((false, right)))
                | (Some((false, right)), Some((true, left))) => Ok(JoinKey { left, right, span }),
                _ => Err(join_key_error(span)),
            },
            _ => Err(join_key_error(span)),
        }
    }

    fn mv_items(&mut self) -> Result<Vec<MvItem>> {
        let mut items = Vec::new();
        loop {
            let assign = self.assign()?;
            let to = if self.eat_word("to") {
                self.expect_word("typeof")?;
                self.expect_punct("(")?;
                let t = self.type_name()?;
                self.expect_punct(")")?;
                Some(t)
            } else {
                None
            };
            items.push(MvItem {
                name: assign.name,
                expr: assign.expr,
                to,
            });
            if !self.eat_punct(",") {
                return Ok(items);
            }
        }
    }

    fn parse_operator(&mut self, span: Span) -> Result<Operator> {
        if self.is_word("kind") && matches!(self.peek_at(1), Tok::Punct("=")) {
            self.bump();
            self.bump();
            let kind_span = self.span();
            let kind = self.name("simple, regex or relaxed")?;
            if kind != "simple" && kind != "relaxed" {
                return Err(KqlError::unsupported(
                    kind_span,
                    format!("parse kind={kind}"),
                ));
            }
        }
        let expr = self.expr()?;
        self.expect_word("with")?;
        let mut pattern = Vec::new();
        loop {
            // A quoted name after a string lexes as `[` "name" `]`.
            let bracketed = matches!(
                (self.peek_at(0), self.peek_at(1), self.peek_at(2)),
                (Tok::Punct("["), Tok::Str(_), Tok::Punct("]"))
            );
            match &self.peek().tok {
                Tok::Str(s) => {
                    pattern.push(ParsePart::Literal(s.clone()));
                    self.bump();
                }
                Tok::Punct("*") => {
                    pattern.push(ParsePart::Wildcard);
                    self.bump();
                }
                Tok::Ident(_) | Tok::Quoted(_) | Tok::Punct("[")
                    if bracketed || !self.is_punct("[") =>
                {
                    let name = self.name("a column name")?;
                    let ty = if self.eat_punct(":") {
                        Some(self.type_name()?)
                    } else {
                        None
                    };
                    pattern.push(ParsePart::Column(name, ty));
                }
                _ => break,
            }
        }
        if pattern.is_empty() {
            return Err(KqlError::syntax(span, "`parse ... with` needs a pattern")
                .with_hint(r#"e.g. parse Text with * "user=" User " " *"#));
        }
        Ok(Operator::Parse { expr, pattern })
    }
}

fn join_key_error(span: Span) -> KqlError {
    KqlError::syntax(span, "a join key is a column name or `$left.A == $right.B`")
}
