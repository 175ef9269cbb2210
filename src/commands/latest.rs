//! `fxsnap latest`: the newest observation of each series (and, with
//! `--cross`, the newest value each derived pair can be computed at), with
//! its age: from [`super::made_at`], so `SOURCE_DATE_EPOCH` fixes it.

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, reading, reading::Reading};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let ask = Reading::Latest { selection: args.selection()?, format: args.format.format() };
    reading::write(&Store::open_existing(db)?, &ask, super::made_at()?, &mut export::stdout())
}
