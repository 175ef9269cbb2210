//! The central banks' documents through the binary (issue "Official rates"):
//! every currency of every real document stored exactly at its own date,
//! under any name and from standard input; CBT's `rate_tmt` only; the
//! default selection, `--pair all`, `--source`; cross rates from bank
//! quotes; hostile documents refused whole; WARC archives; precision.
//! Fixtures: tests/fixtures/feeds (real responses, see its README).

mod common;

use std::fs;
use std::io::Write;
use std::time::Duration;

use common::{fixture, s, TempDb};

/// Every real document, with its count of currencies and its date.
const DOCUMENTS: [(&str, usize, &str); 8] = [
    ("nbk-2026-04-01.xml", 39, "2026-04-01"),
    ("nbkr-daily-2026-05-24.xml", 5, "2026-05-24"),
    ("cbu-2026-04-03.json", 75, "2026-04-03"),
    ("nbt-2026-05-18.xml", 36, "2026-05-18"),
    ("cbt-2026-05-20.xml", 48, "2026-05-20"),
    ("cbr-daily-2026-04-25.xml", 54, "2026-04-25"),
    ("cbr-dynamic-USD-2026-03.xml", 3, "2026-03-0"),
    ("cbr-dynamic-KZT-2026-03.xml", 3, "2026-03-0"),
];

fn run(db: &TempDb, args: &[&str]) -> (i32, String, String) {
    let out = db.cmd(args).timeout(Duration::from_secs(60)).output().expect("run");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn all_csv(db: &TempDb) -> String {
    db.ok(&["history", "--pair", "all", "--format", "csv"])
}

fn has_row(csv: &str, row: &str) -> bool {
    csv.lines().any(|l| l == row)
}

#[test]
fn every_document_is_read_exactly_under_any_name_and_from_stdin() {
    for (file, count, date) in DOCUMENTS {
        let bytes = fs::read(fixture(&format!("feeds/{file}"))).unwrap();
        // Under its own name, under a name that says nothing, and from stdin.
        let named = TempDb::new();
        named.ok(&["ingest", "-q", s(&fixture(&format!("feeds/{file}")))]);
        let renamed = TempDb::new();
        let odd = renamed.dir.path().join("download.bin");
        fs::write(&odd, &bytes).unwrap();
        renamed.ok(&["ingest", "-q", s(&odd)]);
        let piped = TempDb::new();
        piped.cmd(&["ingest", "-q", "-"]).write_stdin(bytes.clone()).assert().success();

        let csv = all_csv(&named);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), count, "{file}: {csv}");
        assert!(rows.iter().all(|r| r.starts_with(date)), "{file}: every row at the document's own date: {csv}");
        assert_eq!(all_csv(&renamed), csv, "{file} renamed");
        assert_eq!(all_csv(&piped), csv, "{file} from stdin");
    }
}

