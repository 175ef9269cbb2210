//! One request's answer from the store, and the conditional-request unit
//! every answer goes through: the one read transaction (on the blocking
//! pool, a store from the pool, the change stamp read inside it), the ETag
//! of the state it sees (the file, the stamp, the moment, what was asked),
//! If-None-Match and 304 before any query (also the fast path before the
//! router, `fast_not_modified`), Last-Modified and Cache-Control, the
//! answers kept per store state, and the access log's line.

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use hyper::body::Frame;

use std::collections::HashMap;
use std::sync::Mutex;

use super::answer::{Answer, AnswerCache, CacheKind, Extra, Handed, Handover};
use super::metrics::{Http, StoreCache};
use super::pool::{FileId, Pool, StampWatch};
use super::Options;
use crate::model::Instant;
use crate::options::url::UrlQuery;
use crate::store::{ChangeStamp, Store};

/// How long an answer may take before the client gets 503.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// ETags whose answers' cache kinds are remembered, for a 304's Cache-Control.
const KINDS_KEPT: usize = 10_000;

/// What a request asks for, as far as the conditional unit and the
/// metrics care: whether its answer has an ETag, whether it is kept per
/// store state, what "now" its ETag names, its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/`: a browser goes to the report, another client gets the index.
    Index,
    Healthz,
    Metrics,
    /// Frankfurter v1 (at `/v1` and unversioned).
    V1,
    /// Frankfurter v2 but `/v2/rates`.
    V2,
    /// `/v2/rates`, `/v2/rates.csv`: the format chosen by `Accept` too.
    V2Rates,
    /// `/report/NAME`.
    Report,
    /// `/api/COMMAND`.
    Api,
    /// `/chart.png`, `/chart.svg`.
    Chart,
    /// Any other path.
    NotFound,
    /// Refused before routing (a method, a body, a head too large, a bad path).
    Refused,
}

/// The route a response answered, carried in its extensions to the
/// request metrics (a few fixed labels).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteLabel(pub(crate) &'static str);

impl Route {
    /// The `route` label of `fxsnap_http_requests_total` (a few fixed values).
    pub(crate) fn label(self) -> &'static str {
        match self {
            Route::Index => "/",
            Route::Healthz => "/healthz",
            Route::Metrics => "/metrics",
            Route::V1 => "/v1",
            Route::V2 | Route::V2Rates => "/v2",
            Route::Report => "/report/",
            Route::Api => "/api/",
            Route::Chart => "/chart",
            Route::NotFound => "not found",
            Route::Refused => "refused",
        }
    }

    /// The route of a path for the fast 304 (before the router): the data
    /// routes whose ETag the stamp watch can vouch for; None for any other.
    pub(crate) fn of_path(path: &str) -> Option<Route> {
        Some(match path {
            "/chart.png" | "/chart.svg" => Route::Chart,
            p if p.starts_with("/api/") => Route::Api,
            p if p.starts_with("/report/") => Route::Report,
            p if p.starts_with("/v2/rates") => Route::V2Rates,
            p if p.starts_with("/v2/") => Route::V2,
            p if p.starts_with("/v1/") => Route::V1,
            _ => return None,
        })
    }

    /// Whether an answer is kept per store state (`AnswerCache`): those that
    /// depend on nothing but what their ETag names (the report keeps its own).
    fn kept(self) -> bool {
        matches!(self, Route::V1 | Route::V2 | Route::V2Rates | Route::Api)
    }

    /// Whether the answer is chosen by the request's `Accept` (`Vary: Accept`).
    fn chosen_by_accept(self) -> bool {
        matches!(self, Route::Index | Route::V2Rates)
    }

    /// Whether its answers carry an ETag (every data answer does).
    fn has_etag(self) -> bool {
        matches!(self, Route::V1 | Route::V2 | Route::V2Rates | Route::Report | Route::Api | Route::Chart)
    }
}

/// Writes one access-log line (standard error for `--access-log`).
pub type LogLine = Arc<dyn Fn(&str) + Send + Sync>;

