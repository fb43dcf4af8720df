//! The one integration-test binary: CLI runs of the real binary, snapshots of generated records
//! and diagnostics, determinism.

mod cli;
mod client;
mod detect;
mod diagnostics;
mod formats;
mod kql;
mod library;
mod real_clients;
mod records;
mod served;
mod server;
mod verify;
mod verify_cli;
