//! Issue 26, "Numbers no one misreads" (DESIGN v4, "Direction"): every
//! format of a reading command shows the same pair in the same direction on
//! every row, a computed inverse carries its published quote (`quoted`),
//! `ingest` stores that quote, and the exchange format round-trips byte for
//! byte; a version-3 CSV (rows in their stored direction) still ingests.
//! And `/metrics` carries no digit a quote never had.

mod common;
mod serve_support;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{fixture, s, TempDb};

/// The v3 fixture: `history --pair all --format csv` of the v3 binary
/// (tests/fixtures/v3/README.md): ticker rows (KGS/USD, with changes, one
/// `-0`), bank rows quoted USD/XXX and XXX/HOME.
fn v3_csv() -> String {
    std::fs::read_to_string(fixture("v3/history-v3.csv")).unwrap()
}

fn v3_store() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&fixture("v3/history-v3.csv"))]);
    db
}

/// A CSV's rows as maps of column → cell.
fn rows(csv: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = csv.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(String::from)).collect()).collect()
}

fn cell<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    row.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {name} in {row:?}"))
}

/// (timestamp, pair, rate, change_pct, source) as published: the row itself,
/// or its `quoted` cell when it has one.
fn published(row: &[(String, String)]) -> (String, String, String, String, String) {
    let (ts, source) = (cell(row, "timestamp").to_string(), cell(row, "source").to_string());
    let quoted = row.iter().find(|(k, _)| k == "quoted").map(|(_, v)| v.as_str()).unwrap_or("");
    if quoted.is_empty() {
        return (ts, cell(row, "pair").into(), cell(row, "rate").into(), cell(row, "change_pct").into(), source);
    }
    let words: Vec<&str> = quoted.split(' ').collect();
    let change = words.get(2).map(|c| c.strip_suffix('%').expect("a change in %").to_string()).unwrap_or_default();
    assert_eq!(cell(row, "change_pct"), "", "a computed row has no change of its own: {row:?}");
    (ts, words[0].into(), words[1].into(), change, source)
}

/// The pair of every row of one request in csv, json, jsonl and table.
fn pairs_in_each_format(db: &TempDb, ask: &[&str]) -> [Vec<String>; 4] {
    let run = |format: &str| {
        let mut args = vec!["history"];
        args.extend_from_slice(ask);
        args.extend_from_slice(&["--format", format]);
        db.ok(&args)
    };
    let csv: Vec<String> = rows(&run("csv")).iter().map(|r| cell(r, "pair").to_string()).collect();
    let json: Vec<serde_json::Value> = serde_json::from_str(&run("json")).unwrap();
    let json: Vec<String> = json.iter().map(|r| r["pair"].as_str().unwrap().to_string()).collect();
    let jsonl: Vec<String> =
        run("jsonl").lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["pair"].as_str().unwrap().to_string()).collect();
    let table: Vec<String> = run("table").lines().skip(1).map(|l| l.split_whitespace().nth(1).unwrap().to_string()).collect();
    [csv, json, jsonl, table]
}

#[test]
fn every_format_of_a_request_shows_the_same_pair_in_the_same_direction() {
    let db = v3_store();
    for ask in [
        &[][..],
        &["--pair", "KZT"],
        &["--pair", "KZT", "--invert"],
        &["--pair", "USD/RUB"],
        &["--pair", "all"],
        &["--pair", "all", "--invert"],
    ] {
        let [csv, json, jsonl, table] = pairs_in_each_format(&db, ask);
        assert!(!csv.is_empty(), "{ask:?}: no rows");
        assert_eq!(csv, json, "{ask:?}: csv and json");
        assert_eq!(csv, jsonl, "{ask:?}: csv and jsonl");
        assert_eq!(csv, table, "{ask:?}: csv and table");
    }
    // One direction per pair asked: the five as XXX/USD, inverted as USD/XXX.
    let [kzt, ..] = pairs_in_each_format(&db, &["--pair", "KZT"]);
    assert!(kzt.iter().all(|p| p == "KZT/USD"), "{kzt:?}");
    let [inverted, ..] = pairs_in_each_format(&db, &["--pair", "KZT", "--invert"]);
    assert!(inverted.iter().all(|p| p == "USD/KZT"), "{inverted:?}");
    // --pair all: a pair with USD as XXX/USD, never USD/XXX (cbr quotes USD/RUB).
    let [all, ..] = pairs_in_each_format(&db, &["--pair", "all"]);
    assert!(all.iter().any(|p| p == "RUB/USD") && !all.iter().any(|p| p.starts_with("USD/")), "{all:?}");
    // latest too.
    let latest = rows(&db.ok(&["latest", "--format", "csv"]));
    assert!(latest.iter().all(|r| cell(r, "pair").ends_with("/USD")), "{latest:?}");
    let json: Vec<serde_json::Value> = serde_json::from_str(&db.ok(&["latest", "--format", "json"])).unwrap();
    let json: Vec<&str> = json.iter().map(|r| r["pair"].as_str().unwrap()).collect();
    assert_eq!(latest.iter().map(|r| cell(r, "pair")).collect::<Vec<_>>(), json);
}

