//! The README is a user's page: under 260 lines, and every `fxsnap`
//! command in its code blocks runs, here, on the quick start's data.
//! Network and system paths are the only things changed: `fetch` runs with
//! `--dry-run` (it prints the URLs it would ask and touches nothing), and
//! `/var/...` paths point into a temporary folder.

mod common;

use std::fs;

use common::{data, s, TempDb};

const README: &str = include_str!("../README.md");

/// The `fxsnap …` part of a shell or crontab line: up to a pipe, `||`,
/// a redirection or a comment.
fn fxsnap_command(line: &str) -> Option<String> {
    let start = line.find("fxsnap ")?;
    let rest = &line[start + "fxsnap ".len()..];
    let end = [" ||", " |", " >", " 2>", " #", " &&"].iter().filter_map(|m| rest.find(m)).min().unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

/// The file a command's standard output is redirected to (`> removed.csv`).
fn redirect(part: &str) -> Option<String> {
    let (_, after) = part.split_once(" > ")?;
    after.split_whitespace().next().map(str::to_string)
}

/// Every command line of the README's code blocks (shell and crontab),
/// with `cargo run --release --` read as `fxsnap`, and where its output goes.
fn readme_commands() -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut cron = false;
    for line in README.lines() {
        if line.starts_with("```") {
            in_block = !in_block && (line.contains("sh") || line.contains("cron"));
            cron = in_block && line.contains("cron");
            continue;
        }
        if !in_block || line.trim_start().starts_with('#') {
            continue;
        }
        // In a crontab `\%` is a `%` (tests/cron.rs runs these lines as cron would).
        let line = if cron { line.replace("\\%", "%") } else { line.to_string() };
        let line = line.as_str();
        // An end-of-line comment is not part of the command.
        let line = line.split(" # ").next().unwrap_or(line);
        let line = line.replace("cargo run --release -- ", "fxsnap ");
        // `a && b`: both halves are commands.
        for part in line.split(" && ") {
            if let Some(c) = fxsnap_command(part) {
                out.push((c, redirect(part)));
            }
        }
    }
    out
}

/// Splits a command line like a shell would for these simple lines
/// (words, single or double quotes).
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in cmd.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, ' ') => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn the_readme_is_short() {
    let n = README.lines().count();
    assert!(n < 260, "README.md has {n} lines: keep it a user's page (contributor material goes to docs/)");
}

#[test]
fn every_command_in_the_readme_runs() {
    let db = TempDb::new();
    let tmp = db.dir.path();
    let commands = readme_commands();
    assert!(commands.len() >= 15, "found only {} commands in README.md: {commands:?}", commands.len());
    let mut ran = 0;
    for (cmd, to_file) in &commands {
        let mut args: Vec<String> = words(cmd)
            .into_iter()
            .map(|w| {
                // Repository paths are the project's; system paths the test's own.
                if let Some(rest) = w.strip_prefix("data/") {
                    s(&data(rest)).to_string()
                } else if let Some(rest) = w.strip_prefix("/var/") {
                    s(&tmp.join(rest.replace('/', "_"))).to_string()
                } else {
                    w
                }
            })
            .collect();
        let Some(first) = args.first().cloned() else { continue };
        if first == "fetch" {
            args.push("--dry-run".into());
        }
        if first == "chart" || first == "report" {
            // Outputs land in the temporary folder.
            if let Some(i) = args.iter().position(|a| a == "-o") {
                if let Some(o) = args.get_mut(i + 1) {
                    if !o.starts_with('/') {
                        *o = s(&tmp.join(o.as_str())).to_string();
                    }
                }
            }
        }
        if first == "serve" {
            // A server runs until stopped: on a free port, it must print its address, then it is stopped.
            if let Some(i) = args.iter().position(|a| a == "--listen") {
                args[i + 1] = "127.0.0.1:0".into();
            }
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fxsnap"))
                .env_remove("FXSNAP_DB")
                .arg("--db")
                .arg(&db.path)
                .args(&argv)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut line = String::new();
            let read = std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line);
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                read.is_ok() && line.starts_with("fxsnap: serving http://127.0.0.1:"),
                "README command `fxsnap {cmd}` printed {line:?}"
            );
            ran += 1;
            continue;
        }
        if first == "ingest" && args.iter().any(|a| a == "-") {
            // The README pipes a page from curl: here, a bundled page.
            let page = fs::read(data("pages/seed-page.txt")).unwrap();
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            db.cmd(&argv).current_dir(tmp).write_stdin(page).assert().success();
            ran += 1;
            continue;
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        // Relative outputs (rates.png, report, removed.csv) land in the temporary folder.
        let out = db.cmd(&argv).current_dir(tmp).env("SOURCE_DATE_EPOCH", "1780000000").output().unwrap();
        if let Some(f) = to_file {
            fs::write(tmp.join(f), &out.stdout).unwrap();
        }
        let code = out.status.code();
        let err = String::from_utf8_lossy(&out.stderr);
        // The bundled data's newest rates are from 2026: `check --max-age`
        // rightly finds them stale (exit 4), as it would a feed gone quiet.
        let expected_ok = if first == "check" && cmd.contains("--max-") { code == Some(0) || code == Some(4) } else { code == Some(0) };
        assert!(expected_ok, "README command `fxsnap {cmd}` exited {code:?}: {err}");
        ran += 1;
    }
    assert_eq!(ran, commands.len());
}
