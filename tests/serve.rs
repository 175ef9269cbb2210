//! `fxsnap serve` through the real binary on 127.0.0.1 (issue 19): the
//! HTTP behaviour of DESIGN "serve (v3)", its reliability and /metrics.

mod serve_support;

use std::fs;
use std::process::Command;
use std::time::Duration;

use serve_support::{bank_store, bin, cli_at, feed, fxsnap, request, request_bytes, tool, Reply, Server};

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
    // Every OPTIONS is answered; with an Origin, as a preflight.
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

/// DESIGN "HTTP behaviour": `Access-Control-Allow-Origin: *` when a request
/// has an `Origin` (only then), and a strong ETag per representation: the
/// gzip body and the identity body of one answer never share a tag, so a
/// cache cannot answer a 304 for bytes in another coding.
#[test]
fn cors_only_for_an_origin_and_one_etag_per_content_coding() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    let path = "/v1/2026-04-01?base=USD";
    let plain = server.get(path);
    assert_eq!(plain.status, 200, "{}", plain.text());
    assert_eq!(plain.header("access-control-allow-origin"), None, "no Origin, no CORS: {:?}", plain.headers);
    let vary = |r: &Reply| r.headers.iter().filter(|(k, _)| k == "vary").map(|(_, v)| v.to_ascii_lowercase()).collect::<Vec<_>>().join(",");
    assert!(vary(&plain).contains("origin"), "{:?}", plain.headers);
    assert!(vary(&plain).contains("accept-encoding"), "{:?}", plain.headers);
    let cross = server.get_with(path, &["Origin: https://shop.example"]);
    assert_eq!(cross.header("access-control-allow-origin"), Some("*"));
    assert_eq!(cross.body, plain.body);
    let pre = request(
        &server.addr,
        "OPTIONS /v1/latest HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nAccess-Control-Request-Method: GET\r\n\
         Access-Control-Request-Headers: if-none-match\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(pre.header("access-control-allow-methods"), Some("GET, HEAD, OPTIONS"), "{pre:?}");
    assert_eq!(pre.header("access-control-allow-headers"), Some("if-none-match"), "{pre:?}");
    let bare = request(&server.addr, "OPTIONS /v1/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(bare.header("access-control-allow-origin"), None, "{bare:?}");
    // gzip: another representation, another strong ETag.
    let identity_tag = plain.header("etag").expect("an ETag").to_string();
    let gz = server.get_with(path, &["Accept-Encoding: gzip"]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"), "{:?}", gz.headers);
    let gzip_tag = gz.header("etag").expect("an ETag").to_string();
    assert_ne!(gzip_tag, identity_tag, "gzip bytes under the identity body's strong ETag");
    // The identity tag does not validate the gzip representation, nor the other way round.
    let asked = server.get_with(path, &["Accept-Encoding: gzip", &format!("If-None-Match: {identity_tag}")]);
    assert_eq!(asked.status, 200);
    assert_eq!(server.get_with(path, &[&format!("If-None-Match: {gzip_tag}")]).status, 200);
    // Each validates its own.
    assert_eq!(server.get_with(path, &["Accept-Encoding: gzip", &format!("If-None-Match: {gzip_tag}")]).status, 304);
    assert_eq!(server.get_with(path, &[&format!("If-None-Match: {identity_tag}")]).status, 304);
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

#[test]
fn the_report_is_reports_index_html_and_every_file_it_links_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let epoch = "1779710400"; // 2026-05-25T12:00:00Z, after the bundled documents
    let out = dir.path().join("site");
    let made =
        Command::new(bin()).env("SOURCE_DATE_EPOCH", epoch).arg("--db").arg(&db).args(["report", "-q", "-o"]).arg(&out).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", epoch)]);
    let index = server.get("/report/");
    assert_eq!(index.status, 200);
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(index.header("cache-control"), Some("public, max-age=300"));
    assert!(index.header("etag").is_some());
    assert!(index.body == fs::read(out.join("index.html")).unwrap(), "/report/ differs from report's index.html");
    let html = index.text();
    let mut linked = 0;
    for part in html.split(['"', '\'']).filter(|p| p.ends_with(".svg") || p.ends_with(".csv") || p.ends_with(".json")) {
        assert!(!part.contains('/'), "a link outside the folder: {part}");
        let r = server.get(&format!("/report/{part}"));
        assert_eq!(r.status, 200, "/report/{part}");
        assert!(r.body == fs::read(out.join(part)).unwrap(), "/report/{part} differs from the report's file");
        linked += 1;
    }
    assert!(linked >= 3, "only {linked} linked files");
    let moved = server.get("/report");
    assert_eq!((moved.status, moved.header("location")), (301, Some("/report/")));
    assert_eq!(server.get("/report/nope.svg").status, 404);
    let browser = server.get_with("/", &["Accept: text/html,application/xhtml+xml"]);
    assert_eq!((browser.status, browser.header("location")), (302, Some("/report/")));
    assert_eq!(server.get("/").json()["endpoints"]["report"], "/report/");
}

#[test]
fn etag_304_and_cache_control_by_kind_and_a_new_etag_after_an_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", "1779710400")]);
    let past = "/v1/2026-04-01?base=USD";
    let latest = "/v1/latest?base=USD";
    let a = server.get(past);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.header("cache-control"), Some("public, max-age=86400, stale-while-revalidate=86400, stale-if-error=86400"));
    let etag = a.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag: {etag}");
    assert!(a.header("last-modified").is_some_and(|m| m.ends_with(" GMT")));
    let l = server.get(latest);
    assert_eq!((l.status, l.header("cache-control")), (200, Some("public, max-age=300")), "{}", l.text());
    assert_ne!(l.header("etag"), Some(etag.as_str()), "another request, another ETag");
    let e = server.get("/v1/latest?base=NOPE");
    assert_eq!((e.status, e.header("cache-control"), e.header("etag")), (404, Some("no-store"), None));
    // If-None-Match: 304, no body, the same ETag and caching.
    let n = server.get_with(past, &[&format!("If-None-Match: {etag}")]);
    assert_eq!(n.status, 304);
    assert!(n.body.is_empty());
    assert_eq!(n.header("etag"), Some(etag.as_str()));
    assert_eq!(n.header("cache-control"), a.header("cache-control"));
    assert_eq!(server.get_with(past, &["If-None-Match: \"something else\""]).status, 200);
    // A write commits: the ETag changes, and the new value is served without a restart.
    let csv = dir.path().join("fix.csv");
    fs::write(&csv, "timestamp,pair,rate,source\n2026-04-01,USD/KZT,999.99,nbk\n").unwrap();
    fxsnap(&db, &["ingest", "-q", "--on-conflict", "replace", csv.to_str().unwrap()]);
    let b = server.get_with(past, &[&format!("If-None-Match: {etag}")]);
    assert_eq!(b.status, 200, "the old ETag no longer matches");
    assert_ne!(b.header("etag"), Some(etag.as_str()));
    assert_eq!(b.json()["rates"]["KZT"].to_string(), "999.99");
    // A reading command changes nothing: the ETag stays.
    fxsnap(&db, &["latest"]);
    assert_eq!(server.get(past).header("etag"), b.header("etag"));
}

