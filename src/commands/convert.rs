//! `fxsnap convert AMOUNT FROM TO`: a cross rate through USD (or `--via
//! CUR`); the rules are `crate::query::convert`'s. "Now" (`--at`'s default
//! and spans) is [`super::made_at`]: `SOURCE_DATE_EPOCH` fixes it.

use std::io::Write;
use std::path::Path;

use crate::cli::{ConvertArgs, ConvertFormatArg};
use crate::error::Result;
use crate::export::{self, convert};
use crate::query::{self, convert::ConvertOptions};
use crate::store::Store;

pub fn run(db: &Path, args: &ConvertArgs) -> Result<()> {
    let opts = args.options(super::made_at()?)?;
    write(&Store::open_existing(db)?, &opts, args.format, &mut export::stdout())
}

/// The conversion of typed options, written in `format` to `out`.
pub fn write(store: &Store, opts: &ConvertOptions, format: ConvertFormatArg, out: &mut dyn Write) -> Result<()> {
    let answer = query::convert::convert(store, opts)?;
    convert::write_conversion(out, format.format(), opts, &answer)
}
