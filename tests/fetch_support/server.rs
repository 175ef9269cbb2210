//! A loopback HTTP server for the fetch tests: it answers each request as
//! a test's route says (documents, errors, cut bodies, resets, delays) and
//! records every request with the order it began and ended in.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a reply is sent.
#[derive(Clone, Debug)]
pub enum Mode {
    Normal,
    /// The full `Content-Length`, then only this many body bytes, then close.
    Truncate(usize),
    /// Read the request, then reset the connection (RST).
    Reset,
    /// Wait this long before answering.
    Delay(Duration),
    /// No `Content-Length`: the body ends when the connection closes.
    NoLength,
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub mode: Mode,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200, body)
    }
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply { status, headers: vec![], body: body.into(), mode: Mode::Normal }
    }
    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn mode(mut self, m: Mode) -> Reply {
        self.mode = m;
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Path and query.
    pub target: String,
    pub user_agent: String,
    pub start: Instant,
    /// Just before the last byte of the answer was written (the start until then).
    pub end: Instant,
    /// Requests in progress when this one began (itself included).
    pub active: usize,
}

type Route = dyn Fn(&str, usize) -> Reply + Send + Sync;

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Server {
    /// Serves `route(target, n)`, where `n` counts earlier requests for the same target.
    pub fn start(route: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let route: Arc<Route> = Arc::new(route);
        let active = Arc::new(AtomicUsize::new(0));
        let (h, r, a) = (hits.clone(), route.clone(), active.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (h, r, a) = (h.clone(), r.clone(), a.clone());
                std::thread::spawn(move || serve(conn, &*r, &h, &a));
            }
        });
        Server { base, hits }
    }

    pub fn hits(&self) -> Vec<Hit> {
        let mut v = self.hits.lock().expect("lock").clone();
        v.sort_by_key(|h| h.start);
        v
    }

    pub fn targets(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.target).collect()
    }

    /// True when no request began before the previous one had been answered.
    pub fn never_overlapped(&self) -> bool {
        let hits = self.hits();
        hits.iter().all(|h| h.active == 1) && hits.windows(2).all(|w| w[1].start >= w[0].end)
    }
}

/// Reads one request head (up to the blank line).
fn read_head(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 64 * 1024 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    Some(req)
}

fn serve(mut conn: TcpStream, route: &Route, hits: &Mutex<Vec<Hit>>, active: &AtomicUsize) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(10)));
    let mut buf = [0u8; 4096];
    let Some(mut req) = read_head(&mut conn) else { return };
    // As a proxy: `CONNECT host:port` opens a tunnel; the request inside it
    // is recorded with the tunnel's host (`http://host:port/path`).
    let mut tunnel = None;
    if req.starts_with(b"CONNECT ") {
        let text = String::from_utf8_lossy(&req).into_owned();
        tunnel = text.split_whitespace().nth(1).map(str::to_string);
        if conn.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").is_err() {
            return;
        }
        let Some(inner) = read_head(&mut conn) else { return };
        req = inner;
    }
    let start = Instant::now();
    let now_active = active.fetch_add(1, Ordering::SeqCst) + 1;
    let text = String::from_utf8_lossy(&req).into_owned();
    let path = text.split_whitespace().nth(1).unwrap_or("");
    let target = match &tunnel {
        Some(host) => format!("http://{}{path}", host.trim_end_matches(":80")),
        None => path.to_string(),
    };
    let user_agent = text
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("user-agent")).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_default();
    // Recorded before any answer, so a client that has an answer (or gave
    // up on one) has been counted.
    let (n, index) = {
        let mut h = hits.lock().expect("lock");
        let n = h.iter().filter(|x| x.target == target).count();
        h.push(Hit { target: target.clone(), user_agent, start, end: start, active: now_active });
        (n, h.len() - 1)
    };
    let reply = route(&target, n);
    let record = |end| {
        active.fetch_sub(1, Ordering::SeqCst);
        hits.lock().expect("lock")[index].end = end;
    };
    if let Mode::Delay(d) = reply.mode {
        std::thread::sleep(d);
    }
    if let Mode::Reset = reply.mode {
        record(Instant::now());
        reset(&conn);
        return;
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    let has = |k: &str| reply.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k));
    if !has("date") {
        head += "Date: Wed, 08 Apr 2026 13:43:25 GMT\r\n";
    }
    for (k, v) in &reply.headers {
        head += &format!("{k}: {v}\r\n");
    }
    if !has("content-length") && !matches!(reply.mode, Mode::NoLength) {
        head += &format!("Content-Length: {}\r\n", reply.body.len());
    }
    head += "Connection: close\r\n\r\n";
    let body: &[u8] = match reply.mode {
        Mode::Truncate(n) => &reply.body[..n.min(reply.body.len())],
        _ => &reply.body,
    };
    let mut all = head.into_bytes();
    all.extend_from_slice(body);
    // Recorded before the last bytes leave, so the client cannot have them
    // (and begin its next request) before this request is recorded as ended.
    let (first, last) = all.split_at(all.len().saturating_sub(1));
    let _ = conn.write_all(first);
    let _ = conn.flush();
    record(Instant::now());
    let _ = conn.write_all(last);
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Write);
    // Let the client read to the end before the socket goes.
    let _ = conn.read(&mut buf);
}

/// Closes with RST instead of FIN.
fn reset(conn: &TcpStream) {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: a valid socket descriptor and a correctly sized option value.
        unsafe {
            libc::setsockopt(
                conn.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
