//! The command line: argument parsing, human output, exit codes.

mod builtin;
mod check;
mod completions;
mod convert;
mod detect;
mod empty_tables;
mod exercise;
mod explain;
mod generate;
mod generate_kafka;
mod inputs;
mod log_stream;
mod query;
mod quiet;
mod repeated_ids;
mod report;
mod risk_explain;
mod risk_sources;
mod run;
mod serve;
mod sources;
mod style;
mod verify;

pub use builtin::BUILTIN_SCENARIOS;
pub use serve::{tenant_config, tenant_config_of};

use crate::exit::Exit;
use crate::export::Format;
use crate::graph::ApiVersion;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "entralab",
    version,
    about = "Microsoft Entra ID sign-in and audit logs without a tenant",
    after_help = "Example:\n  entralab run    (the built-in reference labs)"
)]
pub struct Cli {
    /// Print nothing but errors: the exit code says how it went.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios and show, as a timeline, what Entra ID would log and why.
    ///
    /// Without PATH, runs the reference labs built into entralab.
    #[command(after_help = "Example:\n  entralab run scenarios/user02-smart-lockout.yaml")]
    Run {
        /// Scenario files, or folders of them.
        paths: Vec<PathBuf>,
        /// Run with this seed instead of the scenario's own.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Write one tenant's records into DIR: by default as Graph collection responses
    /// (DIR/signIns.json and DIR/directoryAudits.json, newest first).
    ///
    /// Scenario files that name the same tenant (id or domain) are one tenant: their records
    /// are written together, in time order.
    #[command(
        after_help = "Example:\n  entralab generate scenarios/ --tenant xxx.onmicrosoft.com --out logs/"
    )]
    Generate {
        /// Scenario files, or folders of them, that describe one tenant (or pick one with
        /// --tenant).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The tenant to write (id or domain) when the files describe several.
        #[arg(long, value_name = "ID|DOMAIN")]
        tenant: Option<String>,
        #[arg(long, value_name = "DIR", required_unless_present = "to")]
        out: Option<PathBuf>,
        /// Send the records to a Kafka topic instead of files: kafka://HOST:PORT/TOPIC, or
        /// Event Hubs' kafka+ssl://NAMESPACE.servicebus.windows.net:9093/HUB with the
        /// connection string in $EVENTHUB_CONNECTION_STRING (docs/generate.md).
        #[arg(long, value_name = "URL", conflicts_with = "out")]
        to: Option<crate::stream::KafkaUrl>,
        /// Run with this seed instead of the scenario's own.
        #[arg(long)]
        seed: Option<u64>,
        /// The files to write [default: graph; with --to: eventhub].
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The Graph version `graph` and `ndjson` write: v1.0 (its properties only) or beta
        /// (every property: authenticationRequirement, authenticationDetails, ...).
        #[arg(long, value_enum, default_value_t = ApiVersion::V1)]
        api: ApiVersion,
        /// Write only shard K of N (1-based): each user's records, by a hash of the user id,
        /// go to one shard; the N shards together hold the full run, record for record.
        #[arg(long, value_name = "K/N")]
        shard: Option<crate::export::shard::Shard>,
    },
    /// Serve scenarios as tenants of a mock Microsoft Graph (token endpoint and audit log
    /// APIs) that Graph clients use unchanged but for the base URL.
    #[command(after_help = "Example:\n  entralab serve scenarios/")]
    Serve(serve::ServeArgs),
    /// Check scenarios' expectations against the mock (default), a live tenant, or log files.
    #[command(
        after_help = "Example:\n  entralab verify scenarios/detections/ --rules tests/data/sigma"
    )]
    Verify(verify::VerifyArgs),
    /// Run Sigma rules (azure signinlogs/auditlogs) over simulated scenarios: per rule,
    /// whether it fired, how often, and on which records.
    #[command(
        after_help = "Example:\n  entralab detect --rules tests/data/sigma scenarios/detections/ --coverage"
    )]
    Detect(detect::DetectArgs),
    /// Run a KQL query (Log Analytics tables SigninLogs, AADNonInteractiveUserSignInLogs,
    /// AuditLogs) over simulated scenarios or exported log files.
    #[command(
        after_help = "Example:\n  entralab query 'SigninLogs | where ResultType == \"50053\" | count' scenarios/"
    )]
    Query(query::QueryArgs),
    /// Rewrite exported log files (Graph JSON, NDJSON, Event Hub, Log Analytics JSON/CSV) in
    /// one export format into DIR, oldest first.
    #[command(
        after_help = "Example:\n  entralab convert logs/signIns.json --out la/ --format loganalytics"
    )]
    Convert(convert::ConvertArgs),
    /// Write one self-contained HTML page per run: per scenario a timeline of the rows by user,
    /// the state behind them, each row's Graph JSON; with --verify and --rules, the results.
    #[command(
        after_help = "Example:\n  entralab report scenarios/user02-smart-lockout.yaml --out lab.html --verify"
    )]
    Report(report::ReportArgs),
    /// Validate scenarios without simulating them.
    #[command(after_help = "Example:\n  entralab check scenarios/")]
    Check {
        /// Scenario files, or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Explain a sign-in error code, an audit activity or an ID Protection risk detection type:
    /// what it means, what the logs show, what causes it, which shipped scenario shows it and
    /// which rules look at it.
    #[command(
        after_help = "Example:\n  entralab explain 50053 --rules tests/data/sigma\n  entralab explain unlikelyTravel"
    )]
    Explain(explain::ExplainArgs),
    /// Print a scenario's questions, grade a learner's answers, or show the solutions.
    #[command(
        after_help = "Example:\n  entralab exercise scenarios/user02-smart-lockout.yaml --answers answers.yaml"
    )]
    Exercise(exercise::ExerciseArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) on stdout.
    #[command(
        after_help = "Example:\n  entralab completions bash > ~/.local/share/bash-completion/completions/entralab"
    )]
    Completions(completions::CompletionsArgs),
}

