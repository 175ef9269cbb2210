//! `fxsnap conflicts`: the values that were not kept, so none is lost
//! silently.

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, reading, reading::Reading};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let (listing, format) = args.conflicts()?;
    let ask = Reading::Conflicts { listing, format };
    reading::write(&Store::open_existing(db)?, &ask, crate::timespec::now(), &mut export::stdout())
}
