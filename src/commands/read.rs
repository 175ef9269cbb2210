//! The reading commands, `latest`, `history`, `stats`, `convert`,
//! `conflicts` and `inputs`: the typed options `cli` makes of the command
//! line (`Command::reading`), answered by `export::reading` on standard
//! output, the code serve's `/api/` runs into memory. "Now" (latest's ages,
//! convert's `--at` default and spans) is [`super::made_at`], so
//! `SOURCE_DATE_EPOCH` fixes it. The rules of each answer are its `query`
//! file's (`crate::query::stats` for stats' change and gap, ...).

use std::path::Path;

use crate::cli::Command;
use crate::error::Result;
use crate::export::{self, reading};
use crate::store::Store;

/// Answers a reading command from the store at `db` (opened read-only, after
/// the options are known good).
pub fn run(db: &Path, command: &Command) -> Result<()> {
    let now = super::made_at()?;
    let ask = command.reading(now)?;
    reading::write(&Store::open_existing(db)?, &ask, now, &mut export::stdout())
}