/// A Frankfurter answer is computed once per store state (the change
/// stamp): repeated, it is the answer kept, until a write moves the stamp.
/// Shown with a change made behind fxsnap's back (SQL that leaves the stamp
/// alone, which no fxsnap write does): it is not seen until the stamp moves.
#[test]
fn frankfurter_answers_are_kept_per_change_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", "1779710400")]);
    let ask = "/v1/2026-04-01?base=USD&symbols=KZT";
    let first = server.get(ask);
    assert_eq!(first.json()["rates"]["KZT"].to_string(), "478.77", "{}", first.text());
    let sql = |statement: &str| {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(c.execute(statement, []).unwrap(), 1, "{statement}");
    };
    sql("UPDATE observation SET rate = '500.00' WHERE rate = '478.77' AND series_id IN (SELECT id FROM series WHERE source = 'nbk')");
    let again = server.get(ask);
    assert_eq!(again.body, first.body, "the answer of this store state is kept");
    assert_eq!(again.header("etag"), first.header("etag"));
    sql("UPDATE stamp SET counter = counter + 1, at = at + 1000 WHERE id = 1");
    let moved = server.get(ask);
    assert_eq!(moved.json()["rates"]["KZT"].to_string(), "500.00", "{}", moved.text());
    assert_ne!(moved.header("etag"), first.header("etag"));
}

