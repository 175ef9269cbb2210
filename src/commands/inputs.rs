//! `fxsnap inputs`: the inputs recorded, newest first (`--failed`: the
//! fetches that gave no document).

use std::path::Path;

use crate::cli::InputsArgs;
use crate::error::Result;
use crate::export::{self, reading, reading::Reading};
use crate::store::Store;

pub fn run(db: &Path, args: &InputsArgs) -> Result<()> {
    let ask = Reading::Inputs { failed: args.failed, format: args.format.format() };
    reading::write(&Store::open_existing(db)?, &ask, crate::timespec::now(), &mut export::stdout())
}
