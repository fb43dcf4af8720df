//! Functions over the order of rows: `prev`, `next`, `row_number`, `row_cumsum`,
//! `row_window_session`. KQL requires a serialized input (after `sort` or `serialize`);
//! entralab's tables always have an order, so any input will do.
//!
//! `prev`/`next` read other rows of the operator's input, which the operator lends through
//! [`Rows`]; the running functions keep their state in the bound expression, which is bound
//! afresh for each operator, so the state starts over each time.

use super::ast::Expr;
use super::bind::{Bound, arithmetic};
use super::binder::check_arity;
use super::engine::Engine;
use super::error::{KqlError, Result};
use super::functions::Context;
use super::table::Column;
use super::table::Table;
use super::value::Type;
use super::value::{Value, compare};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::sync::Arc;

/// The input rows of the operator being applied and the position of the current one.
#[derive(Debug, Default)]
pub struct Rows {
    pub rows: RefCell<Option<Arc<Table>>>,
    pub at: std::cell::Cell<usize>,
}

#[derive(Debug, Clone)]
pub enum Window {
    /// `prev(e, k, default)` (offset -k) and `next(e, k, default)` (offset +k).
    Shift {
        expr: Bound,
        offset: i64,
        default: Bound,
    },
    RowNumber {
        start: i64,
        restart: Option<Bound>,
        state: RefCell<Option<i64>>,
    },
    CumSum {
        expr: Bound,
        restart: Option<Bound>,
        state: RefCell<Option<Value>>,
    },
    Session(Box<Session>),
}

/// `row_window_session(e, max_from_first, max_between_neighbours, restart)`: the value of `e`
/// at the first row of the current session.
#[derive(Debug, Clone)]
pub struct Session {
    expr: Bound,
    max_from_first: Value,
    max_between: Value,
    restart: Option<Bound>,
    /// (the session's first value, the previous row's value)
    state: RefCell<Option<(Value, Value)>>,
}

impl Rows {
    /// Lends `table` to the window functions of an operator (none when it has none).
    pub fn lend(&self, table: Option<Arc<Table>>) {
        *self.rows.borrow_mut() = table;
        self.at.set(0);
    }
}

impl Window {
    pub fn eval(&self, row: &[Value], ctx: &Context) -> Value {
        let restarts =
            |restart: &Option<Bound>| restart.as_ref().is_some_and(|r| r.eval(row, ctx).is_true());
        match self {
            Window::Shift {
                expr,
                offset,
                default,
            } => {
                let rows = ctx.rows.rows.borrow();
                let other = usize::try_from(ctx.rows.at.get() as i64 + offset)
                    .ok()
                    .and_then(|i| rows.as_ref()?.rows.get(i).cloned());
                drop(rows);
                match other {
                    Some(other) => expr.eval(&other, ctx),
                    None => default.eval(row, ctx),
                }
            }
            Window::RowNumber {
                start,
                restart,
                state,
            } => {
                let restart = restarts(restart);
                let mut n = state.borrow_mut();
                let next = match *n {
                    Some(previous) if !restart => previous.saturating_add(1),
                    _ => *start,
                };
                *n = Some(next);
                Value::Long(next)
            }
            Window::CumSum {
                expr,
                restart,
                state,
            } => {
                let value = expr.eval(row, ctx);
                let restart = restarts(restart);
                let mut sum = state.borrow_mut();
                let next = match sum.take() {
                    Some(total) if !restart => arithmetic(super::ast::BinOp::Add, &total, &value),
                    _ => value,
                };
                *sum = Some(next.clone());
                next
            }
            Window::Session(session) => {
                let Session {
                    expr,
                    max_from_first,
                    max_between,
                    restart,
                    state,
                } = &**session;
                let value = expr.eval(row, ctx);
                let restart = restarts(restart);
                let mut session = state.borrow_mut();
                let beyond = |from: &Value, limit: &Value| {
                    compare(&arithmetic(super::ast::BinOp::Sub, &value, from), limit)
                        == Some(Ordering::Greater)
                };
                let start = match session.take() {
                    Some((first, previous))
                        if !restart
                            && !beyond(&first, max_from_first)
                            && !beyond(&previous, max_between) =>
                    {
                        first
                    }
                    _ => value.clone(),
                };
                *session = Some((start.clone(), value));
                start
            }
        }
    }
}

impl Engine<'_> {
    /// `prev`, `next`, `row_number`, `row_cumsum`, `row_window_session`.
    pub(super) fn bind_window(
        &mut self,
        name: &str,
        args: &[Expr],
        e: &Expr,
        columns: &[Column],
    ) -> Result<(Bound, Type)> {
        let (min, max) = match name {
            "prev" | "next" => (1, 3),
            "row_number" => (0, 2),
            "row_cumsum" => (1, 2),
            _ => (3, 4),
        };
        check_arity(name, args, min, max, e)?;
        let bind = |engine: &mut Self, at: usize| -> Result<Option<(Bound, Type)>> {
            args.get(at).map(|a| engine.bind(a, columns)).transpose()
        };
        let constant = |b: Option<(Bound, Type)>, what: &str, at: usize| -> Result<Option<Value>> {
            match b {
                None => Ok(None),
                Some((Bound::Const(v), _)) => Ok(Some(v)),
                Some(_) => Err(KqlError::semantic(
                    args[at].span,
                    format!("expected a constant {what}"),
                )),
            }
        };
        let (window, ty) = match name {
            "prev" | "next" => {
                let (expr, ty) = bind(self, 0)?.expect("arity checked");
                let k = constant(bind(self, 1)?, "offset", 1)?
                    .and_then(|v| v.to_long())
                    .unwrap_or(1);
                let default = bind(self, 2)?.map_or(Bound::Const(Value::Null), |(b, _)| b);
                let offset = if name == "prev" { -k } else { k };
                (
                    Window::Shift {
                        expr,
                        offset,
                        default,
                    },
                    ty,
                )
            }
            "row_number" => {
                let start = constant(bind(self, 0)?, "start", 0)?
                    .and_then(|v| v.to_long())
                    .unwrap_or(1);
                let restart = bind(self, 1)?.map(|(b, _)| b);
                (
                    Window::RowNumber {
                        start,
                        restart,
                        state: Default::default(),
                    },
                    Type::Long,
                )
            }
            "row_cumsum" => {
                let (expr, ty) = bind(self, 0)?.expect("arity checked");
                let restart = bind(self, 1)?.map(|(b, _)| b);
                (
                    Window::CumSum {
                        expr,
                        restart,
                        state: Default::default(),
                    },
                    ty,
                )
            }
            _ => {
                let (expr, ty) = bind(self, 0)?.expect("arity checked");
                let max_from_first =
                    constant(bind(self, 1)?, "timespan", 1)?.unwrap_or(Value::Null);
                let max_between = constant(bind(self, 2)?, "timespan", 2)?.unwrap_or(Value::Null);
                let restart = bind(self, 3)?.map(|(b, _)| b);
                (
                    Window::Session(Box::new(Session {
                        expr,
                        max_from_first,
                        max_between,
                        restart,
                        state: Default::default(),
                    })),
                    ty,
                )
            }
        };
        Ok((Bound::Window(Box::new(window)), ty))
    }
}