/// On a store left alone for a while, a 304 or a kept answer is given from
/// a look at the store's files, without asking SQLite; a write moves the
/// files, so the very next request sees it (no sleep between the write and
/// the request). The pause before is only to let the files settle.
#[test]
fn a_settled_store_answers_from_its_files_and_a_write_is_seen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    std::thread::sleep(Duration::from_secs(3));
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", "1779710400")]);
    let past = "/v1/2026-04-01?base=USD&symbols=KZT";
    let a = server.get(past);
    let etag = a.header("etag").expect("an ETag").to_string();
    for _ in 0..3 {
        assert_eq!(server.get_with(past, &[&format!("If-None-Match: {etag}")]).status, 304);
        assert_eq!(server.get(past).body, a.body);
    }
    for (k, value) in ["999.99", "888.88"].iter().enumerate() {
        let csv = dir.path().join(format!("fix-{k}.csv"));
        fs::write(&csv, format!("timestamp,pair,rate,source\n2026-04-01,USD/KZT,{value},nbk\n")).unwrap();
        fxsnap(&db, &["ingest", "-q", "--on-conflict", "replace", csv.to_str().unwrap()]);
        let b = server.get_with(past, &[&format!("If-None-Match: {etag}")]);
        assert_eq!(b.status, 200, "the write is seen by the very next request");
        assert_eq!(b.json()["rates"]["KZT"].to_string(), *value);
        assert_eq!(server.get(past).json()["rates"]["KZT"].to_string(), *value);
    }
}

/// A 304 given from a look at the settled store's files (no router, no
/// query) has the head of a 304 the store itself decided while its files
/// were new: ETag, Cache-Control, Last-Modified, Vary, CORS; for GET and
/// HEAD; and it is counted in /metrics like any answer.
#[test]
fn a_304_from_the_files_has_the_head_of_a_304_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", "1779710400")]);
    let past = "/v1/2026-04-01?base=USD&symbols=KZT";
    let etag = server.get(past).header("etag").expect("an ETag").to_string();
    let conditional = |method: &str| {
        let raw = format!(
            "{method} {past} HTTP/1.1\r\nHost: x\r\nOrigin: https://example.org\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n"
        );
        let r = request(&server.addr, &raw);
        assert_eq!(r.status, 304, "{method}: {r:?}");
        assert!(r.body.is_empty());
        let mut head: Vec<(String, String)> = r.headers.into_iter().filter(|(k, _)| k != "date").collect();
        head.sort();
        head
    };
    // Just written (the store, and the WAL the server's first read made): the store is asked.
    let from_store = (conditional("GET"), conditional("HEAD"));
    // Settled: one more answer from the store records the look that vouches for the stamp.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(server.get(past).status, 200);
    let from_files = (conditional("GET"), conditional("HEAD"));
    assert_eq!(from_files, from_store);
    let names: Vec<&str> = from_files.0.iter().map(|(k, _)| k.as_str()).collect();
    for name in ["etag", "cache-control", "last-modified", "vary", "access-control-allow-origin"] {
        assert!(names.contains(&name), "{name} missing from {:?}", from_files.0);
    }
    let metrics = server.get("/metrics").text();
    assert!(metrics.contains("fxsnap_http_requests_total{route=\"/v1\",status=\"304\"} 4"), "{metrics}");
}

