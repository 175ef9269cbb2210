//! `fxsnap stats`: per series over the selected range, the count, the first
//! and last observations, the minimum and maximum (with their times), the
//! change first→last in percent and the largest gap between observations
//! (the rules: `crate::query::stats`).

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, reading, reading::Reading};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let ask = Reading::Stats { selection: args.selection()?, format: args.format.format() };
    reading::write(&Store::open_existing(db)?, &ask, crate::timespec::now(), &mut export::stdout())
}
