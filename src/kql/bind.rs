//! Bound expressions: names resolved to column positions and constants, functions to their
//! code. Binding happens once per operator ([`super::engine`]); evaluation once per row.

use super::ast::{BinOp, StrOp};
use super::functions::{self, Context, Function, dynamic};
use super::value::{Value, compare, equals};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Calls with at most this many arguments evaluate them into an array on the stack.
const SMALL_CALL: usize = 4;

#[derive(Debug, Clone)]
pub enum Bound {
    Const(Value),
    Column(usize),
    Member(Box<Bound>, String),
    Index(Box<Bound>, Box<Bound>),
    Call(&'static Function, Vec<Bound>),
    Neg(Box<Bound>),
    Binary(BinOp, Box<Bound>, Box<Bound>),
    In {
        expr: Box<Bound>,
        negated: bool,
        case_insensitive: bool,
        list: Vec<Bound>,
    },
    Between {
        expr: Box<Bound>,
        negated: bool,
        low: Box<Bound>,
        high: Box<Bound>,
    },
    /// A function of the rows' order (`prev`, `row_number`, ...).
    Window(Box<super::window::Window>),
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}()", self.name)
    }
}

impl Bound {
    /// Whether a function of the rows' order is in the expression.
    pub fn has_window(&self) -> bool {
        match self {
            Bound::Window(_) => true,
            Bound::Const(_) | Bound::Column(_) => false,
            Bound::Member(b, _) | Bound::Neg(b) => b.has_window(),
            Bound::Index(a, b) | Bound::Binary(_, a, b) => a.has_window() || b.has_window(),
            Bound::Call(_, args) => args.iter().any(Bound::has_window),
            Bound::In { expr, list, .. } => expr.has_window() || list.iter().any(Bound::has_window),
            Bound::Between {
                expr, low, high, ..
            } => expr.has_window() || low.has_window() || high.has_window(),
        }
    }

    /// [`Bound::eval`], borrowing a column's or a constant's value instead of copying it
    /// (a comparison of a string column with a literal copies neither).
    pub fn eval_ref<'a>(&'a self, row: &'a [Value], ctx: &Context) -> Cow<'a, Value> {
        match self {
            Bound::Const(v) => Cow::Borrowed(v),
            Bound::Column(i) => row.get(*i).map_or(Cow::Owned(Value::Null), Cow::Borrowed),
            other => Cow::Owned(other.eval(row, ctx)),
        }
    }

