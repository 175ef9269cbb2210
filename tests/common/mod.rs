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
        // No configuration file of the machine's user: only what a test writes.
        c.env_remove("FXSNAP_DB").env_remove("FXSNAP_CONFIG").env("XDG_CONFIG_HOME", self.dir.path().join("config-home"));
        c.arg("--db").arg(&self.path).args(args);
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

/// The property tests' settings: `cases` runs (PROPTEST_CASES overrides, for long campaigns)
/// from a fixed `seed`, which keeps CI reproducible; PROPTEST_RNG_SEED=random (or a number)
/// explores further, as scripts/fuzz.sh's longer campaigns do.
pub fn proptest_config(cases: u32, seed: u64) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    let mut config = proptest::test_runner::Config { cases, max_shrink_iters: 2048, ..proptest::test_runner::Config::default() };
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(seed);
    }
    config
}

/// `history --format csv` rows restamped to today, one row a series (its
/// newest): as if each source had just published what it last did.
pub fn restamped_today(csv: &str) -> String {
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let mut rows = std::collections::BTreeMap::new();
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default().to_string();
    for l in lines {
        let cols: Vec<&str> = l.split(',').collect();
        let mut pair: Vec<&str> = cols[1].split('/').collect();
        pair.sort();
        // Rows come in time order: the last one of a series is its newest.
        rows.insert((pair.join("/"), cols[4].to_string()), format!("{today},{}", cols[1..].join(",")));
    }
    format!("{header}\n{}\n", rows.into_values().collect::<Vec<_>>().join("\n"))
}

/// A CSV of a reading command (version 4: every row in the direction asked,
/// a computed one with its published quote in `quoted`) as the exchange
/// format of version 3 and before wrote it: each row as its source published
/// it (pair, digits, change), no `quoted` column. What the fixtures made by
/// earlier binaries hold, so a test can say "the same observations".
pub fn as_published(csv: &str) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let quoted = header.iter().position(|c| *c == "quoted");
    let kept: Vec<usize> = (0..header.len()).filter(|i| Some(*i) != quoted).collect();
    let mut out = kept.iter().map(|i| header[*i]).collect::<Vec<_>>().join(",") + "\n";
    for l in lines {
        let mut cells: Vec<String> = l.split(',').map(String::from).collect();
        if let Some(q) = quoted.map(|i| cells[i].clone()).filter(|q| !q.is_empty()) {
            let words: Vec<&str> = q.split(' ').collect();
            cells[1] = words[0].to_string();
            cells[2] = words[1].to_string();
            cells[3] = words.get(2).map(|c| c.trim_end_matches('%').to_string()).unwrap_or_default();
        }
        out += &kept.iter().map(|i| cells[*i].as_str()).collect::<Vec<_>>().join(",");
        out.push('\n');
    }
    out
}
