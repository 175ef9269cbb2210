//! Issue 20: the README's crontab works as written. Each line of its
//! ```cron block is read as cron reads it (crontab(5): `NAME=value`
//! assignments; five time fields, then a command in which an unescaped `%`
//! ends the command and starts its standard input, and `\%` is a `%`), and
//! each command is run by `sh -c` in cron's environment, with fxsnap on the
//! crontab's PATH, a store in place of /var/lib/fxsnap, every source's origin
//! unreachable, and a `logger` that records what it is sent. Then: the fetch
//! line fails (the network is down) and reaches `|| logger`; the report is
//! written; the morning check passes on a store whose central banks all
//! published today, with the ticker and the NBU history of 2022 in it, and
//! on a store whose banks went quiet it exits 4 and reaches `logger`.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{data, s};

const README: &str = include_str!("../README.md");

/// One line of a crontab.
#[derive(Debug)]
enum CronLine {
    Env(String, String),
    Job { fields: Vec<String>, command: String },
}

/// The lines of the README's ```cron blocks (comments and blank lines left out).
fn crontab() -> Vec<CronLine> {
    let mut out = Vec::new();
    let mut in_cron = false;
    for line in README.lines() {
        if line.starts_with("```") {
            in_cron = !in_cron && line.trim_start_matches('`').trim() == "cron";
            continue;
        }
        let t = line.trim();
        if !in_cron || t.is_empty() || t.starts_with('#') {
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if let Some((name, _)) =
            first.split_once('=').filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            // `NAME=value` (the value is the rest of the line).
            let value = t[name.len() + 1..].trim().to_string();
            out.push(CronLine::Env(name.to_string(), value.trim_matches('"').to_string()));
            continue;
        }
        // Five fields, then the command as written (its inner spacing kept).
        let mut rest = t;
        let mut fields = Vec::new();
        for _ in 0..5 {
            let f = rest.split_whitespace().next().unwrap_or_else(|| panic!("a crontab line with fewer than 5 fields: {t}"));
            fields.push(f.to_string());
            rest = rest[rest.find(f).unwrap() + f.len()..].trim_start();
        }
        out.push(CronLine::Job { fields, command: rest.to_string() });
    }
    out
}

/// Whether a time field is one cron accepts: `*`, numbers in range, ranges,
/// steps and lists (month and day names too).
fn valid_field(f: &str, lo: u32, hi: u32, names: &[&str]) -> bool {
    let value = |v: &str| -> Option<u32> {
        if let Ok(n) = v.parse::<u32>() {
            return (lo..=hi).contains(&n).then_some(n);
        }
        names.iter().position(|n| n.eq_ignore_ascii_case(v)).map(|i| i as u32 + lo)
    };
    f.split(',').all(|item| {
        let (range, step) = match item.split_once('/') {
            Some((r, st)) => (r, Some(st)),
            None => (item, None),
        };
        let step_ok = step.is_none_or(|st| st.parse::<u32>().is_ok_and(|n| n > 0));
        let range_ok = range == "*"
            || match range.split_once('-') {
                Some((a, b)) => matches!((value(a), value(b)), (Some(a), Some(b)) if a <= b),
                None => value(range).is_some(),
            };
        step_ok && range_ok
    })
}

fn valid_schedule(fields: &[String]) -> bool {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    valid_field(&fields[0], 0, 59, &[])
        && valid_field(&fields[1], 0, 23, &[])
        && valid_field(&fields[2], 1, 31, &[])
        && valid_field(&fields[3], 1, 12, &MONTHS)
        && valid_field(&fields[4], 0, 7, &DAYS)
}

/// Cron's `%` rule: `\%` is a `%`; the first unescaped `%` ends the command,
/// and what follows is its standard input, each further `%` a newline.
fn cron_command(command: &str) -> (String, Option<String>) {
    let mut cmd = String::new();
    let mut stdin: Option<String> = None;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        let target = stdin.as_mut().unwrap_or(&mut cmd);
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                chars.next();
                target.push('%');
            }
            '%' => match &mut stdin {
                Some(i) => i.push('\n'),
                None => stdin = Some(String::new()),
            },
            c => target.push(c),
        }
    }
    (cmd, stdin)
}

