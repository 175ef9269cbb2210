//! What a route answers, before it becomes an HTTP response: a status, a
//! body and the kind of caching it allows; the answers kept per store
//! state; and a long answer handed over as it is written (streamed). The server adds the headers
//! every answer shares (ETag, Last-Modified, Cache-Control, CORS) from
//! these, so a route computes only its body.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::io;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use hyper::body::Frame;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

/// How long a client or a proxy may keep an answer (DESIGN "HTTP behaviour").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheKind {
    /// A past date or a closed range: it changes only if the store is
    /// corrected. `public, max-age=86400, stale-while-revalidate=86400,
    /// stale-if-error=86400`.
    Past,
    /// An answer relative to now (latest, an open range, `from=90d`, the
    /// report): `public, max-age=300`.
    Relative,
    /// Errors and `/metrics`: `no-store`.
    NoStore,
}

impl CacheKind {
    /// The `Cache-Control` header value.
    pub(crate) fn header(self) -> &'static str {
        match self {
            CacheKind::Past => "public, max-age=86400, stale-while-revalidate=86400, stale-if-error=86400",
            CacheKind::Relative => "public, max-age=300",
            CacheKind::NoStore => "no-store",
        }
    }
}

/// One answer of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub cache: CacheKind,
    /// Why an answer is empty or not found, when the store's newest rate
    /// of what was asked is too old (DESIGN v4): Frankfurter v2's empty
    /// answer sends it as `X-Fxsnap-Reason` (v1 has it in its body).
    pub reason: Option<String>,
}

/// `application/json; charset=utf-8`, Frankfurter's content type.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

impl Answer {
    /// A JSON body with the given status; an error status (4xx, 5xx) is
    /// never cached.
    pub(crate) fn json(status: u16, body: Vec<u8>, cache: CacheKind) -> Answer {
        let cache = if status >= 400 { CacheKind::NoStore } else { cache };
        Answer { status, content_type: JSON, body, cache, reason: None }
    }

    /// An error as a JSON object with one string field: `{"message":"not
    /// found"}` (Frankfurter v1), `{"error":"…"}` (fxsnap's API).
    pub(crate) fn error(status: u16, field: &str, message: &str) -> Answer {
        let mut map = serde_json::Map::new();
        map.insert(field.to_string(), serde_json::Value::String(message.to_string()));
        let body = serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default();
        Answer { status, content_type: JSON, body, cache: CacheKind::NoStore, reason: None }
    }
}

/// Answers kept by their ETag, which names everything an answer depends
/// on (the file, its change stamp, the day, the path, the query, the
/// headers that choose a format or a coding): a request repeated between
/// two writes is not computed again, and requests that come together for
/// one not kept yet wait for the first to compute it (after a write, 64
/// connections asking `/v1/latest` compute it once, not 64 times at once).
/// Only small answers are kept, and all are dropped when a tag of another
/// store state arrives or the cache is full, so it never holds more than
/// `MAX_BYTES`.
#[derive(Default)]
pub(crate) struct AnswerCache {
    kept: Mutex<Kept>,
    ready: Condvar,
}

#[derive(Default)]
struct Kept {
    /// The store state (file and change stamp, as the ETag writes them) of every answer kept.
    state: String,
    answers: HashMap<String, Answer>,
    bytes: usize,
    /// The ETags whose answers a request is computing now.
    computing: HashSet<String>,
}

/// The right to compute the answer of one ETag, given to one request at a
/// time; the others wait until it is kept or the right is dropped.
pub(crate) struct Claim<'a> {
    cache: &'a AnswerCache,
    etag: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.cache.lock().computing.remove(&self.etag);
        self.cache.ready.notify_all();
    }
}

impl AnswerCache {
    /// All answers kept, in bytes.
    const MAX_BYTES: usize = 16 << 20;
    /// The largest answer kept.
    const MAX_ANSWER: usize = 256 << 10;

    /// How long a request waits for another computing the same answer
    /// before computing it itself.
    const WAIT: Duration = Duration::from_secs(5);

    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer given for this ETag, if it is kept (never waits).
    pub(crate) fn get(&self, etag: &str) -> Option<Answer> {
        self.lock().answers.get(etag).cloned()
    }

    /// The answer kept for this ETag, or the claim to compute it; waits
    /// while another request computes it.
    pub(crate) fn get_or_claim(&self, etag: &str) -> Result<Answer, Claim<'_>> {
        let mut kept = self.lock();
        let mut waited = Duration::ZERO;
        loop {
            if let Some(a) = kept.answers.get(etag) {
                return Ok(a.clone());
            }
            if waited >= Self::WAIT || !kept.computing.contains(etag) {
                kept.computing.insert(etag.to_string());
                return Err(Claim { cache: self, etag: etag.to_string() });
            }
            let started = std::time::Instant::now();
            kept = self.ready.wait_timeout(kept, Self::WAIT - waited).unwrap_or_else(|p| p.into_inner()).0;
            waited += started.elapsed();
        }
    }

    /// Keeps a 200 answer under its claimed ETag; `state` is the part of
    /// the tag that names the store state.
    pub(crate) fn put(&self, claim: Claim<'_>, state: String, answer: &Answer) {
        if answer.status != 200 || answer.body.len() > Self::MAX_ANSWER {
            return;
        }
        let mut kept = self.lock();
        if kept.state != state || kept.bytes + answer.body.len() > Self::MAX_BYTES {
            let computing = std::mem::take(&mut kept.computing);
            *kept = Kept { state, computing, ..Kept::default() };
        }
        kept.bytes += answer.body.len() + claim.etag.len();
        kept.answers.insert(claim.etag.clone(), answer.clone());
        drop(kept);
        drop(claim);
    }
}

