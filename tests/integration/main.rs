//! The one integration-test binary: CLI runs of the real binary, snapshots of generated records
//! and diagnostics, determinism.

mod cli;
mod diagnostics;
mod records;
mod server;
