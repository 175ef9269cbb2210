//! One request, from its head to its response: the methods and limits of
//! DESIGN "HTTP behaviour", the one read transaction every answer is
//! computed in, the ETag (the store's change stamp and the request) with
//! 304 before any query, Cache-Control by the kind of answer,
//! Last-Modified, CORS, the metrics and the access log. Compression is
//! tower-http's layer around it.

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;

use super::answer::{Answer, CacheKind, Extra};
use super::pool::FileId;
use super::routes::{self, Route};
use super::shared::Shared;
use super::stream::{Handed, Handover};
use crate::model::Instant;
use crate::store::ChangeStamp;

/// The largest request head answered (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// How long an answer may take before the client gets 503.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// ETags whose answers' cache kinds are remembered, for a 304's Cache-Control.
const KINDS_KEPT: usize = 10_000;

/// The service of one connection: a revalidation the stamp watch answers
/// with a 304 goes straight back (no router, no compression: it has no
/// body, and it is the request a cache in front sends most); everything
/// else through the router under compression, told the peer's address
/// for the access log.
pub(crate) fn service(
    shared: Arc<Shared>,
    peer: SocketAddr,
) -> hyper_util::service::TowerToHyperService<
    impl tower::Service<
            axum::http::Request<hyper::body::Incoming>,
            Response = Response,
            Error = std::convert::Infallible,
            Future = impl Send,
        > + Clone,
> {
    let router = Router::new().fallback(handle).with_state(shared.clone()).layer(CompressionLayer::new().gzip(true).br(true));
    let svc = tower::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
        let started = std::time::Instant::now();
        let (mut parts, body) = req.into_parts();
        let unchanged = revalidated(&shared, &parts);
        let (shared, router) = (shared.clone(), router.clone());
        async move {
            if let Some((route, handed)) = unchanged {
                return Ok(finish(&shared, route, handed, &parts, Some(peer), started));
            }
            parts.extensions.insert(peer);
            router.oneshot(Request::from_parts(parts, Body::new(body))).await
        }
    });
    hyper_util::service::TowerToHyperService::new(svc)
}

/// The one handler: every path but the fast 304 goes through here.
async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let started = std::time::Instant::now();
    let peer = req.extensions().get::<SocketAddr>().copied();
    let (parts, _body) = req.into_parts();
    let (route, handed) = respond(&shared, &parts).await;
    finish(&shared, route, handed, &parts, peer, started)
}

/// The response of an answer, with CORS, counted in the metrics and logged.
fn finish(
    shared: &Shared,
    route: Route,
    handed: Handed,
    parts: &axum::http::request::Parts,
    peer: Option<SocketAddr>,
    started: std::time::Instant,
) -> Response {
    let mut response = to_response(handed, &parts.method);
    cors(parts, response.headers_mut());
    let status = response.status().as_u16();
    shared.http.record(route.label(), status, started.elapsed().as_secs_f64());
    if let Some(log) = &shared.log {
        let len = response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or("-");
        log(&access_line(peer, parts, status, len));
    }
    response
}

/// The 304 of a GET or HEAD whose If-None-Match names the ETag the stamp
/// watch vouches for, without a thread or a query; None: answer it the
/// usual way (`respond`), which decides the same where this says nothing.
fn revalidated(shared: &Shared, parts: &axum::http::request::Parts) -> Option<(Route, Handed)> {
    let asked = parts.headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    if !matches!(parts.method, Method::GET | Method::HEAD) || refuse(parts).is_some() {
        return None;
    }
    let route = routes::route(parts.uri.path(), parts.uri.query()).ok()?;
    let (tag, modified) = watched_etag(shared, &route, parts)?;
    if !matches_etag(asked, &tag) {
        return None;
    }
    let (a, extra) = not_modified(shared, tag, modified);
    Some((route, Handed::Whole(a, extra)))
}

/// CORS (DESIGN "HTTP behaviour"): `Access-Control-Allow-Origin: *` only
/// when the request has an `Origin`, and a preflight OPTIONS told the
/// methods; every answer varies by `Origin` for a cache in between.
fn cors(parts: &axum::http::request::Parts, h: &mut HeaderMap) {
    h.append(header::VARY, HeaderValue::from_static("origin"));
    if !parts.headers.contains_key(header::ORIGIN) {
        return;
    }
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if parts.method == Method::OPTIONS {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, OPTIONS"));
        if let Some(asked) = parts.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    }
}

