//! `fxsnap convert AMOUNT FROM TO`: a cross rate through USD (or `--via
//! CUR`); the rules are `crate::query::convert`'s. "Now" (`--at`'s default
//! and spans) is [`super::made_at`]: `SOURCE_DATE_EPOCH` fixes it.

use std::path::Path;

use crate::cli::ConvertArgs;
use crate::error::Result;
use crate::export::{self, convert};
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &ConvertArgs) -> Result<()> {
    let opts = args.options(super::made_at()?)?;
    let store = Store::open_existing(db)?;
    let answer = query::convert::convert(&store, &opts)?;
    convert::write_conversion(&mut export::stdout(), args.format.format(), &opts, &answer)
}
