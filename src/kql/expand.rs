//! `mv-expand`, `mv-apply` and `parse`: operators that make columns (and rows) out of one
//! value of each row.

use super::ast::{Expr, MvItem, ParsePart, Pipeline};
use super::bind::Bound;
use super::engine::Engine;
use super::error::{KqlError, Result};
use super::naming::{infer_name, next_column_name};
use super::table::{Column, Row, Table, set_column};
use super::value::{Type, Value};
use serde_json::Value as Json;
use std::sync::Arc;

/// The bound items of an mv-expand / mv-apply: (output column, expression, element type).
struct Items {
    columns: Vec<Column>,
    targets: Vec<(usize, Bound, Option<Type>)>,
}

impl Engine<'_> {
    fn mv_items(&mut self, input: &Table, items: &[MvItem]) -> Result<Items> {
        let mut columns = input.columns.clone();
        let mut targets = Vec::new();
        for item in items {
            let (bound, _) = self.bind(&item.expr, &input.columns)?;
            let name = item
                .name
                .clone()
                .or_else(|| infer_name(&item.expr))
                .unwrap_or_else(|| next_column_name(&columns));
            let at = set_column(&mut columns, name, item.to.unwrap_or(Type::Dynamic));
            targets.push((at, bound, item.to));
        }
        Ok(Items { columns, targets })
    }

    /// The rows one input row expands into.
    fn expand_row(&self, items: &Items, row: &Row, limit: usize, out: &mut Vec<Row>) {
        let elements: Vec<Vec<Value>> = items
            .targets
            .iter()
            .map(|(_, bound, to)| {
                let values = elements(bound.eval(row, &self.ctx));
                match to {
                    Some(t) if *t != Type::Dynamic => {
                        values.into_iter().map(|v| v.convert(*t)).collect()
                    }
                    _ => values,
                }
            })
            .collect();
        let count = elements.iter().map(Vec::len).max().unwrap_or(0).min(limit);
        let width = items.columns.len();
        for i in 0..count {
            let mut new_row = row.clone();
            new_row.resize(width, Value::Null);
            for ((at, _, _), values) in items.targets.iter().zip(&elements) {
                new_row[*at] = values.get(i).cloned().unwrap_or(Value::Null);
            }
            out.push(new_row);
        }
    }

    pub(super) fn mv_expand(
        &mut self,
        input: Arc<Table>,
        items: &[MvItem],
        limit: Option<&Expr>,
    ) -> Result<Table> {
        let items = self.mv_items(&input, items)?;
        let limit = match limit {
            Some(e) => match self.bind(e, &[])?.0 {
                Bound::Const(v) => v
                    .to_long()
                    .filter(|n| *n >= 0)
                    .map_or(usize::MAX, |n| n as usize),
                _ => return Err(KqlError::semantic(e.span, "expected a constant row limit")),
            },
            None => usize::MAX,
        };
        let mut rows = Vec::new();
        for row in &input.rows {
            self.expand_row(&items, row, limit, &mut rows);
            if rows.len() > super::engine::MAX_ROWS {
                return Err(KqlError::semantic(
                    self.op_span,
                    "mv-expand makes too many rows",
                ));
            }
        }
        Ok(Table {
            columns: items.columns,
            rows,
        })
    }

    /// `mv-apply`: per input row, the subquery over that row's expanded rows; the output is
    /// the subquery's rows, with the input row's other columns in front.
    pub(super) fn mv_apply(
        &mut self,
        input: Arc<Table>,
        items: &[MvItem],
        body: &Pipeline,
    ) -> Result<Table> {
        let items = self.mv_items(&input, items)?;
        let saved = self.input.take();
        let result = self.apply_each(&input, &items, body);
        self.input = saved;
        result
    }

    fn apply_each(&mut self, input: &Table, items: &Items, body: &Pipeline) -> Result<Table> {
        self.input = Some(Arc::new(Table::new(items.columns.clone())));
        let shape = self.pipeline(body)?;
        let expanded_at: Vec<usize> = items.targets.iter().map(|(at, _, _)| *at).collect();
        let kept: Vec<usize> = (0..input.columns.len())
            .filter(|i| {
                !expanded_at.contains(i) && shape.index_of(&input.columns[*i].name).is_none()
            })
            .collect();
        let mut columns: Vec<Column> = kept.iter().map(|&i| input.columns[i].clone()).collect();
        columns.extend(shape.columns.iter().cloned());
        let mut rows = Vec::new();
        for row in &input.rows {
            let mut expanded = Vec::new();
            self.expand_row(items, row, usize::MAX, &mut expanded);
            self.input = Some(Arc::new(Table {
                columns: items.columns.clone(),
                rows: expanded,
            }));
            let result = self.pipeline(body)?;
            let map: Vec<Option<usize>> = shape
                .columns
                .iter()
                .map(|c| result.index_of(&c.name))
                .collect();
            for r in &result.rows {
                let mut out: Row = kept.iter().map(|&i| row[i].clone()).collect();
                out.extend(map.iter().map(|m| m.map_or(Value::Null, |m| r[m].clone())));
                rows.push(out);
            }
            if rows.len() > super::engine::MAX_ROWS {
                return Err(KqlError::semantic(
                    self.op_span,
                    "mv-apply makes too many rows",
                ));
            }
        }
        Ok(Table { columns, rows })
    }

    /// `parse expr with * "literal" Column:type ...`: literals are found in order, each
    /// column takes the text up to the next literal (the last one, the rest). A row that does
    /// not match gets nulls.
    pub(super) fn parse(
        &mut self,
        input: Arc<Table>,
        expr: &Expr,
        pattern: &[ParsePart],
    ) -> Result<Table> {
        let (bound, _) = self.bind(expr, &input.columns)?;
        let mut columns = input.columns.clone();
        let mut targets = Vec::new();
        for part in pattern {
            if let ParsePart::Column(name, ty) = part {
                let ty = ty.unwrap_or(Type::String);
                targets.push((set_column(&mut columns, name.clone(), ty), ty));
            }
        }
        let width = columns.len();
        let table = Arc::unwrap_or_clone(input);
        let rows = table
            .rows
            .into_iter()
            .map(|mut row| {
                let text = bound.eval(&row, &self.ctx).to_text();
                let captured = match_pattern(&text, pattern);
                row.resize(width, Value::Null);
                for (i, (at, ty)) in targets.iter().enumerate() {
                    row[*at] = match &captured {
                        Some(values) => Value::Str(values[i].clone()).convert(*ty),
                        None => Value::Null,
                    };
                }
                row
            })
            .collect();
        Ok(Table { columns, rows })
    }
}