    pub fn eval(&self, row: &[Value], ctx: &Context) -> Value {
        match self {
            Bound::Const(v) => v.clone(),
            Bound::Window(w) => w.eval(row, ctx),
            Bound::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            Bound::Member(base, key) => dynamic::member(&base.eval(row, ctx), key),
            Bound::Index(base, i) => dynamic::index(&base.eval(row, ctx), &i.eval(row, ctx)),
            Bound::Call(f, args) if args.len() <= SMALL_CALL => {
                // Most calls have few arguments: no Vec for them on every row.
                let mut values = [const { Value::Null }; SMALL_CALL];
                for (slot, arg) in values.iter_mut().zip(args) {
                    *slot = arg.eval(row, ctx);
                }
                (f.eval)(&values[..args.len()], ctx)
            }
            Bound::Call(f, args) => {
                let values: Vec<Value> = args.iter().map(|a| a.eval(row, ctx)).collect();
                (f.eval)(&values, ctx)
            }
            Bound::Neg(e) => match e.eval(row, ctx) {
                Value::Long(n) => n.checked_neg().map_or(Value::Null, Value::Long),
                Value::Real(r) => Value::Real(-r),
                Value::TimeSpan(t) => t.checked_neg().map_or(Value::Null, Value::TimeSpan),
                _ => Value::Null,
            },
            Bound::Binary(BinOp::And, l, r) => {
                let left = l.eval(row, ctx);
                if matches!(left, Value::Bool(false)) {
                    return Value::Bool(false);
                }
                match (left, r.eval(row, ctx)) {
                    (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Null,
                }
            }
            Bound::Binary(BinOp::Or, l, r) => {
                let left = l.eval(row, ctx);
                if left.is_true() {
                    return Value::Bool(true);
                }
                match (left, r.eval(row, ctx)) {
                    (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                }
            }
            Bound::Binary(op, l, r) => {
                binary(*op, &l.eval_ref(row, ctx), &r.eval_ref(row, ctx), ctx)
            }
            Bound::In {
                expr,
                negated,
                case_insensitive,
                list,
            } => {
                let value = expr.eval(row, ctx);
                let items: Vec<Value> = list.iter().map(|i| i.eval(row, ctx)).collect();
                Value::Bool(functions::in_list(&value, &items, *case_insensitive) != *negated)
            }
            Bound::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let value = expr.eval(row, ctx);
                let (low, high) = (low.eval(row, ctx), high.eval(row, ctx));
                // `t between (start .. 1h)`: a timespan upper bound counts from the start.
                let high = match (&low, &high) {
                    (Value::DateTime(l), Value::TimeSpan(s)) => {
                        l.checked_add(*s).map_or(Value::Null, Value::DateTime)
                    }
                    _ => high,
                };
                match (compare(&value, &low), compare(&value, &high)) {
                    (Some(a), Some(b)) => {
                        Value::Bool((a != Ordering::Less && b != Ordering::Greater) != *negated)
                    }
                    _ => Value::Null,
                }
            }
        }
    }
}

fn binary(op: BinOp, l: &Value, r: &Value, ctx: &Context) -> Value {
    let cmp =
        |want: fn(Ordering) -> bool| compare(l, r).map_or(Value::Null, |o| Value::Bool(want(o)));
    match op {
        BinOp::Eq => equals(l, r).map_or(Value::Null, Value::Bool),
        BinOp::Ne => equals(l, r).map_or(Value::Null, |e| Value::Bool(!e)),
        BinOp::Lt => cmp(|o| o == Ordering::Less),
        BinOp::Le => cmp(|o| o != Ordering::Greater),
        BinOp::Gt => cmp(|o| o == Ordering::Greater),
        BinOp::Ge => cmp(|o| o != Ordering::Less),
        BinOp::EqCi | BinOp::NeCi => {
            let same = l.to_text().to_lowercase() == r.to_text().to_lowercase();
            Value::Bool(same == (op == BinOp::EqCi))
        }
        BinOp::Str(op, negated) => {
            string_op(op, l, r, ctx).map_or(Value::Null, |b| Value::Bool(b != negated))
        }
        BinOp::And | BinOp::Or => Value::Null,
        _ => arithmetic(op, l, r),
    }
}

fn string_op(op: StrOp, l: &Value, r: &Value, ctx: &Context) -> Option<bool> {
    use super::functions::text::has_term;
    let text = l.to_text();
    let needle = r.to_text();
    let lower = || (text.to_lowercase(), needle.to_lowercase());
    Some(match op {
        StrOp::Has => has_term(&text, &needle, false, false, false),
        StrOp::HasCs => has_term(&text, &needle, true, false, false),
        StrOp::HasPrefix => has_term(&text, &needle, false, true, false),
        StrOp::HasPrefixCs => has_term(&text, &needle, true, true, false),
        StrOp::HasSuffix => has_term(&text, &needle, false, false, true),
        StrOp::HasSuffixCs => has_term(&text, &needle, true, false, true),
        StrOp::Contains => {
            let (t, n) = lower();
            t.contains(&n)
        }
        StrOp::ContainsCs => text.contains(&needle),
        StrOp::StartsWith => {
            let (t, n) = lower();
            t.starts_with(&n)
        }
        StrOp::StartsWithCs => text.starts_with(&needle),
        StrOp::EndsWith => {
            let (t, n) = lower();
            t.ends_with(&n)
        }
        StrOp::EndsWithCs => text.ends_with(&needle),
        StrOp::HasAny | StrOp::HasAll => {
            let terms = flatten(r);
            let found = |t: &Value| has_term(&text, &t.to_text(), false, false, false);
            if op == StrOp::HasAny {
                terms.iter().any(found)
            } else {
                terms.iter().all(found)
            }
        }
        StrOp::MatchesRegex => ctx.regex(&needle)?.is_match(&text),
    })
}

/// The elements of a list argument, arrays in it flattened one level.
fn flatten(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Value::Dynamic(serde_json::Value::Array(items)) = v {
        for item in items {
            match item {
                serde_json::Value::Array(inner) => out.extend(inner.iter().map(Value::from_json)),
                other => out.push(Value::from_json(other)),
            }
        }
    } else {
        out.push(v.clone());
    }
    out
}

/// `+ - * / %` over numbers, datetimes and timespans; null where KQL has no meaning for it.
pub fn arithmetic(op: BinOp, l: &Value, r: &Value) -> Value {
    use Value::*;
    let real = |x: f64| if x.is_finite() { Real(x) } else { Null };
    match (op, l, r) {
        (_, Long(a), Long(b)) => match op {
            BinOp::Add => a.checked_add(*b).map_or(Null, Long),
            BinOp::Sub => a.checked_sub(*b).map_or(Null, Long),
            BinOp::Mul => a.checked_mul(*b).map_or(Null, Long),
            BinOp::Div => a.checked_div(*b).map_or(Null, Long),
            BinOp::Mod => a.checked_rem_euclid(*b).map_or(Null, Long),
            _ => Null,
        },
        (_, Long(_) | Real(_), Long(_) | Real(_)) => {
            let (Some(a), Some(b)) = (l.to_real(), r.to_real()) else {
                return Null;
            };
            match op {
                BinOp::Add => real(a + b),
                BinOp::Sub => real(a - b),
                BinOp::Mul => real(a * b),
                BinOp::Div => real(a / b),
                BinOp::Mod => real(a.rem_euclid(b)),
                _ => Null,
            }
        }
        (BinOp::Add, DateTime(t), TimeSpan(s)) | (BinOp::Add, TimeSpan(s), DateTime(t)) => {
            t.checked_add(*s).map_or(Null, DateTime)
        }
        (BinOp::Sub, DateTime(t), TimeSpan(s)) => t.checked_sub(*s).map_or(Null, DateTime),
        (BinOp::Sub, DateTime(a), DateTime(b)) => a.checked_sub(*b).map_or(Null, TimeSpan),
        (BinOp::Add, TimeSpan(a), TimeSpan(b)) => a.checked_add(*b).map_or(Null, TimeSpan),
        (BinOp::Sub, TimeSpan(a), TimeSpan(b)) => a.checked_sub(*b).map_or(Null, TimeSpan),
        (BinOp::Div, TimeSpan(a), TimeSpan(b)) if *b != 0 => Real(*a as f64 / *b as f64),
        (BinOp::Mul, TimeSpan(t), n @ (Long(_) | Real(_)))
        | (BinOp::Mul, n @ (Long(_) | Real(_)), TimeSpan(t)) => n
            .to_real()
            .map(|f| *t as f64 * f)
            .filter(|x| x.is_finite() && x.abs() < 9.2e18)
            .map_or(Null, |x| TimeSpan(x as i64)),
        (BinOp::Div, TimeSpan(t), n @ (Long(_) | Real(_))) => n
            .to_real()
            .filter(|f| *f != 0.0)
            .map(|f| *t as f64 / f)
            .filter(|x| x.is_finite() && x.abs() < 9.2e18)
            .map_or(Null, |x| TimeSpan(x as i64)),
        _ => Null,
    }
}
