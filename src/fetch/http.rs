//! HTTP(S) for `fetch`: ureq 3 with rustls and the webpki roots (a fresh
//! machine needs no OpenSSL or system certificates), proxies from the
//! environment, bounded in time and size, polite and patient.
//!
//! - Timeouts: connect 10 s; the whole response (headers and body) `--timeout`.
//! - Size: a body over 8 MiB is refused (by its `Content-Length` before it
//!   is read, else as soon as the limit is passed).
//! - Retries: 3 (4 attempts in all), exponential back-off (0.5 s, 1 s, 2 s)
//!   plus up to 50% random jitter, on connection errors, timeouts, a cut
//!   body, 429 (its `Retry-After` is waited when it is at most 60 s; a
//!   longer one is given up on at once) and 5xx. Other statuses are final.
//! - Politeness: requests are made one at a time, and a host is asked again
//!   only `--delay` after its previous answer ended.
//! - Redirects are handled here, not by ureq: one to another host (or port)
//!   is not followed and fails the request, naming where it pointed. One to
//!   another path on the same host (or http → https there) is followed, up
//!   to 5 hops, because banks move their scripts around on their own sites;
//!   the response is then named by the URL asked (so `--refetch` and the
//!   already-fetched check see one name) and archived under the URL that
//!   answered. Whatever the final page is, it is still checked to be the
//!   source's document.

use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant as Clock};

use super::origin::Origin;
use crate::model::Instant;

/// DESIGN: 8 MiB per document.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Retries after the first attempt.
pub const RETRIES: u32 = 3;
/// The longest `Retry-After` waited for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_REDIRECTS: u32 = 5;

/// `fxsnap/<version> (+<repository>)`: who is asking, so a bank can tell
/// and reach its maintainers. The repository is Cargo.toml's `repository`
/// (left out while that is not set).
pub fn user_agent() -> String {
    let version = env!("CARGO_PKG_VERSION");
    match env!("CARGO_PKG_REPOSITORY") {
        "" => format!("fxsnap/{version}"),
        repo => format!("fxsnap/{version} (+{repo})"),
    }
}

/// One complete HTTP response.
#[derive(Clone, Debug)]
pub struct Response {
    /// The URL that gave this response (after same-host redirects).
    pub url: String,
    pub status: u16,
    /// `HTTP/1.1`.
    pub version: &'static str,
    pub reason: String,
    /// As received, in order; content and transfer encodings are already
    /// undone in `body` (see [`Response::archived_headers`]).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When it arrived by our clock: the observed time when `Date` is missing.
    pub received: Instant,
}

impl Response {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The server's `Date` (when the content was seen), else our receipt time.
    pub fn observed(&self) -> Instant {
        self.header("date").and_then(parse_http_date).unwrap_or(self.received)
    }

    /// The headers as stored with the decoded body: `Content-Encoding`,
    /// `Transfer-Encoding` and `Content-Length` describe the bytes on the
    /// wire, so they are replaced by the body's own length.
    pub fn archived_headers(&self) -> Vec<(String, String)> {
        let mut h: Vec<_> = self
            .headers
            .iter()
            .filter(|(k, _)| !["content-encoding", "transfer-encoding", "content-length"].iter().any(|n| k.eq_ignore_ascii_case(n)))
            .cloned()
            .collect();
        h.push(("Content-Length".into(), self.body.len().to_string()));
        h
    }
}

/// An HTTP date (`Wed, 08 Apr 2026 13:43:25 GMT`).
pub fn parse_http_date(s: &str) -> Option<Instant> {
    chrono::DateTime::parse_from_rfc2822(s.trim()).ok().map(|d| Instant::from_unix(d.timestamp()))
}

/// What one attempt gave.
enum Attempt {
    Answer(Response),
    /// Worth another attempt (connection trouble, a timeout, a cut body).
    Transient(String),
    /// Not worth another attempt (too large, a bad URL).
    Final(String),
    /// The host cannot be reached (name not resolved, connection refused,
    /// TLS failure): retried, and counted against the host.
    Unreachable(String),
}

/// Unreachable this many times in a row, a host is not asked again in the run.
pub const UNREACHABLE_IN_A_ROW: u32 = 3;

/// The settings of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The whole response, headers and body.
    pub timeout: Duration,
    /// Between the end of one answer of a host and the next request to it.
    pub delay: Duration,
}

