//! The change stamp (schema version 4): one row that every committed write
//! moves, inside its own transaction, and nothing else touches. A reader
//! learns with one primary-key lookup whether the store changed since it
//! last looked (serve's ETag) and when it last changed (Last-Modified);
//! being a row, it is the same for every process and every connection,
//! which SQLite's per-connection `PRAGMA data_version` is not.

use rusqlite::{Connection, OptionalExtension};

use super::{db_err, Store};
use crate::error::Result;

/// The store's state of change: the number of committed writes since the
/// stamp was added, and the time of the latest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChangeStamp {
    pub counter: i64,
    /// Unix milliseconds of the latest write; 0 before any.
    pub at_ms: i64,
}

/// Moves the stamp: called inside a write transaction that changed
/// something, just before its commit (a rollback takes the move back too).
pub(super) fn bump(c: &Connection) -> rusqlite::Result<()> {
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let now_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
    // Never backwards, should the clock be: a later write has a later (or equal) time.
    c.execute("UPDATE stamp SET counter = counter + 1, at = max(at, ?1) WHERE id = 1", [now_ms])?;
    Ok(())
}

impl Store {
    /// The change stamp; None for a store older than version 4 read as it
    /// is (it gets one with its first write by this version).
    pub fn change_stamp(&self) -> Result<Option<ChangeStamp>> {
        if self.version < 4 {
            return Ok(None);
        }
        // Prepared once per connection: serve asks it on every request.
        self.conn
            .prepare_cached("SELECT counter, at FROM stamp WHERE id = 1")
            .and_then(|mut q| q.query_row([], |r| Ok(ChangeStamp { counter: r.get(0)?, at_ms: r.get(1)? })).optional())
            .map_err(|e| db_err(&self.path, e))
    }
}