async fn respond(shared: &Arc<Shared>, parts: &axum::http::request::Parts) -> (Route, Handed) {
    let whole = |a: Answer, extra: Extra| Handed::Whole(a, extra);
    if let Some(refused) = refuse(parts) {
        return (Route::Refused, whole(refused, Extra { allow: parts.method != Method::GET, ..Extra::default() }));
    }
    let route = match routes::route(parts.uri.path(), parts.uri.query()) {
        Ok(r) => r,
        Err(a) => return (Route::Refused, whole(a, Extra::default())),
    };
    if parts.method == Method::OPTIONS {
        let a =
            Answer { status: 204, content_type: "text/plain; charset=utf-8", body: Vec::new(), cache: CacheKind::NoStore, reason: None };
        return (route, whole(a, Extra { allow: true, ..Extra::default() }));
    }
    if let Some((a, location)) = routes::without_store(&route, &parts.headers) {
        return (route, whole(a, Extra { location, ..Extra::default() }));
    }
    if let Some((a, extra)) = known_answer(shared, &route, parts) {
        return (route, whole(a, extra));
    }
    let job_shared = shared.clone();
    let job_route = route.clone();
    let headers = parts.headers.clone();
    let uri = parts.uri.clone();
    let (head, handed) = tokio::sync::oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    // The answer comes back whole, or as a head whose body follows (`stream`).
    tokio::task::spawn_blocking(move || {
        let handover = Handover::new(head, runtime);
        let (answer, extra) = answer_from_store(&job_shared, &job_route, &uri, &headers, &handover);
        handover.finish(answer, extra);
    });
    let out = match tokio::time::timeout(ANSWER_TIMEOUT, handed).await {
        Ok(Ok(out)) => out,
        Ok(Err(_)) => whole(Answer::error(500, "error", "the answer failed unexpectedly"), Extra::default()),
        Err(_) => whole(Answer::error(503, "error", "the answer took longer than 10 s; try again"), Extra::default()),
    };
    (route, out)
}

/// What is refused before anything is looked up: a method other than GET,
/// HEAD and OPTIONS (405), a body (413), a head over 16 KiB (431), a path
/// or query that is not UTF-8 or names a NUL or a parent folder (400).
fn refuse(parts: &axum::http::request::Parts) -> Option<Answer> {
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Some(Answer::error(405, "error", &format!("method {} is not allowed: GET, HEAD or OPTIONS", parts.method)));
    }
    let has_body = parts.headers.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0")
        || parts.headers.contains_key(header::TRANSFER_ENCODING);
    if has_body {
        return Some(Answer::error(413, "error", "a request body is not accepted: every endpoint is GET"));
    }
    let target = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    let head: usize = target + parts.headers.iter().map(|(k, v)| k.as_str().len() + v.as_bytes().len() + 4).sum::<usize>();
    if head > MAX_HEAD {
        return Some(Answer::error(431, "error", &format!("the request head is {head} bytes; at most {MAX_HEAD} are read")));
    }
    None
}

/// A kept Frankfurter answer, without a thread or a query, when the store's
/// files show it unchanged since its change stamp was last read
/// (`StampWatch`); None: the store must be asked. (The 304 such a look
/// allows was given before the router, by `revalidated`.)
fn known_answer(shared: &Shared, route: &Route, parts: &axum::http::request::Parts) -> Option<(Answer, Extra)> {
    let (tag, modified) = watched_etag(shared, route, parts)?;
    let answer = matches!(route, Route::V1(_) | Route::V2(_)).then(|| shared.answers.get(&tag)).flatten()?;
    Some((answer, Extra { etag: Some(tag), last_modified: modified, ..Extra::default() }))
}

/// The ETag of this request and its Last-Modified, when the route has one
/// and the stamp watch vouches for the stamp the store holds.
fn watched_etag(shared: &Shared, route: &Route, parts: &axum::http::request::Parts) -> Option<(String, Option<String>)> {
    if !route.has_etag() {
        return None;
    }
    let files = shared.pool.files()?;
    let (stamp, modified) = shared.watch.stamp(files)?;
    let now = shared.opts.fixed_now.unwrap_or_else(Instant::now);
    Some((etag_of(files.db, stamp, moment(shared, route, now), &parts.uri, &parts.headers), modified))
}

/// The 304 for a matching ETag, with the Cache-Control its answer had.
fn not_modified(shared: &Shared, tag: String, modified: Option<String>) -> (Answer, Extra) {
    let kind = shared.kinds.lock().unwrap_or_else(|p| p.into_inner()).get(&tag).copied();
    let a = Answer { status: 304, content_type: "", body: Vec::new(), cache: kind.unwrap_or(CacheKind::Relative), reason: None };
    (a, Extra { etag: Some(tag), last_modified: modified, not_modified: true, ..Extra::default() })
}

