//! Writing records out. Graph collection responses list the newest record first while the
//! simulator produces them oldest first, so records are spooled as they come (to a temporary
//! file once they outgrow memory) and written back in reverse: memory stays bounded by the
//! spool's index, 8 bytes a record.

mod graph_json;
mod spool;

pub use graph_json::{GraphExport, GraphExportSummary, collect_newest_first};
pub use spool::ReversingSpool;
