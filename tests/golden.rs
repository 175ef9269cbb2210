//! The golden test (issue 9, Must show 1): a fixed script of every command and
//! every format on the bundled data, and the error cases of the v1 tests, run
//! through the binary and compared byte for byte with outputs recorded from
//! the baseline commit 273c26f.
//!
//! The script is `tests/golden/cases.txt`; each block's recorded outputs are
//! `tests/golden/<block>.txt`. Format of the script:
//!
//! - `== NAME` starts a block. Each block runs in its own new folder (the
//!   working directory of its commands) holding two links, `data` (the repo's
//!   `data/`) and `fixtures` (`tests/fixtures/`), so paths in arguments and in
//!   messages are relative and the same on every machine. `../shared.db` is the
//!   database the first block (`shared`) builds from the bundled data; the
//!   reading blocks use it and never write it (checked at the end).
//! - `$ ARGS` runs the binary with ARGS (words split on spaces, `'...'` quotes
//!   one word). Leading `NAME=value` words set environment variables; `< FILE`
//!   feeds standard input (otherwise it is empty); `> FILE` sends standard
//!   output to FILE (recorded as well). Each run records its exit code, stdout
//!   and stderr. The environment is clean: no `FXSNAP_DB`, `HOME` and
//!   `XDG_DATA_HOME` inside the block's folder.
//! - `@ FILE` records a file the previous command wrote (SVG and text whole,
//!   anything else by size and SHA-256); `? PATH` records whether PATH exists.
//! - `% touch PATH`, `% mkdir PATH`, `% junk PATH` (64 KiB of seeded random
//!   bytes), `% copy FROM TO`, `% write PATH TEXT` (`\n` and `\t` escapes) and
//!   `% sql DB STATEMENTS` prepare a block; they record nothing.
//!
//! Outputs are made deterministic: the run's temporary root becomes `$ROOT`,
//! the repository `$REPO`, and any RFC 3339 UTC time within the run (the
//! conflict log's `logged_at`) `<NOW>`. An output over 64 KiB is recorded by
//! size, line count, SHA-256 and its first lines.
//!
//! Any difference fails the test with a diff. To re-record after an intended
//! change (reviewed as a diff of `tests/golden/`):
//! `scripts/golden-record.sh target/release/fxsnap`, which runs this test with
//! `GOLDEN_RECORD=1 GOLDEN_BIN=...`. `GOLDEN_BIN` alone compares another binary.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// Outputs larger than this are recorded by digest.
const INLINE_LIMIT: usize = 64 * 1024;
/// Lines shown of an output recorded by digest.
const HEAD_LINES: usize = 5;

fn golden_dir() -> PathBuf {
    Path::new(REPO).join("tests/golden")
}

/// One line of the script, parsed.
#[derive(Debug)]
enum Step {
    Run { env: Vec<(String, String)>, args: Vec<String>, stdin: Option<String>, stdout: Option<String>, line: String },
    File(String),
    Exists(String),
    Prepare(String, Vec<String>, String),
}

#[derive(Debug)]
struct Block {
    name: String,
    steps: Vec<Step>,
}

/// Splits a line into words; `'...'` is one word.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            _ => {
                cur.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "unclosed quote in: {line}");
    if any {
        out.push(cur);
    }
    out
}

fn parse_cases(text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        if tag == "==" {
            let name = rest.trim().to_string();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "line {}: bad block name '{name}'", n + 1);
            assert!(blocks.iter().all(|b| b.name != name), "line {}: block '{name}' twice", n + 1);
            blocks.push(Block { name, steps: Vec::new() });
            continue;
        }
        let block = blocks.last_mut().unwrap_or_else(|| panic!("line {}: a step before the first block", n + 1));
        let step = match tag {
            "$" => {
                let mut env = Vec::new();
                let mut args = Vec::new();
                let mut stdin = None;
                let mut stdout = None;
                let mut it = words(rest).into_iter();
                while let Some(w) = it.next() {
                    if w == "<" {
                        stdin = Some(it.next().expect("< FILE"));
                    } else if w == ">" {
                        stdout = Some(it.next().expect("> FILE"));
                    } else if args.is_empty()
                        && w.split_once('=').is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                    {
                        let (k, v) = w.split_once('=').unwrap();
                        env.push((k.to_string(), v.to_string()));
                    } else {
                        args.push(w);
                    }
                }
                Step::Run { env, args, stdin, stdout, line: rest.to_string() }
            }
            "@" => Step::File(rest.trim().to_string()),
            "?" => Step::Exists(rest.trim().to_string()),
            "%" => {
                let (op, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let (path, more) = tail.split_once(' ').unwrap_or((tail, ""));
                Step::Prepare(op.to_string(), vec![path.to_string()], more.to_string())
            }
            _ => panic!("line {}: unknown step '{line}'", n + 1),
        };
        block.steps.push(step);
    }
    blocks
}