/// What every request shares.
pub(crate) struct Shared {
    pub opts: Options,
    pub pool: Pool,
    pub http: Http,
    pub store_metrics: StoreCache,
    pub report: super::report::ReportCache,
    /// The Frankfurter answers of the store state last seen, by ETag.
    pub(crate) answers: AnswerCache,
    /// The change stamp last read, with the store's files as they were.
    pub(crate) watch: StampWatch,
    pub(crate) log: Option<LogLine>,
    /// The cache kind of each ETag given out, for the 304 that revalidates it.
    pub(crate) kinds: Mutex<HashMap<String, CacheKind>>,
}

impl Shared {
    pub(crate) fn new(opts: Options, log: Option<LogLine>) -> Shared {
        let pool = Pool::new(&opts.db);
        Shared {
            opts,
            pool,
            http: Http::new(),
            store_metrics: StoreCache::default(),
            report: Default::default(),
            answers: AnswerCache::default(),
            watch: StampWatch::default(),
            log,
            kinds: Mutex::new(HashMap::new()),
        }
    }
}

/// What a route's answer is computed from: the request, the server's
/// shared state, and the store inside the request's read transaction.
pub(crate) struct Exchange<'a> {
    pub shared: &'a Shared,
    pub store: &'a Store,
    pub stamp: Option<ChangeStamp>,
    pub now: Instant,
    pub asked: &'a Asked,
    pub handover: &'a Handover,
}

impl Exchange<'_> {
    /// The request's query parameters.
    pub(crate) fn query(&self) -> crate::error::Result<UrlQuery> {
        UrlQuery::parse(self.asked.uri.query())
    }

    /// The request's `Accept`.
    pub(crate) fn accept(&self) -> Option<&str> {
        self.asked.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
    }
}

/// What a request asks beyond its route: the URI and the
/// headers (the Accept that chooses a format, the coding, If-None-Match).
#[derive(Clone, Debug)]
pub(crate) struct Asked {
    pub uri: Uri,
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Asked { uri: parts.uri.clone(), headers: parts.headers.clone() })
    }
}

