//! `fxsnap stats`: per series over the selected range, the count, the first
//! and last observations, the minimum and maximum (with their times), the
//! change first→last in percent and the largest gap between observations
//! (the rules: `crate::query::stats`).

use std::io::Write;
use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, stats, Format};
use crate::query;
use crate::selection::Selection;
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    write(&Store::open_existing(db)?, &sel, args.format.format(), &mut export::stdout())
}

/// The rows for a typed selection, written in `format` to `out`.
pub fn write(store: &Store, sel: &Selection, format: Format, out: &mut dyn Write) -> Result<()> {
    let rows = query::stats::stats(store, sel)?;
    stats::write_stats(out, format, sel.cross, &rows)
}