#[test]
fn a_computed_row_carries_its_published_digits_in_every_format() {
    let db = v3_store();
    let csv = rows(&db.ok(&["history", "--pair", "KZT", "--format", "csv"]));
    let json: Vec<serde_json::Value> = serde_json::from_str(&db.ok(&["history", "--pair", "KZT", "--format", "json"])).unwrap();
    assert_eq!(csv.len(), json.len());
    let nbk = csv.iter().zip(&json).find(|(r, _)| cell(r, "source") == "nbk").expect("an nbk row");
    assert_eq!(cell(nbk.0, "rate"), "0.00208868559");
    assert_eq!(cell(nbk.0, "quoted"), "USD/KZT 478.77");
    assert_eq!(nbk.1["quoted"], "USD/KZT 478.77");
    // The ticker's KZT/USD is shown as published: no quoted value.
    let ticker = csv.iter().zip(&json).find(|(r, _)| cell(r, "source") == "timesca").expect("a ticker row");
    assert_eq!(cell(ticker.0, "quoted"), "");
    assert!(ticker.1["quoted"].is_null());
    let table = db.ok(&["history", "--pair", "KZT"]);
    assert!(table.lines().next().unwrap().ends_with("quoted"), "{table}");
    assert!(table.lines().any(|l| l.contains("0.00208868559") && l.ends_with("USD/KZT 478.77")), "{table}");
    // Inverted, the ticker's rows carry their change as published (one is `-0`).
    let inverted = rows(&db.ok(&["history", "--pair", "KZT", "--invert", "--format", "csv"]));
    assert!(inverted.iter().any(|r| cell(r, "quoted") == "KZT/USD 0.00196 -0%"), "{inverted:?}");
}

#[test]
fn the_reports_history_file_holds_one_direction_and_every_published_digit() {
    let db = v3_store();
    let dir = db.dir.path().join("site");
    let out = db.cmd(&["report", "-q", "-o", s(&dir), "--ranges", "all"]).env("SOURCE_DATE_EPOCH", "1779710400").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = std::fs::read_to_string(dir.join("history-KZT-USD.csv")).unwrap();
    let rows = rows(&file);
    assert!(rows.len() > 2, "{file}");
    assert!(rows.iter().all(|r| cell(r, "pair") == "KZT/USD"), "{file}");
    // Each row's published quote is one the fixture holds (pair, digits, change), and a computed
    // row says which: no digit lost.
    let fixture: BTreeSet<_> = common_rows(&v3_csv());
    for r in &rows {
        assert!(fixture.contains(&published(r)), "{r:?} is not as published");
        if cell(r, "source") != "timesca" {
            assert!(cell(r, "quoted").starts_with("USD/KZT "), "{r:?}");
        }
    }
}

fn common_rows(csv: &str) -> BTreeSet<(String, String, String, String, String)> {
    rows(csv).iter().map(|r| published(r)).collect()
}

