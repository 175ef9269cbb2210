//! `fxsnap conflicts`: the values that were not kept, so none is lost
//! silently.

use std::io::Write;
use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, conflicts, Format};
use crate::query::{self, Listing};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let (ask, format) = args.conflicts()?;
    write(&Store::open_existing(db)?, &ask, format, &mut export::stdout())
}

/// The values not kept for a typed listing, written in `format` to `out`.
pub fn write(store: &Store, ask: &Listing, format: Format, out: &mut dyn Write) -> Result<()> {
    let views = ask.selection.resolve(store)?;
    let rows = query::conflicts::conflicts(store, ask, &views)?;
    conflicts::write_conflicts(out, format, &rows)
}