/// The run: where it happens and what it replaces in outputs.
struct Run {
    bin: PathBuf,
    root: tempfile::TempDir,
    started: i64,
}

impl Run {
    fn root(&self) -> &Path {
        self.root.path()
    }

    /// Paths and times that differ between runs, replaced by placeholders.
    fn normalize(&self, bytes: &[u8]) -> Vec<u8> {
        let Ok(text) = std::str::from_utf8(bytes) else { return bytes.to_vec() };
        let root = self.root().to_str().expect("utf-8 temp path");
        let text = text.replace(root, "$ROOT").replace(REPO, "$REPO");
        replace_now(&text, self.started - 300, chrono::Utc::now().timestamp() + 300).into_bytes()
    }
}

/// Replaces each `YYYY-MM-DDTHH:MM:SSZ` between `lo` and `hi` by `<NOW>`.
fn replace_now(text: &str, lo: i64, hi: i64) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 20 <= b.len() {
        let w = &b[i..i + 20];
        let shape = w[4] == b'-' && w[7] == b'-' && w[10] == b'T' && w[13] == b':' && w[16] == b':' && w[19] == b'Z';
        if shape {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&text[i..i + 20]) {
                if (lo..=hi).contains(&t.timestamp()) {
                    out.push_str(&text[copied..i]);
                    out.push_str("<NOW>");
                    i += 20;
                    copied = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Appends a recorded output: whole when small, else by digest.
fn section(out: &mut Vec<u8>, label: &str, bytes: &[u8], whole: bool) {
    if bytes.is_empty() {
        writeln!(out, "--- {label}: empty").unwrap();
        return;
    }
    let text = std::str::from_utf8(bytes).ok();
    match text {
        Some(_) if whole && bytes.len() <= INLINE_LIMIT => {
            writeln!(out, "--- {label}: {} bytes", bytes.len()).unwrap();
            out.extend_from_slice(bytes);
            out.push(b'\n');
        }
        _ => {
            let sha = Sha256::digest(bytes);
            let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
            match text {
                Some(t) => writeln!(out, "--- {label}: {} bytes, {} lines, sha256 {hex}", bytes.len(), t.lines().count()).unwrap(),
                None => writeln!(out, "--- {label}: {} bytes, sha256 {hex}", bytes.len()).unwrap(),
            }
            if let Some(t) = text {
                for l in t.lines().take(HEAD_LINES) {
                    writeln!(out, "| {l}").unwrap();
                }
            }
        }
    }
}

/// 64 KiB of seeded xorshift bytes (the "random bytes" database of v1's tests).
fn junk() -> Vec<u8> {
    let mut x: u64 = 5u64.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..65536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn prepare(dir: &Path, op: &str, path: &str, more: &str) {
    let p = dir.join(path);
    match op {
        "touch" => fs::write(&p, b"").unwrap(),
        "mkdir" => fs::create_dir_all(&p).unwrap(),
        "junk" => fs::write(&p, junk()).unwrap(),
        "copy" => {
            fs::copy(&p, dir.join(more.trim())).unwrap();
        }
        "write" => fs::write(&p, more.replace("\\n", "\n").replace("\\t", "\t")).unwrap(),
        "sql" => rusqlite::Connection::open(&p).unwrap().execute_batch(more).unwrap_or_else(|e| panic!("% sql {path} {more}: {e}")),
        _ => panic!("unknown preparation '% {op}'"),
    }
}

/// The time every staged input file is given: a file's modification time is
/// what fxsnap records as its input's `observed` time (history's JSON), and
/// a checkout's times are whenever it was cloned.
const STAGED_MTIME: u64 = 1_772_323_200; // 2026-03-01T00:00:00Z

/// Copies data/ and tests/fixtures/ into the run's folder with one fixed
/// modification time, so outputs do not depend on when the repository was
/// checked out.
fn stage_inputs(root: &Path) {
    fn copy_tree(from: &Path, to: &Path, time: std::time::SystemTime) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let (src, dst) = (entry.path(), to.join(entry.file_name()));
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&src, &dst, time);
            } else {
                fs::copy(&src, &dst).unwrap();
                fs::File::options().write(true).open(&dst).unwrap().set_modified(time).unwrap();
            }
        }
    }
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(STAGED_MTIME);
    copy_tree(&Path::new(REPO).join("data"), &root.join("inputs/data"), time);
    copy_tree(&Path::new(REPO).join("tests/fixtures"), &root.join("inputs/fixtures"), time);
}

