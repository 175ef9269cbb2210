//! Issue 20, the configuration file (DESIGN "Configuration", v3) and the
//! `official` source group, through the real binary: what the file says is
//! used, the command line wins over the environment, which wins over the
//! file, which wins over the defaults; `fxsnap config` says where each
//! setting came from; a mistake in the file names the file, the line and
//! the key, exits 2 and writes nothing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{data, s, TempDb};

/// fxsnap with no `--db`, no FXSNAP_* and a config home of the test's own.
fn bare(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("fxsnap").expect("binary");
    c.env_remove("FXSNAP_DB")
        .env_remove("FXSNAP_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("config-home"))
        .env("XDG_DATA_HOME", dir.join("data-home"))
        .current_dir(dir);
    c
}

/// Runs and returns (exit code, stdout, stderr).
fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().expect("run");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap();
    p
}

/// A store with the banks' bundled documents and two ticker pages.
fn store() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("feeds")), s(&data("pages/001.txt")), s(&data("pages/002.txt"))]);
    db
}

/// The `fxsnap config` row of one setting: (value, from).
fn setting(out: &str, name: &str) -> (String, String) {
    let line = out.lines().find(|l| l.split_whitespace().next() == Some(name)).unwrap_or_else(|| panic!("no {name} in:\n{out}"));
    let rest: Vec<&str> = line.split("  ").map(str::trim).filter(|p| !p.is_empty()).collect();
    (rest[1].to_string(), rest[2..].join(" "))
}

#[test]
fn config_shows_each_setting_and_where_it_came_from() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Nothing anywhere: the defaults.
    let (code, out, err) = run({
        let mut c = bare(dir);
        c.arg("config");
        c
    });
    assert_eq!(code, 0, "{err}");
    assert_eq!(setting(&out, "db"), (s(&dir.join("data-home/fxsnap/rates.db")).to_string(), "default".into()));
    assert_eq!(setting(&out, "defaults.source"), ("all".into(), "default".into()));
    assert_eq!(setting(&out, "serve.prefer"), ("nbk,nbkr,cbu,nbt,cbt,cbr".into(), "default".into()));
    assert!(setting(&out, "config").0.contains("does not exist"), "{out}");

    // The file at the default location.
    let file = write(
        dir,
        "config-home/fxsnap/config.toml",
        "db = \"/srv/fx/rates.db\"\n[defaults]\nsource = [\"official\"]\ninvert = true\ntheme = \"dark\"\n[serve]\nlisten = \"[::]:9090\"\n[check]\nmax_age = \"2d\"\nmax_move = \"5%\"\n",
    );
    let f = s(&file).to_string();
    let mut c = bare(dir);
    c.arg("config");
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(setting(&out, "config"), (f.clone(), "default location".into()));
    assert_eq!(setting(&out, "db"), ("/srv/fx/rates.db".into(), format!("{f} line 1")));
    assert_eq!(setting(&out, "defaults.source"), ("official".into(), format!("{f} line 3")));
    assert_eq!(setting(&out, "defaults.invert"), ("true".into(), format!("{f} line 4")));
    assert_eq!(setting(&out, "defaults.cross"), ("false".into(), "default".into()));
    assert_eq!(setting(&out, "defaults.theme"), ("dark".into(), format!("{f} line 5")));
    assert_eq!(setting(&out, "serve.listen"), ("[::]:9090".into(), format!("{f} line 7")));
    assert_eq!(setting(&out, "check.max_move"), ("5%".into(), format!("{f} line 10")));

    // The environment wins over the file, the command line over both.
    let mut c = bare(dir);
    c.env("FXSNAP_DB", "/env/rates.db").arg("config");
    let (_, out, _) = run(c);
    assert_eq!(setting(&out, "db"), ("/env/rates.db".into(), "environment (FXSNAP_DB)".into()));
    for argv in [&["--db", "/cli/rates.db", "config"][..], &["config", "--db", "/cli/rates.db"]] {
        let mut c = bare(dir);
        c.env("FXSNAP_DB", "/env/rates.db").args(argv);
        let (_, out, _) = run(c);
        assert_eq!(setting(&out, "db"), ("/cli/rates.db".into(), "command line (--db)".into()), "{argv:?}");
    }

    // FXSNAP_CONFIG names another file; --config wins over it.
    let other = write(dir, "other.toml", "[defaults]\npair = \"KZT\"\n");
    let third = write(dir, "third.toml", "[defaults]\ncross = true\n");
    let mut c = bare(dir);
    c.env("FXSNAP_CONFIG", &other).arg("config");
    let (_, out, _) = run(c);
    assert_eq!(setting(&out, "config"), (s(&other).to_string(), "environment (FXSNAP_CONFIG)".into()));
    assert_eq!(setting(&out, "defaults.pair"), ("KZT".into(), format!("{} line 2", s(&other))));
    // The file at the default location is not read when another is named.
    assert_eq!(setting(&out, "defaults.source").1, "default");
    let mut c = bare(dir);
    c.env("FXSNAP_CONFIG", &other).args(["--config", s(&third), "config"]);
    let (_, out, _) = run(c);
    assert_eq!(setting(&out, "config"), (s(&third).to_string(), "command line (--config)".into()));
    assert_eq!(setting(&out, "defaults.cross").0, "true");
    assert_eq!(setting(&out, "defaults.pair").1, "default");
}

