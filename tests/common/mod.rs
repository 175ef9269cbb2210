//! Helpers shared by the integration tests: the real binary, fixtures, a
//! temporary database.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(rel)
}

/// A temporary folder with a database path inside it (not yet created).
pub struct TempDb {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TempDb {
    pub fn new() -> TempDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rates.db");
        TempDb { dir, path }
    }

    /// `fxsnap --db PATH ARGS...`
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("fxsnap").expect("binary");
        c.env_remove("FXSNAP_DB").arg("--db").arg(&self.path).args(args);
        c
    }

    /// Runs and returns stdout, asserting success.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("run");
        assert!(out.status.success(), "fxsnap {args:?} failed ({:?}): {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// `history --format csv` of everything.
    pub fn csv(&self) -> String {
        self.ok(&["history", "--format", "csv"])
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}
