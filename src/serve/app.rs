//! The HTTP application: one `Router` that declares every path, handlers
//! that name what is asked (`Route`) from typed extractors and hand it to
//! the one store-access helper (`http::respond`), and the layers for what is
//! HTTP's own: refusals and limits, CORS, the access log and the request
//! metrics, compression (tower-http).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use axum::routing::get;
use axum::Router;
use tower::util::BoxCloneService;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;

use super::answer::{Answer, CacheKind, JSON};
use super::http::{self, Asked};
use super::routes::{Route, RouteLabel};
use super::shared::Shared;
use crate::options::url::decode;

/// The largest request head answered (request line and headers).
const MAX_HEAD: usize = 16 * 1024;

/// The application a connection is served by: the layers for what is
/// HTTP's own (the request metrics and access log, CORS, the limits) around
/// the fast 304 (`http::revalidated`: a revalidation the stamp watch
/// vouches for, answered without the router, compression or a thread; it is
/// the request a cache in front sends most), else the router.
pub(crate) type App = BoxCloneService<Request, Response, Infallible>;

pub(crate) fn app(shared: Arc<Shared>) -> App {
    let router = router(shared.clone());
    let fast = shared.clone();
    let inner = tower::service_fn(move |req: Request| {
        let not_modified = http::fast_not_modified(&fast, &req);
        let router = router.clone();
        async move {
            match not_modified {
                Some(response) => Ok(response),
                None => router.oneshot(req).await,
            }
        }
    });
    ServiceBuilder::new()
        .boxed_clone()
        .layer(middleware::from_fn_with_state(shared, log_and_count))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn(refuse))
        .service(inner)
}

/// Every path the server answers.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::Healthz)))
        .route("/metrics", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::Metrics)))
        // Frankfurter v1, at /v1 and unversioned (`/latest`, `/2026-04-01`) as its old domain serves it.
        .route("/v1", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::V1("/".into()))))
        .route("/v1/", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::V1("/".into()))))
        .route("/v1/{*rest}", get(|s: State<Arc<Shared>>, Path(rest): Path<String>, a: Asked| answer(s, a, Route::V1(format!("/{rest}")))))
        .route("/{dated}", get(unversioned))
        .route("/v2", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::V2("/".into()))))
        .route("/v2/", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::V2("/".into()))))
        .route("/v2/{*rest}", get(|s: State<Arc<Shared>>, Path(rest): Path<String>, a: Asked| answer(s, a, Route::V2(format!("/{rest}")))))
        .route("/api/openapi.json", get(|| async { document(super::openapi::api_document()) }))
        .route("/api/{command}", get(|s: State<Arc<Shared>>, Path(c): Path<String>, a: Asked| answer(s, a, Route::Api(c))))
        .route("/chart.png", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::Chart("png"))))
        .route("/chart.svg", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::Chart("svg"))))
        // `/report` without its slash: the page's relative links need it.
        .route("/report", get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/report/") }))
        .route("/report/", get(|s: State<Arc<Shared>>, a: Asked| answer(s, a, Route::Report(String::new()))))
        .route("/report/{name}", get(|s: State<Arc<Shared>>, Path(n): Path<String>, a: Asked| answer(s, a, Route::Report(n))))
        .fallback(|| async { labelled(Route::NotFound, Answer::error(404, "message", "not found").into_response()) })
        .method_not_allowed_fallback(|method: Method| async move {
            refused(405, &format!("method {method} is not allowed: GET, HEAD or OPTIONS"))
        })
        .with_state(shared)
        .layer(CompressionLayer::new().gzip(true).br(true))
}

/// A route's answer through the store (`http::respond`), labelled for the metrics.
async fn answer(State(shared): State<Arc<Shared>>, asked: Asked, route: Route) -> Response {
    let response = http::respond(&shared, &route, &asked).await;
    labelled(route, response)
}

/// `/2026-04-01`, `/2026-04-01..`: Frankfurter v1 unversioned; `/latest`,
/// `/current` and `/currencies` too; any other single segment is not found.
async fn unversioned(shared: State<Arc<Shared>>, Path(dated): Path<String>, asked: Asked) -> Response {
    let known = matches!(dated.as_str(), "latest" | "current" | "currencies") || dated.starts_with(|c: char| c.is_ascii_digit());
    if !known {
        return labelled(Route::NotFound, Answer::error(404, "message", "not found").into_response());
    }
    answer(shared, asked, Route::V1(format!("/{dated}"))).await
}

