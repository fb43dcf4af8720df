//! `entralab verify`: a scenario's expectations checked against the mock, a live tenant or
//! exported files, reported as text, JSON or JUnit.

mod files;

use super::inputs::load_all;
use super::sources::{self, Fetched, Live, Mock, SourceError};
use crate::client::LogHook;
use crate::detect::RuleSet;
use crate::exit::Exit;
use crate::graph::Timestamp;
use crate::scenario::{DurationValue, Scenario};
use crate::verify::{self, Context, RiskRecord, ScenarioReport};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Scenario files, or folders of them; the built-in labs when none is given.
    pub paths: Vec<PathBuf>,
    /// `mock` (simulate and serve on loopback), `live` (a tenant, credentials from
    /// AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET), or exported log files.
    #[arg(long, num_args = 1.., value_name = "mock|live|FILE", default_value = "mock")]
    pub against: Vec<String>,
    /// Graph base URL for --against live, e.g. https://127.0.0.1:8443/v1.0.
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Login authority for --against live, e.g. https://127.0.0.1:8443.
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,
    /// Trust this certificate too (PEM), e.g. the one `entralab serve` wrote.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Map a scenario user to a real account: user02=alice@contoso.com (repeatable).
    #[arg(long = "user", value_name = "USER=UPN")]
    pub users: Vec<String>,
    /// Start of the window to read (RFC 3339); expectation windows count from it.
    #[arg(long, value_parser = parse_timestamp)]
    pub since: Option<Timestamp>,
    /// End of the window to read (RFC 3339).
    #[arg(long, value_parser = parse_timestamp)]
    pub until: Option<Timestamp>,
    /// Keep polling until the expectations hold or this much time has passed, e.g. 15m.
    #[arg(long, value_parser = parse_duration)]
    pub wait: Option<Duration>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Sigma or Sentinel rules (a folder, searched recursively; repeat for more) for the
    /// scenarios' `detections:` sections; without it those are not checked (a note says so).
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub declared: super::empty_tables::EmptyTables,
    /// With --against FILE...: skip records that cannot be read (each reported on stderr with
    /// file:line and the reason) instead of refusing the file.
    #[arg(long)]
    pub skip_bad_records: bool,
    /// Show what was queried (-v: per collection; -vv: every request). Never secrets.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// How a scenario's verification ended.
enum Verdict {
    Report(ScenarioReport),
    Unreachable(String),
    BadInput(String),
}

pub fn verify(args: &VerifyArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Exit> {
    let (scenarios, broken) = load_all(&args.paths, err)?;
    if broken {
        // The diagnostics are the whole answer: a summary of the scenarios that did load
        // would read as if the broken one had been checked.
        return Ok(Exit::BadInput);
    }
    if args.skip_bad_records
        && matches!(args.against.as_slice(), [one] if one == "mock" || one == "live")
    {
        writeln!(
            err,
            "error: --skip-bad-records applies to log files (--against FILE...), not to --against {}",
            args.against[0]
        )?;
        return Ok(Exit::BadInput);
    }
    let users = match sources::parse_user_map(&args.users) {
        Ok(users) => users,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(Exit::BadInput);
        }
    };
    let mut notes: Vec<String> = Vec::new();
    let rules = match args.rules.as_slice() {
        [_, ..] => match RuleSet::load_all_with(&args.rules, &args.declared.empty_tables) {
            Ok(rules) => Some(rules),
            Err(e) => {
                writeln!(err, "error: {e}")?;
                return Ok(Exit::BadInput);
            }
        },
        [] => {
            let unchecked: usize = scenarios.iter().map(|s| s.detections.len()).sum();
            if unchecked > 0 {
                notes.push(format!(
                    "note: {unchecked} detection expectation(s) not checked: pass --rules DIR"
                ));
            }
            None
        }
    };
    for note in &notes {
        writeln!(err, "{note}")?;
    }
    // Notes from here on (skipped records, polling) are shown as they come.
    let verdicts = run(args, &scenarios, &users, rules.as_ref(), &mut |n| {
        let _ = writeln!(err, "{n}");
    });
    let mut reports = Vec::new();
    let mut exit = Exit::Success;
    for verdict in verdicts {
        match verdict {
            Verdict::Report(report) => reports.push(report),
            Verdict::Unreachable(e) => {
                writeln!(err, "error: {e}")?;
                exit = worst(exit, Exit::Unreachable);
            }
            Verdict::BadInput(e) => {
                writeln!(err, "error: {e}")?;
                exit = worst(exit, Exit::BadInput);
            }
        }
    }
    if reports.is_empty() && exit != Exit::Success {
        // Nothing was checked (a file could not be read, the source could not be reached):
        // the error alone, no "0 passed, 0 failed".
        return Ok(exit);
    }
    if reports.iter().any(|r| !r.passed) {
        exit = worst(exit, Exit::ExpectationFailed);
    }
    match args.format {
        Format::Text => out.write_all(verify::render_text(&reports).as_bytes())?,
        Format::Json => {
            let passed = reports
                .iter()
                .flat_map(|r| &r.outcomes)
                .filter(|o| o.passed)
                .count();
            let total = reports.iter().map(|r| r.outcomes.len()).sum::<usize>();
            let json = serde_json::json!({ "passed": passed, "failed": total - passed, "scenarios": reports });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&json).expect("reports serialize")
            )?;
        }
    }
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, verify::render_junit(&reports))
    {
        writeln!(err, "error: cannot write {}: {e}", path.display())?;
        exit = worst(exit, Exit::BadInput);
    }
    Ok(exit)
}

