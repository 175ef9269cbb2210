//! Schema versions 2 and 3 through the real binary: a version-1 store (made
//! by the v1 binary, `tests/fixtures/v1/`) is read without a byte changing
//! (also from read-only media), upgraded by the first write without changing
//! a stored value, and survives `kill -9` during the upgrade; a version-2
//! store (`tests/fixtures/v2/`) is read and charted unchanged and gets its
//! six-hour rollups with the first write; provenance
//! (`inputs`, history's `input`/`observed`, both inputs of a conflict) and
//! `--on-conflict newest`.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{as_published, fixture, s, TempDb};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_fxsnap");

/// `fxsnap --db DB ARGS`, its exit code, stdout and stderr.
fn run(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).env_remove("FXSNAP_DB").arg("--db").arg(db).args(args).stdin(Stdio::null()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!(code, 0, "fxsnap {args:?}: {err}");
    out
}

fn sha256_of(path: &Path) -> String {
    Sha256::digest(fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The v1 fixture copied alone into a fresh folder.
fn v1_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates-v1.db");
    fs::copy(fixture("v1/rates-v1.db"), &db).unwrap();
    (dir, db)
}

fn pragma(db: &Path, name: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).unwrap()
}

/// The first `n` comma-separated fields of each line (the fixture's CSV
/// cells hold no quoted commas).
/// `conflicts --format csv` in the kept value's stored direction, as the v1 binary wrote it:
/// a row whose kept value version 4 shows computed takes its `kept_quoted` (and
/// `dropped_quoted`) as published.
fn conflicts_as_published(text: &str) -> String {
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for l in lines {
        let mut f: Vec<String> = l.split(',').map(String::from).collect();
        // In the kept value's stored direction: only a row whose kept value is shown computed
        // turns (the value not kept, if quoted the other way, was computed then as it is now).
        if f[12].is_empty() {
            out += &(l.to_string() + "\n");
            continue;
        }
        for (quoted, value, change) in [(12, 3, 5), (13, 4, 6)] {
            if f[quoted].is_empty() {
                continue;
            }
            let words: Vec<String> = f[quoted].split(' ').map(String::from).collect();
            f[1] = words[0].clone();
            f[value] = words[1].clone();
            f[change] = words.get(2).map(|c| c.trim_end_matches('%').to_string()).unwrap_or_default();
        }
        out += &(f.join(",") + "\n");
    }
    out
}

fn first_fields(text: &str, n: usize) -> String {
    text.lines().map(|l| l.split(',').take(n).collect::<Vec<_>>().join(",") + "\n").collect()
}

/// Every reading command and format on the v1 fixture; returns history's CSV.
fn read_everything(db: &Path) -> String {
    let csv = ok(db, &["history", "--pair", "all", "--format", "csv"]);
    for args in [
        vec!["latest"],
        vec!["latest", "--format", "json"],
        vec!["history"],
        vec!["history", "--format", "jsonl"],
        vec!["stats"],
        vec!["conflicts"],
        vec!["conflicts", "--format", "csv"],
        vec!["inputs"],
        vec!["inputs", "--failed"],
        vec!["check"],
    ] {
        ok(db, &args);
    }
    csv
}

