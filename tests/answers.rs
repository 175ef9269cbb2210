//! Issue 4: answers and interop (stats, convert, ledger and beancount prices,
//! spans, completions, man page, closed pipes, help examples), through the
//! real binary on the real NBU history and real pages.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::str::FromStr;

use common::{data, fixture, s, TempDb};
use rust_decimal::{Decimal, RoundingStrategy};

const BIN: &str = env!("CARGO_BIN_EXE_fxsnap");

/// A database with the whole NBU history (35,534 rates) and the seed page.
fn nbu_db() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("history/nbu-usd-cross.csv")), s(&data("pages/seed-page.txt"))]);
    db
}

/// One row of the NBU CSV: (date, pair, rate as written).
fn nbu_rows() -> Vec<(String, String, String)> {
    let text = fs::read_to_string(data("history/nbu-usd-cross.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("timestamp,pair,rate,source"));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 4, "{l}");
            assert_eq!(c[3], "nbu");
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn fixed4(d: Decimal) -> String {
    let mut r = d.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    format!("{r:.4}")
}

/// 10 significant digits, ties to even, trailing zeros dropped (the
/// documented rounding of inverses and of convert's result).
fn sig10(d: Decimal) -> String {
    d.round_sf_with_strategy(10, RoundingStrategy::MidpointNearestEven).unwrap().normalize().to_string()
}

fn csv_record(out: &str, header: &str) -> Vec<String> {
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(header));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "one series expected:\n{out}");
    rows[0].split(',').map(str::to_string).collect()
}

const STATS_HEADER: &str =
    "pair,source,count,first_timestamp,first,last_timestamp,last,min_timestamp,min,max_timestamp,max,change_pct,largest_gap";

/// Must show 1: stats of USD/KZT during 2015, computed here from the CSV file
/// and compared field by field with `stats --format csv`; then the same
/// series in the stored direction, and the table and JSON formats.
#[test]
fn stats_2015_usd_kzt_match_an_independent_computation() {
    let mut rows: Vec<(chrono::NaiveDate, Decimal, String)> = nbu_rows()
        .into_iter()
        .filter(|(d, p, _)| p == "USD/KZT" && d.starts_with("2015-"))
        .map(|(d, _, r)| (chrono::NaiveDate::from_str(&d).unwrap(), dec(&r), r))
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.dedup_by_key(|r| r.0);
    assert!(rows.len() > 300, "the history has 2015");
    let ts = |d: chrono::NaiveDate| format!("{d}T00:00:00Z");
    let first = rows.first().unwrap();
    let last = rows.last().unwrap();
    // min and max: strict comparison in time order, so a tie keeps the earliest.
    let (mut min, mut max) = (first, first);
    for r in &rows {
        if r.1 < min.1 {
            min = r;
        }
        if r.1 > max.1 {
            max = r;
        }
    }
    let change = (last.1 / first.1 - Decimal::ONE) * Decimal::ONE_HUNDRED;
    let gap_days = rows.windows(2).map(|w| (w[1].0 - w[0].0).num_days()).max().unwrap();
    // In whole days, or in hours under two days (a daily series' gap of one day is `24 h`).
    let gap = if gap_days >= 2 { format!("{gap_days} days") } else { format!("{} h", gap_days * 24) };
    let expected = vec![
        "USD/KZT".to_string(),
        "nbu".into(),
        rows.len().to_string(),
        ts(first.0),
        first.2.clone(),
        ts(last.0),
        last.2.clone(),
        ts(min.0),
        min.2.clone(),
        ts(max.0),
        max.2.clone(),
        fixed4(change),
        gap.clone(),
    ];

    let db = nbu_db();
    let args = ["stats", "--pair", "KZT", "--invert", "--source", "nbu", "--from", "2015-01-01", "--to", "2015-12-31"];
    let out = db.ok(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(csv_record(&out, STATS_HEADER), expected, "\n{out}");
    // The 2015 devaluation: the tenge lost close to half its value.
    assert!(change > Decimal::from(80), "{change}");

    // Same series, stored direction (KZT/USD): the 10-digit inverses, min and
    // max swapped (with the same tie rule), the change from the exact values.
    let out = db.ok(&["stats", "--pair", "KZT/USD", "--source", "nbu", "--from", "2015-01-01", "--to", "2015-12-31", "--format", "csv"]);
    let inv = |d: Decimal| sig10(Decimal::ONE / d);
    let expected_direct = vec![
        "KZT/USD".to_string(),
        "nbu".into(),
        rows.len().to_string(),
        ts(first.0),
        inv(first.1),
        ts(last.0),
        inv(last.1),
        ts(max.0),
        inv(max.1),
        ts(min.0),
        inv(min.1),
        fixed4((first.1 / last.1 - Decimal::ONE) * Decimal::ONE_HUNDRED),
        gap.clone(),
    ];
    assert_eq!(csv_record(&out, STATS_HEADER), expected_direct, "\n{out}");

    // JSON carries the same fields (rates and the gap as strings, count as a number).
    let json: serde_json::Value = serde_json::from_str(&db.ok(&[&args[..], &["--format", "json"]].concat())).unwrap();
    let obj = &json.as_array().unwrap()[0];
    let names: Vec<&str> = STATS_HEADER.split(',').collect();
    assert_eq!(obj.as_object().unwrap().len(), names.len());
    for (name, want) in names.iter().zip(&expected) {
        let got = match &obj[*name] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            other => panic!("{name}: {other}"),
        };
        assert_eq!(&got, want, "{name}");
    }
    // The table has the same values, trimmed to fit 120 columns (issue 20): the first and last
    // times as dates, min, max, the change and the gap.
    let table = db.ok(&args);
    let mut lines = table.lines();
    let kept = ["pair", "source", "count", "first_timestamp", "last_timestamp", "min", "max", "change_pct", "largest_gap"];
    let shown: Vec<String> = names
        .iter()
        .zip(&expected)
        .filter(|(n, _)| kept.contains(n))
        .map(|(n, v)| if n.ends_with("_timestamp") { v[..10].to_string() } else { v.clone() })
        .flat_map(|v| v.split_whitespace().map(String::from).collect::<Vec<_>>())
        .collect();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["pair", "source", "count", "first_date", "last_date", "min", "max", "change_pct", "largest_gap"]
    );
    assert_eq!(lines.next().unwrap().split_whitespace().collect::<Vec<_>>(), shown);
    assert_eq!(lines.next(), None);
}

