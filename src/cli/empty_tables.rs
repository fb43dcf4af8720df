//! `--empty-table`, shared by the commands that run KQL (query) or Sentinel rules (detect,
//! verify, report): see [`crate::kql::declared`].

use crate::kql::EmptyTable;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct EmptyTables {
    /// A table your workspace has but entralab does not produce, declared present and empty
    /// so that queries and rules joining it run (e.g. Defender for Endpoint's DeviceInfo):
    /// 'NAME(COLUMN:TYPE, ...)'. Repeat for more.
    #[arg(long = "empty-table", value_name = "NAME(COLUMN:TYPE,...)", value_parser = EmptyTable::parse)]
    pub empty_tables: Vec<EmptyTable>,
}
