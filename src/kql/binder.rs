//! The binder: resolves an expression's names against the columns of the operator's input
//! and the `let` scopes, checks functions and their arguments, infers types and column
//! names, and folds constants (`ago(1d)` is computed once, not per row).

use super::aggregate::{self, AggKind, Aggregate};
use super::ast::*;
use super::bind::Bound;
use super::engine::{Binding, Engine};
use super::error::{KqlError, Result};
use super::functions::{self, Ret};
use super::table::Column;
use super::value::{Type, Value};
use serde_json::Value as Json;

/// Functions of KQL that entralab does not run yet.
const NOT_YET: &[&str] = &[
    "series_fit_line",
    "series_stats",
    "make_datetime",
    "percentiles",
    "hll",
    "tdigest",
    "geo_info_from_ip_address",
    "parse_url",
    "parse_path",
    "parse_user_agent",
    "parse_xml",
    "parse_csv",
    "zip",
    "_GetWatchlist",
    "externaldata",
    "pack_dictionary",
    "bag_remove_keys",
    "bag_unpack",
    "treepath",
    "ipv6_is_match",
    "ipv6_compare",
];

/// Collects the aggregations inside a summarize expression.
pub struct Aggregations {
    /// Where the first aggregation's value goes in the row the expressions see.
    pub base: usize,
    pub aggregates: Vec<Aggregate>,
    pub types: Vec<Type>,
}

impl Aggregations {
    pub fn new(base: usize) -> Aggregations {
        Aggregations {
            base,
            aggregates: Vec::new(),
            types: Vec::new(),
        }
    }
}

