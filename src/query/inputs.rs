//! The inputs recorded, newest first, and the fetches that gave no document
//! (`fxsnap inputs`, `--failed`).

use crate::error::Result;
use crate::store::{FetchFailure, InputRecord, Store};

/// The inputs recorded, newest (latest ingested) first; none in a version-1 store.
pub fn inputs(store: &Store) -> Result<Vec<InputRecord>> {
    store.inputs()
}

/// The fetches that gave no document, newest first.
pub fn failed_fetches(store: &Store) -> Result<Vec<FetchFailure>> {
    store.failed_fetches()
}
