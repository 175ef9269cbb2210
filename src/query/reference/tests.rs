//! Reference rates on small stores written through the store's own input
//! transaction.

use super::*;
use crate::model::{Observation, Rate};
use crate::store::{ConflictPolicy, InputMeta};

/// A store with these observations: (source, pair as published, date, value).
fn store(rows: &[(&str, &str, &str, &str)]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let mut store = Store::open_for_write(&path).unwrap();
    for (n, (source, pair, date, value)) in rows.iter().enumerate() {
        let meta = InputMeta {
            name: format!("input-{n}"),
            size: 1,
            sha256: format!("{n:064}"),
            reader: "csv".into(),
            observed: Instant::from_unix(0),
        };
        let mut tx = store.begin_input(ConflictPolicy::Keep, meta).unwrap();
        tx.put(&Observation {
            source: source.parse().unwrap(),
            pair: pair.parse().unwrap(),
            at: Instant::parse(date).unwrap(),
            rate: value.parse::<Rate>().unwrap(),
            change: None,
        })
        .unwrap();
        tx.commit().unwrap();
    }
    drop(store);
    let store = Store::open_existing(&path).unwrap();
    (dir, store)
}

fn c(s: &str) -> Currency {
    s.parse().unwrap()
}
fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}
fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn prefer() -> Rule {
    Rule::Prefer(vec![])
}

/// nbk's published quotes of 2026-04-01 (tests/fixtures/feeds/nbk-2026-04-01.xml).
const NBK: [(&str, &str, &str, &str); 3] =
    [("nbk", "USD/KZT", "2026-04-01", "478.77"), ("nbk", "EUR/KZT", "2026-04-01", "548.62"), ("nbk", "KGS/KZT", "2026-04-01", "5.47")];

#[test]
fn a_published_quote_in_the_asked_direction_keeps_its_digits() {
    let (_d, s) = store(&NBK);
    let r = ReferenceRates::new(&s, &prefer(), None).unwrap();
    let snap = r.on(day("2026-04-01")).unwrap();
    let (usd_kzt, date) = snap.rate(Currency::USD, c("KZT")).unwrap();
    assert_eq!((usd_kzt.value.to_string(), usd_kzt.published), ("478.77".to_string(), true));
    assert_eq!(date, Some(day("2026-04-01")));
    // EUR→KZT: the USD legs cancel, nbk's own number.
    assert_eq!(snap.rate(c("EUR"), c("KZT")).unwrap().0.value.to_string(), "548.62");
    // KZT→USD is computed: 1/478.77 to 10 significant digits.
    assert_eq!(snap.rate(c("KZT"), Currency::USD).unwrap().0.value.to_string(), "0.00208868559");
    // USD→EUR = 478.77 / 548.62 = 0.872680543910…
    let v = snap.rate(Currency::USD, c("EUR")).unwrap().0;
    assert_eq!((v.value.to_string(), v.published), ("0.8726805439".to_string(), false));
    // KGS is one of the five: nbkr answers for it, and nbkr has nothing here.
    assert!(snap.get(c("KGS")).is_none());
}

#[test]
fn the_five_come_from_their_own_bank_and_others_from_the_first_preferred_source() {
    let (_d, s) = store(&[
        ("cbr", "USD/RUB", "2026-04-01", "80.5"),
        ("cbr", "KZT/RUB", "2026-04-01", "0.17"),
        ("cbr", "EUR/RUB", "2026-04-01", "90.1"),
        ("nbk", "USD/KZT", "2026-04-01", "478.77"),
        ("nbk", "EUR/KZT", "2026-04-01", "548.62"),
    ]);
    let r = ReferenceRates::new(&s, &prefer(), None).unwrap();
    let snap = r.on(day("2026-04-01")).unwrap();
    assert_eq!(snap.get(c("KZT")).unwrap().unwrap().source.as_str(), "nbk");
    assert_eq!(snap.get(c("EUR")).unwrap().unwrap().source.as_str(), "nbk");
    assert_eq!(snap.get(c("RUB")).unwrap().unwrap().source.as_str(), "cbr");
    // --prefer cbr: EUR from cbr, KZT still from nbk.
    let r = ReferenceRates::new(&s, &Rule::Prefer(vec!["cbr".parse().unwrap()]), None).unwrap();
    let snap = r.on(day("2026-04-01")).unwrap();
    assert_eq!(snap.get(c("EUR")).unwrap().unwrap().source.as_str(), "cbr");
    assert_eq!(snap.get(c("KZT")).unwrap().unwrap().source.as_str(), "nbk");
    // providers=CBR: everything from cbr, KZT included.
    let r = ReferenceRates::new(&s, &Rule::Providers(vec!["cbr".parse().unwrap()]), None).unwrap();
    let snap = r.on(day("2026-04-01")).unwrap();
    assert_eq!(snap.get(c("KZT")).unwrap().unwrap().source.as_str(), "cbr");
    // USD→KZT through RUB: 80.5 / 0.17 = 473.5294117647…
    assert_eq!(snap.rate(Currency::USD, c("KZT")).unwrap().0.value.to_string(), "473.5294118");
}

