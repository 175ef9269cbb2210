//! `fxsnap fetch` against a loopback HTTP server serving the banks' real
//! documents (tests/fixtures/feeds/) and the ticker page: politeness,
//! backfills, faults, archives, crashes. No test reaches the internet;
//! every run of the binary is bounded by a timeout.

mod common;
#[path = "fetch_support/server.rs"]
mod server;

use std::process::Output;
use std::time::Duration;

use common::{fixture, s, TempDb};
use server::{Mode, Reply, Server};

const SOURCES: [&str; 7] = ["timesca", "nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"];

fn doc(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("feeds/{name}"))).expect("feed fixture")
}

fn ticker() -> Vec<u8> {
    std::fs::read(fixture("pages/seed-page.txt")).expect("ticker fixture")
}

/// `fxsnap fetch ARGS` with every source's origin on `server`, no proxy.
fn fetch_cmd(db: &TempDb, server: &Server, args: &[&str]) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::from_std(fetch_std(db, server, args));
    c.timeout(Duration::from_secs(120));
    c
}

/// The same as a `std::process::Command`, to spawn (a bounded wait is the caller's).
fn fetch_std(db: &TempDb, server: &Server, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("fxsnap"));
    c.env_remove("FXSNAP_DB").arg("--db").arg(&db.path).arg("fetch").args(args);
    for src in SOURCES {
        c.env(format!("FXSNAP_{}_ORIGIN", src.to_uppercase()), &server.base);
    }
    for v in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        c.env_remove(v);
    }
    c
}

fn fetch(db: &TempDb, server: &Server, args: &[&str]) -> Output {
    fetch_cmd(db, server, args).output().expect("run fetch")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Rows of `history --pair all --format csv` (0 when there is no database).
fn stored(db: &TempDb) -> usize {
    if !db.path.exists() {
        return 0;
    }
    db.ok(&["history", "--pair", "all", "--format", "csv"]).lines().count().saturating_sub(1)
}

/// The lines of stderr that are neither the summary nor one of its notes.
fn failure_lines(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter(|l| !l.contains(" inputs, ") && !l.contains(" input, ") && !l.contains(": stored under ") && !l.contains("not asked again"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_ticker_is_fetched_with_a_user_agent_naming_fxsnap() {
    let server = Server::start(|_, _| Reply::ok(ticker()));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.targets(), ["/"]);
    let ua = &server.hits()[0].user_agent;
    assert!(
        ua == &format!("fxsnap/{}", env!("CARGO_PKG_VERSION")) || ua.starts_with(&format!("fxsnap/{} (+", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    assert_eq!(stored(&db), 5);
    assert!(db.csv().contains("2025-12-12T00:00:00Z,KGS/USD,0.01144,0,timesca"), "{}", db.csv());
    assert!(stderr(&out).contains("fxsnap: 1 input, 5 rates: 5 new, 0 duplicate, 0 conflicts; 0 failed"), "{}", stderr(&out));
}

#[test]
fn two_503s_then_a_200_is_stored_after_three_requests() {
    let server = Server::start(|_, n| if n < 2 { Reply::status(503, "busy") } else { Reply::ok(ticker()) });
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.hits().len(), 3);
    assert_eq!(stored(&db), 5);
}

#[test]
fn a_429_with_retry_after_is_waited_out() {
    let server =
        Server::start(|_, n| if n == 0 { Reply::status(429, "slow down").header("Retry-After", "1") } else { Reply::ok(ticker()) });
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    // The back-off alone would be 0.5 to 0.75 s: the second request waited for Retry-After.
    assert!(hits[1].start.duration_since(hits[0].end) >= Duration::from_secs(1), "{:?}", hits[1].start.duration_since(hits[0].end));
    assert_eq!(stored(&db), 5);
}

#[test]
fn a_retry_after_over_a_minute_is_given_up_at_once() {
    let server = Server::start(|_, _| Reply::status(429, "").header("Retry-After", "3600"));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.hits().len(), 1);
    assert!(stderr(&out).contains("Retry-After 3600 is more than 60 s"), "{}", stderr(&out));
}

#[test]
fn a_404_is_one_request_and_one_line_naming_the_url() {
    let server = Server::start(|_, _| Reply::status(404, "<html>not here</html>"));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.hits().len(), 1);
    let lines = failure_lines(&out);
    assert_eq!(lines, [format!("fxsnap: {}/: HTTP 404 Not Found", server.base)], "{}", stderr(&out));
    assert!(stderr(&out).contains("; 1 failed"));
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_cut_body_is_retried_then_failed_and_nothing_stored() {
    let page = ticker();
    let half = page.len() / 2;
    let server = Server::start(move |_, _| Reply::ok(page.clone()).mode(Mode::Truncate(half)));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.hits().len(), 4);
    let lines = failure_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("the body was cut") && lines[0].contains("(4 attempts)"), "{lines:?}");
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_reset_connection_is_retried_then_failed() {
    let server = Server::start(|_, _| Reply::ok("").mode(Mode::Reset));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.hits().len(), 4);
    let lines = failure_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("fxsnap: {}/: ", server.base)), "{lines:?}");
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_9_mib_body_is_refused_without_retry() {
    let mut big = ticker();
    big.resize(9 * 1024 * 1024, b' ');
    for mode in [Mode::Normal, Mode::NoLength] {
        let body = big.clone();
        let server = Server::start(move |_, _| Reply::ok(body.clone()).mode(mode.clone()));
        let db = TempDb::new();
        let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(server.hits().len(), 1);
        assert!(stderr(&out).contains("over the 8 MiB a document may be"), "{}", stderr(&out));
        assert_eq!(stored(&db), 0);
    }
    // The seed page padded to just under the limit, without a length: read whole and stored.
    let mut under = ticker();
    under.resize(8 * 1024 * 1024 - 1, b' ');
    let server = Server::start(move |_, _| Reply::ok(under.clone()).mode(Mode::NoLength));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&db), 5);
}

