//! `fxsnap serve` through the real binary on 127.0.0.1 (issue 19): the
//! HTTP behaviour of DESIGN "serve (v3)", its reliability and /metrics.

mod serve_support;

use std::fs;
use std::process::Command;
use std::time::Duration;

use serve_support::{bank_store, bin, feed, fxsnap, request, request_bytes, tool, Server};

#[test]
fn without_a_store_it_starts_and_answers_503_until_one_exists() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("later").join("rates.db");
    let server = Server::start(&db, &[]);
    for path in ["/healthz", "/v1/latest", "/metrics"] {
        let r = server.get(path);
        assert_eq!(r.status, 503, "{path}: {}", r.text());
        assert_eq!(r.json()["error"], format!("no store at {} yet", db.display()), "{path}");
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    assert!(!db.exists(), "serve created the store");
    bank_store(&db);
    let r = server.get("/healthz");
    assert_eq!((r.status, r.text().as_str()), (200, "ok\n"));
}

#[test]
fn hostile_requests_get_a_4xx_with_a_json_message_and_the_server_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    let long_url = format!("/v1/latest?symbols={}", "A".repeat(100 * 1024));
    let many_symbols = format!("/v1/latest?symbols={}", vec!["XYZ"; 10_000].join(","));
    let long_amount = format!("/v1/latest?amount={}", "9".repeat(400));
    let get = |t: &str| format!("GET {t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes();
    let mut hostile: Vec<(String, Vec<u8>)> = Vec::new();
    for t in [
        "/v1/2026-13-01",
        "/v1/2026-02-30",
        "/v1/0000-00-00",
        "/v1/99999-01-01",
        "/v1/2026-04-01..2026-03-01x",
        "/v1/latest?amount=0",
        "/v1/latest?amount=-1",
        "/v1/latest?amount=1e400",
        long_amount.as_str(),
        "/v1/latest?amount=abc",
        "/v1/latest?base=NOPE",
        "/v1/latest?base=USD&symbols=USD",
        many_symbols.as_str(),
        "/v1/../etc/passwd",
        "/../../etc/passwd",
        "/v1/%2e%2e/%2e%2e/etc/passwd",
        "/v1/latest%00.json",
        "/%00",
        "/v1/latest?base=%00",
        "/report/../../etc/passwd",
        "/etc/passwd",
        "/rates.db",
        "/.git/config",
        "/v1/latest/..",
        "/v1/latest?base=%ff%fe",
        "/%c0%af",
        "/v2/rates?nope=1",
        "/v2/rate/USD",
        "/v2/currency/ZZZ",
        "/v2/rates?date=2026-99-99",
    ] {
        hostile.push((t.to_string(), get(t)));
    }
    hostile.push(("a 100 KiB URL".into(), get(&long_url)));
    hostile.push(("invalid UTF-8 in the path".into(), b"GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()));
    for m in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT2", "BREW"] {
        hostile.push((format!("method {m}"), format!("{m} /v1/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()));
    }
    hostile.push((
        "a GET with a body".into(),
        b"GET /v1/latest HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".to_vec(),
    ));
    hostile.push((
        "a POST with a chunked body".into(),
        b"POST /v1/latest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec(),
    ));
    hostile.push((
        "20 KiB of headers".into(),
        format!("GET /v1/latest HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "b".repeat(20 * 1024)).into_bytes(),
    ));
    assert!(hostile.len() >= 40, "{} hostile requests", hostile.len());
    let mut failures = Vec::new();
    for (what, raw) in &hostile {
        let r = request_bytes(&server.addr, raw);
        let json: Option<serde_json::Value> = serde_json::from_slice(&r.body).ok();
        let message = json.as_ref().and_then(|j| j.get("message").or_else(|| j.get("error"))).and_then(|m| m.as_str());
        if !(400..500).contains(&r.status) || message.is_none_or(str::is_empty) {
            failures.push(format!("{what}: {} {}", r.status, r.text()));
        }
        assert_eq!(server.get("/healthz").status, 200, "after {what}");
    }
    assert!(failures.is_empty(), "not a 4xx with a JSON message:\n{}", failures.join("\n"));
}

#[test]
fn head_and_options_and_cors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    // tower-http's CORS layer answers every OPTIONS as a preflight.
    let r = request(&server.addr, "OPTIONS /v1/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(r.status < 300, "{r:?}");
    let pre = request(
        &server.addr,
        "OPTIONS /v1/latest HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n",
    );
    assert!(pre.status < 300, "{pre:?}");
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    assert!(pre.header("access-control-allow-methods").is_some_and(|m| m.contains("GET")), "{pre:?}");
    let with_origin = server.get_with("/healthz", &["Origin: https://shop.example"]);
    assert_eq!(with_origin.header("access-control-allow-origin"), Some("*"));
    let get = server.get("/metrics");
    let head = request(&server.addr, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert!(head.header("content-length").is_some_and(|n| n.parse::<usize>().unwrap() > 0));
    assert_eq!(get.header("content-type"), head.header("content-type"));
    let gz = server.get_with("/metrics", &["Accept-Encoding: gzip"]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"), "{:?}", gz.headers);
    let br = server.get_with("/metrics", &["Accept-Encoding: br"]);
    assert_eq!(br.header("content-encoding"), Some("br"), "{:?}", br.headers);
}

#[test]
fn sigterm_stops_it_with_0_and_a_taken_address_is_exit_1_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let mut server = Server::start(&db, &[]);
    let second = Command::new(bin()).arg("--db").arg(&db).args(["serve", "--listen", &server.addr]).output().unwrap();
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains(&format!("cannot listen on {}", server.addr)), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(server.get("/healthz").status, 200);
    let status = server.terminate(Duration::from_secs(10)).expect("stopped within 10 s");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_store_deleted_replaced_or_truncated_while_serving_is_503_then_served_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let other = dir.path().join("other.db");
    fxsnap(&other, &["ingest", "-q", &feed("nbk-2026-04-01.xml").display().to_string()]);
    let server = Server::start(&db, &[]);
    let observations = |server: &Server| -> Option<u64> {
        let r = server.get("/metrics");
        (r.status == 200).then(|| r.text().lines().find_map(|l| l.strip_prefix("fxsnap_observations ")).unwrap().parse().unwrap())
    };
    let full = observations(&server).expect("served");

    // Deleted (with its WAL): 503 saying so, then served again once back.
    let saved = dir.path().join("saved.db");
    fs::copy(&db, &saved).unwrap();
    for f in ["rates.db", "rates.db-wal", "rates.db-shm"] {
        let _ = fs::remove_file(dir.path().join(f));
    }
    let r = server.get("/healthz");
    assert_eq!(r.status, 503);
    assert!(r.json()["error"].as_str().unwrap().contains("no store at"), "{}", r.text());
    fs::copy(&saved, &db).unwrap();
    assert_eq!(observations(&server), Some(full));

    // Replaced by another fxsnap store (renamed over it): its values at once.
    let staged = dir.path().join("staged.db");
    fs::copy(&other, &staged).unwrap();
    fs::rename(&staged, &db).unwrap();
    let smaller = observations(&server).expect("the other store is served");
    assert!(smaller < full, "{smaller} observations, the first store had {full}");

    // Truncated: 503 with the reason, never the old answer; back when restored.
    let len = fs::metadata(&db).unwrap().len();
    let f = fs::OpenOptions::new().write(true).open(&db).unwrap();
    f.set_len(len / 3).unwrap();
    drop(f);
    for path in ["/healthz", "/metrics"] {
        let r = server.get(path);
        assert_eq!(r.status, 503, "{path} of a truncated store: {}", r.text());
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    fs::copy(&saved, &staged).unwrap();
    fs::rename(&staged, &db).unwrap();
    assert_eq!(observations(&server), Some(full));
}

#[test]
fn metrics_pass_promtool_and_their_rates_are_latests() {
    let Some(promtool) = tool("promtool") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    server.get("/v1/latest");
    server.get("/nope");
    let r = server.get("/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let mut check = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    check.stdin.take().unwrap().write_all(&r.body).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        r.text()
    );
    let text = r.text();
    for family in [
        "fxsnap_rate",
        "fxsnap_rate_timestamp_seconds",
        "fxsnap_source_last_input_timestamp_seconds",
        "fxsnap_source_failed_fetches",
        "fxsnap_conflicts",
        "fxsnap_observations",
        "fxsnap_http_requests_total",
        "fxsnap_http_request_duration_seconds",
    ] {
        assert!(text.contains(&format!("# TYPE {family} ")), "{family} missing:\n{text}");
    }
    assert!(text.contains("fxsnap_http_requests_total{route=\"not found\",status=\"404\"} 1"), "{text}");
    // Each fxsnap_rate equals latest's value of that series (USD/XXX, units of XXX per USD).
    let latest: Vec<serde_json::Value> = fxsnap(&db, &["latest", "--pair", "all", "--invert", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut compared = 0;
    for line in text.lines().filter(|l| l.starts_with("fxsnap_rate{")) {
        let (labels, value) = line.rsplit_once(' ').unwrap();
        let get = |k: &str| labels.split(&format!("{k}=\"")).nth(1).unwrap().split('"').next().unwrap().to_string();
        let (quote, source) = (get("quote"), get("source"));
        let row = latest
            .iter()
            .find(|r| r["pair"] == format!("USD/{quote}") && r["source"] == source)
            .unwrap_or_else(|| panic!("latest has no USD/{quote} from {source}"));
        let want: f64 = row["rate"].as_str().map(|s| s.parse().unwrap()).or_else(|| row["rate"].as_f64()).unwrap();
        let got: f64 = value.parse().unwrap();
        assert!((got - want).abs() <= want.abs() * 1e-12, "USD/{quote} {source}: metrics {got}, latest {want}");
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} rates compared:\n{text}");
}
