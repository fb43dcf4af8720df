//! `join` and `lookup`: hash joins on equal keys. Output rows follow the left table's order,
//! each left row's matches in the right table's order; unmatched right rows (right and full
//! outer joins) come last. Null keys match nothing.

use super::ast::{JoinKey, JoinKind};
use super::engine::Engine;
use super::error::{KqlError, Result};
use super::table::{Column, Row, Table, unique_name};
use super::value::{Key, Value};
use std::collections::{HashMap, HashSet};

impl Engine<'_> {
    pub(super) fn join(
        &mut self,
        left: &Table,
        right: &Table,
        kind: JoinKind,
        on: &[JoinKey],
        lookup: bool,
    ) -> Result<Table> {
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        for key in on {
            left_keys.push(key_index(left, &key.left, key, "left")?);
            right_keys.push(key_index(right, &key.right, key, "right")?);
        }
        let key_of = |row: &Row, at: &[usize]| -> Option<Vec<Key>> {
            at.iter()
                .map(|&i| (!row[i].is_null()).then(|| row[i].key()))
                .collect()
        };
        let mut index: HashMap<Vec<Key>, Vec<usize>> = HashMap::new();
        for (i, row) in right.rows.iter().enumerate() {
            if let Some(k) = key_of(row, &right_keys) {
                index.entry(k).or_default().push(i);
            }
        }
        let left_rows: Vec<&Row> = if kind == JoinKind::InnerUnique {
            let mut seen = HashSet::new();
            left.rows
                .iter()
                .filter(|r| seen.insert(key_of(r, &left_keys)))
                .collect()
        } else {
            left.rows.iter().collect()
        };
        // Columns of the right table that the output has: a lookup leaves out its keys.
        let right_kept: Vec<usize> = (0..right.columns.len())
            .filter(|i| !(lookup && right_keys.contains(i)))
            .collect();
        let mut columns: Vec<Column> = match kind {
            JoinKind::RightAnti | JoinKind::RightSemi => Vec::new(),
            _ => left.columns.clone(),
        };
        let with_right = !matches!(kind, JoinKind::LeftAnti | JoinKind::LeftSemi);
        let with_left = !matches!(kind, JoinKind::RightAnti | JoinKind::RightSemi);
        if with_right {
            for &i in &right_kept {
                let c = &right.columns[i];
                let name = if with_left {
                    unique_name(&c.name, &columns)
                } else {
                    c.name.clone()
                };
                columns.push(Column::new(name, c.ty));
            }
        }
        let left_width = if with_left { left.columns.len() } else { 0 };
        let combine = |l: Option<&Row>, r: Option<&Row>| -> Row {
            let mut row: Row = match l {
                Some(l) => l.clone(),
                None => vec![Value::Null; left_width],
            };
            for &i in &right_kept {
                row.push(r.map_or(Value::Null, |r| r[i].clone()));
            }
            row
        };
        let mut rows = Vec::new();
        let mut right_matched = vec![false; right.rows.len()];
        for l in left_rows {
            let matches: &[usize] = key_of(l, &left_keys)
                .and_then(|k| index.get(&k))
                .map_or(&[], Vec::as_slice);
            for &m in matches {
                right_matched[m] = true;
            }
            if rows.len() + matches.len() > super::engine::MAX_ROWS {
                return Err(KqlError::semantic(
                    on[0].span,
                    format!("the join makes more than {} rows", super::engine::MAX_ROWS),
                ));
            }
            match kind {
                JoinKind::Inner
                | JoinKind::InnerUnique
                | JoinKind::RightOuter
                | JoinKind::FullOuter => {
                    rows.extend(
                        matches
                            .iter()
                            .map(|&m| combine(Some(l), Some(&right.rows[m]))),
                    );
                    if matches.is_empty() && kind == JoinKind::FullOuter {
                        rows.push(combine(Some(l), None));
                    }
                }
                JoinKind::LeftOuter => {
                    if matches.is_empty() {
                        rows.push(combine(Some(l), None));
                    } else if lookup {
                        rows.push(combine(Some(l), Some(&right.rows[matches[0]])));
                    } else {
                        rows.extend(
                            matches
                                .iter()
                                .map(|&m| combine(Some(l), Some(&right.rows[m]))),
                        );
                    }
                }
                JoinKind::LeftSemi if !matches.is_empty() => rows.push(l.clone()),
                JoinKind::LeftAnti if matches.is_empty() => rows.push(l.clone()),
                _ => {}
            }
        }
        for (i, r) in right.rows.iter().enumerate() {
            match kind {
                JoinKind::RightOuter | JoinKind::FullOuter if !right_matched[i] => {
                    rows.push(combine(None, Some(r)))
                }
                JoinKind::RightSemi if right_matched[i] => rows.push(r.clone()),
                JoinKind::RightAnti if !right_matched[i] => rows.push(r.clone()),
                _ => {}
            }
        }
        if lookup && !matches!(kind, JoinKind::LeftOuter | JoinKind::Inner) {
            return Err(KqlError::semantic(
                on[0].span,
                "lookup takes kind=leftouter or kind=inner",
            ));
        }
        Ok(Table { columns, rows })
    }
}

fn key_index(table: &Table, name: &str, key: &JoinKey, side: &str) -> Result<usize> {
    table.index_of(name).ok_or_else(|| {
        KqlError::semantic(
            key.span,
            format!("the {side} table has no column `{name}` to join on"),
        )
        .did_you_mean(name, table.column_names())
    })
}