#[test]
fn every_digit_is_kept_and_nominals_shift_the_point() {
    let db = TempDb::new();
    let mut args = vec!["ingest".to_string()];
    args.extend(DOCUMENTS.iter().map(|(f, _, _)| s(&fixture(&format!("feeds/{f}"))).to_string()));
    args.push(s(&fixture("feeds/nbkr-history-USD-2005-06.html")).to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(&db, &args);
    // The history page names no currency and is refused on its own; the rest is stored.
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nbkr-history-USD-2005-06.html: is NBKR's history page, which names no currency"), "{err}");
    assert!(err.contains("9 inputs, 263 rates: 263 new, 0 duplicate, 0 conflicts; 1 failed"), "{err}");
    // Each row as published: a computed one's `quoted` cell (USD/KZT 478.77 beside KZT/USD).
    let csv = common::as_published(&all_csv(&db));
    for row in [
        "2026-04-01T00:00:00Z,USD/KZT,478.77,,nbk",
        "2026-04-01T00:00:00Z,KGS/KZT,5.47,,nbk",
        "2026-04-01T00:00:00Z,UZS/KZT,0.0393,,nbk",
        "2026-05-24T00:00:00Z,USD/KGS,87.4500,,nbkr",
        "2026-05-24T00:00:00Z,KZT/KGS,0.1859,,nbkr",
        "2026-04-03T00:00:00Z,USD/UZS,12149.84,,cbu",
        "2026-04-03T00:00:00Z,IRR/UZS,0.009,,cbu",
        "2026-04-03T00:00:00Z,TMT/UZS,3471.38,,cbu",
        "2026-05-18T00:00:00Z,UZS/TJS,0.000780,,nbt",
        "2026-05-18T00:00:00Z,KGS/TJS,0.10686,,nbt",
        "2026-05-18T00:00:00Z,USD/TJS,9.3450,,nbt",
        "2026-05-20T00:00:00Z,EUR/TMT,4.0649,,cbt",
        "2026-05-20T00:00:00Z,KZT/TMT,0.007424,,cbt",
        "2026-04-25T00:00:00Z,UZS/RUB,0.00628322,,cbr",
        "2026-04-25T00:00:00Z,KZT/RUB,0.163172,,cbr",
        "2026-04-25T00:00:00Z,USD/RUB,75.5273,,cbr",
        "2026-04-25T00:00:00Z,TMT/RUB,21.5792,,cbr",
        "2026-03-03T00:00:00Z,KZT/RUB,0.155104,,cbr",
        "2026-03-05T00:00:00Z,USD/RUB,77.8009,,cbr",
    ] {
        assert!(has_row(&csv, row), "missing {row}");
    }
    // CBT's rate_usd (EUR 1.1614, KZT 471.44) is not a quote and is stored nowhere.
    assert!(!csv.contains("1.1614") && !csv.contains("471.44"), "rate_usd leaked");
}

#[test]
fn the_bundled_latest_is_the_five_and_everything_with_all() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&common::data("feeds"))]);
    let latest = db.ok(&["latest", "--format", "csv"]);
    let rows: Vec<&str> = latest.lines().skip(1).collect();
    assert_eq!(
        rows,
        [
            "2026-05-24T00:00:00Z,KGS/USD,0.01143510577,,nbkr,USD/KGS 87.4500",
            "2026-04-01T00:00:00Z,KZT/USD,0.00208868559,,nbk,USD/KZT 478.77",
            "2026-05-18T00:00:00Z,TJS/USD,0.1070090958,,nbt,USD/TJS 9.3450",
            "2026-05-20T00:00:00Z,TMT/USD,0.2857142857,,cbt,USD/TMT 3.5",
            "2026-04-03T00:00:00Z,UZS/USD,0.00008230561061,,cbu,USD/UZS 12149.84",
        ],
        "{latest}"
    );
    // 1/478.77 = 0.0020886855901…: ten significant digits.
    assert!(latest.contains("KZT/USD,0.00208868559,,nbk"));
    let all = db.ok(&["latest", "--pair", "all", "--format", "csv"]);
    // 39 + 5 + 75 + 36 + 48 + 54 series; the dynamic documents add days to two of cbr's.
    assert_eq!(all.lines().count(), 1 + 257, "every series of the eight documents");
    let nbk = db.ok(&["latest", "--pair", "all", "--source", "NBK", "--format", "csv"]);
    assert_eq!(nbk.lines().count(), 1 + 39, "{nbk}");
    assert!(nbk.lines().skip(1).all(|l| l.split(',').nth(4) == Some("nbk")), "{nbk}");
}

#[test]
fn cross_rates_from_the_banks_own_quotes() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&common::data("feeds"))]);
    // Without --cross: refused, and the message names it.
    let (code, _, err) = run(&db, &["latest", "--pair", "KGS/USD", "--source", "nbk"]);
    assert_eq!(code, 1);
    assert!(err.contains("--cross") && err.contains("nbk via KZT"), "{err}");
    // KGS/USD from nbk = 5.47 / 478.77 on 2026-04-01.
    let nbk = db.ok(&["history", "--pair", "KGS/USD", "--source", "nbk", "--cross", "--format", "csv"]);
    assert_eq!(
        nbk.lines().collect::<Vec<_>>(),
        ["timestamp,pair,rate,change_pct,source,via,quoted", "2026-04-01T00:00:00Z,KGS/USD,0.01142511018,,nbk,KZT,"]
    );
    // KZT/USD from cbr over 3–5 March 2026 from the two dynamic documents
    // (KZT/RUB per 100 ÷ USD/RUB), and on 25 April from the daily one.
    let cbr = db.ok(&["history", "--pair", "KZT", "--source", "cbr", "--cross", "--format", "csv"]);
    assert_eq!(
        cbr.lines().collect::<Vec<_>>(),
        [
            "timestamp,pair,rate,change_pct,source,via,quoted",
            "2026-03-03T00:00:00Z,KZT/USD,0.002009811671,,cbr,RUB,",
            "2026-03-04T00:00:00Z,KZT/USD,0.001989658456,,cbr,RUB,",
            "2026-03-05T00:00:00Z,KZT/USD,0.00200766315,,cbr,RUB,",
            "2026-04-25T00:00:00Z,KZT/USD,0.002160437352,,cbr,RUB,",
        ]
    );
}

