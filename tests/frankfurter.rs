//! Frankfurter's API through the real `fxsnap serve` on 127.0.0.1, on a
//! store of the bundled central-bank documents (tests/fixtures/feeds),
//! "today" fixed at 2026-05-25 by SOURCE_DATE_EPOCH. Every rate is checked
//! against tests/frankfurter_reference.py, which reads the same documents
//! itself and computes the reference rates with Python's `decimal`.

mod serve_support;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use serve_support::{bank_store, Server};

/// 2026-05-25T12:00:00Z: the day after NBKR's 24 May document; the latest
/// day looks one ahead (26 May) and back 14 days.
const TODAY: &str = "1779710400";

fn server(dir: &Path, extra: &[&str]) -> Server {
    let db = dir.join("rates.db");
    if !db.exists() {
        bank_store(&db);
    }
    Server::start_env(&db, extra, &[("SOURCE_DATE_EPOCH", TODAY)])
}

/// What to expect of one answer.
enum Want {
    /// Exactly this status and body.
    Exact(u16, &'static str),
    /// 200, with every rate checked by the Python reference (the ask as it reads it).
    Checked(Value),
}

/// Runs tests/frankfurter_reference.py on the answers; it must check `min_rates` rates or more.
fn python_check(answers: &[Value], min_rates: usize) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.json");
    std::fs::write(&file, serde_json::to_vec(answers).unwrap()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("tests/frankfurter_reference.py"))
        .arg(root.join("tests/fixtures/feeds"))
        .arg(&file)
        .output()
        .expect("python3 runs (scripts/test.sh needs it)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "the Python reference disagrees:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    let line = text.lines().last().unwrap_or_default();
    let rates: usize = line.split(", ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(line.starts_with(&format!("{} answers checked", answers.len())) && rates >= min_rates, "{text}");
}

/// Whether a JSON text writes a number with an exponent (`2.1e-3`).
fn has_exponent(body: &str) -> bool {
    let b = body.as_bytes();
    (1..b.len().saturating_sub(1)).any(|i| {
        (b[i] == b'e' || b[i] == b'E') && b[i - 1].is_ascii_digit() && (b[i + 1].is_ascii_digit() || b[i + 1] == b'-' || b[i + 1] == b'+')
    })
}

#[test]
fn frankfurter_v1_answers_from_the_bank_documents() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server(dir.path(), &[]);
    let v1 = |kind: &str, day: &str, base: &str, symbols: Option<&[&str]>, amount: &str| {
        let mut ask = json!({"api": "v1", "kind": kind, "base": base, "symbols": symbols, "amount": amount});
        if kind == "day" {
            ask["day"] = json!(day);
        } else {
            let (from, to) = day.split_once("..").unwrap();
            ask["from"] = json!(from);
            ask["to"] = json!(to);
        }
        Want::Checked(ask)
    };
    let table: Vec<(&str, Want)> = vec![
        // The latest: 26 May and the 14 days before (NBKR 24 May, CBT 20 May, NBT 18 May).
        ("/v1/latest?base=USD", v1("day", "2026-05-26", "USD", None, "1")),
        ("/latest?base=USD", v1("day", "2026-05-26", "USD", None, "1")),
        ("/v1/current?base=USD&symbols=KGS,TJS,TMT", v1("day", "2026-05-26", "USD", Some(&["KGS", "TJS", "TMT"]), "1")),
        // A date: NBK's own document; EUR (the default base) through the tenge.
        ("/v1/2026-04-01", v1("day", "2026-04-01", "EUR", None, "1")),
        ("/v1/2026-04-01?base=USD", v1("day", "2026-04-01", "USD", None, "1")),
        // Saturday 4 April: carried from Friday's CBU and Wednesday's NBK; `date` the day before.
        ("/v1/2026-04-04?base=USD&symbols=KZT,UZS,EUR", v1("day", "2026-04-04", "USD", Some(&["KZT", "UZS", "EUR"]), "1")),
        // from wins over base, to over symbols; lower case; an unknown parameter ignored; an amount.
        (
            "/v1/2026-04-03?base=GBP&from=usd&symbols=CHF&to=kzt,uzs,eur&amount=250.5&rtype=fpy",
            v1("day", "2026-04-03", "USD", Some(&["KZT", "UZS", "EUR"]), "250.5"),
        ),
        ("/v1/2026-04-03?from=kzt&to=usd,uzs&amount=100", v1("day", "2026-04-03", "KZT", Some(&["USD", "UZS"]), "100")),
        // An unknown code among known symbols is left out.
        ("/v1/2026-04-03?base=USD&symbols=KZT,QQQ", v1("day", "2026-04-03", "USD", Some(&["KZT", "QQQ"]), "1")),
        // A range, and an open range (to the latest day).
        (
            "/v1/2026-04-01..2026-04-05?base=USD&symbols=KZT,UZS,EUR",
            v1("range", "2026-04-01..2026-04-05", "USD", Some(&["KZT", "UZS", "EUR"]), "1"),
        ),
        ("/v1/2026-03-01..2026-03-31?base=USD&symbols=RUB", v1("range", "2026-03-01..2026-03-31", "USD", Some(&["RUB"]), "1")),
        ("/v1/2026-05-15..?base=USD&symbols=KGS,TJS,TMT", v1("range", "2026-05-15..2026-05-26", "USD", Some(&["KGS", "TJS", "TMT"]), "1")),
        // A range starting on a day without a publication snaps back to the rates as of it.
        ("/v1/2026-04-02..2026-04-04?base=USD&symbols=KZT", v1("range", "2026-04-02..2026-04-04", "USD", Some(&["KZT"]), "1")),
        // Errors, with Frankfurter's bodies.
        ("/v1/2026-04-01?base=QQQ", Want::Exact(404, r#"{"message":"not found"}"#)),
        ("/v1/2020-01-01?base=USD", Want::Exact(404, r#"{"message":"not found"}"#)),
        ("/v1/2026-13-01", Want::Exact(422, r#"{"message":"invalid date"}"#)),
        ("/v1/2026-02-30..2026-03-05", Want::Exact(422, r#"{"message":"invalid date"}"#)),
        ("/v1/latest?amount=0", Want::Exact(422, r#"{"message":"invalid amount"}"#)),
        ("/v1/latest?amount=-1", Want::Exact(422, r#"{"message":"invalid amount"}"#)),
        ("/v1/latest?amount=abc", Want::Exact(422, r#"{"message":"invalid amount"}"#)),
        ("/v1/latest?base=USD&symbols=usd", Want::Exact(422, r#"{"message":"bad currency pair"}"#)),
        ("/v1/nothing-here", Want::Exact(404, r#"{"message":"not found"}"#)),
    ];
    let mut answers = Vec::new();
    for (target, want) in &table {
        let reply = srv.get(target);
        let body = reply.text();
        match want {
            Want::Exact(status, text) => {
                assert_eq!((reply.status, body.as_str()), (*status, *text), "{target}");
                assert_eq!(reply.header("cache-control"), Some("no-store"), "{target}");
            }
            Want::Checked(ask) => {
                assert_eq!(reply.status, 200, "{target}: {body}");
                assert!(reply.header("content-type").is_some_and(|c| c.starts_with("application/json")), "{target}");
                assert!(!has_exponent(&body), "{target}: a number with an exponent in {body}");
                answers.push(json!({"ask": ask, "status": reply.status, "body": body}));
            }
        }
    }
    python_check(&answers, 150);

    // Published quotes keep their digits; the base is left out.
    let latest = srv.get("/v1/latest?base=USD&symbols=KGS,TJS,TMT,USD").text();
    assert_eq!(latest, r#"{"amount":1.0,"base":"USD","date":"2026-05-24","rates":{"KGS":87.4500,"TJS":9.3450,"TMT":3.5}}"#);
    let weekend = srv.get("/v1/2026-04-04?base=USD&symbols=KZT,UZS").text();
    assert_eq!(weekend, r#"{"amount":1.0,"base":"USD","date":"2026-04-03","rates":{"KZT":478.77,"UZS":12149.84}}"#);
    let computed = srv.get("/v1/2026-04-01?from=KZT&to=USD").text();
    assert_eq!(computed, r#"{"amount":1.0,"base":"KZT","date":"2026-04-01","rates":{"USD":0.00208868559}}"#);

    // Caching by kind of answer: a past date, latest.
    assert_eq!(
        srv.get("/v1/2026-04-01?base=USD").header("cache-control"),
        Some("public, max-age=86400, stale-while-revalidate=86400, stale-if-error=86400")
    );
    assert_eq!(srv.get("/v1/latest?base=USD").header("cache-control"), Some("public, max-age=300"));

    // /currencies: every code the store answers, by its English name.
    let currencies = srv.get("/v1/currencies").json();
    let map = currencies.as_object().expect("an object");
    for (code, name) in [
        ("KZT", "Kazakhstani Tenge"),
        ("KGS", "Kyrgyzstani Som"),
        ("UZS", "Uzbekistan Som"),
        ("USD", "United States Dollar"),
        ("EUR", "Euro"),
    ] {
        assert_eq!(map.get(code).and_then(Value::as_str), Some(name), "{code}");
    }
    let keys: Vec<&String> = map.keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn frankfurter_v2_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server(dir.path(), &[]);
    let mut answers = Vec::new();
    for (target, day, base, quotes) in [
        ("/v2/rates?base=USD&quotes=KZT,UZS,EUR,USD&date=2026-04-04", "2026-04-04", "USD", vec!["KZT", "UZS", "EUR", "USD"]),
        ("/v2/rates?quotes=KGS,TJS,TMT,KZT", "2026-05-26", "EUR", vec!["KGS", "TJS", "TMT", "KZT"]),
        ("/v2/rates?base=kzt&date=2026-04-01", "2026-04-01", "KZT", vec!["USD", "EUR", "GBP", "RUB", "CNY", "AED"]),
    ] {
        let reply = srv.get(target);
        assert_eq!(reply.status, 200, "{target}");
        let rows = reply.json();
        // The identity row of the base, when asked for.
        let identity = rows.as_array().unwrap().iter().any(|r| r["quote"] == base && r["base"] == base && r["rate"].as_f64() == Some(1.0));
        assert_eq!(identity, quotes.contains(&base) || !target.contains("quotes="), "{target}");
        let mut kept = rows.clone();
        if target.contains("base=kzt") {
            kept =
                Value::Array(rows.as_array().unwrap().iter().filter(|r| quotes.contains(&r["quote"].as_str().unwrap())).cloned().collect());
        }
        answers.push(json!({"ask": {"api": "v2", "day": day, "base": base, "quotes": quotes}, "status": 200, "body": kept.to_string()}));
    }
    python_check(&answers, 10);

    let exact: Vec<(&str, Option<&str>, u16, &str, &str)> = vec![
        (
            "/v2/rates?base=USD&quotes=KZT,UZS&date=2026-04-04",
            None,
            200,
            "application/json; charset=utf-8",
            r#"[{"date":"2026-04-01","base":"USD","quote":"KZT","rate":478.77},{"date":"2026-04-03","base":"USD","quote":"UZS","rate":12149.84}]"#,
        ),
        (
            "/v2/rates.csv?base=USD&quotes=KZT,UZS&date=2026-04-04",
            None,
            200,
            "text/csv; charset=utf-8",
            "date,base,quote,rate\n2026-04-01,USD,KZT,478.77\n2026-04-03,USD,UZS,12149.84\n",
        ),
        (
            "/v2/rates?base=USD&quotes=KZT,UZS&date=2026-04-04",
            Some("Accept: text/csv"),
            200,
            "text/csv; charset=utf-8",
            "date,base,quote,rate\n2026-04-01,USD,KZT,478.77\n2026-04-03,USD,UZS,12149.84\n",
        ),
        (
            "/v2/rates?base=USD&quotes=KZT,UZS&date=2026-04-04",
            Some("Accept: application/x-ndjson"),
            200,
            "application/x-ndjson",
            "{\"date\":\"2026-04-01\",\"base\":\"USD\",\"quote\":\"KZT\",\"rate\":478.77}\n{\"date\":\"2026-04-03\",\"base\":\"USD\",\"quote\":\"UZS\",\"rate\":12149.84}\n",
        ),
        // A range from CBR's dynamic documents (providers=, in upper or lower case).
        (
            "/v2/rates?base=USD&quotes=RUB&from=2026-03-01&to=2026-03-31&providers=CBR",
            None,
            200,
            "application/json; charset=utf-8",
            r#"[{"date":"2026-03-03","base":"USD","quote":"RUB","rate":77.1734},{"date":"2026-03-04","base":"USD","quote":"RUB","rate":77.6093},{"date":"2026-03-05","base":"USD","quote":"RUB","rate":77.8009}]"#,
        ),
        // group=month: the month's mean, dated its first day: (77.1734 + 77.6093 + 77.8009) / 3.
        (
            "/v2/rates?base=USD&quotes=RUB&from=2026-03-01&to=2026-03-31&providers=cbr&group=month",
            None,
            200,
            "application/json; charset=utf-8",
            r#"[{"date":"2026-03-01","base":"USD","quote":"RUB","rate":77.52786667}]"#,
        ),
        // providers=CBR answers KZT through the ruble, not from NBK: 75.5273 / 0.163172 (CBR, 25 April).
        (
            "/v2/rate/USD/KZT?date=2026-04-25&providers=CBR",
            None,
            200,
            "application/json; charset=utf-8",
            r#"{"date":"2026-04-25","base":"USD","quote":"KZT","rate":462.8692423}"#,
        ),
        ("/v2/rate/USD/KZT?date=2026-04-02", None, 200, "application/json; charset=utf-8", r#"{"date":"2026-04-01","base":"USD","quote":"KZT","rate":478.77}"#),
        (
            "/v2/rates?base=EUR&quotes=RUB&date=2026-04-25&expand=providers",
            None,
            200,
            "application/json; charset=utf-8",
            r#"[{"date":"2026-04-25","base":"EUR","quote":"RUB","rate":88.2826,"providers":[{"key":"CBR","date":"2026-04-25","rate":88.2826}]}]"#,
        ),
        ("/v2/rates?base=USD&bogus=1", None, 422, "application/json; charset=utf-8", r#"{"status":422,"message":"unknown parameter: bogus"}"#),
        ("/v2/rates?base=QQQ", None, 422, "application/json; charset=utf-8", r#"{"status":422,"message":"invalid currency: QQQ"}"#),
        ("/v2/rates?date=2026-02-30", None, 422, "application/json; charset=utf-8", r#"{"status":422,"message":"invalid date"}"#),
        ("/v2/rates?providers=XYZ", None, 422, "application/json; charset=utf-8", r#"{"status":422,"message":"invalid provider: XYZ"}"#),
        ("/v2/rates?group=year&from=2026-03-01", None, 422, "application/json; charset=utf-8", r#"{"status":422,"message":"invalid group"}"#),
        ("/v2/providers?x=1", None, 422, "application/json; charset=utf-8", r#"{"status":422,"message":"unknown parameter: x"}"#),
    ];
    for (target, header, status, content_type, body) in exact {
        let reply = match header {
            Some(h) => srv.get_with(target, &[h]),
            None => srv.get(target),
        };
        assert_eq!((reply.status, reply.text().as_str()), (status, body), "{target} {header:?}");
        assert_eq!(reply.header("content-type"), Some(content_type), "{target}");
    }

    let kzt = srv.get("/v2/currency/KZT").json();
    assert_eq!(kzt["iso_code"], "KZT");
    assert_eq!(kzt["iso_numeric"], "398");
    assert_eq!(kzt["name"], "Kazakhstani Tenge");
    assert_eq!(kzt["start_date"], "2026-04-01");
    assert_eq!(kzt["providers"], json!(["CBR", "CBT", "CBU", "NBK", "NBKR", "NBT"]));
    let currencies = srv.get("/v2/currencies").json();
    let codes: Vec<&str> = currencies.as_array().unwrap().iter().map(|c| c["iso_code"].as_str().unwrap()).collect();
    for c in ["KZT", "KGS", "UZS", "TJS", "TMT", "USD", "EUR", "RUB"] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    let providers = srv.get("/v2/providers").json();
    let list = providers.as_array().unwrap();
    let keys: Vec<&str> = list.iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["CBR", "CBT", "CBU", "NBK", "NBKR", "NBT"]);
    let nbk = &list[3];
    assert_eq!(nbk["name"], "National Bank of Kazakhstan");
    assert_eq!(nbk["country_code"], "KZ");
    assert_eq!(nbk["pivot_currency"], "KZT");
    assert_eq!((nbk["start_date"].as_str(), nbk["end_date"].as_str()), (Some("2026-04-01"), Some("2026-04-01")));
    assert!(nbk["currencies"].as_array().unwrap().iter().any(|c| c == "USD"));
    assert!(nbk["data_url"].as_str().is_some_and(|u| u.starts_with("https://")));
}

/// `serve --prefer SOURCES` (DESIGN: default `nbk,nbkr,cbu,nbt,cbt,cbr`):
/// on a day two sources both quote EUR and USD, the first of `--prefer`
/// answers for EUR; the five keep their own banks whatever it says; a bad
/// label is a usage error (exit 2) naming it.
#[test]
fn prefer_chooses_the_source_of_other_currencies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    // CBU quoting EUR and USD on 1 April too, the day of NBK's document.
    let csv = dir.path().join("cbu.csv");
    std::fs::write(&csv, "timestamp,pair,rate,source\n2026-04-01,EUR/UZS,14000,cbu\n2026-04-01,USD/UZS,12000,cbu\n").unwrap();
    serve_support::fxsnap(&db, &["ingest", "-q", csv.to_str().unwrap()]);
    let ask = "/v1/2026-04-01?base=USD&symbols=EUR,UZS,KZT";
    let default = server(dir.path(), &[]).get(ask).json();
    let cbu_first = server(dir.path(), &["--prefer", "cbu,nbk"]).get(ask).json();
    // NBK first by default: 1 USD = 478.77 KZT, 1 EUR = 548.62 KZT.
    assert_eq!(default["rates"]["EUR"].to_string(), "0.8726805439", "{default}");
    // CBU first: 12000 / 14000 to 10 significant digits.
    assert_eq!(cbu_first["rates"]["EUR"].to_string(), "0.8571428571", "{cbu_first}");
    // The five come from their own banks either way.
    for code in ["UZS", "KZT"] {
        assert_eq!(default["rates"][code], cbu_first["rates"][code], "{code}");
    }
    assert_eq!(cbu_first["rates"]["UZS"].to_string(), "12000");
    let out = Command::new(serve_support::bin())
        .env_remove("FXSNAP_DB")
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0", "--prefer", "nbk,no such"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--prefer no such"), "{err}");
}

/// DESIGN v4: a store whose newest rates are 30 days old answers the
/// latest with Frankfurter's 404 and why (naming the newest date and the
/// 14-day rule); once a current document is ingested, the same server
/// answers 200 without a restart.
#[test]
fn a_stale_store_says_why_and_a_new_document_is_answered_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    // 2026-06-23T12:00:00Z: 30 days after NBKR's 24 May document, the store's newest.
    let srv = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", "1782216000")]);
    let stale = srv.get("/v1/latest?base=USD&symbols=KGS");
    assert_eq!(stale.status, 404);
    assert_eq!(stale.header("cache-control"), Some("no-store"));
    let body = stale.json();
    assert_eq!(body["message"], "not found", "{body}");
    assert_eq!(body["reason"], "the newest KGS rate is of 2026-05-24, more than 14 days before 2026-06-23", "{body}");
    // The default base (EUR) names its own newest rate.
    let eur = srv.get("/v1/latest").json();
    assert_eq!(eur["reason"], "the newest EUR rate is of 2026-05-24, more than 14 days before 2026-06-23", "{eur}");
    // A date within the store's days is still answered; an unknown base stays plain.
    assert_eq!(srv.get("/v1/2026-05-24?base=USD&symbols=KGS").status, 200);
    assert_eq!(srv.get("/v1/latest?base=QQQ").text(), r#"{"message":"not found"}"#);
    // v2 answers an empty array, its reason in a header.
    let empty = srv.get("/v2/rates?base=USD&quotes=KGS");
    assert_eq!(empty.text(), "[]");
    assert_eq!(empty.header("x-fxsnap-reason"), Some("the newest KGS rate is of 2026-05-24, more than 14 days before 2026-06-23"));
    // /healthz stays 200 while the store can be read, stale or not.
    assert_eq!(srv.get("/healthz").status, 200);

    let csv = dir.path().join("today.csv");
    std::fs::write(&csv, "timestamp,pair,rate,source\n2026-06-23,USD/KGS,87.5,nbkr\n2026-06-23,EUR/KGS,101.25,nbkr\n").unwrap();
    serve_support::fxsnap(&db, &["ingest", "-q", csv.to_str().unwrap()]);
    let fresh = srv.get("/v1/latest?base=USD&symbols=KGS");
    let rates = srv.get("/v2/rates?base=USD&quotes=KGS");
    assert_eq!(rates.header("x-fxsnap-reason"), None, "{rates:?}");
    assert!(rates.text().contains("\"quote\":\"KGS\""), "{}", rates.text());
    assert_eq!((fresh.status, fresh.text().as_str()), (200, r#"{"amount":1.0,"base":"USD","date":"2026-06-23","rates":{"KGS":87.5}}"#));
    let eur = srv.get("/v1/latest?symbols=KGS");
    assert_eq!((eur.status, eur.text().as_str()), (200, r#"{"amount":1.0,"base":"EUR","date":"2026-06-23","rates":{"KGS":101.25}}"#));
}
