use super::*;
use crate::model::{Instant, Pair};

fn written(format: HistoryFormat, columns: &'static [&'static str], rows: &[&[&str]]) -> String {
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out, format, columns);
    for r in rows {
        w.write(r.iter().map(|c| Cell::from(*c)).collect()).unwrap();
    }
    w.finish().unwrap();
    String::from_utf8(out).unwrap()
}

const PRICE: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source"];

/// A price directive of one record stating its price.
fn priced(format: HistoryFormat, at: Instant, pair: &str, rate: &str) -> String {
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out, format, PRICE);
    let price = Price { at, pair: pair.parse().unwrap(), rate: rate.parse().unwrap() };
    w.write_priced(vec![Cell::from(at.rfc3339()), pair.into(), rate.into(), Cell::Empty, "nbk".into()], price).unwrap();
    w.finish().unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn price_directives_say_what_history_always_said() {
    // The times the old inline code formatted from the instant itself, now
    // from the record's typed price: the same text, first day to last.
    for secs in [-62_167_219_200, -1, 0, 86_399, 1_765_497_600, 1_765_541_045, 253_402_300_799] {
        let at = Instant::from_unix(secs);
        let ts = at.rfc3339();
        let dt = at.datetime();
        assert_eq!(
            priced(HistoryFormat::Ledger, at, "KZT/USD", "0.00192"),
            format!("P {} KZT 0.00192 USD\n", dt.format("%Y-%m-%d %H:%M:%S")),
            "{ts}"
        );
        assert_eq!(
            priced(HistoryFormat::Beancount, at, "KZT/USD", "0.00192"),
            format!("{} price KZT 0.00192 USD\n", dt.format("%Y-%m-%d")),
            "{ts}"
        );
    }
}

#[test]
fn a_record_without_a_price_is_an_error_not_a_panic() {
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out, HistoryFormat::Ledger, &["pair", "source"]);
    let e = w.write(vec!["KZT/USD".into(), "nbk".into()]).unwrap_err();
    assert!(e.to_string().contains("timestamp, pair and rate"), "{e}");
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out, HistoryFormat::Beancount, PRICE);
    assert!(w.write(vec!["2025-12-12T00:00:00Z".into()]).is_err(), "a short record");
}

#[test]
fn no_records_still_make_a_whole_output() {
    assert_eq!(written(HistoryFormat::Csv, PRICE, &[]), "timestamp,pair,rate,change_pct,source\n");
    assert_eq!(written(HistoryFormat::Json, PRICE, &[]), "[]\n");
    assert_eq!(written(HistoryFormat::Jsonl, PRICE, &[]), "");
    assert_eq!(written(HistoryFormat::Ledger, PRICE, &[]), "");
    assert_eq!(written(HistoryFormat::Table, &["a", "bb"], &[]), "a  bb\n");
    let mut out = Vec::new();
    RecordWriter::new(&mut out, Format::Table, &["a", "bb"]).with_fixed_widths(vec![4, 2]).finish().unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "a     bb\n");
}

#[test]
fn each_format_writes_its_records() {
    let cols: &'static [&'static str] = &["name", "note"];
    let rows: &[&[&str]] = &[&["a", "x,\"y\""], &["bbb", ""]];
    assert_eq!(written(HistoryFormat::Csv, cols, rows), "name,note\na,\"x,\"\"y\"\"\"\nbbb,\n");
    assert_eq!(written(HistoryFormat::Table, cols, rows), "name  note\na     x,\"y\"\nbbb\n");
    assert_eq!(
        written(HistoryFormat::Json, cols, rows),
        "[\n  {\"name\":\"a\",\"note\":\"x,\\\"y\\\"\"},\n  {\"name\":\"bbb\",\"note\":\"\"}\n]\n"
    );
    assert_eq!(written(HistoryFormat::Jsonl, cols, rows), "{\"name\":\"a\",\"note\":\"x,\\\"y\\\"\"}\n{\"name\":\"bbb\",\"note\":\"\"}\n");
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out, Format::Json, &["n", "e"]);
    w.write(vec![Cell::Number("3".into()), Cell::Empty]).unwrap();
    w.finish().unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "[\n  {\"n\":3,\"e\":null}\n]\n");
}

#[test]
fn raw_rows_match_the_csv_exporter() {
    let usd_kzt: Pair = "USD/KZT".parse().unwrap();
    let kzt_usd = usd_kzt.inverse();
    let source = "nbk".parse().unwrap();
    let mut raw = Vec::new();
    let mut rows = csv::RawRows::new(&mut raw, quotes::COLUMNS).unwrap();
    // Shown as quoted, then shown the other way round (the published quote in `quoted`).
    let cases = [
        (-1, usd_kzt, None),
        (1_765_541_045, usd_kzt, Some("-0.5")),
        (1_765_584_000, kzt_usd, None),
        (1_765_584_001, kzt_usd, Some("0.76")),
    ];
    for (secs, shown, change) in cases {
        rows.write(Instant::from_unix(secs), shown, usd_kzt, "470.12", change, &source).unwrap();
    }
    rows.finish().unwrap();
    let records: Vec<Vec<String>> = [
        (-1, "USD/KZT", "470.12", "-0.5", ""),
        (1_765_541_045, "USD/KZT", "470.12", "-0.5", ""),
        (1_765_584_000, "KZT/USD", "0.002127116481", "", "USD/KZT 470.12"),
        (1_765_584_001, "KZT/USD", "0.002127116481", "", "USD/KZT 470.12 0.76%"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (s, p, r, c, q))| {
        let c = if i == 0 { "" } else { c };
        vec![Instant::from_unix(*s).rfc3339(), (*p).into(), (*r).into(), c.into(), "nbk".into(), (*q).into()]
    })
    .collect();
    let refs: Vec<Vec<&str>> = records.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    assert_eq!(String::from_utf8(raw).unwrap(), written(HistoryFormat::Csv, quotes::COLUMNS, &refs));
}

#[test]
fn a_document_is_pretty_and_ends_its_line() {
    let mut out = Vec::new();
    json::write_document(&mut out, &serde_json::json!({"a": "1", "b": [true]})).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "{\n  \"a\": \"1\",\n  \"b\": [\n    true\n  ]\n}\n");
}
