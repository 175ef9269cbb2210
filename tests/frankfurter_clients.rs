//! Real Frankfurter clients, installed from PyPI and npm by scripts/test.sh
//! and unchanged but for their base URL, against the real `fxsnap serve`
//! on a store of the bundled bank documents (today fixed at 2026-05-25):
//! each fetches latest, a past date and (where it has one) a range, and
//! gets the numbers `fxsnap latest` and `fxsnap history` print.
//! v1: yogesh-currency-converter 1.0.0 (PyPI); v2:
//! frankfurter-js 0.1.1 (npm) and exrate 1.0.1 (PyPI).

mod serve_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use serve_support::{bank_store, fxsnap, Server};

const TODAY: &str = "1779710400";

/// Where scripts/test.sh installs the npm client.
fn npm_prefix() -> PathBuf {
    std::env::var_os("FXSNAP_CLIENTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/frankfurter-clients"))
}

/// Whether a client can run; under scripts/test.sh (FXSNAP_REQUIRE_TOOLS) a missing one fails.
fn available(what: &str, check: &mut Command) -> bool {
    let ok = check.output().is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("FXSNAP_REQUIRE_TOOLS").is_some() {
            panic!("{what} is not installed, and FXSNAP_REQUIRE_TOOLS is set: scripts/test.sh installs it");
        }
        eprintln!("SKIPPED: {what} is not installed (scripts/test.sh installs it and then requires it)");
    }
    ok
}

/// Runs a client script; its one line of JSON.
fn run(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("run the client");
    assert!(out.status.success(), "client failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the client script prints JSON")
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients").join(name)
}

/// The value `fxsnap latest` prints for one pair from one source.
fn cli_latest(db: &Path, pair: &str, source: &str) -> f64 {
    let out = fxsnap(db, &["latest", "--pair", pair, "--source", source, "--format", "csv"]);
    cli_values(&out)[0].1
}

/// (timestamp, rate) rows of `fxsnap history` for one pair from one source.
fn cli_history(db: &Path, pair: &str, source: &str, from: &str, to: &str) -> Vec<(String, f64)> {
    let out = fxsnap(db, &["history", "--pair", pair, "--source", source, "--from", from, "--to", to, "--format", "csv"]);
    cli_values(&out)
}

fn cli_values(csv: &str) -> Vec<(String, f64)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name} in {header:?}"));
    let (ts, rate) = (col("timestamp"), col("rate"));
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[ts].to_string(), cells[rate].parse().expect("a rate"))
        })
        .collect()
}

/// v2 rows as `history` prints them: (midnight of the row's date, rate).
fn by_day(rows: &Value) -> Vec<(String, f64)> {
    let rows = rows.as_array().expect("rows");
    rows.iter().map(|r| (format!("{}T00:00:00Z", r["date"].as_str().unwrap_or_default()), r["rate"].as_f64().unwrap_or(f64::NAN))).collect()
}

#[test]
fn a_v1_client_from_pypi_gets_the_numbers_fxsnap_prints() {
    if !available("the PyPI client yogesh-currency-converter", Command::new("python3").args(["-c", "import converter.api"])) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let srv = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", TODAY)]);
    // It rounds to 2 decimals itself.
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    // Unversioned, as frankfurter.app serves it (the client's own default host), and at /v1.
    for base in [format!("http://{}", srv.addr), format!("http://{}/v1", srv.addr)] {
        let got = run(Command::new("python3").arg(script("v1_python.py")).arg(&base));
        assert_eq!(got["latest_1_usd_kgs"].as_f64(), Some(round2(cli_latest(&db, "USD/KGS", "nbkr"))), "{base}: {got}");
        assert_eq!(got["latest_100_usd_tjs"].as_f64(), Some(round2(100.0 * cli_latest(&db, "USD/TJS", "nbt"))), "{base}: {got}");
        let kzt = cli_history(&db, "USD/KZT", "nbk", "2026-04-01", "2026-04-01");
        assert_eq!(got["date_2026_04_01_1_usd_kzt"].as_f64(), Some(round2(kzt[0].1)), "{base}: {got}");
        let uzs = cli_history(&db, "USD/UZS", "cbu", "2026-04-03", "2026-04-03");
        assert_eq!(got["date_2026_04_03_1000_usd_uzs"].as_f64(), Some(round2(1000.0 * uzs[0].1)), "{base}: {got}");
        let codes: Vec<&str> = got["currencies"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        for c in ["KZT", "KGS", "UZS", "TJS", "TMT", "USD"] {
            assert!(codes.contains(&c), "{c} in {codes:?}");
        }
    }
}

#[test]
fn v2_clients_from_npm_and_pypi_get_the_numbers_fxsnap_prints() {
    let modules = npm_prefix().join("node_modules");
    let node_ok = modules.join("frankfurter-js").is_dir() && available("node", Command::new("node").arg("--version"));
    if !node_ok && std::env::var_os("FXSNAP_REQUIRE_TOOLS").is_some() {
        panic!("frankfurter-js is not installed in {}: scripts/test.sh installs it", modules.display());
    }
    let exrate_ok = available("the PyPI client exrate", Command::new("python3").args(["-c", "import exrate"]));
    if !node_ok || !exrate_ok {
        eprintln!("SKIPPED: a v2 client is missing (scripts/test.sh installs them)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let srv = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", TODAY)]);
    let rub = cli_history(&db, "USD/RUB", "cbr", "2026-03-01", "2026-03-31");
    assert_eq!(rub.len(), 3, "CBR's dynamic document has three days in March");
    let kzt = cli_history(&db, "USD/KZT", "nbk", "2026-04-01", "2026-04-01")[0].1;

    let js = run(Command::new("node").env("NODE_PATH", &modules).arg(script("v2_node.cjs")).arg(format!("http://{}", srv.addr)));
    let rate_of =
        |rows: &Value, quote: &str| rows.as_array().unwrap().iter().find(|r| r["quote"] == quote).and_then(|r| r["rate"].as_f64());
    assert_eq!(rate_of(&js["latest"], "KGS"), Some(cli_latest(&db, "USD/KGS", "nbkr")), "{js}");
    assert_eq!(rate_of(&js["latest"], "TJS"), Some(cli_latest(&db, "USD/TJS", "nbt")), "{js}");
    assert_eq!(rate_of(&js["latest"], "TMT"), Some(cli_latest(&db, "USD/TMT", "cbt")), "{js}");
    assert_eq!(rate_of(&js["historical"], "KZT"), Some(kzt), "{js}");
    assert_eq!(by_day(&js["range"]), rub, "{js}");

    let py = run(Command::new("python3").arg(script("v2_python.py")).arg(format!("http://{}/v2", srv.addr)));
    assert_eq!(py["latest_usd_kgs"]["rate"].as_f64(), Some(cli_latest(&db, "USD/KGS", "nbkr")), "{py}");
    assert_eq!(rate_of(&py["date_usd_kzt"], "KZT"), Some(kzt), "{py}");
    assert_eq!(by_day(&py["range_usd_rub"]), rub, "{py}");
}
