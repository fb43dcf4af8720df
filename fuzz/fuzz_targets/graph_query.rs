//! Fuzzes the Graph query options (`$filter` parser and binder, `$top`, `$orderby`, `$select`,
//! `$skiptoken`) for every resource, and evaluates any filter that binds against a record of
//! each kind: nothing may panic on a query string.

#![no_main]

use entralab::graph::Record;
use entralab::odata::{DIRECTORY_AUDIT, QueryOptions, SIGN_IN, SIGN_IN_BETA};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

/// One sign-in and one audit from the SSPR and lockout labs.
fn records() -> &'static (Record, Record) {
    static RECORDS: OnceLock<(Record, Record)> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let load = |text: &str| entralab::scenario::load_str(Path::new("lab.yaml"), text).expect("a shipped lab loads");
        let lockout = load(include_str!("../../scenarios/user02-smart-lockout.yaml"));
        let sspr = load(include_str!("../../scenarios/user03-sspr.yaml"));
        let first = |s: &entralab::scenario::Scenario| entralab::sim::simulate(s).find_map(|i| i.record).expect("a record");
        (first(&lockout), first(&sspr))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let (sign_in, audit) = records();
    for schema in [&SIGN_IN, &SIGN_IN_BETA, &DIRECTORY_AUDIT] {
        let Ok(options) = QueryOptions::parse(query, schema, &["id", "createdDateTime", "status"]) else {
            continue;
        };
        if let Some(filter) = &options.filter {
            match (sign_in, audit) {
                (Record::SignIn(s), Record::Audit(a)) => {
                    let _ = filter.matches(s.as_ref());
                    let _ = filter.matches(a.as_ref());
                }
                _ => unreachable!("the labs give a sign-in and an audit"),
            }
        }
    }
});