/// The answer of a route that reads the store: one read transaction, the
/// ETag of the state it sees, 304 when the client has it.
fn answer_from_store(shared: &Shared, route: &Route, uri: &axum::http::Uri, headers: &HeaderMap, handover: &Handover) -> (Answer, Extra) {
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
    let keep = matches!(route, Route::V1(_) | Route::V2(_));
    let (kept, claim) = match etag.as_deref().filter(|_| keep).map(|tag| shared.answers.get_or_claim(tag)) {
        Some(Ok(a)) => (Some(a), None),
        Some(Err(claim)) => (None, Some(claim)),
        None => (None, None),
    };
    let answer = match kept {
        Some(a) => Ok(a),
        None => {
            handover.set_extra(Extra { etag: etag.clone(), last_modified: stamp.and_then(last_modified), ..Extra::default() });
            routes::with_store(shared, route, routes::Asked { uri, headers }, &store, stamp, now, handover)
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
    let etag = if matches!(route, Route::Chart(_)) && store.change_stamp().ok().flatten() != stamp { None } else { etag };
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
fn etag_of(id: FileId, stamp: ChangeStamp, moment: (chrono::NaiveDate, i64), uri: &axum::http::Uri, headers: &HeaderMap) -> String {
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
fn moment(shared: &Shared, route: &Route, now: Instant) -> (chrono::NaiveDate, i64) {
    let made = match route {
        Route::Report(_) | Route::Api(_) | Route::Chart(_) => super::report::made_at(&shared.opts, now).unix(),
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

fn to_response(handed: Handed, method: &Method) -> Response {
    let (answer, extra, chunks) = match handed {
        Handed::Whole(a, e) => (a, e, None),
        Handed::Streamed(a, e, c) => (a, e, Some(c)),
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status);
    let h = builder.headers_mut();
    if let Some(h) = h {
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
        put(header::LOCATION, &extra.location);
        if extra.etag.is_some() {
            // The tag depends on Accept-Encoding (see `etag_of`), compressed or not.
            h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if extra.allow {
            h.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
        }
        h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    }
    // HEAD: the length of the body a GET would get, without the body
    // (a streamed one's length is not known: none is given).
    let body = if let Some(chunks) = chunks {
        if *method == Method::HEAD {
            Body::empty()
        } else {
            Body::new(chunks)
        }
    } else if *method == Method::HEAD {
        if let Some(h) = builder.headers_mut() {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(answer.body.len()));
        }
        Body::empty()
    } else {
        Body::from(answer.body)
    };
    builder.body(body).unwrap_or_else(|_| Response::new(Body::empty()))
}

/// One Common Log Format line.
fn access_line(peer: Option<SocketAddr>, parts: &axum::http::request::Parts, status: u16, len: &str) -> String {
    let host = peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "-".into());
    let when = chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000");
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target: String = target.chars().map(|c| if c == '"' || c.is_control() { '?' } else { c }).collect();
    format!("{host} - - [{when}] \"{} {target} {:?}\" {status} {len}", parts.method, parts.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::Options;

    #[test]
    fn if_none_match_lists_and_stars() {
        assert!(matches_etag("\"a\", \"b\"", "\"b\""));
        assert!(matches_etag("*", "\"b\""));
        assert!(matches_etag("W/\"b\"", "\"b\""));
        assert!(!matches_etag("\"bb\"", "\"b\""));
    }

    #[test]
    fn an_api_answers_etag_moves_within_a_day_a_frankfurter_ones_by_the_day() {
        let opts = Options {
            db: "/nonexistent/rates.db".into(),
            listen: Vec::new(),
            prefer: Vec::new(),
            max_connections: 1,
            title: None,
            stale: "7d".into(),
            ranges: "30d".into(),
            fixed_now: None,
            config: None,
        };
        let shared = Shared::new(opts, None);
        let (t, later) = (Instant::from_unix(1_779_710_400), Instant::from_unix(1_779_710_400 + 301));
        // `/api/history?from=36h` at 12:00 and at 12:05 are two answers.
        let api = Route::Api("history".into());
        assert_ne!(moment(&shared, &api, t), moment(&shared, &api, later));
        assert_ne!(moment(&shared, &Route::Chart("png"), t), moment(&shared, &Route::Chart("png"), later));
        let v1 = Route::V1("/latest".into());
        assert_eq!(moment(&shared, &v1, t), moment(&shared, &v1, later));
        assert_ne!(moment(&shared, &v1, t), moment(&shared, &v1, Instant::from_unix(1_779_710_400 + 86_400)));
    }

    #[test]
    fn last_modified_is_an_http_date() {
        assert_eq!(last_modified(ChangeStamp { counter: 1, at_ms: 1_775_001_600_123 }).as_deref(), Some("Wed, 01 Apr 2026 00:00:00 GMT"));
        assert_eq!(last_modified(ChangeStamp { counter: 0, at_ms: 0 }), None);
    }
}