#[test]
fn the_api_answers_each_reading_commands_bytes_and_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let epoch = "1779710400";
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", epoch)]);
    // (query, the same command line)
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("latest", vec!["latest"]),
        ("latest?pair=KZT,UZS&invert=true", vec!["latest", "--pair", "KZT,UZS", "--invert"]),
        ("history?pair=all", vec!["history", "--pair", "all"]),
        (
            "history?pair=KGS&source=official&from=2026-01-01&cross=true",
            vec!["history", "--pair", "KGS", "--source", "official", "--from", "2026-01-01", "--cross"],
        ),
        ("stats?pair=all", vec!["stats", "--pair", "all"]),
        ("convert?amount=1000&from=KZT&to=EUR", vec!["convert", "1000", "KZT", "EUR"]),
        ("conflicts", vec!["conflicts"]),
        ("inputs", vec!["inputs"]),
        ("check", vec!["check"]),
        // Moves in a fixed range: findings that do not depend on the clock check counts from.
        (
            "check?max-move=0.5%25&from=2026-01-01&source=cbr&pair=KZT/RUB,RUB/USD",
            vec!["check", "--max-move", "0.5%", "--from", "2026-01-01", "--source", "cbr", "--pair", "KZT/RUB,RUB/USD"],
        ),
    ];
    let mut check_findings = 0;
    let mut compared = 0;
    for (query, args) in &cases {
        for format in ["json", "csv", "jsonl"] {
            let command = args[0];
            if command == "convert" && format == "jsonl" {
                continue;
            }
            let sep = if query.contains('?') { '&' } else { '?' };
            let r = server.get(&format!("/api/{query}{sep}format={format}"));
            let mut cli_args = args.clone();
            cli_args.extend(["--format", format]);
            let (code, out, err) = cli_at(&db, epoch, &cli_args);
            // check's findings past its limits (exit 4) are its rows: the API answers them.
            if command == "check" && code == 4 {
                check_findings += 1;
            } else if code != 0 {
                assert!(r.status >= 400, "/api/{query} {format}: the CLI failed ({err}) but the API said {}", r.status);
                continue;
            }
            assert_eq!(r.status, 200, "/api/{query} format={format}: {}", r.text());
            assert!(
                r.body == out,
                "/api/{query} format={format} differs from `fxsnap {}`:\n{}\n---\n{}",
                cli_args.join(" "),
                r.text(),
                String::from_utf8_lossy(&out)
            );
            compared += 1;
        }
    }
    assert!(compared >= 24, "only {compared} answers compared");
    assert_eq!(check_findings, 3, "cbr's moves since 2026-01-01, in each format");
    // json is the default format.
    assert_eq!(server.get("/api/latest").body, cli_at(&db, epoch, &["latest", "--format", "json"]).1);
    // A bad parameter: 400 with the command's own message.
    let bad = server.get("/api/history?from=2026-13-01");
    let (code, _, err) = cli_at(&db, epoch, &["history", "--from", "2026-13-01"]);
    assert_ne!(code, 0);
    assert_eq!(bad.status, 400, "{}", bad.text());
    let message = bad.json()["error"].as_str().unwrap().to_string();
    assert!(err.contains(&message), "the API's message {message:?} is not the CLI's {err:?}");
    for q in ["history?nope=1", "history?cross=maybe", "latest?format=table", "latest?db=/etc/passwd", "convert?amount=1"] {
        let r = server.get(&format!("/api/{q}"));
        assert_eq!(r.status, 400, "/api/{q}: {}", r.text());
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    // Nothing to answer: 404.
    let none = server.get("/api/history?pair=KZT&source=timesca");
    assert_eq!(none.status, 404, "{}", none.text());
    assert_eq!(server.get("/api/delete").status, 404);
}

/// A long answer is sent as it is written (chunked, no length known in
/// advance), not held whole: 30 years of NBU's daily history through
/// `/api/history` (the CLI's bytes) and `/v2/rates`; a short one keeps its
/// Content-Length.
#[test]
fn long_answers_stream_and_are_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let nbu = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/history/nbu-usd-cross.csv");
    fxsnap(&db, &["ingest", "-q", nbu.to_str().unwrap()]);
    let epoch = "1779710400";
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", epoch)]);
    let chunked = |r: &Reply| r.header("transfer-encoding") == Some("chunked") && r.header("content-length").is_none();
    for format in ["csv", "json", "jsonl"] {
        let r = server.get(&format!("/api/history?pair=all&source=nbu&format={format}"));
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(chunked(&r), "{format}: {:?}", r.headers);
        let (code, out, err) = cli_at(&db, epoch, &["history", "--pair", "all", "--source", "nbu", "--format", format]);
        assert_eq!(code, 0, "{err}");
        assert!(out.len() > 1 << 20, "a long answer: {} bytes", out.len());
        assert!(r.body == out, "/api/history format={format} differs from the CLI's ({} against {} bytes)", r.body.len(), out.len());
    }
    let v2 = server.get("/v2/rates?base=USD&from=1999-01-01&to=2025-12-31&providers=NBU");
    assert_eq!(v2.status, 200, "{}", v2.text());
    assert!(chunked(&v2), "{:?}", v2.headers);
    let rows = v2.json();
    assert!(rows.as_array().is_some_and(|a| a.len() > 20_000), "{} bytes", v2.body.len());
    let short = server.get("/api/latest?format=csv");
    assert!(short.header("content-length").is_some(), "{:?}", short.headers);
}

