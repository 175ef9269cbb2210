//! The store's change stamp (issue 18, must show 4): unchanged by every
//! reading command and by a failed ingest; moved by an ingest that stores,
//! a delete and an upgrade. Read straight from the file, as another process
//! (serve) would.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, s, TempDb};

/// (counter, at) of the stamp row, or None when the file has no stamp.
fn stamp(db: &Path) -> Option<(i64, i64)> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let has: i64 = c.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'stamp'", [], |r| r.get(0)).unwrap();
    (has == 1).then(|| c.query_row("SELECT counter, at FROM stamp WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap())
}

#[test]
fn the_stamp_moves_with_every_committed_write_and_never_otherwise() {
    let db = TempDb::new();
    let nbk = fixture("feeds/nbk-2026-04-01.xml");
    db.ok(&["ingest", "-q", s(&nbk)]);
    let first = stamp(&db.path).expect("a new store has a stamp");
    assert!(first.0 >= 1 && first.1 > 0, "{first:?}");

    let out = db.dir.path().join("out");
    let chart = out.join("c.svg");
    let report = out.join("report");
    fs::create_dir_all(&out).unwrap();
    let reading: Vec<Vec<&str>> = vec![
        vec!["latest"],
        vec!["latest", "--format", "json"],
        vec!["history", "--pair", "all", "--format", "csv"],
        vec!["history", "--cross", "--format", "jsonl"],
        vec!["stats"],
        vec!["convert", "100", "KZT", "EUR"],
        vec!["conflicts"],
        vec!["inputs"],
        vec!["inputs", "--failed"],
        vec!["check"],
        vec!["chart", "--pair", "KZT/USD", "-o", s(&chart)],
        vec!["report", "-o", s(&report)],
        vec!["delete", "--source", "nbk", "--dry-run"],
        vec!["ingest", "--dry-run", s(&nbk)],
    ];
    for args in &reading {
        let _ = db.cmd(args).output().unwrap();
        assert_eq!(stamp(&db.path), Some(first), "`{}` moved the stamp", args.join(" "));
    }

    // A failed ingest: a bad page, nothing stored.
    let bad = db.cmd(&["ingest", s(&fixture("bad/notanumber.txt"))]).output().unwrap();
    assert!(!bad.status.success(), "the bad page was refused");
    assert_eq!(stamp(&db.path), Some(first), "a failed ingest moved the stamp");

    // An ingest that stores.
    db.ok(&["ingest", "-q", s(&fixture("feeds/cbu-2026-04-03.json"))]);
    let stored = stamp(&db.path).unwrap();
    assert_eq!(stored.0, first.0 + 1, "an ingest that stores moves the stamp by one");
    assert!(stored.1 >= first.1);

    // A delete that removes rows; then one that removes none.
    db.ok(&["delete", "--source", "cbu"]);
    let deleted = stamp(&db.path).unwrap();
    assert_eq!(deleted.0, stored.0 + 1, "a delete moves the stamp");
    let none = db.cmd(&["delete", "--source", "cbu"]).output().unwrap();
    assert!(!none.status.success(), "nothing left to delete");
    assert_eq!(stamp(&db.path), Some(deleted), "a delete of nothing moved the stamp");

    // An upgrade: a version-1 store read as it is has no stamp; its first
    // write upgrades it (one transaction) and stores the input (another).
    let old = TempDb::new();
    fs::copy(fixture("v1/rates-v1.db"), &old.path).unwrap();
    old.ok(&["latest"]);
    old.ok(&["check"]);
    assert_eq!(stamp(&old.path), None, "reading a version-1 store added a stamp");
    old.ok(&["ingest", "-q", s(&nbk)]);
    let upgraded = stamp(&old.path).expect("the upgrade adds the stamp");
    assert_eq!(upgraded.0, 2, "the upgrade and the ingest are two writes");
}
