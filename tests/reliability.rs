//! Cron-grade reliability (issue 5), through the real binary: overlapping
//! runs, `kill -9` in the middle of a large ingest, read-only and full disks,
//! corrupt and foreign database files, bounded memory, atomic chart files.
//!
//! The promise tested is SQLite's own: whatever happens the database stays
//! sound, every input is stored whole or not at all, nothing stored is lost,
//! and every failure is one clear line and exit 1, never a panic.
//!
//! Some tests need root (mounting a tmpfs; dropping to an unprivileged user
//! so that file permissions bite). Where the machine cannot do that they print
//! `skipped: <reason>` and pass; CI runs as root and can.

use std::fs;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fxsnap");

fn page(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `fxsnap --db DB` with a clean environment and no standard input.
fn fx(db: &Path) -> Command {
    fx_with(BIN, db)
}

fn fx_with(bin: &str, db: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env_remove("FXSNAP_DB").env("NO_COLOR", "1").env("SOURCE_DATE_EPOCH", "1780000000").arg("--db").arg(db).stdin(Stdio::null());
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    fx(db).args(args).output().expect("run fxsnap")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs and returns stdout, asserting exit 0 and no panic.
fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(out.status.success(), "fxsnap {args:?} failed ({:?}): {}", out.status, text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn history(db: &Path) -> String {
    ok(db, &["history", "--format", "csv"])
}

fn check_ok(db: &Path) {
    let out = run(db, &["check"]);
    assert!(out.status.success(), "check failed on {}: {}{}", db.display(), text(&out.stdout), text(&out.stderr));
}

/// The summary line `ingest` ends with (DESIGN.md "Exit codes").
fn is_summary(line: &str) -> bool {
    line.starts_with("fxsnap: ") && line.contains(" input") && line.contains(" rate") && line.ends_with(" failed")
}

/// A failure as cron should see it: exit 1, no panic, and exactly one error
/// line (besides ingest's summary line) that says one of `expect`.
fn assert_clean_error(out: &Output, what: &str, expect: &[&str]) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: exit {:?}, stderr: {err}", out.status);
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{what} panicked: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty() && !is_summary(l)).collect();
    assert_eq!(lines.len(), 1, "{what}: want one error line, got: {err}");
    let line = lines[0];
    assert!(line.starts_with("fxsnap: "), "{what}: {line}");
    let lower = line.to_lowercase();
    assert!(expect.iter().any(|e| lower.contains(&e.to_lowercase())), "{what}: the error should say one of {expect:?}: {line}");
    line.to_string()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// The effective user is root (file permissions do not stop it).
fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|st| st.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. "2m") at `dir`, or says why it cannot.
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("not root: cannot mount a tmpfs".into());
        }
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0777"), "tmpfs", s(dir)])
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!("mount -t tmpfs failed: {}", text(&out.stderr).trim()));
        }
        Ok(Tmpfs { dir: dir.to_path_buf() })
    }

    fn remount(&self, mode: &str) {
        let out = Command::new("mount").args(["-o", &format!("remount,{mode}"), s(&self.dir)]).output().expect("mount");
        assert!(out.status.success(), "remount,{mode}: {}", text(&out.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Says why a test did not run, on the real standard error (the test
/// harness captures `println!`/`eprintln!` of passing tests).
fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// A deterministic generator (seeded; no extra dependency).
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const PAIRS: [&str; 5] = ["KGS/USD", "KZT/USD", "TJS/USD", "UZS/USD", "TMT/USD"];

/// Writes a CSV of `rows` observations (5 pairs, hourly from `start`), all of
/// source `source`. Different `salt`s give different values.
fn write_csv(path: &Path, rows: usize, source: &str, start: i64, salt: u64) {
    let mut w = BufWriter::new(fs::File::create(path).unwrap());
    writeln!(w, "timestamp,pair,rate,change_pct,source").unwrap();
    let mut rng = XorShift::new(salt);
    for i in 0..rows {
        let ts = start + (i / PAIRS.len()) as i64 * 3600;
        let at = chrono::DateTime::from_timestamp(ts, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ");
        let rate = 1 + rng.next() % 99_999;
        let c = (rng.next() % 601) as i64 - 300; // hundredths of a percent
        let change = match c {
            0 if rng.next().is_multiple_of(2) => "-0".to_string(),
            0 => "0".to_string(),
            _ => format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.abs() / 100, c.abs() % 100),
        };
        writeln!(w, "{at},{},0.{rate:05},{change},{source}", PAIRS[i % PAIRS.len()]).unwrap();
    }
    w.flush().unwrap();
}

/// 1990-01-01T00:00:00Z
const T1990: i64 = 631_152_000;

/// Observations of one source, read with SQLite directly (fast; the store's
/// own commands are what the tests check, this only counts).
fn count_source(db: &Path, source: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row("SELECT count(*) FROM observation o JOIN series s ON s.id = o.series_id WHERE s.source = ?1", [source], |r| r.get(0))
        .unwrap()
}

/// Everything stored but the conflict log's wall-clock time, as row counts
/// and a hash: observations, series, conflicts and rollups, by name (not by
/// row id).
fn content(db: &Path) -> String {
    use rusqlite::types::ValueRef;
    use std::hash::{Hash, Hasher};
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut out = String::new();
    for q in [
        "SELECT s.source, s.base, s.quote, o.ts, o.rate, o.inverted, o.change FROM observation o JOIN series s ON s.id = o.series_id \
         ORDER BY s.source, s.base, s.quote, o.ts",
        "SELECT s.source, s.base, s.quote, c.ts, c.policy, c.kept_rate, c.dropped_rate, c.input FROM conflict c JOIN series s ON s.id = c.series_id \
         ORDER BY s.source, s.base, s.quote, c.ts, c.id",
        "SELECT s.source, s.base, s.quote, r.width, r.bucket, r.n, r.first_ts, r.first, r.min_ts, r.min, r.max_ts, r.max, r.last_ts, r.last \
         FROM rollup r JOIN series s ON s.id = r.series_id ORDER BY s.source, s.base, s.quote, r.width, r.bucket",
    ] {
        let mut st = c.prepare(q).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut count = 0u64;
        while let Some(r) = rows.next().unwrap() {
            count += 1;
            for i in 0..n {
                match r.get_ref(i).unwrap() {
                    ValueRef::Null => 0u8.hash(&mut h),
                    ValueRef::Integer(v) => (1u8, v).hash(&mut h),
                    ValueRef::Real(v) => (2u8, v.to_bits()).hash(&mut h),
                    ValueRef::Text(b) | ValueRef::Blob(b) => (3u8, b).hash(&mut h),
                }
            }
        }
        out.push_str(&format!("{count} rows, hash {:016x}\n", h.finish()));
    }
    out
}

/// Peak resident memory of a child, from the kernel's own accounting.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod peak {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Child, ExitStatus};

    #[repr(C)]
    #[derive(Default)]
    struct Timeval {
        sec: i64,
        usec: i64,
    }

    /// `struct rusage` of Linux on 64-bit targets (`long` fields).
    #[repr(C)]
    #[derive(Default)]
    struct Rusage {
        utime: Timeval,
        stime: Timeval,
        maxrss: i64,
        rest: [i64; 13],
    }

    extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }

    /// Waits for `child` and returns its status and peak RSS in KiB.
    pub fn wait(child: Child) -> (ExitStatus, u64) {
        let pid = child.id() as i32;
        let mut status = 0;
        let mut ru = Rusage::default();
        loop {
            // SAFETY: plain system call on our own child with valid pointers.
            let r = unsafe { wait4(pid, &mut status, 0, &mut ru) };
            if r == pid {
                break;
            }
            let e = std::io::Error::last_os_error();
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
        }
        // The child is reaped; dropping `Child` neither waits nor kills.
        drop(child);
        (ExitStatus::from_raw(status), ru.maxrss as u64)
    }
}

/// Writes a child's standard input.
type Feed = Box<dyn FnOnce(&mut dyn Write) + Send>;

/// Runs an fxsnap command to completion, returning status, stderr and peak
/// RSS (KiB). `feed` writes its standard input, if any.
fn run_measured(mut cmd: Command, feed: Option<Feed>) -> (ExitStatus, String, u64) {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    if feed.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn");
    let writer = feed.map(|f| {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || f(&mut stdin))
    });
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (status, rss) = peak::wait(child);
    if let Some(w) = writer {
        let _ = w.join();
    }
    (status, reader.join().unwrap(), rss)
}

fn kib(k: u64) -> String {
    format!("{:.1} MiB", k as f64 / 1024.0)
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

/// The 32 ingest command lines: same page many times, different pages, the
/// same page at different --at times, one undated page at one --at time many
/// times, different pages at one --at time under different sources, disjoint
/// and overlapping CSV files, and one run with several pages. No two of them
/// disagree on a key, so the result is the same in any order: the union.
fn concurrent_jobs(dir: &Path) -> Vec<Vec<String>> {
    let p = |n: &str| s(&page(n)).to_string();
    let mut jobs: Vec<Vec<String>> = Vec::new();
    for _ in 0..6 {
        jobs.push(vec![p("001.txt")]);
    }
    for n in ["002.txt", "005.txt", "007.txt", "010.txt", "013.txt", "016.txt", "019.txt", "020.txt"] {
        jobs.push(vec![p(n)]);
    }
    for day in 1..=6 {
        jobs.push(vec!["--at".into(), format!("2024-01-0{day}"), p("001.txt")]);
    }
    for _ in 0..4 {
        jobs.push(vec!["--at".into(), "2024-02-01T12:00:00Z".into(), p("008.txt")]);
    }
    jobs.push(vec!["--at".into(), "2024-03-01".into(), "--source".into(), "s1".into(), p("025.txt")]);
    jobs.push(vec!["--at".into(), "2024-03-01".into(), "--source".into(), "s2".into(), p("028.txt")]);
    let mut all = String::from("timestamp,pair,rate,change_pct,source\n");
    for k in 0..4 {
        let f = dir.join(format!("chunk{k}.csv"));
        write_csv(&f, 3000, "gen", T1990 + k * 3000 / 5 * 3600, 100 + k as u64);
        all.push_str(fs::read_to_string(&f).unwrap().split_once('\n').unwrap().1);
        jobs.push(vec![s(&f).to_string()]);
    }
    let union = dir.join("all-chunks.csv");
    fs::write(&union, all).unwrap();
    jobs.push(vec![s(&union).to_string()]);
    jobs.push(["031.txt", "032.txt", "035.txt", "037.txt", "038.txt"].iter().map(|n| p(n)).collect());
    assert_eq!(jobs.len(), 32);
    jobs
}

#[test]
fn thirty_two_concurrent_ingests_store_the_union() {
    let dir = tempdir();
    let jobs = concurrent_jobs(dir.path());

    // The reference: the same inputs one after the other.
    let sequential = dir.path().join("sequential.db");
    for j in &jobs {
        let args: Vec<&str> = std::iter::once("ingest").chain(j.iter().map(String::as_str)).collect();
        ok(&sequential, &args);
    }
    let want = history(&sequential);
    let want_conflicts = ok(&sequential, &["conflicts", "--format", "csv"]);
    assert!(want.lines().count() > 12_000, "the reference holds the CSV rows and the pages");

    // Three rounds, each into a new database: the first writes race to create it.
    for round in 0..3 {
        let db = dir.path().join(format!("concurrent-{round}.db"));
        let children: Vec<(usize, Child)> = jobs
            .iter()
            .enumerate()
            .map(|(i, j)| {
                let c = fx(&db).arg("ingest").args(j).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
                (i, c)
            })
            .collect();
        for (i, c) in children {
            let out = c.wait_with_output().unwrap();
            let err = text(&out.stderr);
            assert!(out.status.success(), "round {round}, job {i} {:?} failed ({:?}): {err}", jobs[i], out.status);
            assert!(!err.to_lowercase().contains("locked"), "round {round}, job {i}: {err}");
            assert!(!err.contains("panicked"), "round {round}, job {i}: {err}");
        }
        check_ok(&db);
        assert!(history(&db) == want, "round {round}: concurrent result differs from the sequential one");
        assert_eq!(ok(&db, &["conflicts", "--format", "csv"]), want_conflicts, "round {round}");
    }
}

// ---------------------------------------------------------------------------
// Crash safety
// ---------------------------------------------------------------------------

const CRASH_ROWS: usize = 200_000;
const CRASH_RUNS: u64 = 10;

#[test]
fn kill_9_during_a_large_csv_ingest_leaves_all_or_nothing() {
    let dir = tempdir();
    let csv = dir.path().join("big.csv");
    write_csv(&csv, CRASH_ROWS, "gen", T1990, 7);

    // A database that already holds something: pages of two days.
    let base = dir.path().join("base.db");
    ok(&base, &["ingest", "-q", s(&page("001.txt")), s(&page("002.txt"))]);
    let base_count = count_source(&base, "timesca");
    assert_eq!(base_count, 10);

    // A run never killed: what every killed database must converge to.
    let reference = dir.path().join("reference.db");
    fs::copy(&base, &reference).unwrap();
    let started = Instant::now();
    ok(&reference, &["ingest", "-q", s(&csv)]);
    let full = started.elapsed();
    let want_history = history(&reference);
    let want = content(&reference);
    assert_eq!(count_source(&reference, "gen"), CRASH_ROWS as i64);
    println!("an unkilled ingest of {CRASH_ROWS} rows took {:.2} s", full.as_secs_f64());

    let base_content = content(&base);

    // Two lanes at a time, each with its own database. A kill leaves either
    // exactly the old content (the input absent) or exactly the unkilled
    // result (present); after "absent" the next kill runs on that database,
    // after "present" it starts again from the old content. Each lane ends
    // with a clean run, which must converge to the unkilled result.
    let results: Vec<(u64, f64, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2u64)
            .map(|lane| {
                let (dir, csv, base, want, want_history, base_content) = (dir.path(), &csv, &base, &want, &want_history, &base_content);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    let db = dir.join(format!("killed-{lane}.db"));
                    // How long a run takes here, with the other lane running beside it.
                    fs::copy(base, &db).unwrap();
                    let started = Instant::now();
                    ok(&db, &["ingest", "-q", s(csv)]);
                    let full = started.elapsed();
                    fs::copy(base, &db).unwrap();
                    for seed in (lane..CRASH_RUNS).step_by(2) {
                        // Deterministic moments from 5% to 100% of an unkilled run
                        // (the last part of a run is the commit and the checkpoint).
                        let at = 0.05 + 0.95 * XorShift::new(seed + 1).unit();
                        let mut child = fx(&db).args(["ingest", "-q", s(csv)]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
                        std::thread::sleep(full.mul_f64(at));
                        let _ = child.kill(); // SIGKILL
                        child.wait().unwrap();

                        // The database is sound, and holds the input wholly or not at all.
                        check_ok(&db);
                        let n = count_source(&db, "gen");
                        assert!(n == 0 || n == CRASH_ROWS as i64, "seed {seed}: {n} of {CRASH_ROWS} rows after kill -9 at {at:.2}");
                        let now = content(&db);
                        let absent = now == *base_content;
                        assert!(
                            absent || now == *want,
                            "seed {seed}: after kill -9 at {at:.2} the store is neither before nor after the input"
                        );
                        out.push((seed, at, absent));
                        if !absent {
                            // Present: the content already is the unkilled result
                            // (a re-run of a stored input changes nothing: tests/store.rs).
                            // Start over from before the input.
                            fs::copy(base, &db).unwrap();
                        }
                    }
                    // Running the ingest again converges to the unkilled result.
                    ok(&db, &["ingest", "-q", s(csv)]);
                    assert!(content(&db) == *want, "lane {lane}: the re-run differs from an unkilled run");
                    if lane == 0 {
                        // The exported bytes too (once: the content above is the same in both lanes).
                        assert!(history(&db) == *want_history, "lane {lane}: history differs from an unkilled run");
                    }
                    check_ok(&db);
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let absent = results.iter().filter(|r| r.2).count();
    for (seed, at, was_absent) in &results {
        println!("seed {seed}: kill at {at:.2} of a run: input {}", if *was_absent { "absent" } else { "present" });
    }
    // Most kills must land mid-ingest, or the test proves nothing.
    assert!(absent >= 3, "only {absent} of {CRASH_RUNS} kills landed before the commit");
}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

/// A database with two days of pages and a small CSV.
fn small_store(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    let csv = dir.join(format!("{name}.csv"));
    write_csv(&csv, 2000, "gen", T1990, 3);
    ok(&db, &["ingest", "-q", s(&page("001.txt")), s(&page("002.txt")), s(&csv)]);
    db
}

/// The binary where an unprivileged user can run it: a hard link (or copy)
/// inside `dir`, since the build folder may sit under a private home.
fn binary_in(dir: &Path) -> String {
    let to = dir.join("fxsnap");
    if fs::hard_link(BIN, &to).is_err() {
        fs::copy(BIN, &to).unwrap();
    }
    fs::set_permissions(&to, fs::Permissions::from_mode(0o755)).unwrap();
    to.to_str().unwrap().to_string()
}

const NOBODY: u32 = 65534;

#[test]
fn read_only_database_file_and_folder() {
    let dir = tempdir();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let root = is_root();
    let bin = if root { binary_in(dir.path()) } else { BIN.to_string() };
    let input = dir.path().join("page.txt");
    fs::copy(page("005.txt"), &input).unwrap();
    fs::set_permissions(&input, fs::Permissions::from_mode(0o644)).unwrap();
    let as_writer = |db: &Path, quiet: bool| {
        let mut c = fx_with(&bin, db);
        c.arg("ingest");
        if quiet {
            c.arg("-q");
        }
        c.arg(&input);
        if root {
            // Root writes through any permission: run as nobody instead.
            c.uid(NOBODY).gid(NOBODY);
        }
        c.output().unwrap()
    };

    // A file with mode 0444 in a folder anyone may write.
    let a = dir.path().join("file");
    fs::create_dir(&a).unwrap();
    let db = small_store(&a, "rates.db");
    let before = history(&db);
    fs::set_permissions(&a, fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(&db, fs::Permissions::from_mode(0o444)).unwrap();
    for quiet in [false, true] {
        let out = as_writer(&db, quiet);
        assert_clean_error(&out, "ingest into a 0444 file", &["read-only"]);
    }
    fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(history(&db) == before, "the read-only file changed");
    check_ok(&db);

    // A writable file in a folder with mode 0555 (no journal can be made).
    let b = dir.path().join("folder");
    fs::create_dir(&b).unwrap();
    let db = small_store(&b, "rates.db");
    let before = history(&db);
    fs::set_permissions(&db, fs::Permissions::from_mode(0o666)).unwrap();
    fs::set_permissions(&b, fs::Permissions::from_mode(0o555)).unwrap();
    let out = as_writer(&db, false);
    fs::set_permissions(&b, fs::Permissions::from_mode(0o755)).unwrap();
    assert_clean_error(&out, "ingest into a read-only folder", &["read-only"]);
    assert!(history(&db) == before, "the database in a read-only folder changed");
    check_ok(&db);
}

#[test]
fn read_only_mount() {
    let dir = tempdir();
    let mnt = match Tmpfs::mount(&dir.path().join("mnt"), "8m") {
        Ok(m) => m,
        Err(why) => return skip("read_only_mount", &why),
    };
    let db = small_store(&mnt.dir, "rates.db");
    let before = history(&db);
    let bytes = fs::read(&db).unwrap();
    mnt.remount("ro");
    for quiet in [false, true] {
        let mut args = vec!["ingest"];
        if quiet {
            args.push("-q");
        }
        let p = page("005.txt");
        args.push(s(&p));
        let out = run(&db, &args);
        assert_clean_error(&out, "ingest on a read-only mount", &["read-only"]);
    }
    // A new database on a read-only mount is refused the same way.
    let out = run(&mnt.dir.join("new.db"), &["ingest", s(&page("005.txt"))]);
    assert_clean_error(&out, "a new database on a read-only mount", &["read-only"]);
    assert_eq!(fs::read(&db).unwrap(), bytes, "the file on the read-only mount changed");
    // Reading needs no write access: the store on read-only media still answers.
    assert!(history(&db) == before, "history on the read-only mount");
    check_ok(&db);
    assert_eq!(fs::read(&db).unwrap(), bytes);
    mnt.remount("rw");
    assert!(history(&db) == before);
    check_ok(&db);
}

#[test]
fn database_path_is_a_folder() {
    let dir = tempdir();
    let db = dir.path().join("rates.db");
    fs::create_dir(&db).unwrap();
    for args in
        [vec!["ingest", s(&page("001.txt"))], vec!["ingest", "-q", s(&page("001.txt"))], vec!["history"], vec!["latest"], vec!["check"]]
    {
        let out = run(&db, &args);
        assert_clean_error(&out, &format!("{args:?} on a folder"), &["is a folder"]);
    }
    assert_eq!(fs::read_dir(&db).unwrap().count(), 0, "nothing was written into the folder");
}

#[test]
fn full_disk() {
    let dir = tempdir();
    let csv = dir.path().join("big.csv");
    write_csv(&csv, 100_000, "gen", T1990, 11);
    let mnt = match Tmpfs::mount(&dir.path().join("full"), "2m") {
        Ok(m) => m,
        Err(why) => return skip("full_disk", &why),
    };
    let db = mnt.dir.join("rates.db");
    ok(&db, &["ingest", "-q", s(&page("001.txt"))]);
    let before = history(&db);
    for quiet in [false, true] {
        let mut args = vec!["ingest"];
        if quiet {
            args.push("-q");
        }
        args.push(s(&csv));
        let out = run(&db, &args);
        assert_clean_error(&out, "ingest onto a full disk", &["disk is full"]);
        assert!(history(&db) == before, "a failed ingest changed what was stored");
        check_ok(&db);
    }
    // Space came back with the rollback: the next small input goes in.
    ok(&db, &["ingest", "-q", s(&page("002.txt"))]);
    assert_eq!(history(&db).lines().count(), before.lines().count() + 5);
    check_ok(&db);
}

#[test]
fn file_size_limit() {
    // RLIMIT_FSIZE: writes past 2 MiB fail with EFBIG once SIGXFSZ is ignored,
    // whether by the shell (`trap '' XFSZ`, inherited through exec) or by
    // fxsnap at start-up.
    let dir = tempdir();
    let csv = dir.path().join("big.csv");
    write_csv(&csv, 100_000, "gen", T1990, 13);
    let db = small_store(dir.path(), "rates.db");
    let before = history(&db);
    for (trap, quiet) in [(true, false), (true, true), (false, false)] {
        let script = format!(
            "{}ulimit -f 2048; exec \"$0\" --db \"$1\" ingest {} \"$2\"",
            if trap { "trap '' XFSZ; " } else { "" },
            if quiet { "-q" } else { "" }
        );
        let out = Command::new("bash")
            .args(["-c", &script, BIN, s(&db), s(&csv)])
            .env_remove("FXSNAP_DB")
            .stdin(Stdio::null())
            .output()
            .expect("bash");
        // fxsnap ignores SIGXFSZ itself, so without the shell's trap too the
        // write fails with EFBIG and the error is a clean one.
        assert_clean_error(&out, "ingest past the file size limit", &["disk is full", "could not write", "too large"]);
        assert!(history(&db) == before, "a failed ingest changed what was stored");
        check_ok(&db);
    }
}

/// Overwrites the middle half of a database file with garbage.
fn corrupt_middle(db: &Path) {
    let mut b = fs::read(db).unwrap();
    let page = 4096;
    let pages = b.len() / page;
    // small_store is some 28 pages: hourly rows keep no hourly rollups
    // (buckets of one observation are not stored), only daily ones.
    assert!(pages >= 20, "too small to corrupt meaningfully ({pages} pages)");
    let mut rng = XorShift::new(99);
    for x in &mut b[pages / 4 * page..pages * 3 / 4 * page] {
        *x = rng.next() as u8;
    }
    fs::write(db, b).unwrap();
}

#[test]
fn corrupted_pages() {
    let dir = tempdir();
    let db = small_store(dir.path(), "rates.db");
    let csv = dir.path().join("again.csv");
    write_csv(&csv, 2000, "gen", T1990, 3); // the rows already stored
    corrupt_middle(&db);
    let corrupted = fs::read(&db).unwrap();

    // check: exit 1, and it says what it found.
    let out = run(&db, &["check"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "check on a corrupted file: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("integrity"), "check should report SQLite's integrity findings: {err}");
    assert!(!err.contains("run `fxsnap check`"), "check should not tell the user to run check: {err}");
    println!("check on the corrupted file said:\n{err}");

    // Reading and writing commands: one line, exit 1.
    assert_clean_error(&run(&db, &["history", "--format", "csv"]), "history on a corrupted file", &["corrupt"]);
    assert_clean_error(&run(&db, &["ingest", s(&csv)]), "ingest on a corrupted file", &["corrupt"]);
    assert_clean_error(&run(&db, &["ingest", "-q", s(&csv)]), "ingest -q on a corrupted file", &["corrupt"]);
    assert_eq!(fs::read(&db).unwrap(), corrupted, "failed commands changed the corrupted file");

    // A truncated file: no panic, check exits 1.
    let db2 = small_store(dir.path(), "truncated.db");
    let len = fs::metadata(&db2).unwrap().len();
    fs::OpenOptions::new().write(true).open(&db2).unwrap().set_len(len / 2).unwrap();
    let out = run(&db2, &["check"]);
    assert_eq!(out.status.code(), Some(1), "check on a truncated file: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
    for args in [vec!["history"], vec!["ingest", s(&csv)]] {
        let out = run(&db2, &args);
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}: {}", text(&out.stderr));
        if !out.status.success() {
            assert_clean_error(&out, &format!("{args:?} on a truncated file"), &["corrupt", "malformed", "not a database"]);
        }
    }
}

#[test]
fn not_a_database() {
    let dir = tempdir();
    let db = dir.path().join("rates.db");
    let mut rng = XorShift::new(5);
    let junk: Vec<u8> = (0..65536).map(|_| rng.next() as u8).collect();
    fs::write(&db, &junk).unwrap();
    for args in [vec!["ingest", s(&page("001.txt"))], vec!["history"], vec!["check"]] {
        let out = run(&db, &args);
        assert_clean_error(&out, &format!("{args:?} on random bytes"), &["not a database"]);
    }
    assert_eq!(fs::read(&db).unwrap(), junk);

    // A real SQLite file of another program is not taken over either.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    let bytes = fs::read(&other).unwrap();
    let out = run(&other, &["ingest", s(&page("001.txt"))]);
    assert_clean_error(&out, "ingest into another program's database", &["not an fxsnap database"]);
    assert_eq!(fs::read(&other).unwrap(), bytes);
}

#[test]
fn newer_schema_version() {
    let dir = tempdir();
    let db = small_store(dir.path(), "rates.db");
    let before = history(&db);
    rusqlite::Connection::open(&db).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
    let bytes = fs::read(&db).unwrap();
    for args in
        [vec!["ingest", s(&page("005.txt"))], vec!["ingest", "-q", s(&page("005.txt"))], vec!["history"], vec!["latest"], vec!["check"]]
    {
        let out = run(&db, &args);
        let line = assert_clean_error(&out, &format!("{args:?} on schema version 99"), &["newer"]);
        assert!(line.contains("99"), "{line}");
    }
    assert_eq!(fs::read(&db).unwrap(), bytes, "a newer database was modified");
    rusqlite::Connection::open(&db).unwrap().execute_batch("PRAGMA user_version = 1").unwrap();
    assert!(history(&db) == before);
}

// ---------------------------------------------------------------------------
// Bounded memory
// ---------------------------------------------------------------------------

const MIB: u64 = 1024 * 1024;

#[test]
fn a_300_mb_page_is_refused_quickly_in_bounded_memory() {
    let dir = tempdir();
    let db = small_store(dir.path(), "rates.db");
    let before = history(&db);

    // A 300 MB file (sparse: zeros cost no disk) that is not CSV.
    let big = dir.path().join("huge.html");
    fs::File::create(&big).unwrap().set_len(300 * MIB).unwrap();
    let started = Instant::now();
    let mut cmd = fx(&db);
    cmd.args(["ingest", s(&big)]);
    let (status, err, rss) = run_measured(cmd, None);
    let took = started.elapsed();
    println!("300 MB file: refused in {:.2} s, peak RSS {}", took.as_secs_f64(), kib(rss));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("8 MiB"), "the error names the limit: {err}");
    assert!(rss < 96 * 1024, "peak RSS {} for a refused 300 MB page", kib(rss));
    assert!(took < Duration::from_secs(30), "refusing took {took:?}");

    // The same from a pipe: fxsnap stops reading at the limit.
    let mut cmd = fx(&db);
    cmd.args(["ingest", "-"]);
    let feed: Feed = Box::new(|w: &mut dyn Write| {
        let chunk = "Lorem ipsum dolor sit amet, 9.25% and $5 billion.\n".repeat(1000);
        let mut sent = 0u64;
        while sent < 300 * MIB {
            if w.write_all(chunk.as_bytes()).is_err() {
                break; // fxsnap closed the pipe
            }
            sent += chunk.len() as u64;
        }
    });
    let (status, err, rss) = run_measured(cmd, Some(feed));
    println!("300 MB on standard input: peak RSS {}", kib(rss));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("8 MiB"), "{err}");
    assert!(rss < 96 * 1024, "peak RSS {} for a refused 300 MB stream", kib(rss));
    assert!(history(&db) == before);
}

#[test]
fn a_300_mb_csv_row_is_refused_in_bounded_memory() {
    // A CSV whose one "row" is 300 MB: on one line, or inside a quoted cell
    // spanning millions of lines. Streamed through a pipe.
    let dir = tempdir();
    let db = small_store(dir.path(), "rates.db");
    let before = history(&db);
    for (what, head, unit) in [
        ("one 300 MB line", "timestamp,pair,rate,change_pct,source\n2020-01-01,KZT/USD,", "9999999999999999"),
        ("a 300 MB quoted cell", "timestamp,pair,rate,change_pct,source\n2020-01-01,KZT/USD,\"", "99999999999999\n"),
    ] {
        let mut cmd = fx(&db);
        cmd.args(["ingest", "-"]);
        let feed: Feed = Box::new(move |w: &mut dyn Write| {
            let chunk = unit.repeat(64 * 1024 / unit.len());
            let mut sent = 0u64;
            if w.write_all(head.as_bytes()).is_err() {
                return;
            }
            while sent < 300 * MIB {
                if w.write_all(chunk.as_bytes()).is_err() {
                    break; // fxsnap closed the pipe
                }
                sent += chunk.len() as u64;
            }
        });
        let started = Instant::now();
        let (status, err, rss) = run_measured(cmd, Some(feed));
        println!("{what}: refused in {:.2} s, peak RSS {}", started.elapsed().as_secs_f64(), kib(rss));
        let out = Output { status, stdout: Vec::new(), stderr: err.into_bytes() };
        assert_clean_error(&out, what, &["longer than"]);
        assert!(rss < 64 * 1024, "{what}: peak RSS {}", kib(rss));
    }
    assert!(history(&db) == before);
}

#[test]
fn csv_ingest_memory_does_not_grow_with_the_input() {
    let dir = tempdir();
    let mut peaks = Vec::new();
    for rows in [20_000usize, 200_000] {
        let csv = dir.path().join(format!("{rows}.csv"));
        write_csv(&csv, rows, "gen", T1990, rows as u64);
        let db = dir.path().join(format!("{rows}.db"));
        let mut cmd = fx(&db);
        cmd.args(["ingest", "-q", s(&csv)]);
        let (status, err, rss) = run_measured(cmd, None);
        assert!(status.success(), "{err}");
        println!("CSV of {rows} rows ({} MB): peak RSS {}", fs::metadata(&csv).unwrap().len() / 1_000_000, kib(rss));
        peaks.push(rss);
    }
    // Ten times the rows (9 MB more input) may not cost more than a few MiB.
    assert!(peaks[1] < peaks[0] + 8 * 1024, "peak RSS grew from {} to {}", kib(peaks[0]), kib(peaks[1]));
    assert!(peaks[1] < 64 * 1024, "peak RSS {}", kib(peaks[1]));
}

// ---------------------------------------------------------------------------
// Atomic chart files
// ---------------------------------------------------------------------------

/// Files in `dir` other than `keep`.
fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_chart_killed_mid_write_leaves_the_old_file_or_none() {
    let dir = tempdir();
    let db = dir.path().join("rates.db");
    let csv = dir.path().join("history.csv");
    write_csv(&csv, 100_000, "gen", T1990, 21);
    ok(&db, &["ingest", "-q", s(&csv), s(&page("001.txt")), s(&page("002.txt"))]);
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let png = out_dir.join("rates.png");
    let args = ["chart", "-o", s(&png)];

    // A complete run: the file, and no temporary file beside it.
    let started = Instant::now();
    let first = run(&db, &args);
    let full = started.elapsed();
    assert!(first.status.success(), "chart failed: {}", text(&first.stderr));
    let complete = fs::read(&png).unwrap();
    assert!(complete.starts_with(b"\x89PNG\r\n\x1a\n") && complete.len() > 1000);
    assert_eq!(others(&out_dir, &["rates.png"]), Vec::<String>::new(), "a successful run leaves no temporary file");
    println!("a complete chart took {:.2} s", full.as_secs_f64());

    // Killed at deterministic moments over a run, with and without a
    // previous file: the name holds the previous complete file or nothing.
    // A killed run may leave its temporary `.rates.png.tmp-PID.png` behind
    // (nothing can remove it after SIGKILL); it never takes the real name.
    let mut lingering = 0;
    for seed in 0..8u64 {
        // Every fourth run starts with no file; the others with the complete one.
        if seed % 4 == 0 {
            let _ = fs::remove_file(&png);
        } else if !png.exists() {
            fs::write(&png, &complete).unwrap();
        }
        let had_previous = png.exists();
        let at = 0.05 + 0.9 * XorShift::new(1000 + seed).unit();
        let mut child = fx(&db).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(full.mul_f64(at));
        let _ = child.kill();
        child.wait().unwrap();
        match fs::read(&png) {
            Ok(b) => assert!(b == complete, "seed {seed}: rates.png is not the complete chart after kill at {at:.2}"),
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
                assert!(!had_previous, "seed {seed}: the previous file vanished");
            }
        }
        for name in others(&out_dir, &["rates.png"]) {
            assert!(name.starts_with(".rates.png.tmp-"), "seed {seed}: unexpected file {name}");
            lingering += 1;
            fs::remove_file(out_dir.join(&name)).unwrap();
        }
        // A PNG that is only partly written must never be readable under the name.
        if let Ok(b) = fs::read(&png) {
            assert!(b.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]), "seed {seed}: torn PNG");
        }
    }
    println!("killed chart runs left {lingering} temporary file(s), as expected after SIGKILL");

    // And a complete run after the kills: the same file, nothing else; it
    // also removes what a killed run left (a process that no longer exists).
    let stale = out_dir.join(".rates.png.tmp-999999999.png");
    fs::write(&stale, b"torn").unwrap();
    ok(&db, &args);
    assert!(!stale.exists(), "a killed run's temporary file is cleaned up by the next run");
    assert!(fs::read(&png).unwrap() == complete);
    assert_eq!(others(&out_dir, &["rates.png"]), Vec::<String>::new());
}
