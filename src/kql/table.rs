//! A table: named, typed columns and rows of values.

use super::value::{Type, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: Type,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: Type) -> Column {
        Column {
            name: name.into(),
            ty,
        }
    }
}

pub type Row = Vec<Value>;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// The values of one column, by name (for tests).
    pub fn column(&self, name: &str) -> Option<Vec<&Value>> {
        let i = self.index_of(name)?;
        Some(self.rows.iter().map(|r| &r[i]).collect())
    }
}

/// The position of the column `name`, typed `ty`: the existing one (retyped), or a new one at
/// the end. `extend`, `mv-expand` and `parse` replace a column they name.
pub fn set_column(columns: &mut Vec<Column>, name: String, ty: Type) -> usize {
    match columns.iter().position(|c| c.name == name) {
        Some(i) => {
            columns[i].ty = ty;
            i
        }
        None => {
            columns.push(Column::new(name, ty));
            columns.len() - 1
        }
    }
}

/// A name not yet in `taken`: `name`, else `name1`, `name2`, ... (as KQL names a join's
/// right-hand `TimeGenerated` `TimeGenerated1`).
pub fn unique_name(name: &str, taken: &[Column]) -> String {
    if !taken.iter().any(|c| c.name == name) {
        return name.to_string();
    }
    (1..)
        .map(|i| format!("{name}{i}"))
        .find(|candidate| !taken.iter().any(|c| &c.name == candidate))
        .unwrap_or_else(|| name.to_string())
}
