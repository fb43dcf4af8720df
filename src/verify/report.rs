//! Reports: text for people, JSON for machines, JUnit XML for CI.

use super::Outcome;
use serde::Serialize;
use std::fmt::Write;

/// The outcomes of one scenario against one source.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    /// Where the records came from, e.g. `mock https://127.0.0.1:40123 (4 sign-ins, 0 audits)`.
    pub source: String,
    pub passed: bool,
    pub outcomes: Vec<Outcome>,
}

impl ScenarioReport {
    pub fn new(scenario: String, source: String, outcomes: Vec<Outcome>) -> Self {
        ScenarioReport {
            scenario,
            source,
            passed: outcomes.iter().all(|o| o.passed),
            outcomes,
        }
    }
}

/// One line per expectation; a failure adds the precise reason and the records behind it.
pub fn render_text(reports: &[ScenarioReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let _ = writeln!(out, "{} ({})", report.scenario, report.source);
        for o in &report.outcomes {
            let verdict = if o.passed { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "  {verdict}  {}  [{}]", o.name, o.summary);
            for failure in &o.failures {
                let _ = writeln!(out, "        {failure}");
            }
            if !o.passed && !o.evidence.is_empty() {
                let _ = writeln!(out, "        records: {}", o.evidence.join(", "));
            }
        }
    }
    let passed = reports
        .iter()
        .flat_map(|r| &r.outcomes)
        .filter(|o| o.passed)
        .count();
    let failed = reports.iter().flat_map(|r| &r.outcomes).count() - passed;
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    out
}

/// One test case per expectation, one suite per scenario.
pub fn render_junit(reports: &[ScenarioReport]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut junit = Report::new("entralab verify");
    for report in reports {
        let mut suite = TestSuite::new(report.scenario.as_str());
        suite.add_property(quick_junit::Property::new("source", report.source.as_str()));
        for o in &report.outcomes {
            let status = if o.passed {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(o.failures.first().cloned().unwrap_or_default());
                status.set_description(format!(
                    "{}\nrecords: {}",
                    o.failures.join("\n"),
                    o.evidence.join(", ")
                ));
                status
            };
            let mut case = TestCase::new(o.name.as_str(), status);
            case.set_classname(format!("{}:{}", report.scenario, o.line));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().unwrap_or_default()
}