/// `/`: a browser (`Accept: text/html`) goes to the report, any other client
/// gets the index of the endpoints; a cache keeps the two apart by `Vary: Accept`.
async fn index(asked: Asked) -> Response {
    let browser = asked.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    let mut response = if browser {
        redirect(StatusCode::FOUND, "/report/")
    } else {
        let answer = Answer { status: 200, content_type: JSON, body: super::routes::INDEX.as_bytes().to_vec(), cache: CacheKind::Relative };
        http::plain_response(answer)
    };
    response.headers_mut().append(header::VARY, HeaderValue::from_static("accept"));
    labelled(Route::Index, response)
}

/// A contract document (OpenAPI 3.1), the same for every store state.
fn document(bytes: &'static [u8]) -> Response {
    let answer = Answer { status: 200, content_type: JSON, body: bytes.to_vec(), cache: CacheKind::Relative };
    labelled(Route::Index, http::plain_response(answer))
}

fn redirect(status: StatusCode, to: &'static str) -> Response {
    let answer = Answer {
        status: status.as_u16(),
        content_type: "text/plain; charset=utf-8",
        body: format!("{to}\n").into_bytes(),
        cache: CacheKind::Relative,
    };
    let mut response = http::plain_response(answer);
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_static(to));
    response
}

fn labelled(route: Route, mut response: Response) -> Response {
    response.extensions_mut().insert(RouteLabel(route.label()));
    response
}

/// A request refused before anything is looked up: a JSON message, `Allow` told.
fn refused(status: u16, message: &str) -> Response {
    let mut response = http::plain_response(Answer::error(status, "error", message));
    if status == 405 {
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    }
    labelled(Route::Refused, response)
}

/// The limits of DESIGN "HTTP behaviour", before any route: a method other
/// than GET, HEAD and OPTIONS (405), a body (413), a head over 16 KiB (431),
/// a path that is not UTF-8 once decoded or names a NUL or a `.`/`..`
/// segment, or a query that is not UTF-8 (400). A preflight OPTIONS is
/// answered here (`cors` adds its headers).
async fn refuse(req: Request, next: Next) -> Response {
    if let Some(response) = refusal(&req) {
        return response;
    }
    if req.method() == Method::OPTIONS {
        let mut response = http::plain_response(Answer { status: 204, content_type: "", body: Vec::new(), cache: CacheKind::NoStore });
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
        return labelled(Route::Refused, response);
    }
    next.run(req).await
}

fn refusal(req: &Request) -> Option<Response> {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Some(refused(405, &format!("method {} is not allowed: GET, HEAD or OPTIONS", req.method())));
    }
    let headers = req.headers();
    let has_body =
        headers.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0") || headers.contains_key(header::TRANSFER_ENCODING);
    if has_body {
        return Some(refused(413, "a request body is not accepted: every endpoint is GET"));
    }
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let head: usize = target + headers.iter().map(|(k, v)| k.as_str().len() + v.as_bytes().len() + 4).sum::<usize>();
    if head > MAX_HEAD {
        return Some(refused(431, &format!("the request head is {head} bytes; at most {MAX_HEAD} are read")));
    }
    let Some(path) = decode(req.uri().path(), false) else { return Some(refused(400, "the path is not UTF-8 once decoded")) };
    if path.contains('\0') {
        return Some(refused(400, "the path contains a NUL"));
    }
    if path.split('/').any(|seg| seg == ".." || seg == ".") {
        return Some(refused(400, "the path contains a `.` or `..` segment"));
    }
    if let Err(e) = crate::options::url::UrlQuery::parse(req.uri().query()) {
        return Some(refused(400, &e.to_string()));
    }
    None
}

/// CORS (DESIGN "HTTP behaviour"): `Access-Control-Allow-Origin: *` only
/// when a request has an `Origin`, a preflight told the methods, and every
/// answer varies by `Origin`. (tower-http's `CorsLayer` with any origin
/// sends `*` on every answer and a 200 to every OPTIONS: not the contract.)
async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().contains_key(header::ORIGIN);
    let preflight = req.method() == Method::OPTIONS;
    let asked_headers = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("origin"));
    if origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        if preflight {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, OPTIONS"));
            if let Some(asked) = asked_headers {
                h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
            }
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        }
    }
    response
}

/// Each request counted in the metrics by route and status, and logged (one
/// Common Log Format line, its size the body's length as sent) when asked.
async fn log_and_count(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let line = shared.log.is_some().then(|| http::request_line(&req));
    let peer = req.extensions().get::<SocketAddr>().copied();
    let response = next.run(req).await;
    let label = response.extensions().get::<RouteLabel>().map_or("refused", |l| l.0);
    let status = response.status().as_u16();
    shared.http.record(label, status, started.elapsed().as_secs_f64());
    match (line, &shared.log) {
        (Some(line), Some(log)) => http::logged(response, log.clone(), peer, line, status),
        _ => response,
    }
}
