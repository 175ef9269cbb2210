//! The Frankfurter answers on a store of the bundled bank documents
//! (tests/fixtures/feeds), through the functions the router calls. The
//! same requests through the real server: tests/frankfurter.rs.

use std::path::Path;

use chrono::NaiveDate;

use super::{v1, v2};
use crate::store::Store;

/// A store of the bank documents, each stored as `ingest` stores it (`intake`).
fn fixture_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let feeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    let mut store = crate::intake::LazyStore::new(&db);
    let now = crate::model::Instant::from_unix(1_779_710_400);
    let opts = crate::intake::Options { at: None, source: None, policy: crate::store::ConflictPolicy::Keep, now };
    for f in [
        "nbk-2026-04-01.xml",
        "cbu-2026-04-03.json",
        "cbr-daily-2026-04-25.xml",
        "cbr-dynamic-USD-2026-03.xml",
        "nbt-2026-05-18.xml",
        "cbt-2026-05-20.xml",
        "nbkr-daily-2026-05-24.xml",
    ] {
        let bytes = std::fs::read(feeds.join(f)).unwrap();
        let doc = crate::intake::Document { name: f.to_string(), bytes: &bytes, observed: now, undated_at: None, currency: None };
        crate::intake::store_document(&mut store, &doc, &opts).unwrap();
    }
    drop(store);
    let store = Store::open_existing(&db).unwrap();
    (dir, store)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn q(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or((p.to_string(), String::new())))
        .collect()
}

fn get1(store: &Store, path: &str, query: &str) -> (u16, String) {
    let a = v1(path, &q(query), store, day("2026-05-25"), &[]);
    (a.status, String::from_utf8(a.body).unwrap())
}

fn get2(store: &Store, path: &str, query: &str, accept: Option<&str>) -> (u16, String) {
    let a = v2(path, &q(query), accept, store, day("2026-05-25"), &[], None);
    (a.status, String::from_utf8(a.body).unwrap())
}

