//! Tables the user declares present but empty: `--empty-table 'DeviceInfo(PublicIP:string,
//! AadDeviceId:string)'`.
//!
//! Some Sentinel rules enrich Entra rows with a `leftouter` join on a table of another product
//! (Defender for Endpoint's `DeviceInfo`, UEBA's `IdentityInfo`). In a workspace without that
//! product the table does not exist and the rule cannot be created, which is why such a rule is
//! "not applicable" by default. A user whose workspace does have the table declares it empty,
//! so the rule runs on entralab's Entra rows and its enrichment simply finds nothing.

use super::ast::Source;
use super::schema::{Catalog, TABLES};
use super::table::{Column, Table};

/// A table declared empty, with the columns the user gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct EmptyTable {
    pub name: String,
    pub table: Table,
}

impl EmptyTable {
    /// Reads `NAME(COLUMN:TYPE, ...)`, the columns as in a KQL `datatable` schema.
    pub fn parse(spec: &str) -> Result<EmptyTable, String> {
        let hint =
            "write NAME(COLUMN:TYPE, ...), e.g. 'DeviceInfo(PublicIP:string, AadDeviceId:string)'";
        let spec = spec.trim();
        let (name, rest) = spec
            .split_once('(')
            .ok_or_else(|| format!("`{spec}` has no column list\n  hint: {hint}"))?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{name}` is not a table name (letters, digits and `_`)\n  hint: {hint}"
            ));
        }
        if TABLES.iter().any(|t| t.eq_ignore_ascii_case(name)) {
            return Err(format!(
                "`{name}` is one of entralab's own tables, filled from the records; only other tables can be declared empty"
            ));
        }
        let inside = rest
            .trim_end()
            .strip_suffix(')')
            .ok_or_else(|| format!("`{spec}` does not end with `)`\n  hint: {hint}"))?;
        let columns = columns_of(inside).map_err(|e| format!("{e}\n  hint: {hint}"))?;
        if columns.is_empty() {
            return Err(format!("`{name}` declares no columns\n  hint: {hint}"));
        }
        Ok(EmptyTable {
            name: name.to_string(),
            table: Table::new(columns),
        })
    }
}

impl Catalog {
    /// Adds the tables the user declared present but empty.
    pub fn declare(&mut self, declared: &[EmptyTable]) {
        for t in declared {
            self.insert(t.name.clone(), t.table.clone());
        }
    }
}

/// The columns of a schema, read by the query parser as the schema of an empty `datatable`.
fn columns_of(inside: &str) -> Result<Vec<Column>, String> {
    let query = super::parse(&format!("datatable({inside}) []"))
        .map_err(|e| format!("bad column list `{inside}`: {}", e.message))?;
    match &query.body.source {
        Source::Datatable { columns, .. } if query.lets.is_empty() && query.body.ops.is_empty() => {
            let mut seen = std::collections::BTreeSet::new();
            columns
                .iter()
                .map(|(name, ty)| {
                    if !seen.insert(name.as_str()) {
                        return Err(format!("the column `{name}` is declared twice"));
                    }
                    Ok(Column::new(name.clone(), *ty))
                })
                .collect()
        }
        _ => Err(format!("bad column list `{inside}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::{Type, run};

    #[test]
    fn a_declared_table_has_its_columns_and_no_rows() {
        let t =
            EmptyTable::parse("DeviceInfo(PublicIP:string, AadDeviceId: string, Seen:datetime)")
                .unwrap();
        assert_eq!(t.name, "DeviceInfo");
        let columns: Vec<(&str, Type)> = t
            .table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty))
            .collect();
        assert_eq!(
            columns,
            [
                ("PublicIP", Type::String),
                ("AadDeviceId", Type::String),
                ("Seen", Type::DateTime)
            ]
        );
        assert!(t.table.rows.is_empty());
    }

    #[test]
    fn a_leftouter_join_on_a_declared_table_keeps_the_left_rows() {
        let t = EmptyTable::parse("DeviceInfo(PublicIP:string, AadDeviceId:string)").unwrap();
        let mut catalog = Catalog::new();
        catalog.declare(&[t]);
        let result = run(
            "datatable(IPAddress:string) ['203.0.113.9'] | project PublicIP = IPAddress \
             | join kind=leftouter (DeviceInfo | project PublicIP, AadDeviceId) on PublicIP",
            &catalog,
            None,
        )
        .unwrap();
        assert_eq!(result.rows.len(), 1);
        let device = result.index_of("AadDeviceId").expect("the joined column");
        assert!(result.rows[0][device].is_null());
    }

    #[test]
    fn bad_declarations_say_what_is_wrong() {
        let cases = [
            ("DeviceInfo", "has no column list"),
            ("Device Info(A:string)", "is not a table name"),
            ("SigninLogs(A:string)", "one of entralab's own tables"),
            ("DeviceInfo(A:string", "does not end with `)`"),
            ("DeviceInfo()", "bad column list"),
            ("DeviceInfo(A:strang)", "unknown type `strang`"),
            ("DeviceInfo(A:string, A:long)", "declared twice"),
            ("DeviceInfo(A:string) | take 1)", "bad column list"),
        ];
        for (spec, expected) in cases {
            let error = EmptyTable::parse(spec).unwrap_err();
            assert!(
                error.contains(expected),
                "{spec}: expected `{expected}` in {error}"
            );
        }
    }
}