/// A series with nothing in the range still has its row, with count 0.
#[test]
fn stats_of_an_empty_range_say_count_zero() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages/seed-page.txt"))]);
    let out = db.ok(&["stats", "--pair", "KZT", "--from", "2020-01-01", "--to", "2020-12-31", "--format", "csv"]);
    assert_eq!(out, format!("{STATS_HEADER}\nKZT/USD,timesca,0,,,,,,,,,,\n"));
    let out = db.ok(&["stats", "--pair", "KZT", "--format", "csv"]);
    assert_eq!(
        out,
        format!(
            "{STATS_HEADER}\nKZT/USD,timesca,1,2025-12-12T00:00:00Z,0.00192,2025-12-12T00:00:00Z,0.00192,\
             2025-12-12T00:00:00Z,0.00192,2025-12-12T00:00:00Z,0.00192,0.0000,\n"
        )
    );
}

/// The newest NBU row of `pair` dated on or before `day`.
fn newest_nbu(rows: &[(String, String, String)], pair: &str, day: &str) -> (String, String) {
    rows.iter()
        .filter(|(d, p, _)| p == pair && d.as_str() <= day)
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(d, _, r)| (d.clone(), r.clone()))
        .unwrap()
}

/// Must show 2: `convert 1000 KZT UZS --at 2020-01-01 --source nbu` against
/// hand arithmetic from the two legs' stored values.
#[test]
fn convert_1000_kzt_to_uzs_matches_hand_arithmetic() {
    let rows = nbu_rows();
    let (kzt_day, kzt) = newest_nbu(&rows, "USD/KZT", "2020-01-01");
    let (uzs_day, uzs) = newest_nbu(&rows, "USD/UZS", "2020-01-01");
    // 1000 KZT is 1000 / (KZT per USD) dollars, each worth (UZS per USD) sum.
    let expected = sig10(Decimal::from(1000) * dec(&uzs) / dec(&kzt));

    let db = nbu_db();
    let args = ["convert", "1000", "KZT", "UZS", "--at", "2020-01-01", "--source", "nbu"];
    let json: serde_json::Value = serde_json::from_str(&db.ok(&[&args[..], &["--format", "json"]].concat())).unwrap();
    assert_eq!(json["amount"], "1000");
    assert_eq!(json["from"], "KZT");
    assert_eq!(json["to"], "UZS");
    assert_eq!(json["result"], expected.as_str());
    let legs = json["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    for (leg, (pair, day, rate)) in legs.iter().zip([("USD/KZT", &kzt_day, &kzt), ("USD/UZS", &uzs_day, &uzs)]) {
        assert_eq!(leg["pair"], pair);
        assert_eq!(leg["rate"], rate.as_str());
        assert_eq!(leg["timestamp"], format!("{day}T00:00:00Z").as_str());
        assert_eq!(leg["source"], "nbu");
    }

    // The table says the result and each leg with its time and source.
    let table = db.ok(&args);
    assert!(table.starts_with(&format!("1000 KZT = {expected} UZS\n")), "{table}");
    for (pair, day, rate) in [("USD/KZT", &kzt_day, &kzt), ("USD/UZS", &uzs_day, &uzs)] {
        let line = table.lines().find(|l| l.starts_with(pair)).unwrap_or_else(|| panic!("{pair} in\n{table}"));
        assert!(line.contains(rate.as_str()) && line.contains(&format!("{day}T00:00:00Z")) && line.contains("nbu"), "{line}");
        assert!(!line.contains("STALE"), "{line}");
    }

    // A leg through USD only: 1000 KZT in USD is 1000 / rate.
    let json: serde_json::Value =
        serde_json::from_str(&db.ok(&["convert", "1000", "KZT", "USD", "--at", "2020-01-01", "--source", "nbu", "--format", "json"]))
            .unwrap();
    assert_eq!(json["result"], sig10(Decimal::from(1000) / dec(&kzt)).as_str());
    assert_eq!(json["legs"].as_array().unwrap().len(), 1);
}

