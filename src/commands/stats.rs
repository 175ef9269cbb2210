//! `fxsnap stats`: per series over the selected range, the count, the first
//! and last observations, the minimum and maximum (with their times), the
//! change first→last in percent and the largest gap between observations
//! (the rules: `crate::query::stats`).

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, stats};
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let rows = query::stats::stats(&store, &sel)?;
    stats::write_stats(&mut export::stdout(), args.format.format(), sel.cross, &rows)
}