/// The answer of a route: a kept one when the store's files vouch for its
/// state, else `compute`d from the store on a blocking thread (whole, or
/// streamed as it is written), 503 past 10 s; labelled for the metrics.
pub(crate) async fn respond<F>(shared: &Arc<Shared>, route: Route, asked: Asked, compute: F) -> Response
where
    F: FnOnce(&Exchange<'_>) -> crate::error::Result<Answer> + Send + 'static,
{
    if let Some((a, extra)) = known_answer(shared, route, &asked) {
        return to_response(Handed::Whole(a, extra), route);
    }
    let job_shared = shared.clone();
    let (head, handed) = tokio::sync::oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    // The answer comes back whole, or as a head whose body follows.
    tokio::task::spawn_blocking(move || {
        let handover = Handover::new(head, runtime);
        let (answer, extra) = answer_from_store(&job_shared, route, &asked, &handover, compute);
        handover.finish(answer, extra);
    });
    let out = match tokio::time::timeout(ANSWER_TIMEOUT, handed).await {
        Ok(Ok(out)) => out,
        Ok(Err(_)) => Handed::Whole(Answer::error(500, "error", "the answer failed unexpectedly"), Extra::default()),
        Err(_) => Handed::Whole(Answer::error(503, "error", "the answer took longer than 10 s; try again"), Extra::default()),
    };
    to_response(out, route)
}

/// The 304 of a GET or HEAD whose If-None-Match names the ETag the stamp
/// watch vouches for, without a thread or a query (the fast path before the
/// router); None: the router answers it, and
/// `answer_from_store` decides the same where this says nothing.
pub(crate) fn fast_not_modified(shared: &Shared, req: &Request) -> Option<Response> {
    let asked = req.headers().get(header::IF_NONE_MATCH)?.to_str().ok()?;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let route = Route::of_path(req.uri().path())?;
    let (tag, modified) = watched_etag(shared, route, req.uri(), req.headers())?;
    if !matches_etag(asked, &tag) {
        return None;
    }
    let (a, extra) = not_modified(shared, tag, modified);
    Some(to_response(Handed::Whole(a, extra), route))
}

/// A kept Frankfurter answer, without a thread or a query, when the store's
/// files show it unchanged since its change stamp was last read
/// (`StampWatch`); None: the store must be asked. (The 304 such a look
/// allows was given before the router, by `revalidated`.)
fn known_answer(shared: &Shared, route: Route, asked: &Asked) -> Option<(Answer, Extra)> {
    let (tag, modified) = watched_etag(shared, route, &asked.uri, &asked.headers)?;
    let answer = route.kept().then(|| shared.answers.get(&tag)).flatten()?;
    Some((answer, Extra { etag: Some(tag), last_modified: modified, ..Extra::default() }))
}

/// The ETag of this request and its Last-Modified, when the route has one
/// and the stamp watch vouches for the stamp the store holds.
fn watched_etag(shared: &Shared, route: Route, uri: &Uri, headers: &HeaderMap) -> Option<(String, Option<String>)> {
    if !route.has_etag() {
        return None;
    }
    let files = shared.pool.files()?;
    let (stamp, modified) = shared.watch.stamp(files)?;
    let now = shared.opts.fixed_now.unwrap_or_else(Instant::now);
    Some((etag_of(files.db, stamp, moment(shared, route, now), uri, headers), modified))
}

/// The 304 for a matching ETag, with the Cache-Control its answer had.
fn not_modified(shared: &Shared, tag: String, modified: Option<String>) -> (Answer, Extra) {
    let kind = shared.kinds.lock().unwrap_or_else(|p| p.into_inner()).get(&tag).copied();
    let a = Answer { status: 304, content_type: "", body: Vec::new(), cache: kind.unwrap_or(CacheKind::Relative), reason: None };
    (a, Extra { etag: Some(tag), last_modified: modified, not_modified: true })
}

/// The answer of a route that reads the store: one read transaction, the
/// ETag of the state it sees, 304 when the client has it.
fn answer_from_store<F>(shared: &Shared, route: Route, asked: &Asked, handover: &Handover, compute: F) -> (Answer, Extra)
where
    F: FnOnce(&Exchange<'_>) -> crate::error::Result<Answer>,
{
    let (uri, headers) = (&asked.uri, &asked.headers);
    // The files looked at before the stamp is read (a commit in between
    // makes them differ at the next look, never the other way round).
    let looked = (shared.pool.files(), std::time::SystemTime::now());
    let (store, id) = match shared.pool.take() {
        Ok(s) => s,
        Err(e) => return (Answer::error(503, "error", &e.0), Extra::default()),
    };
    let broken = |e: crate::error::Error| (Answer::error(503, "error", &format!("the store cannot be read now: {e}")), Extra::default());
    let snapshot = match store.begin_read() {
        Ok(s) => s,
        Err(e) => return broken(e),
    };
    let stamp = match store.change_stamp() {
        Ok(s) => s,
        Err(e) => return broken(e),
    };
    if let (Some(files), Some(s)) = (looked.0, stamp) {
        if (files.db.dev, files.db.ino) == (id.dev, id.ino) {
            shared.watch.record(files, looked.1, s, last_modified(s));
        }
    }
    let now = shared.opts.fixed_now.unwrap_or_else(Instant::now);
    let etag = if route.has_etag() { stamp.map(|s| etag_of(id, s, moment(shared, route, now), uri, headers)) } else { None };
    if let (Some(tag), Some(asked)) = (&etag, headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok())) {
        if let (true, Some(s)) = (matches_etag(asked, tag), stamp) {
            drop(snapshot);
            shared.pool.give_back(store, id);
            return not_modified(shared, tag.clone(), last_modified(s));
        }
    }
    // The Frankfurter answers depend on nothing but what the ETag names
    // (their "now" is the day): one kept for this tag is the answer.
    let keep = route.kept();
    let (kept, claim) = match etag.as_deref().filter(|_| keep).map(|tag| shared.answers.get_or_claim(tag)) {
        Some(Ok(a)) => (Some(a), None),
        Some(Err(claim)) => (None, Some(claim)),
        None => (None, None),
    };
    let answer = match kept {
        Some(a) => Ok(a),
        None => {
            handover.set_extra(Extra { etag: etag.clone(), last_modified: stamp.and_then(last_modified), ..Extra::default() });
            compute(&Exchange { shared, store: &store, stamp, now, asked, handover })
        }
    };
    let finished = snapshot.finish();
    let answer = match (answer, finished) {
        (Ok(a), Ok(())) => a,
        (Err(e), _) | (Ok(_), Err(e)) => return broken(e),
    };
    // The charts read the store on their own (the chart command's own
    // read): an answer from a later state than the stamp is not labelled
    // with the stamp's ETag.
    let etag = if route == Route::Chart && store.change_stamp().ok().flatten() != stamp { None } else { etag };
    shared.pool.give_back(store, id);
    if answer.status >= 300 {
        return (answer, Extra::default());
    }
    if let (Some(claim), false) = (claim, handover.streamed()) {
        shared.answers.put(claim, state_of(id, stamp), &answer);
    }
    if let Some(tag) = &etag {
        let mut kinds = shared.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if kinds.len() >= KINDS_KEPT {
            kinds.clear();
        }
        kinds.insert(tag.clone(), answer.cache);
    }
    let last_modified = if etag.is_some() { stamp.and_then(last_modified) } else { None };
    (answer, Extra { etag, last_modified, ..Extra::default() })
}

/// A strong ETag: the file, its change stamp, the moment (`moment`) and what was asked (path,
/// query, the Accept that chooses a format, and the Accept-Encoding that
/// chooses the content coding: a gzip body and the identity body of the
/// same answer are two representations, never under one strong tag).
fn etag_of(id: FileId, stamp: ChangeStamp, moment: (chrono::NaiveDate, i64), uri: &Uri, headers: &HeaderMap) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    moment.hash(&mut h);
    uri.path().hash(&mut h);
    uri.query().hash(&mut h);
    headers.get(header::ACCEPT).map(|v| v.as_bytes()).hash(&mut h);
    headers.get(header::ACCEPT_ENCODING).map(|v| v.as_bytes()).hash(&mut h);
    format!("\"{}-{:016x}\"", state_of(id, Some(stamp)), h.finish())
}