/// Headers a response gets beyond its answer's own.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extra {
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    pub(crate) not_modified: bool,
}

// Long answers sent as they are written. A route writes its body into a
// [`Spill`]: kept whole while it is small, so the answer goes out as any
// other with its own status; past [`SPILL`] bytes the response starts
// (status 200 and the headers already decided) and the rest follows in
// chunks as it is written, so a long range is never held whole. An error
// after the start can no longer change the status: the body is cut off
// (the connection closes without the last chunk), which a client sees as
// an incomplete answer, never as a complete wrong one.

/// A body larger than this starts streaming.
const SPILL: usize = 256 * 1024;
/// Once streaming, the size of a chunk sent.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the client at most.
const IN_FLIGHT: usize = 4;
/// How long a chunk may wait for a client that does not read before the answer is given up.
const STALLED: Duration = Duration::from_secs(30);

/// What the blocking task hands the connection: a whole answer, or the
/// head of one whose body follows in chunks.
pub(crate) enum Handed {
    Whole(Answer, Extra),
    Streamed(Answer, Extra, Chunks),
}

/// The blocking task's side of one request: hands its answer over once,
/// whole or as a stream.
pub(crate) struct Handover {
    head: RefCell<Option<oneshot::Sender<Handed>>>,
    chunks: RefCell<Option<mpsc::Sender<io::Result<Bytes>>>>,
    /// The headers a streamed answer starts with (ETag, Last-Modified),
    /// set before the route runs.
    extra: RefCell<Extra>,
    streamed: Cell<bool>,
    runtime: Handle,
}

impl Handover {
    pub(crate) fn new(head: oneshot::Sender<Handed>, runtime: Handle) -> Handover {
        Handover {
            head: RefCell::new(Some(head)),
            chunks: RefCell::new(None),
            extra: RefCell::new(Extra::default()),
            streamed: Cell::new(false),
            runtime,
        }
    }

    /// The headers a streamed answer will carry.
    pub(crate) fn set_extra(&self, extra: Extra) {
        *self.extra.borrow_mut() = extra;
    }

    /// Whether the answer started streaming (its body is not in the `Answer`).
    pub(crate) fn streamed(&self) -> bool {
        self.streamed.get()
    }

    /// A writer for a body of this type and caching.
    pub(crate) fn writer(&self, content_type: &'static str, cache: CacheKind) -> Spill<'_> {
        Spill { to: Some(self), content_type, cache, buf: Vec::new() }
    }

    /// Ends the request: hands a whole answer over, or, when it streamed,
    /// ends the stream (cut off unless the answer is a success).
    pub(crate) fn finish(&self, answer: Answer, extra: Extra) {
        if let Some(head) = self.head.borrow_mut().take() {
            let _ = head.send(Handed::Whole(answer, extra));
            return;
        }
        if let Some(chunks) = self.chunks.borrow_mut().take() {
            if answer.status >= 300 {
                let why = String::from_utf8_lossy(&answer.body).into_owned();
                let _ = self.runtime.block_on(async { tokio::time::timeout(STALLED, chunks.send(Err(io::Error::other(why)))).await });
            }
        }
    }

    /// Sends the head of a 200 whose body follows in chunks.
    fn start(&self, content_type: &'static str, cache: CacheKind) -> io::Result<()> {
        let head = self.head.borrow_mut().take().ok_or_else(|| io::Error::other("the answer was already handed over"))?;
        let (tx, rx) = mpsc::channel(IN_FLIGHT);
        let answer = Answer { status: 200, content_type, body: Vec::new(), cache, reason: None };
        head.send(Handed::Streamed(answer, self.extra.borrow().clone(), Chunks(rx)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client is gone"))?;
        *self.chunks.borrow_mut() = Some(tx);
        self.streamed.set(true);
        Ok(())
    }

    /// Sends one chunk, waiting for the client to take the ones before.
    fn send(&self, bytes: Vec<u8>) -> io::Result<()> {
        let chunks = self.chunks.borrow();
        let tx = chunks.as_ref().ok_or_else(|| io::Error::other("the stream has ended"))?;
        match self.runtime.block_on(async { tokio::time::timeout(STALLED, tx.send(Ok(Bytes::from(bytes)))).await }) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "the client is gone")),
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")),
        }
    }
}

/// A body being written: whole while small, streamed past [`SPILL`] bytes.
pub(crate) struct Spill<'a> {
    /// None: never streams (a body always answered whole).
    to: Option<&'a Handover>,
    content_type: &'static str,
    cache: CacheKind,
    buf: Vec<u8>,
}