#[test]
fn v1_answers_as_frankfurter_does() {
    let (_d, s) = fixture_store();
    // nbk's own USD/KZT and the carried UZS of 3 April on Saturday 4 April.
    assert_eq!(
        get1(&s, "/2026-04-04", "base=USD&symbols=KZT,UZS"),
        (200, r#"{"amount":1.0,"base":"USD","date":"2026-04-03","rates":{"KZT":478.77,"UZS":12149.84}}"#.to_string())
    );
    assert_eq!(
        get1(&s, "/2026-04-01", "from=usd&base=EUR&to=kzt&symbols=UZS&amount=10&rtype=fpy"),
        (200, r#"{"amount":10.0,"base":"USD","date":"2026-04-01","rates":{"KZT":4787.70}}"#.to_string())
    );
    assert_eq!(get1(&s, "/2026-04-01", "base=KZT&symbols=KZT").0, 422);
    assert_eq!(get1(&s, "/2026-04-01", "base=KZT&symbols=KZT").1, r#"{"message":"bad currency pair"}"#);
    assert_eq!(get1(&s, "/2026-02-30", "").1, r#"{"message":"invalid date"}"#);
    assert_eq!(get1(&s, "/2026-04-01", "amount=0").1, r#"{"message":"invalid amount"}"#);
    assert_eq!(get1(&s, "/2026-04-01", "amount=-1").1, r#"{"message":"invalid amount"}"#);
    assert_eq!(get1(&s, "/2026-04-01", "amount=1e400").1, r#"{"message":"invalid amount"}"#);
    assert_eq!(get1(&s, "/2026-04-01", "base=QQQ"), (404, r#"{"message":"not found"}"#.to_string()));
    assert_eq!(get1(&s, "/2020-01-01", "").0, 404);
    assert_eq!(get1(&s, "/nothing", "").0, 404);
    // The latest: 26 May looks back to 12 May: TJS, TMT, KGS (and nbkr's EUR).
    let (status, body) = get1(&s, "/latest", "base=USD");
    assert_eq!(status, 200);
    assert!(body.contains(r#""date":"2026-05-24""#), "{body}");
    assert!(body.contains(r#""KGS":87.4500"#) && body.contains(r#""TJS":9.3450"#) && body.contains(r#""TMT":3.5"#), "{body}");
    assert!(!body.contains("KZT"), "{body}");
    let (_, range) = get1(&s, "/2026-03-30..2026-04-05", "base=USD&symbols=KZT,UZS");
    assert_eq!(
        range,
        r#"{"amount":1.0,"base":"USD","start_date":"2026-04-01","end_date":"2026-04-03","rates":{"2026-04-01":{"KZT":478.77},"2026-04-03":{"KZT":478.77,"UZS":12149.84}}}"#
    );
    let (_, currencies) = get1(&s, "/currencies", "");
    assert!(
        currencies.starts_with(r#"{"AED":"United Arab Emirates Dirham","#) && currencies.contains(r#""KZT":"Kazakhstani Tenge""#),
        "{currencies}"
    );
}

#[test]
fn v2_answers_rows() {
    let (_d, s) = fixture_store();
    let (status, body) = get2(&s, "/rates", "base=USD&quotes=KZT,UZS,USD&date=2026-04-04", None);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"[{"date":"2026-04-01","base":"USD","quote":"KZT","rate":478.77},{"date":"2026-04-03","base":"USD","quote":"USD","rate":1.0},{"date":"2026-04-03","base":"USD","quote":"UZS","rate":12149.84}]"#
    );
    let (_, csv) = get2(&s, "/rates.csv", "base=USD&quotes=KZT&date=2026-04-01", None);
    assert_eq!(csv, "date,base,quote,rate\n2026-04-01,USD,KZT,478.77\n");
    let (_, nd) = get2(&s, "/rates", "base=USD&quotes=KZT&date=2026-04-01", Some("application/x-ndjson"));
    assert_eq!(nd, "{\"date\":\"2026-04-01\",\"base\":\"USD\",\"quote\":\"KZT\",\"rate\":478.77}\n");
    assert_eq!(get2(&s, "/rates", "bogus=1", None), (422, r#"{"status":422,"message":"unknown parameter: bogus"}"#.to_string()));
    assert_eq!(get2(&s, "/rates", "base=QQQ", None).0, 422);
    assert_eq!(get2(&s, "/rate/USD/KZT", "date=2026-04-02", None).1, r#"{"date":"2026-04-01","base":"USD","quote":"KZT","rate":478.77}"#);
    let (_, rub) = get2(&s, "/rates", "base=USD&quotes=RUB&from=2026-03-01&to=2026-03-06&providers=cbr", None);
    assert!(rub.starts_with(r#"[{"date":"2026-03-03","base":"USD","quote":"RUB","rate":"#), "{rub}");
    let (_, month) = get2(&s, "/rates", "base=USD&quotes=RUB&from=2026-03-01&to=2026-03-31&group=month&providers=CBR", None);
    assert!(month.starts_with(r#"[{"date":"2026-03-01","base":"USD","quote":"RUB","rate":"#), "{month}");
    let (_, expanded) = get2(&s, "/rates", "base=EUR&quotes=RUB&date=2026-04-25&expand=providers", None);
    assert!(expanded.contains(r#""providers":[{"key":"CBR","date":"2026-04-25","rate":"#), "{expanded}");
    let (_, providers) = get2(&s, "/providers", "", None);
    assert!(
        providers
            .contains(r#"{"key":"NBK","name":"National Bank of Kazakhstan","country_code":"KZ","rate_type":null,"pivot_currency":"KZT""#),
        "{providers}"
    );
    let (_, kzt) = get2(&s, "/currency/KZT", "", None);
    assert!(
        kzt.contains(r#""iso_code":"KZT","iso_numeric":"398","name":"Kazakhstani Tenge""#)
            && kzt.contains(r#""providers":["CBR","CBT","CBU","NBK","NBKR","NBT"]"#),
        "{kzt}"
    );
    let (_, all) = get2(&s, "/currencies", "", None);
    assert!(all.contains(r#"{"iso_code":"KZT","iso_numeric":"398","name":"Kazakhstani Tenge","symbol":null,"start_date":"2026-04-01","end_date":"2026-04-01"}"#), "{all}");
}

#[test]
fn nothing_within_14_days_says_why() {
    let (_d, s) = fixture_store();
    // 23 June: the newest KGS (NBKR, 24 May) is 30 days old.
    let late = day("2026-06-23");
    let a = v1("/latest", &q("base=USD&symbols=KGS"), &s, late, &[]);
    assert_eq!(a.status, 404);
    assert_eq!(
        String::from_utf8(a.body).unwrap(),
        r#"{"message":"not found","reason":"the newest KGS rate is of 2026-05-24, more than 14 days before 2026-06-23"}"#
    );
    // The base is named when it is the one missing; a range names its first day.
    let a = v1("/2026-05-01..2026-05-10", &q("base=KZT&symbols=USD"), &s, late, &[]);
    assert!(String::from_utf8(a.body)
        .unwrap()
        .contains(r#""reason":"the newest KZT rate is of 2026-04-01, more than 14 days before 2026-05-01""#));
    // Nothing at all before the day, or an unknown base: Frankfurter's body alone.
    assert_eq!(v1("/2020-01-01", &q("base=USD"), &s, late, &[]).body, br#"{"message":"not found"}"#);
    assert_eq!(v1("/latest", &q("base=QQQ"), &s, late, &[]).body, br#"{"message":"not found"}"#);
    // v2: an empty answer, its reason beside it for the X-Fxsnap-Reason header.
    let a = v2("/rates", &q("base=USD&quotes=KGS"), None, &s, late, &[], None);
    assert_eq!((a.status, a.body.as_slice()), (200, b"[]".as_slice()));
    assert_eq!(a.reason.as_deref(), Some("the newest KGS rate is of 2026-05-24, more than 14 days before 2026-06-23"));
    let a = v2("/rates.csv", &q("base=USD&quotes=KGS&from=2026-06-10&to=2026-06-20"), None, &s, late, &[], None);
    assert_eq!(a.body, b"date,base,quote,rate\n");
    assert_eq!(a.reason.as_deref(), Some("the newest KGS rate is of 2026-05-24, more than 14 days before 2026-06-10"));
    assert_eq!(v2("/rates", &q("base=USD&quotes=KGS"), None, &s, day("2026-05-25"), &[], None).reason, None);
    let a = v2("/rate/USD/KGS", &q(""), None, &s, late, &[], None);
    assert_eq!((a.status, a.body.as_slice()), (404, br#"{"status":404,"message":"not found"}"#.as_slice()));
    assert_eq!(a.reason.as_deref(), Some("the newest KGS rate is of 2026-05-24, more than 14 days before 2026-06-23"));
}