/// Runs a parsed command line, writing to `out` and `err`.
pub fn execute(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    // `--quiet`: the command runs as ever, its output goes nowhere; errors still show.
    let quiet = cli.quiet;
    let mut sink = std::io::sink();
    let out: &mut dyn Write = if quiet { &mut sink } else { out };
    let mut errors_only = quiet::ErrorsOnly::new(err);
    let err: &mut dyn Write = if quiet {
        &mut errors_only
    } else {
        errors_only.inner()
    };
    let result = match cli.command {
        Command::Run { paths, seed } => run::run(&paths, seed, out, err),
        Command::Generate {
            paths,
            tenant,
            out: dir,
            to,
            seed,
            format,
            api,
            shard,
        } => generate::generate(
            &generate::Request {
                paths,
                tenant,
                dir: dir.unwrap_or_default(),
                seed,
                format: format.unwrap_or(if to.is_some() {
                    Format::EventHub
                } else {
                    Format::Graph
                }),
                to,
                api,
                shard,
                quiet,
            },
            out,
            err,
        ),
        Command::Convert(args) => convert::convert(&args, out, err),
        Command::Check { paths } => check::check(&paths, out, err),
        Command::Serve(args) => serve::serve(&args, out, err),
        Command::Verify(args) => verify::verify(&args, out, err),
        Command::Detect(args) => detect::detect(&args, out, err),
        Command::Query(args) => query::query(&args, out, err),
        Command::Explain(args) => explain::explain(&args, out, err),
        Command::Exercise(args) => exercise::exercise(&args, out, err),
        Command::Completions(args) => completions::completions(&args, out),
        Command::Report(args) => report::report(&args, out, err),
    };
    result.unwrap_or_else(|e| {
        // Only writing to the terminal can fail here; nothing more can be said.
        let _ = writeln!(err, "error: {e}");
        Exit::BadInput
    })
}
