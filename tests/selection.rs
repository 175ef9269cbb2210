//! Selection v2 through the binary: the five by default, `--pair all`, any
//! pair, `--source` case-insensitive and repeatable, `--cross` with `via`,
//! honest precision, and `convert`'s choice of legs. The data is CSV built
//! here with the values of the real bank documents (tests/fixtures/feeds).

mod common;

use common::TempDb;

/// nbk quotes against the tenge (01.04.2026: USD 478.77, KGS 5.47, EUR);
/// the ticker quotes against USD, UZS with one significant digit; cbu quotes
/// USD in sum on the ticker's day.
const STORE: &str = "timestamp,pair,rate,source\n\
2026-04-01,USD/KZT,478.77,nbk\n\
2026-04-01,KGS/KZT,5.47,nbk\n\
2026-04-01,EUR/KZT,552.4,nbk\n\
2026-04-02,USD/KZT,480.01,nbk\n\
2026-04-03,KGS/KZT,5.49,nbk\n\
2026-04-03,UZS/USD,0.00008,timesca\n\
2026-04-03,KZT/USD,0.00208,timesca\n\
2026-04-03,USD/UZS,12149.84,cbu\n";

fn store() -> TempDb {
    let db = TempDb::new();
    let mut c = db.cmd(&["ingest", "-"]);
    c.write_stdin(STORE).assert().success();
    db
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn the_five_by_default_every_series_with_all() {
    let db = store();
    let out = db.ok(&["latest", "--format", "csv"]);
    assert_eq!(lines(&out)[0], "timestamp,pair,rate,change_pct,source,quoted");
    // The order is by pair then source; check the exact rows.
    let rows: Vec<&str> = lines(&out).into_iter().skip(1).collect();
    assert_eq!(
        rows,
        [
            "2026-04-02T00:00:00Z,KZT/USD,0.002083289931,,nbk,USD/KZT 480.01",
            "2026-04-03T00:00:00Z,KZT/USD,0.00208,,timesca,",
            "2026-04-03T00:00:00Z,UZS/USD,0.00008230561061,,cbu,USD/UZS 12149.84",
            "2026-04-03T00:00:00Z,UZS/USD,0.00008,,timesca,",
        ]
    );
    // KGS/KZT and EUR/KZT are not among the five: --pair all shows them, as quoted.
    let all = db.ok(&["latest", "--pair", "all", "--format", "csv"]);
    assert!(all.contains("2026-04-03T00:00:00Z,KGS/KZT,5.49,,nbk,\n"), "{all}");
    assert!(all.contains("2026-04-01T00:00:00Z,EUR/KZT,552.4,,nbk,\n"), "{all}");
    assert_eq!(lines(&all).len(), 1 + 6, "{all}");
}

#[test]
fn sources_match_in_any_case_and_repeat() {
    let db = store();
    let one = db.ok(&["latest", "--source", "NBK", "--format", "csv"]);
    assert_eq!(lines(&one)[1..], ["2026-04-02T00:00:00Z,KZT/USD,0.002083289931,,nbk,USD/KZT 480.01"]);
    let two = db.ok(&["latest", "--source", "NbK", "--source", "CBU", "--format", "csv"]);
    assert_eq!(lines(&two).len(), 3, "{two}");
    let out = db.cmd(&["latest", "--source", "nbt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no observations from source 'nbt'") && err.contains("cbu, nbk, timesca"), "{err}");
}

#[test]
fn cross_rates_are_derived_with_via_and_suggested_without() {
    let db = store();
    let out = db.cmd(&["history", "--pair", "KGS/USD", "--source", "nbk"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no source quotes KGS/USD from nbk directly") && err.contains("--cross") && err.contains("nbk via KZT"), "{err}");

    // 5.47 / 478.77 = 0.011425110178…, on the one day both legs exist.
    let csv = db.ok(&["history", "--pair", "KGS/USD", "--source", "nbk", "--cross", "--format", "csv"]);
    assert_eq!(lines(&csv), ["timestamp,pair,rate,change_pct,source,via,quoted", "2026-04-01T00:00:00Z,KGS/USD,0.01142511018,,nbk,KZT,"]);
    let json = db.ok(&["latest", "--pair", "USD/KGS", "--source", "nbk", "--cross", "--format", "jsonl"]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["rate"], "87.52650823");
    assert_eq!(v["via"], "KZT");
    assert_eq!(v["timestamp"], "2026-04-01T00:00:00Z");
    // Derived rows are never stored.
    let all = db.ok(&["history", "--pair", "all", "--format", "csv"]);
    assert!(!all.contains("KGS/USD"), "{all}");
    // A store row keeps an empty via beside the derived ones (and its published quote).
    let mixed = db.ok(&["latest", "--pair", "KZT", "--cross", "--format", "csv"]);
    assert!(mixed.contains("2026-04-02T00:00:00Z,KZT/USD,0.002083289931,,nbk,,USD/KZT 480.01\n"), "{mixed}");
}

#[test]
fn a_one_digit_quote_is_marked_in_tables_and_json() {
    let db = store();
    let table = db.ok(&["latest", "--invert", "--pair", "UZS", "--source", "timesca"]);
    assert!(table.contains("12500 ±6.25%"), "{table}");
    let json = db.ok(&["latest", "--pair", "UZS", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v.as_array().unwrap();
    let by_source = |s: &str| rows.iter().find(|r| r["source"] == s).unwrap().clone();
    assert_eq!(by_source("timesca")["precision_pct"].to_string(), "6.25");
    assert!(by_source("cbu")["precision_pct"].is_null());
    // The bank's quote is not marked in a table.
    let cbu = db.ok(&["latest", "--invert", "--pair", "UZS", "--source", "cbu"]);
    assert!(cbu.contains("12149.84") && !cbu.contains('±'), "{cbu}");
}

#[test]
fn convert_prefers_the_more_exact_leg_of_the_same_day() {
    let db = store();
    // Both UZS legs are of 2026-04-03: cbu's 12149.84 (7 digits) beats the ticker's 0.00008 (1).
    let out = db.ok(&["convert", "1000", "USD", "UZS", "--at", "2026-04-03", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["result"], "12149840");
    assert_eq!(v["legs"][0]["source"], "cbu");
    assert!(v["precision_pct"].is_null());
    // Only the ticker: the answer carries its uncertainty.
    let t = db.ok(&["convert", "1000", "USD", "UZS", "--at", "2026-04-03", "--source", "TIMESCA"]);
    assert!(t.starts_with("1000 USD = 12500000 UZS\n"), "{t}");
    assert!(t.contains("low precision") && t.contains("±6.25%"), "{t}");
    // Through the tenge with nbk's own quotes: 100 KGS = 100 × 5.47 KZT.
    let via = db.ok(&["convert", "100", "KGS", "KZT", "--via", "KZT", "--at", "2026-04-01"]);
    assert!(via.starts_with("100 KGS = 547.00 KZT\n") || via.starts_with("100 KGS = 547 KZT\n"), "{via}");
}
