//! `fxsnap latest`: the newest observation of each series (and, with
//! `--cross`, the newest value each derived pair can be computed at).

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, quotes};
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let rows = query::latest::latest(&store, &sel)?;
    quotes::write_latest(&mut export::stdout(), args.format.format(), sel.cross, &rows)
}
