//! The one integration-test binary: CLI runs of the real binary, snapshots of generated records
//! and diagnostics, determinism.

mod audit_activities;
mod audit_library;
mod cli;
mod client;
mod convert;
mod coverage;
mod detect;
mod diagnostics;
mod formats;
mod full_record;
mod kql;
mod kql_differential;
mod library;
mod one_tenant;
mod real_clients;
mod records;
mod sentinel;
mod serve_process;
mod served;
mod server;
mod skip_bad_records;
mod verify;
mod verify_cli;
