//! Writing the report's folder so that a reader never sees half of it.
//!
//! The files are written into a temporary folder beside the target
//! (`.NAME.tmp-PID`), each synced, the folder synced; then the two folders
//! are swapped in one step with `renameat2(RENAME_EXCHANGE)` (Linux), so
//! `DIR/index.html` names the old file or the new one at every instant, never
//! nothing; the old report, now in the temporary name, is removed. Where the
//! exchange is not available the old folder is renamed aside first
//! (`.NAME.old-PID`) and the new one renamed into place: a window of a few
//! microseconds without `DIR`. A first run simply renames. Any failure
//! before the swap removes the temporary folder and leaves the previous
//! report as it was.
//!
//! A folder that is there, not empty and not an earlier report (no
//! [`MARKER`] file) is never replaced: `-o ~` must not delete a home folder.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file that says a folder is a report fxsnap wrote and may replace.
pub const MARKER: &str = ".fxsnap-report";

/// One file of the report: its name inside the folder and its bytes.
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Replaces `dir` with a folder holding exactly `files` (plus [`MARKER`]), atomically.
pub fn replace_dir(dir: &Path, files: &[ReportFile]) -> Result<()> {
    let (parent, name) = split(dir)?;
    check_replaceable(dir)?;
    remove_leftovers(&parent, &name);
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let io_err = |what: &str, p: &Path, e: io::Error| Error::io(format!("report: cannot {what} {}", p.display()), e);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| io_err("remove", &tmp, e))?;
    }
    fs::create_dir(&tmp).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => Error::io(
            format!(
                "report: cannot write in {}: the report is built beside {} (in {}) and renamed into place, so that folder must be writable",
                parent.display(),
                dir.display(),
                tmp.display()
            ),
            e,
        ),
        _ => io_err("create", &tmp, e),
    })?;
    let built = write_files(&tmp, files);
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Err(e) = swap_into_place(&tmp, dir, &parent, &name, pid) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    sync_dir(&parent).map_err(|e| io_err("sync", &parent, e))?;
    Ok(())
}

/// The folder's parent (`.` for a bare name) and its own name.
fn split(dir: &Path) -> Result<(PathBuf, String)> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .ok_or_else(|| Error::Usage(format!("-o {}: give a folder name (not `.`, `..` or `/`)", dir.display())))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::invalid(format!("-o {}: the folder {} does not exist", dir.display(), parent.display())));
    }
    Ok((parent, name.to_string()))
}

/// `dir` may be replaced when it is missing, empty, or an earlier report.
fn check_replaceable(dir: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("report: cannot read {}", dir.display()), e)),
    };
    if !meta.is_dir() {
        return Err(Error::invalid(format!("-o {}: is not a folder (a report is a folder with index.html in it)", dir.display())));
    }
    if dir.join(MARKER).is_file() {
        return Ok(());
    }
    let mut entries = fs::read_dir(dir).map_err(|e| Error::io(format!("report: cannot read {}", dir.display()), e))?;
    if entries.next().is_some() {
        return Err(Error::invalid(format!(
            "-o {}: the folder has files and is not an fxsnap report (no {MARKER}): refusing to replace it",
            dir.display()
        )));
    }
    Ok(())
}

fn write_files(tmp: &Path, files: &[ReportFile]) -> Result<()> {
    let marker = ReportFile { name: MARKER.into(), bytes: b"written by fxsnap report; this folder is replaced as a whole\n".to_vec() };
    for f in files.iter().chain(std::iter::once(&marker)) {
        if f.name.contains(['/', '\\']) || f.name.starts_with('.') && f.name != MARKER {
            return Err(Error::invalid(format!("report: file name {:?} is not a plain name", f.name)));
        }
        let path = tmp.join(&f.name);
        let write = || -> io::Result<()> {
            let mut file = File::create(&path)?;
            file.write_all(&f.bytes)?;
            file.sync_all()
        };
        write().map_err(|e| Error::io(format!("report: cannot write {}", path.display()), e))?;
    }
    sync_dir(tmp).map_err(|e| Error::io(format!("report: cannot sync {}", tmp.display()), e))
}

/// Puts the finished `tmp` at `dir` and removes the old report.
fn swap_into_place(tmp: &Path, dir: &Path, parent: &Path, name: &str, pid: u32) -> Result<()> {
    let io_err = |what: &str, e: io::Error| Error::io(format!("report: cannot {what} {}", dir.display()), e);
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(tmp, dir).map_err(|e| io_err("create", e));
    }
    match exchange(tmp, dir) {
        Ok(()) => {
            // `tmp` now holds the old report.
            fs::remove_dir_all(tmp).map_err(|e| io_err("remove the old report from", e))
        }
        Err(_) => {
            let old = parent.join(format!(".{name}.old-{pid}"));
            fs::rename(dir, &old).map_err(|e| io_err("move aside", e))?;
            if let Err(e) = fs::rename(tmp, dir) {
                // Put the previous report back: a failed run leaves it.
                let _ = fs::rename(&old, dir);
                return Err(io_err("replace", e));
            }
            fs::remove_dir_all(&old).map_err(|e| io_err("remove the old report from", e))
        }
    }
}

/// Swaps two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the
    // call; AT_FDCWD makes relative paths relative to the working folder.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes `.NAME.tmp-PID` and `.NAME.old-PID` folders of runs whose process is gone.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(f) = file.to_str() else { continue };
        let Some(rest) = f.strip_prefix(&format!(".{name}.")) else { continue };
        let pid = rest.strip_prefix("tmp-").or_else(|| rest.strip_prefix("old-")).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() && Path::new("/proc/self").exists() {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Vec<ReportFile> {
        vec![ReportFile { name: "index.html".into(), bytes: text.as_bytes().to_vec() }]
    }

    #[test]
    fn replaces_a_report_and_keeps_no_temporary_folder() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("site");
        replace_dir(&dir, &files("one")).unwrap();
        replace_dir(&dir, &files("two")).unwrap();
        assert_eq!(fs::read_to_string(dir.join("index.html")).unwrap(), "two");
        let names: Vec<String> = fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names, ["site"]);
    }

    #[test]
    fn refuses_a_folder_that_is_not_a_report() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("precious.txt"), "keep").unwrap();
        let e = replace_dir(t.path(), &files("x")).unwrap_err().to_string();
        assert!(e.contains("not an fxsnap report"), "{e}");
        assert_eq!(fs::read_to_string(t.path().join("precious.txt")).unwrap(), "keep");
        let f = t.path().join("precious.txt");
        assert!(replace_dir(&f, &files("x")).unwrap_err().to_string().contains("is not a folder"));
    }

    #[test]
    fn folders_of_killed_runs_are_removed() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("site");
        // pid_max on Linux is at most 2^22: no process has this id.
        for leftover in [".site.tmp-99999999", ".site.old-99999999"] {
            fs::create_dir(t.path().join(leftover)).unwrap();
            fs::write(t.path().join(leftover).join("index.html"), "half").unwrap();
        }
        fs::create_dir(t.path().join(".other.tmp-99999999")).unwrap();
        replace_dir(&dir, &files("one")).unwrap();
        let mut names: Vec<String> = fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, [".other.tmp-99999999", "site"]);
    }

    #[test]
    fn a_failed_write_leaves_the_previous_report() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("site");
        replace_dir(&dir, &files("one")).unwrap();
        let bad = vec![ReportFile { name: "../escape.html".into(), bytes: vec![] }];
        assert!(replace_dir(&dir, &bad).is_err());
        assert_eq!(fs::read_to_string(dir.join("index.html")).unwrap(), "one");
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1);
    }
}
