//! A fast path for the commonest input of `entralab query --logs`: a Log Analytics JSON-lines
//! file of sign-in rows as `entralab generate --format loganalytics` writes it. Each line is
//! read straight into the loaded columns of its row (the others are skipped unparsed), on
//! every core, instead of into a Graph record that is then turned back into a row.
//!
//! The result must be the row the general path ([`crate::logfiles`], then
//! [`super::schema::la_row`]) makes, so a file takes this path only when
//!
//! - every line is one JSON object whose keys are exactly the `SigninLogs` columns, in order
//!   (as entralab writes them), of a sign-in table (`Type`);
//! - every row names its own tenant the way the general path would (`TenantId`,
//!   `AADTenantId` and `ResourceTenantId` the same, not empty), so no file-wide tenant is
//!   involved;
//! - the first row, read both ways, gives the same values in every column.
//!
//! Any other file (Graph JSON, Event Hub records, CSV, rows of other tools, audit rows, a bad
//! line) is left to the general path, which reads it from the start.

use super::load::Loader;
use super::schema::column_type;
use super::split_read::read_lines;
use super::table::Row;
use super::value::{Type, Value};
use crate::export::loganalytics::{
    NON_INTERACTIVE_TABLE, SIGN_IN_COLUMNS, SIGN_IN_TABLE, row_json,
};
use crate::graph::Record;
use crate::logfiles::record_tenant;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value as Json;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// How many bytes of lines each thread reads at once.
const BLOCK_BYTES: usize = 16 << 20;

/// Columns every line's checks read, whether or not the query does.
const TYPE: usize = column_index("Type");
const TENANT_ID: usize = column_index("TenantId");
const AAD_TENANT_ID: usize = column_index("AADTenantId");
const RESOURCE_TENANT_ID: usize = column_index("ResourceTenantId");

