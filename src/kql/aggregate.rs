//! Aggregation functions of `summarize`: their names, the columns they make and their
//! running state per group.
//!
//! `dcount` is exact (KQL's is a HyperLogLog estimate, exact for the small counts of lab
//! data); `make_set` keeps first-seen order; ties of `arg_max`/`arg_min` keep the first row.

use super::bind::Bound;
use super::functions::Context;
use super::groups::FxBuild;
use super::value::{Key, Type, Value, compare};
use serde_json::Value as Json;
use std::cmp::Ordering;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    Count,
    CountIf,
    DCount,
    DCountIf,
    MakeSet,
    MakeSetIf,
    MakeList,
    MakeListIf,
    MakeBag,
    ArgMax,
    ArgMin,
    Min,
    Max,
    MinIf,
    MaxIf,
    Sum,
    SumIf,
    Avg,
    AvgIf,
    TakeAny,
    TakeAnyIf,
    Percentile,
    Stdev,
    Variance,
}

/// (name, kind, least and most arguments, prefix of the column name it makes)
pub const AGGREGATES: &[(&str, AggKind, usize, usize, &str)] = &[
    ("count", AggKind::Count, 0, 1, "count"),
    ("countif", AggKind::CountIf, 1, 1, "countif"),
    ("dcount", AggKind::DCount, 1, 2, "dcount"),
    ("dcountif", AggKind::DCountIf, 2, 3, "dcountif"),
    ("count_distinct", AggKind::DCount, 1, 1, "count_distinct"),
    ("make_set", AggKind::MakeSet, 1, 2, "set"),
    ("makeset", AggKind::MakeSet, 1, 2, "set"),
    ("make_set_if", AggKind::MakeSetIf, 2, 3, "set"),
    ("make_list", AggKind::MakeList, 1, 2, "list"),
    ("makelist", AggKind::MakeList, 1, 2, "list"),
    ("make_list_if", AggKind::MakeListIf, 2, 3, "list"),
    ("make_bag", AggKind::MakeBag, 1, 2, "bag"),
    ("arg_max", AggKind::ArgMax, 1, 64, "max"),
    ("arg_min", AggKind::ArgMin, 1, 64, "min"),
    ("min", AggKind::Min, 1, 1, "min"),
    ("max", AggKind::Max, 1, 1, "max"),
    ("minif", AggKind::MinIf, 2, 2, "minif"),
    ("maxif", AggKind::MaxIf, 2, 2, "maxif"),
    ("sum", AggKind::Sum, 1, 1, "sum"),
    ("sumif", AggKind::SumIf, 2, 2, "sumif"),
    ("avg", AggKind::Avg, 1, 1, "avg"),
    ("avgif", AggKind::AvgIf, 2, 2, "avgif"),
    ("take_any", AggKind::TakeAny, 1, 64, "any"),
    ("any", AggKind::TakeAny, 1, 64, "any"),
    ("take_anyif", AggKind::TakeAnyIf, 2, 2, "anyif"),
    ("anyif", AggKind::TakeAnyIf, 2, 2, "anyif"),
    ("percentile", AggKind::Percentile, 2, 2, "percentile"),
    ("stdev", AggKind::Stdev, 1, 1, "stdev"),
    ("variance", AggKind::Variance, 1, 1, "variance"),
];

pub fn lookup(name: &str) -> Option<&'static (&'static str, AggKind, usize, usize, &'static str)> {
    AGGREGATES.iter().find(|a| a.0 == name)
}

/// The default and largest size of `make_set` / `make_list`.
const MAX_ITEMS: usize = 1_048_576;

/// One aggregation, bound to its input.
#[derive(Debug, Clone)]
pub struct Aggregate {
    pub kind: AggKind,
    /// The value aggregated (`count()` has none).
    pub value: Option<Bound>,
    /// The predicate of the `*if` kinds.
    pub predicate: Option<Bound>,
    /// The other columns `arg_max` / `arg_min` / `take_any` return.
    pub extra: Vec<Bound>,
    pub max_items: usize,
    /// The type of the value, for the type of `min`, `max`, `sum`.
    pub value_type: Type,
    /// The percentage of `percentile`.
    pub percent: f64,
}

impl Aggregate {
    pub fn new(kind: AggKind) -> Aggregate {
        Aggregate {
            kind,
            value: None,
            predicate: None,
            extra: Vec::new(),
            max_items: MAX_ITEMS,
            value_type: Type::Dynamic,
            percent: 50.0,
        }
    }

    /// The types of the columns it makes.
    pub fn output_types(&self, extra_types: &[Type]) -> Vec<Type> {
        use AggKind::*;
        let first = match self.kind {
            Count | CountIf | DCount | DCountIf => Type::Long,
            MakeSet | MakeSetIf | MakeList | MakeListIf | MakeBag => Type::Dynamic,
            Avg | AvgIf | Stdev | Variance => Type::Real,
            _ => self.value_type,
        };
        let mut types = vec![first];
        types.extend_from_slice(extra_types);
        types
    }

    pub fn start(&self) -> State {
        use AggKind::*;
        match self.kind {
            Count | CountIf => State::Count(0),
            DCount | DCountIf => State::Distinct(HashSet::default()),
            MakeSet | MakeSetIf => State::Set(Vec::new(), HashSet::default()),
            MakeList | MakeListIf => State::List(Vec::new()),
            MakeBag => State::Bag(serde_json::Map::new()),
            ArgMax | ArgMin | TakeAny | TakeAnyIf => State::Best(None),
            Min | Max | MinIf | MaxIf => State::Extreme(None),
            Sum | SumIf => State::Sum(None),
            Avg | AvgIf => State::Avg(0.0, 0),
            Percentile | Stdev | Variance => State::Values(Vec::new()),
        }
    }