impl Engine<'_> {
    /// Binds a scalar expression over rows with `columns`.
    pub fn bind(&mut self, e: &Expr, columns: &[Column]) -> Result<(Bound, Type)> {
        self.bind_in(e, columns, None)
    }

    pub fn bind_in(
        &mut self,
        e: &Expr,
        columns: &[Column],
        mut aggs: Option<&mut Aggregations>,
    ) -> Result<(Bound, Type)> {
        let (bound, ty) = match &e.kind {
            ExprKind::Literal(l) => literal(l),
            ExprKind::Name(n) => self.bind_name(n, e, columns)?,
            ExprKind::Member(base, key) => {
                let (b, ty) = self.bind_in(base, columns, aggs)?;
                if ty == Type::String && matches!(b, Bound::Column(_)) {
                    return Err(KqlError::semantic(
                        e.span,
                        format!("`{base}` is a string column; reach into its JSON with parse_json"),
                    )
                    .with_hint(format!("write parse_json({base}).{key}")));
                }
                (Bound::Member(Box::new(b), key.clone()), Type::Dynamic)
            }
            ExprKind::Index(base, index) => {
                let (b, _) = self.bind_in(base, columns, aggs.as_deref_mut())?;
                let (i, _) = self.bind_in(index, columns, aggs)?;
                (Bound::Index(Box::new(b), Box::new(i)), Type::Dynamic)
            }
            ExprKind::Neg(inner) => {
                let (b, ty) = self.bind_in(inner, columns, aggs)?;
                (Bound::Neg(Box::new(b)), ty)
            }
            ExprKind::Binary(op, l, r) => {
                let (lb, lt) = self.bind_in(l, columns, aggs.as_deref_mut())?;
                let (rb, rt) = self.bind_in(r, columns, aggs)?;
                if let BinOp::Str(StrOp::MatchesRegex, _) = op
                    && let Bound::Const(pattern) = &rb
                    && self.ctx.regex(&pattern.to_text()).is_none()
                {
                    return Err(KqlError::semantic(r.span, "invalid regular expression"));
                }
                (
                    Bound::Binary(*op, Box::new(lb), Box::new(rb)),
                    binary_type(*op, lt, rt),
                )
            }
            ExprKind::In {
                expr,
                negated,
                case_insensitive,
                list,
            } => {
                let (b, _) = self.bind_in(expr, columns, aggs.as_deref_mut())?;
                let mut items = Vec::new();
                for item in list {
                    if self.is_tabular(item)
                        && !matches!(&item.kind, ExprKind::Name(n) if columns.iter().any(|c| &c.name == n))
                    {
                        let table = self.tabular_expr(item)?;
                        let values: Vec<Json> = table
                            .rows
                            .iter()
                            .filter_map(|r| r.first().map(Value::to_json))
                            .collect();
                        items.push(Bound::Const(Value::Dynamic(Json::Array(values))));
                    } else {
                        items.push(self.bind_in(item, columns, aggs.as_deref_mut())?.0);
                    }
                }
                (
                    Bound::In {
                        expr: Box::new(b),
                        negated: *negated,
                        case_insensitive: *case_insensitive,
                        list: items,
                    },
                    Type::Bool,
                )
            }
            ExprKind::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (b, _) = self.bind_in(expr, columns, aggs.as_deref_mut())?;
                let (lo, _) = self.bind_in(low, columns, aggs.as_deref_mut())?;
                let (hi, _) = self.bind_in(high, columns, aggs)?;
                (
                    Bound::Between {
                        expr: Box::new(b),
                        negated: *negated,
                        low: Box::new(lo),
                        high: Box::new(hi),
                    },
                    Type::Bool,
                )
            }
            ExprKind::Call(name, args) => self.bind_call(name, args, e, columns, aggs)?,
            ExprKind::Star => {
                return Err(KqlError::semantic(
                    e.span,
                    "`*` is only an argument of arg_max, arg_min, take_any or count",
                ));
            }
            ExprKind::Subquery(_) => {
                return Err(KqlError::semantic(
                    e.span,
                    "a tabular expression where a scalar belongs",
                )
                .with_hint("wrap it in toscalar(...)"));
            }
        };
        Ok((fold(bound, &self.ctx), ty))
    }

    fn bind_name(&mut self, n: &str, e: &Expr, columns: &[Column]) -> Result<(Bound, Type)> {
        if let Some(Binding::Argument(b, ty)) = self.lookup(n) {
            return Ok((b.clone(), *ty));
        }
        if let Some(i) = columns.iter().position(|c| c.name == n) {
            return Ok((Bound::Column(i), columns[i].ty));
        }
        match self.lookup(n) {
            Some(Binding::Scalar(v, ty)) => Ok((Bound::Const(v.clone()), *ty)),
            Some(Binding::Table(_)) => Err(KqlError::semantic(
                e.span,
                format!("`{n}` is a table, not a value"),
            )
            .with_hint(format!("use it as a source, or toscalar({n})"))),
            Some(Binding::Lambda(_)) => Err(KqlError::semantic(
                e.span,
                format!("`{n}` is a function; call it with {n}(...)"),
            )),
            _ => {
                let error = KqlError::semantic(e.span, format!("unknown column `{n}`"));
                Err(
                    match crate::scenario::suggest(n, columns.iter().map(|c| c.name.as_str())) {
                        Some(best) => error.with_hint(format!("did you mean `{best}`?")),
                        None if columns.is_empty() => error,
                        None => error
                            .with_hint(format!("the columns here are {}", column_list(columns))),
                    },
                )
            }
        }
    }

    fn bind_call(
        &mut self,
        name: &str,
        args: &[Expr],
        e: &Expr,
        columns: &[Column],
        aggs: Option<&mut Aggregations>,
    ) -> Result<(Bound, Type)> {
        if let Some(Binding::Lambda(lambda)) = self.lookup(name).cloned() {
            let scope = self.arguments(&lambda, args, e.span, columns)?;
            return self.nested(e.span, |engine| {
                engine.with_scope(scope, |engine| {
                    let mut pushed = 0;
                    let result = engine.inline_body(&lambda, name, e, columns, &mut pushed);
                    for _ in 0..pushed {
                        engine.pop_scope();
                    }
                    result
                })
            });
        }
        if let Some(&(_, kind, min, max, _)) = aggregate::lookup(name) {
            let Some(aggs) = aggs else {
                return Err(KqlError::semantic(
                    e.span,
                    format!("`{name}()` is an aggregation; it belongs in summarize"),
                ));
            };
            check_arity(name, args, min, max, e)?;
            let (agg, types) = self.aggregate(kind, args, columns, false)?;
            let slot = aggs.base + aggs.types.len();
            aggs.aggregates.push(agg);
            aggs.types.extend(&types);
            return Ok((Bound::Column(slot), types[0]));
        }
        match name {
            "prev" | "next" | "row_number" | "row_cumsum" | "row_window_session" => {
                let window = self.bind_window(name, args, e, columns)?;
                return Ok(window);
            }
            "toscalar" => {
                let [arg] = args else {
                    return Err(KqlError::semantic(
                        e.span,
                        "toscalar() takes one tabular expression",
                    ));
                };
                let table = self.tabular_expr(arg)?;
                let value = table
                    .rows
                    .first()
                    .and_then(|r| r.first())
                    .cloned()
                    .unwrap_or(Value::Null);
                let ty = table.columns.first().map_or(Type::Dynamic, |c| c.ty);
                return Ok((Bound::Const(value), ty));
            }
            "ingestion_time" => {
                // entralab ingests a record when it happens.
                return Ok(columns
                    .iter()
                    .position(|c| c.name == "TimeGenerated")
                    .map_or((Bound::Const(Value::Null), Type::DateTime), |i| {
                        (Bound::Column(i), Type::DateTime)
                    }));
            }
            "column_ifexists" => {
                let [column, default] = args else {
                    return Err(KqlError::semantic(
                        e.span,
                        "column_ifexists() takes a name and a default",
                    ));
                };
                let (b, _) = self.bind(column, &[])?;
                let wanted = b.eval(&[], &self.ctx).to_text();
                return match columns.iter().position(|c| c.name == wanted) {
                    Some(i) => Ok((Bound::Column(i), columns[i].ty)),
                    None => self.bind(default, columns),
                };
            }
            "pack_all" => {
                let mut items = Vec::new();
                for (i, c) in columns.iter().enumerate() {
                    items.push(Bound::Const(Value::Str(c.name.clone())));
                    items.push(Bound::Column(i));
                }
                let f = functions::lookup("bag_pack").expect("bag_pack exists");
                return Ok((Bound::Call(f, items), Type::Dynamic));
            }
            _ => {}
        }
        let Some(f) = functions::lookup(name) else {
            if NOT_YET.contains(&name) {
                return Err(KqlError::unsupported(
                    e.span,
                    format!("function `{name}()`"),
                ));
            }
            let candidates = functions::FUNCTIONS
                .iter()
                .map(|f| f.name)
                .chain(aggregate::AGGREGATES.iter().map(|a| a.0));
            return Err(
                KqlError::semantic(e.span, format!("unknown function `{name}()`"))
                    .did_you_mean(name, candidates),
            );
        };
        check_arity(name, args, f.min_args, f.max_args, e)?;
        let mut bound = Vec::new();
        let mut types = Vec::new();
        let mut aggs = aggs;
        for arg in args {
            let (b, t) = self.bind_in(arg, columns, aggs.as_deref_mut())?;
            bound.push(b);
            types.push(t);
        }
        let ty = match f.ret {
            Ret::Fixed(t) => t,
            Ret::Arg(i) => types.get(i).copied().unwrap_or(Type::Dynamic),
        };
        Ok((Bound::Call(f, bound), ty))
    }

    /// The body of a scalar function, bound where it is called; each of its `let`s is a
    /// scope pushed (and counted in `pushed`, for the caller to pop).
    fn inline_body(
        &mut self,
        lambda: &Lambda,
        name: &str,
        e: &Expr,
        columns: &[Column],
        pushed: &mut usize,
    ) -> Result<(Bound, Type)> {
        for l in &lambda.lets {
            let LetValue::Pipeline(p) = &l.value else {
                return Err(KqlError::unsupported(
                    l.span,
                    "a function defined inside a scalar function",
                ));
            };
            let value = match &p.source {
                Source::Expr(value) if p.ops.is_empty() && !self.is_tabular(value) => value,
                _ => {
                    return Err(KqlError::unsupported(
                        l.span,
                        "a tabular let inside a scalar function",
                    ));
                }
            };
            let (b, ty) = self.bind(value, columns)?;
            let mut scope = std::collections::BTreeMap::new();
            scope.insert(l.name.clone(), Binding::Argument(b, ty));
            // Later lets see earlier ones: one scope each.
            self.push_scope(scope);
            *pushed += 1;
        }
        match (&lambda.body.source, lambda.body.ops.is_empty()) {
            (Source::Expr(body), true) if !self.is_tabular(body) => self.bind(body, columns),
            _ => Err(KqlError::semantic(
                e.span,
                format!("`{name}` returns a table; use it as a source or in toscalar()"),
            )),
        }
    }

    /// One aggregation; `extra` allows the further columns of arg_max / arg_min / take_any
    /// (only at the top of a summarize item).
    pub fn aggregate(
        &mut self,
        kind: AggKind,
        args: &[Expr],
        columns: &[Column],
        extra: bool,
    ) -> Result<(Aggregate, Vec<Type>)> {
        let mut agg = Aggregate::new(kind);
        let mut extra_types = Vec::new();
        let value_at = |i: usize| args.get(i).filter(|a| a.kind != ExprKind::Star);
        use AggKind::*;
        match kind {
            Count => {
                if let Some(a) = value_at(0) {
                    agg.value = Some(self.bind(a, columns)?.0);
                }
            }
            CountIf => agg.predicate = Some(self.bind(&args[0], columns)?.0),
            DCountIf | MakeSetIf | MakeListIf | SumIf | AvgIf | MinIf | MaxIf | TakeAnyIf => {
                let (v, t) = self.bind(&args[0], columns)?;
                agg.value = Some(v);
                agg.value_type = t;
                agg.predicate = Some(self.bind(&args[1], columns)?.0);
                if let Some(limit) = args.get(2) {
                    agg.max_items = self.limit(limit, columns)?;
                }
            }
            ArgMax | ArgMin | TakeAny => {
                if let Some(a) = value_at(0) {
                    let (v, t) = self.bind(a, columns)?;
                    agg.value = Some(v);
                    agg.value_type = t;
                }
                if extra {
                    for a in &args[1..] {
                        if a.kind == ExprKind::Star {
                            for (i, c) in columns.iter().enumerate() {
                                agg.extra.push(Bound::Column(i));
                                extra_types.push(c.ty);
                            }
                        } else {
                            let (b, t) = self.bind(a, columns)?;
                            agg.extra.push(b);
                            extra_types.push(t);
                        }
                    }
                }
            }
            Percentile => {
                let (v, t) = self.bind(&args[0], columns)?;
                agg.value = Some(v);
                agg.value_type = t;
                agg.percent = match self.bind(&args[1], columns)?.0 {
                    Bound::Const(p) => p
                        .to_real()
                        .filter(|p| (0.0..=100.0).contains(p))
                        .ok_or_else(|| {
                            KqlError::semantic(args[1].span, "a percentile is 0 to 100")
                        })?,
                    _ => {
                        return Err(KqlError::semantic(
                            args[1].span,
                            "expected a constant percentile",
                        ));
                    }
                };
            }
            _ => {
                let (v, t) = self.bind(&args[0], columns)?;
                agg.value = Some(v);
                agg.value_type = t;
                if let Some(limit) = args.get(1)
                    && matches!(kind, MakeSet | MakeList | MakeBag)
                {
                    agg.max_items = self.limit(limit, columns)?;
                }
            }
        }
        let types = agg.output_types(&extra_types);
        Ok((agg, types))
    }

    fn limit(&mut self, e: &Expr, columns: &[Column]) -> Result<usize> {
        match self.bind(e, columns)?.0 {
            Bound::Const(v) => match v.to_long() {
                Some(n) if n >= 0 => Ok(n as usize),
                _ => Err(KqlError::semantic(e.span, "expected a count")),
            },
            _ => Err(KqlError::semantic(e.span, "expected a constant count")),
        }
    }
}

