//! `make-series`: one row per group, each aggregation an array with one element per bin of
//! the axis (`default` where a bin has no row), the axis an array of the bins' starts.
//!
//! It is `summarize` by the groups and the bin, reshaped: the aggregations are KQL's own.

use super::ast::{Assign, Expr, ExprKind, MakeSeries};
use super::engine::Engine;
use super::error::{KqlError, Result};
use super::naming::infer_name;
use super::table::{Column, Table, unique_name};
use super::value::{Key, Type, Value};
use std::collections::HashMap;

/// A group's key values and its series, one array of bins per aggregation.
type GroupSeries = (Vec<Value>, Vec<Vec<Value>>);

/// The most bins one series may have: a 1-second step over a year would be 31 million.
pub const MAX_BINS: i64 = 100_000;

/// The hidden column that carries each row's bin number into `summarize`.
const BIN_COLUMN: &str = "$make_series_bin";

impl Engine<'_> {
    pub(super) fn make_series(&mut self, input: &Table, m: &MakeSeries) -> Result<Table> {
        let step = self.constant(&m.step)?;
        let (axis, _) = self.bind(&m.axis, &input.columns)?;
        let axis_values: Vec<Value> = input.rows.iter().map(|r| axis.eval(r, &self.ctx)).collect();
        let from = match &m.from {
            Some(e) => Some(self.constant(e)?),
            None => None,
        };
        let to = match &m.to {
            Some(e) => Some(self.constant(e)?),
            None => None,
        };
        let step_ticks = ticks(&step).filter(|s| *s > 0).ok_or_else(|| {
            KqlError::semantic(m.step.span, "make-series needs a positive `step`")
        })?;
        // Without `from` / `to`, the bins cover the data: from the bin of the earliest value
        // to the bin of the latest, included.
        let present: Vec<i64> = axis_values.iter().filter_map(ticks).collect();
        let start = match &from {
            Some(v) => ticks(v),
            None => present
                .iter()
                .min()
                .map(|t| t.div_euclid(step_ticks) * step_ticks),
        };
        let end = match &to {
            Some(v) => ticks(v),
            None => present
                .iter()
                .max()
                .map(|t| t.div_euclid(step_ticks) * step_ticks + step_ticks),
        };
        let axis_is_time = matches!(from.as_ref().or(to.as_ref()), Some(Value::DateTime(_)))
            || axis_values.iter().any(|v| matches!(v, Value::DateTime(_)));
        let bins = match (start, end) {
            (Some(s), Some(e)) if e > s => (e - s + step_ticks - 1) / step_ticks,
            _ => 0,
        };
        if bins > MAX_BINS {
            return Err(KqlError::semantic(
                m.step.span,
                format!("make-series would make {bins} bins (at most {MAX_BINS})"),
            ));
        }
        let start = start.unwrap_or(0);

        // The input with each row's bin, rows outside the bins left out.
        let mut binned = Table::new(input.columns.clone());
        binned.columns.push(Column::new(BIN_COLUMN, Type::Long));
        for (row, value) in input.rows.iter().zip(&axis_values) {
            let Some(t) = ticks(value) else { continue };
            let bin = (t - start).div_euclid(step_ticks);
            if t < start || bin >= bins {
                continue;
            }
            let mut row = row.clone();
            row.push(Value::Long(bin));
            binned.rows.push(row);
        }
        let span = m.axis.span;
        let mut by: Vec<Assign> = m.by.clone();
        by.push(Assign {
            name: Some(BIN_COLUMN.into()),
            expr: Expr::new(ExprKind::Name(BIN_COLUMN.into()), span),
        });
        let aggregates: Vec<Assign> = m.aggregates.iter().map(|(a, _)| a.clone()).collect();
        let summary = self.summarize(&binned, &aggregates, &by)?;
        let groups = m.by.len();
        let defaults = m
            .aggregates
            .iter()
            .map(|(_, d)| match d {
                Some(e) => self.constant(e),
                None => Ok(Value::Long(0)),
            })
            .collect::<Result<Vec<Value>>>()?;
        let series_columns = summary.columns.len() - groups - 1;

        // One output row per group, in the order groups first appear.
        let mut order: Vec<Vec<Key>> = Vec::new();
        let mut rows: HashMap<Vec<Key>, GroupSeries> = HashMap::new();
        for row in &summary.rows {
            let key: Vec<Key> = row[..groups].iter().map(Value::key).collect();
            let entry = rows.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                let series = (0..series_columns)
                    .map(|i| {
                        vec![defaults.get(i).cloned().unwrap_or(Value::Long(0)); bins as usize]
                    })
                    .collect();
                (row[..groups].to_vec(), series)
            });
            let Some(bin) = row[groups].to_long() else {
                continue;
            };
            for (i, series) in entry.1.iter_mut().enumerate() {
                series[bin as usize] = row[groups + 1 + i].clone();
            }
        }

        let mut columns: Vec<Column> = summary.columns[..groups].to_vec();
        for c in &summary.columns[groups + 1..] {
            columns.push(Column::new(c.name.clone(), Type::Dynamic));
        }
        let axis_name = infer_name(&m.axis).unwrap_or_else(|| "Column1".into());
        columns.push(Column::new(
            unique_name(&axis_name, &columns),
            Type::Dynamic,
        ));
        let axis_array = Value::Dynamic(serde_json::Value::Array(
            (0..bins)
                .map(|i| {
                    let t = start + i * step_ticks;
                    if axis_is_time {
                        Value::DateTime(t).to_json()
                    } else {
                        Value::Long(t).to_json()
                    }
                })
                .collect(),
        ));
        let mut out = Table::new(columns);
        for key in order {
            let Some((group, series)) = rows.remove(&key) else {
                continue;
            };
            let mut row = group;
            for values in series {
                row.push(Value::Dynamic(serde_json::Value::Array(
                    values.iter().map(Value::to_json).collect(),
                )));
            }
            row.push(axis_array.clone());
            out.rows.push(row);
        }
        Ok(out)
    }

    /// A value that does not depend on the row (`1d`, `ago(7d)`, a `let` scalar).
    fn constant(&mut self, e: &Expr) -> Result<Value> {
        let (bound, _) = self.bind(e, &[])?;
        Ok(bound.eval(&[], &self.ctx))
    }
}

/// The axis as a number: datetimes and timespans in ticks, numbers as they are.
fn ticks(v: &Value) -> Option<i64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        Value::Long(n) => Some(*n),
        Value::Real(r) if r.is_finite() => Some(*r as i64),
        _ => None,
    }
}