/// Runs one block and renders what it recorded.
fn run_block(run: &Run, block: &Block) -> Vec<u8> {
    let dir = run.root().join(&block.name);
    fs::create_dir(&dir).unwrap();
    std::os::unix::fs::symlink(run.root().join("inputs/data"), dir.join("data")).unwrap();
    std::os::unix::fs::symlink(run.root().join("inputs/fixtures"), dir.join("fixtures")).unwrap();
    let mut out = Vec::new();
    for step in &block.steps {
        match step {
            Step::Run { env, args, stdin, stdout, line } => {
                let mut c = Command::new(&run.bin);
                // clap names the program after argv[0] in usage lines: the same name for every binary.
                c.arg0("fxsnap");
                c.args(args).current_dir(&dir).env_clear();
                if let Ok(path) = std::env::var("PATH") {
                    c.env("PATH", path);
                }
                c.env("HOME", &dir).env("XDG_DATA_HOME", dir.join("xdg")).env("NO_COLOR", "1").env("LC_ALL", "C");
                // Charts say when they were made, and their time axis runs to
                // now without --to: a fixed clock (2026-03-01) makes them bytes
                // that can be compared. (273c26f ignored it.)
                c.env("SOURCE_DATE_EPOCH", "1772323200");
                for (k, v) in env {
                    c.env(k, v);
                }
                c.stdin(match stdin {
                    Some(f) => Stdio::from(fs::File::open(dir.join(f)).unwrap_or_else(|e| panic!("< {f}: {e}"))),
                    None => Stdio::null(),
                });
                let o = c.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", run.bin.display()));
                writeln!(out, "$ {line}").unwrap();
                match o.status.code() {
                    Some(code) => writeln!(out, "exit {code}").unwrap(),
                    None => writeln!(out, "killed by a signal: {:?}", o.status).unwrap(),
                }
                if let Some(f) = stdout {
                    fs::write(dir.join(f), &o.stdout).unwrap();
                }
                section(&mut out, "stdout", &run.normalize(&o.stdout), true);
                section(&mut out, "stderr", &run.normalize(&o.stderr), true);
            }
            Step::File(f) => match fs::read(dir.join(f)) {
                Ok(bytes) => {
                    let whole = f.ends_with(".svg") || f.ends_with(".txt") || f.ends_with(".csv");
                    section(&mut out, &format!("file {f}"), &bytes, whole);
                }
                Err(e) => writeln!(out, "--- file {f}: cannot read: {:?}", e.kind()).unwrap(),
            },
            Step::Exists(p) => {
                let what = match fs::symlink_metadata(dir.join(p)) {
                    Ok(m) if m.is_dir() => "a folder",
                    Ok(_) => "a file",
                    Err(_) => "absent",
                };
                writeln!(out, "--- {p}: {what}").unwrap();
            }
            Step::Prepare(op, path, more) => prepare(&dir, op, &path[0], more),
        }
    }
    out
}

/// A readable difference: the first differing line with context, then the
/// differing middle (common leading and trailing lines dropped), capped.
fn diff(want: &[u8], got: &[u8]) -> String {
    let w = String::from_utf8_lossy(want);
    let g = String::from_utf8_lossy(got);
    let wl: Vec<&str> = w.split('\n').collect();
    let gl: Vec<&str> = g.split('\n').collect();
    let pre = wl.iter().zip(&gl).take_while(|(a, b)| a == b).count();
    let suf = wl[pre..].iter().rev().zip(gl[pre..].iter().rev()).take_while(|(a, b)| a == b).count();
    let mut s = String::new();
    let from = pre.saturating_sub(3);
    for l in &wl[from..pre] {
        writeln!(s, "  {l}").unwrap();
    }
    const CAP: usize = 40;
    let wmid = &wl[pre..wl.len() - suf];
    let gmid = &gl[pre..gl.len() - suf];
    for l in wmid.iter().take(CAP) {
        writeln!(s, "- {l}").unwrap();
    }
    if wmid.len() > CAP {
        writeln!(s, "- ... {} more lines", wmid.len() - CAP).unwrap();
    }
    for l in gmid.iter().take(CAP) {
        writeln!(s, "+ {l}").unwrap();
    }
    if gmid.len() > CAP {
        writeln!(s, "+ ... {} more lines", gmid.len() - CAP).unwrap();
    }
    for l in wl[wl.len() - suf..].iter().take(3) {
        writeln!(s, "  {l}").unwrap();
    }
    format!("(line {}; - recorded, + now)\n{s}", pre + 1)
}

