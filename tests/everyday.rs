//! Issue 14, everyday use (Must show 2-4), through the real binary:
//! `ingest --dry-run` writes and creates nothing and counts as the real run
//! would; `delete` undoes a mistaken ingest, writes what it removes as CSV
//! that `ingest` puts back, and leaves a store `check` passes.
//!
//! The inputs are the repository's own `data/` (what a user has just
//! cloned): data/README.md is not a ticker and fails, as it would for them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use common::{data, fixture, s, TempDb};
use sha2::{Digest, Sha256};

/// Runs and returns (exit code, stdout, stderr).
fn run(db: &TempDb, args: &[&str]) -> (i32, String, String) {
    let out = db.cmd(args).output().expect("run");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every file below a folder with the SHA-256 of its bytes.
fn listing(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for e in fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                out.insert(p.clone(), "folder".into());
                walk(&p, out);
            } else {
                let bytes = fs::read(&p).expect("read");
                out.insert(p, Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

/// The summary line of an ingest (its last line on stderr).
fn summary(err: &str) -> String {
    err.lines().last().unwrap_or("").to_string()
}

/// `check` passes: SQLite's integrity, the invariants, the rollups.
fn assert_check(db: &TempDb, when: &str) {
    let (code, out, err) = run(db, &["check"]);
    assert_eq!(code, 0, "check after {when}: {out}{err}");
    assert!(out.ends_with(": ok\n"), "check after {when}: {out}");
}

fn export(db: &TempDb) -> String {
    db.ok(&["history", "--pair", "all", "--format", "csv"])
}

/// Whether a row of [`export`] is of `source` (its fifth cell).
fn source_is(row: &str, source: &str) -> bool {
    row.split(',').nth(4) == Some(source)
}

/// The ids of `inputs --format csv`, with their names.
fn input_ids(db: &TempDb) -> BTreeMap<i64, String> {
    let out = db.ok(&["inputs", "--format", "csv"]);
    let mut lines = out.lines();
    assert_eq!(lines.next().map(|h| h.starts_with("id,name,")), Some(true), "{out}");
    lines
        .map(|l| {
            let mut cells = l.splitn(3, ',');
            let id = cells.next().and_then(|c| c.parse().ok()).expect("an id");
            (id, cells.next().expect("a name").to_string())
        })
        .collect()
}

#[test]
fn a_dry_run_on_a_new_path_creates_nothing_and_says_what_each_input_would_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TempDb { path: dir.path().join("not-yet").join("rates.db"), dir };
    let before = listing(db.dir.path());
    let (code, out, err) = run(&db, &["ingest", "--dry-run", s(&data(""))]);
    assert_eq!(listing(db.dir.path()), before, "a dry run created something");
    assert!(!db.path.parent().expect("parent").exists(), "the database's folder was created");
    // data/README.md is not a ticker: the same failure and exit code as a real run.
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("README.md: no ticker found"), "{err}");
    assert!(summary(&err).ends_with("1 failed (dry run: nothing written)"), "{err}");
    // One line per input read: every file of data/ but the README.
    let files: Vec<String> = listing(&data("")).into_iter().filter(|(_, h)| h != "folder").map(|(p, _)| p.display().to_string()).collect();
    let reported: Vec<&str> = out.lines().map(|l| l.split(": ").next().unwrap_or("")).collect();
    let expected: Vec<&str> = files.iter().map(String::as_str).filter(|f| !f.ends_with("README.md")).collect();
    assert_eq!(reported, expected, "{out}");
    let page = format!("{}: 5 rates: 5 new, 0 duplicate, 0 conflicts", s(&data("pages/001.txt")));
    assert!(out.lines().any(|l| l == page), "{out}");

    // The counts are the real run's, to the last row (in-run duplicates and
    // the undated pages' conflicts included).
    let real = TempDb::new();
    let (real_code, _, real_err) = run(&real, &["ingest", s(&data(""))]);
    assert_eq!(real_code, code);
    assert_eq!(format!("{} (dry run: nothing written)", summary(&real_err)), summary(&err));
}

#[test]
fn a_dry_run_on_an_existing_store_changes_no_byte_and_counts_as_the_real_run() {
    let db = TempDb::new();
    // The undated pages are stamped with their files' time: copies that share one, whatever
    // second each file of a fresh clone was written in.
    let undated_dir = tempfile::tempdir().unwrap();
    let stamp = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_779_710_400);
    for entry in fs::read_dir(data("pages-undated")).unwrap() {
        let from = entry.unwrap().path();
        let to = undated_dir.path().join(from.file_name().unwrap());
        fs::copy(&from, &to).unwrap();
        fs::File::options().write(true).open(&to).unwrap().set_modified(stamp).unwrap();
    }
    let undated = undated_dir.path().to_path_buf();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history")), s(&undated.join("004.txt"))]);
    let feeds = data("feeds");
    for policy in ["keep", "replace", "newest", "fail"] {
        let before = listing(db.dir.path());
        let args = ["ingest", "--on-conflict", policy, s(&undated), s(&feeds), s(&undated)];
        let mut dry = vec!["ingest", "--dry-run", "-v"];
        dry.extend_from_slice(&args[1..]);
        let (code, out, err) = run(&db, &dry);
        assert_eq!(listing(db.dir.path()), before, "--on-conflict {policy}: the dry run changed the folder (the file, -wal or -shm)");
        // The same run for real, on a copy.
        let copy = TempDb::new();
        fs::copy(&db.path, &copy.path).expect("copy");
        let (real_code, _, real_err) = run(&copy, &args);
        assert_eq!(code, real_code, "--on-conflict {policy}: {err}");
        assert_eq!(format!("{} (dry run: nothing written)", summary(&real_err)), summary(&err), "--on-conflict {policy}");
        if policy == "fail" {
            assert_eq!(code, 3, "{err}");
            continue;
        }
        // -v: every row, with the stored value it meets.
        let feed = format!("{}: 5 rates: 5 new, 0 duplicate, 0 conflicts", s(&data("feeds/nbkr-daily-2026-05-24.xml")));
        assert!(out.lines().any(|l| l == feed), "{out}");
        let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
        assert!(rows.iter().any(|r| r.trim_start().starts_with("new ")), "{out}");
        assert!(rows.iter().any(|r| r.trim_start().starts_with("duplicate ") && r.contains(" KGS/USD ")), "{out}");
        // Undated pages share their timestamp (the clone's time): each meets
        // the one ingested before the run, and the ones before it in the run.
        let conflicts: Vec<&&str> = rows.iter().filter(|r| r.trim_start().starts_with("conflict ")).collect();
        assert!(conflicts.iter().all(|r| r.contains(" (holds ")), "{out}");
        assert!(conflicts.iter().any(|r| r.contains(" from the store: ")), "{out}");
        assert!(conflicts.iter().any(|r| r.contains(" from an earlier input of this run: ")), "{out}");
    }
}

