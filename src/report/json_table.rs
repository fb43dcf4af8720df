//! The records' exact Graph JSON, kept small enough to embed thousands of them in one page.
//!
//! A v1.0 record is an object whose top-level properties mostly repeat from record to record
//! (the same app, location, device, status); only a few (`id`, `createdDateTime`,
//! `correlationId`) are new each time. So each record is stored as a shape (its list of keys)
//! and one index per property into a table of distinct property texts, the most used first
//! (short indices for the common values). The page joins them back as
//! `{` key `:` value `,` ... `}`: the same bytes as `serde_json::to_string(record)`, which is
//! what the mock Graph serves (see `graph::wire`).

use crate::graph::Record;
use serde::Serialize;
use std::collections::BTreeMap;

/// The interned records of a whole page.
#[derive(Debug, Default)]
pub struct JsonTable {
    keys: Interner,
    shapes: Interner,
    values: Interner,
    /// Per record: shape index, then value indices (before renumbering by use).
    records: Vec<Vec<u32>>,
}

/// The table as the page embeds it.
#[derive(Debug, Serialize, PartialEq)]
pub struct EmbeddedJson {
    /// Each key as its JSON text, quotes included.
    pub keys: Vec<String>,
    /// Each shape as indices into `keys`.
    pub shapes: Vec<Vec<u32>>,
    /// Each distinct property value as its JSON text.
    pub values: Vec<String>,
}

#[derive(Debug, Default)]
struct Interner {
    index: BTreeMap<String, u32>,
    texts: Vec<String>,
    uses: Vec<u64>,
}

impl Interner {
    fn intern(&mut self, text: String) -> u32 {
        if let Some(&i) = self.index.get(&text) {
            self.uses[i as usize] += 1;
            return i;
        }
        let i = self.texts.len() as u32;
        self.index.insert(text.clone(), i);
        self.texts.push(text);
        self.uses.push(1);
        i
    }

    /// New numbering: most used first, ties in order of first use (deterministic).
    fn by_use(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.texts.len() as u32).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.uses[i as usize]), i));
        let mut renumber = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        renumber
    }
}

impl JsonTable {
    /// Adds `record` (its v1.0 JSON); returns its number in the table.
    pub fn push(&mut self, record: &Record) -> u32 {
        let value = serde_json::to_value(record).expect("records serialize");
        let serde_json::Value::Object(map) = value else {
            unreachable!("a record serializes as an object")
        };
        let mut shape = Vec::with_capacity(map.len());
        let mut entry = Vec::with_capacity(map.len() + 1);
        entry.push(0);
        for (key, value) in map {
            let key = serde_json::to_string(&key).expect("a key serializes");
            shape.push(self.keys.intern(key).to_string());
            let text = serde_json::to_string(&value).expect("a value serializes");
            entry.push(self.values.intern(text));
        }
        entry[0] = self.shapes.intern(shape.join(","));
        self.records.push(entry);
        (self.records.len() - 1) as u32
    }

    /// The embedded form and, per record, `[shape, value...]` in the new numbering.
    pub fn finish(self) -> (EmbeddedJson, Vec<Vec<u32>>) {
        let values = self.values.by_use();
        let records = self
            .records
            .into_iter()
            .map(|mut entry| {
                for v in entry.iter_mut().skip(1) {
                    *v = values[*v as usize];
                }
                entry
            })
            .collect();
        let mut texts = vec![String::new(); values.len()];
        for (old, text) in self.values.texts.into_iter().enumerate() {
            texts[values[old] as usize] = text;
        }
        let shapes = self
            .shapes
            .texts
            .iter()
            .map(|s| s.split(',').map(|k| k.parse().unwrap_or(0)).collect())
            .collect();
        (
            EmbeddedJson {
                keys: self.keys.texts,
                shapes,
                values: texts,
            },
            records,
        )
    }
}

#[cfg(test)]
impl EmbeddedJson {
    /// Joins a record back together as the page does.
    pub fn join(&self, entry: &[u32]) -> String {
        let shape = &self.shapes[entry[0] as usize];
        let parts: Vec<String> = shape
            .iter()
            .zip(&entry[1..])
            .map(|(&k, &v)| format!("{}:{}", self.keys[k as usize], self.values[v as usize]))
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;
    use std::path::Path;

    fn records(path: &str) -> Vec<Record> {
        let text = std::fs::read_to_string(path).unwrap();
        let scenario = scenario::load_str(Path::new(path), &text).unwrap();
        crate::sim::simulate(&scenario)
            .filter_map(|item| item.record)
            .collect()
    }

    #[test]
    fn joining_gives_back_the_served_bytes() {
        let mut all = records("scenarios/user01-password-failures.yaml");
        all.extend(records("scenarios/user03-sspr.yaml"));
        let mut table = JsonTable::default();
        for record in &all {
            table.push(record);
        }
        let (embedded, entries) = table.finish();
        assert_eq!(entries.len(), all.len());
        for (record, entry) in all.iter().zip(&entries) {
            let served = serde_json::to_string(record).unwrap();
            assert_eq!(embedded.join(entry), served);
            if let Record::SignIn(s) = record {
                let mut wire = Vec::new();
                crate::graph::write_sign_in(&mut wire, s);
                assert_eq!(embedded.join(entry).as_bytes(), wire.as_slice());
            }
        }
    }

    #[test]
    fn common_values_get_the_small_numbers() {
        let all = records("scenarios/user02-smart-lockout.yaml");
        let mut table = JsonTable::default();
        for record in &all {
            table.push(record);
        }
        let (embedded, _) = table.finish();
        // The tenant id is on every sign-in; an id on one only.
        let tenant = embedded
            .values
            .iter()
            .position(|v| v.contains("e17a1ab0-0000-4000-8000-000000000001"))
            .unwrap();
        let id = embedded
            .values
            .iter()
            .position(|v| v.contains(all[0].id()))
            .unwrap();
        assert!(tenant < id, "{tenant} < {id}");
    }
}