/// The database bytes, to prove the reading blocks left it alone.
fn digest_file(p: &Path) -> Vec<u8> {
    Sha256::digest(fs::read(p).unwrap()).to_vec()
}

#[test]
fn golden_outputs_are_unchanged() {
    let record = std::env::var_os("GOLDEN_RECORD").is_some_and(|v| v == "1");
    let bin = std::env::var_os("GOLDEN_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fxsnap")));
    assert!(bin.is_absolute(), "GOLDEN_BIN must be an absolute path: {}", bin.display());
    let cases = fs::read_to_string(golden_dir().join("cases.txt")).unwrap();
    let blocks = parse_cases(&cases);
    assert_eq!(blocks.first().map(|b| b.name.as_str()), Some("shared"), "the first block builds ../shared.db");
    let run = Run { bin, root: tempfile::tempdir().unwrap(), started: chrono::Utc::now().timestamp() };
    stage_inputs(run.root());

    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let mut commands = 0;
    // `shared` first (the others read its database), then the rest on a few threads.
    let mut outputs: Vec<Vec<u8>> = vec![run_block(&run, &blocks[0])];
    let shared_digest = digest_file(&run.root().join("shared.db"));
    let next = std::sync::atomic::AtomicUsize::new(1);
    let rest: std::sync::Mutex<Vec<(usize, Vec<u8>)>> = std::sync::Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(block) = blocks.get(i) else { break };
                let got = run_block(&run, block);
                rest.lock().unwrap().push((i, got));
            });
        }
    });
    let mut rest = rest.into_inner().unwrap();
    rest.sort_by_key(|(i, _)| *i);
    outputs.extend(rest.into_iter().map(|(_, got)| got));
    assert_eq!(outputs.len(), blocks.len());

    for (block, got) in blocks.iter().zip(outputs) {
        commands += block.steps.iter().filter(|s| matches!(s, Step::Run { .. })).count();
        let file = golden_dir().join(format!("{}.txt", block.name));
        names.insert(format!("{}.txt", block.name));
        if record {
            fs::write(&file, &got).unwrap();
            continue;
        }
        match fs::read(&file) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!("== {}: differs from {}\n{}", block.name, file.display(), diff(&want, &got))),
            Err(e) => {
                failures.push(format!("== {}: no recorded file {} ({e}); record with scripts/golden-record.sh", block.name, file.display()))
            }
        }
    }
    assert_eq!(shared_digest, digest_file(&run.root().join("shared.db")), "a reading command changed ../shared.db");

    // Recorded files without a block are stale: removed when recording, a failure otherwise.
    for entry in fs::read_dir(golden_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".txt") && name != "cases.txt" && !names.contains(&name) {
            if record {
                fs::remove_file(golden_dir().join(&name)).unwrap();
            } else {
                failures.push(format!("tests/golden/{name} has no block in cases.txt"));
            }
        }
    }
    if record {
        let _ = writeln!(std::io::stderr(), "recorded {} blocks, {commands} commands from {}", blocks.len(), run.bin.display());
        return;
    }
    assert!(failures.is_empty(), "{} of {} golden blocks differ:\n\n{}", failures.len(), blocks.len(), failures.join("\n"));
}

#[test]
fn now_is_replaced_only_within_the_run() {
    let t = "a 2026-12-01T06:00:00Z b 2025-12-12T00:00:00Z c";
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T06:00:00Z").unwrap().timestamp();
    assert_eq!(replace_now(t, now - 1, now + 1), "a <NOW> b 2025-12-12T00:00:00Z c");
    assert_eq!(words("chart --title 'A b' -o x.svg"), ["chart", "--title", "A b", "-o", "x.svg"]);
}