#[test]
fn the_v1_fixture_is_read_without_a_byte_changing() {
    let (dir, db) = v1_copy();
    let before = sha256_of(&db);
    assert_eq!((pragma(&db, "user_version"), pragma(&db, "application_id")), (1, 0), "the fixture is a version-1 file");
    let csv = read_everything(&db);
    assert_eq!(as_published(&csv), fs::read_to_string(fixture("v1/history-v1.csv")).unwrap(), "history reads as the v1 binary exported it");
    let conflicts = ok(&db, &["conflicts", "--format", "csv"]);
    assert_eq!(
        first_fields(&conflicts_as_published(&conflicts), 10),
        fs::read_to_string(fixture("v1/conflicts-v1.csv")).unwrap(),
        "the v1 columns of the conflict log"
    );
    // A v1 conflict names the input it recorded: the one that brought the
    // new value, dropped under keep and kept under replace.
    for line in conflicts.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        match f[7] {
            "keep" => assert_eq!((f[10], f[11]), ("", f[8]), "{line}"),
            "replace" => assert_eq!((f[10], f[11]), (f[8], ""), "{line}"),
            other => panic!("policy {other} in a v1 file: {line}"),
        }
    }
    for line in ok(&db, &["history", "--format", "jsonl"]).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!((&v["input"], &v["observed"]), (&serde_json::json!(""), &serde_json::Value::Null), "{line}");
    }
    assert_eq!(ok(&db, &["inputs", "--format", "csv"]), "id,name,size,sha256,reader,observed,ingested,new,duplicate,conflict,skipped\n");
    assert_eq!(sha256_of(&db), before, "a reading command changed the v1 file");
    assert_eq!(listing(dir.path()), ["rates-v1.db"], "a reading command left files beside it");
    assert_eq!(pragma(&db, "user_version"), 1);
}

