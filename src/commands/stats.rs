//! `fxsnap stats` (being written).
use std::path::Path;
use crate::cli::ReadArgs;
use crate::error::{Error, Result};
pub fn run(_db: &Path, _args: &ReadArgs) -> Result<()> {
    Err(Error::Usage("stats is not available yet".into()))
}
