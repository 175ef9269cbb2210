//! Issue 14, "Messages" (Must show 5): each message says what is wrong and
//! what to do, with the right exit code, through the real binary.

mod common;

use std::fs;

use common::{fixture, s, TempDb};

/// Runs and returns (exit code, stdout, stderr).
fn run(db: &TempDb, args: &[&str]) -> (i32, String, String) {
    let out = db.cmd(args).output().expect("run");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A store holding the seed page (2025-12-12).
fn seeded() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&fixture("pages/seed-page.txt"))]);
    db
}

/// Every form of a time that `--help` promises and `timespec` accepts.
const FORMS: [&str; 9] = ["YYYY-MM-DD", "RFC 3339", "offset", "now", "36h", "90d", "12w", "6m", "2y"];

#[test]
fn a_malformed_time_says_what_is_wrong() {
    let db = seeded();
    let cases = [
        ("2025-13-01", "month 13 does not exist"),
        ("2025-02-30", "February 2025 has no day 30"),
        ("2025-04-31", "April 2025 has no day 31"),
        ("2025-12-07T00:00:00", "add Z or an offset such as +05:00"),
        ("2025-12-07T25:00:00Z", "hour 25 does not exist"),
        ("2025-12-07T10:75:00+05:00", "minute 75 does not exist"),
    ];
    // The same words whichever option carries the time.
    for (time, why) in cases {
        for args in [
            vec!["history", "--from", time],
            vec!["latest", "--to", time],
            vec!["stats", "--from", time],
            vec!["convert", "1", "USD", "KZT", "--at", time],
            vec!["ingest", "--at", time, s(&fixture("pages/001.txt"))],
        ] {
            let (code, out, err) = run(&db, &args);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains(&format!("'{time}' is not a time")) && err.contains(why), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
            assert!(out.is_empty(), "{args:?}");
        }
    }
    // Garbage lists every accepted form.
    for garbage in ["yesterday", "12/07/2025", "90x", "2025-12"] {
        let (code, _, err) = run(&db, &["history", "--from", garbage]);
        assert_eq!(code, 2, "{garbage}: {err}");
        for form in FORMS {
            assert!(err.contains(form), "{garbage}: the message lacks {form}: {err}");
        }
    }
    assert_eq!(db.csv().lines().count(), 6, "nothing was written");

    // A CSV row's timestamp gets the same reason, with its line.
    let csv = db.dir.path().join("bad-month.csv");
    fs::write(&csv, "timestamp,pair,rate,source\n2020-01-01,KZT/USD,0.0026,x\n2020-13-01,KZT/USD,0.0026,x\n").unwrap();
    let (code, _, err) = run(&db, &["ingest", s(&csv)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad-month.csv: line 3: '2020-13-01'") && err.contains("month 13 does not exist"), "{err}");
    assert_eq!(db.csv().lines().count(), 6, "nothing was written");
}

#[test]
fn a_non_positive_amount_is_a_usage_error() {
    let db = seeded();
    for amount in ["-5", "0", "0.000", "-0.5"] {
        let (code, out, err) = run(&db, &["convert", amount, "KZT", "UZS", "--at", "2025-12-12"]);
        assert_eq!(code, 2, "{amount}: {err}");
        assert!(err.contains(&format!("AMOUNT '{amount}' is not positive")), "{amount}: {err}");
        assert!(out.is_empty(), "{amount}: {out}");
    }
    // A positive amount still converts.
    let out = db.ok(&["convert", "0.5", "USD", "KZT", "--at", "2025-12-12"]);
    assert!(out.starts_with("0.5 USD = "), "{out}");
}

#[test]
fn source_on_a_csv_with_its_own_source_column_is_a_usage_error() {
    let db = TempDb::new();
    let csv = db.dir.path().join("own-source.csv");
    fs::write(&csv, "timestamp,pair,rate,source\n2020-01-01,KZT/USD,0.0026,nbk\n").unwrap();
    let (code, _, err) = run(&db, &["ingest", "--source", "other", s(&csv)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("own-source.csv") && err.contains("--source") && err.contains("own 'source' column"), "{err}");
    assert!(!db.path.exists(), "nothing written");
    // Without --source its own column is used; a CSV without one takes --source.
    db.ok(&["ingest", s(&csv)]);
    let bare = db.dir.path().join("bare.csv");
    fs::write(&bare, "timestamp,pair,rate\n2020-01-02,KZT/USD,0.0027\n").unwrap();
    db.ok(&["ingest", "--source", "other", s(&bare)]);
    let rows = db.csv();
    assert!(
        rows.contains("2020-01-01T00:00:00Z,KZT/USD,0.0026,,nbk") && rows.contains("2020-01-02T00:00:00Z,KZT/USD,0.0027,,other"),
        "{rows}"
    );
}

#[test]
fn a_time_more_than_seven_days_ahead_is_refused() {
    let db = seeded();
    let before = db.csv();
    let explains = |err: &str| err.contains("more than 7 days after now") && err.contains("a day or three early");

    // --at on a page.
    let (code, _, err) = run(&db, &["ingest", "--at", "2030-01-01", s(&fixture("pages/001.txt"))]);
    assert_eq!(code, 1, "{err}");
    assert!(explains(&err) && err.contains("001.txt") && err.contains("2030-01-01T00:00:00Z"), "{err}");

    // A CSV row dated 2030: the input is refused whole, the line named.
    let csv = db.dir.path().join("future.csv");
    fs::write(&csv, "timestamp,pair,rate,source\n2025-12-01,KZT/USD,0.0019,x\n2030-01-01,KZT/USD,0.0018,x\n").unwrap();
    let (code, _, err) = run(&db, &["ingest", s(&csv)]);
    assert_eq!(code, 1, "{err}");
    assert!(explains(&err) && err.contains("future.csv") && err.contains("line 3"), "{err}");

    // A page whose date line is in 2030 (001.txt with its date line changed).
    let page = fs::read_to_string(fixture("pages/001.txt")).unwrap();
    assert!(page.contains("\n08 December 2025\n"));
    let future_page = db.dir.path().join("future-page.txt");
    fs::write(&future_page, page.replace("\n08 December 2025\n", "\n01 January 2030\n")).unwrap();
    let (code, _, err) = run(&db, &["ingest", s(&future_page)]);
    assert_eq!(code, 1, "{err}");
    assert!(explains(&err) && err.contains("future-page.txt"), "{err}");
    assert_eq!(db.csv(), before, "nothing stored from a refused input");

    // Two days ahead is what banks do: accepted.
    let soon = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d").to_string();
    let near = db.dir.path().join("near.csv");
    fs::write(&near, format!("timestamp,pair,rate,source\n{soon},KZT/USD,0.0019,x\n")).unwrap();
    db.ok(&["ingest", s(&near)]);
    assert!(db.csv().contains(&format!("{soon}T00:00:00Z,KZT/USD,0.0019,,x")));
}

#[test]
fn commands_that_open_no_database_do_not_offer_db() {
    let home = tempfile::tempdir().unwrap();
    let bin = || {
        let mut c = assert_cmd::Command::cargo_bin("fxsnap").unwrap();
        // No home folder, no XDG: these commands must not need one.
        c.env_remove("FXSNAP_DB").env_remove("HOME").env_remove("XDG_DATA_HOME");
        c
    };
    for sub in ["completions", "man"] {
        let out = bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(!help.contains("--db"), "`{sub} --help` offers --db:\n{help}");
    }
    let out = bin().args(["completions", "bash", "--db", s(&home.path().join("x.db"))]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "completions takes no --db");
    assert!(bin().args(["completions", "bash"]).output().unwrap().status.success());
    assert!(bin().arg("man").output().unwrap().status.success());
    assert_eq!(fs::read_dir(home.path()).unwrap().count(), 0);

    // The commands that open one offer it after the command, and FXSNAP_DB still works everywhere.
    let db = seeded();
    for sub in ["ingest", "latest", "history", "stats", "convert", "chart", "conflicts", "check"] {
        let help = String::from_utf8(bin().args([sub, "--help"]).output().unwrap().stdout).unwrap();
        assert!(help.contains("--db <PATH>"), "`{sub} --help` lacks --db:\n{help}");
    }
    let mut c = assert_cmd::Command::cargo_bin("fxsnap").unwrap();
    let via_env = c.env("FXSNAP_DB", &db.path).args(["history", "--format", "csv"]).output().unwrap();
    assert_eq!(String::from_utf8(via_env.stdout).unwrap(), db.csv());
    let after =
        assert_cmd::Command::cargo_bin("fxsnap").unwrap().env_remove("FXSNAP_DB").args(["check", "--db", s(&db.path)]).output().unwrap();
    assert!(after.status.success(), "{}", String::from_utf8_lossy(&after.stderr));
    // --db after the command wins over FXSNAP_DB.
    let missing = db.dir.path().join("missing.db");
    let out = assert_cmd::Command::cargo_bin("fxsnap")
        .unwrap()
        .env("FXSNAP_DB", &db.path)
        .args(["latest", "--db", s(&missing)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database at"));
    assert!(!missing.exists());
}

#[test]
fn every_time_option_describes_every_form_and_each_form_works() {
    let db = seeded();
    for (sub, opt) in [
        ("ingest", "--at"),
        ("latest", "--from"),
        ("history", "--from"),
        ("history", "--to"),
        ("stats", "--from"),
        ("conflicts", "--from"),
        ("chart", "--from"),
        ("convert", "--at"),
    ] {
        let help = String::from_utf8(db.cmd(&[sub, "--help"]).output().unwrap().stdout).unwrap();
        let text = option_help(&help, opt).unwrap_or_else(|| panic!("`{sub} --help` has no {opt}:\n{help}"));
        // --to says "the same forms as --from".
        let text = if text.contains("same forms as --from") { option_help(&help, "--from").unwrap() } else { text };
        for form in FORMS {
            assert!(text.contains(form), "`{sub} --help` {opt} does not mention {form}: {text}");
        }
    }
    // What the help promises parses.
    for t in ["2025-12-12", "2025-12-12T00:00:00Z", "2025-12-12T05:00:00+05:00", "now", "36h", "90d", "12w", "6m", "2y"] {
        let (code, _, err) = run(&db, &["history", "--to", t]);
        assert_eq!(code, 0, "--to {t}: {err}");
    }
    let (code, _, err) = run(&db, &["ingest", "--at", "36h", s(&fixture("pages/001.txt"))]);
    assert_eq!(code, 0, "ingest --at 36h: {err}");
    // --pair says lower case works, and it does.
    let help = String::from_utf8(db.cmd(&["latest", "--help"]).output().unwrap().stdout).unwrap();
    assert!(option_help(&help, "--pair").unwrap().contains("any case"));
    assert!(db.ok(&["latest", "--pair", "kzt/usd", "--format", "csv"]).contains("KZT/USD"));
    // --amount's help says positive; chart's sizes say their limits.
    let help = String::from_utf8(db.cmd(&["convert", "--help"]).output().unwrap().stdout).unwrap();
    assert!(help.contains("positive decimal number"), "{help}");
    let help = String::from_utf8(db.cmd(&["chart", "--help"]).output().unwrap().stdout).unwrap();
    assert!(option_help(&help, "--width").unwrap().contains("300 to 20000"), "{help}");
}

/// The help text of one option in `--help` output (its line and the indented
/// lines that follow, up to the next option).
fn option_help(help: &str, opt: &str) -> Option<String> {
    let mut lines = help.lines().skip_while(|l| !l.trim_start().starts_with(&format!("{opt} ")) && !l.contains(&format!(", {opt} ")));
    let first = lines.next()?;
    let mut text = first.to_string();
    for l in lines {
        let t = l.trim_start();
        if t.starts_with('-') || l.trim().is_empty() && text.len() > first.len() || !l.starts_with(' ') {
            break;
        }
        text.push(' ');
        text.push_str(t);
    }
    Some(text)
}