/// The time an answer's ETag names: its day (answers relative to now move
/// with it) and, for the report (its ages count from when it is made) and
/// for the API and the charts (`from=36h` moves within a day), "now" to
/// the report's refresh (0 for the others: Frankfurter's answers move by
/// the day only).
fn moment(shared: &Shared, route: Route, now: Instant) -> (chrono::NaiveDate, i64) {
    let made = match route {
        Route::Report | Route::Api | Route::Chart => super::report::made_at(&shared.opts, now).unix(),
        _ => 0,
    };
    (now.datetime().date_naive(), made)
}

/// The store state an ETag names: the file (device and inode) and its change stamp.
fn state_of(id: FileId, stamp: Option<ChangeStamp>) -> String {
    let (counter, at) = stamp.map_or((0, 0), |s| (s.counter, s.at_ms));
    format!("{:x}.{:x}-{counter}.{at:x}", id.dev, id.ino)
}

/// Whether an If-None-Match list names this ETag (`*` names any); a weak
/// `W/` tag compares by its value, as RFC 9110 asks of If-None-Match.
fn matches_etag(asked: &str, tag: &str) -> bool {
    asked.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

/// An HTTP date of the change stamp's time (None before any write).
fn last_modified(stamp: ChangeStamp) -> Option<String> {
    if stamp.at_ms <= 0 {
        return None;
    }
    chrono::DateTime::from_timestamp(stamp.at_ms / 1000, 0).map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

/// A response of an answer and its extra headers: the caching headers of
/// the conditional unit (ETag, Last-Modified, Cache-Control, `Vary`), the
/// content type unless a 304. (HEAD's length and empty body are axum's.)
fn to_response(handed: Handed, route: Route) -> Response {
    let (answer, extra, chunks) = match handed {
        Handed::Whole(a, e) => (a, e, None),
        Handed::Streamed(a, e, c) => (a, e, Some(c)),
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(match chunks {
        Some(chunks) => Body::new(chunks),
        // A 304 says nothing of the length of the answer it stands for.
        None if extra.not_modified => Body::new(NoContent),
        None => Body::from(answer.body),
    });
    *response.status_mut() = status;
    let h = response.headers_mut();
    if !extra.not_modified && !answer.content_type.is_empty() && answer.status != 204 {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(answer.cache.header()));
    let mut put = |name: header::HeaderName, value: &Option<String>| {
        if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            h.insert(name, v);
        }
    };
    put(header::ETAG, &extra.etag);
    put(header::LAST_MODIFIED, &extra.last_modified);
    if extra.etag.is_some() {
        // The tag depends on Accept-Encoding (see `etag_of`), compressed or not.
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    // Why an answer is empty (a v2 answer past the 14-day rule).
    if let Some(reason) = answer.reason.as_deref().and_then(|r| HeaderValue::from_str(r).ok()) {
        h.insert(HeaderName::from_static("x-fxsnap-reason"), reason);
    }
    if route.chosen_by_accept() {
        h.append(header::VARY, HeaderValue::from_static("accept"));
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response.extensions_mut().insert(RouteLabel(route.label()));
    response
}

/// The body of a 304: none, and no length claimed for it (axum would
/// write `content-length: 0` for an empty body of a known size, and RFC
/// 9110 lets a 304 carry only the length of the 200 it validates).
struct NoContent;

impl hyper::body::Body for NoContent {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }
}

/// A response of an answer that needs no store (`/`, a refusal), labelled
/// with its route.
pub(crate) fn plain_response(route: Route, answer: Answer) -> Response {
    to_response(Handed::Whole(answer, Extra::default()), route)
}

/// The part of an access-log line known from the request: `"GET /x HTTP/1.1"`.
pub(crate) fn request_line<B>(req: &Request<B>) -> String {
    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target: String = target.chars().map(|c| if c == '"' || c.is_control() { '?' } else { c }).collect();
    format!("\"{} {target} {:?}\"", req.method(), req.version())
}

/// The response, logged when its body has been sent (one Common Log Format
/// line: its size is the bytes of the body as sent, `-` for none).
pub(crate) fn logged(response: Response, log: LogLine, peer: Option<SocketAddr>, line: String, status: u16) -> Response {
    let host = peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "-".into());
    let when = chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000");
    let prefix = format!("{host} - - [{when}] {line} {status}");
    response.map(|body| Body::new(Counted { body, sent: 0, log: Some((log, prefix)) }))
}

/// A body that counts the bytes it hands out and writes the access-log line
/// when it ends (or is dropped: a client gone mid-answer).
struct Counted {
    body: Body,
    sent: u64,
    log: Option<(LogLine, String)>,
}

impl Counted {
    fn write_line(&mut self) {
        if let Some((log, prefix)) = self.log.take() {
            let size = if self.sent == 0 { "-".to_string() } else { self.sent.to_string() };
            log(&format!("{prefix} {size}"));
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.write_line();
    }
}

impl hyper::body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.sent += data.len() as u64;
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => self.write_line(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_stars() {
        assert!(matches_etag("\"a\", \"b\"", "\"b\""));
        assert!(matches_etag("*", "\"b\""));
        assert!(matches_etag("W/\"b\"", "\"b\""));
        assert!(!matches_etag("\"bb\"", "\"b\""));
    }

    #[test]
    fn an_api_answers_etag_moves_within_a_day_a_frankfurter_ones_by_the_day() {
        let opts = crate::serve::test_options();
        let shared = Shared::new(opts, None);
        let (t, later) = (Instant::from_unix(1_779_710_400), Instant::from_unix(1_779_710_400 + 301));
        // `/api/history?from=36h` at 12:00 and at 12:05 are two answers.
        let api = Route::Api;
        assert_ne!(moment(&shared, api, t), moment(&shared, api, later));
        assert_ne!(moment(&shared, Route::Chart, t), moment(&shared, Route::Chart, later));
        let v1 = Route::V1;
        assert_eq!(moment(&shared, v1, t), moment(&shared, v1, later));
        assert_ne!(moment(&shared, v1, t), moment(&shared, v1, Instant::from_unix(1_779_710_400 + 86_400)));
    }

    #[test]
    fn last_modified_is_an_http_date() {
        assert_eq!(last_modified(ChangeStamp { counter: 1, at_ms: 1_775_001_600_123 }).as_deref(), Some("Wed, 01 Apr 2026 00:00:00 GMT"));
        assert_eq!(last_modified(ChangeStamp { counter: 0, at_ms: 0 }), None);
    }
}
