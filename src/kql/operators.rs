//! The tabular operators: each takes the input table and returns the output table.

use super::aggregate::{self, Aggregate, State};
use super::ast::*;
use super::bind::Bound;
use super::binder::Aggregations;
use super::engine::Engine;
use super::error::{KqlError, Result};
use super::groups::{FxBuild, GroupIndex, hash_values, same_keys};
use super::naming::{default_name, infer_name, next_column_name};
use super::table::{Column, Row, Table, set_column, unique_name};
use super::value::{Key, Type, Value, sort_order};
use std::sync::Arc;

impl Engine<'_> {
    pub(super) fn operator(&mut self, input: Arc<Table>, op: &Operator) -> Result<Table> {
        match op {
            Operator::Where(e) => {
                let (bound, _) = self.bind(e, &input.columns)?;
                self.ctx
                    .rows
                    .lend(bound.has_window().then(|| input.clone()));
                let rows = input
                    .rows
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| {
                        self.ctx.rows.at.set(*i);
                        bound.eval(r, &self.ctx).is_true()
                    })
                    .map(|(_, r)| r.clone())
                    .collect();
                self.ctx.rows.lend(None);
                Ok(Table {
                    columns: input.columns.clone(),
                    rows,
                })
            }
            Operator::Extend(items) | Operator::Serialize(items) => self.extend(input, items, true),
            Operator::Project(items) => self.project(&input, items),
            Operator::ProjectAway(patterns) => {
                let keep: Vec<usize> = (0..input.columns.len())
                    .filter(|&i| !patterns.iter().any(|p| wildcard(p, &input.columns[i].name)))
                    .collect();
                self.check_patterns(&input, patterns, op)?;
                Ok(select(&input, &keep))
            }
            Operator::ProjectKeep(patterns) => {
                self.check_patterns(&input, patterns, op)?;
                let keep: Vec<usize> = (0..input.columns.len())
                    .filter(|&i| patterns.iter().any(|p| wildcard(p, &input.columns[i].name)))
                    .collect();
                Ok(select(&input, &keep))
            }
            Operator::ProjectReorder(patterns) => {
                self.check_patterns(&input, patterns, op)?;
                let mut order: Vec<usize> = Vec::new();
                for p in patterns {
                    for (i, c) in input.columns.iter().enumerate() {
                        if wildcard(p, &c.name) && !order.contains(&i) {
                            order.push(i);
                        }
                    }
                }
                let rest: Vec<usize> = (0..input.columns.len())
                    .filter(|i| !order.contains(i))
                    .collect();
                order.extend(rest);
                Ok(select(&input, &order))
            }
            Operator::ProjectRename(pairs) => {
                let mut table = Arc::unwrap_or_clone(input);
                for (new, old) in pairs {
                    let Some(i) = table.index_of(old) else {
                        return Err(self.unknown_column(old, &table.columns, op));
                    };
                    table.columns[i].name = new.clone();
                }
                Ok(table)
            }
            Operator::Summarize { aggregates, by } => self.summarize(&input, aggregates, by),
            Operator::Count => Ok(Table {
                columns: vec![Column::new("Count", Type::Long)],
                rows: vec![vec![Value::Long(input.rows.len() as i64)]],
            }),
            Operator::Take(e) => {
                let n = self.count_arg(e)?;
                let mut table = Arc::unwrap_or_clone(input);
                table.rows.truncate(n);
                Ok(table)
            }
            Operator::Top { count, by } => {
                let n = self.count_arg(count)?;
                let mut table = self.sort(input, std::slice::from_ref(by))?;
                table.rows.truncate(n);
                Ok(table)
            }
            Operator::Sort(keys) => self.sort(input, keys),
            Operator::Distinct(items) => self.distinct(&input, items),
            Operator::Union(u) => self.union(Some(input), u),
            Operator::Join { kind, right, on } => {
                let right = self.pipeline(right)?;
                self.join(&input, &right, *kind, on, false)
            }
            Operator::Lookup { kind, right, on } => {
                let right = self.pipeline(right)?;
                self.join(&input, &right, *kind, on, true)
            }
            Operator::MvExpand { items, limit } => self.mv_expand(input, items, limit.as_ref()),
            Operator::MvApply { items, body } => self.mv_apply(input, items, body),
            Operator::Parse { expr, pattern } => self.parse(input, expr, pattern),
            Operator::MakeSeries(m) => self.make_series(&input, m),
            Operator::Render(_) => Ok(Arc::unwrap_or_clone(input)),
            Operator::Getschema => Ok(getschema(&input)),
        }
    }

    fn unknown_column(&self, name: &str, columns: &[Column], _op: &Operator) -> KqlError {
        KqlError::semantic(self.op_span, format!("unknown column `{name}`"))
            .did_you_mean(name, columns.iter().map(|c| c.name.as_str()))
    }

    /// A pattern without a wildcard must name a column.
    fn check_patterns(&self, input: &Table, patterns: &[String], op: &Operator) -> Result<()> {
        for p in patterns {
            if !p.contains('*') && input.index_of(p).is_none() {
                return Err(self.unknown_column(p, &input.columns, op));
            }
        }
        Ok(())
    }

    fn count_arg(&mut self, e: &Expr) -> Result<usize> {
        match self.bind(e, &[])?.0 {
            Bound::Const(v) => v
                .to_long()
                .filter(|n| *n >= 0)
                .map(|n| n as usize)
                .ok_or_else(|| KqlError::semantic(e.span, "expected a row count")),
            _ => Err(KqlError::semantic(e.span, "expected a constant row count")),
        }
    }

    /// `extend`: new columns after the input's; a name that exists replaces that column.
    pub(super) fn extend(
        &mut self,
        input: Arc<Table>,
        items: &[Assign],
        _replace: bool,
    ) -> Result<Table> {
        let mut columns = input.columns.clone();
        // (target column, expression) in item order; later items see earlier ones.
        let mut steps: Vec<(usize, Bound)> = Vec::new();
        for item in items {
            let (bound, ty) = self.bind(&item.expr, &columns)?;
            let name = match &item.name {
                Some(n) => n.clone(),
                None => infer_name(&item.expr).unwrap_or_else(|| next_column_name(&columns)),
            };
            let at = set_column(&mut columns, name, ty);
            steps.push((at, bound));
        }
        let width = columns.len();
        let windowed = steps.iter().any(|(_, b)| b.has_window());
        self.ctx.rows.lend(windowed.then(|| input.clone()));
        let rows = match Arc::try_unwrap(input) {
            Ok(t) => t.rows,
            Err(shared) => shared.rows.clone(),
        };
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, mut row)| {
                self.ctx.rows.at.set(i);
                row.resize(width, Value::Null);
                for (at, bound) in &steps {
                    row[*at] = bound.eval(&row, &self.ctx);
                }
                row
            })
            .collect();
        self.ctx.rows.lend(None);
        Ok(Table { columns, rows })
    }

    fn project(&mut self, input: &Table, items: &[Assign]) -> Result<Table> {
        let mut columns: Vec<Column> = Vec::new();
        let mut bounds = Vec::new();
        for item in items {
            let (bound, ty) = self.bind(&item.expr, &input.columns)?;
            let name = match &item.name {
                Some(n) => n.clone(),
                None => infer_name(&item.expr).unwrap_or_else(|| next_column_name(&columns)),
            };
            if columns.iter().any(|c| c.name == name) {
                return Err(KqlError::semantic(
                    item.expr.span,
                    format!("the column `{name}` is projected twice"),
                ));
            }
            columns.push(Column::new(name, ty));
            bounds.push(bound);
        }
        let windowed = bounds.iter().any(Bound::has_window);
        self.ctx
            .rows
            .lend(windowed.then(|| Arc::new(input.clone())));
        let rows = input
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                self.ctx.rows.at.set(i);
                bounds.iter().map(|b| b.eval(r, &self.ctx)).collect()
            })
            .collect();
        self.ctx.rows.lend(None);
        Ok(Table { columns, rows })
    }

    fn sort(&mut self, input: Arc<Table>, keys: &[SortKey]) -> Result<Table> {
        let mut bound = Vec::new();
        for k in keys {
            bound.push(self.bind(&k.expr, &input.columns)?.0);
        }
        let table = Arc::unwrap_or_clone(input);
        let mut keyed: Vec<(Vec<Value>, Row)> = table
            .rows
            .into_iter()
            .map(|r| (bound.iter().map(|b| b.eval(&r, &self.ctx)).collect(), r))
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            for ((x, y), k) in a.iter().zip(b).zip(keys) {
                let nulls_first = k.nulls_first.unwrap_or(!k.desc);
                let order = match (x.is_null(), y.is_null()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) if nulls_first => std::cmp::Ordering::Less,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) if nulls_first => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    _ if k.desc => sort_order(y, x),
                    _ => sort_order(x, y),
                };
                if order != std::cmp::Ordering::Equal {
                    return order;
                }
            }
            std::cmp::Ordering::Equal
        });
        Ok(Table {
            columns: table.columns,
            rows: keyed.into_iter().map(|(_, r)| r).collect(),
        })
    }

    fn distinct(&mut self, input: &Table, items: &[Expr]) -> Result<Table> {
        let projected = if items.is_empty() {
            input.clone()
        } else {
            let assigns: Vec<Assign> = items
                .iter()
                .map(|e| Assign {
                    name: None,
                    expr: e.clone(),
                })
                .collect();
            self.project(input, &assigns)?
        };
        let mut seen = std::collections::HashSet::<Vec<Key>, FxBuild>::default();
        let rows = projected
            .rows
            .into_iter()
            .filter(|r| seen.insert(r.iter().map(Value::key).collect::<Vec<Key>>()))
            .collect();
        Ok(Table {
            columns: projected.columns,
            rows,
        })
    }

    pub(super) fn summarize(
        &mut self,
        input: &Table,
        items: &[Assign],
        by: &[Assign],
    ) -> Result<Table> {
        let mut columns: Vec<Column> = Vec::new();
        let mut keys = Vec::new();
        for item in by {
            let (bound, ty) = self.bind(&item.expr, &input.columns)?;
            let name = match &item.name {
                Some(n) => n.clone(),
                None => infer_name(&item.expr).unwrap_or_else(|| next_column_name(&columns)),
            };
            columns.push(Column::new(unique_name(&name, &columns), ty));
            keys.push(bound);
        }
        let mut aggs = Aggregations::new(keys.len());
        // What each item puts in the output row: the columns of an aggregation, or a value
        // computed from the aggregations.
        enum Output {
            Direct { first_slot: usize, width: usize },
            Computed(Bound),
        }
        let mut outputs = Vec::new();
        for item in items {
            if let ExprKind::Call(name, args) = &item.expr.kind
                && self.lookup(name).is_none()
                && let Some(&(_, kind, min, max, prefix)) = aggregate::lookup(name)
            {
                if args.len() < min || args.len() > max {
                    // Let the binder word the error.
                    self.bind_in(&item.expr, &input.columns, Some(&mut Aggregations::new(0)))?;
                }
                let (mut agg, mut types) = self.aggregate(kind, args, &input.columns, true)?;
                let first_name = match &item.name {
                    Some(n) => n.clone(),
                    None => default_name(kind, prefix, args),
                };
                let first_slot = aggs.base + aggs.types.len();
                columns.push(Column::new(unique_name(&first_name, &columns), types[0]));
                let mut extra_names = Vec::new();
                for a in args.iter().skip(1) {
                    if a.kind == ExprKind::Star {
                        extra_names.extend(input.columns.iter().map(|c| (c.name.clone(), true)));
                    } else {
                        extra_names.push((
                            infer_name(a).unwrap_or_else(|| next_column_name(&columns)),
                            false,
                        ));
                    }
                }
                if !matches!(
                    kind,
                    aggregate::AggKind::ArgMax
                        | aggregate::AggKind::ArgMin
                        | aggregate::AggKind::TakeAny
                ) {
                    extra_names.clear();
                }
                // `*` leaves out the columns the output has already (the `by` keys and the
                // maximised column).
                let mut kept_extra = Vec::new();
                let mut kept_types = vec![types[0]];
                for (i, (name, from_star)) in extra_names.into_iter().enumerate() {
                    if from_star && columns.iter().any(|c| c.name == name) {
                        continue;
                    }
                    columns.push(Column::new(unique_name(&name, &columns), types[i + 1]));
                    kept_extra.push(agg.extra[i].clone());
                    kept_types.push(types[i + 1]);
                }
                agg.extra = kept_extra;
                types = kept_types;
                outputs.push(Output::Direct {
                    first_slot,
                    width: types.len(),
                });
                aggs.aggregates.push(agg);
                aggs.types.extend(types);
            } else {
                let (bound, ty) = self.bind_in(&item.expr, &input.columns, Some(&mut aggs))?;
                let name = match &item.name {
                    Some(n) => n.clone(),
                    None => next_column_name(&columns),
                };
                columns.push(Column::new(unique_name(&name, &columns), ty));
                outputs.push(Output::Computed(bound));
            }
        }
        let aggregates: &[Aggregate] = &aggs.aggregates;
        let mut index = GroupIndex::default();
        let mut groups: Vec<(Vec<Value>, Vec<State>)> = Vec::new();
        // A row's key values are made here, and kept only when they start a group.
        let mut key_values: Vec<Value> = Vec::with_capacity(keys.len());
        for row in &input.rows {
            key_values.clear();
            key_values.extend(keys.iter().map(|k| k.eval(row, &self.ctx)));
            let hash = hash_values(&key_values);
            let (at, new) = index.find_or_add(hash, |g| same_keys(&groups[g].0, &key_values));
            if new {
                let values = std::mem::replace(&mut key_values, Vec::with_capacity(keys.len()));
                groups.push((values, aggregates.iter().map(Aggregate::start).collect()));
            }
            for (agg, state) in aggregates.iter().zip(groups[at].1.iter_mut()) {
                agg.update(state, row, &self.ctx);
            }
        }
        if groups.is_empty() && keys.is_empty() {
            groups.push((
                Vec::new(),
                aggregates.iter().map(Aggregate::start).collect(),
            ));
        }
        let mut rows = Vec::with_capacity(groups.len());
        for (key_values, states) in groups {
            let mut scratch = key_values.clone();
            for (agg, state) in aggregates.iter().zip(states) {
                scratch.extend(agg.finish(state));
            }
            let mut row = key_values;
            for output in &outputs {
                match output {
                    Output::Direct { first_slot, width } => {
                        row.extend_from_slice(&scratch[*first_slot..first_slot + width])
                    }
                    Output::Computed(b) => row.push(b.eval(&scratch, &self.ctx)),
                }
            }
            rows.push(row);
        }
        Ok(Table { columns, rows })
    }
}