/// A document that must be refused whole: exit 1, one line naming it, nothing stored.
fn refused(name: &str, bytes: &[u8], why: &str) {
    let db = TempDb::new();
    let path = db.dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    let (code, out, err) = run(&db, &["ingest", s(&path)]);
    assert_eq!(code, 1, "{name}: {err}");
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{name}: one error line and the summary: {err}");
    assert!(lines[0].starts_with(&format!("fxsnap: {}: ", path.display())) && lines[0].contains(why), "{name}: {err}");
    assert!(lines[1].ends_with("; 1 failed"), "{err}");
    assert!(!db.path.exists(), "{name}: nothing stored, not even a new database");
}

#[test]
fn hostile_documents_are_refused_whole_in_bounded_time_and_memory() {
    let nbk = fs::read_to_string(fixture("feeds/nbk-2026-04-01.xml")).unwrap();
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secret.txt");
    fs::write(&secret, "TOP-SECRET-CONTENT-42").unwrap();

    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rates [<!ENTITY a \"ha\">{}]>\n<rates><date>01.04.2026</date><item><title>USD</title><description>&j;</description><quant>1</quant></item></rates>",
        (b'b'..=b'j').map(|c| format!("<!ENTITY {} \"{}\">", c as char, format!("&{};", (c - 1) as char).repeat(10))).collect::<String>()
    );
    refused("laughs.xml", laughs.as_bytes(), "DTD");
    let xxe = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rates [<!ENTITY x SYSTEM \"file://{}\">]>\n<rates><date>01.04.2026</date><item><title>USD</title><description>&x;</description><quant>1</quant></item></rates>",
        secret.display()
    );
    refused("xxe.xml", xxe.as_bytes(), "DTD");
    let twice = nbk.replacen(
        "</rates>",
        "<item><fullname>x</fullname><title>USD</title><description>479.01</description><quant>1</quant></item></rates>",
        1,
    );
    refused("twice.xml", twice.as_bytes(), "USD");
    refused("impossible.xml", nbk.replace("<date>01.04.2026</date>", "<date>31.02.2026</date>").as_bytes(), "31.02.2026");
    refused("cut.xml", &nbk.as_bytes()[..nbk.len() / 2], "");
    let mut big = nbk.clone().into_bytes();
    big.truncate(big.len() - "</rates>".len() - 1);
    while big.len() <= 8 * 1024 * 1024 {
        big.extend_from_slice(b"<!-- padding padding padding padding padding padding padding padding -->\n");
    }
    big.extend_from_slice(b"</rates>\n");
    refused("big.xml", &big, "8 MiB");
    // windows-1251 bytes (CBR's Russian names) in a document that says UTF-8.
    let cbr = fs::read(fixture("feeds/cbr-daily-2026-04-25.xml")).unwrap();
    let lying: Vec<u8> = String::from_utf8_lossy(&cbr[..60])
        .replace("windows-1251", "utf-8")
        .into_bytes()
        .into_iter()
        .chain(cbr[60..].iter().copied())
        .collect();
    refused("lying.xml", &lying, "UTF-8");

    // The secret file's content appears in no output, no error, no store.
    let db = TempDb::new();
    let path = db.dir.path().join("xxe.xml");
    fs::write(&path, &xxe).unwrap();
    let (_, out, err) = run(&db, &["ingest", s(&path)]);
    assert!(!out.contains("TOP-SECRET") && !err.contains("TOP-SECRET"));

    // Memory: no fxsnap run above peaked over 100 MiB.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes the struct it is given.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    assert!(usage.ru_maxrss < 100 * 1024, "a child peaked at {} KiB", usage.ru_maxrss);
}

