//! Issue 20: a closed standard output is success, in every command
//! (DESIGN "Exit codes"; `fxsnap fetch --from 2020-01-01 --dry-run | head -5`
//! used to panic with exit 101). Each command runs twice on the bundled
//! data: once into a pipe nobody reads (its read end closed before fxsnap
//! starts, so the first write already fails), and once into a reader that
//! takes the first line and closes, as `| head -1` does. Either way: exit 0,
//! and nothing about a panic or a broken pipe on standard error.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{data, s, TempDb};

/// How the output pipe is closed.
#[derive(Clone, Copy, Debug)]
enum Closed {
    /// Before fxsnap writes anything.
    AtOnce,
    /// After the first line, as `head -1` does.
    AfterFirstLine,
}

/// Runs fxsnap with `args` into a pipe closed as `how`; returns (exit code, stderr).
fn run_closed(db: &TempDb, args: &[&str], how: Closed) -> (Option<i32>, String) {
    // A std Command (assert_cmd's collects output; these tests close it), set up as TempDb::cmd.
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("fxsnap"));
    cmd.env_remove("FXSNAP_DB").env_remove("FXSNAP_CONFIG").env("XDG_CONFIG_HOME", db.dir.path().join("config-home"));
    cmd.arg("--db").arg(&db.path).args(args);
    cmd.env("FXSNAP_TIMESCA_ORIGIN", "http://127.0.0.1:9").stdin(Stdio::null()).stderr(Stdio::piped());
    match how {
        Closed::AtOnce => {
            let (reader, writer) = std::io::pipe().expect("pipe");
            drop(reader);
            cmd.stdout(Stdio::from(writer));
            let out = cmd.output().expect("run");
            (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
        }
        Closed::AfterFirstLine => {
            cmd.stdout(Stdio::piped());
            let mut child = cmd.spawn().expect("spawn");
            let mut stderr = child.stderr.take().expect("stderr");
            // Standard error is read on its own thread so a chatty command cannot block on it.
            let err = std::thread::spawn(move || {
                let mut s = String::new();
                let _ = stderr.read_to_string(&mut s);
                s
            });
            {
                let mut first = String::new();
                let mut out = BufReader::new(child.stdout.take().expect("stdout"));
                let _ = out.read_line(&mut first);
                // `out` is dropped here: the pipe is closed after one line.
            }
            let status = child.wait().expect("wait");
            (status.code(), err.join().expect("stderr thread"))
        }
    }
}

fn assert_quiet_success(db: &TempDb, args: &[&str]) {
    for how in [Closed::AtOnce, Closed::AfterFirstLine] {
        let (code, err) = run_closed(db, args, how);
        assert_eq!(code, Some(0), "fxsnap {args:?} into a pipe closed {how:?} exited {code:?}: {err}");
        for bad in ["panicked", "Broken pipe", "broken pipe", "os error 32"] {
            assert!(!err.contains(bad), "fxsnap {args:?} ({how:?}) printed {bad:?}: {err}");
        }
    }
}

#[test]
fn every_command_into_a_closed_pipe_ends_quietly_with_exit_0() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history")), s(&data("feeds"))]);
    let out = db.dir.path().join("out");
    let chart = out.join("c.png");
    let report = out.join("report");
    let pages = data("pages");
    let pages = s(&pages);
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["ingest", "--dry-run", "-v", pages],
        vec!["ingest", "--dry-run", pages],
        vec!["ingest", "-q", pages],
        vec!["ingest", pages],
        vec!["history", "--pair", "all", "--format", "ledger"],
        vec!["history", "--pair", "all", "--format", "beancount"],
        vec!["convert", "1000", "KZT", "UZS"],
        vec!["convert", "1000", "KZT", "UZS", "--format", "json"],
        vec!["inputs", "--failed"],
        vec!["check"],
        vec!["check", "--source", "official", "--max-move", "50%"],
        vec!["chart", "-o", s(&chart)],
        vec!["report", "-o", s(&report)],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["man"],
        vec!["config"],
        vec!["--help"],
        vec!["history", "--help"],
        vec!["--version"],
        vec!["fetch", "--dry-run"],
        vec!["fetch", "--dry-run", "--from", "2020-01-01"],
        vec!["delete", "--dry-run", "--source", "nbu"],
    ];
    let formats = ["table", "csv", "json", "jsonl"];
    for command in ["latest", "history", "stats", "conflicts", "inputs"] {
        for f in formats {
            commands.push(vec![command, "--format", f]);
        }
    }
    for f in formats {
        // The largest outputs: far more than a pipe's buffer.
        commands.push(vec!["history", "--pair", "all", "--format", f]);
        commands.push(vec!["stats", "--pair", "all", "--cross", "--format", f]);
    }
    std::fs::create_dir_all(&out).unwrap();
    for args in &commands {
        assert_quiet_success(&db, args);
    }
}

/// `delete` writes the rows it removes before removing them: when they
/// cannot all be written, it deletes nothing and says so (exit 1, no panic).
#[test]
fn delete_into_a_closed_pipe_deletes_nothing_and_says_why() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("history"))]);
    let before = db.csv();
    for how in [Closed::AtOnce, Closed::AfterFirstLine] {
        let (code, err) = run_closed(&db, &["delete", "--source", "nbu"], how);
        assert_eq!(code, Some(1), "{how:?}: {err}");
        assert_eq!(err, "fxsnap: standard output was closed before every removed row was written out: nothing deleted\n", "{how:?}");
        assert!(db.csv() == before, "{how:?}: nothing deleted");
    }
}
