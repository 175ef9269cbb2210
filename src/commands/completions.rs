//! `fxsnap completions` and `fxsnap man` (being written).
use crate::error::{Error, Result};
pub fn completions(_shell: clap_complete::Shell) -> Result<()> {
    Err(Error::Usage("completions are not available yet".into()))
}
pub fn man() -> Result<()> {
    Err(Error::Usage("man is not available yet".into()))
}
