//! Differential tests of the KQL engine (issue 12, item 5): the same generated queries over the
//! same Log Analytics rows, run by entralab and by duckdb-kql (PyPI; tests/python/kql_oracle.py
//! from target/python-venv, installed by real_clients.rs), must give the same result sets.
//!
//! The corpus is generated from a fixed seed over the subset both engines run: `where` with
//! string and numeric predicates, `extend`, `project`, `summarize` with `count`, `countif`,
//! `dcount`, `min`/`max` by columns and `bin`, `sort` + `take`, `distinct`, `count`. Rows are
//! compared as multisets (order only matters to `take`, which the corpus always puts after a
//! total `sort`); cells are compared as text, datetimes by instant, numbers by value, and an
//! empty string equals null (Log Analytics' string columns are never null).
//!
//! Needs python3 and, the first time or after the requirements change, PyPI.

use entralab::graph::Record;
use entralab::kql::{self, Catalog};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Sign-ins of many users, apps, countries and outcomes (12,742 rows).
const LAB: &str = "scenarios/detections/benign-noise.yaml";
const QUERIES: usize = 300;
const SEED: u64 = 12;

/// A small deterministic generator (64-bit LCG, Knuth's constants): the corpus must be the same
/// on every run, and no more is needed of it.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The string columns the corpus reads, with values seen in the data.
struct Columns {
    names: Vec<&'static str>,
    values: Vec<Vec<String>>,
}

const STRING_COLUMNS: &[&str] = &[
    "UserPrincipalName",
    "IPAddress",
    "AppDisplayName",
    "ResultType",
    "Location",
    "ClientAppUsed",
    "ConditionalAccessStatus",
    "UserDisplayName",
    "ResourceDisplayName",
];

impl Columns {
    fn of(catalog: &Catalog) -> Columns {
        let table = catalog.get("SigninLogs").unwrap();
        let values = STRING_COLUMNS
            .iter()
            .map(|name| {
                let seen: BTreeSet<String> = table
                    .column(name)
                    .unwrap()
                    .into_iter()
                    .map(|v| v.to_text())
                    .filter(|v| !v.is_empty())
                    .collect();
                seen.into_iter().collect()
            })
            .collect();
        Columns {
            names: STRING_COLUMNS.to_vec(),
            values,
        }
    }

