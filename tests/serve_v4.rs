//! `fxsnap serve` as an HTTP application (issue 25, DESIGN "serve" (v4)),
//! through the real binary on 127.0.0.1: messages in a URL's words (the
//! parameter as written, the nearest known name, never `--`), bare flags,
//! a chart too large saying what to ask within the server's limits, and
//! `Vary: Accept` on answers chosen by `Accept`.

mod serve_support;

use std::time::Duration;

use serve_support::{bank_store, cli_at, Server};

const EPOCH: &str = "1779710400";

#[test]
fn an_unknown_parameter_is_named_with_the_nearest_known_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", EPOCH)]);
    let r = server.get("/api/latest?souce=nbk");
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"], "unknown parameter \"souce\"; did you mean \"source\"?");
    let r = server.get("/chart.png?pair=KZT&hieght=500");
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"], "unknown parameter \"hieght\"; did you mean \"height\"?");
    // A file option is no parameter of a URL at all.
    let r = server.get("/chart.svg?output=/tmp/x.svg");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().starts_with("unknown parameter \"output\""), "{}", r.text());
}

/// Every error body of every endpoint speaks the URL's words: no `--NAME`.
#[test]
fn no_error_body_names_a_command_line_option() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", EPOCH)]);
    let bad = [
        "/api/latest?souce=nbk",
        "/api/latest?pair=KZX",
        "/api/latest?pair=all,KZT",
        "/api/latest?source=all,nbk",
        "/api/latest?format=table",
        "/api/history?from=2026-13-01",
        "/api/history?from=2026-05-01&to=2026-04-01",
        "/api/history?from=tomorrow",
        "/api/history?pair=KZT&source=timesca",
        "/api/history?cross=maybe",
        "/api/history?db=/etc/passwd",
        "/api/stats?invert=2",
        "/api/convert?amount=1",
        "/api/convert?amount=-5&from=KZT&to=UZS",
        "/api/convert?amount=1&from=KZT&to=UZS&via=XX",
        "/api/convert?amount=1&from=KZT&to=UZS&format=csv",
        "/api/check?max-age=soon",
        "/api/check?max-move=-1",
        "/api/inputs?failed=perhaps",
        "/api/nothing",
        "/chart.png?pair=all",
        "/chart.png?pair=ZZZ/QQQ",
        "/chart.png?width=4001",
        "/chart.png?width=100",
        "/chart.png?vs=nbk&log",
        "/chart.png?vs=zzz",
        "/chart.png?theme=pink",
        "/chart.png?ranges=7d,all",
        "/chart.svg?pair=KZT&from=2030-01-01",
        "/v1/latest?base=NOPE",
        "/v1/2026-13-01",
        "/v2/rates?nope=1",
        "/v2/rate/USD",
        "/report/nothing.svg",
        "/nothing",
    ];
    let mut checked = 0;
    for path in bad {
        let r = server.get(path);
        assert!((400..500).contains(&r.status), "{path}: {} {}", r.status, r.text());
        assert!(!r.text().contains("--"), "{path} answers in the command line's words: {}", r.text());
        checked += 1;
    }
    assert_eq!(checked, bad.len());
}

/// `&log` bare is `--log`: the same picture as `fxsnap chart --log`.
#[test]
fn a_bare_flag_is_true_and_draws_the_charts_picture() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", EPOCH)]);
    let file = dir.path().join("log.png");
    let (code, _, err) = cli_at(&db, EPOCH, &["chart", "--pair", "KZT", "--log", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read(&file).unwrap();
    for q in ["pair=KZT&log", "pair=KZT&log=", "pair=KZT&log=1", "pair=KZT&log=true"] {
        let r = server.get(&format!("/chart.png?{q}"));
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("image/png"));
        assert!(r.body == expected, "/chart.png?{q} differs from fxsnap chart --log");
    }
    let linear = server.get("/chart.png?pair=KZT&log=false");
    assert_eq!(linear.status, 200, "{}", linear.text());
    assert!(linear.body != expected, "log=false drew the log chart");
}

