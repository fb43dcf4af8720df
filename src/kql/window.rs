//! Functions over the order of rows: `prev`, `next`, `row_number`, `row_cumsum`,
//! `row_window_session`. KQL requires a serialized input (after `sort` or `serialize`);
//! entralab's tables always have an order, so any input will do.
//!
//! `prev`/`next` read other rows of the operator's input, which the operator lends through
//! [`Rows`]; the running functions keep their state in the bound expression, which is bound
//! afresh for each operator, so the state starts over each time.

use super::bind::{Bound, arithmetic};
use super::functions::Context;
use super::table::Table;
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
    /// `row_window_session(e, max_from_first, max_between_neighbours, restart)`: the value
    /// of `e` at the first row of the current session.
    Session {
        expr: Bound,
        max_from_first: Value,
        max_between: Value,
        restart: Option<Bound>,
        /// (the session's first value, the previous row's value)
        state: RefCell<Option<(Value, Value)>>,
    },
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
            Window::Session {
                expr,
                max_from_first,
                max_between,
                restart,
                state,
            } => {
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