#[test]
fn a_redirect_to_another_path_on_the_host_is_followed_and_one_off_it_is_not() {
    let server =
        Server::start(|t, _| if t == "/" { Reply::status(302, "").header("Location", "/moved/page") } else { Reply::ok(ticker()) });
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.targets(), ["/", "/moved/page"]);
    assert_eq!(stored(&db), 5);

    let port = server.base.rsplit(':').next().unwrap().to_string();
    let elsewhere = format!("http://127.0.0.2:{port}/page");
    let loc = elsewhere.clone();
    let off = Server::start(move |_, _| Reply::status(301, "").header("Location", &loc));
    let db = TempDb::new();
    let out = fetch(&db, &off, &["timesca", "--delay", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(off.hits().len(), 1);
    let lines = failure_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(&format!("redirected to {elsewhere}")) && lines[0].contains("not followed"), "{lines:?}");
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_server_slower_than_the_timeout_fails_after_the_retries() {
    let server = Server::start(|_, _| Reply::ok(ticker()).mode(Mode::Delay(Duration::from_secs(3))));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["timesca", "--delay", "0", "--timeout", "0.5"]);
    assert_eq!(out.status.code(), Some(1));
    let lines = failure_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("in time") && lines[0].contains("(4 attempts)"), "{lines:?}");
    assert_eq!(stored(&db), 0);
}

#[test]
fn origins_must_be_http_or_https() {
    let db = TempDb::new();
    let out = db.cmd(&["fetch", "nbk", "--dry-run"]).env("FXSNAP_NBK_ORIGIN", "ftp://127.0.0.1:21").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("FXSNAP_NBK_ORIGIN=ftp://127.0.0.1:21: only http and https are fetched"), "{}", stderr(&out));
    assert!(!db.path.exists());
}

#[test]
fn the_ticker_has_no_past() {
    let db = TempDb::new();
    let out = db.cmd(&["fetch", "timesca", "--date", "2026-01-05"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("timesca has no past documents"), "{}", stderr(&out));
}

#[test]
fn dry_run_prints_the_urls_and_creates_nothing() {
    let server = Server::start(|_, _| Reply::ok(ticker()));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["nbk", "cbt", "--from", "2026-05-16", "--to", "2026-05-17", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let b = &server.base;
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{b}/rss/get_rates.cfm?fdate=16.05.2026\n{b}/kurs/2026/16052026.xml\n{b}/rss/get_rates.cfm?fdate=17.05.2026\n{b}/kurs/2026/17052026.xml\n"
        )
    );
    assert!(server.hits().is_empty());
    assert!(!db.path.exists());
    let _ = s(&db.path);
}