#[test]
fn bad_rows_are_skipped_and_counted_an_empty_day_is_empty() {
    let db = TempDb::new();
    let nbk = fs::read_to_string(fixture("feeds/nbk-2026-04-01.xml")).unwrap();
    let rough = nbk
        .replacen("<quant>1</quant>", "<quant>3</quant>", 1)
        .replace("<description>478.77</description>", "<description>0</description>");
    let path = db.dir.path().join("rough.xml");
    fs::write(&path, rough).unwrap();
    let (code, _, err) = run(&db, &["ingest", s(&path)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 input, 37 rates: 37 new, 0 duplicate, 0 conflicts, 2 skipped; 0 failed"), "{err}");
    let inputs = db.ok(&["inputs", "--format", "csv"]);
    assert!(inputs.lines().nth(1).is_some_and(|l| l.ends_with(",37,0,0,2")), "{inputs}");
    assert!(!all_csv(&db).contains("USD/KZT"), "the zero rate is not stored");

    let empty = db.dir.path().join("empty-day.xml");
    fs::write(
        &empty,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rates><date>05.04.2026</date><info>No rates for this date</info></rates>\n",
    )
    .unwrap();
    let (code, _, err) = run(&db, &["ingest", s(&empty)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 input, 0 rates: 0 new, 0 duplicate, 0 conflicts, 1 empty; 0 failed"), "{err}");
}

/// A WARC/1.1 response record, gzip-compressed on its own.
fn warc_record(uri: &str, date: &str, body: &[u8]) -> Vec<u8> {
    let mut http = format!("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    http.extend_from_slice(body);
    let mut rec = format!(
        "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{:08x}-0000-4000-8000-000000000000>\r\nWARC-Date: {date}\r\nWARC-Target-URI: {uri}\r\nContent-Type: application/http;msgtype=response\r\nContent-Length: {}\r\n\r\n",
        uri.len(),
        http.len()
    )
    .into_bytes();
    rec.extend_from_slice(&http);
    rec.extend_from_slice(b"\r\n\r\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&rec).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_warc_archive_ingests_like_its_documents() {
    let nbk = fs::read(fixture("feeds/nbk-2026-04-01.xml")).unwrap();
    let cbu = fs::read(fixture("feeds/cbu-2026-04-03.json")).unwrap();
    let nbk_uri = "https://nationalbank.kz/rss/get_rates.cfm?fdate=01.04.2026";
    let cbu_uri = "https://cbu.uz/en/arkhiv-kursov-valyut/json/all/2026-04-03/";
    let mut archive = warc_record(nbk_uri, "2026-04-08T13:43:25Z", &nbk);
    archive.extend(warc_record(cbu_uri, "2026-04-08T13:43:35Z", &cbu));

    let db = TempDb::new();
    let path = db.dir.path().join("feeds.warc.gz");
    fs::write(&path, &archive).unwrap();
    let (code, _, err) = run(&db, &["ingest", s(&path)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 inputs, 114 rates: 114 new"), "{err}");
    let direct = TempDb::new();
    direct.ok(&["ingest", "-q", s(&fixture("feeds/nbk-2026-04-01.xml")), s(&fixture("feeds/cbu-2026-04-03.json"))]);
    assert_eq!(all_csv(&db), all_csv(&direct));
    // Named by target URI, observed at WARC-Date.
    let inputs = db.ok(&["inputs", "--format", "csv"]);
    assert!(inputs.contains(&format!(",{nbk_uri},")) && inputs.contains(",nbk,2026-04-08T13:43:25Z,"), "{inputs}");
    assert!(inputs.contains(&format!(",{cbu_uri},")) && inputs.contains(",cbu,2026-04-08T13:43:35Z,"), "{inputs}");

    // A crash cut the last record: the complete one is stored, the cut reported.
    let cut_db = TempDb::new();
    let cut = cut_db.dir.path().join("cut.warc.gz");
    fs::write(&cut, &archive[..archive.len() - 200]).unwrap();
    let (code, _, err) = run(&cut_db, &["ingest", s(&cut)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("{}: ", cut.display())) && err.contains("1 failed"), "{err}");
    let stored = all_csv(&cut_db);
    assert_eq!(stored.lines().count(), 1 + 39, "the nbk record is whole and stored");
}

#[test]
fn precision_is_honest_on_the_bundled_data() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&common::data("pages")), s(&common::data("feeds"))]);
    let t = db.ok(&["latest", "--invert", "--pair", "UZS", "--source", "timesca"]);
    assert!(t.contains("12500 ±6.25%"), "{t}");
}

#[test]
fn a_cross_chart_draws_the_derived_line_with_its_legs_named() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&common::data("feeds"))]);
    let svg = db.dir.path().join("kzt.svg");
    db.cmd(&["chart", "-o", s(&svg), "--pair", "KZT", "--cross", "--from", "2026-03-01", "--to", "2026-05-01"])
        .env("SOURCE_DATE_EPOCH", "1780000000")
        .assert()
        .success();
    let text = fs::read_to_string(&svg).unwrap();
    // nbk quotes KZT/USD itself; cbr and cbu only through their own currency.
    assert!(text.contains("cbr via RUB") && text.contains("cbu via UZS") && text.contains("nbk  ≈0.0020887"), "legend");
    assert!(text.contains("cbr — Central Bank of Russia") && !text.contains("cbr via RUB —"), "caption names sources, not lines");
    // Without --cross the derived lines are not drawn.
    let plain = db.dir.path().join("plain.svg");
    db.cmd(&["chart", "-o", s(&plain), "--pair", "KZT", "--from", "2026-03-01", "--to", "2026-05-01"]).assert().success();
    assert!(!fs::read_to_string(&plain).unwrap().contains(" via "));
}
