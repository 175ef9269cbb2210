//! `backup`: a consistent copy of the store while others write and read it
//! (SQLite's online backup API), and the check of a copy.
//!
//! The copy is taken in one step, inside one read transaction of the
//! source: in WAL mode that transaction sees one committed state and blocks
//! no writer, so the copy is that state whatever `fetch` or `ingest` commit
//! meanwhile (copied in several steps, SQLite would restart the copy at
//! every write of another process, and never finish under a steady writer).

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::open::{is_busy, BUSY_TIMEOUT};
use super::{db_err, Store};
use crate::error::{Error, Result};

/// What a copy holds, for the line `backup` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    /// Observations in the copy.
    pub observations: u64,
    /// The copy's size in bytes.
    pub bytes: u64,
}

impl Store {
    /// Copies the store's committed state into the new, empty file `dest`
    /// (which the caller made and later renames into place), as a plain
    /// rollback-journal database (one self-contained file, no `-wal` beside
    /// it), synced to disk.
    pub fn backup_into(&self, dest: &Path) -> Result<()> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut to = Connection::open_with_flags(dest, flags).map_err(|e| db_err(dest, e))?;
        {
            let backup = Backup::new(&self.conn, &mut to).map_err(|e| db_err(&self.path, e))?;
            let started = std::time::Instant::now();
            loop {
                // -1: every page in one step, so one read transaction of the source.
                match backup.step(-1) {
                    Ok(StepResult::Done) => break,
                    Ok(StepResult::More) => {}
                    Ok(StepResult::Busy | StepResult::Locked) if started.elapsed() < BUSY_TIMEOUT => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Ok(_) => {
                        return Err(Error::Database {
                            path: self.path.display().to_string(),
                            message: format!("stayed locked by another process for {} s", BUSY_TIMEOUT.as_secs()),
                        })
                    }
                    Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => std::thread::sleep(Duration::from_millis(50)),
                    Err(e) => return Err(db_err(dest, e)),
                }
            }
        }
        // The copy of a WAL store is marked WAL too; a backup is one file.
        let _: String = to.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0)).map_err(|e| db_err(dest, e))?;
        to.close().map_err(|(_, e)| db_err(dest, e))?;
        let file = std::fs::File::open(dest).map_err(|e| Error::io(format!("cannot open {}", dest.display()), e))?;
        file.sync_all().map_err(|e| Error::io(format!("cannot sync {}", dest.display()), e))?;
        Ok(())
    }

    /// Checks a copy `backup_into` wrote: SQLite's integrity check finds
    /// nothing, and it opens as an fxsnap store. What it holds.
    pub fn check_copy(path: &Path) -> Result<Copied> {
        let store = Store::open_existing(path)?;
        let problems = store.integrity_findings()?;
        if let Some(first) = problems.first() {
            return Err(Error::Database { path: path.display().to_string(), message: format!("the copy fails its check: {first}") });
        }
        let observations: i64 = store.conn.query_row("SELECT count(*) FROM observation", [], |r| r.get(0)).map_err(|e| db_err(path, e))?;
        drop(store);
        let bytes = std::fs::metadata(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?.len();
        Ok(Copied { observations: observations as u64, bytes })
    }
}
