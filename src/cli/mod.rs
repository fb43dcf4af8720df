//! The command line: argument parsing, human output, exit codes.

mod builtin;
mod check;
mod convert;
mod detect;
mod generate;
mod inputs;
mod query;
mod risk_explain;
mod risk_sources;
mod run;
mod serve;
mod sources;
mod verify;

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
    about = "Microsoft Entra ID sign-in and audit logs without a tenant"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios and show, as a timeline, what Entra ID would log and why.
    ///
    /// Without PATH, runs the reference labs built into entralab.
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
    Generate {
        /// Scenario files, or folders of them, that describe one tenant (or pick one with
        /// --tenant).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The tenant to write (id or domain) when the files describe several.
        #[arg(long, value_name = "ID|DOMAIN")]
        tenant: Option<String>,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Run with this seed instead of the scenario's own.
        #[arg(long)]
        seed: Option<u64>,
        /// The files to write.
        #[arg(long, value_enum, default_value_t = Format::Graph)]
        format: Format,
        /// The Graph version `graph` and `ndjson` write: v1.0 (its properties only) or beta
        /// (every property: authenticationRequirement, authenticationDetails, ...).
        #[arg(long, value_enum, default_value_t = ApiVersion::V1)]
        api: ApiVersion,
    },
    /// Serve scenarios as tenants of a mock Microsoft Graph (token endpoint and audit log
    /// APIs) that Graph clients use unchanged but for the base URL.
    Serve(serve::ServeArgs),
    /// Check scenarios' expectations against the mock (default), a live tenant, or log files.
    Verify(verify::VerifyArgs),
    /// Run Sigma rules (azure signinlogs/auditlogs) over simulated scenarios: per rule,
    /// whether it fired, how often, and on which records.
    Detect(detect::DetectArgs),
    /// Run a KQL query (Log Analytics tables SigninLogs, AADNonInteractiveUserSignInLogs,
    /// AuditLogs) over simulated scenarios or exported log files.
    Query(query::QueryArgs),
    /// Rewrite exported log files (Graph JSON, NDJSON, Event Hub, Log Analytics JSON/CSV) in
    /// one export format into DIR, oldest first.
    Convert(convert::ConvertArgs),
    /// Validate scenarios without simulating them.
    Check {
        /// Scenario files, or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// Runs a parsed command line, writing to `out` and `err`.
pub fn execute(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let result = match cli.command {
        Command::Run { paths, seed } => run::run(&paths, seed, out, err),
        Command::Generate {
            paths,
            tenant,
            out: dir,
            seed,
            format,
            api,
        } => generate::generate(
            &generate::Request {
                paths,
                tenant,
                dir,
                seed,
                format,
                api,
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
    };
    result.unwrap_or_else(|e| {
        // Only writing to the terminal can fail here; nothing more can be said.
        let _ = writeln!(err, "error: {e}");
        Exit::BadInput
    })
}
