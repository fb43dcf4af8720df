//! Runs a query: `let` scopes, sources (tables, `union`, `datatable`, functions defined with
//! `let`), and the pipeline of operators ([`super::operators`]).

use super::ast::*;
use super::error::{KqlError, Result, Span};
use super::functions::Context;
use super::schema::Catalog;
use super::table::{Column, Table};
use super::value::{Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a `let` name stands for.
#[derive(Debug, Clone)]
pub enum Binding {
    Scalar(Value, Type),
    Table(Arc<Table>),
    Lambda(Arc<Lambda>),
    /// A parameter of a function being inlined: the bound argument.
    Argument(super::bind::Bound, Type),
}

/// How deep functions defined with `let` may call each other: real queries nest two or three;
/// a function that calls itself stops here, far from the end of the stack.
pub const MAX_CALLS: usize = 16;

/// Rows produced by a query larger than this are an error rather than an exhausted machine.
pub const MAX_ROWS: usize = 10_000_000;

pub struct Engine<'c> {
    pub(super) catalog: &'c Catalog,
    pub(super) ctx: Context,
    scopes: Vec<BTreeMap<String, Binding>>,
    /// The rows `mv-apply`'s subquery runs over.
    pub(super) input: Option<Arc<Table>>,
    /// Nesting of function calls, bounded against a function that calls itself.
    calls: usize,
    /// The operator being applied, for errors about it.
    pub(super) op_span: Span,
}

