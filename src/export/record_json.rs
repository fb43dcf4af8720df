//! A record's Graph JSON, as the `graph` and `ndjson` formats write it, made with the direct
//! writer where there is one: v1.0 sign-ins (the bulk of any large export) go through
//! `graph::write_sign_in`, the writer the mock Graph pages with, several times faster than
//! serde_json and byte-identical to it; audits and beta records stay with serde_json.

use crate::graph::{ApiVersion, Record, write_sign_in};

/// Appends `record` as `api` writes it, one compact JSON object, no newline.
pub(crate) fn write_record_json(out: &mut Vec<u8>, record: &Record, api: ApiVersion) {
    let written = match (api, record) {
        (ApiVersion::V1, Record::SignIn(sign_in)) => {
            write_sign_in(out, sign_in);
            Ok(())
        }
        (ApiVersion::V1, Record::Audit(audit)) => serde_json::to_writer(&mut *out, audit),
        (ApiVersion::Beta, _) => serde_json::to_writer(&mut *out, &record.to_json(api)),
    };
    written.expect("records serialize to memory");
}

/// A record serialized where it was made ([`SerializedRecord::new`]), for an export that
/// takes records as their JSON ([`super::Exporter::push_serialized`]).
#[derive(Default)]
pub struct SerializedRecord {
    pub is_sign_in: bool,
    pub json: Vec<u8>,
}

impl SerializedRecord {
    /// `record` as the `graph` format of `api` writes it.
    pub fn new(record: &Record, api: ApiVersion) -> Self {
        let mut serialized = SerializedRecord {
            is_sign_in: false,
            json: Vec::with_capacity(2048),
        };
        serialized.rewrite(record, api);
        serialized
    }

    /// Makes this `record`, reusing the buffer.
    pub(super) fn rewrite(&mut self, record: &Record, api: ApiVersion) {
        self.is_sign_in = matches!(record, Record::SignIn(_));
        self.json.clear();
        write_record_json(&mut self.json, record, api);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_file;
    use std::path::Path;

    /// Every record of every shipped lab scenario and of a population, in both versions,
    /// against serde_json's bytes.
    #[test]
    fn writes_what_serde_json_writes_for_every_record_of_the_labs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        files.push(root.join("tests/data/population-small.yaml"));
        let mut checked = 0;
        for path in &files {
            let Ok(scenario) = load_file(path) else {
                continue;
            };
            for record in crate::sim::simulate(&scenario).filter_map(|item| item.record) {
                for api in [ApiVersion::V1, ApiVersion::Beta] {
                    let mut fast = Vec::new();
                    write_record_json(&mut fast, &record, api);
                    let slow = match api {
                        ApiVersion::V1 => serde_json::to_vec(&record).unwrap(),
                        ApiVersion::Beta => serde_json::to_vec(&record.to_json(api)).unwrap(),
                    };
                    assert_eq!(
                        String::from_utf8(fast).unwrap(),
                        String::from_utf8(slow).unwrap(),
                        "{}",
                        path.display()
                    );
                    checked += 1;
                }
            }
        }
        // 145 records in each version when written: every lab sign-in and audit counts.
        assert!(checked >= 290, "only {checked} records checked");
    }
}
