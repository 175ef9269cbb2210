//! `fxsnap backup FILE` (DESIGN "Operations (v4)"): a consistent copy of the
//! store while `fetch` writes and `serve` reads it, written beside FILE,
//! checked, then renamed into place. A failure leaves FILE as it was and
//! nothing beside it.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cli::BackupArgs;
use crate::error::{Error, Result};
use crate::store::Store;

pub fn run(db: &Path, args: &BackupArgs) -> Result<()> {
    let file = &args.file;
    let copied = backup(db, file)?;
    if !args.quiet {
        eprintln!(
            "fxsnap: {} backed up to {}: {} observations, {} bytes, checked",
            db.display(),
            file.display(),
            copied.observations,
            copied.bytes
        );
    }
    Ok(())
}

/// The copy of `db` at `file`, checked; on failure `file` is untouched.
fn backup(db: &Path, file: &Path) -> Result<crate::store::Copied> {
    let cannot = |why: String| Error::Invalid(format!("cannot write the backup {}: {why}", file.display()));
    let name = file.file_name().ok_or_else(|| cannot("not a file name".into()))?;
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(cannot(format!("the folder {} does not exist", dir.display())));
    }
    if file.is_dir() {
        return Err(cannot("it is a folder".into()));
    }
    if file.exists() {
        if same_file(file, db) {
            return Err(Error::Usage(format!("the backup {} is the store itself: name another file", file.display())));
        }
        if !is_sqlite_or_empty(file) {
            return Err(cannot("it exists and is not an SQLite database (a backup replaces only a database)".into()));
        }
    }
    // Opened before the temporary file exists: a missing store writes nothing.
    let store = Store::open_existing(db)?;
    let tmp = temporary(&dir, name).map_err(|e| cannot(e.to_string()))?;
    store.backup_into(&tmp.0).map_err(|e| naming(e, &tmp.0, file))?;
    drop(store);
    let copied = Store::check_copy(&tmp.0).map_err(|e| naming(e, &tmp.0, file))?;
    std::fs::rename(&tmp.0, file).map_err(|e| cannot(e.to_string()))?;
    tmp.keep();
    // The rename itself on disk.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(copied)
}

/// A new, empty `.FILE.backup-PID-N.tmp` beside FILE (N past any left by a
/// run that was killed with the same process id).
fn temporary(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<Temp> {
    let mut n = 0;
    loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".backup-{}-{n}.tmp", std::process::id()));
        let path = dir.join(tmp_name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(_) => return Ok(Temp(path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// An error about the temporary file, told of the backup it becomes.
fn naming(e: Error, tmp: &Path, file: &Path) -> Error {
    match e {
        Error::Database { message, .. } => Error::Database { path: file.display().to_string(), message },
        Error::Io { source, .. } => Error::io(format!("cannot write the backup {}", file.display()), source),
        other => Error::Invalid(format!(
            "cannot write the backup {}: {}",
            file.display(),
            other.to_string().replace(&tmp.display().to_string(), "it")
        )),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// An existing FILE a backup may replace: an SQLite database (a former
/// backup) or an empty file.
fn is_sqlite_or_empty(file: &Path) -> bool {
    let mut head = Vec::with_capacity(16);
    match std::fs::File::open(file) {
        Ok(f) => f.take(16).read_to_end(&mut head).is_ok() && (head.is_empty() || head == b"SQLite format 3\0"),
        Err(_) => false,
    }
}

/// The temporary copy, removed (with any journal SQLite left beside it)
/// unless it was renamed into place.
struct Temp(PathBuf);

impl Temp {
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.0.as_os_str().is_empty() {
            return;
        }
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