/// Stale legs are marked; missing legs and bad amounts are clear errors.
#[test]
fn convert_marks_stale_legs_and_refuses_what_it_cannot_do() {
    let db = nbu_db();
    // NBU ends 2022-07-21: a year later its legs are stale.
    let table = db.ok(&["convert", "1", "USD", "KZT", "--source", "nbu", "--at", "2023-07-21"]);
    assert!(table.contains("2022-07-21T00:00:00Z") && table.contains("STALE"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&db.ok(&["convert", "1", "USD", "KZT", "--source", "nbu", "--at", "2023-07-21", "--format", "json"])).unwrap();
    assert_eq!(json["legs"][0]["stale"], true);

    let out = db.cmd(&["convert", "1000", "KZT", "UZS", "--at", "1990-01-01", "--source", "nbu"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KZT/USD") && err.contains("1990-01-01"), "{err}");

    let out = db.cmd(&["convert", "1000", "KZT", "EUR"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EUR/USD"));

    for bad in ["1,000", "1e3", "ten", "99999999999999999999999999999999"] {
        let out = db.cmd(&["convert", bad, "KZT", "UZS"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("AMOUNT"), "{bad}");
        assert!(out.stdout.is_empty());
    }
}

/// Runs an outside tool if it is installed; None (with a printed reason) if not.
fn tool(name: &str) -> Option<()> {
    match Process::new(name).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(st) if st.success() => Some(()),
        // Under the test script (and so in CI) a missing tool is a failure,
        // never a pass: the script installs it.
        _ if std::env::var_os("FXSNAP_REQUIRE_TOOLS").is_some() => {
            panic!("`{name}` is not installed, and FXSNAP_REQUIRE_TOOLS is set: scripts/test.sh should have installed it")
        }
        _ => {
            eprintln!("SKIPPED: `{name}` is not installed (scripts/test.sh installs it and then requires it)");
            None
        }
    }
}

/// Must show 3a: `hledger -f FILE prices` reads the ledger output back line
/// for line (hledger prints the date without the time of day).
#[test]
fn ledger_prices_read_back_by_hledger() {
    let Some(()) = tool("hledger") else { return };
    let db = nbu_db();
    // Two directions: as stored (mostly 10-digit inverses of NBU's USD/XXX)
    // and --invert; plus the ticker page's exact 5-decimal values.
    for invert in [false, true] {
        let mut args = vec!["history", "--format", "ledger"];
        if invert {
            args.push("--invert");
        }
        let ledger = db.ok(&args);
        assert_eq!(ledger.lines().count(), 35_539);
        let file = db.dir.path().join("prices.journal");
        fs::write(&file, &ledger).unwrap();
        let out = Process::new("hledger").arg("-f").arg(&file).arg("prices").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let back = String::from_utf8(out.stdout).unwrap();
        let expected: Vec<String> = ledger
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                assert_eq!((f.len(), f[0], f[2]), (6, "P", "00:00:00"), "{l}");
                format!("P {} {} {} {}", f[1], f[3], f[4], f[5])
            })
            .collect();
        let back: Vec<&str> = back.lines().collect();
        assert_eq!(back.len(), expected.len());
        for (i, (b, e)) in back.iter().zip(&expected).enumerate() {
            assert_eq!(b, e, "line {}", i + 1);
        }
    }
}

/// Must show 3b: `bean-check` accepts the beancount output (price directives
/// need no open or commodity directives), and refuses a broken line, so the
/// check means something.
#[test]
fn beancount_prices_accepted_by_bean_check() {
    let Some(()) = tool("bean-check") else { return };
    let db = nbu_db();
    // A page ingested now, at a time of day: beancount prices carry dates only.
    db.cmd(&["ingest", "-q", "-"]).write_stdin(fs::read(data("pages-undated/008.txt")).unwrap()).assert().success();
    for invert in [false, true] {
        let mut args = vec!["history", "--format", "beancount"];
        if invert {
            args.push("--invert");
        }
        let text = db.ok(&args);
        assert_eq!(text.lines().count(), 35_544);
        assert!(text.lines().all(|l| l.split(' ').nth(1) == Some("price")));
        let file = db.dir.path().join("prices.beancount");
        fs::write(&file, &text).unwrap();
        let out = Process::new("bean-check").arg(&file).output().unwrap();
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "bean-check: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bad = db.dir.path().join("bad.beancount");
    fs::write(&bad, "2015-01-01 price KZT 0.0054 USD\n2015-01-02 price KZT USD\n").unwrap();
    let out = Process::new("bean-check").arg(&bad).output().unwrap();
    assert!(!out.status.success(), "bean-check accepted a broken price line");
}

/// Must show 4: `history --from 1d` shows the page piped in just now and not
/// the seed page's 2025-12-12 observations.
#[test]
fn history_from_1d_shows_what_stdin_gave_just_now() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages/seed-page.txt"))]);
    let before = chrono::Utc::now().timestamp();
    db.cmd(&["ingest", "-q", "-"]).write_stdin(fs::read(data("pages-undated/008.txt")).unwrap()).assert().success();
    let after = chrono::Utc::now().timestamp();

    let all = db.ok(&["history", "--format", "csv"]);
    assert_eq!(all.lines().filter(|l| l.starts_with("2025-12-12T00:00:00Z")).count(), 5, "{all}");

    let recent = db.ok(&["history", "--from", "1d", "--format", "csv"]);
    let rows: Vec<Vec<&str>> = recent.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let got: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[1], r[2], r[4])).collect();
    assert_eq!(
        got,
        [
            ("KGS/USD", "0.01144", "timesca"),
            ("KZT/USD", "0.00197", "timesca"),
            ("TJS/USD", "0.09636", "timesca"),
            ("TMT/USD", "0.28575", "timesca"),
            ("UZS/USD", "0.00008", "timesca"),
        ],
        "{recent}"
    );
    for r in &rows {
        let t = chrono::DateTime::parse_from_rfc3339(r[0]).unwrap().timestamp();
        assert!((before..=after).contains(&t), "{} is not the time of ingest", r[0]);
    }
    assert!(!recent.contains("2025-12-12"), "{recent}");
    // The same range in the other formats.
    assert_eq!(db.ok(&["history", "--from", "1d", "--format", "jsonl"]).lines().count(), 5);
    assert_eq!(db.ok(&["history", "--from", "1d", "--format", "ledger"]).lines().count(), 5);
}

/// Runs a bash script with `fxsnap` first on PATH; returns (status, stdout, stderr).
fn bash(script: &str, cwd: &Path, db: &Path) -> (i32, String, String) {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let out = Process::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env("PATH", path)
        .env("FXSNAP_DB", db)
        .env("HOME", cwd)
        .output()
        .expect("bash");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Must show 5: sourcing the bash completion defines completion for fxsnap;
/// the other shells' scripts and the man page are generated too.
#[test]
fn bash_completion_defines_fxsnap_and_man_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bash("source <(fxsnap completions bash) && complete -p fxsnap", dir.path(), &dir.path().join("none.db"));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("complete ") && out.trim_end().ends_with(" fxsnap"), "{out}");
    // Completing the first word offers the subcommands.
    let (code, out, err) = bash(
        "source <(fxsnap completions bash); COMP_WORDS=(fxsnap st); COMP_CWORD=1; COMP_LINE='fxsnap st'; COMP_POINT=9; \
         $(complete -p fxsnap | sed -E 's/.*-F ([^ ]+).*/\\1/') fxsnap st fxsnap; printf '%s\\n' \"${COMPREPLY[@]}\"",
        dir.path(),
        &dir.path().join("none.db"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == "stats"), "{out}");

    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let mut c = assert_cmd::Command::new(BIN);
        let out = c.args(["completions", shell]).output().unwrap();
        assert!(out.status.success() && out.stdout.len() > 1000, "{shell}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("convert"), "{shell}");
    }
    let out = assert_cmd::Command::new(BIN).arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.lines().any(|l| l.starts_with(".TH fxsnap 1")), "{}", &page[..200]);
    for sub in ["ingest", "latest", "history", "stats", "convert", "chart", "conflicts", "check", "completions", "man"] {
        assert!(page.contains(&format!(".SS \"fxsnap {sub}\"")), "no section for {sub}");
    }
    assert!(page.contains("change_pct") && page.contains("10 significant digits"));
    // When man(1) is there, it formats the page without complaint.
    if Process::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        fs::write(dir.path().join("fxsnap.1"), &page).unwrap();
        let out = Process::new("man").args(["--warnings", "-l"]).arg(dir.path().join("fxsnap.1")).env("MANPAGER", "cat").output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("largest_gap"));
    } else {
        eprintln!("SKIPPED man -l: man is not installed");
    }
}

