//! A small pool of read-only stores, each opened by `Store::open_existing`
//! (which never writes) and used from blocking tasks, one request at a time.
//!
//! The pool belongs to one file: its device, inode, size and modification
//! time when the stores were opened. When the path names another file (the
//! store replaced), is gone (deleted) or changed under SQLite's feet
//! (truncated, checkpointed), the idle stores are dropped and fresh ones
//! opened, so no answer comes from a file that is no longer the store.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::store::Store;

/// What identifies the file the pooled stores read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileId {
    pub dev: u64,
    pub ino: u64,
    len: u64,
    mtime_ns: i128,
}

/// Why no store can answer now: the message of a 503.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unavailable(pub String);

/// Idle stores kept for the next requests; more are opened when all are busy.
const MAX_IDLE: usize = 16;

pub(crate) struct Pool {
    db: PathBuf,
    idle: Mutex<(Option<FileId>, Vec<Store>)>,
}

impl Pool {
    pub(crate) fn new(db: &Path) -> Pool {
        Pool { db: db.to_path_buf(), idle: Mutex::new((None, Vec::new())) }
    }

    /// The file at the path now, or why there is none to read.
    pub(crate) fn file_id(&self) -> Result<FileId, Unavailable> {
        let meta = match std::fs::metadata(&self.db) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Unavailable(format!("no store at {} yet", self.db.display())));
            }
            Err(e) => return Err(Unavailable(format!("the store at {} cannot be read: {e}", self.db.display()))),
        };
        if meta.is_dir() {
            return Err(Unavailable(format!("the store at {} is a folder, not a database file", self.db.display())));
        }
        if meta.len() == 0 {
            return Err(Unavailable(format!("the store at {} is empty (no schema yet)", self.db.display())));
        }
        Ok(id_of(&meta))
    }

    /// A store reading the file at the path now, with that file's id.
    pub(crate) fn take(&self) -> Result<(Store, FileId), Unavailable> {
        let id = self.file_id()?;
        {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.0 == Some(id) {
                if let Some(store) = idle.1.pop() {
                    return Ok((store, id));
                }
            } else {
                *idle = (Some(id), Vec::new());
            }
        }
        let store = Store::open_existing(&self.db).map_err(|e| Unavailable(e.to_string()))?;
        // Opened between two looks at the same file (same device and inode; a
        // checkpoint meanwhile changes only its size and time): it is that file.
        match self.file_id() {
            Ok(again) if (again.dev, again.ino) == (id.dev, id.ino) => Ok((store, again)),
            Ok(_) => Err(Unavailable(format!("the store at {} was replaced while it was opened; try again", self.db.display()))),
            Err(e) => Err(e),
        }
    }

    /// Gives a store back after a request that read it without a database
    /// error, unless the file changed meanwhile.
    pub(crate) fn give_back(&self, store: Store, id: FileId) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.0 == Some(id) && idle.1.len() < MAX_IDLE {
            idle.1.push(store);
        }
    }
}

#[cfg(unix)]
fn id_of(meta: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    FileId {
        dev: meta.dev(),
        ino: meta.ino(),
        len: meta.len(),
        mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
    }
}

#[cfg(not(unix))]
fn id_of(meta: &std::fs::Metadata) -> FileId {
    let mtime_ns =
        meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as i128).unwrap_or(0);
    FileId { dev: 0, ino: 0, len: meta.len(), mtime_ns }
}
