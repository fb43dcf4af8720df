//! OData as Graph does it for the audit log APIs: `$filter` (parser, binder, evaluator), the
//! query options, and opaque `$skiptoken` cursors. Free of HTTP: the server hands it the raw
//! query string.

mod ast;
mod filter;
mod lexer;
mod parser;
mod query;
mod risk_schema;
mod schema;

pub use filter::Filter;
pub use query::{Cursor, MAX_PAGE_SIZE, Order, QueryError, QueryOptions, decode_component};
pub use risk_schema::{RISK_DETECTION, RISKY_USER, RISKY_USER_HISTORY};
pub use schema::{DIRECTORY_AUDIT, Entity, Kind, Prop, SIGN_IN, SIGN_IN_BETA, Schema, Val};

/// Why a `$filter` was refused. Graph answers every such case with `Invalid filter clause`;
/// `detail` says what was wrong, for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid filter clause: {detail}")]
pub struct FilterError {
    pub detail: String,
    /// Byte offset in the filter text.
    pub position: Option<usize>,
}

impl FilterError {
    pub fn at(position: usize, detail: impl Into<String>) -> Self {
        FilterError {
            detail: format!("{} (at character {})", detail.into(), position + 1),
            position: Some(position),
        }
    }
}