/// A chart too large for the picture asked says what to ask within the
/// server's limits, and that advice, followed (each step's message names a
/// parameter to add), draws it.
#[test]
fn a_chart_that_cannot_fit_says_what_to_ask_and_the_advice_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", EPOCH)]);
    let mut query = "pair=all".to_string();
    let mut steps = Vec::new();
    for _ in 0..3 {
        let r = server.get(&format!("/chart.png?{query}"));
        if r.status == 200 {
            assert_eq!(r.header("content-type"), Some("image/png"));
            assert!(!steps.is_empty(), "pair=all fitted at once: nothing was advised");
            return;
        }
        assert!((400..500).contains(&r.status), "{query}: {} {}", r.status, r.text());
        let message = r.json()["error"].as_str().unwrap().to_string();
        // The advice is a parameter to give: fewer pairs (`pair=…`), a height
        // within the limit (`height=N`) or one panel (`index=true`).
        let advice = message
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '=' || c == ',')))
            .find(|w| (w.starts_with("pair=") || w.starts_with("height=") || w == &"index=true") && !query.contains(w))
            .unwrap_or_else(|| panic!("no parameter to follow in {message:?} (after {steps:?})"))
            .to_string();
        if let Some(h) = advice.strip_prefix("height=") {
            assert!(h.parse::<u32>().unwrap() <= 4000, "{message}");
        }
        steps.push(message);
        query = if advice.starts_with("pair=") { query.replace("pair=all", &advice) } else { format!("{query}&{advice}") };
    }
    panic!("the advice did not lead to a chart in 3 steps: {steps:#?}");
}

#[test]
fn answers_chosen_by_accept_vary_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    let vary = |r: &serve_support::Reply| {
        r.headers.iter().filter(|(k, _)| k == "vary").map(|(_, v)| v.to_ascii_lowercase()).collect::<Vec<_>>().join(",")
    };
    let program = server.get("/");
    assert_eq!(program.status, 200);
    assert!(vary(&program).split(',').any(|v| v.trim() == "accept"), "{:?}", program.headers);
    let browser = server.get_with("/", &["Accept: text/html"]);
    assert_eq!(browser.status, 302);
    assert!(vary(&browser).split(',').any(|v| v.trim() == "accept"), "{:?}", browser.headers);
    let rates = server.get("/v2/rates?base=USD&date=2026-04-01");
    assert_eq!(rates.status, 200, "{}", rates.text());
    assert!(vary(&rates).split(',').any(|v| v.trim() == "accept"), "{:?}", rates.headers);
}

/// `--access-log`: one Common Log Format line per request, whose size is the
/// body's length as sent (a whole body, a compressed one, a stream, a 304).
#[test]
fn the_access_logs_size_is_the_bodys_length() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let mut server = Server::start_env(&db, &["--access-log"], &[("SOURCE_DATE_EPOCH", EPOCH)]);
    let plain = server.get("/v1/2026-04-01?base=USD");
    let gz = server.get_with("/api/history?pair=all&format=csv", &["Accept-Encoding: gzip"]);
    let missing = server.get("/nothing");
    let tag = plain.header("etag").unwrap().to_string();
    let revalidated = server.get_with("/v1/2026-04-01?base=USD", &[&format!("If-None-Match: {tag}")]);
    assert_eq!((plain.status, gz.status, missing.status, revalidated.status), (200, 200, 404, 304));
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(server.terminate(Duration::from_secs(15)).is_some_and(|s| s.success()));
    let log = server.stderr();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("\" ")).collect();
    assert_eq!(lines.len(), 4, "{log}");
    // `HOST - - [TIME] "GET TARGET HTTP/1.1" STATUS SIZE`
    let size_of = |target: &str, status: u16| -> String {
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("\"GET {target} HTTP/1.1\" {status} ")))
            .unwrap_or_else(|| panic!("no line for {target} {status}: {log}"));
        line.rsplit(' ').next().unwrap().to_string()
    };
    assert_eq!(size_of("/v1/2026-04-01?base=USD", 200), plain.body.len().to_string());
    assert_eq!(size_of("/api/history?pair=all&format=csv", 200), gz.body.len().to_string(), "the gzip body's length as sent");
    assert_eq!(size_of("/nothing", 404), missing.body.len().to_string());
    assert_eq!(size_of("/v1/2026-04-01?base=USD", 304), "-", "a 304 has no body");
    for line in &lines {
        assert!(line.starts_with("127.0.0.1 - - ["), "{line}");
    }
}
