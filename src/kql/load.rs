//! Loading records into a catalog's Log Analytics tables, holding only the columns a query
//! reads ([`super::prune`]): a pruned table has the full table's columns that are needed, in
//! the full table's order, and its first column always.

use super::schema::{Catalog, la_row_of, table_of};
use super::table::{Row, Table};
use crate::export::loganalytics::{AUDIT_TABLE, NON_INTERACTIVE_TABLE, SIGN_IN_TABLE};
use crate::graph::Record;
use std::collections::{BTreeMap, BTreeSet};

/// The tables records are read into.
const RECORD_TABLES: &[&str] = &[SIGN_IN_TABLE, NON_INTERACTIVE_TABLE, AUDIT_TABLE];

/// One table being loaded: which of the full table's columns it keeps, and its rows.
struct Pruned {
    /// For each column of the full table, whether it is kept.
    kept: Vec<bool>,
    table: Table,
}

impl Pruned {
    fn pick(&self, row: Row) -> Row {
        if self.kept.iter().all(|k| *k) {
            return row;
        }
        // Into a row of its own size: `collect` would reuse the full row's allocation (70
        // columns) for the few kept, and a million pruned rows held 7 GB.
        let mut picked = Vec::with_capacity(self.table.columns.len());
        picked.extend(
            row.into_iter()
                .zip(&self.kept)
                .filter_map(|(value, kept)| kept.then_some(value)),
        );
        picked
    }
}

/// Rows on their way into a [`Catalog`]'s record tables.
pub struct Loader {
    tables: BTreeMap<&'static str, Pruned>,
    /// The most rows each table keeps (the first ones): [`super::prune::row_limit`].
    row_limit: Option<usize>,
}

