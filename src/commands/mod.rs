//! One file per subcommand.

pub mod check;
pub mod conflicts;
pub mod history;
pub mod ingest;
pub mod latest;