/// `*` matches any run of characters.
pub(super) fn wildcard(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else {
                return false;
            };
            if tail.is_empty() {
                return true;
            }
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| wildcard(tail, &rest[i..]))
        }
    }
}

fn select(input: &Table, keep: &[usize]) -> Table {
    Table {
        columns: keep.iter().map(|&i| input.columns[i].clone()).collect(),
        rows: input
            .rows
            .iter()
            .map(|r| keep.iter().map(|&i| r[i].clone()).collect())
            .collect(),
    }
}

fn getschema(input: &Table) -> Table {
    let mut table = Table::new(vec![
        Column::new("ColumnName", Type::String),
        Column::new("ColumnOrdinal", Type::Int),
        Column::new("DataType", Type::String),
        Column::new("ColumnType", Type::String),
    ]);
    for (i, c) in input.columns.iter().enumerate() {
        let data_type = match c.ty {
            Type::Bool => "System.SByte",
            Type::Int => "System.Int32",
            Type::Long => "System.Int64",
            Type::Real => "System.Double",
            Type::String => "System.String",
            Type::DateTime => "System.DateTime",
            Type::TimeSpan => "System.TimeSpan",
            Type::Dynamic => "System.Object",
            Type::Guid => "System.Guid",
        };
        table.rows.push(vec![
            Value::Str(c.name.clone()),
            Value::Long(i as i64),
            Value::str(data_type),
            Value::str(c.ty.name()),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards_match_runs() {
        assert!(wildcard("TimeGenerated*", "TimeGenerated1"));
        assert!(wildcard("*1", "UserPrincipalName1"));
        assert!(!wildcard("*1", "UserPrincipalName"));
        assert!(wildcard("a*b*c", "axxbyyc"));
        assert!(wildcard("Id", "Id") && !wildcard("Id", "Ids"));
    }
}