pub(super) fn check_arity(
    name: &str,
    args: &[Expr],
    min: usize,
    max: usize,
    e: &Expr,
) -> Result<()> {
    if args.len() < min || args.len() > max {
        let wanted = if min == max {
            format!("{min}")
        } else if max >= 64 {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(KqlError::semantic(
            e.span,
            format!("`{name}()` takes {wanted} arguments, not {}", args.len()),
        ));
    }
    Ok(())
}

fn column_list(columns: &[Column]) -> String {
    let names: Vec<&str> = columns.iter().take(12).map(|c| c.name.as_str()).collect();
    let more = if columns.len() > 12 { ", ..." } else { "" };
    format!("{}{more}", names.join(", "))
}

fn literal(l: &Literal) -> (Bound, Type) {
    let (value, ty) = match l {
        Literal::Null => (Value::Null, Type::Dynamic),
        Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
        Literal::Long(n) => (Value::Long(*n), Type::Long),
        Literal::Real(r) => (Value::Real(*r), Type::Real),
        Literal::Str(s) => (Value::Str(s.clone()), Type::String),
        Literal::DateTime(t) => (Value::DateTime(*t), Type::DateTime),
        Literal::TimeSpan(t) => (Value::TimeSpan(*t), Type::TimeSpan),
        Literal::Dynamic(j) => (Value::from_json(j), Type::Dynamic),
    };
    (Bound::Const(value), ty)
}

fn binary_type(op: BinOp, l: Type, r: Type) -> Type {
    use Type::*;
    match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => match (l, r) {
            (DateTime, DateTime) => TimeSpan,
            (DateTime, _) | (_, DateTime) => DateTime,
            (TimeSpan, TimeSpan) if op == BinOp::Div => Real,
            (TimeSpan, _) | (_, TimeSpan) => TimeSpan,
            (Real, _) | (_, Real) => Real,
            (Long | Int, Long | Int) => Long,
            _ => Dynamic,
        },
        _ => Bool,
    }
}

/// Computes an expression whose inputs are all constants.
fn fold(bound: Bound, ctx: &functions::Context) -> Bound {
    let constant = match &bound {
        Bound::Const(_) | Bound::Column(_) | Bound::Window(_) => return bound,
        Bound::Member(b, _) | Bound::Neg(b) => matches!(**b, Bound::Const(_)),
        Bound::Index(a, b) | Bound::Binary(_, a, b) => {
            matches!(**a, Bound::Const(_)) && matches!(**b, Bound::Const(_))
        }
        Bound::Call(_, args) => args.iter().all(|a| matches!(a, Bound::Const(_))),
        Bound::In { expr, list, .. } => {
            matches!(**expr, Bound::Const(_)) && list.iter().all(|a| matches!(a, Bound::Const(_)))
        }
        Bound::Between {
            expr, low, high, ..
        } => [expr, low, high]
            .iter()
            .all(|a| matches!(***a, Bound::Const(_))),
    };
    if constant {
        Bound::Const(bound.eval(&[], ctx))
    } else {
        bound
    }
}
