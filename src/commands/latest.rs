//! `fxsnap latest`: the newest observation of each series (and, with
//! `--cross`, the newest value each derived pair can be computed at), with
//! its age: from [`super::made_at`], so `SOURCE_DATE_EPOCH` fixes it.

use std::io::Write;
use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, quotes, Format};
use crate::model::Instant;
use crate::query;
use crate::selection::Selection;
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    write(&Store::open_existing(db)?, &sel, args.format.format(), super::made_at()?, &mut export::stdout())
}

/// The rows for a typed selection, written in `format` to `out`, their
/// ages counted from `now`.
pub fn write(store: &Store, sel: &Selection, format: Format, now: Instant, out: &mut dyn Write) -> Result<()> {
    let rows = query::latest::latest(store, sel)?;
    quotes::write_latest(out, format, sel.cross, &rows, now)
}
