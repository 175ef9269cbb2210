//! `fxsnap conflicts`: the values that were not kept, so none is lost
//! silently.

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, conflicts};
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let (ask, format) = args.conflicts()?;
    let store = Store::open_existing(db)?;
    let views = ask.selection.resolve(&store)?;
    let rows = query::conflicts::conflicts(&store, &ask, &views)?;
    conflicts::write_conflicts(&mut export::stdout(), format, &rows)
}