/// Bad input outranks an unreachable source, which outranks a failed expectation.
fn worst(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Success => 0,
        Exit::ExpectationFailed => 1,
        Exit::Unreachable => 2,
        Exit::BadInput => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn run(
    args: &VerifyArgs,
    scenarios: &[Scenario],
    users: &BTreeMap<String, String>,
    rules: Option<&RuleSet>,
    note: &mut dyn FnMut(String),
) -> Vec<Verdict> {
    let log = (args.verbose >= 2).then(|| {
        let hook: LogHook = Arc::new(|line: &str| eprintln!("{line}"));
        hook
    });
    let against: Vec<&str> = args.against.iter().map(String::as_str).collect();
    match against.as_slice() {
        ["mock"] => {
            let mock = match Mock::start(scenarios) {
                Ok(mock) => mock,
                Err(e) => return vec![verdict_of(e)],
            };
            if args.verbose >= 1 {
                note(format!("mock Graph on {}", mock.base()));
            }
            let label = format!("mock {}", mock.base());
            read_graph(
                args,
                scenarios,
                users,
                rules,
                note,
                &label,
                |s| s.start,
                |s| mock.client(s, log.clone()),
            )
        }
        ["live"] => {
            let ca_cert = match &args.ca_cert {
                Some(path) => match std::fs::read(path) {
                    Ok(pem) => Some(pem),
                    Err(e) => {
                        return vec![Verdict::BadInput(format!(
                            "cannot read {}: {e}",
                            path.display()
                        ))];
                    }
                },
                None => None,
            };
            let live = match Live::from_env(args.authority.clone(), args.graph_url.clone(), ca_cert)
            {
                Ok(live) => live,
                Err(e) => return vec![verdict_of(e)],
            };
            let label = format!(
                "live {}",
                live.graph_url
                    .as_deref()
                    .unwrap_or(crate::client::PUBLIC_GRAPH_BASE)
            );
            read_graph(
                args,
                scenarios,
                users,
                rules,
                note,
                &label,
                |s| args.since.unwrap_or(s.start),
                |_| live.client(log.clone()),
            )
        }
        files => files::verify_files(args, scenarios, users, rules, note, files),
    }
}

/// Reads each scenario's records through a Graph client (the mock's or a live tenant's) and
/// verifies them; `start_of` says where expectation windows count from.
#[allow(clippy::too_many_arguments)]
fn read_graph(
    args: &VerifyArgs,
    scenarios: &[Scenario],
    users: &BTreeMap<String, String>,
    rules: Option<&RuleSet>,
    note: &mut dyn FnMut(String),
    label: &str,
    start_of: impl Fn(&Scenario) -> Timestamp,
    client_for: impl Fn(&Scenario) -> Result<crate::client::GraphClient, SourceError>,
) -> Vec<Verdict> {
    scenarios
        .iter()
        .map(|s| {
            let window = window(args, s);
            let fetch = |note: &mut dyn FnMut(String)| -> Result<Fetched, SourceError> {
                let mut client = client_for(s)?;
                let (records, counts) = sources::fetch_graph(
                    &mut client,
                    &sources::kinds(s),
                    window,
                    args.verbose,
                    note,
                )?;
                let risk = super::risk_sources::fetch_risk_detections(&mut client, s, window)?;
                let risky_users = super::risk_sources::fetch_risky_users(&mut client, s)?;
                let counts = super::risk_sources::with_risk_counts(counts, s, &risk, &risky_users);
                Ok(Fetched {
                    records,
                    newest_first: true,
                    description: format!("{label}: {counts}"),
                    risk,
                    risky_users,
                })
            };
            check(s, start_of(s), users, rules, args.wait, fetch, note)
        })
        .collect()
}

/// The window to read: --since/--until, else the scenario's own.
fn window(args: &VerifyArgs, scenario: &Scenario) -> (Timestamp, Timestamp) {
    let own = sources::scenario_window(scenario);
    (args.since.unwrap_or(own.0), args.until.unwrap_or(own.1))
}

/// Fetches and verifies, polling until the expectations hold when `wait` is given.
fn check(
    scenario: &Scenario,
    start: Timestamp,
    users: &BTreeMap<String, String>,
    rules: Option<&RuleSet>,
    wait: Option<Duration>,
    fetch: impl Fn(&mut dyn FnMut(String)) -> Result<Fetched, SourceError>,
    note: &mut dyn FnMut(String),
) -> Verdict {
    let deadline = wait.map(|w| Instant::now() + w);
    loop {
        let fetched = match fetch(note) {
            Ok(fetched) => fetched,
            Err(e) => return verdict_of(e),
        };
        let risk_records: Vec<RiskRecord> = fetched
            .risk
            .iter()
            .map(RiskRecord::detection)
            .chain(fetched.risky_users.iter().map(RiskRecord::risky_user))
            .collect();
        let mut outcomes = verify::verify_with_risk(
            &scenario.expectations,
            &fetched.records,
            &risk_records,
            fetched.newest_first,
            &Context { start, users },
        );
        outcomes.extend(detections(
            rules,
            scenario,
            &fetched.records,
            fetched.newest_first,
            &fetched.risk,
        ));
        let report = ScenarioReport::new(scenario.name.clone(), fetched.description, outcomes);
        let remaining = deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or_default();
        if report.passed || remaining.is_zero() {
            return Verdict::Report(report);
        }
        let pause = remaining.min(Duration::from_secs(30));
        note(format!(
            "{}: {} expectation(s) not met yet; polling again in {}s",
            scenario.name,
            report.outcomes.iter().filter(|o| !o.passed).count(),
            pause.as_secs()
        ));
        std::thread::sleep(pause);
    }
}

/// The scenario's `detections:` as outcomes, when `--rules` was given (issue 5).
fn detections(
    rules: Option<&RuleSet>,
    scenario: &Scenario,
    records: &[crate::graph::Record],
    newest_first: bool,
    risk: &[crate::graph::RiskDetection],
) -> Vec<verify::Outcome> {
    let Some(rules) = rules.filter(|_| !scenario.detections.is_empty()) else {
        return Vec::new();
    };
    let tenant_id = crate::sim::tenant_id(scenario);
    let results = if newest_first {
        rules.evaluate_with_risk(records.iter().rev(), risk, &tenant_id)
    } else {
        rules.evaluate_with_risk(records, risk, &tenant_id)
    };
    crate::detect::outcomes(&scenario.detections, &results, &rules.not_applicable)
}

fn verdict_of(e: SourceError) -> Verdict {
    match e {
        SourceError::Unreachable(e) => Verdict::Unreachable(e),
        SourceError::BadInput(e) => Verdict::BadInput(e),
    }
}

fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| e.to_string())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    DurationValue::parse(text).map(|d| Duration::from_nanos(d.ticks() as u64 * 100))
}
