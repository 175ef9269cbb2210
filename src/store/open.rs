//! Opening a store: for writing (creating the file, its folders and the
//! schema, or upgrading an older one) or for reading (never a byte written;
//! read-only media opened as immutable), the pragmas every connection sets,
//! and database errors a user can act on.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::migrate::{self, Layout};
use super::Store;
use crate::error::{Error, Result};

/// How long a write waits for another fxsnap (an overlapping cron run) to finish.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(300);

impl Store {
    /// Opens the store for writing, creating the file, its folders and the
    /// schema on first use, and upgrading an older schema in one transaction.
    pub fn open_for_write(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create the folder {}", dir.display()), e))?;
        }
        if path.is_dir() {
            return Err(Error::Database { path: path.display().to_string(), message: "is a folder, not a database file".into() });
        }
        check_writable(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut store = Store::open_with(path, flags, true)?;
        // WAL first, as a new file's first step: the schema is then created
        // (or upgraded) by a WAL transaction, which concurrent first runs
        // wait for instead of deadlocking on the rollback journal's locks.
        // Only an fxsnap store (or an empty file) is switched: `layout`
        // refuses another program's file or a newer schema's untouched.
        store.layout()?;
        store.use_wal()?;
        store.migrate()?;
        store.version = migrate::SCHEMA_VERSION;
        Ok(store)
    }

    /// Opens an existing store for reading; never creates, upgrades or
    /// otherwise writes one (an empty file, left by a first ingest killed
    /// before its schema landed, reads as an empty store).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(Error::NoDatabase(path.display().to_string()));
        }
        if path.is_dir() {
            return Err(Error::Database { path: path.display().to_string(), message: "is a folder, not a database file".into() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut store = match Store::open_with(path, flags, false) {
            Ok(store) => store,
            // A database on read-only media, or in a folder this user cannot
            // write: reading needs no write access.
            Err(first) => match Store::open_read_only(path) {
                Ok(store) => store,
                Err(_) => return Err(first),
            },
        };
        store.version = match store.layout()? {
            Layout::Empty => {
                // An empty file is an empty store: given the schema as
                // temporary tables (outside the file), it reads as one.
                store.retry_busy(|c| c.execute_batch(&migrate::schema_as_temp()))?;
                migrate::SCHEMA_VERSION
            }
            Layout::Version(v) => v,
        };
        Ok(store)
    }

    /// Read-only access to a database whose folder this user cannot write
    /// (read-only media): with no `-wal` file beside it, every committed
    /// write is in the file itself, so it is opened as immutable (SQLite
    /// then needs no `-shm` file).
    fn open_read_only(path: &Path) -> Result<Store> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if Path::new(&wal).exists() {
            return Err(Error::Database {
                path: path.display().to_string(),
                message: "cannot be read: its folder is not writable and it has a -wal file".into(),
            });
        }
        let absolute = std::fs::canonicalize(path).map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        let mut uri = String::from("file:");
        for c in absolute.to_string_lossy().chars() {
            match c {
                '%' | '?' | '#' | ' ' => uri.push_str(&format!("%{:02X}", c as u32)),
                c => uri.push(c),
            }
        }
        uri.push_str("?immutable=1");
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags).map_err(|e| db_err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| db_err(path, e))?;
        let store = Store { conn, path: path.to_path_buf(), version: 0 };
        // Proves the file can be read, and is an fxsnap store, before a
        // command relies on it.
        store.layout()?;
        Ok(store)
    }

    fn open_with(path: &Path, flags: OpenFlags, for_write: bool) -> Result<Store> {
        let conn = Connection::open_with_flags(path, flags).map_err(|e| db_err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| db_err(path, e))?;
        // Query-planner stability: without it SQLite re-prepares a statement
        // whenever `series_id = ?` is rebound to a small integer, so every
        // reuse of a cached statement would re-parse and re-plan it.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(|e| db_err(path, e))?;
        // An input's transaction cycles through some 20 distinct statements
        // (series, observations, conflicts, rollups, inputs): rusqlite's
        // default cache of 16 would evict and re-prepare them on every row.
        conn.set_prepared_statement_cache_capacity(64);
        let store = Store { conn, path: path.to_path_buf(), version: 0 };
        // Reading the journal mode reads the file: a file SQLite cannot read
        // fails here, where the read-only fallback can take over.
        store.retry_busy(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)))?;
        if !for_write {
            // A reader refuses what is not an fxsnap store before anything else.
            store.layout()?;
        }
        store.retry_busy(|c| c.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"))?;
        Ok(store)
    }

    /// Switches the file to WAL (a writer's job: a reader leaves the
    /// journal mode as it found it).
    fn use_wal(&self) -> Result<()> {
        self.retry_busy(|c| {
            let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                let _: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            }
            Ok(())
        })
    }

    /// Runs `f`, retrying while another process holds a lock the busy handler
    /// cannot wait for (switching to WAL, creating the schema).
    pub(super) fn retry_busy<T>(&self, mut f: impl FnMut(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match f(&self.conn) {
                Ok(v) => return Ok(v),
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(db_err(&self.path, e)),
            }
        }
    }
}

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked))
}

/// An I/O error of SQLite's that happened writing (EFBIG past a file size
/// limit, EIO), not reading.
fn is_write_error(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi;
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(
        f.extended_code,
        ffi::SQLITE_IOERR_WRITE | ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_TRUNCATE | ffi::SQLITE_IOERR_DIR_FSYNC | ffi::SQLITE_IOERR_SHMSIZE
    ))
}

/// Refuses a database file that cannot be written (read-only file system,
/// permissions) with that reason; SQLite would only say "unable to open".
/// Called before SQLite opens the file: closing another descriptor of a file
/// would drop this process's POSIX locks on it.
fn check_writable(path: &Path) -> Result<()> {
    let probe = if path.exists() {
        std::fs::OpenOptions::new().write(true).open(path)
    } else {
        // Creating the empty file is what SQLite would do first; another
        // process creating it at the same moment is fine.
        match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            other => other,
        }
    };
    let message = match probe {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => "is on a read-only file system: cannot write to it".to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => format!("is read-only: cannot write to it ({e})"),
        Err(_) => return Ok(()), // SQLite says what else is wrong
    };
    Err(Error::Database { path: path.display().to_string(), message })
}

/// A database error with a message a user can act on.
pub fn db_err(path: &Path, e: rusqlite::Error) -> Error {
    let message = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "is not a database file (or is corrupted)".to_string(),
        Some(ErrorCode::DatabaseCorrupt) => format!("is corrupted ({e}); run `fxsnap check`"),
        Some(ErrorCode::ReadOnly) => "is read-only: cannot write to it".to_string(),
        Some(ErrorCode::DiskFull) => "the disk is full; nothing of this input was stored".to_string(),
        Some(ErrorCode::SystemIoFailure) if is_write_error(&e) => {
            format!("could not write to it ({e}: the disk may be full or failing, or the file too large for this system)")
        }
        Some(ErrorCode::CannotOpen) => format!("cannot be opened ({e})"),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            format!("stayed locked by another process for {} s", BUSY_TIMEOUT.as_secs())
        }
        _ => e.to_string(),
    };
    Error::Database { path: path.display().to_string(), message }
}
