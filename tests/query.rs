//! Issue 18: the query layer's answers through the real binary, where the
//! issue changed them (the conflict log's CSV as quoted).

mod common;

use std::fs;

use common::{s, TempDb};

/// A bank quotes USD/KZT; a second input disagrees at the same time.
fn bank_conflict() -> TempDb {
    let db = TempDb::new();
    let a = db.dir.path().join("a.csv");
    let b = db.dir.path().join("b.csv");
    fs::write(&a, "timestamp,pair,rate,source\n2025-12-12T00:00:00Z,USD/KZT,475.09,nbk\n").unwrap();
    fs::write(&b, "timestamp,pair,rate,source\n2025-12-12T00:00:00Z,USD/KZT,475.10,nbk\n").unwrap();
    db.ok(&["ingest", "-q", s(&a)]);
    db.ok(&["ingest", "-q", s(&b)]);
    db
}

fn csv_fields(out: &str) -> Vec<Vec<String>> {
    out.lines().skip(1).map(|l| l.split(',').map(String::from).collect()).collect()
}

#[test]
fn the_conflict_log_in_csv_keeps_the_published_digits() {
    let db = bank_conflict();
    let rows = csv_fields(&db.ok(&["conflicts", "--format", "csv"]));
    assert_eq!(rows.len(), 1, "{rows:?}");
    // In the direction every format shows (KZT/USD), each value's published digits beside its
    // computed inverse (as `history --format csv` carries them in `quoted`).
    assert_eq!(&rows[0][1..5], ["KZT/USD", "nbk", "0.002104864341", "0.002104820038"], "{rows:?}");
    assert_eq!(&rows[0][12..14], ["USD/KZT 475.09", "USD/KZT 475.10"], "{rows:?}");
    let history = csv_fields(&db.ok(&["history", "--format", "csv"]));
    assert_eq!(&history[0][1..3], ["KZT/USD", "0.002104864341"], "{history:?}");
    assert_eq!(history[0][5], "USD/KZT 475.09", "{history:?}");
    // A direction asked for is shown: the same computed inverse.
    let asked = csv_fields(&db.ok(&["conflicts", "--pair", "KZT/USD", "--format", "csv"]));
    assert_eq!(asked, rows, "{asked:?}");
    // Inverted, the values as published, nothing beside them.
    let inverted = csv_fields(&db.ok(&["conflicts", "--invert", "--format", "csv"]));
    assert_eq!(&inverted[0][1..5], ["USD/KZT", "nbk", "475.09", "475.10"], "{inverted:?}");
    assert_eq!(&inverted[0][12..14], ["", ""], "{inverted:?}");
    // JSON says the same.
    let json: serde_json::Value = serde_json::from_str(&db.ok(&["conflicts", "--format", "json"])).unwrap();
    assert_eq!(
        (&json[0]["pair"], &json[0]["kept"], &json[0]["kept_quoted"]),
        (&"KZT/USD".into(), &"0.002104864341".into(), &"USD/KZT 475.09".into())
    );
    // The people's table keeps the default direction (XXX/USD).
    let table = db.ok(&["conflicts"]);
    assert!(table.contains("KZT/USD") && table.contains("0.002104864341"), "{table}");
}
