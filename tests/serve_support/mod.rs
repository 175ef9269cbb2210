//! Helpers for the tests of `fxsnap serve`: the real binary on 127.0.0.1
//! with a port the system chooses (`--listen 127.0.0.1:0`; the server
//! prints the address), stopped by a guard also when a test fails, and a
//! plain HTTP/1.1 client over a TCP socket (so hostile requests can be
//! sent byte for byte).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The documents of tests/fixtures/feeds a store for the serve tests is made of.
pub const FEEDS: [&str; 8] = [
    "nbk-2026-04-01.xml",
    "nbkr-daily-2026-05-24.xml",
    "cbu-2026-04-03.json",
    "nbt-2026-05-18.xml",
    "cbt-2026-05-20.xml",
    "cbr-daily-2026-04-25.xml",
    "cbr-dynamic-USD-2026-03.xml",
    "cbr-dynamic-KZT-2026-03.xml",
];

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fxsnap"))
}

pub fn feed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds").join(name)
}

/// `fxsnap --db DB ARGS`, asserting success; its standard output.
pub fn fxsnap(db: &Path, args: &[&str]) -> String {
    let out = Command::new(bin()).env_remove("FXSNAP_DB").arg("--db").arg(db).args(args).output().expect("run fxsnap");
    assert!(out.status.success(), "fxsnap {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

/// A store of the bundled central-bank documents.
pub fn bank_store(db: &Path) {
    let mut args = vec!["ingest".to_string(), "-q".to_string()];
    args.extend(FEEDS.iter().map(|f| feed(f).display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fxsnap(db, &args);
}

/// A running `fxsnap serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    /// host:port
    pub addr: String,
    stderr: Option<std::process::ChildStderr>,
}

impl Server {
    /// Starts `fxsnap --db DB serve --listen 127.0.0.1:0 EXTRA...` and waits
    /// for the address it prints.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        Server::start_env(db, extra, &[])
    }

    pub fn start_env(db: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::start_bin(&bin(), db, extra, env)
    }

    /// As `start_env`, running the fxsnap binary at `exe`.
    pub fn start_bin(exe: &Path, db: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(exe);
        cmd.env_remove("FXSNAP_DB").arg("--db").arg(db).args(["serve", "--listen", "127.0.0.1:0"]).args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start fxsnap serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take();
        let mut line = String::new();
        let mut server = Server { child, addr: String::new(), stderr };
        BufReader::new(stdout).read_line(&mut line).expect("read the address");
        let addr = line.trim().strip_prefix("fxsnap: serving http://").and_then(|a| a.strip_suffix('/')).map(str::to_string);
        match addr {
            Some(a) => server.addr = a,
            None => {
                let mut err = String::new();
                if let Some(mut e) = server.stderr.take() {
                    let _ = server.child.kill();
                    let _ = e.read_to_string(&mut err);
                }
                panic!("fxsnap serve did not print its address: {line:?} {err}");
            }
        }
        server
    }

    pub fn get(&self, target: &str) -> Reply {
        request(&self.addr, &format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    }

    /// GET with extra header lines (each `Name: value`).
    pub fn get_with(&self, target: &str, headers: &[&str]) -> Reply {
        let mut head = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for h in headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        request(&self.addr, &head)
    }

    /// Sends SIGTERM; the exit status once it stopped (waiting at most `limit`).
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// What it wrote on standard error (after it stopped).
    pub fn stderr(&mut self) -> String {
        let mut s = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names lower-case), body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends raw bytes and reads the response until the server closes.
pub fn request(addr: &str, raw: &str) -> Reply {
    request_bytes(addr, raw.as_bytes())
}

pub fn request_bytes(addr: &str, raw: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(raw).expect("send");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse(&buf).unwrap_or_else(|| {
        panic!("no HTTP response to {:?}: {:?}", String::from_utf8_lossy(&raw[..raw.len().min(200)]), String::from_utf8_lossy(&buf))
    })
}

/// Parses one HTTP/1.1 response (Content-Length, chunked, or to the end).
pub fn parse(buf: &[u8]) -> Option<Reply> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let rest = &buf[end + 4..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut out = Vec::new();
        let mut r = rest;
        loop {
            let nl = r.windows(2).position(|w| w == b"\r\n")?;
            let n = usize::from_str_radix(std::str::from_utf8(&r[..nl]).ok()?.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(r.get(nl + 2..nl + 2 + n)?);
            r = &r[nl + 2 + n + 2..];
        }
        out
    } else if let Some(len) = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()) {
        rest.get(..len).unwrap_or(rest).to_vec()
    } else {
        rest.to_vec()
    };
    Some(Reply { status, headers, body })
}

/// A tool on PATH (or in /usr/sbin, where Debian puts nginx), or None (a
/// skip, said on stderr) unless FXSNAP_REQUIRE_TOOLS=1 makes it a failure.
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    dirs.push(PathBuf::from("/usr/sbin"));
    let found = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("FXSNAP_REQUIRE_TOOLS").is_none(), "{name} is required (FXSNAP_REQUIRE_TOOLS=1) but not installed");
        eprintln!("SKIPPED: {name} is not installed (scripts/test.sh installs it)");
    }
    found
}

/// `fxsnap --db DB ARGS` with `SOURCE_DATE_EPOCH=epoch`: its exit code,
/// standard output and standard error (what an `/api/` answer is compared with).
pub fn cli_at(db: &Path, epoch: &str, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(bin()).env_remove("FXSNAP_DB").env("SOURCE_DATE_EPOCH", epoch).arg("--db").arg(db).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Kills a child process when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
