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

/// The ingest time (unix seconds) recorded on the one input row named `name`.
fn ingested(db: &Path, name: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row("SELECT ingested FROM input WHERE name = ?1", [name], |r| r.get(0)).unwrap()
}

/// Sleeps until just after the next whole second of the clock.
fn to_next_second() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1010) - std::time::Duration::from_millis(now.subsec_millis().into()));
}

/// The same document again brings only duplicates: in the same second as
/// its last ingest (which also found only duplicates) its row would record
/// what it holds, so nothing changes and the stamp stays
/// (a cron run that finds nothing new writes nothing); in a later second its
/// row records the new ingest time, a change, and the stamp moves.
#[test]
fn the_same_document_again_moves_the_stamp_only_when_its_record_changes() {
    let db = TempDb::new();
    let nbk = fixture("feeds/nbk-2026-04-01.xml");
    let name = s(&nbk);
    db.ok(&["ingest", "-q", name]);
    let mut same_second_seen = false;
    for _ in 0..3 {
        to_next_second();
        db.ok(&["ingest", "-q", name]);
        let (before, at) = (stamp(&db.path).unwrap(), ingested(&db.path, name));
        let bytes = fs::read(&db.path).unwrap();
        db.ok(&["ingest", "-q", name]);
        if ingested(&db.path, name) == at {
            assert_eq!(stamp(&db.path), Some(before), "the same document in the same second moved the stamp");
            assert!(fs::read(&db.path).unwrap() == bytes, "the same document in the same second changed the file");
            same_second_seen = true;
            break;
        }
        assert_eq!(stamp(&db.path).unwrap().0, before.0 + 1, "a new ingest time is a change");
    }
    assert!(same_second_seen, "three tries at two ingests within one second all crossed a second");

    to_next_second();
    let (before, at) = (stamp(&db.path).unwrap(), ingested(&db.path, name));
    db.ok(&["ingest", "-q", name]);
    assert!(ingested(&db.path, name) > at, "the row records the later ingest");
    assert_eq!(stamp(&db.path).unwrap().0, before.0 + 1, "a later ingest time moves the stamp");
}
