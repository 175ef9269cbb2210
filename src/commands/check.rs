//! `fxsnap check`: SQLite's integrity check plus the store's own invariants.

use std::path::Path;

use crate::error::{Error, Result};
use crate::store::Store;

pub fn run(db: &Path) -> Result<()> {
    let store = Store::open_existing(db)?;
    let problems = store.check()?;
    if problems.is_empty() {
        println!("{}: ok", db.display());
        return Ok(());
    }
    for p in &problems {
        eprintln!("fxsnap: {}: {p}", db.display());
    }
    Err(Error::CheckFailed(format!("{}: {} problem(s) found", db.display(), problems.len())))
}
