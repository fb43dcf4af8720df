//! entralab: Microsoft Entra ID sign-in and audit logs without a tenant.
//!
//! A YAML scenario ([`scenario`]) is simulated ([`sim`]) into Graph-faithful records
//! ([`graph`]) that are written out ([`export`]) or shown to people ([`cli`]).

pub mod catalog;
pub mod cli;
pub mod client;
pub mod detect;
pub mod exercise;
pub mod exit;
pub mod explain;
pub mod export;
pub mod graph;
pub mod kql;
pub mod logfiles;
pub mod odata;
pub mod report;
mod same_bytes;
pub mod scenario;
pub mod server;
pub mod sim;
pub mod store;
pub mod stream;
pub mod verify;