/// Sequential, polite HTTP client.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
    /// When each host last finished answering.
    last: HashMap<String, Clock>,
    /// How many times in a row each host could not be reached.
    streak: HashMap<String, u32>,
    /// Hosts given up for this run, with why.
    down: HashMap<String, String>,
    rng: u64,
}

impl Client {
    pub fn new(settings: Settings) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(user_agent())
            .proxy(ureq::Proxy::try_from_env())
            .build();
        Client { agent: config.into(), settings, last: HashMap::new(), streak: HashMap::new(), down: HashMap::new(), rng: seed() }
    }

    /// Why `url`'s host is not asked again in this run, once it could not
    /// be reached [`UNREACHABLE_IN_A_ROW`] times in a row.
    pub fn unreachable(&self, url: &str) -> Option<&str> {
        let (origin, _) = Origin::of_url(url)?;
        self.down.get(&origin.host_key()).map(String::as_str)
    }

    /// Asks for `url`, retrying as the module doc says. `archive` sees
    /// every complete response as it arrives (a 503 before the 200 too), so
    /// it can be written down before anything is ingested; an error from it
    /// stops the request. Ok is the final answer, whatever its status;
    /// Err a one-line reason.
    pub fn get(&mut self, url: &str, archive: &mut dyn FnMut(&Response) -> Result<(), String>) -> Result<Response, String> {
        let Some((home, _)) = Origin::of_url(url) else { return Err(format!("{url} is not an http(s) URL")) };
        let host = home.host_key();
        let mut current = url.to_string();
        let mut hops = 0;
        let mut attempt = 0;
        loop {
            self.wait_turn(&current);
            let outcome = self.once(&current);
            self.finished(&current);
            if !matches!(outcome, Attempt::Unreachable(_)) {
                self.streak.remove(&host);
            }
            let pause = match outcome {
                Attempt::Final(why) => return Err(why),
                Attempt::Unreachable(why) => {
                    let in_a_row = self.streak.entry(host.clone()).or_insert(0);
                    *in_a_row += 1;
                    if *in_a_row >= UNREACHABLE_IN_A_ROW {
                        self.down.insert(host.clone(), format!("{host}: {why}, {UNREACHABLE_IN_A_ROW} times in a row"));
                        return Err(format!("{why} ({} attempts; {host} is not asked again in this run)", attempt + 1));
                    }
                    if attempt >= RETRIES {
                        return Err(format!("{why} ({} attempts)", attempt + 1));
                    }
                    self.backoff(attempt)
                }
                Attempt::Transient(why) => {
                    if attempt >= RETRIES {
                        return Err(format!("{why} ({} attempts)", attempt + 1));
                    }
                    self.backoff(attempt)
                }
                Attempt::Answer(resp) => {
                    archive(&resp)?;
                    let status = resp.status;
                    if (300..400).contains(&status) && status != 304 {
                        let target = redirect_target(&current, resp.header("location"))?;
                        let Some((there, _)) = Origin::of_url(&target) else {
                            return Err(format!("HTTP {status}: redirected to {target}, not an http(s) URL (not followed)"));
                        };
                        if !home.same_host(&there) {
                            return Err(format!("HTTP {status}: redirected to {target}, off {} (not followed)", home.host_key()));
                        }
                        hops += 1;
                        if hops > MAX_REDIRECTS {
                            return Err(format!("more than {MAX_REDIRECTS} redirects (last to {target})"));
                        }
                        current = target;
                        continue;
                    }
                    let retryable = status == 429 || (500..600).contains(&status);
                    if !retryable {
                        return Ok(resp);
                    }
                    let why = format!("HTTP {status} {}", resp.reason);
                    if attempt >= RETRIES {
                        return Err(format!("{why} ({} attempts)", attempt + 1));
                    }
                    let mut pause = self.backoff(attempt);
                    if let Some(after) = resp.header("retry-after") {
                        match parse_retry_after(after, resp.received) {
                            Some(d) if d > MAX_RETRY_AFTER => {
                                return Err(format!(
                                    "{why}: Retry-After {} is more than {} s (given up)",
                                    after.trim(),
                                    MAX_RETRY_AFTER.as_secs()
                                ));
                            }
                            Some(d) => pause = pause.max(d),
                            None => {}
                        }
                    }
                    pause
                }
            };
            attempt += 1;
            std::thread::sleep(pause);
        }
    }

    /// Sleeps until `--delay` after the host's last answer ended.
    fn wait_turn(&self, url: &str) {
        let Some(key) = Origin::of_url(url).map(|(o, _)| o.host_key()) else { return };
        if let Some(last) = self.last.get(&key) {
            let ready = *last + self.settings.delay;
            let now = Clock::now();
            if ready > now {
                std::thread::sleep(ready - now);
            }
        }
    }

    fn finished(&mut self, url: &str) {
        if let Some(key) = Origin::of_url(url).map(|(o, _)| o.host_key()) {
            self.last.insert(key, Clock::now());
        }
    }

    /// 0.5 s × 2^attempt, plus up to half of that at random.
    fn backoff(&mut self, attempt: u32) -> Duration {
        let base = FIRST_BACKOFF * 2u32.saturating_pow(attempt.min(10));
        // xorshift64: jitter needs spread, not secrecy.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let frac = (self.rng % 1000) as f64 / 2000.0;
        base + base.mul_f64(frac)
    }

    fn once(&self, url: &str) -> Attempt {
        let mut resp = match self.agent.get(url).call() {
            Ok(r) => r,
            Err(e) => return classify(e, "asking"),
        };
        let status = resp.status();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| (canonical_header_name(k.as_str()), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let declared = header(&headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
        let encoded = header(&headers, "content-encoding").is_some_and(|v| !v.trim().eq_ignore_ascii_case("identity"));
        if let Some(n) = declared.filter(|&n| n > MAX_BODY_BYTES as u64 && !encoded) {
            return Attempt::Final(too_large(Some(n)));
        }
        let version = match resp.version() {
            ureq::http::Version::HTTP_10 => "HTTP/1.0",
            ureq::http::Version::HTTP_2 => "HTTP/2",
            _ => "HTTP/1.1",
        };
        let reason = status.canonical_reason().unwrap_or("").to_string();
        let mut body = Vec::new();
        let read =
            resp.body_mut().with_config().limit(MAX_BODY_BYTES as u64 + 1).reader().take(MAX_BODY_BYTES as u64 + 1).read_to_end(&mut body);
        if let Err(e) = read {
            return classify_io(e, declared, body.len());
        }
        if body.len() > MAX_BODY_BYTES {
            return Attempt::Final(too_large(None));
        }
        if let Some(n) = declared.filter(|_| !encoded) {
            if body.len() as u64 != n {
                return Attempt::Transient(format!("the body was cut: {} of the {n} bytes its Content-Length says", body.len()));
            }
        }
        Attempt::Answer(Response {
            url: url.to_string(),
            status: status.as_u16(),
            version,
            reason,
            headers,
            body,
            received: Instant::now(),
        })
    }
}

fn too_large(declared: Option<u64>) -> String {
    match declared {
        Some(n) => format!("the body is {n} bytes, over the {} MiB a document may be (not read)", MAX_BODY_BYTES / (1024 * 1024)),
        None => format!("the body is over the {} MiB a document may be (not read further)", MAX_BODY_BYTES / (1024 * 1024)),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `content-type` → `Content-Type`, as servers usually write them.
fn canonical_header_name(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn classify(e: ureq::Error, doing: &str) -> Attempt {
    match e {
        ureq::Error::Timeout(t) => Attempt::Transient(format!("no complete answer in time ({t} timeout)")),
        // Before any answer, rustls reports a failed handshake as invalid data.
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData && is_foreign(&io) => {
            Attempt::Unreachable(format!("TLS failed: {io}"))
        }
        ureq::Error::Io(io) => classify_io(io, None, 0),
        ureq::Error::HostNotFound => Attempt::Unreachable("the host name was not found".into()),
        ureq::Error::ConnectionFailed => Attempt::Unreachable("the connection failed".into()),
        ureq::Error::Tls(why) => Attempt::Unreachable(format!("TLS failed: {why}")),
        ureq::Error::Rustls(e) => Attempt::Unreachable(format!("TLS failed: {e}")),
        ureq::Error::BodyExceedsLimit(_) => Attempt::Final(too_large(None)),
        ureq::Error::Protocol(p) => Attempt::Transient(format!("the server broke HTTP while {doing}: {p}")),
        ureq::Error::ConnectProxyFailed(m) => Attempt::Transient(format!("the proxy refused: {m}")),
        other => Attempt::Final(format!("{other}")),
    }
}

/// An I/O error carrying another library's error (rustls'), not ureq's own.
fn is_foreign(io: &std::io::Error) -> bool {
    io.get_ref().is_some_and(|inner| inner.downcast_ref::<ureq::Error>().is_none())
}

/// An error while reading: ureq wraps its own errors in `io::Error`.
fn classify_io(e: std::io::Error, declared: Option<u64>, got: usize) -> Attempt {
    use std::io::ErrorKind::*;
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return match inner {
            ureq::Error::BodyExceedsLimit(_) => Attempt::Final(too_large(None)),
            ureq::Error::Timeout(t) => Attempt::Transient(format!("no complete answer in time ({t} timeout)")),
            other => Attempt::Transient(format!("the body was cut after {got} bytes: {other}")),
        };
    }
    let why = match e.kind() {
        ConnectionReset | ConnectionAborted | BrokenPipe => "the connection was reset".to_string(),
        ConnectionRefused => return Attempt::Unreachable("the connection was refused".to_string()),
        TimedOut | WouldBlock => "no complete answer in time".to_string(),
        UnexpectedEof => match declared {
            Some(n) => format!("the body was cut: {got} of the {n} bytes its Content-Length says"),
            None => format!("the body was cut after {got} bytes"),
        },
        _ => format!("{e}"),
    };
    Attempt::Transient(why)
}

/// `Location`, resolved against the URL that answered.
fn redirect_target(from: &str, location: Option<&str>) -> Result<String, String> {
    let loc =
        location.map(str::trim).filter(|l| !l.is_empty()).ok_or_else(|| "a redirect without a Location (not followed)".to_string())?;
    if loc.contains("://") {
        return Ok(loc.to_string());
    }
    let (origin, path) = Origin::of_url(from).ok_or_else(|| format!("{from} is not an http(s) URL"))?;
    if let Some(rest) = loc.strip_prefix("//") {
        return Ok(format!("{}://{rest}", origin.scheme));
    }
    if loc.starts_with('/') {
        return Ok(format!("{}{loc}", origin.prefix()));
    }
    let dir = path.split(['?', '#']).next().unwrap_or("").rsplit_once('/').map_or("", |(d, _)| d);
    Ok(format!("{}{dir}/{loc}", origin.prefix()))
}

/// `Retry-After`: seconds, or an HTTP date (relative to `now`).
fn parse_retry_after(v: &str, now: Instant) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = parse_http_date(v)?;
    Some(Duration::from_secs(u64::try_from(at.unix() - now.unix()).unwrap_or(0)))
}

/// A jitter seed from the clock and the process id.
fn seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    (t ^ (u64::from(std::process::id()) << 32)) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_targets_resolve() {
        assert_eq!(redirect_target("http://h:1/a/b?x", Some("/c")).unwrap(), "http://h:1/c");
        assert_eq!(redirect_target("http://h:1/a/b?x", Some("c")).unwrap(), "http://h:1/a/c");
        assert_eq!(redirect_target("http://h/a", Some("https://o/x")).unwrap(), "https://o/x");
        assert_eq!(redirect_target("https://h/a", Some("//o/x")).unwrap(), "https://o/x");
        assert!(redirect_target("http://h/a", None).is_err());
    }

    #[test]
    fn retry_after_in_seconds_or_a_date() {
        let now = parse_http_date("Wed, 08 Apr 2026 13:43:25 GMT").unwrap();
        assert_eq!(now.rfc3339(), "2026-04-08T13:43:25Z");
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("Wed, 08 Apr 2026 13:44:25 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let mut c = Client::new(Settings { timeout: Duration::from_secs(1), delay: Duration::ZERO });
        for a in 0..3 {
            let base = FIRST_BACKOFF * 2u32.pow(a);
            let d = c.backoff(a);
            assert!(d >= base && d <= base + base / 2, "{a}: {d:?}");
        }
    }

    #[test]
    fn the_user_agent_names_fxsnap_and_its_version() {
        let ua = user_agent();
        assert!(
            ua == format!("fxsnap/{}", env!("CARGO_PKG_VERSION")) || ua.starts_with(&format!("fxsnap/{} (+", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
    }

    #[test]
    fn archived_headers_describe_the_decoded_body() {
        let r = Response {
            url: "http://h/".into(),
            status: 200,
            version: "HTTP/1.1",
            reason: "OK".into(),
            headers: vec![("Content-Encoding".into(), "gzip".into()), ("Content-Length".into(), "3".into()), ("Date".into(), "x".into())],
            body: b"hello".to_vec(),
            received: Instant::from_unix(0),
        };
        assert_eq!(r.archived_headers(), vec![("Date".to_string(), "x".to_string()), ("Content-Length".to_string(), "5".to_string())]);
        assert_eq!(r.observed(), Instant::from_unix(0));
    }
}