/// Must show 6: a closed output pipe ends quietly with success.
#[test]
fn closed_pipe_is_a_quiet_success() {
    let db = nbu_db();
    let dir = db.dir.path();
    // 35,539 rows, megabytes of output: fxsnap's writes meet a closed pipe.
    for cmd in [
        "fxsnap history",
        "fxsnap history --format csv",
        "fxsnap history --format json --invert",
        "fxsnap history --format ledger",
        "fxsnap history --format beancount",
        "fxsnap man",
        "fxsnap completions zsh",
    ] {
        let (code, out, err) = bash(&format!("{cmd} | head -1 >/dev/null; echo \"${{PIPESTATUS[0]}}\""), dir, &db.path);
        assert_eq!((code, out.trim(), err.as_str()), (0, "0", ""), "{cmd}");
    }
    let (code, out, err) = bash("set -o pipefail; fxsnap history | head -1", dir, &db.path);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "timestamp             pair     rate              change_pct  source    quoted\n", "")
    );
}

/// Every command's --help ends with two or three examples, and they work:
/// each is run by bash in a folder with `data/` and a database of the real
/// pages and history (`--db PATH` is pointed at that database; the one that
/// needs the network is left out).
#[test]
fn help_ends_with_examples_that_work() {
    // The dated pages now; the `ingest data/pages data/history` example (run
    // before the history, stats and convert ones) adds the NBU history.
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages"))]);
    let dir = db.dir.path();
    std::os::unix::fs::symlink(data(""), dir.join("data")).unwrap();
    fs::copy(fixture("html/seed-page.html"), dir.join("saved-page.html")).unwrap();
    fs::create_dir_all(dir.join(".zfunc")).unwrap();

    let commands =
        ["", "ingest", "latest", "history", "stats", "convert", "chart", "conflicts", "inputs", "delete", "check", "completions", "man"];
    let mut ran = 0;
    for sub in commands {
        let mut c = assert_cmd::Command::new(BIN);
        if !sub.is_empty() {
            c.arg(sub);
        }
        let help = String::from_utf8(c.arg("--help").output().unwrap().stdout).unwrap();
        let (_, tail) = help.rsplit_once("\nExamples:\n").unwrap_or_else(|| panic!("`{sub} --help` has no examples:\n{help}"));
        let examples: Vec<&str> = tail.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        assert!((2..=3).contains(&examples.len()), "`{sub} --help`: {examples:?}");
        for ex in examples {
            assert!(ex.contains("fxsnap"), "{ex}");
            if ex.contains("curl ") {
                continue;
            }
            if ex.contains("man -l") && !Process::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
                eprintln!("SKIPPED (no man): {ex}");
                continue;
            }
            // `--db /some/path` → the test database.
            let words: Vec<&str> = ex.split(' ').collect();
            let mut script = Vec::new();
            let mut i = 0;
            while i < words.len() {
                script.push(words[i].to_string());
                if words[i] == "--db" {
                    script.push(s(&db.path).to_string());
                    i += 1;
                }
                i += 1;
            }
            let _ = fs::remove_file(dir.join("out.txt"));
            let redirect = if ex.contains('>') { "" } else { " > out.txt" };
            let script = format!("set -o pipefail; {}{redirect}", script.join(" "));
            let (code, _, err) = bash(&script, dir, &db.path);
            assert_eq!(code, 0, "example `{ex}` failed: {err}");
            if !ex.contains('>') && !ex.contains("source ") && !ex.contains("ingest") && !ex.contains("chart") {
                let out = fs::read(dir.join("out.txt")).unwrap();
                assert!(!out.is_empty(), "example `{ex}` printed nothing");
            }
            ran += 1;
        }
    }
    assert!(ran >= 20, "{ran} examples ran");
    assert!(!fs::read(dir.join("backup.csv")).unwrap().is_empty());
    assert!(fs::read_to_string(dir.join(".zfunc/_fxsnap")).unwrap().contains("#compdef fxsnap"));
}