    fn column(&self, rng: &mut Lcg) -> (&'static str, &[String]) {
        let i = rng.below(self.names.len());
        (self.names[i], &self.values[i])
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A piece of `value`: a prefix, suffix or middle, for `startswith` / `endswith` / `contains`.
fn piece(rng: &mut Lcg, value: &str, kind: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let len = 1 + rng.below(n.clamp(1, 6));
    let len = len.min(n);
    let start = match kind {
        0 => 0,
        1 => n - len,
        _ => rng.below(n - len + 1),
    };
    chars[start..start + len].iter().collect()
}

fn predicate(rng: &mut Lcg, columns: &Columns) -> String {
    let (column, values) = columns.column(rng);
    let value = rng.pick(values).clone();
    match rng.below(14) {
        0 | 1 => format!("{column} == {}", quoted(&value)),
        2 => format!("{column} != {}", quoted(&value)),
        3 => format!("{column} =~ {}", quoted(&value.to_uppercase())),
        4 => format!("{column} startswith {}", quoted(&piece(rng, &value, 0))),
        5 => format!("{column} endswith {}", quoted(&piece(rng, &value, 1))),
        6 => format!("{column} contains {}", quoted(&piece(rng, &value, 2))),
        7 => format!("{column} !contains {}", quoted(&piece(rng, &value, 2))),
        8 => {
            let other = rng.pick(values).clone();
            format!("{column} in ({}, {})", quoted(&value), quoted(&other))
        }
        9 => format!("{column} !in ({})", quoted(&value)),
        10 => format!(
            "toint(ResultType) {} {}",
            rng.pick(&[">", ">=", "<", "<=", "=="]),
            rng.pick(&[0, 50053, 50074, 50126, 50140, 500121])
        ),
        11 => format!(
            "strlen({column}) {} {}",
            rng.pick(&[">", "<"]),
            value.chars().count()
        ),
        12 => format!("isnotempty({column})"),
        _ => format!(
            "TimeGenerated {} datetime(2025-03-{:02}T{:02}:00:00Z)",
            rng.pick(&[">", "<"]),
            17 + rng.below(7),
            rng.below(24)
        ),
    }
}

fn condition(rng: &mut Lcg, columns: &Columns) -> String {
    match rng.below(5) {
        0 => format!(
            "{} and {}",
            predicate(rng, columns),
            predicate(rng, columns)
        ),
        1 => format!("{} or {}", predicate(rng, columns), predicate(rng, columns)),
        2 => format!("not({})", predicate(rng, columns)),
        _ => predicate(rng, columns),
    }
}

fn query(rng: &mut Lcg, columns: &Columns) -> String {
    let mut text = String::from("SigninLogs");
    let mut extra: Vec<&str> = Vec::new();
    for _ in 0..1 + rng.below(2) {
        text.push_str(&format!(" | where {}", condition(rng, columns)));
    }
    if rng.below(3) == 0 {
        let (a, _) = columns.column(rng);
        let (b, _) = columns.column(rng);
        let (name, expr) = match rng.below(4) {
            0 => ("Pair", format!("strcat({a}, \"/\", {b})")),
            1 => ("Length", format!("strlen({a})")),
            2 => (
                "Outcome",
                "iff(ResultType == \"0\", \"success\", \"failure\")".to_string(),
            ),
            _ => ("Lower", format!("tolower({a})")),
        };
        text.push_str(&format!(" | extend {name} = {expr}"));
        extra.push(name);
    }
    let (a, _) = columns.column(rng);
    let (b, _) = columns.column(rng);
    let key = extra.first().copied().unwrap_or(a);
    let tail = match rng.below(10) {
        0 => "count".to_string(),
        1 => format!("summarize count() by {key}"),
        2 => format!("summarize Rows = count(), Users = dcount(UserPrincipalName) by {a}"),
        3 => format!(
            "summarize Failures = countif(ResultType != \"0\") by {key}, {}",
            if a == b { "Location" } else { b }
        ),
        4 => format!(
            "summarize count() by bin(TimeGenerated, {})",
            rng.pick(&["1h", "6h", "1d", "30m"])
        ),
        5 => format!("distinct {key}"),
        6 => format!("project {key}, {b}, TimeGenerated"),
        7 => format!("summarize First = min(TimeGenerated), Last = max(TimeGenerated) by {a}"),
        8 => format!("summarize Rows = count() by {a} | sort by Rows desc, {a} asc | take 5"),
        _ => format!("summarize count() by {a}, bin(TimeGenerated, 1d)"),
    };
    text.push_str(" | ");
    text.push_str(&tail);
    text
}

/// A cell as comparable text: datetimes by instant, numbers by value, null as "".
fn canonical(cell: &Json) -> String {
    match cell {
        Json::Null => String::new(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", f as i64)
            } else {
                format!("{f:.6}")
            }
        }
        Json::String(s) => {
            if s.len() >= 20
                && s.as_bytes().get(10) == Some(&b'T')
                && let Some(ticks) = kql::value::parse_datetime(s)
            {
                format!("datetime:{ticks}")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

fn rows_of(rows: &[Vec<Json>]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(canonical).collect())
        .collect();
    rows.sort();
    rows
}

#[test]
fn entralab_and_duckdb_kql_agree_on_a_generated_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("entralab")
        .unwrap()
        .current_dir(ROOT)
        .args(["generate", "--format", "loganalytics", "--out"])
        .arg(dir.path())
        .arg(LAB)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ndjson = dir.path().join("SigninLogs.ndjson");

    // entralab reads the very file duckdb loads.
    let records = entralab::logfiles::read_path(&ndjson).unwrap();
    let tenant = records
        .iter()
        .find_map(|r| match r {
            Record::SignIn(s) => s.resource_tenant_id.as_deref(),
            Record::Audit(_) => None,
        })
        .unwrap()
        .to_string();
    let mut catalog = Catalog::new();
    for record in &records {
        catalog.push(record, &tenant);
    }
    assert_eq!(catalog.get("SigninLogs").unwrap().rows.len(), 12_742);

    let columns = Columns::of(&catalog);
    let mut rng = Lcg(SEED);
    let queries: Vec<String> = (0..QUERIES).map(|_| query(&mut rng, &columns)).collect();
    let corpus = dir.path().join("queries.json");
    std::fs::write(&corpus, serde_json::to_string(&queries).unwrap()).unwrap();

    let python = crate::real_clients::python_venv();
    let oracle = Command::new(python)
        .arg(Path::new(ROOT).join("tests/python/kql_oracle.py"))
        .arg(&corpus)
        .arg(format!("SigninLogs={}", ndjson.display()))
        .output()
        .unwrap();
    assert!(
        oracle.status.success(),
        "{}",
        String::from_utf8_lossy(&oracle.stderr)
    );
    let answer: Json = serde_json::from_slice(&oracle.stdout).unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), queries.len());

    let mut compared = 0;
    let mut with_rows = 0;
    let mut oracle_errors = Vec::new();
    let mut differences = Vec::new();
    for (query, expected) in queries.iter().zip(results) {
        if let Some(error) = expected.get("error") {
            oracle_errors.push(format!("{query}\n    duckdb-kql: {error}"));
            continue;
        }
        let ours = match kql::run(query, &catalog, None) {
            Ok(table) => table,
            Err(e) => {
                differences.push(format!("{query}\n    entralab: {}", e.render(query)));
                continue;
            }
        };
        compared += 1;
        let ours_names: Vec<&str> = ours.column_names().collect();
        let theirs_names: Vec<&str> = expected["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let ours_rows: Vec<Vec<Json>> = ours
            .rows
            .iter()
            .map(|row| row.iter().map(|v| v.to_json()).collect())
            .collect();
        let theirs_rows: Vec<Vec<Json>> = expected["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().clone())
            .collect();
        let (ours_rows, theirs_rows) = (rows_of(&ours_rows), rows_of(&theirs_rows));
        if !theirs_rows.is_empty() {
            with_rows += 1;
        }
        if ours_names != theirs_names || ours_rows != theirs_rows {
            let first_diff = ours_rows
                .iter()
                .zip(&theirs_rows)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("{a:?} vs {b:?}"))
                .unwrap_or_default();
            differences.push(format!(
                "{query}\n    columns {ours_names:?} vs {theirs_names:?}; {} vs {} rows; {first_diff}",
                ours_rows.len(),
                theirs_rows.len()
            ));
        }
    }
    eprintln!(
        "{compared} of {} queries compared ({with_rows} with rows), {} refused by duckdb-kql, {} differ; duckdb-kql took {:.2} s",
        queries.len(),
        oracle_errors.len(),
        differences.len(),
        answer["seconds"].as_f64().unwrap_or_default()
    );
    assert!(
        differences.is_empty(),
        "{} of {compared} queries differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // The corpus is meant to be the subset both run: the oracle refusing more than a few is a
    // corpus to fix, not a pass.
    assert!(
        oracle_errors.len() * 20 <= queries.len(),
        "duckdb-kql refused {} of {} queries:\n{}",
        oracle_errors.len(),
        queries.len(),
        oracle_errors.join("\n")
    );
    assert!(compared >= QUERIES * 19 / 20);
    // Predicates are drawn from values in the data, so most queries select something.
    assert!(
        with_rows * 2 >= compared,
        "{with_rows} of {compared} with rows"
    );
}