/// A tmpfs mounted for one test (root only), unmounted when dropped: as
/// tests/reliability.rs does for read-only media, since root ignores file
/// permissions.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path) -> Result<Tmpfs, String> {
        let root = fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|st| st.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
            .unwrap_or(false);
        if !root {
            return Err("not root: cannot mount a tmpfs".into());
        }
        fs::create_dir_all(dir).unwrap();
        let out =
            Command::new("mount").args(["-t", "tmpfs", "-o", "size=8m,mode=0777", "tmpfs", s(dir)]).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("mount failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(Tmpfs(dir.to_path_buf()))
    }
    fn remount(&self, mode: &str) {
        let out = Command::new("mount").args(["-o", &format!("remount,{mode}"), s(&self.0)]).output().unwrap();
        assert!(out.status.success(), "remount,{mode}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn the_v1_fixture_is_read_from_read_only_media() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = match Tmpfs::mount(&dir.path().join("mnt")) {
        Ok(m) => m,
        Err(why) => {
            // Said on the real stderr; the other tests still cover reading.
            let _ = writeln!(std::io::stderr(), "skipped: the_v1_fixture_is_read_from_read_only_media: {why}");
            return;
        }
    };
    let db = mnt.0.join("rates-v1.db");
    fs::copy(fixture("v1/rates-v1.db"), &db).unwrap();
    let before = sha256_of(&db);
    mnt.remount("ro");
    let csv = read_everything(&db);
    assert_eq!(as_published(&csv), fs::read_to_string(fixture("v1/history-v1.csv")).unwrap());
    // A write is refused, naming why, and changes nothing.
    let (code, _, err) = run(&db, &["ingest", s(&fixture("pages/043.txt"))]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(sha256_of(&db), before);
    assert_eq!(listing(&mnt.0), ["rates-v1.db"]);
    mnt.remount("rw");
}

/// One observation as stored, by series name: (source, base, quote, ts, rate, inverted, change).
type StoredRow = (String, String, String, i64, String, i64, Option<String>);

/// Every observation as stored.
fn stored_rows(db: &Path) -> Vec<StoredRow> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare(
            "SELECT s.source, s.base, s.quote, o.ts, o.rate, o.inverted, o.change FROM observation o JOIN series s ON s.id = o.series_id \
             ORDER BY s.source, s.base, s.quote, o.ts",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn the_first_write_upgrades_without_changing_a_stored_value() {
    let (_dir, db) = v1_copy();
    let old_rows = stored_rows(&db);
    let page = fixture("pages/043.txt"); // 14 February 2026: after every fixture row
    let (code, _, err) = run(&db, &["ingest", s(&page)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 new"), "{err}");
    assert_eq!((pragma(&db, "user_version"), pragma(&db, "application_id")), (4, 0x4658_5331));
    ok(&db, &["check"]);
    // The old rows: the same stored values, the same export bytes.
    let now = stored_rows(&db);
    assert_eq!(now.len(), old_rows.len() + 5);
    assert!(old_rows.iter().all(|r| now.contains(r)), "a stored value changed in the upgrade");
    let old = ok(&db, &["history", "--pair", "all", "--format", "csv", "--to", "2025-12-31"]);
    assert_eq!(
        as_published(&old),
        fs::read_to_string(fixture("v1/history-v1.csv")).unwrap(),
        "the old rows export as the v1 binary exported them"
    );
    let conflicts = ok(&db, &["conflicts", "--format", "csv"]);
    assert_eq!(first_fields(&conflicts_as_published(&conflicts), 10), fs::read_to_string(fixture("v1/conflicts-v1.csv")).unwrap());
    // Provenance: the new rows name their input, the old ones none.
    let mut new_rows = 0;
    for line in ok(&db, &["history", "--pair", "all", "--format", "jsonl"]).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["timestamp"] == "2026-02-14T00:00:00Z" {
            assert_eq!(v["input"], s(&page), "{line}");
            assert!(v["observed"].as_str().is_some_and(|t| t.ends_with('Z')), "{line}");
            new_rows += 1;
        } else {
            assert_eq!((&v["input"], &v["observed"]), (&serde_json::json!(""), &serde_json::Value::Null), "{line}");
        }
    }
    assert_eq!(new_rows, 5);
    // A second write finds the current version and changes nothing more.
    let (code, _, err) = run(&db, &["ingest", s(&page)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 duplicate"), "{err}");
    assert_eq!(stored_rows(&db), now);
    assert_eq!(pragma(&db, "user_version"), 4);
}

/// Columns of `inputs --format csv` by name.
fn inputs(db: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let out = ok(db, &["inputs", "--format", "csv"]);
    let mut lines = out.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(String::from)).collect()).collect()
}

#[test]
fn inputs_list_each_input_with_the_sha256_that_sha256sum_prints() {
    let db = TempDb::new();
    let dir = db.dir.path();
    let csv = dir.join("rows.csv");
    fs::write(&csv, "timestamp,pair,rate,source\n2025-12-01,KZT/USD,0.0019,NBK\n2025-12-02,USD/KZT,512.5,nbk\n").unwrap();
    let p1 = fixture("pages/001.txt");
    let p2 = fixture("pages/002.txt");
    db.ok(&["ingest", "-q", s(&p1), s(&p2), s(&csv)]);
    // Standard input is named '-', hashed as read.
    let stdin_bytes = fs::read(fixture("pages/005.txt")).unwrap();
    let mut child = Command::new(BIN).arg("--db").arg(&db.path).args(["ingest", "-q", "-"]).stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(&stdin_bytes).unwrap();
    assert!(child.wait().unwrap().success());
    // A CSV with no rows brings nothing: it is not recorded.
    let empty = dir.join("empty.csv");
    fs::write(&empty, "timestamp,pair,rate,source\n").unwrap();
    db.ok(&["ingest", "-q", s(&empty)]);

    let rows = inputs(&db.path);
    assert_eq!(rows.len(), 4, "{rows:#?}");
    // Newest first: stdin was ingested last.
    assert_eq!(rows[0]["name"], "-");
    let stdin_sha: String = Sha256::digest(&stdin_bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(rows[0]["sha256"], stdin_sha);
    assert_eq!(rows[0]["size"], stdin_bytes.len().to_string());
    for (path, reader, new) in [(&p1, "ticker", "5"), (&p2, "ticker", "5"), (&csv, "csv", "2")] {
        let row = rows.iter().find(|r| r["name"] == s(path)).unwrap_or_else(|| panic!("{} not listed: {rows:#?}", path.display()));
        let out = Command::new("sha256sum").arg(path).output().unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(row["sha256"], printed.split_whitespace().next().unwrap(), "{}", path.display());
        assert_eq!(row["size"], fs::metadata(path).unwrap().len().to_string());
        assert_eq!((row["reader"].as_str(), row["new"].as_str(), row["skipped"].as_str()), (reader, new, "0"));
        assert!(row["observed"].ends_with('Z') && row["ingested"].ends_with('Z'), "{row:?}");
    }
    // Labels are stored in lower case; --source matches in any case.
    assert_eq!(db.ok(&["history", "--source", "NBK", "--format", "csv"]).lines().count(), 3);
    // The same documents again: their input rows are reused, not multiplied.
    db.ok(&["ingest", "-q", s(&p1), s(&csv)]);
    let again = inputs(&db.path);
    assert_eq!(again.len(), 4);
    let p1_row = again.iter().find(|r| r["name"] == s(&p1)).unwrap();
    assert_eq!((p1_row["new"].as_str(), p1_row["duplicate"].as_str()), ("0", "5"), "counts of the latest ingest");
    // Every row of history's JSON lines names its input and when it was observed.
    let jsonl = db.ok(&["history", "--pair", "all", "--format", "jsonl"]);
    assert_eq!(jsonl.lines().count(), 17);
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let input = v["input"].as_str().unwrap_or_else(|| panic!("no input: {line}"));
        assert!(again.iter().any(|r| r["name"] == input), "{line}");
        assert!(v["observed"].as_str().is_some_and(|t| t.len() == 20), "{line}");
    }
    db.ok(&["check"]);
}

#[test]
fn a_conflict_names_the_inputs_of_both_values() {
    let db = TempDb::new();
    let (p001, p010) = (fixture("pages/001.txt"), fixture("pages/010.txt"));
    db.ok(&["ingest", "-q", s(&p001)]);
    db.ok(&["ingest", "-q", "--at", "2025-12-08", s(&p010)]);
    let out = db.ok(&["conflicts", "--format", "json"]);
    let log: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(log.len(), 4, "{out}");
    for c in &log {
        assert_eq!(
            (c["policy"].as_str(), c["kept_input"].as_str(), c["dropped_input"].as_str()),
            (Some("keep"), Some(s(&p001)), Some(s(&p010)))
        );
    }
    // Under replace the roles turn.
    db.ok(&["ingest", "-q", "--at", "2025-12-08", "--on-conflict", "replace", s(&p010)]);
    let out = db.ok(&["conflicts", "--format", "json"]);
    let log: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let replaced: Vec<_> = log.iter().filter(|c| c["policy"] == "replace").collect();
    assert_eq!(replaced.len(), 4, "{out}");
    for c in replaced {
        assert_eq!((c["kept_input"].as_str(), c["dropped_input"].as_str()), (Some(s(&p010)), Some(s(&p001))));
    }
    // The replaced rows now name the input that brought them.
    let jsonl = db.ok(&["history", "--format", "jsonl", "--pair", "KGS"]);
    let v: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!((v["rate"].as_str(), v["input"].as_str()), (Some("0.01143"), Some(s(&p010))));
}

/// Writes `text` to `path` with modification time `mtime` (unix seconds).
fn write_at(path: &Path, text: &str, mtime: u64) {
    fs::write(path, text).unwrap();
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(mtime)).unwrap();
}

#[test]
fn newest_gives_the_same_store_in_either_order() {
    const OLDER: &str = "timestamp,pair,rate,change_pct,source\n2026-05-20,EUR/TMT,4.0649,,cbt\n2026-05-20,USD/TMT,3.5,,cbt\n";
    const NEWER: &str = "timestamp,pair,rate,change_pct,source\n2026-05-20,EUR/TMT,4.0712,,cbt\n2026-05-20,USD/TMT,3.5,,cbt\n";
    let (t_old, t_new) = (1_779_235_200, 1_779_321_600); // 2026-05-20 and 2026-05-21
    let mut histories = Vec::new();
    for order in [[(OLDER, t_old), (NEWER, t_new)], [(NEWER, t_new), (OLDER, t_old)]] {
        let db = TempDb::new();
        // One document (one name) in two versions.
        let doc = db.dir.path().join("cbt.csv");
        for (text, mtime) in order {
            write_at(&doc, text, mtime);
            let (code, _, err) = run(&db.path, &["ingest", "--on-conflict", "newest", s(&doc)]);
            assert_eq!(code, 0, "{err}");
        }
        let history = db.ok(&["history", "--pair", "all", "--format", "csv"]);
        assert!(history.contains("2026-05-20T00:00:00Z,EUR/TMT,4.0712,,cbt,\n"), "{history}");
        let log: Vec<serde_json::Value> = serde_json::from_str(&db.ok(&["conflicts", "--pair", "all", "--format", "json"])).unwrap();
        assert_eq!(log.len(), 1, "{log:?}");
        // EUR/TMT is its own canonical direction: the values as quoted, the older one dropped.
        let c = &log[0];
        assert_eq!((c["pair"].as_str(), c["policy"].as_str()), (Some("EUR/TMT"), Some("newest")));
        assert_eq!((c["kept"].as_str(), c["dropped"].as_str()), (Some("4.0712"), Some("4.0649")), "{c}");
        assert_eq!((c["kept_input"].as_str(), c["dropped_input"].as_str()), (Some(s(&doc)), Some(s(&doc))));
        assert_eq!(inputs(&db.path).len(), 2, "two versions, two inputs");
        // Re-ingesting either version changes nothing.
        for (text, mtime) in [(OLDER, t_old), (NEWER, t_new)] {
            write_at(&doc, text, mtime);
            db.ok(&["ingest", "-q", "--on-conflict", "newest", s(&doc)]);
        }
        assert_eq!(db.ok(&["history", "--pair", "all", "--format", "csv"]), history);
        assert_eq!(inputs(&db.path).len(), 2);
        db.ok(&["check"]);
        histories.push(history);
    }
    assert_eq!(histories[0], histories[1]);
}

/// A large version-1 database made directly: the v1 schema, `rows`
/// observations over three series (rollups folded as v1 keeps them) and a
/// conflict log of `conflicts` rows, in WAL mode, user_version 1.
fn large_v1(path: &Path, rows: i64, conflicts: i64) {
    let mut c = rusqlite::Connection::open(path).unwrap();
    let _: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
    let tx = c.transaction().unwrap();
    tx.execute_batch(include_str!("../src/store/migrations/v1.sql")).unwrap();
    for (id, base) in [(1, "KZT"), (2, "UZS"), (3, "KGS")] {
        tx.execute("INSERT INTO series (id, source, base, quote) VALUES (?1, 'big', ?2, 'USD')", rusqlite::params![id, base]).unwrap();
    }
    let t0: i64 = 1_262_304_000; // 2010-01-01
    {
        let mut ins = tx.prepare("INSERT INTO observation (series_id, ts, rate, inverted, change) VALUES (?1, ?2, ?3, 0, NULL)").unwrap();
        let mut roll = tx
            .prepare(
                "INSERT INTO rollup (series_id, width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .unwrap();
        for sid in 1..=3i64 {
            // (width, bucket, n, first, min, max, last) per open bucket.
            type Open = (i64, i64, i64, (i64, f64), (i64, f64), (i64, f64), (i64, f64));
            let mut open: Vec<Option<Open>> = vec![None, None];
            let mut flush = |o: Open| {
                roll.execute(rusqlite::params![sid, o.0, o.1, o.2, o.3 .0, o.3 .1, o.4 .0, o.4 .1, o.5 .0, o.5 .1, o.6 .0, o.6 .1])
                    .unwrap();
            };
            for i in 0..rows / 3 {
                let ts = t0 + i * 1800;
                let rate = format!("0.00{}", 1000 + (i * 7919 + sid * 13) % 9000);
                ins.execute(rusqlite::params![sid, ts, rate]).unwrap();
                let v: f64 = rate.parse().unwrap();
                for (k, w) in [3600i64, 86400].into_iter().enumerate() {
                    let bucket = ts.div_euclid(w) * w;
                    match &mut open[k] {
                        Some(o) if o.1 == bucket => {
                            o.2 += 1;
                            if v < o.4 .1 {
                                o.4 = (ts, v);
                            }
                            if v > o.5 .1 {
                                o.5 = (ts, v);
                            }
                            o.6 = (ts, v);
                        }
                        slot => {
                            if let Some(done) = slot.take() {
                                flush(done);
                            }
                            *slot = Some((w, bucket, 1, (ts, v), (ts, v), (ts, v), (ts, v)));
                        }
                    }
                }
            }
            for o in open.into_iter().flatten() {
                flush(o);
            }
        }
        let mut log = tx
            .prepare(
                "INSERT INTO conflict (series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, dropped_inverted, \
                 dropped_change, input, logged_at) VALUES (1, ?1, 'keep', '0.002', 0, NULL, '0.003', 0, NULL, 'old.csv', ?1)",
            )
            .unwrap();
        for i in 0..conflicts {
            log.execute([t0 + i * 1800]).unwrap();
        }
    }
    tx.execute_batch("PRAGMA user_version = 1").unwrap();
    tx.commit().unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
}

/// What a file holds, schema-wise: (user_version, application_id, has the
/// input table, observation has input_id, conflict has kept_input_id).
fn schema_state(db: &Path) -> (i64, i64, bool, bool, bool) {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let has = |sql: &str| -> bool { c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() > 0 };
    (
        c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap(),
        c.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap(),
        has("SELECT count(*) FROM sqlite_master WHERE name = 'input'"),
        has("SELECT count(*) FROM pragma_table_info('observation') WHERE name = 'input_id'"),
        has("SELECT count(*) FROM pragma_table_info('conflict') WHERE name = 'kept_input_id'"),
    )
}

/// Counts and a hash of the stored old rows: observations and conflicts.
fn old_content(db: &Path) -> (i64, i64, String) {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM observation WHERE series_id <= 3", [], |r| r.get(0)).unwrap();
    let k: i64 = c.query_row("SELECT count(*) FROM conflict", [], |r| r.get(0)).unwrap();
    let mut h = Sha256::new();
    let mut st =
        c.prepare("SELECT series_id, ts, rate, inverted, change FROM observation WHERE series_id <= 3 ORDER BY series_id, ts").unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        h.update(format!(
            "{}|{}|{}|{}|{:?}\n",
            r.get::<_, i64>(0).unwrap(),
            r.get::<_, i64>(1).unwrap(),
            r.get::<_, String>(2).unwrap(),
            r.get::<_, i64>(3).unwrap(),
            r.get::<_, Option<String>>(4).unwrap()
        ));
    }
    let mut st =
        c.prepare("SELECT id, series_id, ts, policy, kept_rate, dropped_rate, input, logged_at FROM conflict ORDER BY id").unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        for i in 0..8 {
            h.update(format!("{:?}|", r.get_ref(i).unwrap()));
        }
    }
    (n, k, h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[test]
fn kill_9_during_the_upgrade_of_a_large_v1_database_leaves_v1_or_the_current_version() {
    const ROWS: i64 = 300_000;
    const CONFLICTS: i64 = 60_000;
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base-v1.db");
    large_v1(&base, ROWS, CONFLICTS);
    ok(&base, &["check"]);
    let want = old_content(&base);
    assert_eq!((want.0, want.1), (ROWS, CONFLICTS));
    assert_eq!(schema_state(&base), (1, 0, false, false, false));
    let page = fixture("pages/043.txt");

    // An unkilled upgrade, for its duration and its result.
    let db = dir.path().join("db.db");
    fs::copy(&base, &db).unwrap();
    let started = Instant::now();
    ok(&db, &["ingest", "-q", s(&page)]);
    let full = started.elapsed();
    assert_eq!(schema_state(&db), (4, 0x4658_5331, true, true, true));
    assert_eq!(old_content(&db), want, "the upgrade changed a stored value");
    println!("an unkilled upgrade and ingest took {:.3} s", full.as_secs_f64());

    let mut outcomes = Vec::new();
    for step in 0..8u32 {
        // Moments from the start to past the end of an unkilled run.
        let at = f64::from(step) / 7.0 * 1.1;
        fs::copy(&base, &db).unwrap();
        for suffix in ["-wal", "-shm"] {
            let _ = fs::remove_file(dir.path().join(format!("db.db{suffix}")));
        }
        let mut child = Command::new(BIN).arg("--db").arg(&db).args(["ingest", "-q", s(&page)]).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(full.mul_f64(at));
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        // The next command to open it recovers its WAL: `check` first.
        let (code, out, err) = run(&db, &["check"]);
        assert_eq!(code, 0, "check after a kill at {at:.2}: {out}{err}");
        let state = schema_state(&db);
        assert!(
            state == (1, 0, false, false, false) || state == (4, 0x4658_5331, true, true, true),
            "kill at {at:.2}: a torn schema {state:?}"
        );
        assert_eq!(old_content(&db), want, "kill at {at:.2}: the old rows changed");
        outcomes.push((at, state.0));
        // Whatever the kill left, the next write completes the upgrade.
        ok(&db, &["ingest", "-q", s(&page)]);
        assert_eq!(schema_state(&db).0, 4);
        ok(&db, &["check"]);
    }
    for (at, v) in &outcomes {
        println!("kill at {at:.2} of a run: version {v}");
    }
}

#[test]
fn a_streamed_csv_seen_before_keeps_its_one_input_record() {
    // A CSV is hashed while it streams: its rows first name a provisional
    // input, which the commit merges into the document's earlier record.
    let db = TempDb::new();
    let (a, b) = (db.dir.path().join("a.csv"), db.dir.path().join("b.csv"));
    fs::write(&a, "timestamp,pair,rate,source\n2025-12-01,KZT/USD,0.0019,nbk\n2025-12-02,KZT/USD,0.0018,nbk\n").unwrap();
    fs::write(&b, "timestamp,pair,rate,source\n2025-12-01,KZT/USD,0.0021,nbk\n").unwrap();
    db.ok(&["ingest", "-q", s(&a)]);
    db.ok(&["ingest", "-q", "--on-conflict", "replace", s(&b)]);
    db.ok(&["ingest", "-q", "--on-conflict", "replace", s(&a)]);
    let rows = inputs(&db.path);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let a_row = rows.iter().find(|r| r["name"] == s(&a)).unwrap();
    assert_eq!((a_row["new"].as_str(), a_row["duplicate"].as_str(), a_row["conflict"].as_str()), ("0", "1", "1"));
    for line in db.ok(&["history", "--format", "jsonl"]).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["input"], s(&a), "{line}");
    }
    let log: Vec<serde_json::Value> = serde_json::from_str(&db.ok(&["conflicts", "--format", "json"])).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!((log[1]["kept_input"].as_str(), log[1]["dropped_input"].as_str()), (Some(s(&a)), Some(s(&b))));
    // No row names an input that is gone.
    db.ok(&["check"]);
    let c = rusqlite::Connection::open(&db.path).unwrap();
    let dangling: i64 = c
        .query_row(
            "SELECT (SELECT count(*) FROM observation WHERE input_id NOT IN (SELECT id FROM input)) + \
                    (SELECT count(*) FROM conflict WHERE kept_input_id NOT IN (SELECT id FROM input) OR dropped_input_id NOT IN (SELECT id FROM input))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dangling, 0);
}

/// The v2 fixture (made by the schema-version-2 binary, which stored a
/// rollup row for a bucket of one observation and none of six hours)
/// copied alone into a fresh folder.
fn v2_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates-v2.db");
    fs::copy(fixture("v2/rates-v2.db"), &db).unwrap();
    (dir, db)
}

/// Rollup rows of one width, by series name: (source, base, quote, bucket,
/// n, first_ts, min_ts, max_ts, last_ts, first, min, max, last).
fn rollups(db: &Path, width: i64) -> Vec<String> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare(
            "SELECT s.source, s.base, s.quote, r.bucket, r.n, r.first_ts, r.min_ts, r.max_ts, r.last_ts, r.first, r.min, r.max, r.last \
             FROM rollup r JOIN series s ON s.id = r.series_id WHERE r.width = ?1 ORDER BY 1, 2, 3, 4",
        )
        .unwrap();
    let n = st.column_count();
    st.query_map([width], |r| Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|")))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn a_version_2_store_is_read_and_charted_without_a_byte_changing() {
    let (dir, db) = v2_copy();
    let before = sha256_of(&db);
    assert_eq!(pragma(&db, "user_version"), 2, "the fixture is a version-2 file");
    assert!(rollups(&db, 21_600).is_empty(), "version 2 kept no six-hour rollups");
    let csv = read_everything(&db);
    assert_eq!(as_published(&csv), fs::read_to_string(fixture("v2/history-v2.csv")).unwrap(), "history reads as the v2 binary exported it");
    // A chart over the dense days reads the hourly rows version 2 kept.
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let svg = out.join("kzt.svg");
    ok(&db, &["chart", "-o", s(&svg), "--pair", "KZT", "--source", "dense", "--from", "2026-03-10", "--to", "2026-03-13"]);
    assert!(fs::read_to_string(&svg).unwrap().contains("<polyline"), "the dense line is drawn");
    assert_eq!(sha256_of(&db), before, "a reading command changed the v2 file");
    assert_eq!(listing(dir.path()), ["out", "rates-v2.db"], "a reading command left files beside it");
}

#[test]
fn the_first_write_to_a_version_2_store_folds_its_six_hour_rollups() {
    let (dir, db) = v2_copy();
    // A page already stored: five duplicates, but a write, so the upgrade.
    let (code, _, err) = run(&db, &["ingest", s(&fixture("pages/001.txt"))]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 duplicate"), "{err}");
    assert_eq!(pragma(&db, "user_version"), 4);
    ok(&db, &["check"]);
    let history = ok(&db, &["history", "--pair", "all", "--format", "csv"]);
    assert_eq!(as_published(&history), fs::read_to_string(fixture("v2/history-v2.csv")).unwrap(), "the upgrade changed a stored value");
    // The six-hour rows are those a fresh store folds from the same data.
    let upgraded = rollups(&db, 21_600);
    assert!(upgraded.len() >= 12, "dense.csv fills twelve six-hour buckets: {upgraded:?}");
    let fresh = dir.path().join("fresh.db");
    let export = dir.path().join("history.csv");
    fs::write(&export, &history).unwrap();
    ok(&fresh, &["ingest", "-q", s(&export)]);
    assert_eq!(upgraded, rollups(&fresh, 21_600));
    // The hour's and the day's rows of one observation that version 2 kept
    // are still there, and valid: `check` passed above.
    let ones: usize =
        [3600, 86_400].iter().map(|w| rollups(&db, *w).iter().filter(|r| r.split('|').nth(4) == Some("Integer(1)")).count()).sum();
    assert!(ones > 100, "{ones} rows of one observation kept from version 2");
    assert_eq!(rollups(&fresh, 3600).iter().filter(|r| r.split('|').nth(4) == Some("Integer(1)")).count(), 0);
}