/// A store with KZT/USD from nbk: 0.00200 four days ago, 0.00220 three days
/// ago (+10%), and KGS/USD from nbkr an hour ago, unchanged.
fn limits_db() -> (TempDb, String, String) {
    let db = TempDb::new();
    let now = chrono::Utc::now().timestamp();
    let at = |secs_ago: i64| chrono::DateTime::from_timestamp(now - secs_ago, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (t4, t3) = (at(4 * 86400), at(3 * 86400));
    let csv = format!(
        "timestamp,pair,rate,change_pct,source\n{t4},KZT/USD,0.00200,,nbk\n{t3},KZT/USD,0.00220,,nbk\n{},KGS/USD,0.01144,,nbkr\n{},KGS/USD,0.01144,,nbkr\n",
        // Two of KGS in one hour (the last whole one), so the store keeps rollups of them whatever
        // the time of day (`check` then has rollups to find missing).
        at(now % 3600 + 3600 - 60),
        at(now % 3600 + 3600 - 120)
    );
    let file = db.dir.path().join("rates.csv");
    std::fs::write(&file, csv).unwrap();
    db.ok(&["ingest", s(&file)]);
    (db, t4, t3)
}

#[test]
fn check_max_age_names_the_stale_series_and_exits_4() {
    let (db, _, t3) = limits_db();
    let out = db.cmd(&["check", "--max-age", "2d"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let findings: Vec<_> = stderr(&out).lines().filter(|l| l.contains("--max-age")).map(str::to_string).collect();
    assert_eq!(findings.len(), 1, "{}", stderr(&out));
    assert!(findings[0].starts_with(&format!("fxsnap: KZT/USD from nbk: newest observation 0.00220 at {t3}, 3 days old")), "{findings:?}");
    let ok = db.cmd(&["check", "--max-age", "5d"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with(": ok\n"));
}

#[test]
fn check_max_move_names_both_observations_and_exits_4() {
    let (db, t4, t3) = limits_db();
    let out = db.cmd(&["check", "--max-move", "5%"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let findings: Vec<_> = stderr(&out).lines().filter(|l| l.contains("--max-move")).map(str::to_string).collect();
    assert_eq!(
        findings,
        [format!("fxsnap: KZT/USD from nbk: 0.00200 at {t4} to 0.00220 at {t3}, +10% (--max-move 5%)")],
        "{}",
        stderr(&out)
    );
    assert_eq!(db.cmd(&["check", "--max-move", "15%"]).output().unwrap().status.code(), Some(0));
    // The range: moves before --from are not looked at.
    assert_eq!(db.cmd(&["check", "--max-move", "5%", "--from", "2d"]).output().unwrap().status.code(), Some(0));
    // Both limits, both findings.
    let both = db.cmd(&["check", "--max-move", "5%", "--max-age", "2d"]).output().unwrap();
    assert_eq!(both.status.code(), Some(4));
    assert_eq!(stderr(&both).lines().filter(|l| l.contains("(--max-")).count(), 2, "{}", stderr(&both));
}

#[test]
fn check_integrity_problems_still_exit_1_with_limits_given() {
    let (db, _, _) = limits_db();
    {
        let conn = rusqlite::Connection::open(&db.path).unwrap();
        conn.execute("DELETE FROM rollup", []).unwrap();
    }
    let out = db.cmd(&["check", "--max-age", "2d", "--max-move", "5%"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("(--max-"), "{}", stderr(&out));
}

/// warcio (scripts/test.sh installs it): `warcio index` of an archive as
/// (type, target URI) rows, after `warcio check` has verified every digest.
fn warcio_records(archive: &std::path::Path) -> Vec<(String, String)> {
    let check = std::process::Command::new("warcio").arg("check").arg(archive).output();
    let check = check.expect("warcio is not installed: run scripts/test.sh, which installs it with pip");
    assert!(check.status.success(), "warcio check: {}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    let out = std::process::Command::new("warcio")
        .args(["index", "-f", "warc-type,warc-target-uri"])
        .arg(archive)
        .output()
        .expect("warcio index");
    assert!(out.status.success(), "warcio index: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("warcio index prints JSON lines");
            let f = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            (f("warc-type"), f("warc-target-uri"))
        })
        .collect()
}

#[test]
fn the_archive_is_read_by_warcio_and_a_torn_tail_is_repaired_by_the_next_append() {
    let server = Server::start(|t, n| if t == "/" && n == 0 { Reply::status(503, "busy") } else { Reply::ok(ticker()) });
    let db = TempDb::new();
    let archive = db.dir.path().join("responses.warc.gz");
    let out = fetch(&db, &server, &["timesca", "--delay", "0", "--archive", s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let url = format!("{}/", server.base);
    let response = ("response".to_string(), url.clone());
    // Every response, the 503 before the 200 too; one warcinfo per file.
    assert_eq!(warcio_records(&archive), [("warcinfo".to_string(), String::new()), response.clone(), response.clone()]);
    let whole = std::fs::metadata(&archive).unwrap().len();
    let out = fetch(&db, &server, &["timesca", "--delay", "0", "--archive", s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(warcio_records(&archive).len(), 4);

    // A crash mid-append: the last record cut in the middle.
    let len = std::fs::metadata(&archive).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&archive).unwrap();
    f.set_len(whole + (len - whole) / 2).unwrap();
    drop(f);
    let out = fetch(&db, &server, &["timesca", "--delay", "0", "--archive", s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("the archive's last record was cut"), "{}", stderr(&out));
    assert_eq!(warcio_records(&archive), [("warcinfo".to_string(), String::new()), response.clone(), response.clone(), response]);
}

#[test]
fn an_archive_that_is_not_gzip_per_record_is_left_alone() {
    let server = Server::start(|_, _| Reply::ok(ticker()));
    let db = TempDb::new();
    let archive = db.dir.path().join("plain.warc");
    std::fs::write(&archive, b"WARC/1.1\r\nWARC-Type: warcinfo\r\n").unwrap();
    let out = fetch(&db, &server, &["timesca", "--archive", s(&archive)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not appending to it"), "{}", stderr(&out));
    assert!(server.hits().is_empty());
    assert_eq!(std::fs::read(&archive).unwrap(), b"WARC/1.1\r\nWARC-Type: warcinfo\r\n");
}

#[test]
fn a_kill_during_appends_leaves_an_archive_warcio_reads() {
    let body = doc("nbk-2026-04-01.xml");
    let server = Server::start(move |_, _| Reply::ok(body.clone()).mode(Mode::Delay(Duration::from_millis(30))));
    let db = TempDb::new();
    let archive = db.dir.path().join("a.warc.gz");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("fxsnap"));
    cmd.env_remove("FXSNAP_DB").arg("--db").arg(&db.path).args([
        "fetch",
        "nbk",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--delay",
        "0",
    ]);
    cmd.arg("--archive").arg(&archive).env("FXSNAP_NBK_ORIGIN", &server.base).stderr(std::process::Stdio::null());
    // Killed once a few responses are in: some appended, one maybe under way.
    kill_after_hits(cmd.spawn().unwrap(), &server, 8);
    let records = warcio_records(&archive);
    assert!(records.len() >= 6, "{records:?}");
    assert_eq!(records[0].0, "warcinfo");
    assert!(
        records[1..].iter().all(|(t, u)| t == "response" && u.starts_with(&format!("{}/rss/get_rates.cfm?fdate=", server.base))),
        "{records:?}"
    );
}

// ------------------------------------------------------------------ the banks

/// The query parameter `key` of a request target.
fn param(target: &str, key: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix(&format!("{key}="))).map(str::to_string)
}

/// Every source's URLs answered with the real documents. Constructed from
/// them, for the requests the recordings do not cover: NBK's document re-dated
/// to the day asked (so a backfill has one document a day), `weekly.xml` as
/// the daily file renamed "Weekly", and CBR's dynamic documents of other
/// currencies as the USD one under the asked id.
fn banks(target: &str) -> Reply {
    let path = target.split('?').next().unwrap_or("");
    let replace = |name: &str, from: &str, to: &str| Reply::ok(String::from_utf8_lossy(&doc(name)).replace(from, to).into_bytes());
    match path {
        "/" => Reply::ok(ticker()),
        "/rss/get_rates.cfm" => match param(target, "fdate") {
            Some(d) => replace("nbk-2026-04-01.xml", "<date>01.04.2026</date>", &format!("<date>{d}</date>")),
            None => Reply::status(400, ""),
        },
        "/XML/daily.xml" => Reply::ok(doc("nbkr-daily-2026-05-24.xml")),
        "/XML/weekly.xml" => replace("nbkr-daily-2026-05-24.xml", "Daily Exchange Rates", "Weekly Exchange Rates"),
        "/index1.jsp" => Reply::ok(doc("nbkr-history-USD-2005-06.html")),
        "/en/kurs/export_xml.php" => Reply::ok(doc("nbt-2026-05-18.xml")),
        "/scripts/XML_daily.asp" => Reply::ok(doc("cbr-daily-2026-04-25.xml")),
        "/scripts/XML_dynamic.asp" => match param(target, "VAL_NM_RQ").as_deref() {
            Some("R01335") => Reply::ok(doc("cbr-dynamic-KZT-2026-03.xml")),
            Some(id) => replace("cbr-dynamic-USD-2026-03.xml", "R01235", id),
            None => Reply::status(400, ""),
        },
        p if p.starts_with("/en/arkhiv-kursov-valyut/json/all/") => Reply::ok(doc("cbu-2026-04-03.json")),
        p if p.starts_with("/kurs/") => Reply::ok(doc("cbt-2026-05-20.xml")),
        _ => Reply::status(404, ""),
    }
}

/// `history --pair P --source S --format csv` without its header.
fn rows_of(db: &TempDb, pair: &str, source: &str) -> Vec<String> {
    db.ok(&["history", "--pair", pair, "--source", source, "--format", "csv"]).lines().skip(1).map(str::to_string).collect()
}

#[test]
fn the_current_document_of_every_source_is_stored_one_request_at_a_time() {
    let server = Server::start(|t, _| banks(t));
    let db = TempDb::new();
    let out = fetch(&db, &server, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hits = server.hits();
    // timesca, nbk, nbkr daily and weekly, cbu, nbt, cbt, cbr.
    assert_eq!(hits.len(), 8, "{:?}", server.targets());
    assert!(server.never_overlapped(), "{hits:?}");
    assert!(hits.iter().all(|h| h.user_agent.starts_with("fxsnap/")), "{hits:?}");
    // The spot checks of the feeds README, each as its bank quoted it.
    // NBK's document is re-dated to the day asked: today.
    let today = chrono::Utc::now().date_naive();
    assert!(
        rows_of(&db, "USD/KZT", "nbk").contains(&format!("{today}T00:00:00Z,USD/KZT,478.77,,nbk,")),
        "{:?}",
        rows_of(&db, "USD/KZT", "nbk")
    );
    assert!(rows_of(&db, "USD/KGS", "nbkr").contains(&"2026-05-24T00:00:00Z,USD/KGS,87.4500,,nbkr,".to_string()));
    assert!(rows_of(&db, "USD/UZS", "cbu").contains(&"2026-04-03T00:00:00Z,USD/UZS,12149.84,,cbu,".to_string()));
    assert!(rows_of(&db, "USD/TJS", "nbt").contains(&"2026-05-18T00:00:00Z,USD/TJS,9.3450,,nbt,".to_string()));
    assert!(rows_of(&db, "USD/TMT", "cbt").contains(&"2026-05-20T00:00:00Z,USD/TMT,3.5,,cbt,".to_string()));
    assert!(rows_of(&db, "USD/RUB", "cbr").contains(&"2026-04-25T00:00:00Z,USD/RUB,75.5273,,cbr,".to_string()));
    assert_eq!(rows_of(&db, "KGS/USD", "timesca").len(), 1);
    // Each response is one input named by its URL, observed at its Date.
    let inputs = db.ok(&["inputs", "--format", "csv"]);
    assert!(inputs.contains(&format!("{}/XML/daily.xml", server.base)), "{inputs}");
    assert!(inputs.contains("2026-04-08T13:43:25Z"), "{inputs}");
}

#[test]
fn backfills_ask_per_day_per_currency_and_a_second_run_asks_nothing() {
    let server = Server::start(|t, _| banks(t));
    let db = TempDb::new();
    let nbk = ["nbk", "--from", "2026-03-30", "--to", "2026-04-01", "--delay", "0"];
    let out = fetch(&db, &server, &nbk);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.hits().len(), 3);
    assert_eq!(rows_of(&db, "USD/KZT", "nbk").len(), 3);
    let cbr = ["cbr", "--from", "2026-03-01", "--to", "2026-03-05", "--delay", "0"];
    let out = fetch(&db, &server, &cbr);
    assert!(out.status.success(), "{}", stderr(&out));
    let dynamic: Vec<_> = server.targets().into_iter().filter(|t| t.starts_with("/scripts/XML_dynamic.asp")).collect();
    assert_eq!(dynamic.len(), 8, "{dynamic:?}");
    for id in ["R01235", "R01239", "R01375", "R01335", "R01370", "R01670", "R01717", "R01710A"] {
        assert!(dynamic.iter().any(|t| t.ends_with(&format!("VAL_NM_RQ={id}"))), "{id}: {dynamic:?}");
    }
    assert_eq!(
        rows_of(&db, "USD/RUB", "cbr"),
        [
            "2026-03-03T00:00:00Z,USD/RUB,77.1734,,cbr,",
            "2026-03-04T00:00:00Z,USD/RUB,77.6093,,cbr,",
            "2026-03-05T00:00:00Z,USD/RUB,77.8009,,cbr,"
        ]
    );
    let nbkr = ["nbkr", "--from", "2005-06-01", "--to", "2005-06-30", "--delay", "0"];
    let out = fetch(&db, &server, &nbkr);
    assert!(out.status.success(), "{}", stderr(&out));
    let history: Vec<_> = server.targets().into_iter().filter(|t| t.starts_with("/index1.jsp")).collect();
    assert_eq!(history.len(), 8, "{history:?}");
    assert!(history.iter().all(|t| t.contains("beg_day=01&beg_month=06&beg_year=2005&end_day=30&end_month=06&end_year=2005")));
    assert_eq!(rows_of(&db, "USD/KGS", "nbkr").len(), 4);
    let before = server.hits().len();
    let csv = db.csv();

    // Again: every URL names its dates and was ingested: no request.
    for args in [&nbk[..], &cbr[..], &nbkr[..]] {
        let out = fetch(&db, &server, args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("ingested before: not asked again"), "{}", stderr(&out));
    }
    assert_eq!(server.hits().len(), before);
    // --refetch asks again; the same documents change nothing.
    let mut again = nbk.to_vec();
    again.push("--refetch");
    let out = fetch(&db, &server, &again);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.hits().len(), before + 3);
    assert_eq!(db.csv(), csv);
}

#[test]
fn an_html_page_where_a_document_belongs_is_a_failed_input() {
    let server = Server::start(|_, _| Reply::ok("<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>"));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["nbk", "--date", "2026-04-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.hits().len(), 1);
    assert_eq!(
        failure_lines(&out),
        [format!("fxsnap: {}/rss/get_rates.cfm?fdate=01.04.2026: an HTML page, not nbk's document", server.base)]
    );
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_sunday_404_from_cbt_is_no_error() {
    let server = Server::start(|t, _| if t.contains("17052026") { Reply::status(404, "") } else { banks(t) });
    let db = TempDb::new();
    // 2026-05-17 is a Sunday.
    let out = fetch(&db, &server, &["cbt", "--from", "2026-05-16", "--to", "2026-05-17", "--delay", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.hits().len(), 2);
    assert!(stderr(&out).contains(", 1 empty; 0 failed"), "{}", stderr(&out));
    // A 404 on a weekday is a failure.
    let out = fetch(&db, &server, &["cbt", "--date", "2026-05-17"]);
    assert!(out.status.success());
    let weekday = Server::start(|_, _| Reply::status(404, ""));
    let out = fetch(&db, &weekday, &["cbt", "--date", "2026-05-18"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn nbt_answering_with_another_date_is_stored_under_its_own_and_said() {
    let server = Server::start(|t, _| banks(t));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["nbt", "--date", "2026-05-20"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("asked for 2026-05-20, the document is dated 2026-05-18: stored under 2026-05-18"), "{}", stderr(&out));
    assert_eq!(rows_of(&db, "USD/TJS", "nbt"), ["2026-05-18T00:00:00Z,USD/TJS,9.3450,,nbt,"]);
}

#[test]
fn one_source_failing_leaves_the_others_stored_and_is_listed() {
    let server = Server::start(|t, _| if t.starts_with("/en/kurs/") { Reply::status(500, "oops") } else { banks(t) });
    let db = TempDb::new();
    let out = fetch(&db, &server, &["nbk", "nbt", "cbr", "--delay", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = failure_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("/en/kurs/export_xml.php?date=") && lines[0].contains("HTTP 500"), "{lines:?}");
    assert!(!rows_of(&db, "USD/KZT", "nbk").is_empty());
    assert!(!rows_of(&db, "USD/RUB", "cbr").is_empty());
    let failed = db.ok(&["inputs", "--failed", "--format", "csv"]);
    assert!(failed.contains("/en/kurs/export_xml.php?date=") && failed.contains("nbt") && failed.contains("HTTP 500"), "{failed}");
}

#[test]
fn an_archive_ingested_into_a_new_store_gives_the_same_history() {
    let server = Server::start(|t, _| banks(t));
    let db = TempDb::new();
    let archive = db.dir.path().join("all.warc.gz");
    let out = fetch(&db, &server, &["--delay", "0", "--archive", s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = fetch(&db, &server, &["nbk", "cbr", "--from", "2026-03-01", "--to", "2026-03-05", "--delay", "0", "--archive", s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = warcio_records(&archive);
    let targets: Vec<String> = server.targets().into_iter().map(|t| format!("{}{t}", server.base)).collect();
    let mut archived: Vec<String> = records.iter().filter(|(t, _)| t == "response").map(|(_, u)| u.clone()).collect();
    let mut asked = targets.clone();
    archived.sort();
    asked.sort();
    assert_eq!(archived, asked);
    let copy = TempDb::new();
    copy.ok(&["ingest", s(&archive)]);
    let all = |d: &TempDb| d.ok(&["history", "--pair", "all", "--format", "csv"]);
    assert_eq!(all(&copy), all(&db));
}

#[test]
fn a_backfill_killed_midway_is_finished_by_the_rerun() {
    let server = Server::start(|t, _| banks(t).mode(Mode::Delay(Duration::from_millis(60))));
    let db = TempDb::new();
    let args = ["fetch", "nbk", "--from", "2026-03-01", "--to", "2026-03-20", "--delay", "0"];
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("fxsnap"));
    cmd.env_remove("FXSNAP_DB")
        .arg("--db")
        .arg(&db.path)
        .args(args)
        .env("FXSNAP_NBK_ORIGIN", &server.base)
        .stderr(std::process::Stdio::null());
    kill_after_hits(cmd.spawn().unwrap(), &server, 8);
    let first = server.hits().len();
    assert!((8..20).contains(&first), "{first} requests before the kill");
    let have = rows_of(&db, "USD/KZT", "nbk").len();
    assert!(have < 20, "{have}");
    let out = fetch(&db, &server, &args[1..]);
    assert!(out.status.success(), "{}", stderr(&out));
    let asked_again = server.hits().len() - first;
    // Only the days not stored are asked (the one killed in flight among them).
    assert_eq!(asked_again, 20 - have, "asked {asked_again} with {have} stored");
    assert_eq!(rows_of(&db, "USD/KZT", "nbk").len(), 20);
    db.ok(&["check"]);
}

#[test]
fn a_corrected_document_wins_under_newest_unless_told_otherwise() {
    // The second answer corrects USD/KZT and is dated a day later.
    let server = Server::start(|t, n| {
        let Reply { body, .. } = banks(t);
        if n == 0 {
            Reply::ok(body)
        } else {
            let fixed = String::from_utf8_lossy(&body).replace("<description>478.77</description>", "<description>479.01</description>");
            Reply::ok(fixed.into_bytes()).header("Date", "Thu, 09 Apr 2026 10:00:00 GMT")
        }
    });
    let db = TempDb::new();
    let day = ["nbk", "--date", "2026-04-01", "--delay", "0"];
    assert!(fetch(&db, &server, &day).status.success());
    let keep = fetch(&db, &server, &[&day[..], &["--refetch", "--on-conflict", "keep"]].concat());
    assert!(keep.status.success(), "{}", stderr(&keep));
    assert!(stderr(&keep).contains("1 conflict (kept)"), "{}", stderr(&keep));
    assert_eq!(rows_of(&db, "USD/KZT", "nbk"), ["2026-04-01T00:00:00Z,USD/KZT,478.77,,nbk,"]);
    let newest = fetch(&db, &server, &[&day[..], &["--refetch"]].concat());
    assert!(newest.status.success(), "{}", stderr(&newest));
    assert!(stderr(&newest).contains("1 conflict (newest kept)"), "{}", stderr(&newest));
    assert_eq!(rows_of(&db, "USD/KZT", "nbk"), ["2026-04-01T00:00:00Z,USD/KZT,479.01,,nbk,"]);
    assert!(db.ok(&["conflicts", "--pair", "USD/KZT", "--format", "csv"]).contains("478.77"));
}

#[test]
fn another_sources_document_is_refused_whole() {
    // A mirror answering NBK's URL with CBU's document.
    let server = Server::start(|_, _| Reply::ok(doc("cbu-2026-04-03.json")));
    let db = TempDb::new();
    let out = fetch(&db, &server, &["nbk", "--date", "2026-04-03"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        failure_lines(&out),
        [format!("fxsnap: {}/rss/get_rates.cfm?fdate=03.04.2026: not nbk's document: it reads as cbu", server.base)]
    );
    assert_eq!(stored(&db), 0);
    assert!(db.ok(&["inputs", "--failed", "--format", "csv"]).contains("not nbk's document"));
}

#[test]
fn requests_go_through_the_proxy_the_environment_names() {
    // The proxy is the test server; the origin's host does not exist.
    let proxy = Server::start(|_, _| Reply::ok(ticker()));
    let db = TempDb::new();
    let mut c = db.cmd(&["fetch", "timesca"]);
    for v in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"] {
        c.env_remove(v);
    }
    let out = c
        .env("FXSNAP_TIMESCA_ORIGIN", "http://timesca.invalid")
        .env("HTTP_PROXY", &proxy.base)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.targets(), ["http://timesca.invalid/"]);
    assert_eq!(stored(&db), 5);
}

/// Kills `child` (SIGKILL) once the server has answered `hits` requests, or after 5 s.
fn kill_after_hits(mut child: std::process::Child, server: &Server, hits: usize) {
    for _ in 0..500 {
        if server.hits().len() >= hits {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

// ------------------------------------------------ everyday use (issue 20)

/// The days from `from` to today (UTC), both included.
fn days_to_today(from: &str) -> i64 {
    let from: chrono::NaiveDate = from.parse().unwrap();
    (chrono::Utc::now().date_naive() - from).num_days() + 1
}

/// A spawned fxsnap, killed if the test ends first (an assertion failed).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Its exit code, waiting at most two minutes.
    fn code(&mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("fxsnap did not end within two minutes");
    }
}

/// A file in `db`'s folder for a spawned run's standard error.
fn err_file(db: &TempDb, name: &str) -> (std::path::PathBuf, std::process::Stdio) {
    let path = db.dir.path().join(name);
    let file = std::fs::File::create(&path).unwrap();
    (path, file.into())
}

#[test]
fn a_closed_pipe_ends_a_dry_run_and_a_fetch_with_success() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let server = Server::start(|_, _| Reply::ok(ticker()));
    let db = TempDb::new();
    // Some 13,000 URLs: far more than a pipe holds, so the writes meet the closed pipe.
    let (err_path, err) = err_file(&db, "dry-run.err");
    let mut cmd = fetch_std(&db, &server, &["--from", "2020-01-01", "--dry-run"]);
    let mut run = Running(cmd.stdout(Stdio::piped()).stderr(err).spawn().unwrap());
    let mut lines = BufReader::new(run.0.stdout.take().unwrap()).lines();
    for _ in 0..5 {
        assert!(lines.next().unwrap().unwrap().starts_with(&server.base));
    }
    drop(lines); // `| head -5`
    assert_eq!(run.code(), Some(0), "{}", std::fs::read_to_string(&err_path).unwrap());
    assert_eq!(std::fs::read_to_string(&err_path).unwrap(), "");
    // Standard error closed before the summary line is written: still a success.
    let mut cmd = fetch_std(&db, &server, &["timesca", "--delay", "0"]);
    let mut run = Running(cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap());
    drop(run.0.stderr.take());
    assert_eq!(run.code(), Some(0));
    assert_eq!(stored(&db), 5);
}

#[test]
fn unreachable_hosts_are_given_up_after_three_tries_and_their_requests_recorded_failed() {
    // Ports with nothing listening: every connection is refused.
    let closed: Vec<String> = (0..SOURCES.len())
        .map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        })
        .collect();
    let db = TempDb::new();
    let mut c = db.cmd(&["fetch", "--from", "2020-01-01"]);
    for (src, origin) in SOURCES.iter().zip(&closed) {
        c.env(format!("FXSNAP_{}_ORIGIN", src.to_uppercase()), origin);
    }
    let before = days_to_today("2020-01-01");
    let out = c.timeout(Duration::from_secs(120)).output().unwrap();
    let after = days_to_today("2020-01-01");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let years = |days: i64| {
        let last: chrono::NaiveDate = "2020-01-01".parse::<chrono::NaiveDate>().unwrap() + chrono::Days::new(days as u64 - 1);
        chrono::Datelike::year(&last) as i64 - 2020 + 1
    };
    let mut total = 0;
    for src in &SOURCES[1..] {
        // Each source's first request is made (three refusals, then no more).
        let asked = |days: i64| match *src {
            "nbkr" => years(days) * 8,
            "cbr" => 8,
            _ => days,
        };
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with(&format!("fxsnap: {src}: host unreachable, "))).collect();
        assert_eq!(lines.len(), 1, "{src}: {err}");
        let n: i64 = lines[0].split(", ").nth(1).unwrap().split(' ').next().unwrap().replace(',', "").parse().unwrap();
        assert!(n == asked(before) - 1 || n == asked(after) - 1, "{src}: {} ({before} days)", lines[0]);
        assert!(lines[0].ends_with(" requests not made"), "{}", lines[0]);
        let first = err.lines().filter(|l| l.contains(&closed[SOURCES.iter().position(|s| s == src).unwrap()])).count();
        assert_eq!(first, 1, "{src}: one request made and failed: {err}");
        total += n + 1;
    }
    assert!(err.contains("the connection was refused (3 attempts;"), "{err}");
    assert!(!err.contains("timesca"), "the ticker has no past: {err}");
    // Every request, made or not, is listed by inputs --failed.
    let failed = db.ok(&["inputs", "--failed", "--format", "csv"]);
    assert_eq!(failed.lines().count() as i64 - 1, total, "{}", &failed[..failed.len().min(2000)]);
    assert!(failed.contains("not asked: host unreachable ("), "{}", &failed[..failed.len().min(2000)]);
}

#[test]
fn a_folder_archive_gets_one_file_per_month_and_two_runs_at_once_never_interleave() {
    let body = doc("nbk-2026-04-01.xml");
    let server = Server::start(move |t, _| {
        let d = param(t, "fdate").unwrap_or_default();
        let doc = String::from_utf8_lossy(&body).replace("<date>01.04.2026</date>", &format!("<date>{d}</date>"));
        Reply::ok(doc.into_bytes()).mode(Mode::Delay(Duration::from_millis(5)))
    });
    let dir = tempfile::tempdir().unwrap();
    let folder = format!("{}/archive/", dir.path().display());
    let month_before = chrono::Utc::now().format("%Y-%m").to_string();
    let dbs = [TempDb::new(), TempDb::new()];
    // Two runs at once into one archive (`archive`): each 20 responses.
    let two_at_once = |archive: &str| {
        let mut runs: Vec<_> = dbs
            .iter()
            .map(|db| {
                let (path, err) = err_file(db, "fetch.err");
                let args = ["nbk", "--from", "2026-03-01", "--to", "2026-03-20", "--delay", "0", "--refetch", "--archive", archive];
                (path, Running(fetch_std(db, &server, &args).stderr(err).spawn().unwrap()))
            })
            .collect();
        for (err, run) in &mut runs {
            assert_eq!(run.code(), Some(0), "{}", std::fs::read_to_string(err).unwrap());
        }
    };
    // One file: every record whole (warcio checks each digest), none lost.
    let file = dir.path().join("both.warc.gz");
    two_at_once(s(&file));
    let records = warcio_records(&file);
    assert_eq!(records.iter().filter(|(t, _)| t == "response").count(), 40, "{records:?}");
    assert_eq!(records.iter().filter(|(t, _)| t == "warcinfo").count(), 1, "{records:?}");
    // A folder: one archive per month.
    two_at_once(&folder);
    let month_after = chrono::Utc::now().format("%Y-%m").to_string();
    let files: Vec<String> =
        std::fs::read_dir(dir.path().join("archive")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0] == format!("fxsnap-{month_before}.warc.gz") || files[0] == format!("fxsnap-{month_after}.warc.gz"), "{files:?}");
    // warcio checks every record's digests: each whole, one warcinfo, both runs' 40 responses.
    let records = warcio_records(&dir.path().join("archive").join(&files[0]));
    assert_eq!(records.iter().filter(|(t, _)| t == "warcinfo").count(), 1, "{records:?}");
    assert_eq!(records.iter().filter(|(t, _)| t == "response").count(), 40, "{records:?}");
    assert_eq!(records[0].0, "warcinfo");
    // `ingest DIR/` reads the monthly archives back.
    let copy = TempDb::new();
    copy.ok(&["ingest", &folder]);
    let all = |d: &TempDb| d.ok(&["history", "--pair", "all", "--format", "csv"]);
    assert_eq!(all(&copy), all(&dbs[0]));
    assert_eq!(stored(&copy), 20 * 39);
}