#[test]
fn a_day_without_a_quote_carries_the_latest_of_the_fourteen_days_before() {
    let (_d, s) = store(&[("nbk", "USD/KZT", "2026-04-01", "478.77"), ("nbk", "USD/KZT", "2026-04-03", "480.01")]);
    let r = ReferenceRates::new(&s, &prefer(), None).unwrap();
    let at = |x: &str| r.on(day(x)).unwrap().rate(Currency::USD, c("KZT")).map(|(v, d)| (v.value.to_string(), d));
    assert_eq!(at("2026-04-02"), Some(("478.77".into(), Some(day("2026-04-01")))));
    assert_eq!(at("2026-04-17"), Some(("480.01".into(), Some(day("2026-04-03")))));
    assert_eq!(at("2026-04-18"), None, "15 days later is too old");
    assert_eq!(at("2026-03-31"), None, "nothing before the first quote");
}

#[test]
fn a_source_needs_both_legs_on_the_same_day() {
    let (_d, s) = store(&[("nbk", "USD/KZT", "2026-04-01", "478.77"), ("nbk", "EUR/KZT", "2026-04-02", "548.62")]);
    let r = ReferenceRates::new(&s, &prefer(), None).unwrap();
    assert!(r.on(day("2026-04-02")).unwrap().get(c("EUR")).is_none());
}

#[test]
fn each_day_streams_the_days_anything_was_published() {
    let (_d, s) = store(&[
        ("nbk", "USD/KZT", "2026-03-20", "470"),
        ("nbk", "USD/KZT", "2026-04-01", "478.77"),
        ("nbk", "USD/KZT", "2026-04-03", "480.01"),
        ("nbk", "USD/KZT", "2026-04-10", "481"),
    ]);
    let r = ReferenceRates::new(&s, &prefer(), Some(&[c("KZT")].into())).unwrap();
    let mut seen = Vec::new();
    r.each_day(day("2026-04-01"), day("2026-04-05"), |d, snap, published| {
        seen.push((d, snap.rate(Currency::USD, c("KZT")).unwrap().0.value, published.contains(&c("KZT"))));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, vec![(day("2026-04-01"), d("478.77"), true), (day("2026-04-03"), d("480.01"), true)]);
    assert_eq!(r.currencies(), [c("KZT"), Currency::USD].into());
}

#[test]
fn a_source_quoting_against_usd_is_used_directly_when_named() {
    let (_d, s) = store(&[("timesca", "KGS/USD", "2025-12-08", "0.01144"), ("nbkr", "USD/KGS", "2025-12-08", "87.45")]);
    let snap = ReferenceRates::new(&s, &Rule::Providers(vec!["timesca".parse().unwrap()]), None).unwrap().on(day("2025-12-08")).unwrap();
    let v = snap.rate(c("KGS"), Currency::USD).unwrap().0;
    assert_eq!((v.value.to_string(), v.published), ("0.01144".into(), true));
    // Not named: the ticker is never used.
    let snap = ReferenceRates::new(&s, &prefer(), None).unwrap().on(day("2025-12-08")).unwrap();
    assert_eq!(snap.get(c("KGS")).unwrap().unwrap().source.as_str(), "nbkr");
}

#[test]
fn amounts_multiply_exactly_or_not_at_all() {
    let r = CrossRate { value: d("0.002088685590"), published: false };
    assert_eq!(r.times(d("1000")).unwrap().to_string(), "2.088685590000");
    assert_eq!(r.times(d("0.5")).unwrap().to_string(), "0.0010443427950");
    assert!(r.times(d("1234567890123456789")).is_none());
}

#[test]
fn computed_rates_round_ties_to_even() {
    let usd = |v: &str| Reference {
        currency: c("AAA"),
        source: "nbk".parse().unwrap(),
        date: day("2026-04-01"),
        pivot: c("KZT"),
        x: Some(Leg { pair: "AAA/KZT".parse().unwrap(), value: d(v) }),
        usd: Some(Leg { pair: "USD/KZT".parse().unwrap(), value: d("2") }),
    };
    // 1 AAA = 1.0000000005 / 2 ... : 2.000000001 / 2 = 1.0000000005 → 1.000000000 (even).
    let a = usd("2.000000001");
    assert_eq!(cross(Some(&a), None).unwrap().value.to_string(), "1");
    let b = usd("2.000000003");
    assert_eq!(cross(Some(&b), None).unwrap().value.to_string(), "1.000000002");
}
