//! Fuzzes the KQL engine: any text is lexed and parsed without panicking; a query that parses
//! is printed, and the printed text must parse to the same tree; then it runs (bounded: no
//! `range`, short inputs) over a workspace holding the user02 lockout lab.

#![no_main]

use entralab::kql::{self, Catalog};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let text = include_str!("../../scenarios/user02-smart-lockout.yaml");
        let scenario = entralab::scenario::load_str(Path::new("lab.yaml"), text).expect("a shipped lab loads");
        let tenant = entralab::sim::tenant_id(&scenario);
        let mut catalog = Catalog::new();
        for record in entralab::sim::simulate(&scenario).filter_map(|i| i.record) {
            catalog.push(&record, &tenant);
        }
        catalog
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let query = match kql::parse(text) {
        Ok(query) => query,
        Err(error) => {
            // Rendering points into the text: it must cope with any span.
            let _ = error.render(text);
            return;
        }
    };
    let printed = query.to_string();
    match kql::parse(&printed) {
        Ok(again) => assert_eq!(again, query, "{text:?} printed as {printed:?}"),
        Err(error) => panic!("{text:?} printed as {printed:?} does not parse: {}", error.render(&printed)),
    }
    if text.len() <= 512 && !text.contains("range") {
        if let Err(error) = kql::execute(&query, catalog(), None) {
            let _ = error.render(text);
        }
    }
});
