//! The Graph client: a client-credentials token from the login host, then the audit log
//! collections page by page through `@odata.nextLink`, honouring `Retry-After` and retrying
//! transient failures. The same code reads the entralab mock and a live tenant.
//!
//! Blocking (reqwest's blocking client): use it from a plain thread, or from
//! `tokio::task::spawn_blocking` inside a runtime. The client secret and access tokens never
//! appear in `Debug` output, errors or log lines.

mod config;
mod error;
mod graph_client;
mod retry;
mod token;

pub use config::{
    ClientConfig, GRAPH_SCOPE, LogHook, PUBLIC_AUTHORITY, PUBLIC_GRAPH_BASE, RetryPolicy, Secret,
};
pub use error::ClientError;
pub use graph_client::{GraphClient, ListStats, LogKind};
pub use retry::parse_retry_after;