#[test]
fn a_dry_run_never_upgrades_a_version_1_store() {
    let db = TempDb::new();
    fs::copy(fixture("v1/rates-v1.db"), &db.path).expect("copy");
    let before = listing(db.dir.path());
    let (code, out, err) = run(&db, &["ingest", "--dry-run", "--on-conflict", "newest", s(&data("pages"))]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(listing(db.dir.path()), before, "the version-1 file was touched");
    // The real upgrade-and-ingest counts the same.
    let copy = TempDb::new();
    fs::copy(&db.path, &copy.path).expect("copy");
    let (_, _, real_err) = run(&copy, &["ingest", "--on-conflict", "newest", s(&data("pages"))]);
    assert_eq!(format!("{} (dry run: nothing written)", summary(&real_err)), summary(&err));
    assert!(out.lines().count() >= 20, "{out}");
}

#[test]
fn the_accident_undone_by_deleting_the_inputs_it_added() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history"))]);
    let good = export(&db);
    let ids_before = input_ids(&db);

    // The mistake: the whole folder, undated pages stamped with the clone time.
    let (code, _, err) = run(&db, &["ingest", s(&data(""))]);
    assert_eq!(code, 1, "data/README.md fails: {err}");
    let mistaken = export(&db);
    assert_ne!(mistaken, good);
    let ids_after = input_ids(&db);
    // The inputs of the mistake are the ids that did not exist before. The
    // pages ingested again (same name and content) kept their earlier ids:
    // deleting those would delete the good rows too.
    let new_ids: Vec<i64> = ids_after.keys().filter(|id| !ids_before.contains_key(id)).copied().collect();
    assert!(!new_ids.is_empty());
    for (id, name) in &ids_before {
        assert_eq!(ids_after.get(id), Some(name), "input {id} ({name}) was reused by the mistake, not replaced");
    }
    for id in &new_ids {
        let name = &ids_after[id];
        assert!(name.contains("/pages-undated/") || name.contains("/feeds/"), "input {id} ({name}) is not of the mistake");
    }

    let mut removed = Vec::new();
    for id in &new_ids {
        let id = id.to_string();
        let (code, out, err) = run(&db, &["delete", "--input", &id]);
        assert_eq!(code, 0, "delete --input {id}: {err}");
        assert!(out.starts_with("timestamp,pair,rate,change_pct,source,quoted\n"), "{out}");
        assert!(err.contains("deleted "), "{err}");
        assert_check(&db, &format!("delete --input {id}"));
        removed.push(out);
    }
    assert_eq!(export(&db), good, "the store is not what it was before the mistake");
    // Every input of the mistake brought something, and it was all removed.
    let removed_rows: usize = removed.iter().map(|o| o.lines().count() - 1).sum();
    assert_eq!(removed_rows, mistaken.lines().count() - good.lines().count());

    // The rows delete wrote, ingested again, restore the mistaken state.
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, out) in removed.iter().enumerate() {
        let file = dir.path().join(format!("removed-{i}.csv"));
        fs::write(&file, out).expect("write");
        if out.lines().count() > 1 {
            db.ok(&["ingest", "-q", s(&file)]);
        }
    }
    assert_eq!(export(&db), mistaken, "the removed rows did not restore the mistaken state");
    assert_check(&db, "ingesting the removed rows");
}

