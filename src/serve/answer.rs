//! What a route answers, before it becomes an HTTP response: a status, a
//! body and the kind of caching it allows. The server adds the headers
//! every answer shares (ETag, Last-Modified, Cache-Control, CORS) from
//! these, so a route computes only its body.

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

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
    pub(crate) location: Option<String>,
    pub(crate) allow: bool,
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
