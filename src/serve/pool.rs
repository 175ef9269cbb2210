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
use std::time::{Duration, SystemTime};

use crate::store::{ChangeStamp, Store};

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
    /// The WAL beside it (`DB-wal`).
    wal: PathBuf,
    idle: Mutex<(Option<FileId>, Vec<Store>)>,
}

impl Pool {
    pub(crate) fn new(db: &Path) -> Pool {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        Pool { db: db.to_path_buf(), wal: PathBuf::from(wal), idle: Mutex::new((None, Vec::new())) }
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

/// The store's files as stat(2) sees them: the database and its WAL (a
/// commit writes one of them, so it moves one's size or time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Files {
    pub db: FileId,
    wal: Option<(u64, i128)>,
}

impl Files {
    /// The newest modification time of the two, in nanoseconds since 1970.
    fn newest(&self) -> i128 {
        self.wal.map_or(self.db.mtime_ns, |(_, t)| t.max(self.db.mtime_ns))
    }
}

impl Pool {
    /// The files at the path now; None when there is no database file.
    pub(crate) fn files(&self) -> Option<Files> {
        let db = self.file_id().ok()?;
        let wal = std::fs::metadata(&self.wal).ok().map(|m| {
            let id = id_of(&m);
            (id.len, id.mtime_ns)
        });
        Some(Files { db, wal })
    }
}

/// A change stamp read from the store with its files as they were just
/// before. While the files stay exactly as they were, no write has
/// committed since, provided they had not been modified for a while when
/// looked at (file times are coarse: a write in the same tick could leave
/// a time as it was): then the stamp stands without asking SQLite.
#[derive(Default)]
pub(crate) struct StampWatch(Mutex<Option<Watched>>);

/// What `StampWatch` keeps: the files, when they were looked at (ns since
/// 1970), the stamp, and its Last-Modified as written once.
struct Watched {
    files: Files,
    looked: i128,
    stamp: ChangeStamp,
    last_modified: Option<String>,
}

/// How long the files must have been left alone for their look to vouch for the stamp.
const SETTLED: Duration = Duration::from_secs(2);

fn ns_since_epoch(t: SystemTime) -> i128 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0)
}

impl StampWatch {
    /// Records the stamp read after looking at `files` at `looked`, with
    /// its Last-Modified.
    pub(crate) fn record(&self, files: Files, looked: SystemTime, stamp: ChangeStamp, last_modified: Option<String>) {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *seen = Some(Watched { files, looked: ns_since_epoch(looked), stamp, last_modified });
    }

    /// The stamp and its Last-Modified, if the files are as they were when
    /// it was read and had been settled then.
    pub(crate) fn stamp(&self, files: Files) -> Option<(ChangeStamp, Option<String>)> {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let w = seen.as_ref()?;
        (w.files == files && files.newest() + SETTLED.as_nanos() as i128 <= w.looked).then(|| (w.stamp, w.last_modified.clone()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_stands_only_for_settled_unchanged_files() {
        let id = |len, mtime_ns| FileId { dev: 1, ino: 2, len, mtime_ns };
        let files = Files { db: id(4096, 1_000_000_000_000), wal: Some((8192, 1_000_000_000_000)) };
        let stamp = ChangeStamp { counter: 7, at_ms: 1_000_000 };
        let w = StampWatch::default();
        assert_eq!(w.stamp(files), None);
        // Looked at 3 s after the last modification: settled.
        w.record(files, SystemTime::UNIX_EPOCH + Duration::from_secs(1003), stamp, None);
        assert_eq!(w.stamp(files), Some((stamp, None)));
        let grown = Files { wal: Some((12288, 1_000_000_000_000)), ..files };
        assert_eq!(w.stamp(grown), None, "a WAL that grew");
        let touched = Files { wal: Some((8192, 1_000_500_000_000)), ..files };
        assert_eq!(w.stamp(touched), None, "a WAL written again at its size");
        // Looked at within the same second as the modification: not settled.
        w.record(files, SystemTime::UNIX_EPOCH + Duration::from_secs(1001), stamp, None);
        assert_eq!(w.stamp(files), None);
    }
}