#[test]
fn the_files_defaults_apply_and_the_command_line_wins() {
    let db = store();
    let dir = db.dir.path();
    let with_config = |args: &[&str], config: &Path| {
        let out = db.cmd(&["--config", s(config)]).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let config = write(dir, "fx.toml", "[defaults]\nsource = [\"official\"]\ninvert = true\ncross = true\npair = [\"KZT\", \"KGS\"]\n");
    let by_file = with_config(&["latest", "--format", "csv"], &config);
    let typed = db.ok(&["latest", "--format", "csv", "--source", "official", "--invert", "--cross", "--pair", "KZT,KGS"]);
    assert_eq!(by_file, typed);
    assert!(by_file.lines().count() > 2, "{by_file}");
    assert!(by_file.lines().skip(1).all(|l| l.contains(",USD/K")), "inverted and only the pairs asked: {by_file}");
    assert!(!by_file.contains("timesca"), "the ticker is not an official source: {by_file}");
    // The command line wins over each setting of the file.
    let mine = with_config(&["latest", "--format", "csv", "--source", "timesca", "--no-invert", "--no-cross", "--pair", "UZS"], &config);
    assert_eq!(mine, db.ok(&["latest", "--format", "csv", "--source", "timesca", "--pair", "UZS"]));
    assert!(mine.contains("UZS/USD") && mine.contains("timesca"), "{mine}");
    // `--source all` undoes a default source.
    let all = with_config(&["latest", "--format", "csv", "--source", "all", "--no-cross"], &config);
    assert_eq!(all, db.ok(&["latest", "--format", "csv", "--invert", "--pair", "KZT,KGS"]));
    assert!(all.contains("timesca"), "{all}");

    // [defaults] theme: the chart as --theme dark draws it.
    let dark = write(dir, "dark.toml", "[defaults]\ntheme = \"dark\"\n");
    let (a, b, c) = (dir.join("a.svg"), dir.join("b.svg"), dir.join("c.svg"));
    // One caption time for the three (SOURCE_DATE_EPOCH), so only the theme may differ.
    let chart = |args: &[&str]| db.cmd(args).env("SOURCE_DATE_EPOCH", "1780000000").assert().success();
    chart(&["--config", s(&dark), "chart", "-o", s(&a)]);
    chart(&["chart", "-o", s(&b), "--theme", "dark"]);
    chart(&["chart", "-o", s(&c)]);
    let (a, b, c) = (fs::read(a).unwrap(), fs::read(b).unwrap(), fs::read(c).unwrap());
    assert!(a == b, "the config's theme draws the chart --theme dark draws");
    assert!(a != c, "and not the light one");

    // The file's db, relative to the file's folder; FXSNAP_DB wins over it.
    let local = write(dir, "sub/fx.toml", "db = \"../rates.db\"\n");
    let tmp = tempfile::tempdir().unwrap();
    let mut c = bare(tmp.path());
    c.args(["--config", s(&local), "latest", "--format", "csv"]);
    let (code, out, err) = run(c);
    assert_eq!((code, out), (0, db.ok(&["latest", "--format", "csv"])), "{err}");
    let mut c = bare(tmp.path());
    c.env("FXSNAP_DB", dir.join("nothing.db")).args(["--config", s(&local), "latest"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing.db"), "{err}");
}

/// A store with a 6% move of KZT/USD from nbk on the last day.
fn moved_store() -> TempDb {
    let db = TempDb::new();
    let now = chrono::Utc::now().date_naive();
    let d = |n: i64| (now - chrono::Duration::days(n)).format("%Y-%m-%d").to_string();
    let csv = format!("timestamp,pair,rate,source\n{},USD/KZT,500.00,nbk\n{},USD/KZT,530.00,nbk\n", d(2), d(1));
    let f = write(db.dir.path(), "moves.csv", &csv);
    db.ok(&["ingest", "-q", s(&f)]);
    db
}

#[test]
fn the_files_check_limits_apply_and_the_command_line_wins() {
    let db = moved_store();
    let config = write(db.dir.path(), "fx.toml", "[check]\nmax_move = \"5%\"\n");
    let (code, _, err) = run(db.cmd(&["--config", s(&config), "check", "--pair", "KZT"]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("--max-move 5%"), "{err}");
    let (code, _, err) = run(db.cmd(&["--config", s(&config), "check", "--pair", "KZT", "--max-move", "10%"]));
    assert_eq!(code, 0, "{err}");
    // Without the file, check has no limits.
    let (code, _, err) = run(db.cmd(&["check", "--pair", "KZT"]));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_mistake_in_the_file_names_the_file_the_line_and_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let page = data("pages/001.txt");
    let cases: &[(&str, &str)] = &[
        ("db = \"x.db\"\n[defaults]\nsources = [\"nbk\"]\n", "line 3: defaults.sources: unknown field `sources`"),
        ("[defaults]\n\ninvert = \"yes\"\n", "line 3: defaults.invert: invalid type: string \"yes\", expected a boolean"),
        ("[defaults]\npair = 7\n", "line 2: defaults.pair: invalid type: integer `7`, expected a string or an array of strings"),
        ("[defaults]\npair = [\"KZT\", 7]\n", "line 2: defaults.pair:"),
        ("[charts]\nwidth = 3\n", "line 1: charts: unknown field `charts`"),
        ("db = 3\n", "line 1: db: invalid type: integer `3`, expected a string"),
        ("[defaults]\ntheme = \"blue\"\n", "line 2: defaults.theme: blue: expected light or dark"),
        ("[defaults]\nsource = \"nbk,no good\"\n", "line 2: defaults.source: 'no good' is not a source label"),
        ("[defaults]\npair = \"KZT/XX\"\n", "line 2: defaults.pair:"),
        ("[check]\nmax_age = \"2 days\"\n", "line 2: check.max_age:"),
        ("[check]\n\nmax_move = \"-5%\"\n", "line 3: check.max_move: expected a positive percentage"),
        ("[serve]\nlisten = [\"localhost\"]\n", "line 2: serve.listen: localhost: expected an address and port"),
        ("[serve]\nprefer = [\"nbk\", \"x y\"]\n", "line 2: serve.prefer:"),
        ("[defaults\nsource = 1\n", "line 1:"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let file = write(dir, &format!("bad{i}.toml"), text);
        let db = dir.join(format!("never{i}.db"));
        let mut c = bare(dir);
        c.args(["--config", s(&file), "--db", s(&db), "ingest", s(&page)]);
        let (code, out, err) = run(c);
        assert_eq!(code, 2, "{text:?}: {err}");
        let want = format!("fxsnap: config file {} {expected}", s(&file));
        assert!(err.starts_with(&want), "{text:?}:\n got {err}\nwant {want}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(out.is_empty() && !db.exists(), "{text:?}: nothing written");
    }
    // A file named on purpose must exist; the default location need not.
    let mut c = bare(dir);
    c.args(["--config", "missing.toml", "config"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert_eq!(err, "fxsnap: config file missing.toml does not exist (named by --config)\n");
    let mut c = bare(dir);
    c.env("FXSNAP_CONFIG", "gone.toml").arg("config");
    let (code, _, err) = run(c);
    assert_eq!((code, err.as_str()), (2, "fxsnap: config file gone.toml does not exist (named by FXSNAP_CONFIG)\n"));
    // A broken file does not stop the commands that use no settings.
    let broken = write(dir, "config-home/fxsnap/config.toml", "nonsense = 1\n");
    let mut c = bare(dir);
    c.arg("man");
    assert_eq!(run(c).0, 0);
    let mut c = bare(dir);
    c.arg("config");
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("config file {} line 1: nonsense: unknown field", s(&broken))), "{err}");
}

#[test]
fn official_is_the_six_central_banks_everywhere_a_selection_is_parsed() {
    let db = store();
    let official = ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"];
    let rows = db.ok(&["history", "--pair", "all", "--source", "OFFICIAL", "--format", "csv"]);
    let sources: std::collections::BTreeSet<&str> = rows.lines().skip(1).map(|l| l.split(',').nth(4).unwrap()).collect();
    assert_eq!(sources.into_iter().collect::<Vec<_>>(), ["cbr", "cbt", "cbu", "nbk", "nbkr", "nbt"]);
    let each = official.iter().map(|s| format!("--source={s}")).collect::<Vec<_>>();
    let mut argv = vec!["history", "--pair", "all", "--format", "csv"];
    argv.extend(each.iter().map(String::as_str));
    assert_eq!(rows, db.ok(&argv));
    // stats, chart, check and delete take it too.
    let stats = db.ok(&["stats", "--source", "official", "--pair", "all", "--format", "csv"]);
    assert!(stats.lines().count() > 10 && !stats.contains("timesca"), "{stats}");
    db.ok(&["chart", "-o", s(&db.dir.path().join("o.svg")), "--source", "official", "--pair", "KZT", "--cross"]);
    db.ok(&["check", "--source", "official"]);
    let out = db.cmd(&["delete", "--dry-run", "--source", "official"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        db.ok(&["history", "--pair", "all", "--source", "official", "--format", "csv"]).replace("\r", "")
    );

    // A store with some of the six: the others are not asked for.
    let ticker_and_nbk = TempDb::new();
    ticker_and_nbk.ok(&["ingest", "-q", s(&data("pages/001.txt")), s(&data("feeds/nbk-2026-04-01.xml"))]);
    let rows = ticker_and_nbk.ok(&["latest", "--source", "official", "--pair", "all", "--format", "csv"]);
    assert!(rows.lines().skip(1).all(|l| l.split(',').nth(4) == Some("nbk")) && rows.lines().count() > 2, "{rows}");
    // ...but a bank named on its own must be there.
    let out = ticker_and_nbk.cmd(&["latest", "--source", "official,cbr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no observations from source 'cbr' in the store (it has: nbk, timesca)"));
    // A store with none of the six says so.
    let ticker = TempDb::new();
    ticker.ok(&["ingest", "-q", s(&data("pages/001.txt"))]);
    for argv in [&["latest", "--source", "official"][..], &["delete", "--source", "official"]] {
        let out = ticker.cmd(argv).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{argv:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "fxsnap: no observations from any official source (nbk, nbkr, cbu, nbt, cbt, cbr) in the store (it has: timesca)\n"
        );
    }
    // `all` stands alone.
    let out = ticker.cmd(&["latest", "--source", "all,nbk"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The README's example file is one fxsnap reads.
#[test]
fn the_readmes_example_file_is_valid() {
    let readme = include_str!("../README.md");
    let start = readme.find("```toml\n").expect("a toml block in README.md") + "```toml\n".len();
    let text = &readme[start..start + readme[start..].find("```").unwrap()];
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "config.toml", text);
    let mut c = bare(tmp.path());
    c.args(["--config", s(&file), "config"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(setting(&out, "defaults.source").0, "official");
    assert_eq!(setting(&out, "check.max_move").0, "5%");
}

/// A started `fxsnap serve`, stopped when dropped (also on a failed assertion).
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `fxsnap ARGS` (a serve) and returns it with the first line it prints.
fn serve(dir: &Path, args: &[&str]) -> (Serving, String) {
    use std::io::BufRead;
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("fxsnap"));
    c.env_remove("FXSNAP_DB").env_remove("FXSNAP_CONFIG").env("XDG_CONFIG_HOME", dir.join("config-home")).args(args);
    let mut child = Serving(c.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).spawn().expect("serve"));
    let out = child.0.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(out).read_line(&mut line).expect("the address line");
    (child, line)
}

#[test]
fn serve_listens_where_the_file_says_unless_told_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let file = write(dir, "fx.toml", &format!("[serve]\nlisten = \"127.0.0.1:{port}\"\nprefer = [\"official\"]\n"));
    let db = dir.join("rates.db");
    let (_server, line) = serve(dir, &["--config", s(&file), "--db", s(&db), "serve"]);
    assert_eq!(line, format!("fxsnap: serving http://127.0.0.1:{port}/\n"));
    let (_other, line) = serve(dir, &["--config", s(&file), "--db", s(&db), "serve", "--listen", "127.0.0.1:0"]);
    assert!(line.starts_with("fxsnap: serving http://127.0.0.1:") && !line.contains(&format!(":{port}/")), "--listen wins: {line}");
}
