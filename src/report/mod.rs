//! `entralab report`: one self-contained HTML page (inline CSS and JavaScript, nothing fetched
//! at view time) showing, per scenario, the rows on a timeline by user, the state behind them
//! (smart lockout counters and windows, SSPR failed verifications and the block), each row's
//! exact Graph JSON, and, when asked, the verify results and the rule matches.
//!
//! The page is a fixed template (`page.html`, `page.css`, `page*.js`) and one JSON document in a
//! `<script type="application/json">` that the script renders with DOM text nodes only, so no
//! scenario string can become markup. Same scenarios, seed and options: same bytes.

mod data;
mod json_table;
mod page;
mod state;
mod texts;

pub use data::Extras;

use crate::scenario::Scenario;
use json_table::{EmbeddedJson, JsonTable};
use serde::Serialize;
use texts::Texts;

/// A rendered report.
pub struct Report {
    pub html: String,
    /// Rows (records and no-row events) over all scenarios.
    pub rows: usize,
    /// With `verify`: some expectation failed.
    pub failed: bool,
}

#[derive(Serialize)]
struct PageData {
    generator: String,
    scenarios: Vec<data::ScenarioData>,
    texts: Vec<String>,
    json: EmbeddedJson,
}

/// Simulates each scenario and renders the page.
pub fn render(scenarios: &[Scenario], extras: Extras<'_>) -> Report {
    let mut texts = Texts::default();
    let mut json = JsonTable::default();
    let mut failed = false;
    let mut gathered = Vec::new();
    for scenario in scenarios {
        let (data, scenario_failed) = data::gather(scenario, extras, &mut texts, &mut json);
        failed |= scenario_failed;
        gathered.push(data);
    }
    let (embedded, entries) = json.finish();
    for data in &mut gathered {
        for j in &mut data.rows.j {
            if let Some(&record) = j.first() {
                *j = entries[record as usize].clone();
            }
        }
    }
    let rows = gathered.iter().map(|d| d.rows.t.len()).sum();
    let data = PageData {
        generator: format!("entralab {}", env!("CARGO_PKG_VERSION")),
        scenarios: gathered,
        texts: texts.into_vec(),
        json: embedded,
    };
    Report {
        html: page::html(&data),
        rows,
        failed,
    }
}
