//! `join` and `lookup`: hash joins on equal keys. Output rows follow the left table's order,
//! each left row's matches in the right table's order; unmatched right rows (right and full
//! outer joins) come last. Null keys match nothing.

use super::ast::{JoinKey, JoinKind};
use super::engine::Engine;
use super::error::{KqlError, Result};
use super::groups::{GroupIndex, hash_values, same_key};
use super::table::{Column, Row, Table, unique_name};
use super::value::Value;

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
        // A row's key is hashed and compared in place; a null key matches nothing.
        let key_hash = |row: &Row, at: &[usize]| -> Option<u64> {
            if at.iter().any(|&i| row[i].is_null()) {
                return None;
            }
            Some(hash_values(at.iter().map(|&i| &row[i])))
        };
        let same = |a: &Row, a_at: &[usize], b: &Row, b_at: &[usize]| {
            a_at.iter().zip(b_at).all(|(&i, &j)| same_key(&a[i], &b[j]))
        };
        // Each distinct right key and its rows, in order.
        let mut index = GroupIndex::default();
        let mut right_groups: Vec<Vec<usize>> = Vec::new();
        for (i, row) in right.rows.iter().enumerate() {
            let Some(hash) = key_hash(row, &right_keys) else {
                continue;
            };
            let (group, new) = index.find_or_add(hash, |g| {
                same(
                    &right.rows[right_groups[g][0]],
                    &right_keys,
                    row,
                    &right_keys,
                )
            });
            if new {
                right_groups.push(vec![i]);
            } else {
                right_groups[group].push(i);
            }
        }
        let left_rows: Vec<&Row> = if kind == JoinKind::InnerUnique {
            // The first row of each left key (rows with a null key count as one key).
            let mut seen = GroupIndex::default();
            let mut firsts: Vec<&Row> = Vec::new();
            let mut null_seen = false;
            left.rows
                .iter()
                .filter(|r| match key_hash(r, &left_keys) {
                    None => !std::mem::replace(&mut null_seen, true),
                    Some(hash) => {
                        let (_, new) =
                            seen.find_or_add(hash, |g| same(firsts[g], &left_keys, r, &left_keys));
                        if new {
                            firsts.push(r);
                        }
                        new
                    }
                })
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
            let matches: &[usize] = key_hash(l, &left_keys)
                .and_then(|hash| {
                    index.find(hash, |g| {
                        same(&right.rows[right_groups[g][0]], &right_keys, l, &left_keys)
                    })
                })
                .map_or(&[], |g| right_groups[g].as_slice());
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
