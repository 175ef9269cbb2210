//! One file per subcommand.

pub mod chart;
pub mod check;
pub mod completions;
pub mod config;
pub mod conflicts;
pub mod convert;
pub mod delete;
pub mod fetch;
pub mod history;
pub mod ingest;
pub mod inputs;
pub mod latest;
pub mod report;
pub mod serve;
pub mod stats;
