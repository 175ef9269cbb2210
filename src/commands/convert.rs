//! `fxsnap convert` (being written).
use std::path::Path;
use crate::cli::ConvertArgs;
use crate::error::{Error, Result};
pub fn run(_db: &Path, _args: &ConvertArgs) -> Result<()> {
    Err(Error::Usage("convert is not available yet".into()))
}