impl Spill<'_> {
    /// A body always kept whole.
    pub(crate) fn whole(content_type: &'static str, cache: CacheKind) -> Spill<'static> {
        Spill { to: None, content_type, cache, buf: Vec::new() }
    }

    /// The body when it stayed small; empty when it was streamed (the rest
    /// is sent now).
    pub(crate) fn finish(mut self) -> io::Result<Vec<u8>> {
        match self.to {
            Some(to) if to.streamed() => {
                if !self.buf.is_empty() {
                    to.send(std::mem::take(&mut self.buf))?;
                }
                Ok(Vec::new())
            }
            _ => Ok(self.buf),
        }
    }
}

impl io::Write for Spill<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if let Some(to) = self.to {
            if !to.streamed() && self.buf.len() > SPILL {
                to.start(self.content_type, self.cache)?;
            }
            if to.streamed() && self.buf.len() >= CHUNK {
                to.send(std::mem::take(&mut self.buf))?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The connection's side of a streamed body: the chunks as they come; an
/// error cuts the response off.
pub(crate) struct Chunks(mpsc::Receiver<io::Result<Bytes>>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_never_cached() {
        let a = Answer::json(404, b"{}".to_vec(), CacheKind::Past);
        assert_eq!(a.cache, CacheKind::NoStore);
        let e = Answer::error(422, "message", "invalid date");
        assert_eq!(e.body, br#"{"message":"invalid date"}"#);
        assert_eq!(e.cache.header(), "no-store");
        assert_eq!(Answer::json(200, vec![], CacheKind::Relative).cache.header(), "public, max-age=300");
    }

    #[test]
    fn the_cache_keeps_one_store_state_and_small_answers() {
        let c = AnswerCache::default();
        let a = Answer::json(200, b"{}".to_vec(), CacheKind::Relative);
        let claim = c.get_or_claim("t1").unwrap_err();
        c.put(claim, "s1".into(), &a);
        assert_eq!(c.get("t1"), Some(a.clone()));
        assert_eq!(c.get_or_claim("t1").ok(), Some(a.clone()));
        let claim = c.get_or_claim("t2").unwrap_err();
        c.put(claim, "s2".into(), &a);
        assert_eq!(c.get("t1"), None, "another store state drops the old answers");
        assert_eq!(c.get("t2"), Some(a));
        let claim = c.get_or_claim("t3").unwrap_err();
        c.put(claim, "s2".into(), &Answer::error(404, "message", "not found"));
        assert_eq!(c.get("t3"), None, "errors are not kept");
        let claim = c.get_or_claim("t4").unwrap_err();
        c.put(claim, "s2".into(), &Answer::json(200, vec![b' '; AnswerCache::MAX_ANSWER + 1], CacheKind::Relative));
        assert_eq!(c.get("t4"), None, "a large answer is not kept");
        assert!(c.get_or_claim("t4").is_err(), "its claim was given back");
    }

    #[test]
    fn requests_together_wait_for_the_first_to_compute() {
        let c = std::sync::Arc::new(AnswerCache::default());
        let claim = c.get_or_claim("t").unwrap_err();
        let waiter = std::thread::spawn({
            let c = c.clone();
            move || c.get_or_claim("t").ok()
        });
        std::thread::sleep(Duration::from_millis(50));
        let a = Answer::json(200, b"[]".to_vec(), CacheKind::Past);
        c.put(claim, "s".into(), &a);
        assert_eq!(waiter.join().unwrap(), Some(a), "the waiter got the first one's answer");
    }
}

#[cfg(test)]
mod stream_tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_small_body_is_whole_and_a_large_one_streams_in_chunks() {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (tx, rx) = oneshot::channel();
        let worker = std::thread::spawn({
            let handle = rt.handle().clone();
            move || {
                let h = Handover::new(tx, handle);
                let mut w = h.writer("text/csv; charset=utf-8", CacheKind::Past);
                for _ in 0..(3 * SPILL / 1000) {
                    w.write_all(&[b'x'; 1000]).unwrap();
                }
                assert!(h.streamed());
                assert!(w.finish().unwrap().is_empty());
                h.finish(
                    Answer { status: 200, content_type: "", body: Vec::new(), cache: CacheKind::Past, reason: None },
                    Extra::default(),
                );
            }
        });
        let got = rt.block_on(async move {
            let Ok(Handed::Streamed(head, _, mut chunks)) = rx.await else { panic!("not streamed") };
            assert_eq!((head.status, head.content_type), (200, "text/csv; charset=utf-8"));
            let mut n = 0;
            while let Some(chunk) = chunks.0.recv().await {
                n += chunk.unwrap().len();
            }
            n
        });
        worker.join().unwrap();
        assert_eq!(got, 3 * SPILL / 1000 * 1000);
        let mut small = Spill::whole("text/csv; charset=utf-8", CacheKind::Past);
        small.write_all(b"a,b\n").unwrap();
        assert_eq!(small.finish().unwrap(), b"a,b\n");
    }
}
