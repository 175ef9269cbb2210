//! `fxsnap inputs`: the inputs recorded, newest first (`--failed`: the
//! fetches that gave no document).

use std::path::Path;

use crate::cli::InputsArgs;
use crate::error::Result;
use crate::export::{self, inputs};
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &InputsArgs) -> Result<()> {
    let store = Store::open_existing(db)?;
    let format = args.format.format();
    if args.failed {
        return inputs::write_failed(&mut export::stdout(), format, &query::inputs::failed_fetches(&store)?);
    }
    inputs::write_inputs(&mut export::stdout(), format, &query::inputs::inputs(&store)?)
}
