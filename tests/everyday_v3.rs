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

/// `convert`'s result and table, exit 0.
fn converted(db: &TempDb, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!((code, err.as_str()), (0, ""), "{args:?}: {out}");
    out
}

#[test]
fn convert_takes_a_currency_no_source_quotes_against_usd_through_a_bank_that_quotes_both_legs() {
    let db = bundled();
    // nbk quotes EUR/KZT 548.62 and USD/KZT 478.77 (2026-04-01): the two USD/KZT cancel,
    // 1000 / 548.62 = 1.8227552768... (Python's decimal), rounded to 10 digits.
    let out = converted(&db, &["convert", "1000", "KZT", "EUR", "--source", "nbk", "--at", "2026-04-01"]);
    assert!(out.starts_with("1000 KZT = 1.822755277 EUR\nthrough USD (EUR through KZT from nbk), with the newest rates"), "{out}");
    assert!(out.contains("EUR/KZT  548.62") && out.contains("USD/KZT  478.77"), "{out}");
    // Each quote once: the KZT leg's USD/KZT is the EUR route's too.
    assert_eq!(out.matches("USD/KZT").count(), 1, "{out}");
    // The same number as through KZT itself.
    let via = converted(&db, &["convert", "1000", "KZT", "EUR", "--source", "nbk", "--at", "2026-04-01", "--via", "KZT"]);
    assert!(via.starts_with("1000 KZT = 1.822755277 EUR\n"), "{via}");

    // Without --source, each leg is the newest: KZT/USD is quoted (nbk, 2026-04-01), EUR/USD by
    // nobody, so EUR comes from the newest bank that quotes EUR and USD against its home
    // currency: nbkr, 2026-05-24, EUR/KGS 101.5076 and USD/KGS 87.4500.
    // 1000 × 87.4500 / (478.77 × 101.5076) = 1.79942738107... (Python's decimal).
    let out = converted(&db, &["convert", "1000", "KZT", "EUR", "--at", "2026-05-25"]);
    assert!(out.starts_with("1000 KZT = 1.799427381 EUR\nthrough USD (EUR through KGS from nbkr),"), "{out}");
    let (_, json, _) = run(&db, &["convert", "1000", "KZT", "EUR", "--at", "2026-05-25", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["result"], "1.799427381");
    assert_eq!(v["legs"][0]["pair"], "USD/KZT");
    assert!(v["legs"][0].get("through").is_none(), "{json}");
    assert_eq!(v["legs"][1]["pair"], "EUR/KGS");
    assert_eq!(v["legs"][1]["source"], "nbkr");
    assert_eq!(v["legs"][1]["through"], serde_json::json!({"pair": "USD/KGS", "rate": "87.4500"}));

    // The issue's own case: nbk has no UZS/USD, but quotes UZS/KZT (3.93 per 100 UZS) and USD/KZT.
    // 1000 / 0.0393 = 25445.292620865... (Python's decimal).
    let out = converted(&db, &["convert", "1000", "KZT", "UZS", "--source", "nbk"]);
    assert!(out.starts_with("1000 KZT = 25445.29262 UZS\nthrough USD (UZS through KZT from nbk),"), "{out}");
    // A currency nobody quotes still says so.
    let (code, _, err) = run(&db, &["convert", "1000", "KZT", "XAU"]);
    assert_eq!((code, err.as_str()), (1, "fxsnap: no observations of XAU/USD in the store\n"));
}

#[test]
fn convert_suggests_the_via_that_would_work() {
    let db = bundled();
    // Through EUR, nbk has KZT (EUR/KZT) but no UZS/EUR; both are quoted against KZT.
    let (code, _, err) = run(&db, &["convert", "1000", "KZT", "UZS", "--source", "nbk", "--via", "EUR"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "fxsnap: no observations of EUR/UZS from source 'nbk' in the store; try --via KZT (UZS/KZT from nbk)\n");
    // A source that quotes nothing against USD: no route through USD, the hint names its pivot.
    let csv = db.dir.path().join("mybank.csv");
    fs::write(&csv, "timestamp,pair,rate,change_pct,source\n2026-05-01,KGS/KZT,5.47,,mybank\n2026-05-01,UZS/KZT,0.0393,,mybank\n").unwrap();
    db.ok(&["ingest", "-q", s(&csv)]);
    let (code, _, err) = run(&db, &["convert", "100", "KGS", "UZS", "--source", "mybank", "--at", "2026-05-02"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err,
        "fxsnap: no observations of KGS/USD from source 'mybank' in the store; try --via KZT (KGS/KZT and UZS/KZT from mybank)\n"
    );
    // And the hint is right: 100 × 5.47 / 0.0393 = 13918.57506... (Python's decimal).
    let out = converted(&db, &["convert", "100", "KGS", "UZS", "--source", "mybank", "--at", "2026-05-02", "--via", "KZT"]);
    assert!(out.starts_with("100 KGS = 13918.57506 UZS\n"), "{out}");
    // Before any of its quotes, nothing would work, and nothing is suggested.
    let (_, _, err) = run(&db, &["convert", "100", "KGS", "UZS", "--source", "mybank", "--at", "2026-04-01"]);
    assert!(!err.contains("try"), "{err}");
}

/// Runs with the clock fixed at `epoch` (SOURCE_DATE_EPOCH) and returns stdout, asserting success.
fn at_epoch(db: &TempDb, epoch: i64, args: &[&str]) -> String {
    let out = db.cmd(args).env("SOURCE_DATE_EPOCH", epoch.to_string()).output().expect("run");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn latest_says_how_old_each_value_is_in_the_wording_convert_and_check_share() {
    let db = TempDb::new();
    let csv = db.dir.path().join("rates.csv");
    // 2026-05-01T00:00:00Z is 1777593600; asked 2 days, 5 hours and 7 seconds later.
    fs::write(&csv, "timestamp,pair,rate,change_pct,source\n2026-05-01,USD/KZT,478.77,,nbk\n").unwrap();
    db.ok(&["ingest", "-q", s(&csv)]);
    let now = 1_777_593_600 + 2 * 86_400 + 5 * 3600 + 7;

    let table = at_epoch(&db, now, &["latest"]);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().map(|h| h.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["timestamp", "pair", "rate", "change_pct", "source", "age", "quoted"])
    );
    assert!(lines.next().is_some_and(|l| l.ends_with("nbk     2 days 5 h  USD/KZT 478.77")), "{table}");
    let json: serde_json::Value = serde_json::from_str(&at_epoch(&db, now, &["latest", "--format", "json"])).unwrap();
    assert_eq!(json[0]["age_seconds"], serde_json::json!(2 * 86_400 + 5 * 3600 + 7));
    let jsonl: serde_json::Value = serde_json::from_str(at_epoch(&db, now, &["latest", "--format", "jsonl"]).trim()).unwrap();
    assert_eq!(jsonl["age_seconds"], json[0]["age_seconds"]);
    // With --cross the age follows `via`.
    let cross = at_epoch(&db, now, &["latest", "--cross", "--format", "json"]);
    assert!(cross.contains("\"via\":null,\"precision_pct\":null,\"age_seconds\":190807,\"quoted\":\"USD/KZT 478.77\"}"), "{cross}");
    // CSV is the exchange format: unchanged.
    assert_eq!(
        at_epoch(&db, now, &["latest", "--format", "csv"]),
        "timestamp,pair,rate,change_pct,source,quoted\n2026-05-01T00:00:00Z,KZT/USD,0.00208868559,,nbk,USD/KZT 478.77\n"
    );
    // Later, another wording of the one function.
    let later = at_epoch(&db, now + 30 * 86_400, &["latest"]);
    assert!(later.lines().nth(1).is_some_and(|l| l.ends_with("32 days  USD/KZT 478.77")), "{later}");

    // convert's legs (its default --at is the same clock) say it the same way.
    let conv = at_epoch(&db, now, &["convert", "1", "USD", "KZT"]);
    assert!(conv.contains("nbk     2 days 5 h\n"), "{conv}");
    // And check's findings (check counts from the real clock): a value 2 days 5½ hours old.
    let real = chrono::Utc::now().timestamp() - (2 * 86_400 + 5 * 3600 + 1800);
    let at = chrono::DateTime::from_timestamp(real, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ");
    fs::write(&csv, format!("timestamp,pair,rate,change_pct,source\n{at},KGS/USD,0.01144,,nbkr\n")).unwrap();
    db.ok(&["ingest", "-q", s(&csv)]);
    let (code, _, err) = run(&db, &["check", "--source", "nbkr", "--max-age", "2d"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains(&format!("newest observation 0.01144 at {at}, 2 days 5 h old (--max-age 2d)")), "{err}");
}

#[test]
fn the_stats_table_fits_120_columns_and_csv_and_json_keep_every_field() {
    let db = bundled();
    for extra in [&[][..], &["--pair", "all"], &["--pair", "all", "--cross"], &["--pair", "all", "--cross", "--invert"], &["--invert"]] {
        let argv = [&["stats"][..], extra].concat();
        let table = db.ok(&argv);
        assert!(table.lines().count() > 10, "{argv:?}: {table}");
        for line in table.lines() {
            assert!(line.chars().count() <= 120, "{argv:?}: {} columns: {line}", line.chars().count());
        }
    }
    // What the table keeps: the span as dates, min, max, the change and the gap.
    let table = db.ok(&["stats", "--pair", "KGS", "--source", "nbu"]);
    let words: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(words[0], ["pair", "source", "count", "first_date", "last_date", "min", "max", "change_pct", "largest_gap"]);
    assert_eq!(
        words[1],
        ["KGS/USD", "nbu", "7359", "1996-09-02", "2022-07-21", "0.009002013488", "0.08232954544", "-84.7128", "31", "days"]
    );
    // CSV and JSON: every time and value, as before.
    let csv = db.ok(&["stats", "--pair", "KGS", "--source", "nbu", "--format", "csv"]);
    assert_eq!(
        csv,
        "pair,source,count,first_timestamp,first,last_timestamp,last,min_timestamp,min,max_timestamp,max,change_pct,largest_gap\n\
         KGS/USD,nbu,7359,1996-09-02T00:00:00Z,0.08228279387,2022-07-21T00:00:00Z,0.01257874749,2015-02-26T00:00:00Z,0.009002013488,\
         1996-09-03T00:00:00Z,0.08232954544,-84.7128,31 days\n"
    );
    let json: serde_json::Value = serde_json::from_str(&db.ok(&["stats", "--pair", "KGS", "--source", "nbu", "--format", "json"])).unwrap();
    assert_eq!(json[0]["min_timestamp"], "2015-02-26T00:00:00Z");
    assert_eq!(json[0]["last"], "0.01257874749");
}

#[test]
fn official_is_the_six_central_banks_for_fetch_and_convert_too() {
    let db = TempDb::new();
    // --dry-run asks nothing of the network: it lists the URLs.
    let hosts = |argv: &[&str]| -> Vec<String> {
        let (code, out, err) = run(&db, argv);
        assert_eq!((code, err.as_str()), (0, ""), "{argv:?}");
        out.lines().map(|u| u.split('/').nth(2).unwrap_or("").to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect()
    };
    let banks = ["cbt.tm", "cbu.uz", "nationalbank.kz", "www.cbr.ru", "www.nbkr.kg", "www.nbt.tj"];
    assert_eq!(hosts(&["fetch", "official", "--dry-run"]), banks);
    assert_eq!(hosts(&["fetch", "OFFICIAL,nbk", "--dry-run"]), banks);
    let mut with_ticker = banks.to_vec();
    with_ticker.push("timesca.com");
    with_ticker.sort();
    assert_eq!(hosts(&["fetch", "timesca", "official", "--dry-run"]), with_ticker);
    assert_eq!(hosts(&["fetch", "all", "--dry-run"]), hosts(&["fetch", "--dry-run"]));
    // Named in fetch's help and in its message for a source it does not know.
    assert!(db.ok(&["fetch", "--help"]).contains("or official for the six central banks"));
    let (code, _, err) = run(&db, &["fetch", "nbu"]);
    assert_eq!(code, 2);
    assert!(err.contains("'nbu' is not a source fetch knows") && err.contains("and official for the six central banks"), "{err}");

    // convert --source official: the legs from the banks only, never the ticker.
    let db = bundled();
    // 1000 × 12149.84 (cbu's USD/UZS) / 478.77 (nbk's USD/KZT) = 25377.195730727...
    let out = converted(&db, &["convert", "1000", "KZT", "UZS", "--source", "official", "--at", "2026-05-25"]);
    assert!(out.starts_with("1000 KZT = 25377.19573 UZS\n"), "{out}");
    assert!(out.contains("USD/KZT  478.77") && out.contains("USD/UZS  12149.84") && !out.contains("timesca"), "{out}");
    let (code, _, err) = run(&db, &["convert", "1000", "KZT", "UZS", "--source", "official", "--at", "2020-01-01"]);
    assert_eq!(code, 1);
    assert_eq!(err, "fxsnap: no observation of KZT/USD from sources nbk, nbkr, cbu, nbt, cbt, cbr at or before 2020-01-01T23:59:59Z\n");
}

/// `check --format csv|json|jsonl` (what `/api/check` answers): the findings
/// as rows on standard output, with the exit code of the table form; none
/// past the limits, no rows and exit 0. The values are the published ones
/// (CBR's KZT per ruble of 4 and 5 March 2026 in the fixture).
#[test]
fn check_writes_its_findings_as_rows_in_the_machine_formats() {
    let db = TempDb::new();
    db.ok(&[
        "ingest",
        "-q",
        s(&common::fixture("feeds/cbr-dynamic-KZT-2026-03.xml")),
        s(&common::fixture("feeds/cbr-daily-2026-04-25.xml")),
    ]);
    let limits = ["check", "--source", "cbr", "--pair", "KZT/RUB", "--from", "2026-01-01", "--max-move", "1%"];
    let (code, out, err) = run(&db, &[&limits[..], &["--format", "json"]].concat());
    assert_eq!(code, 4, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line on standard error, the rows on standard output: {err}");
    let rows: serde_json::Value = serde_json::from_str(&out).expect("a JSON array");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{out}");
    let first = &rows[0];
    assert_eq!(first["pair"], "KZT/RUB");
    assert_eq!(first["source"], "cbr");
    assert_eq!(first["finding"], "moved");
    assert_eq!((first["from_rate"].as_str(), first["rate"].as_str()), (Some("0.154416"), Some("0.156198")), "{first}");
    assert_eq!(first["from_at"], "2026-03-04T00:00:00Z");
    assert_eq!(first["change_pct"], "1.15");
    assert_eq!(first["limit"], "1%");
    let (table_code, _, table_err) = run(&db, &limits);
    assert_eq!(table_code, 4);
    assert!(table_err.contains(first["message"].as_str().unwrap()), "the row's message is the table form's line: {table_err}");

    let (code, csv, _) = run(&db, &[&limits[..], &["--format", "csv"]].concat());
    assert_eq!(code, 4);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("pair,source,finding,from_rate,from_at,rate,at,age_seconds,change_pct,beyond_precision_pct,limit,message")
    );
    assert!(
        lines.next().unwrap().starts_with("KZT/RUB,cbr,moved,0.154416,2026-03-04T00:00:00Z,0.156198,2026-03-05T00:00:00Z,,1.15,,1%,"),
        "{csv}"
    );
    let (code, jsonl, _) = run(&db, &[&limits[..], &["--format", "jsonl"]].concat());
    assert_eq!((code, jsonl.lines().count()), (4, 2), "{jsonl}");

    let calm = ["check", "--source", "cbr", "--pair", "KZT/RUB", "--from", "2026-01-01", "--max-move", "50%", "--format", "json"];
    let (code, out, err) = run(&db, &calm);
    assert_eq!((code, out.trim()), (0, "[]"), "{err}");
}