#[test]
fn delete_needs_a_filter_and_its_dry_run_changes_nothing() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history")), s(&data("feeds"))]);
    let before = listing(db.dir.path());
    let (code, out, err) = run(&db, &["delete"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("delete needs a filter") && err.contains("--input ID") && err.contains("--source"), "{err}");
    assert_eq!(listing(db.dir.path()), before);

    // The dry run lists exactly what the delete then removes, and changes nothing.
    let args = ["delete", "--source", "NBU", "--from", "2015-08-01", "--to", "2015-08-31"];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let (code, listed, err) = run(&db, &dry);
    assert_eq!(code, 0, "{err}");
    assert_eq!(listing(db.dir.path()), before, "delete --dry-run changed the folder");
    assert!(err.contains("dry run: nothing deleted"), "{err}");
    let all = export(&db);
    let in_august: Vec<&str> = all.lines().filter(|l| l.starts_with("2015-08-") && source_is(l, "nbu")).collect();
    assert!(!in_august.is_empty());
    assert_eq!(listed.lines().skip(1).collect::<Vec<_>>(), in_august);

    let (code, deleted, err) = run(&db, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(deleted, listed);
    assert!(err.contains(&format!("deleted {} observations", in_august.len())), "{err}");
    assert_check(&db, "delete --source nbu --from --to");
    let expected: Vec<&str> = all.lines().filter(|l| !in_august.contains(l)).collect();
    assert_eq!(export(&db).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn delete_without_pair_takes_every_pair_of_the_source_and_pair_narrows_it() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("feeds"))]);
    let all = export(&db);
    let nbk: BTreeSet<&str> = all.lines().filter(|l| source_is(l, "nbk")).collect();
    assert!(nbk.len() > 5, "nbk quotes more than the five");

    // --pair narrows (either direction names the series); other sources keep theirs.
    let (code, out, err) = run(&db, &["delete", "--pair", "usd/kzt", "--source", "nbk"]);
    assert_eq!(code, 0, "{err}");
    let usd: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(usd.len(), 1, "{out}");
    // Written as `history --pair all` writes it: KZT/USD, the published quote beside it.
    assert!(usd[0].contains(",KZT/USD,") && usd[0].ends_with(",nbk,USD/KZT 478.77"), "{out}");
    assert_check(&db, "delete --pair usd/kzt --source nbk");
    assert!(export(&db).lines().any(|l| l.contains(",KZT/USD,") && source_is(l, "timesca")));

    // No --pair: every pair nbk quotes, not only the five.
    let (code, out, err) = run(&db, &["delete", "--source", "nbk"]);
    assert_eq!(code, 0, "{err}");
    let rest: BTreeSet<&str> = out.lines().skip(1).collect();
    let expected: BTreeSet<&str> = nbk.iter().copied().filter(|l| !usd.contains(l)).collect();
    assert_eq!(rest, expected);
    assert_check(&db, "delete --source nbk");
    assert!(!export(&db).lines().any(|l| source_is(l, "nbk")));
    // The emptied series are gone: a second delete finds no source nbk.
    let (code, _, err) = run(&db, &["delete", "--source", "nbk"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no observations from source 'nbk'") && err.contains("timesca"), "{err}");
}

#[test]
fn delete_refuses_what_the_store_does_not_have_and_creates_no_database() {
    let db = TempDb::new();
    let (code, _, err) = run(&db, &["delete", "--source", "nbk"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no database at"), "{err}");
    assert!(!db.path.exists(), "delete created a database");

    db.ok(&["ingest", "-q", s(&data("pages"))]);
    let before = listing(db.dir.path());
    let (code, _, err) = run(&db, &["delete", "--input", "999"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no input 999 in the store") && err.contains("fxsnap inputs"), "{err}");
    let (code, _, err) = run(&db, &["delete", "--pair", "EUR/JPY"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no observations of EUR/JPY") && err.contains("KGS/USD (timesca)"), "{err}");
    let (code, _, err) = run(&db, &["delete", "--input", "one"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(listing(db.dir.path()), before, "a refused delete changed the store");
}

#[test]
fn a_delete_whose_rows_cannot_be_written_out_deletes_nothing() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("history"))]);
    let before = listing(db.dir.path());
    // Some 1.5 MB of rows: far more than a pipe holds, so the writer meets
    // the closed end whatever the timing.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fxsnap"))
        .env_remove("FXSNAP_DB")
        .arg("--db")
        .arg(&db.path)
        .args(["delete", "--source", "nbu"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("standard output was closed") && err.contains("nothing deleted"), "{err}");
    assert_eq!(listing(db.dir.path()), before, "rows were deleted that were never written out");
    assert_check(&db, "a delete refused");
}
