//! `fxsnap inputs`: the inputs recorded, newest first (`--failed`: the
//! fetches that gave no document).

use std::io::Write;
use std::path::Path;

use crate::cli::InputsArgs;
use crate::error::Result;
use crate::export::{self, inputs};
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &InputsArgs) -> Result<()> {
    write(&Store::open_existing(db)?, args, &mut export::stdout())
}

/// The inputs (or, `--failed`, the failed fetches), written to `out`.
pub fn write(store: &Store, args: &InputsArgs, out: &mut dyn Write) -> Result<()> {
    let format = args.format.format();
    if args.failed {
        return inputs::write_failed(out, format, &query::inputs::failed_fetches(store)?);
    }
    inputs::write_inputs(out, format, &query::inputs::inputs(store)?)
}
