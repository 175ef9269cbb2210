//! Issue 27, `fxsnap backup FILE` (DESIGN "Operations (v4)") through the
//! real binary: a consistent copy while 20 `ingest`s write the store and a
//! `serve` under load reads it; the copy passes `check` and holds every
//! observation committed before the backup began, and each input wholly or
//! not at all; a second backup replaces the first atomically; a bad path
//! fails in one line and writes nothing. Also `--db` and `--config` after
//! the command.

mod serve_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serve_support::{bank_store, bin, Server};

const INGESTS: usize = 20;
const ROWS: usize = 4000;

/// `fxsnap ARGS` with no FXSNAP_* and a config home of the test's own.
fn fx(dir: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env_remove("FXSNAP_DB").env_remove("FXSNAP_CONFIG").env("XDG_CONFIG_HOME", dir.join("config-home")).stdin(Stdio::null());
    c
}

fn run(mut c: Command) -> Output {
    c.output().expect("run fxsnap")
}

fn ok(c: Command) -> String {
    let out = run(c);
    assert!(out.status.success(), "fxsnap failed ({:?}): {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

/// Every stored observation of the store at `db`, as CSV lines (no header).
fn rows(dir: &Path, db: &Path) -> BTreeSet<String> {
    let mut c = fx(dir);
    c.arg("--db").arg(db).args(["history", "--pair", "all", "--source", "all", "--format", "csv"]);
    ok(c).lines().skip(1).map(str::to_string).collect()
}

/// The 20 CSV inputs: one source each, `ROWS` hourly rows.
fn load_files(dir: &Path) -> Vec<PathBuf> {
    (1..=INGESTS)
        .map(|i| {
            let path = dir.join(format!("load{i:02}.csv"));
            let mut text = String::from("timestamp,pair,rate,change_pct,source\n");
            for h in 0..ROWS {
                let (day, hour) = (h / 24, h % 24);
                let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(day as u64);
                text.push_str(&format!("{date}T{hour:02}:00:00Z,KZT/USD,0.00{:05},,load{i:02}\n", 20000 + (h * 7 + i) % 5000));
            }
            fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// Children killed when dropped, also when an assertion fails.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Threads asking the server until dropped; counts answers other than 200.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
    answers: Arc<AtomicUsize>,
    bad: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Load {
    fn start(addr: &str, threads: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(AtomicUsize::new(0));
        let bad = Arc::new(std::sync::Mutex::new(Vec::new()));
        let threads = (0..threads)
            .map(|t| {
                let (stop, answers, bad, addr) = (stop.clone(), answers.clone(), bad.clone(), addr.to_string());
                std::thread::spawn(move || {
                    let paths = ["/healthz", "/v1/2026-04-03", "/api/latest?pair=all&format=csv", "/metrics", "/v2/rates?base=USD"];
                    let mut i = t;
                    while !stop.load(Ordering::Relaxed) {
                        let path = paths[i % paths.len()];
                        let r = serve_support::request(&addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
                        if r.status != 200 {
                            bad.lock().unwrap().push(format!("{path}: {} {}", r.status, r.text()));
                        }
                        answers.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                })
            })
            .collect();
        Load { stop, threads, answers, bad }
    }

    fn finish(mut self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            t.join().expect("load thread");
        }
        (self.answers.load(Ordering::Relaxed), self.bad.lock().unwrap().clone())
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Per source, how many observations.
fn per_source(rows: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in rows {
        // The source is the fifth column (the CSV ends with `quoted`).
        *counts.entry(r.split(',').nth(4).unwrap_or_default().to_string()).or_insert(0) += 1;
    }
    counts
}

/// The names in `dir` but those starting with `but` (the store's own files).
fn others(dir: &Path, but: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| but.is_empty() || !n.starts_with(but))
        .collect();
    names.sort();
    names
}

#[test]
fn a_backup_during_twenty_ingests_and_a_loaded_server_is_consistent_and_complete() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let store_dir = work.join("store");
    let backups = work.join("backups");
    fs::create_dir_all(&store_dir).unwrap();
    fs::create_dir_all(&backups).unwrap();
    let db = store_dir.join("rates.db");
    let copy = backups.join("rates-copy.db");
    bank_store(&db);
    let files = load_files(work);

    let server = Server::start(&db, &[]);
    let load = Load::start(&server.addr, 4);
    let mut ingests = Children(
        files
            .iter()
            .map(|f| {
                let mut c = fx(work);
                c.arg("--db").arg(&db).args(["ingest", "-q"]).arg(f).stdout(Stdio::null()).stderr(Stdio::piped());
                c.spawn().expect("start fxsnap ingest")
            })
            .collect(),
    );
    // The backup begins once some ingests committed, while others still write.
    let deadline = Instant::now() + Duration::from_secs(120);
    let before = loop {
        let rows = rows(work, &db);
        if per_source(&rows).keys().any(|s| s.starts_with("load")) {
            break rows;
        }
        assert!(Instant::now() < deadline, "no ingest committed within 120 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut c = fx(work);
    c.arg("--db").arg(&db).args(["backup", "-q"]).arg(&copy);
    let out = run(c);
    assert!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "backup -q printed: {out:?}");
    let still_writing = ingests.0.iter_mut().filter_map(|c| c.try_wait().unwrap().is_none().then_some(())).count();

    // The copy: sound, every observation committed before the backup began,
    // and each input wholly or not at all (one committed state).
    let mut c = fx(work);
    c.arg("--db").arg(&copy).arg("check");
    assert!(ok(c).ends_with(": ok\n"));
    let first = rows(work, &copy);
    let missing: Vec<&String> = before.difference(&first).take(5).collect();
    assert!(missing.is_empty(), "the copy lacks observations committed before the backup: {missing:?}");
    let counts = per_source(&first);
    for (source, n) in counts.iter().filter(|(s, _)| s.starts_with("load")) {
        assert_eq!(*n, ROWS, "{source}: part of an input in the copy");
    }
    assert_eq!(others(&backups, ""), ["rates-copy.db"], "files beside the copy");

    // A second backup to the same path, while a reader keeps opening it:
    // the path always holds a whole database, then the newer one.
    let inode = fs::metadata(&copy).unwrap().ino();
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (watching, copy) = (watching.clone(), copy.clone());
        std::thread::spawn(move || {
            let mut looks = 0;
            while watching.load(Ordering::Relaxed) {
                let bytes = fs::read(&copy).unwrap_or_else(|e| panic!("{} missing during the second backup: {e}", copy.display()));
                assert!(bytes.starts_with(b"SQLite format 3\0") && bytes.len() % 512 == 0, "a partial copy: {} bytes", bytes.len());
                looks += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            looks
        })
    };
    let mut c = fx(work);
    c.arg("--db").arg(&db).args(["backup"]).arg(&copy);
    let out = run(c);
    watching.store(false, Ordering::Relaxed);
    let looks = watcher.join().expect("the copy was always whole");
    assert!(out.status.success(), "second backup failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "backup printed on standard output");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.starts_with("fxsnap: ") && said.contains("checked") && said.lines().count() == 1, "without -q: {said:?}");
    assert_ne!(fs::metadata(&copy).unwrap().ino(), inode, "the copy was not replaced by a rename");
    let second = rows(work, &copy);
    assert!(first.is_subset(&second), "the second copy lost observations of the first");
    assert_eq!(others(&backups, ""), ["rates-copy.db"], "files beside the copy");

    for c in &mut ingests.0 {
        let status = c.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(c.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(status.success(), "an ingest failed: {err}");
    }
    let (answers, bad) = load.finish();
    assert!(bad.is_empty(), "the server answered other than 200 under load: {:?}", &bad[..bad.len().min(5)]);
    drop(server);
    // Everything landed in the store, nothing of the backups beside it.
    let all = per_source(&rows(work, &db));
    assert!((1..=INGESTS).all(|i| all.get(&format!("load{i:02}")) == Some(&ROWS)), "{all:?}");
    assert_eq!(others(&store_dir, "rates.db"), Vec::<String>::new());
    eprintln!(
        "backup under load: {} rows before, {} in the first copy, {} in the second; {still_writing} ingests still writing after the \
         first backup; {answers} answers served; {looks} reads of the copy during the second; {:.1} s",
        before.len(),
        first.len(),
        second.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(still_writing > 0, "every ingest had finished before the first backup did: it ran during none");
}

#[test]
fn a_bad_path_fails_in_one_line_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let db = work.join("rates.db");
    bank_store(&db);
    let listing = |d: &Path| {
        let mut v: Vec<_> = fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    let before = listing(work);
    let fails = |target: &Path, wants: &str| {
        let mut c = fx(work);
        c.arg("--db").arg(&db).arg("backup").arg(target);
        let out = run(c);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", target.display());
        assert_eq!(err.lines().count(), 1, "not one line: {err:?}");
        assert!(err.contains(&target.display().to_string()) && err.contains(wants), "{err:?}");
        assert!(out.stdout.is_empty());
    };
    let missing = work.join("no-such-folder").join("rates.db");
    fails(&missing, "the folder");
    assert!(!missing.parent().unwrap().exists());
    // A file that is not a database is never replaced.
    let text = work.join("notes.txt");
    fs::write(&text, "keep me\n").unwrap();
    fails(&text, "not an SQLite database");
    assert_eq!(fs::read_to_string(&text).unwrap(), "keep me\n");
    // A folder that cannot be written (not as root, who can write anywhere).
    if unsafe { libc::geteuid() } != 0 {
        let ro = work.join("read-only");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
        fails(&ro.join("rates.db"), "Permission denied");
        assert!(fs::read_dir(&ro).unwrap().next().is_none());
        fs::remove_dir(&ro).unwrap();
    }
    fs::remove_file(&text).unwrap();
    assert_eq!(listing(work), before, "a failed backup left a file");
    // No store: one line naming it, nothing written.
    let mut c = fx(work);
    c.arg("--db").arg(work.join("none.db")).arg("backup").arg(work.join("copy.db"));
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none.db"));
    assert_eq!(listing(work), before, "a backup of no store left a file");
}

/// DESIGN "Operations (v4)": `--db` and `--config` are accepted anywhere on
/// the command line.
#[test]
fn db_and_config_before_or_after_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let db = work.join("rates.db");
    bank_store(&db);
    let config = work.join("fxsnap.toml");
    fs::write(&config, format!("db = {:?}\n[defaults]\nsource = [\"nbk\"]\n", db.display().to_string())).unwrap();
    let latest = |args: &[&str]| {
        let mut c = fx(work);
        c.current_dir(work).env("XDG_DATA_HOME", work.join("data-home")).args(args);
        ok(c)
    };
    let cfg = config.to_str().unwrap();
    let path = db.to_str().unwrap();
    let after = latest(&["latest", "--config", cfg, "--format", "csv"]);
    // The source is the fifth column (the CSV ends with `quoted`).
    let source = |l: &str| l.split(',').nth(4).unwrap_or("").to_string();
    assert!(after.contains("KZT/USD") && after.lines().skip(1).all(|l| source(l) == "nbk"), "{after}");
    assert_eq!(latest(&["--config", cfg, "latest", "--format", "csv"]), after);
    let all = latest(&["latest", "--db", path, "--format", "csv"]);
    assert!(all.lines().skip(1).any(|l| source(l) != "nbk"), "{all}");
    assert_eq!(latest(&["--db", path, "latest", "--format", "csv"]), all);
    // Both after the command: the file's defaults, the command line's store.
    assert_eq!(latest(&["latest", "--format", "csv", "--db", path, "--config", cfg]), after);
    let mut c = fx(work);
    c.args(["backup", "-q", "--config", cfg]).arg(work.join("copy.db"));
    ok(c);
    assert!(work.join("copy.db").exists());
}