const fn column_index(name: &str) -> usize {
    let mut i = 0;
    while i < SIGN_IN_COLUMNS.len() {
        if const_eq(SIGN_IN_COLUMNS[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("not a SigninLogs column")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Loads `path` into `loader` if it is a file this path reads; `false` (nothing loaded)
/// otherwise, and when it cannot be read.
pub fn load_sign_in_lines(path: &Path, loader: &mut Loader) -> bool {
    load_in_blocks(path, loader, BLOCK_BYTES)
}

/// [`load_sign_in_lines`], each thread reading the file about `block_bytes` at a time.
fn load_in_blocks(path: &Path, loader: &mut Loader, block_bytes: usize) -> bool {
    // A table the query does not read keeps no column: its rows are still read (and
    // checked), then dropped.
    let none = vec![false; SIGN_IN_COLUMNS.len()];
    let interactive = loader.kept(SIGN_IN_TABLE).map(<[bool]>::to_vec);
    let non_interactive = loader.kept(NON_INTERACTIVE_TABLE).map(<[bool]>::to_vec);
    if interactive.is_none() && non_interactive.is_none() {
        return false;
    }
    let interactive = interactive.unwrap_or_else(|| none.clone());
    let non_interactive = non_interactive.unwrap_or(none);
    let plan = Plan::new(interactive, non_interactive, loader.row_limit());
    match first_line(path) {
        Some(line) if !same_both_ways(path, line.trim_ascii()) => return false,
        Some(_) => {}
        None => return false,
    }
    let Some(sinks) = read_lines(path, block_bytes, Rows::default, |rows, line| {
        let line = line.trim_ascii();
        line.is_empty() || rows.push(line, &plan)
    }) else {
        return false;
    };
    for rows in sinks {
        loader.push_rows(SIGN_IN_TABLE, rows.interactive);
        loader.push_rows(NON_INTERACTIVE_TABLE, rows.non_interactive);
    }
    true
}

/// The first non-blank line of `path` (empty when there is none); `None` when it cannot
/// be read.
fn first_line(path: &Path) -> Option<Vec<u8>> {
    let mut reader = BufReader::new(File::open(path).ok()?);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).ok()? == 0 || !line.trim_ascii().is_empty() {
            return Some(line);
        }
    }
}

/// The rows one thread read, by table, and its scratch space.
#[derive(Default)]
struct Rows {
    interactive: Vec<Row>,
    non_interactive: Vec<Row>,
    cells: Vec<Json>,
}

impl Rows {
    /// Adds the row of `line`; `false` when it is not a row of this path.
    fn push(&mut self, line: &[u8], plan: &Plan) -> bool {
        let Some((table, row)) = parse_line(line, plan, &mut self.cells) else {
            return false;
        };
        let (rows, wanted) = if table == SIGN_IN_TABLE {
            (&mut self.interactive, &plan.interactive)
        } else {
            (&mut self.non_interactive, &plan.non_interactive)
        };
        // Every line is still parsed (a bad one sends the file to the general path), but a
        // thread keeps no more rows than the whole load can.
        if !wanted.iter().any(|w| *w) || plan.row_limit.is_some_and(|l| rows.len() >= l) {
            return true;
        }
        rows.push(if wanted == &plan.kept {
            row
        } else {
            narrow(row, &plan.kept, wanted)
        });
        true
    }
}

/// How lines are parsed: which columns each sign-in table keeps, which are parsed (those
/// either keeps), and the types those have in each table (they differ: the non-interactive
/// table's dynamic columns are strings).
struct Plan {
    /// The most rows of each table the load keeps.
    row_limit: Option<usize>,
    interactive: Vec<bool>,
    non_interactive: Vec<bool>,
    kept: Vec<bool>,
    interactive_types: Vec<Type>,
    non_interactive_types: Vec<Type>,
}

impl Plan {
    fn new(interactive: Vec<bool>, non_interactive: Vec<bool>, row_limit: Option<usize>) -> Plan {
        // Both sign-in tables have the same columns; a row is parsed once for either.
        let kept: Vec<bool> = interactive
            .iter()
            .zip(&non_interactive)
            .map(|(a, b)| *a || *b)
            .collect();
        let types = |table: &str| -> Vec<Type> {
            SIGN_IN_COLUMNS
                .iter()
                .zip(&kept)
                .filter(|(_, kept)| **kept)
                .map(|(column, _)| column_type(table, column))
                .collect()
        };
        Plan {
            row_limit,
            interactive_types: types(SIGN_IN_TABLE),
            non_interactive_types: types(NON_INTERACTIVE_TABLE),
            interactive,
            non_interactive,
            kept,
        }
    }
}

/// A row parsed with the columns `parsed` keeps, cut to those `wanted` keeps.
fn narrow(row: Row, parsed: &[bool], wanted: &[bool]) -> Row {
    let mut values = row.into_iter();
    let mut out = Vec::new();
    for (p, w) in parsed.iter().zip(wanted) {
        if *p {
            let value = values.next().unwrap_or(Value::Null);
            if *w {
                out.push(value);
            }
        }
    }
    out
}

/// One line as its table and the kept columns of its row; `cells` is scratch space.
fn parse_line(line: &[u8], plan: &Plan, cells: &mut Vec<Json>) -> Option<(&'static str, Row)> {
    let mut de = serde_json::Deserializer::from_slice(line);
    cells.clear();
    let read = LineSeed {
        kept: &plan.kept,
        cells,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    let (table, types) = match read.table {
        SIGN_IN_TABLE => (SIGN_IN_TABLE, &plan.interactive_types),
        NON_INTERACTIVE_TABLE => (NON_INTERACTIVE_TABLE, &plan.non_interactive_types),
        _ => return None,
    };
    let tenant = read.resource_tenant;
    if tenant.is_empty() || read.tenant != tenant || read.aad_tenant != tenant {
        return None;
    }
    let row = cells
        .drain(..)
        .zip(types)
        .map(|(cell, ty)| typed(cell, *ty))
        .collect();
    Some((table, row))
}

/// A cell as [`super::schema::la_row`] types it.
fn typed(json: Json, ty: Type) -> Value {
    match (json, ty) {
        (json @ (Json::Object(_) | Json::Array(_)), Type::String) => Value::Str(json.to_string()),
        (Json::String(s), Type::String | Type::Guid) => Value::Str(s),
        (json @ (Json::Object(_) | Json::Array(_)), Type::Dynamic) => Value::Dynamic(json),
        (json, ty) => Value::from_json(&json).convert(ty),
    }
}

/// Whether the general path reads `line` (a row with its own tenant) into the same values.
fn same_both_ways(path: &Path, line: &[u8]) -> bool {
    let Ok(object) = serde_json::from_slice::<serde_json::Map<String, Json>>(line) else {
        return false;
    };
    let Ok(records) = crate::logfiles::read_slice(path, line) else {
        return false;
    };
    let [record @ Record::SignIn(_)] = records.as_slice() else {
        return false;
    };
    let Some(tenant) = record_tenant(record, None) else {
        return false;
    };
    let general = row_json(record, tenant);
    general.len() == object.len()
        && general
            .iter()
            .zip(&object)
            .all(|((column, value), (key, read))| column == key && value == read)
}

/// A line as read: the columns every line's checks read (its kept cells go to the seed's
/// `cells`).
struct Line<'de> {
    table: &'de str,
    tenant: &'de str,
    aad_tenant: &'de str,
    resource_tenant: &'de str,
}

/// Reads a line's object: every key must be the next `SigninLogs` column; the values of kept
/// columns and of the checked ones are read, the others skipped. The checked ones must be
/// strings without escapes (as entralab writes them): other lines go the general way.
struct LineSeed<'k> {
    kept: &'k [bool],
    cells: &'k mut Vec<Json>,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = Line<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = Line<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SigninLogs row")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut line = Line {
            table: "",
            tenant: "",
            aad_tenant: "",
            resource_tenant: "",
        };
        let mut at = 0;
        while let Some(key) = map.next_key::<&str>()? {
            if SIGN_IN_COLUMNS.get(at) != Some(&key) {
                return Err(de::Error::custom("not the next SigninLogs column"));
            }
            let checked = match at {
                TYPE => Some(&mut line.table),
                TENANT_ID => Some(&mut line.tenant),
                AAD_TENANT_ID => Some(&mut line.aad_tenant),
                RESOURCE_TENANT_ID => Some(&mut line.resource_tenant),
                _ => None,
            };
            if let Some(slot) = checked {
                let text: &'de str = map.next_value()?;
                *slot = text;
                if self.kept[at] {
                    self.cells.push(Json::String(text.to_string()));
                }
            } else if self.kept[at] {
                self.cells.push(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            at += 1;
        }
        if at != SIGN_IN_COLUMNS.len() {
            return Err(de::Error::custom("a SigninLogs column is missing"));
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_records::sample_sign_in;
    use crate::kql::Catalog;
    use std::io::Write;

    fn line_of(record: &Record, tenant: &str) -> String {
        let object: serde_json::Map<String, Json> = row_json(record, tenant)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Json::Object(object).to_string()
    }

    fn load(text: &str, needed: Option<&std::collections::BTreeSet<String>>) -> Option<Catalog> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let mut catalog = Catalog::new();
        let mut loader = Loader::new(&catalog, needed);
        if !load_sign_in_lines(file.path(), &mut loader) {
            return None;
        }
        loader.finish(&mut catalog);
        Some(catalog)
    }

    #[test]
    fn lines_cut_across_blocks_are_read_whole() {
        let record = sign_in_with_tenant();
        let tenant = record_tenant(&record, None).unwrap().to_string();
        let line = line_of(&record, &tenant);
        // The last line has no newline; blocks of 100 bytes cut every line many times.
        let text = format!("{line}\n{line}\r\n\n{line}");
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let mut catalog = Catalog::new();
        let mut loader = Loader::new(&catalog, None);
        assert!(load_in_blocks(file.path(), &mut loader, 100));
        loader.finish(&mut catalog);
        let mut general = Catalog::new();
        for _ in 0..3 {
            general.push(&record, &tenant);
        }
        assert_eq!(catalog.get(SIGN_IN_TABLE), general.get(SIGN_IN_TABLE));
    }

    #[test]
    fn a_query_of_one_sign_in_table_takes_the_fast_path() {
        let record = sign_in_with_tenant();
        let tenant = record_tenant(&record, None).unwrap().to_string();
        let line = line_of(&record, &tenant);
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "{line}").unwrap();
        // The catalog of a query that names SigninLogs only: no non-interactive table.
        let mut catalog = Catalog::for_query("SigninLogs | count");
        assert!(catalog.get(NON_INTERACTIVE_TABLE).is_none());
        let mut loader = Loader::new(&catalog, None);
        assert!(load_sign_in_lines(file.path(), &mut loader));
        loader.finish(&mut catalog);
        assert_eq!(catalog.get(SIGN_IN_TABLE).unwrap().rows.len(), 1);
    }

    /// A row limit keeps the first rows in file order, however the file is cut between the
    /// threads (blocks of 100 bytes cut every line), and a limit of 0 keeps none.
    #[test]
    fn a_row_limit_keeps_the_first_rows_in_order() {
        let tenant = "11111111-2222-3333-4444-555555555555";
        let records: Vec<Record> = (0..40)
            .map(|i| {
                let mut s = sample_sign_in();
                s.resource_tenant_id = Some(tenant.into());
                s.id = format!("row-{i:02}").into();
                Record::SignIn(Box::new(s))
            })
            .collect();
        let text: String = records.iter().map(|r| line_of(r, tenant) + "\n").collect();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        for limit in [0, 1, 7, 40, 100] {
            let mut catalog = Catalog::new();
            let mut loader = Loader::new(&catalog, None).with_row_limit(Some(limit));
            assert!(load_in_blocks(file.path(), &mut loader, 100));
            loader.finish(&mut catalog);
            let mut general = Catalog::new();
            for record in records.iter().take(limit) {
                general.push(record, tenant);
            }
            assert_eq!(
                catalog.get(SIGN_IN_TABLE),
                general.get(SIGN_IN_TABLE),
                "limit {limit}"
            );
        }
    }

    fn sign_in_with_tenant() -> Record {
        let mut s = sample_sign_in();
        s.resource_tenant_id = Some("11111111-2222-3333-4444-555555555555".into());
        Record::SignIn(Box::new(s))
    }

    #[test]
    fn rows_read_straight_equal_rows_made_from_records() {
        let record = sign_in_with_tenant();
        let tenant = record_tenant(&record, None).unwrap().to_string();
        let line = line_of(&record, &tenant);
        let catalog = load(&format!("{line}\n\n{line}\r\n"), None).expect("the fast path");
        let mut general = Catalog::new();
        general.push(&record, &tenant);
        general.push(&record, &tenant);
        assert_eq!(catalog.get(SIGN_IN_TABLE), general.get(SIGN_IN_TABLE));

        let needed = ["UserPrincipalName".to_string()].into_iter().collect();
        let pruned = load(&line, Some(&needed)).unwrap();
        let table = pruned.get(SIGN_IN_TABLE).unwrap();
        assert_eq!(
            table.column_names().collect::<Vec<_>>(),
            ["TenantId", "UserPrincipalName"]
        );
        assert_eq!(
            table.column("UserPrincipalName"),
            general
                .get(SIGN_IN_TABLE)
                .unwrap()
                .column("UserPrincipalName")
                .map(|c| c[..1].to_vec())
        );
    }

    #[test]
    fn other_files_are_left_to_the_general_path() {
        let record = sign_in_with_tenant();
        let tenant = record_tenant(&record, None).unwrap().to_string();
        let line = line_of(&record, &tenant);
        // A row whose workspace is not its tenant, a row with a column left out, Graph JSON.
        let other_tenant = line_of(&record, "elsewhere");
        let short = line.replacen("\"SourceSystem\":\"Azure AD\",", "", 1);
        for text in [
            format!("{line}\n{other_tenant}\n"),
            format!("{line}\n{short}\n"),
            format!("{line}\n{{\"id\":\"1\"}}\n"),
            "{\"value\":[]}".to_string(),
            "TenantId,Type\n".to_string(),
        ] {
            assert!(load(&text, None).is_none(), "{text}");
        }
    }
}