/// The configuration file's `[defaults]` apply to `/api/` as to the
/// command line: the same bytes as `fxsnap latest` under the same file.
#[test]
fn the_api_takes_the_config_files_defaults_as_the_cli_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let config = dir.path().join("fx.toml");
    fs::write(&config, "[defaults]\ninvert = true\npair = [\"KZT\", \"UZS\"]\n").unwrap();
    let config = config.to_str().unwrap();
    let epoch = "1779710400";
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", epoch), ("FXSNAP_CONFIG", config)]);
    let r = server.get("/api/latest?format=csv");
    assert_eq!(r.status, 200, "{}", r.text());
    let cli = Command::new(bin())
        .env_remove("FXSNAP_DB")
        .env("SOURCE_DATE_EPOCH", epoch)
        .env("FXSNAP_CONFIG", config)
        .arg("--db")
        .arg(&db)
        .args(["latest", "--format", "csv"])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert_eq!(r.text(), String::from_utf8_lossy(&cli.stdout));
    assert!(r.text().contains("USD/KZT") && !r.text().contains("KGS"), "{}", r.text());
}

/// The API answers with the running server's own code: with its binary
/// gone (a package upgrade replaced it) the answers are still the CLI's,
/// and a bad parameter still gets the command's message.
#[test]
fn the_api_answers_in_process_even_with_its_binary_gone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let exe = dir.path().join("fxsnap-old");
    fs::copy(bin(), &exe).unwrap();
    let epoch = "1779710400";
    let server = Server::start_bin(&exe, &db, &[], &[("SOURCE_DATE_EPOCH", epoch)]);
    fs::remove_file(&exe).unwrap();
    for (query, args) in [
        ("latest?format=csv", vec!["latest", "--format", "csv"]),
        ("history?pair=KZT&from=2026-03-01&format=jsonl", vec!["history", "--pair", "KZT", "--from", "2026-03-01", "--format", "jsonl"]),
        ("convert?amount=1000&from=KZT&to=UZS", vec!["convert", "1000", "KZT", "UZS", "--format", "json"]),
    ] {
        let r = server.get(&format!("/api/{query}"));
        assert_eq!(r.status, 200, "/api/{query}: {}", r.text());
        let (code, out, err) = cli_at(&db, epoch, &args);
        assert_eq!(code, 0, "{err}");
        assert!(r.body == out, "/api/{query}:\n{}\n---\n{}", r.text(), String::from_utf8_lossy(&out));
    }
    let bad = server.get("/api/stats?from=2026-13-01");
    assert_eq!(bad.status, 400, "{}", bad.text());
    let (_, _, err) = cli_at(&db, epoch, &["stats", "--from", "2026-13-01"]);
    assert!(err.contains(bad.json()["error"].as_str().unwrap()), "{} vs {err}", bad.text());
    assert_eq!(server.get("/api/history?pair=KZT&source=timesca").status, 404);
}

#[test]
fn chart_png_and_svg_are_the_chart_commands_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let epoch = "1779710400";
    let server = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", epoch)]);
    for ext in ["png", "svg"] {
        let file = dir.path().join(format!("c.{ext}"));
        let (code, _, err) = cli_at(
            &db,
            epoch,
            &["chart", "--pair", "KZT", "--from", "2026-03-01", "--width", "800", "--height", "500", "-o", file.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{err}");
        let r = server.get(&format!("/chart.{ext}?pair=KZT&from=2026-03-01&width=800&height=500"));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some(if ext == "png" { "image/png" } else { "image/svg+xml" }));
        assert!(r.body == fs::read(&file).unwrap(), "/chart.{ext} differs from fxsnap chart's file");
    }
    for q in ["width=4001", "height=99999", "ranges=7d,all", "output=/tmp/x.png", "log=perhaps", "pair=ZZZ/QQQ"] {
        let r = server.get(&format!("/chart.png?{q}"));
        assert!((400..500).contains(&r.status), "/chart.png?{q}: {} {}", r.status, r.text());
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
}
