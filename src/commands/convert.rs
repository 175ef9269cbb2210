//! `fxsnap convert AMOUNT FROM TO`: a cross rate through USD (or `--via
//! CUR`); the rules are `crate::query::convert`'s. "Now" (`--at`'s default
//! and spans) is [`super::made_at`]: `SOURCE_DATE_EPOCH` fixes it.

use std::path::Path;

use crate::cli::ConvertArgs;
use crate::error::Result;
use crate::export::{self, reading, reading::Reading};
use crate::store::Store;

pub fn run(db: &Path, args: &ConvertArgs) -> Result<()> {
    let now = super::made_at()?;
    let ask = Reading::Convert { options: args.options(now)?, format: args.format.format() };
    reading::write(&Store::open_existing(db)?, &ask, now, &mut export::stdout())
}