#[test]
fn the_exchange_format_round_trips_byte_for_byte() {
    let a = v3_store();
    let out = a.ok(&["history", "--pair", "all", "--format", "csv"]);
    assert!(out.starts_with("timestamp,pair,rate,change_pct,source,quoted\n"), "{out}");
    assert!(out.lines().any(|l| l.ends_with(",USD/RUB 77.1734")), "{out}");
    let path = a.dir.path().join("all.csv");
    std::fs::write(&path, &out).unwrap();
    let b = TempDb::new();
    let said = b.cmd(&["ingest", s(&path)]).output().unwrap();
    let said = String::from_utf8_lossy(&said.stderr);
    assert!(said.contains("140 new, 0 duplicate, 0 conflicts"), "{said}");
    assert_eq!(b.ok(&["history", "--pair", "all", "--format", "csv"]), out);
    // Into the store it came from: every row a duplicate, nothing new, no conflict.
    let again = a.cmd(&["ingest", s(&path)]).output().unwrap();
    let again = String::from_utf8_lossy(&again.stderr);
    assert!(again.contains("0 new, 140 duplicate, 0 conflicts"), "{again}");
    // Any reading command's CSV ingests the same observations: --invert, latest.
    let inverted = a.dir.path().join("inverted.csv");
    std::fs::write(&inverted, a.ok(&["history", "--pair", "all", "--invert", "--format", "csv"])).unwrap();
    let c = TempDb::new();
    c.ok(&["ingest", "-q", s(&inverted)]);
    assert_eq!(c.ok(&["history", "--pair", "all", "--format", "csv"]), out);
    let latest = a.dir.path().join("latest.csv");
    std::fs::write(&latest, a.ok(&["latest", "--pair", "all", "--format", "csv"])).unwrap();
    let l = a.cmd(&["ingest", s(&latest)]).output().unwrap();
    let l = String::from_utf8_lossy(&l.stderr);
    assert!(l.contains(" 0 new,") && l.contains(" 0 conflicts"), "{l}");
}

#[test]
fn a_version_3_csv_still_ingests_with_the_same_observations() {
    let v3 = v3_csv();
    assert!(v3.starts_with("timestamp,pair,rate,change_pct,source\n"));
    let db = v3_store();
    let now = db.ok(&["history", "--pair", "all", "--format", "csv"]);
    // The same observations: each row as published, the v3 file's rows exactly.
    assert_eq!(common_rows(&now), common_rows(&v3));
    assert_eq!(rows(&now).len(), rows(&v3).len());
}

#[test]
fn deleted_rows_go_back_with_ingest() {
    let db = v3_store();
    let before = db.ok(&["history", "--pair", "all", "--format", "csv"]);
    let out = db.cmd(&["delete", "--source", "nbk,cbr"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let removed = String::from_utf8(out.stdout).unwrap();
    assert!(removed.lines().any(|l| l.ends_with(",nbk,USD/KZT 478.77")), "{removed}");
    let back = db.cmd(&["ingest", "-q", "-"]).write_stdin(removed).output().unwrap();
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    assert_eq!(db.ok(&["history", "--pair", "all", "--format", "csv"]), before);
}

#[test]
fn metrics_carry_no_digit_the_quote_never_had() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    // The v3 fixture: the ticker's newest TJS/USD = 0.10593 (five significant digits, 22 February
    // 2026), banks quoting USD/XXX.
    serve_support::fxsnap(&db, &["ingest", "-q", s(&fixture("v3/history-v3.csv"))]);
    let server = serve_support::Server::start(&db, &[]);
    // An answer named for a pair holds only its direction: /api/ is the command's bytes.
    let api = server.get("/api/history?pair=KZT&format=csv");
    assert_eq!(api.status, 200);
    assert_eq!(api.text(), serve_support::fxsnap(&db, &["history", "--pair", "KZT", "--format", "csv"]));
    assert!(rows(&api.text()).iter().all(|r| cell(r, "pair") == "KZT/USD"), "{}", api.text());
    let r = server.get("/metrics");
    assert_eq!(r.status, 200);
    let text = r.text();
    let line = text
        .lines()
        .find(|l| l.starts_with("fxsnap_rate{") && l.contains("quote=\"TJS\"") && l.contains("source=\"timesca\""))
        .unwrap_or_else(|| panic!("no TJS rate of timesca:\n{text}"));
    let value = line.rsplit_once(' ').unwrap().1;
    let digits = value.chars().filter(char::is_ascii_digit).collect::<String>();
    assert!(digits.trim_start_matches('0').trim_end_matches('0').len() <= 5, "{line}: more digits than 0.10593 has");
    assert_eq!(value, "9.4402", "{line}");
    let Some(promtool) = serve_support::tool("promtool") else { return };
    let mut check = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check.stdin.take().unwrap().write_all(&r.body).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(out.status.success(), "promtool: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
