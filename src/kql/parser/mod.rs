//! Recursive-descent parser: query text to [`ast::Query`](super::ast::Query), with errors that
//! point at the offending token and say what was expected.

/// Functions of several results, and how many: `(flag, score, baseline) =
/// series_decompose_anomalies(...)`. Called alone, each returns its results as one array.
pub const TUPLE_FUNCTIONS: &[(&str, usize)] = &[("series_decompose_anomalies", 3)];

mod expr;
mod make_series;
mod operators;

pub use operators::OPERATORS;

use super::ast::*;
use super::error::{KqlError, Result, Span};
use super::lexer::{Tok, Token, tokenize};
use super::value::Type;

/// Parses a whole query.
pub fn parse_query(text: &str) -> Result<Query> {
    let mut parser = Parser::new(text)?;
    let query = parser.query()?;
    Ok(query)
}

/// Parses one scalar expression (for tests and `--where`-like uses).
pub fn parse_expression(text: &str) -> Result<Expr> {
    let mut parser = Parser::new(text)?;
    let expr = parser.expr()?;
    parser.expect_end()?;
    Ok(expr)
}

pub(super) struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Nesting depth of expressions and pipelines, bounded so that no input overflows the
    /// stack.
    depth: usize,
}

/// Deep enough for any real query (they nest a few levels); shallow enough that the
/// recursive parser, binder and printer stay far from the end of a 2 MB thread stack.
const MAX_DEPTH: usize = 64;

impl Parser {
    fn new(text: &str) -> Result<Parser> {
        Ok(Parser {
            tokens: tokenize(text)?,
            at: 0,
            depth: 0,
        })
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.at + ahead).min(self.tokens.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.peek().span
    }

