//! Issue 20 (everyday use, v3), through the real binary: `check`'s alerts
//! mean something (a last digit's flip is not a move, a series that ended
//! for good does not fail `--source official`, a real move still alerts).

mod common;

use std::fs;

use common::{data, restamped_today, s, TempDb};

/// Runs and returns (exit code, stdout, stderr).
fn run(db: &TempDb, args: &[&str]) -> (i32, String, String) {
    let out = db.cmd(args).output().expect("run");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A ticker page with one quote, stored as observed `at` (a span back from now).
fn tick(db: &TempDb, quote: &str, at: &str) {
    db.cmd(&["ingest", "-q", "--at", at, "-"]).write_stdin(format!("• {quote} 0%\n")).assert().success();
}

/// The quick start's store: the ticker pages, the NBU history (ended in
/// 2022) and the banks' documents.
fn bundled() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history")), s(&data("feeds"))]);
    db
}

#[test]
fn the_morning_check_passes_when_every_central_bank_published_with_the_nbu_history_in_the_store() {
    let db = bundled();
    // Months old: the banks went quiet, and check says so.
    let (code, _, err) = run(&db, &["check", "--source", "official", "--max-age", "2d", "--max-move", "5%"]);
    assert_eq!(code, 4, "{err}");
    // Every bank publishes today what it last published.
    let csv = restamped_today(&db.ok(&["history", "--pair", "all", "--source", "official", "--format", "csv"]));
    let today = db.dir.path().join("today.csv");
    fs::write(&today, csv).unwrap();
    db.ok(&["ingest", "-q", s(&today)]);
    for pairs in [&[][..], &["--pair", "all"]] {
        let mut argv = vec!["check", "--source", "official", "--max-age", "2d", "--max-move", "5%"];
        argv.extend_from_slice(pairs);
        let (code, out, err) = run(&db, &argv);
        assert_eq!((code, err.as_str()), (0, ""), "{argv:?}");
        assert!(out.ends_with(": ok\n"), "{out}");
    }
    // The NBU history is still there, and still stale: only when asked for.
    let (code, _, err) = run(&db, &["check", "--source", "nbu", "--max-age", "2d"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("from nbu") && err.contains("--max-age 2d"), "{err}");
}

#[test]
fn a_last_digit_flip_is_not_a_move_but_a_real_one_is() {
    let db = TempDb::new();
    tick(&db, "UZS/USD = 0.00008", "3d");
    tick(&db, "UZS/USD = 0.00009", "2d");
    tick(&db, "UZS/USD = 0.00008", "1d");
    // +12.5% and -11.1% as printed, each within the two values' ±0.000005.
    let (code, out, err) = run(&db, &["check", "--source", "timesca", "--max-move", "5%"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    // The same in USD/UZS, where the values are computed inverses.
    let (code, _, err) = run(&db, &["check", "--source", "timesca", "--max-move", "5%", "--invert", "--pair", "UZS"]);
    assert_eq!((code, err.as_str()), (0, ""));

    // Two last digits is a move: 0.00008 → 0.00010 is +25% printed, 12.5% beyond the digits.
    tick(&db, "UZS/USD = 0.00010", "12h");
    let (code, _, err) = run(&db, &["check", "--source", "timesca", "--max-move", "5%"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("UZS/USD from timesca: 0.00008 at") && err.contains("to 0.00010 at") && err.contains("+25%"), "{err}");
    assert!(err.contains("+12.5% beyond the quotes' precision"), "{err}");
    let (code, _, err) = run(&db, &["check", "--source", "timesca", "--max-move", "13%"]);
    assert_eq!(code, 0, "12.5% beyond the digits is within 13%: {err}");

    // A bank's real 6% move still alerts.
    let bank = TempDb::new();
    let now = chrono::Utc::now().date_naive();
    let d = |n: i64| (now - chrono::Duration::days(n)).format("%Y-%m-%d").to_string();
    let csv = bank.dir.path().join("kzt.csv");
    fs::write(&csv, format!("timestamp,pair,rate,source\n{},USD/KZT,500.00,nbk\n{},USD/KZT,530.00,nbk\n", d(2), d(1))).unwrap();
    bank.ok(&["ingest", "-q", s(&csv)]);
    let (code, _, err) = run(&bank, &["check", "--source", "official", "--max-move", "5%", "--pair", "KZT", "--invert"]);
    assert_eq!(code, 4, "{err}");
    assert_eq!(err.lines().filter(|l| l.contains("USD/KZT from nbk: 500.00 at")).count(), 1, "{err}");
    assert!(err.contains("+6%"), "{err}");
}
