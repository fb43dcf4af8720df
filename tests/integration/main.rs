//! The one integration-test binary: CLI runs of the real binary, snapshots of generated records
//! and diagnostics, determinism.

mod audit_activities;
mod audit_every_activity;
mod audit_library;
mod cli;
mod cli_habits;
mod client;
mod convert;
mod coverage;
mod detect;
mod diagnostics;
mod exercise;
mod explain;
mod formats;
mod full_record;
mod identity_protection;
mod kql;
mod kql_differential;
mod library;
mod logs_query;
mod one_tenant;
mod real_clients;
mod records;
mod replicas;
mod report;
mod risk_expectations;
mod risk_policies;
mod sentinel;
mod serve_process;
mod served;
mod server;
mod shard;
mod skip_bad_records;
mod verify;
mod verify_cli;