impl Loader {
    /// Loads the record tables `catalog` holds, keeping the columns in `needed` (all when
    /// `None`).
    pub fn new(catalog: &Catalog, needed: Option<&BTreeSet<String>>) -> Loader {
        let mut tables = BTreeMap::new();
        for name in RECORD_TABLES {
            let Some(full) = catalog.get(name) else {
                continue;
            };
            let kept: Vec<bool> = full
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| i == 0 || needed.is_none_or(|n| n.contains(&c.name)))
                .collect();
            let columns = full
                .columns
                .iter()
                .zip(&kept)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.clone())
                .collect();
            let table = Table::new(columns);
            tables.insert(*name, Pruned { kept, table });
        }
        Loader {
            tables,
            row_limit: None,
        }
    }

    /// Keeps at most the first `limit` rows of each table (all when `None`).
    pub fn with_row_limit(mut self, limit: Option<usize>) -> Loader {
        self.row_limit = limit;
        self
    }

    /// The most rows each table keeps.
    pub fn row_limit(&self) -> Option<usize> {
        self.row_limit
    }

    /// Rows `table` can still take.
    fn room(&self, table: &Table) -> usize {
        self.row_limit
            .map_or(usize::MAX, |limit| limit.saturating_sub(table.rows.len()))
    }

    /// For each column of the full table `name`, whether it is loaded; `None` when the
    /// table is not loaded at all.
    pub fn kept(&self, name: &str) -> Option<&[bool]> {
        self.tables.get(name).map(|p| p.kept.as_slice())
    }

    /// Loads `record` of a log file with the tenant it names ([`crate::logfiles::record_tenant`]:
    /// `named` by its envelope or row, else its sign-in's own), else `fallback` (the first
    /// tenant the files name).
    pub fn push_named(&mut self, record: &Record, named: Option<&str>, fallback: &str) {
        let tenant = crate::logfiles::record_tenant(record, named).unwrap_or(fallback);
        self.push_record(record, tenant);
    }

    /// Adds a record to its table (nothing when that table is not loaded).
    pub fn push_record(&mut self, record: &Record, tenant_id: &str) {
        let name = table_of(record);
        if self
            .tables
            .get(name)
            .is_some_and(|p| self.room(&p.table) == 0)
        {
            return;
        }
        if let Some(pruned) = self.tables.get_mut(name) {
            let (_, row) = la_row_of(record, tenant_id, Some(&pruned.kept));
            let row = pruned.pick(row);
            pruned.table.rows.push(row);
        }
    }

    /// Adds rows already pruned as [`Loader::kept`] says to the table `name`.
    pub fn push_rows(&mut self, name: &str, rows: impl IntoIterator<Item = Row>) {
        let room = match self.tables.get(name) {
            Some(pruned) => self.room(&pruned.table),
            None => return,
        };
        if let Some(pruned) = self.tables.get_mut(name) {
            pruned.table.rows.extend(rows.into_iter().take(room));
        }
    }

    /// Puts the loaded tables into `catalog`, in place of its empty ones.
    pub fn finish(self, catalog: &mut Catalog) {
        for (name, pruned) in self.tables {
            catalog.insert(name, pruned.table);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::{sample_audit, sample_sign_in};
    use crate::graph::SignIn;
    use crate::kql::value::Value;

    /// The `TenantId` of every row of `table`.
    fn tenants(catalog: &Catalog, table: &str) -> Vec<Value> {
        catalog
            .get(table)
            .unwrap()
            .column("TenantId")
            .unwrap()
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn a_record_takes_its_envelopes_tenant_else_its_own_else_the_files_first() {
        let audit = || Record::Audit(Box::new(sample_audit()));
        let mut named = sample_sign_in();
        named.resource_tenant_id = Some("resource".into());
        let mut unnamed = sample_sign_in();
        (unnamed.resource_tenant_id, unnamed.home_tenant_id) = (None, None);
        let mut home_only = unnamed.clone();
        home_only.home_tenant_id = Some("home".into());
        let sign_in = |s: &SignIn| Record::SignIn(Box::new(s.clone()));

        let mut loader = Loader::new(&Catalog::new(), None);
        for record in [
            audit(),
            sign_in(&unnamed),
            sign_in(&home_only),
            sign_in(&named),
        ] {
            loader.push_named(&record, None, "first");
        }
        // An Event Hub file whose sign-ins name no tenant (as Elastic's raw samples): the
        // envelope's, which also wins over a sign-in's own.
        loader.push_named(&audit(), Some("envelope"), "first");
        loader.push_named(&sign_in(&unnamed), Some("envelope"), "first");
        loader.push_named(&sign_in(&named), Some("envelope"), "first");
        let mut catalog = Catalog::new();
        loader.finish(&mut catalog);

        let values = |texts: &[&str]| texts.iter().map(|t| Value::str(*t)).collect::<Vec<_>>();
        assert_eq!(
            tenants(&catalog, SIGN_IN_TABLE),
            values(&["first", "home", "resource", "envelope", "envelope"])
        );
        assert_eq!(
            tenants(&catalog, AUDIT_TABLE),
            values(&["first", "envelope"])
        );
    }

    #[test]
    fn a_pruned_table_keeps_the_needed_columns_in_order_and_its_first() {
        let catalog = Catalog::new();
        let needed: BTreeSet<String> = ["UserPrincipalName", "ResultType"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut loader = Loader::new(&catalog, Some(&needed));
        let sign_in = Record::SignIn(Box::new(sample_sign_in()));
        loader.push_record(&sign_in, "t");
        loader.push_record(&Record::Audit(Box::new(sample_audit())), "t");
        let mut pruned = Catalog::new();
        loader.finish(&mut pruned);

        let mut full = Catalog::new();
        full.push(&sign_in, "t");
        let full = full.get(SIGN_IN_TABLE).unwrap();
        let table = pruned.get(SIGN_IN_TABLE).unwrap();
        let names: Vec<&str> = table.column_names().collect();
        assert_eq!(names, ["TenantId", "ResultType", "UserPrincipalName"]);
        for name in names {
            assert_eq!(table.column(name), full.column(name), "{name}");
        }
        // AuditLogs has a ResultType column too: it is kept beside the first column.
        let audit = pruned.get(AUDIT_TABLE).unwrap();
        let audit: Vec<&str> = audit.column_names().collect();
        assert_eq!(audit, ["TenantId", "ResultType"]);
    }
}