#[test]
fn cron_rules_as_crontab5_says() {
    assert_eq!(cron_command("check --max-move 5\\% || logger x"), ("check --max-move 5% || logger x".into(), None));
    assert_eq!(cron_command("check --max-move 5% || logger x"), ("check --max-move 5".into(), Some(" || logger x".into())));
    assert_eq!(cron_command("mail%a%b"), ("mail".into(), Some("a\nb".into())));
    assert!(valid_schedule(&["7", "*", "*", "*", "*"].map(String::from)));
    assert!(valid_schedule(&["*/15", "6-18", "1,15", "jan-jun", "mon-fri"].map(String::from)));
    assert!(!valid_schedule(&["60", "*", "*", "*", "*"].map(String::from)));
    assert!(!valid_schedule(&["7", "24", "*", "*", "*"].map(String::from)));
    assert!(!valid_schedule(&["fxsnap", "*", "*", "*", "*"].map(String::from)));
}

/// A folder standing for the machine: a bin folder with fxsnap and a
/// recording `logger`, /var inside it, the log of what ran.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new() -> Machine {
        let m = Machine { dir: tempfile::tempdir().unwrap() };
        fs::create_dir_all(m.bin()).unwrap();
        let real = assert_cmd::cargo::cargo_bin("fxsnap");
        // fxsnap, recording its exit code (the line's own status is logger's).
        m.script(
            "fxsnap",
            &format!("#!/bin/sh\n'{}' \"$@\"\nrc=$?\nprintf '%s %s\\n' \"$rc\" \"$*\" >> '{}'\nexit $rc\n", s(&real), s(&m.log("fxsnap"))),
        );
        // logger: its arguments, and standard input when no message is given.
        m.script(
            "logger",
            &format!("#!/bin/sh\n{{ printf 'logger %s\\n' \"$*\"; if [ $# -le 2 ]; then cat; fi; }} >> '{}'\n", s(&m.log("logger"))),
        );
        m
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn bin(&self) -> PathBuf {
        self.root().join("usr-local-bin")
    }

    fn log(&self, name: &str) -> PathBuf {
        self.root().join(format!("{name}.log"))
    }

    fn read_log(&self, name: &str) -> String {
        fs::read_to_string(self.log(name)).unwrap_or_default()
    }

    fn clear_logs(&self) {
        let _ = fs::remove_file(self.log("fxsnap"));
        let _ = fs::remove_file(self.log("logger"));
    }

    fn script(&self, name: &str, text: &str) {
        let p = self.bin().join(name);
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A system path of the crontab, inside the machine's folder; its
    /// folder made as an administrator would (`mkdir -p /var/lib/fxsnap`).
    fn path(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("/var/") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(|c: char| c.is_whitespace() || c == '"' || c == '\'').map_or(rest.len(), |e| i + e);
            let local = format!("{}{}", s(self.root()), &rest[i..end]);
            let dir = if local.ends_with('/') { PathBuf::from(&local) } else { Path::new(&local).parent().unwrap().to_path_buf() };
            fs::create_dir_all(dir).unwrap();
            out.push_str(&local);
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    /// Runs one job as cron would: `sh -c COMMAND` with cron's environment
    /// and the crontab's assignments, standard input from after a `%`.
    fn run_job(&self, env: &[(String, String)], command: &str) {
        let (cmd, stdin) = cron_command(command);
        let mut c = Command::new("/bin/sh");
        c.env_clear()
            .env("HOME", self.root())
            .env("LOGNAME", "fxsnap")
            .env("SHELL", "/bin/sh")
            .env("PATH", "/usr/bin:/bin")
            .env("XDG_CONFIG_HOME", self.root().join("config"))
            .current_dir(self.root());
        for (name, value) in env {
            let value = if name == "PATH" { format!("{}:{value}", s(&self.bin())) } else { self.path(value) };
            c.env(name, value);
        }
        // The network is down: every source's origin refuses connections.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        for source in ["TIMESCA", "NBK", "NBKR", "CBU", "NBT", "CBT", "CBR"] {
            c.env(format!("FXSNAP_{source}_ORIGIN"), format!("http://127.0.0.1:{port}"));
        }
        c.arg("-c").arg(self.path(&cmd));
        c.stdin(match stdin {
            Some(text) => {
                let f = self.root().join("stdin");
                fs::write(&f, text).unwrap();
                fs::File::open(f).unwrap().into()
            }
            None => std::process::Stdio::null(),
        });
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // The shell found every program the line names; fxsnap did not panic.
        let shell_error = err.lines().any(|l| l.starts_with("/bin/sh:") || l.starts_with("sh:"));
        assert!(!err.contains("panicked") && !shell_error, "`{cmd}`: {err}");
    }

    /// The exit codes fxsnap returned, with its arguments.
    fn fxsnap_runs(&self) -> Vec<(i32, String)> {
        self.read_log("fxsnap").lines().map(|l| l.split_once(' ').map(|(c, a)| (c.parse().unwrap(), a.to_string())).unwrap()).collect()
    }

    fn db(&self, env: &[(String, String)]) -> PathBuf {
        let db = env.iter().find(|(n, _)| n == "FXSNAP_DB").map(|(_, v)| self.path(v)).expect("the crontab sets FXSNAP_DB");
        PathBuf::from(db)
    }

    fn fxsnap(&self, db: &Path, args: &[&str]) -> String {
        let out = Command::new(assert_cmd::cargo::cargo_bin("fxsnap"))
            .env_remove("FXSNAP_CONFIG")
            .env("XDG_CONFIG_HOME", self.root().join("config"))
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

/// The subcommand of an fxsnap command line (`check`), if it runs fxsnap.
fn subcommand(cmd: &str) -> Option<&str> {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let i = words.iter().position(|w| *w == "fxsnap")?;
    words[i + 1..].iter().find(|w| !w.starts_with('-')).copied()
}

/// Every official series of the store, published again today.
fn published_today(m: &Machine, db: &Path) -> PathBuf {
    let csv = m.fxsnap(db, &["history", "--pair", "all", "--source", "official", "--format", "csv"]);
    let path = m.root().join("today.csv");
    fs::write(&path, common::restamped_today(&csv)).unwrap();
    path
}

#[test]
fn every_crontab_line_of_the_readme_works_as_written() {
    let lines = crontab();
    let env: Vec<(String, String)> =
        lines.iter().filter_map(|l| if let CronLine::Env(n, v) = l { Some((n.clone(), v.clone())) } else { None }).collect();
    let jobs: Vec<(&Vec<String>, &String)> =
        lines.iter().filter_map(|l| if let CronLine::Job { fields, command } = l { Some((fields, command)) } else { None }).collect();
    assert!(jobs.len() >= 3, "the README's crontab: {lines:?}");
    for (fields, command) in &jobs {
        assert!(valid_schedule(fields), "not a cron schedule: {fields:?} {command}");
        let (cmd, stdin) = cron_command(command);
        assert!(stdin.is_none(), "cron would cut `{command}` at its `%` and run `{cmd}` (write \\% for a %)");
        assert!(subcommand(&cmd).is_some(), "a crontab line that does not run fxsnap: {command}");
    }
    let check = jobs.iter().find(|(_, c)| subcommand(c) == Some("check")).expect("a check line");
    let check_command = check.1.as_str();
    assert!(check_command.contains("|| logger"), "a failed check reaches logger: {check_command}");

    let m = Machine::new();
    let db = m.db(&env);
    m.path(s(&db));
    // The store of the quick start: the ticker, the NBU history (ended in 2022), the banks' documents.
    m.fxsnap(&db, &["ingest", "-q", s(&data("pages")), s(&data("history")), s(&data("feeds"))]);

    // The banks have not published for months: the morning check exits 4 and reaches logger.
    m.run_job(&env, check_command);
    let runs = m.fxsnap_runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].0, 4, "check on a store whose banks went quiet: {runs:?}");
    let logged = m.read_log("logger");
    assert!(logged.contains("check: exit 4"), "logger was not reached: {logged:?}");

    // Every bank published today: every line, as cron runs them.
    let today = published_today(&m, &db);
    m.fxsnap(&db, &["ingest", "-q", s(&today)]);
    m.clear_logs();
    for (_, command) in &jobs {
        m.run_job(&env, command);
    }
    let runs = m.fxsnap_runs();
    let logged = m.read_log("logger");
    assert_eq!(runs.len(), jobs.len(), "each line ran fxsnap once: {runs:?}");
    for ((_, command), (code, args)) in jobs.iter().zip(&runs) {
        match subcommand(command) {
            // The network is down: a fetch fails, and says so through logger.
            Some("fetch") => {
                assert_eq!(*code, 1, "`{args}`");
                if command.contains("|| logger") {
                    assert!(logged.contains("exit 1"), "a failed fetch reaches logger: {logged:?}");
                }
            }
            Some("check") => assert_eq!(*code, 0, "the banks all published today: `{args}`"),
            _ => assert_eq!(*code, 0, "`{args}`"),
        }
    }
    assert!(!logged.contains("check:"), "a check that passed does not alert: {logged:?}");
    for (_, command) in &jobs {
        if subcommand(command) == Some("report") {
            let dir = command.split_whitespace().skip_while(|w| *w != "-o").nth(1).expect("report -o DIR");
            assert!(Path::new(&m.path(dir)).join("index.html").is_file(), "the report of `{command}`");
        }
    }
}