    fn prev_span(&self) -> Span {
        self.tokens[self.at.saturating_sub(1)].span
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        token
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(KqlError::syntax(self.span(), "the query nests too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(q) if *q == p)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.is_word(word) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// What the current token is, for messages.
    fn describe(&self) -> String {
        match &self.peek().tok {
            Tok::Eof => "the end of the query".into(),
            Tok::Ident(w) => format!("`{w}`"),
            Tok::Quoted(w) => format!("`['{w}']`"),
            Tok::Str(s) => format!("the string \"{s}\""),
            Tok::Long(n) => format!("`{n}`"),
            Tok::Real(r) => format!("`{r}`"),
            Tok::Span(_) => "a timespan".into(),
            Tok::DateTime(_) => "a datetime".into(),
            Tok::TimeSpan(_) => "a timespan".into(),
            Tok::Punct(p) => format!("`{p}`"),
        }
    }

    fn expected(&self, what: &str) -> KqlError {
        KqlError::syntax(
            self.span(),
            format!("expected {what}, found {}", self.describe()),
        )
    }

    fn expect_punct(&mut self, p: &str) -> Result<Span> {
        if self.is_punct(p) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<()> {
        if self.eat_word(word) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{word}`")))
        }
    }

    fn expect_end(&mut self) -> Result<()> {
        if self.peek().tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.expected("the end of the query"))
        }
    }

    /// `[` `"name"` `]` where the lexer saw an index (after a word it took for a value):
    /// a quoted name all the same, in places where only a name can stand.
    fn bracketed_name(&mut self) -> Option<String> {
        match (self.peek_at(0), self.peek_at(1), self.peek_at(2)) {
            (Tok::Punct("["), Tok::Str(name), Tok::Punct("]")) => {
                let name = name.clone();
                self.bump();
                self.bump();
                self.bump();
                Some(name)
            }
            _ => None,
        }
    }

    /// A name: an identifier or a quoted name.
    fn name(&mut self, what: &str) -> Result<String> {
        if let Some(name) = self.bracketed_name() {
            return Ok(name);
        }
        match &self.peek().tok {
            Tok::Ident(w) | Tok::Quoted(w) => {
                let w = w.clone();
                self.bump();
                Ok(w)
            }
            _ => Err(self.expected(what)),
        }
    }

    fn type_name(&mut self) -> Result<Type> {
        let span = self.span();
        let word = self.name("a type such as string or long")?;
        Type::parse(&word).ok_or_else(|| {
            KqlError::syntax(span, format!("unknown type `{word}`"))
                .with_hint("types are bool, int, long, real, decimal, string, datetime, timespan, dynamic, guid")
        })
    }

    fn query(&mut self) -> Result<Query> {
        let mut lets = Vec::new();
        loop {
            if self.eat_punct(";") {
                continue;
            }
            if self.is_word("let") {
                lets.push(self.let_statement()?);
                if !self.eat_punct(";") {
                    return Err(self.expected("`;` after the let statement"));
                }
                continue;
            }
            if self.is_word("set") {
                // Query options (`set query_now = ...;`) change nothing here.
                while !self.is_punct(";") && self.peek().tok != Tok::Eof {
                    self.bump();
                }
                continue;
            }
            break;
        }
        if self.peek().tok == Tok::Eof {
            return Err(self.expected("a tabular expression such as `SigninLogs | take 10`"));
        }
        let body = self.pipeline()?;
        while self.eat_punct(";") {}
        if self.peek().tok != Tok::Eof {
            return Err(self
                .expected("`|` or the end of the query")
                .with_hint("a query has one tabular expression, after its let statements"));
        }
        Ok(Query { lets, body })
    }

    fn let_statement(&mut self) -> Result<Let> {
        let start = self.span();
        self.expect_word("let")?;
        let name = self.name("a name after `let`")?;
        self.expect_punct("=")?;
        let value = if self.lambda_ahead() {
            LetValue::Lambda(self.lambda()?)
        } else {
            LetValue::Pipeline(self.pipeline()?)
        };
        Ok(Let {
            name,
            value,
            span: start.to(self.prev_span()),
        })
    }

    /// `(` `)` `{`, or `(` name `:`.
    fn lambda_ahead(&self) -> bool {
        if !self.is_punct("(") {
            return false;
        }
        matches!(
            (self.peek_at(1), self.peek_at(2)),
            (Tok::Punct(")"), Tok::Punct("{")) | (Tok::Ident(_) | Tok::Quoted(_), Tok::Punct(":"))
        )
    }

    fn lambda(&mut self) -> Result<Lambda> {
        self.expect_punct("(")?;
        let mut params = Vec::new();
        while !self.is_punct(")") {
            let name = self.name("a parameter name")?;
            self.expect_punct(":")?;
            let kind = if self.eat_punct("(") {
                // A tabular parameter: `(*)` or a column list; the columns are not checked.
                let mut nesting = 1;
                while nesting > 0 {
                    match self.bump().tok {
                        Tok::Punct("(") => nesting += 1,
                        Tok::Punct(")") => nesting -= 1,
                        Tok::Eof => return Err(self.expected("`)`")),
                        _ => {}
                    }
                }
                ParamKind::Table
            } else {
                ParamKind::Scalar(self.type_name()?)
            };
            let default = if self.eat_punct("=") {
                Some(self.expr()?)
            } else {
                None
            };
            params.push(Param {
                name,
                kind,
                default,
            });
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        self.expect_punct("{")?;
        let mut lets = Vec::new();
        while self.is_word("let") {
            lets.push(self.let_statement()?);
            self.expect_punct(";")?;
        }
        let body = self.pipeline()?;
        while self.eat_punct(";") {}
        self.expect_punct("}")?;
        Ok(Lambda { params, lets, body })
    }

    pub(super) fn pipeline(&mut self) -> Result<Pipeline> {
        self.enter()?;
        let source = self.source()?;
        let pipeline = self.operators(source);
        self.leave();
        pipeline
    }

    /// The operators after `source`, each after a `|`.
    fn operators(&mut self, source: Source) -> Result<Pipeline> {
        let mut ops = Vec::new();
        let mut spans = Vec::new();
        while self.eat_punct("|") {
            let start = self.span();
            ops.push(self.operator()?);
            spans.push(start.to(self.prev_span()));
        }
        Ok(Pipeline {
            source,
            ops,
            spans: OpSpans(spans),
        })
    }

    /// A pipeline that may start with an operator applied to the enclosing rows
    /// (`mv-apply ... on (where ... | summarize ...)`).
    fn input_pipeline(&mut self) -> Result<Pipeline> {
        if let Tok::Ident(word) = &self.peek().tok
            && operators::OPERATORS.contains(&word.as_str())
        {
            self.enter()?;
            let start = self.span();
            let mut ops = vec![self.operator()?];
            let mut spans = vec![start.to(self.prev_span())];
            let rest = self.operators(Source::Input)?;
            ops.extend(rest.ops);
            spans.extend(rest.spans.0);
            self.leave();
            return Ok(Pipeline {
                source: Source::Input,
                ops,
                spans: OpSpans(spans),
            });
        }
        self.pipeline()
    }

    fn source(&mut self) -> Result<Source> {
        let span = self.span();
        if self.is_punct("(") {
            // `(T | where ...)` is a subquery; `(1 + 2) * 3` an expression.
            return Ok(match self.expr()? {
                Expr {
                    kind: ExprKind::Subquery(p),
                    ..
                } => Source::Paren(p),
                e => Source::Expr(e),
            });
        }
        let Tok::Ident(word) = &self.peek().tok else {
            return Ok(Source::Expr(self.expr()?));
        };
        match word.as_str() {
            "union" => {
                self.bump();
                Ok(Source::Union(self.union()?))
            }
            "datatable" => {
                self.bump();
                self.datatable()
            }
            "print" => {
                self.bump();
                Ok(Source::Print(self.assigns()?))
            }
            "range" => {
                self.bump();
                let name = self.name("the range column's name")?;
                self.expect_word("from")?;
                let from = self.expr()?;
                self.expect_word("to")?;
                let to = self.expr()?;
                self.expect_word("step")?;
                let step = self.expr()?;
                Ok(Source::Range {
                    name,
                    from,
                    to,
                    step,
                })
            }
            "materialize" if matches!(self.peek_at(1), Tok::Punct("(")) => {
                self.bump();
                self.bump();
                let inner = self.pipeline()?;
                self.expect_punct(")")?;
                Ok(match inner {
                    Pipeline {
                        source: Source::Expr(e),
                        ops,
                        ..
                    } if ops.is_empty() => Source::Expr(e),
                    inner => Source::Paren(Box::new(inner)),
                })
            }
            "externaldata" | "find" | "search" | "evaluate" | "external_table" | "cluster"
            | "database" => Err(KqlError::unsupported(span, format!("`{word}`"))),
            _ => Ok(Source::Expr(self.expr()?)),
        }
    }

    fn datatable(&mut self) -> Result<Source> {
        self.expect_punct("(")?;
        let mut columns = Vec::new();
        while !self.is_punct(")") {
            let name = self.name("a column name")?;
            self.expect_punct(":")?;
            columns.push((name, self.type_name()?));
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        self.expect_punct("[")?;
        let mut values = Vec::new();
        while !self.is_punct("]") {
            values.push(self.expr()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct("]")?;
        if columns.is_empty() || values.len() % columns.len() != 0 {
            return Err(KqlError::syntax(
                self.prev_span(),
                format!(
                    "datatable has {} columns but {} values",
                    columns.len(),
                    values.len()
                ),
            )
            .with_hint("give a value for every column of every row"));
        }
        Ok(Source::Datatable { columns, values })
    }

    fn union(&mut self) -> Result<Union> {
        let mut union = Union {
            kind_outer: true,
            fuzzy: false,
            with_source: None,
            tables: Vec::new(),
        };
        loop {
            let option = match &self.peek().tok {
                Tok::Ident(w) if matches!(self.peek_at(1), Tok::Punct("=")) => w.clone(),
                _ => break,
            };
            let span = self.span();
            self.bump();
            self.bump();
            let value = self.name("a value")?;
            match option.as_str() {
                "kind" => union.kind_outer = value != "inner",
                "isfuzzy" => union.fuzzy = value == "true",
                "withsource" => union.with_source = Some(value),
                _ => {
                    return Err(KqlError::unsupported(
                        span,
                        format!("union option `{option}`"),
                    ));
                }
            }
        }
        loop {
            let table = if self.eat_punct("(") {
                let inner = self.pipeline()?;
                self.expect_punct(")")?;
                inner
            } else {
                let expr = self.postfix()?;
                Pipeline::new(Source::Expr(expr), Vec::new())
            };
            union.tables.push(table);
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok(union)
    }

    /// `a = x, y, ...`
    fn assigns(&mut self) -> Result<Vec<Assign>> {
        let mut items = Vec::new();
        loop {
            match self.tuple_assign()? {
                Some(several) => items.extend(several),
                None => items.push(self.assign()?),
            }
            if !self.eat_punct(",") {
                return Ok(items);
            }
        }
    }

    /// `(a, b, c) = f(...)` for a function of several results ([`TUPLE_FUNCTIONS`]): one
    /// assignment per name, `a = f(...)[0]`, `b = f(...)[1]`, ... (so the tree prints and
    /// parses back as plain KQL). Anything else with several names is not supported yet.
    fn tuple_assign(&mut self) -> Result<Option<Vec<Assign>>> {
        if !(self.is_punct("(")
            && matches!(self.peek_at(1), Tok::Ident(_))
            && matches!(self.peek_at(2), Tok::Punct(",")))
        {
            return Ok(None);
        }
        let start = self.span();
        let mark = self.at;
        self.bump();
        let mut names = vec![self.name("a column name")?];
        while self.eat_punct(",") {
            names.push(self.name("a column name")?);
        }
        if !self.eat_punct(")") || !self.eat_punct("=") {
            self.at = mark;
            return Ok(None);
        }
        let expr = self.expr()?;
        let several = matches!(&expr.kind, ExprKind::Call(f, _)
            if TUPLE_FUNCTIONS.iter().any(|(name, results)| name == f && names.len() <= *results));
        if !several {
            return Err(KqlError::unsupported(
                start,
                "assigning several columns at once `(a, b) = ...`",
            ));
        }
        let span = expr.span;
        Ok(Some(
            names
                .into_iter()
                .enumerate()
                .map(|(i, name)| Assign {
                    name: Some(name),
                    expr: Expr::new(
                        ExprKind::Index(
                            Box::new(expr.clone()),
                            Box::new(Expr::new(ExprKind::Literal(Literal::Long(i as i64)), span)),
                        ),
                        span,
                    ),
                })
                .collect(),
        ))
    }

    fn assign(&mut self) -> Result<Assign> {
        if matches!(self.peek().tok, Tok::Ident(_) | Tok::Quoted(_))
            && matches!(self.peek_at(1), Tok::Punct("="))
            || matches!(
                (
                    self.peek_at(0),
                    self.peek_at(1),
                    self.peek_at(2),
                    self.peek_at(3)
                ),
                (
                    Tok::Punct("["),
                    Tok::Str(_),
                    Tok::Punct("]"),
                    Tok::Punct("=")
                )
            )
        {
            let name = self.name("a column name")?;
            self.bump();
            return Ok(Assign {
                name: Some(name),
                expr: self.expr()?,
            });
        }
        if self.is_punct("(")
            && matches!(self.peek_at(1), Tok::Ident(_))
            && matches!(self.peek_at(2), Tok::Punct(","))
        {
            return Err(KqlError::unsupported(
                self.span(),
                "assigning several columns at once `(a, b) = ...`",
            ));
        }
        Ok(Assign {
            name: None,
            expr: self.expr()?,
        })
    }
}

#[cfg(test)]
mod tests;
