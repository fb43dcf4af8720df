//! A KQL engine over Entra logs: Sentinel's analytic rules and investigators' queries, run
//! offline on simulated or exported data.
//!
//! `text ─lexer─▶ tokens ─parser─▶ ast::Query ─engine (binder per operator)─▶ Table`
//!
//! - [`lexer`] and [`parser`] turn text into a syntax tree ([`ast`]); errors point at the
//!   offending token ([`KqlError::render`]). [`print`] writes a tree back as text that parses
//!   to the same tree.
//! - [`schema`] holds the Log Analytics tables (`SigninLogs`,
//!   `AADNonInteractiveUserSignInLogs`, `AuditLogs`) and the one adapter from records to
//!   rows, [`schema::la_row`].
//! - [`engine`] runs `let` statements and pipelines; for each operator the [`binder`]
//!   resolves names against the input's columns (unknown columns and functions are errors
//!   even on empty tables) and folds constants; [`operators`], [`join`] and [`expand`] apply
//!   the operators; [`functions`] and [`aggregate`] are the scalar and aggregation
//!   functions.
//!
//! Time is the data's: `now()` is the end of the data unless the caller gives a clock.
//! Evaluation is deterministic: groups, joins and sets keep first-seen order.

pub mod aggregate;
pub mod ast;
pub mod bind;
pub mod binder;
pub mod declared;
pub mod engine;
pub mod error;
mod expand;
pub mod functions;
mod groups;
mod join;
pub mod la_lines;
pub mod lexer;
pub mod load;
mod make_series;
pub mod naming;
mod operators;
pub mod parser;
pub mod print;
pub mod prune;
pub mod render;
pub mod schema;
mod split_read;
pub mod table;
pub mod value;
pub mod window;

pub use declared::EmptyTable;
pub use error::{ErrorKind, KqlError, Span};
pub use schema::Catalog;
pub use table::{Column, Table};
pub use value::{Type, Value};

/// Parses a query.
pub fn parse(text: &str) -> Result<ast::Query, KqlError> {
    parser::parse_query(text)
}

/// Runs a parsed query over `catalog`. `now` (100 ns ticks since the Unix epoch) is what
/// `now()` and `ago()` count from; by default the end of the data (the Unix epoch when there
/// is none).
pub fn execute(query: &ast::Query, catalog: &Catalog, now: Option<i64>) -> Result<Table, KqlError> {
    let now = now.or_else(|| catalog.end_of_data()).unwrap_or(0);
    engine::Engine::new(catalog, now).run(query)
}

/// Parses and runs a query.
pub fn run(text: &str, catalog: &Catalog, now: Option<i64>) -> Result<Table, KqlError> {
    execute(&parse(text)?, catalog, now)
}

#[cfg(test)]
mod tests;
