//! The schema ladder. `schema.sql` (top level) is the full current schema:
//! a new database gets it in one go. An older database climbs the ladder,
//! one numbered step per version, all in one transaction, so a crash leaves
//! it at its old version or at the new one, never between. Step 1 is the
//! version-1 schema itself (kept verbatim in `migrations/v1.sql`), so that
//! a test can build a database by the ladder and compare it with
//! `schema.sql` built fresh.

use super::Store;
use crate::error::{Error, Result};

/// The full current schema, applied to a new database.
pub(super) const SCHEMA: &str = include_str!("../../schema.sql");
/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = 4;
/// `PRAGMA application_id` of an fxsnap store ("FXS1"); version-1 files,
/// made before it was set, have 0 and are recognized by their tables.
pub(super) const APPLICATION_ID: i64 = 0x4658_5331;

/// The steps of the ladder: step `n` takes a database from version `n - 1`
/// to version `n`.
pub(super) const STEPS: &[(i64, &str)] = &[
    (1, include_str!("migrations/v1.sql")),
    (2, include_str!("migrations/v2.sql")),
    (3, include_str!("migrations/v3.sql")),
    (4, include_str!("migrations/v4.sql")),
];

/// The rollup width that step 3 added (its rows are folded from the
/// observations, after the step's SQL).
pub(super) const STEP_3_WIDTH: i64 = 21_600;

/// The tables version 1 had: how a version-1 file (application_id 0) is
/// told from another program's database.
const V1_TABLES: [&str; 4] = ["series", "observation", "conflict", "rollup"];

/// What an opened file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// No tables at all: a new file (or a first ingest killed before its schema landed).
    Empty,
    /// An fxsnap store of this version or an older one the ladder knows.
    Version(i64),
}

/// The schema as temporary tables: what a reader of an empty file reads
/// (temporary tables live outside the file, so nothing is written to it).
pub(super) fn schema_as_temp() -> String {
    SCHEMA.replace("CREATE TABLE ", "CREATE TEMP TABLE ")
}

impl Store {
    /// What the file holds; an error for another program's database, a
    /// newer schema, or a version the ladder does not know.
    pub(super) fn layout(&self) -> Result<Layout> {
        // One statement, so one snapshot: read as three, another fxsnap
        // creating the schema could commit between them, and its tables
        // would be seen beside a version still 0 (another program's file).
        let (v, app, tables) = self.retry_busy(|c| {
            c.query_row(
                "SELECT (SELECT user_version FROM pragma_user_version()), (SELECT application_id FROM pragma_application_id()), \
                        (SELECT group_concat(name, char(9)) FROM sqlite_master WHERE type = 'table')",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?)),
            )
        })?;
        let tables: Vec<String> = tables.map(|t| t.split('\t').map(str::to_string).collect()).unwrap_or_default();
        let not_ours =
            |why: &str| Error::Database { path: self.path.display().to_string(), message: format!("is not an fxsnap database ({why})") };
        if app != 0 && app != APPLICATION_ID {
            return Err(not_ours(&format!("its application_id is {app:#x}")));
        }
        if v > SCHEMA_VERSION {
            return Err(Error::Database {
                path: self.path.display().to_string(),
                message: format!("has schema version {v}, newer than this fxsnap understands ({SCHEMA_VERSION}); upgrade fxsnap"),
            });
        }
        match v {
            0 if tables.is_empty() && app == 0 => Ok(Layout::Empty),
            0 if tables.is_empty() => Err(not_ours("no schema")),
            0 => Err(not_ours("it has other tables")),
            1 if V1_TABLES.iter().all(|t| tables.iter().any(|n| n == t)) => Ok(Layout::Version(1)),
            1 => Err(not_ours("version 1 without the tables of version 1")),
            v if v > 1 && app == APPLICATION_ID => Ok(Layout::Version(v)),
            v => Err(Error::Database {
                path: self.path.display().to_string(),
                message: format!("has schema version {v}, which no fxsnap ever wrote: refused"),
            }),
        }
    }

    /// Creates the schema in a new database, or climbs the ladder from an
    /// older version, in one `BEGIN IMMEDIATE` transaction.
    pub(super) fn migrate(&self) -> Result<()> {
        if self.layout()? == Layout::Version(SCHEMA_VERSION) {
            return Ok(());
        }
        self.retry_busy(|c| {
            c.execute_batch("BEGIN IMMEDIATE")?;
            // Looked at again inside the transaction: another fxsnap may
            // have created or upgraded it meanwhile.
            let r = match self.layout() {
                Ok(Layout::Empty) => c.execute_batch(SCHEMA).map(|_| Ok(())),
                Ok(Layout::Version(v)) => climb(c, v).map(|_| Ok(())),
                Err(e) => Ok(Err(e)),
            };
            let r = r.and_then(|inner| match inner {
                Ok(()) => {
                    c.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}; PRAGMA application_id = {APPLICATION_ID};"))?;
                    super::stamp::bump(c)?;
                    c.execute_batch("COMMIT").map(|_| Ok(()))
                }
                Err(e) => Ok(Err(e)),
            });
            if !matches!(r, Ok(Ok(()))) {
                let _ = c.execute_batch("ROLLBACK");
            }
            r
        })?
    }
}

/// Runs every step above version `from`.
fn climb(c: &rusqlite::Connection, from: i64) -> rusqlite::Result<()> {
    for (n, sql) in STEPS {
        if *n > from {
            c.execute_batch(sql)?;
            if *n == 3 {
                super::rollup::fold_width(c, STEP_3_WIDTH)?;
            }
        }
    }
    Ok(())
}
