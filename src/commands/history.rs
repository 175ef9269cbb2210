//! `fxsnap history`: observations in a range, ordered by time then pair.

use std::path::Path;

use crate::cli::{HistoryFormatArg, ReadArgs};
use crate::error::Result;
use crate::export::{self, quotes};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs<HistoryFormatArg>) -> Result<()> {
    let (ask, format) = args.history()?;
    quotes::write_history(&mut export::stdout(), format, &Store::open_existing(db)?, &ask)
}
