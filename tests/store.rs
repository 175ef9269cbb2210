//! Issue 2: the store and its front door, through the real binary on real pages.

mod common;

use std::collections::BTreeMap;
use std::fs;

use common::{data, fixture, s, TempDb};
use predicates::prelude::*;

/// One MANIFEST.tsv row: the page and what it must give.
struct ManifestRow {
    file: String,
    date_line: String,
    /// pair -> (rate, change without '%')
    quotes: BTreeMap<String, (String, String)>,
}

fn manifest() -> Vec<ManifestRow> {
    let text = fs::read_to_string(fixture("pages/MANIFEST.tsv")).unwrap();
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let pairs: Vec<&str> = cols[3].split(',').collect();
        let values: Vec<&str> = cols[4].split(',').collect();
        let changes: Vec<&str> = cols[5].split(',').collect();
        assert_eq!(pairs.len(), values.len());
        let quotes = pairs
            .iter()
            .zip(values.iter().zip(&changes))
            .map(|(p, (v, c))| (p.to_string(), (v.to_string(), c.trim_end_matches('%').to_string())))
            .collect();
        rows.push(ManifestRow { file: cols[0].to_string(), date_line: cols[2].to_string(), quotes });
    }
    assert_eq!(rows.len(), 44, "MANIFEST rows");
    rows
}

/// `history --format csv` rows of one source: pair -> (timestamp, rate, change).
fn rows_of(db: &TempDb, source: &str) -> BTreeMap<String, (String, String, String)> {
    let csv = db.ok(&["history", "--source", source, "--format", "csv"]);
    let mut out = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        assert_eq!(c.len(), 6, "{line}");
        assert_eq!(c[4], source);
        let old = out.insert(c[1].to_string(), (c[0].to_string(), c[2].to_string(), c[3].to_string()));
        assert!(old.is_none(), "two rows of {} from {source}", c[1]);
    }
    out
}

/// The timestamp a MANIFEST page must get: its date line, or the --at given.
fn expected_time(row: &ManifestRow) -> String {
    if row.date_line.is_empty() {
        "2024-01-02T03:04:05Z".into()
    } else {
        let d = chrono::NaiveDate::parse_from_str(&row.date_line, "%d %B %Y").unwrap();
        format!("{}T00:00:00Z", d.format("%Y-%m-%d"))
    }
}

fn ingest_as(db: &TempDb, source: &str, row: &ManifestRow, path: &std::path::Path) {
    let mut args = vec!["ingest", "-q", "--source", source];
    if row.date_line.is_empty() {
        args.extend(["--at", "2024-01-02T03:04:05Z"]);
    }
    args.push(s(path));
    db.ok(&args);
}