    pub fn update(&self, state: &mut State, row: &[Value], ctx: &Context) {
        if let Some(p) = &self.predicate
            && !p.eval(row, ctx).is_true()
        {
            return;
        }
        let value = self.value.as_ref().map(|v| v.eval(row, ctx));
        match state {
            State::Count(n) => {
                let counts = match (&self.value, self.kind) {
                    (Some(_), AggKind::Count) => !value.as_ref().is_some_and(Value::is_null),
                    _ => true,
                };
                if counts {
                    *n += 1;
                }
            }
            State::Distinct(seen) => {
                if let Some(v) = value.filter(|v| !v.is_null()) {
                    seen.insert(v.key());
                }
            }
            State::Set(items, seen) => {
                if let Some(v) = value.filter(|v| !v.is_null())
                    && items.len() < self.max_items
                    && seen.insert(v.key())
                {
                    items.push(v.into_json());
                }
            }
            State::List(items) => {
                if let Some(v) = value.filter(|v| !v.is_null())
                    && items.len() < self.max_items
                {
                    items.push(v.into_json());
                }
            }
            State::Bag(map) => {
                if let Some(Value::Dynamic(Json::Object(bag))) = value {
                    for (k, v) in bag {
                        map.entry(k).or_insert(v);
                    }
                }
            }
            State::Best(best) => {
                let v = value.unwrap_or(Value::Null);
                let any = matches!(self.kind, AggKind::TakeAny | AggKind::TakeAnyIf);
                let better = match (self.kind, &best) {
                    (_, Some(_)) if any => false,
                    (_, None) => any || !v.is_null(),
                    (AggKind::ArgMax, Some((b, _))) => compare(&v, b) == Some(Ordering::Greater),
                    (_, Some((b, _))) => compare(&v, b) == Some(Ordering::Less),
                };
                if better {
                    let extra = self.extra.iter().map(|e| e.eval(row, ctx)).collect();
                    *best = Some((v, extra));
                }
            }
            State::Extreme(best) => {
                let Some(v) = value.filter(|v| !v.is_null()) else {
                    return;
                };
                let want = match self.kind {
                    AggKind::Max | AggKind::MaxIf => Ordering::Greater,
                    _ => Ordering::Less,
                };
                if best.as_ref().is_none_or(|b| compare(&v, b) == Some(want)) {
                    *best = Some(v);
                }
            }
            State::Sum(total) => {
                let Some(v) = value.filter(|v| !v.is_null()) else {
                    return;
                };
                *total = Some(match total.take() {
                    None => v,
                    Some(t) => super::bind::arithmetic(super::ast::BinOp::Add, &t, &v),
                });
            }
            State::Avg(sum, n) => {
                if let Some(r) = value.and_then(|v| v.to_real()) {
                    *sum += r;
                    *n += 1;
                }
            }
            State::Values(values) => {
                if let Some(v) = value.filter(|v| !v.is_null())
                    && values.len() < MAX_ITEMS
                {
                    values.push(v);
                }
            }
        }
    }

    /// The values of the columns it makes: one, or one plus the extra columns.
    pub fn finish(&self, state: State) -> Vec<Value> {
        let mut values = match state {
            State::Count(n) => vec![Value::Long(n)],
            State::Distinct(seen) => vec![Value::Long(seen.len() as i64)],
            State::Set(items, _) | State::List(items) => vec![Value::Dynamic(Json::Array(items))],
            State::Bag(map) => vec![Value::Dynamic(Json::Object(map))],
            State::Best(Some((v, extra))) => {
                let mut values = vec![v];
                values.extend(extra);
                values
            }
            State::Best(None) => vec![Value::Null; 1 + self.extra.len()],
            State::Extreme(v) | State::Sum(v) => vec![v.unwrap_or(Value::Null)],
            State::Avg(_, 0) => vec![Value::Null],
            State::Avg(sum, n) => vec![Value::Real(sum / n as f64)],
            State::Values(values) => vec![self.over_values(values)],
        };
        values.resize(1 + self.extra.len(), Value::Null);
        values
    }
}

impl Aggregate {
    /// `percentile` (nearest rank: KQL estimates, the same for small sets), `stdev` and
    /// `variance` (of a sample, as KQL's are).
    fn over_values(&self, mut values: Vec<Value>) -> Value {
        if self.kind == AggKind::Percentile {
            values.sort_by(super::value::sort_order);
            let rank = (self.percent / 100.0 * values.len() as f64).ceil() as usize;
            return values
                .get(rank.clamp(1, values.len().max(1)) - 1)
                .cloned()
                .unwrap_or(Value::Null);
        }
        let numbers: Vec<f64> = values.iter().filter_map(Value::to_real).collect();
        if numbers.len() < 2 {
            return Value::Real(0.0);
        }
        let n = numbers.len() as f64;
        let mean = numbers.iter().sum::<f64>() / n;
        let variance = numbers.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Value::Real(if self.kind == AggKind::Stdev {
            variance.sqrt()
        } else {
            variance
        })
    }
}

/// The running state of one aggregation in one group.
#[derive(Debug, Clone)]
pub enum State {
    Count(i64),
    Distinct(HashSet<Key, FxBuild>),
    Set(Vec<Json>, HashSet<Key, FxBuild>),
    List(Vec<Json>),
    Bag(serde_json::Map<String, Json>),
    /// The best value so far and the extra columns of its row.
    Best(Option<(Value, Vec<Value>)>),
    Extreme(Option<Value>),
    Sum(Option<Value>),
    Avg(f64, i64),
    /// Every value, for percentiles and deviations.
    Values(Vec<Value>),
}