/// The elements a value expands into: an array's elements, a bag's properties as
/// one-property bags, nothing for an empty array or bag, the value itself otherwise.
fn elements(v: Value) -> Vec<Value> {
    match v {
        Value::Dynamic(Json::Array(items)) => items.iter().map(Value::from_json).collect(),
        Value::Dynamic(Json::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let mut bag = serde_json::Map::new();
                bag.insert(k, v);
                Value::Dynamic(Json::Object(bag))
            })
            .collect(),
        other => vec![other],
    }
}

/// The text each column of `pattern` captures, or `None` when `text` does not match.
fn match_pattern(text: &str, pattern: &[ParsePart]) -> Option<Vec<String>> {
    let mut captured = Vec::new();
    let mut at = 0;
    // A column or `*` waiting for the next literal to end it.
    let mut pending: Option<bool> = None;
    for part in pattern {
        match part {
            ParsePart::Literal(lit) => {
                let rest = &text[at..];
                match pending.take() {
                    Some(is_column) => {
                        let found = rest.find(lit.as_str())?;
                        if is_column {
                            captured.push(rest[..found].to_string());
                        }
                        at += found + lit.len();
                    }
                    None => {
                        if !rest.starts_with(lit.as_str()) {
                            return None;
                        }
                        at += lit.len();
                    }
                }
            }
            ParsePart::Wildcard | ParsePart::Column(..) => {
                if pending == Some(true) {
                    captured.push(String::new());
                }
                pending = Some(matches!(part, ParsePart::Column(..)));
            }
        }
    }
    if pending == Some(true) {
        captured.push(text[at..].to_string());
    }
    Some(captured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_patterns_capture_between_literals() {
        let pattern = vec![
            ParsePart::Wildcard,
            ParsePart::Literal("user=".into()),
            ParsePart::Column("User".into(), None),
            ParsePart::Literal(" ip=".into()),
            ParsePart::Column("Ip".into(), None),
        ];
        assert_eq!(
            match_pattern("x user=bob ip=1.2.3.4", &pattern),
            Some(vec!["bob".to_string(), "1.2.3.4".to_string()])
        );
        assert_eq!(match_pattern("nothing here", &pattern), None);
    }

    #[test]
    fn elements_of_arrays_bags_and_scalars() {
        assert_eq!(
            elements(Value::Dynamic(serde_json::json!([1, "a"]))).len(),
            2
        );
        assert_eq!(elements(Value::Dynamic(serde_json::json!([]))).len(), 0);
        assert_eq!(
            elements(Value::Dynamic(serde_json::json!({"a": 1, "b": 2}))).len(),
            2
        );
        assert_eq!(elements(Value::Null), vec![Value::Null]);
    }
}