#[test]
fn seed_page_gives_exactly_five_observations() {
    let db = TempDb::new();
    db.cmd(&["ingest", s(&fixture("pages/seed-page.txt"))])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 input, 5 rates: 5 new, 0 duplicate, 0 conflicts; 0 failed"));
    let csv = db.csv();
    assert_eq!(
        csv,
        "timestamp,pair,rate,change_pct,source,quoted\n\
         2025-12-12T00:00:00Z,KGS/USD,0.01144,0,timesca,\n\
         2025-12-12T00:00:00Z,KZT/USD,0.00192,-0,timesca,\n\
         2025-12-12T00:00:00Z,TJS/USD,0.10879,0.28,timesca,\n\
         2025-12-12T00:00:00Z,TMT/USD,0.28490,-0.28,timesca,\n\
         2025-12-12T00:00:00Z,UZS/USD,0.00008,0,timesca,\n"
    );
    // The seed page's prose is full of numbers ("$5 billion", "9.25%"): none is stored.
    let page = fs::read_to_string(fixture("pages/seed-page.txt")).unwrap();
    assert!(page.contains("$5 billion") && page.contains("9.25%"));
    let json = db.ok(&["latest", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert_eq!(v[3]["rate"], "0.28490", "JSON keeps rates as exact strings");
}

#[test]
fn every_real_page_gives_its_manifest_row() {
    let db = TempDb::new();
    for row in manifest() {
        let source = format!("p{}", row.file.trim_end_matches(".txt"));
        ingest_as(&db, &source, &row, &fixture(&format!("pages/{}", row.file)));
        let got = rows_of(&db, &source);
        let want_time = expected_time(&row);
        assert_eq!(got.len(), row.quotes.len(), "{}: pairs", row.file);
        for (pair, (rate, change)) in &row.quotes {
            let (t, r, c) = got.get(pair).unwrap_or_else(|| panic!("{}: {pair} missing", row.file));
            assert_eq!((t, r, c), (&want_time, rate, change), "{} {pair}", row.file);
        }
    }
}

#[test]
fn html_renderings_give_the_same_snapshots() {
    let db = TempDb::new();
    for row in manifest() {
        let stem = row.file.trim_end_matches(".txt");
        ingest_as(&db, &format!("t{stem}"), &row, &fixture(&format!("pages/{}", row.file)));
        ingest_as(&db, &format!("h{stem}"), &row, &fixture(&format!("html/{stem}.html")));
        let html = rows_of(&db, &format!("h{stem}"));
        assert_eq!(html, rows_of(&db, &format!("t{stem}")), "{stem}.html");
        assert!(html.len() >= 4);
    }
    // The seed page as HTML, with its prose in <p> elements.
    db.ok(&["ingest", "-q", "--source", "hseed", s(&fixture("html/seed-page.html"))]);
    db.ok(&["ingest", "-q", "--source", "tseed", s(&fixture("pages/seed-page.txt"))]);
    assert_eq!(rows_of(&db, "hseed"), rows_of(&db, "tseed"));
    // Hand-written variants carrying 001.txt's ticker.
    let want = rows_of(&db, "t001");
    for v in ["one-line", "split-tokens", "uppercase"] {
        db.ok(&["ingest", "-q", "--source", v, s(&fixture(&format!("html/variants/{v}.html")))]);
        assert_eq!(rows_of(&db, v), want, "variant {v}");
    }
}

fn all_real_inputs() -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(fixture("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| s(&p).to_string())
        .collect();
    v.sort();
    v.push(s(&data("history/nbu-usd-cross.csv")).to_string());
    v
}

#[test]
fn ingesting_twice_changes_nothing() {
    let db = TempDb::new();
    let inputs = all_real_inputs();
    let mut args = vec!["ingest"];
    args.extend(inputs.iter().map(String::as_str));
    let first = db.cmd(&args).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let before = db.csv();
    // Undated pages take their file's modification time; copies made in the
    // same second collide, so the first run may log conflicts. Either way a
    // second run must change nothing, the conflict log included.
    let conflicts_before = db.ok(&["conflicts", "--format", "csv"]);
    let second = db.cmd(&args).output().unwrap();
    assert!(second.status.success());
    let summary = String::from_utf8(second.stderr).unwrap();
    let rates = before.lines().count() - 1;
    assert!(
        summary.contains(&format!("{} inputs, ", inputs.len())) && summary.contains(": 0 new, ") && summary.contains("; 0 failed"),
        "{summary}"
    );
    let dup: usize = summary.split(": 0 new, ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(dup >= rates - conflicts_before.lines().count(), "stored rates seen again as duplicates: {summary}");
    assert_eq!(db.csv(), before);
    assert_eq!(db.ok(&["conflicts", "--format", "csv"]), conflicts_before, "conflicts are logged once");

    // Dated pages and the history alone: nothing but duplicates.
    let dated = TempDb::new();
    dated.ok(&["ingest", "-q", s(&data("pages")), s(&data("history"))]);
    let before = dated.csv();
    dated
        .cmd(&["ingest", s(&data("pages")), s(&data("history"))])
        .assert()
        .success()
        .stderr(predicate::str::contains("31 inputs, 35684 rates: 0 new, 35684 duplicate, 0 conflicts; 0 failed"));
    assert_eq!(dated.csv(), before);
}

#[test]
fn signed_zero_change_is_a_duplicate_not_a_conflict() {
    let db = TempDb::new();
    db.ok(&["ingest", s(&fixture("pages/002.txt"))]);
    db.cmd(&["ingest", s(&fixture("other-crawls/2025-12-05-zero-sign.txt"))])
        .assert()
        .success()
        .stderr(predicate::str::contains("5 rates: 0 new, 5 duplicate, 0 conflicts"));
    // The first crawl's "-0" is what stays.
    assert!(db.csv().contains("2025-12-05T00:00:00Z,KZT/USD,0.00198,-0,timesca"));
}

#[test]
fn conflict_policies_keep_replace_fail() {
    let first = fixture("pages/005.txt");
    let other = fixture("other-crawls/2025-12-15-other.txt");
    let kzt = |db: &TempDb| db.ok(&["history", "--pair", "KZT/USD", "--format", "csv"]);

    let keep = TempDb::new();
    keep.ok(&["ingest", s(&first)]);
    keep.cmd(&["ingest", s(&other)]).assert().success().stderr(predicate::str::contains("0 new, 4 duplicate, 1 conflict (kept); 0 failed"));
    assert!(kzt(&keep).contains(",0.00192,"));
    let log = keep.ok(&["conflicts", "--format", "csv"]);
    assert!(log.contains("2025-12-15T00:00:00Z,KZT/USD,timesca,0.00192,0.00193,") && log.contains(",keep,"), "{log}");

    let replace = TempDb::new();
    replace.ok(&["ingest", s(&first)]);
    replace
        .cmd(&["ingest", "--on-conflict", "replace", s(&other)])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 conflict (replaced)"));
    assert!(kzt(&replace).contains(",0.00193,"));
    let log = replace.ok(&["conflicts", "--format", "csv"]);
    assert!(log.contains("2025-12-15T00:00:00Z,KZT/USD,timesca,0.00193,0.00192,") && log.contains(",replace,"), "{log}");

    let fail = TempDb::new();
    fail.ok(&["ingest", s(&first)]);
    let before = fail.csv();
    fail.cmd(&["ingest", "--on-conflict", "fail", s(&other)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("2025-12-15-other.txt").and(predicate::str::contains("KZT/USD")))
        .stderr(predicate::str::contains("1 conflict (refused); 1 failed"));
    assert_eq!(fail.csv(), before, "a refused input writes nothing");
    assert_eq!(fail.ok(&["conflicts", "--format", "csv"]).lines().count(), 1);
}

#[test]
fn an_input_without_a_ticker_fails_alone() {
    let db = TempDb::new();
    let noticker = fixture("bad/noticker.txt");
    db.cmd(&["ingest", s(&noticker)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("noticker.txt").and(predicate::str::contains("no ticker")));
    assert!(!db.path.exists(), "nothing written: not even an empty database");

    db.cmd(&["ingest", s(&fixture("pages/001.txt")), s(&noticker), s(&fixture("pages/seed-page.txt"))])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("3 inputs, 10 rates: 10 new, 0 duplicate, 0 conflicts; 1 failed"))
        .stderr(predicate::str::contains("noticker.txt: no ticker"));
    assert_eq!(db.csv().lines().count(), 11);
}

#[test]
fn bad_inputs_are_clear_errors_that_write_nothing() {
    let db = TempDb::new();
    db.ok(&["ingest", s(&fixture("pages/seed-page.txt"))]);
    let before = db.csv();
    let cases = [
        ("disagree.txt", "different values"),
        ("zero.txt", "is zero"),
        ("negative.txt", "is negative"),
        ("toolong.txt", "more digits"),
        ("notanumber.txt", "not a number"),
        ("noticker.txt", "no ticker"),
        ("empty.txt", "empty"),
        ("random.bin", "no ticker"),
    ];
    for (file, why) in cases {
        let out = db.cmd(&["ingest", s(&fixture(&format!("bad/{file}")))]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(err.contains(file) && err.contains(why), "{file}: {err}");
        assert!(!err.contains("panicked"), "{file}: {err}");
        assert_eq!(db.csv(), before, "{file} wrote something");
    }
    // The same from standard input: the error names "-".
    db.cmd(&["ingest", "-"])
        .write_stdin(fs::read(fixture("bad/zero.txt")).unwrap())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fxsnap: -: KGS/USD: rate '0.00000' is zero"));
}

#[test]
fn csv_round_trip_reproduces_the_store() {
    let a = TempDb::new();
    a.ok(&["ingest", "-q", s(&data("pages")), s(&data("history"))]);
    let export = a.csv();
    let nbu_rows = export.lines().filter(|l| l.split(',').nth(4) == Some("nbu")).count();
    assert_eq!(nbu_rows, 35_534, "the real history loads whole");

    let file = a.dir.path().join("export.csv");
    fs::write(&file, &export).unwrap();
    let b = TempDb::new();
    b.ok(&["ingest", "-q", s(&file)]);
    assert_eq!(b.csv(), export, "export, ingest, export again: same bytes");
    // Through standard input as well.
    let c = TempDb::new();
    c.cmd(&["ingest", "-q", "-"]).write_stdin(export.clone()).assert().success();
    assert_eq!(c.csv(), export);

    let kzt = a.ok(&["history", "--pair", "KZT", "--invert", "--source", "nbu", "--from", "2015-08-21", "--to", "2015-08-21"]);
    assert!(kzt.contains("2015-08-21T00:00:00Z") && kzt.contains("USD/KZT") && kzt.contains("255.2605119"), "{kzt}");
    let full = a.ok(&["history", "--pair", "KZT", "--invert", "--source", "nbu"]);
    assert!(full.lines().any(|l| l.starts_with("2015-08-21T00:00:00Z") && l.contains("255.2605119")));
}

#[test]
fn inverted_values_are_computed_and_stored_ones_exact() {
    let db = TempDb::new();
    db.ok(&["ingest", s(&fixture("pages/seed-page.txt"))]);
    let out = db.ok(&["latest", "--pair", "KZT,UZS", "--invert", "--format", "csv"]);
    assert_eq!(
        out,
        "timestamp,pair,rate,change_pct,source,quoted\n\
         2025-12-12T00:00:00Z,USD/KZT,520.8333333,,timesca,KZT/USD 0.00192 -0%\n\
         2025-12-12T00:00:00Z,USD/UZS,12500,,timesca,UZS/USD 0.00008 0%\n"
    );
    let out = db.ok(&["latest", "--pair", "tmt/usd", "--format", "jsonl"]);
    assert!(out.contains("\"rate\":\"0.28490\""), "{out}");
}

#[test]
fn reading_a_missing_database_creates_nothing() {
    let db = TempDb::new();
    for cmd in [&["latest"][..], &["history"], &["conflicts"], &["check"], &["history", "--format", "csv"]] {
        db.cmd(cmd).assert().code(1).stderr(predicate::str::contains("no database at"));
        assert!(!db.path.exists(), "{cmd:?} created a database");
    }
    assert_eq!(fs::read_dir(db.dir.path()).unwrap().count(), 0);
}

#[test]
fn an_empty_database_file_is_an_empty_store() {
    // What a first ingest killed before its schema landed leaves behind.
    let db = TempDb::new();
    fs::write(&db.path, b"").unwrap();
    assert_eq!(db.csv(), "timestamp,pair,rate,change_pct,source,quoted\n");
    db.ok(&["check"]);
    db.ok(&["ingest", s(&fixture("pages/seed-page.txt"))]);
    assert_eq!(db.csv().lines().count(), 6);
}

#[test]
fn check_finds_broken_invariants() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("history"))]);
    db.cmd(&["check"]).assert().success().stdout(predicate::str::contains(": ok"));
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    // NBU's history is daily: buckets of one observation, which the store
    // does not keep. A row claiming five observations on its first day is
    // a rollup that disagrees.
    let rollups: i64 = conn.query_row("SELECT count(*) FROM rollup", [], |r| r.get(0)).unwrap();
    assert_eq!(rollups, 0, "a daily history needs no rollups");
    conn.execute(
        "INSERT INTO rollup (series_id, width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last) \
         SELECT series_id, 86400, ts, 5, ts, 1.0, ts, 1.0, ts, 2.0, ts, 2.0 FROM observation ORDER BY series_id, ts LIMIT 1",
        [],
    )
    .unwrap();
    conn.execute("UPDATE observation SET rate = '-1' WHERE ts = (SELECT max(ts) FROM observation)", []).unwrap();
    drop(conn);
    db.cmd(&["check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rollups of nbu").and(predicate::str::contains("differ")))
        .stderr(predicate::str::contains("rate '-1' is negative"));
}

#[test]
fn default_database_is_under_xdg_data_home() {
    let home = tempfile::tempdir().unwrap();
    let mut c = assert_cmd::Command::cargo_bin("fxsnap").unwrap();
    c.env_remove("FXSNAP_DB")
        .env("XDG_DATA_HOME", home.path().join("xdg"))
        .env("HOME", home.path())
        .args(["ingest", "-q", s(&fixture("pages/seed-page.txt"))])
        .assert()
        .success();
    assert!(home.path().join("xdg/fxsnap/rates.db").is_file());
    // FXSNAP_DB wins over the default.
    let other = home.path().join("other.db");
    let mut c = assert_cmd::Command::cargo_bin("fxsnap").unwrap();
    c.env("FXSNAP_DB", &other).args(["ingest", "-q", s(&fixture("pages/001.txt"))]).assert().success();
    assert!(other.is_file());
}

#[test]
fn usage_errors_exit_2() {
    let db = TempDb::new();
    db.cmd(&["history", "--format", "xml"]).assert().code(2);
    db.cmd(&["ingest", "--on-conflict", "maybe"]).assert().code(2);
    db.ok(&["ingest", s(&fixture("pages/seed-page.txt"))]);
    db.cmd(&["history", "--from", "yesterday"]).assert().code(2).stderr(predicate::str::contains("'yesterday' is not a time"));
    db.cmd(&["history", "--pair", "KZTX"]).assert().code(2);
}

#[test]
fn eight_concurrent_ingests_into_a_new_database() {
    let db = TempDb::new();
    let pages: Vec<String> = manifest().into_iter().filter(|r| !r.date_line.is_empty()).map(|r| r.file).collect();
    let bin = assert_cmd::cargo::cargo_bin("fxsnap");
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut c = std::process::Command::new(&bin);
            c.arg("--db").arg(&db.path).args(["ingest", "--source", &format!("c{i}")]);
            for p in &pages {
                c.arg(fixture(&format!("pages/{p}")));
            }
            c.stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(!err.contains("locked"), "{err}");
    }
    let csv = db.csv();
    for i in 0..8 {
        let n = csv.lines().filter(|l| l.ends_with(&format!(",c{i},"))).count();
        // Dated pages: 25 distinct dates of 5 pairs (pages sharing a date agree).
        assert_eq!(n, rows_per_source(&pages), "source c{i}");
    }
    db.ok(&["check"]);
}

/// Distinct (date, pair) keys of the dated pages, computed from MANIFEST.
fn rows_per_source(pages: &[String]) -> usize {
    let rows = manifest();
    let mut keys = std::collections::BTreeSet::new();
    for r in rows.iter().filter(|r| pages.contains(&r.file)) {
        for p in r.quotes.keys() {
            keys.insert((r.date_line.clone(), p.clone()));
        }
    }
    keys.len()
}