impl<'c> Engine<'c> {
    pub fn new(catalog: &'c Catalog, now: i64) -> Engine<'c> {
        Engine {
            catalog,
            ctx: Context::new(now),
            scopes: vec![BTreeMap::new()],
            input: None,
            calls: 0,
            op_span: Span::default(),
        }
    }

    pub fn run(&mut self, query: &Query) -> Result<Table> {
        for l in &query.lets {
            self.define(l)?;
        }
        let table = self.pipeline(&query.body)?;
        Ok(Arc::unwrap_or_clone(table))
    }

    pub(super) fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    pub(super) fn with_scope<T>(
        &mut self,
        scope: BTreeMap<String, Binding>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.scopes.push(scope);
        let result = f(self);
        self.scopes.pop();
        result
    }

    pub(super) fn push_scope(&mut self, scope: BTreeMap<String, Binding>) {
        self.scopes.push(scope);
    }

    pub(super) fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    fn define(&mut self, l: &Let) -> Result<()> {
        let binding = match &l.value {
            LetValue::Lambda(lambda) => Binding::Lambda(Arc::new(lambda.clone())),
            LetValue::Pipeline(p) => self.let_value(p)?,
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(l.name.clone(), binding);
        }
        Ok(())
    }

    /// A `let` value: a table, or a scalar when the pipeline is a lone scalar expression.
    fn let_value(&mut self, p: &Pipeline) -> Result<Binding> {
        if p.ops.is_empty()
            && let Source::Expr(e) = &p.source
            && !self.is_tabular(e)
        {
            let (bound, ty) = self.bind(e, &[])?;
            return Ok(Binding::Scalar(bound.eval(&[], &self.ctx), ty));
        }
        Ok(Binding::Table(self.pipeline(p)?))
    }

    /// Whether an expression names a table or calls a function returning one.
    pub(super) fn is_tabular(&self, e: &Expr) -> bool {
        self.is_tabular_within(e, MAX_CALLS)
    }

    /// [`Self::is_tabular`], looking through at most `depth` function bodies (a function
    /// whose body calls itself is not a table).
    fn is_tabular_within(&self, e: &Expr, depth: usize) -> bool {
        match &e.kind {
            ExprKind::Name(n) => match self.lookup(n) {
                Some(Binding::Table(_)) => true,
                Some(_) => false,
                None => self.catalog.get(n).is_some(),
            },
            ExprKind::Call(n, _) => match self.lookup(n) {
                Some(Binding::Lambda(l)) => match (&l.body.source, l.body.ops.is_empty()) {
                    (Source::Expr(body), true) => {
                        depth > 0 && self.is_tabular_within(body, depth - 1)
                    }
                    _ => true,
                },
                _ => matches!(n.as_str(), "table" | "materialize" | "view"),
            },
            ExprKind::Subquery(_) => true,
            _ => false,
        }
    }

    pub(super) fn pipeline(&mut self, p: &Pipeline) -> Result<Arc<Table>> {
        let mut table = self.source(&p.source)?;
        for (i, op) in p.ops.iter().enumerate() {
            self.op_span = p.spans.0.get(i).copied().unwrap_or_default();
            table = Arc::new(self.operator(table, op)?);
            if table.rows.len() > MAX_ROWS {
                return Err(KqlError::semantic(
                    Span::default(),
                    format!("the query makes more than {MAX_ROWS} rows"),
                ));
            }
        }
        Ok(table)
    }

    fn source(&mut self, source: &Source) -> Result<Arc<Table>> {
        match source {
            Source::Expr(e) => self.tabular_expr(e),
            Source::Input => self.input.clone().ok_or_else(|| {
                KqlError::syntax(Span::default(), "an operator needs a table before it")
            }),
            Source::Paren(p) => self.pipeline(p),
            Source::Union(u) => Ok(Arc::new(self.union(None, u)?)),
            Source::Datatable { columns, values } => {
                let mut table = Table::new(
                    columns
                        .iter()
                        .map(|(n, t)| Column::new(n.clone(), *t))
                        .collect(),
                );
                for chunk in values.chunks(columns.len().max(1)) {
                    let mut row = Vec::new();
                    for (value, column) in chunk.iter().zip(&table.columns) {
                        let (bound, _) = self.bind(value, &[])?;
                        row.push(bound.eval(&[], &self.ctx).convert(column.ty));
                    }
                    table.rows.push(row);
                }
                Ok(Arc::new(table))
            }
            Source::Print(items) => {
                let empty = Arc::new(Table {
                    columns: Vec::new(),
                    rows: vec![Vec::new()],
                });
                Ok(Arc::new(self.extend(empty, items, true)?))
            }
            Source::Range {
                name,
                from,
                to,
                step,
            } => self.range(name, from, to, step),
        }
    }

    fn range(&mut self, name: &str, from: &Expr, to: &Expr, step: &Expr) -> Result<Arc<Table>> {
        let (from_b, ty) = self.bind(from, &[])?;
        let start = from_b.eval(&[], &self.ctx);
        let end = self.bind(to, &[])?.0.eval(&[], &self.ctx);
        let step_v = self.bind(step, &[])?.0.eval(&[], &self.ctx);
        let mut table = Table::new(vec![Column::new(name, ty)]);
        let mut at = start;
        while super::value::compare(&at, &end).is_some_and(|o| o != std::cmp::Ordering::Greater) {
            if table.rows.len() >= MAX_ROWS {
                return Err(KqlError::semantic(
                    step.span,
                    "the range makes too many rows",
                ));
            }
            table.rows.push(vec![at.clone()]);
            let next = super::bind::arithmetic(BinOp::Add, &at, &step_v);
            if super::value::compare(&next, &at) != Some(std::cmp::Ordering::Greater) {
                return Err(KqlError::semantic(
                    step.span,
                    "a range's step must be positive",
                ));
            }
            at = next;
        }
        Ok(Arc::new(table))
    }

    /// A table by name, a call of a function returning one, `table("name")`.
    pub(super) fn tabular_expr(&mut self, e: &Expr) -> Result<Arc<Table>> {
        match &e.kind {
            ExprKind::Name(n) => self.table_named(n, e.span),
            ExprKind::Subquery(p) => self.pipeline(p),
            ExprKind::Call(n, args) if n == "table" || n == "view" => {
                let [arg] = args.as_slice() else {
                    return Err(KqlError::semantic(e.span, "table() takes one table name"));
                };
                let (bound, _) = self.bind(arg, &[])?;
                let name = bound.eval(&[], &self.ctx).to_text();
                self.table_named(&name, arg.span)
            }
            ExprKind::Call(n, args) if n == "materialize" => match args.as_slice() {
                [arg] => self.tabular_expr(arg),
                _ => Err(KqlError::semantic(e.span, "materialize() takes one table")),
            },
            ExprKind::Call(n, args) => match self.lookup(n).cloned() {
                Some(Binding::Lambda(lambda)) => self.call_tabular(&lambda, args, e.span),
                _ => Err(KqlError::semantic(
                    e.span,
                    format!("`{n}(...)` is not a table or a function returning one"),
                )),
            },
            _ => Err(KqlError::semantic(e.span, "expected a table here")
                .with_hint("a query starts with a table such as SigninLogs, AuditLogs or AADNonInteractiveUserSignInLogs")),
        }
    }

    fn table_named(&mut self, name: &str, span: Span) -> Result<Arc<Table>> {
        match self.lookup(name) {
            Some(Binding::Table(t)) => return Ok(t.clone()),
            Some(Binding::Scalar(..) | Binding::Argument(..)) => {
                return Err(KqlError::semantic(
                    span,
                    format!("`{name}` is a scalar, not a table"),
                ));
            }
            Some(Binding::Lambda(l)) if l.params.iter().all(|p| p.default.is_some()) => {
                let l = l.clone();
                return self.call_tabular(&l, &[], span);
            }
            _ => {}
        }
        self.catalog.get(name).ok_or_else(|| {
            let mut names: Vec<&str> = super::schema::TABLES.to_vec();
            names.extend(self.catalog.names());
            names.extend(
                self.scopes
                    .iter()
                    .flat_map(|s| s.keys().map(String::as_str)),
            );
            let error = KqlError::semantic(span, format!("unknown table `{name}`"));
            match crate::scenario::suggest(name, names.iter().copied()) {
                Some(best) => error.with_hint(format!("did you mean `{best}`?")),
                None => error.with_hint(format!(
                    "entralab has the tables {}",
                    super::schema::TABLES.join(", ")
                )),
            }
        })
    }

    /// Calls a function defined with `let` whose body is tabular.
    fn call_tabular(&mut self, lambda: &Lambda, args: &[Expr], span: Span) -> Result<Arc<Table>> {
        let scope = self.arguments(lambda, args, span, &[])?;
        self.nested(span, |engine| {
            engine.with_scope(scope, |engine| {
                for l in &lambda.lets {
                    engine.define(l)?;
                }
                engine.pipeline(&lambda.body)
            })
        })
    }

    /// Runs `f` one function call deeper; a function that calls itself stops at
    /// [`MAX_CALLS`].
    pub(super) fn nested<T>(
        &mut self,
        span: Span,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if self.calls >= MAX_CALLS {
            return Err(KqlError::semantic(
                span,
                "functions call each other too deeply",
            ));
        }
        self.calls += 1;
        let result = f(self);
        self.calls -= 1;
        result
    }

    /// Binds a function's parameters to the call's arguments: tables evaluated, scalars
    /// bound against `columns` (constants when there are none).
    pub(super) fn arguments(
        &mut self,
        lambda: &Lambda,
        args: &[Expr],
        span: Span,
        columns: &[Column],
    ) -> Result<BTreeMap<String, Binding>> {
        if args.len() > lambda.params.len() {
            return Err(KqlError::semantic(
                span,
                format!(
                    "the function takes {} arguments, the call gives {}",
                    lambda.params.len(),
                    args.len()
                ),
            ));
        }
        let mut scope = BTreeMap::new();
        for (i, param) in lambda.params.iter().enumerate() {
            let arg = match (args.get(i), &param.default) {
                (Some(a), _) => a,
                (None, Some(d)) => d,
                (None, None) => {
                    return Err(KqlError::semantic(
                        span,
                        format!("missing the argument `{}`", param.name),
                    ));
                }
            };
            let binding = match param.kind {
                ParamKind::Table => Binding::Table(self.tabular_expr(arg)?),
                ParamKind::Scalar(ty) => {
                    let (bound, _) = self.bind(arg, columns)?;
                    match bound {
                        super::bind::Bound::Const(v) => Binding::Scalar(v, ty),
                        other => Binding::Argument(other, ty),
                    }
                }
            };
            scope.insert(param.name.clone(), binding);
        }
        Ok(scope)
    }

    /// `union`: the columns of all tables by name (first appearance order), missing values
    /// null; `withsource` names each row's table. A name with different types in different
    /// tables becomes one column a type, `Name_type` (as KQL makes `LocationDetails_dynamic`
    /// and `LocationDetails_string` of the two sign-in tables).
    pub(super) fn union(&mut self, first: Option<Arc<Table>>, u: &Union) -> Result<Table> {
        let mut parts: Vec<(String, Arc<Table>)> = Vec::new();
        if let Some(t) = first {
            parts.push(("".into(), t));
        }
        for p in &u.tables {
            let name = match (&p.source, p.ops.is_empty()) {
                (Source::Expr(e), true) => e.to_string(),
                _ => String::new(),
            };
            match self.pipeline(p) {
                Ok(t) => parts.push((name, t)),
                Err(e) if u.fuzzy && e.kind == super::error::ErrorKind::Semantic => {}
                Err(e) => return Err(e),
            }
        }
        let mut columns: Vec<Column> = Vec::new();
        if let Some(w) = &u.with_source {
            columns.push(Column::new(w.clone(), Type::String));
        }
        let tables: Vec<&Table> = parts.iter().map(|(_, t)| t.as_ref()).collect();
        let sources = union_columns(&tables, u.kind_outer);
        columns.extend(sources.iter().map(|s| s.column.clone()));
        let mut out = Table::new(columns);
        for (name, t) in &parts {
            let map: Vec<Option<usize>> = sources
                .iter()
                .map(|s| {
                    t.columns
                        .iter()
                        .position(|c| c.name == s.name && c.ty == s.column.ty)
                })
                .collect();
            for row in &t.rows {
                let mut new_row: Vec<Value> = Vec::with_capacity(out.columns.len());
                if u.with_source.is_some() {
                    new_row.push(Value::Str(name.clone()));
                }
                new_row.extend(
                    map.iter()
                        .map(|i| i.map_or(Value::Null, |i| row[i].clone())),
                );
                out.rows.push(new_row);
            }
        }
        Ok(out)
    }
}

/// A column of a union's output: the input columns it takes (by name and type).
struct UnionColumn {
    name: String,
    column: Column,
}

/// The columns of a union of `tables` in first appearance order: each name once, or once a
/// type when the tables type it differently (suffixed with the type's name). Without
/// `kind=outer` only the columns every table has (by name and type) are kept.
fn union_columns(tables: &[&Table], outer: bool) -> Vec<UnionColumn> {
    let mut seen: Vec<&Column> = Vec::new();
    for t in tables {
        for c in &t.columns {
            let in_all = tables.iter().all(|o| o.columns.iter().any(|oc| oc == c));
            if (outer || in_all) && !seen.contains(&c) {
                seen.push(c);
            }
        }
    }
    seen.iter()
        .map(|c| {
            let typed_apart = seen.iter().any(|o| o.name == c.name && o.ty != c.ty);
            let name = if typed_apart {
                format!("{}_{}", c.name, c.ty.name())
            } else {
                c.name.clone()
            };
            UnionColumn {
                name: c.name.clone(),
                column: Column::new(name, c.ty),
            }
        })
        .collect()
}
