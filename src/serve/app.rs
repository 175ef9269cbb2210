//! The HTTP application: listening (hyper's HTTP/1 connection loop: a 10 s
//! limit on a request head, a 256 KiB read buffer, at most
//! `--max-connections` connections, a graceful stop on SIGTERM or SIGINT);
//! the layers for what is HTTP's own (the request metrics and access log,
//! CORS, the limits, compression); and one `Router` that declares every
//! path, each handler naming its `Route` and what its answer is computed
//! from (`http::respond` does the rest: the store, the ETag, 304, caching).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::util::BoxCloneService;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;

use super::answer::{Answer, CacheKind, JSON};
use super::http::{self, Asked, Exchange, LogLine, Route, RouteLabel, Shared};
use super::Options;
use crate::chart::ImageFormat;
use crate::error::{Error, Result};
use crate::options::url::decode;

/// The largest request head answered (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// The methods answered (`refuse` answers any other with 405, before routing).
const ALLOWED: &str = "GET, HEAD, OPTIONS";
/// How long a client may take to send a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the requests in flight get to finish after a stop signal.
const DRAIN: Duration = Duration::from_secs(10);
/// hyper's read buffer: heads beyond it are refused before `http` sees them.
const READ_BUFFER: usize = 256 * 1024;
/// Threads answering from the store at once (each with one of the pool's
/// read-only stores); more requests wait their turn. tokio's default (512)
/// would open a store and a thread per request under a burst of a
/// thousand connections.
const STORE_THREADS: usize = 32;
/// How often the store is looked at to read `/metrics`' figures ahead.
const METRICS_AHEAD: Duration = Duration::from_secs(1);

/// Serves until SIGTERM or SIGINT. `on_listening` is told the addresses
/// listened on (the port chosen when `:0` was asked) once all are bound.
pub fn run(opts: Options, on_listening: impl FnOnce(&[SocketAddr]), log: Option<LogLine>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(STORE_THREADS)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the server's runtime", e))?;
    runtime.block_on(serve(opts, on_listening, log))
}

async fn serve(opts: Options, on_listening: impl FnOnce(&[SocketAddr]), log: Option<LogLine>) -> Result<()> {
    let mut listeners = Vec::new();
    for addr in &opts.listen {
        let listener = TcpListener::bind(addr.as_str()).await.map_err(|e| Error::io(format!("cannot listen on {addr}"), e))?;
        listeners.push(listener);
    }
    let addrs: Vec<SocketAddr> = listeners.iter().filter_map(|l| l.local_addr().ok()).collect();
    let limit = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    let shared = Arc::new(Shared::new(opts, log));
    let app = app(shared.clone());
    let graceful = Arc::new(GracefulShutdown::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut accepting = Vec::new();
    for listener in listeners {
        accepting.push(tokio::spawn(accept_loop(listener, app.clone(), limit.clone(), graceful.clone(), stop_rx.clone())));
    }
    let ahead = tokio::spawn(metrics_ahead(shared.clone(), stop_rx.clone()));
    on_listening(&addrs);
    stop_signal().await?;
    let _ = stop_tx.send(true);
    for a in accepting {
        let _ = a.await;
    }
    let _ = ahead.await;
    let graceful = Arc::try_unwrap(graceful).unwrap_or_else(|_| GracefulShutdown::new());
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

async fn accept_loop(
    listener: TcpListener,
    app: App,
    limit: Arc<Semaphore>,
    graceful: Arc<GracefulShutdown>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stop.changed() => return,
        };
        let (stream, peer) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                // Out of descriptors and the like: wait a little rather than spin.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let service = service(app.clone(), peer);
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEAD_TIMEOUT)
            .max_buf_size(READ_BUFFER)
            .serve_connection(TokioIo::new(super::io::JsonErrors::new(stream)), service);
        let watched = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(permit);
        });
    }
}

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
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        // Frankfurter v1, at /v1 and unversioned (`/latest`, `/2026-04-01`) as its old domain serves it.
        // The contract documents need no store.
        .route("/v1/openapi.json", get(|| async { document(super::frankfurter::openapi::v1_json()) }))
        .route("/v2/openapi.json", get(|| async { document(super::frankfurter::openapi::v2_json()) }))
        .route("/v1", get(|s: State<Arc<Shared>>, a: Asked| v1(s, a, "/".into())))
        .route("/v1/", get(|s: State<Arc<Shared>>, a: Asked| v1(s, a, "/".into())))
        .route("/v1/{*rest}", get(|s: State<Arc<Shared>>, Path(rest): Path<String>, a: Asked| v1(s, a, format!("/{rest}"))))
        .route("/{dated}", get(unversioned))
        .route("/v2", get(|s: State<Arc<Shared>>, a: Asked| v2(s, a, "/".into())))
        .route("/v2/", get(|s: State<Arc<Shared>>, a: Asked| v2(s, a, "/".into())))
        .route("/v2/{*rest}", get(|s: State<Arc<Shared>>, Path(rest): Path<String>, a: Asked| v2(s, a, format!("/{rest}"))))
        .route("/api/openapi.json", get(|| async { document(super::openapi::api_document()) }))
        .route("/api/{command}", get(api))
        .route("/chart.png", get(|s: State<Arc<Shared>>, a: Asked| chart(s, a, ImageFormat::Png)))
        .route("/chart.svg", get(|s: State<Arc<Shared>>, a: Asked| chart(s, a, ImageFormat::Svg)))
        // `/report` without its slash: the page's relative links need it.
        .route("/report", get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/report/") }))
        .route("/report/", get(|s: State<Arc<Shared>>, a: Asked| report(s, a, String::new())))
        .route("/report/{name}", get(|s: State<Arc<Shared>>, Path(n): Path<String>, a: Asked| report(s, a, n)))
        .fallback(|| async { not_found() })
        .with_state(shared)
        .layer(CompressionLayer::new().gzip(true).br(true))
}

/// `/healthz`: 200 `ok` while the store can be read.
async fn healthz(State(s): State<Arc<Shared>>, asked: Asked) -> Response {
    http::respond(&s, Route::Healthz, asked, |x: &Exchange<'_>| {
        x.store.series()?;
        Ok(Answer {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: b"ok\n".to_vec(),
            cache: CacheKind::NoStore,
            reason: None,
        })
    })
    .await
}

/// `/metrics`: the store's figures (kept per change stamp) and the server's own.
async fn metrics(State(s): State<Arc<Shared>>, asked: Asked) -> Response {
    http::respond(&s, Route::Metrics, asked, |x: &Exchange<'_>| {
        let body = super::metrics::render(&x.shared.http, &x.shared.store_metrics, x.store, x.stamp, x.now)?;
        Ok(Answer { status: 200, content_type: super::metrics::CONTENT_TYPE, body, cache: CacheKind::NoStore, reason: None })
    })
    .await
}

/// Frankfurter v1; `path` is what follows `/v1` (or the unversioned path).
async fn v1(State(s): State<Arc<Shared>>, asked: Asked, path: String) -> Response {
    http::respond(&s, Route::V1, asked, move |x: &Exchange<'_>| {
        let query = x.query()?;
        Ok(super::frankfurter::v1(&path, query.pairs(), x.store, x.now.datetime().date_naive(), &x.shared.opts.prefer))
    })
    .await
}

/// Frankfurter v2; `path` is what follows `/v2`.
async fn v2(State(s): State<Arc<Shared>>, asked: Asked, path: String) -> Response {
    let route = if path.starts_with("/rates") { Route::V2Rates } else { Route::V2 };
    http::respond(&s, route, asked, move |x: &Exchange<'_>| {
        let query = x.query()?;
        let today = x.now.datetime().date_naive();
        Ok(super::frankfurter::v2(&path, query.pairs(), x.accept(), x.store, today, &x.shared.opts.prefer, Some(x.handover)))
    })
    .await
}

/// `/api/COMMAND`: a reading command's rows.
async fn api(State(s): State<Arc<Shared>>, Path(command): Path<String>, asked: Asked) -> Response {
    http::respond(&s, Route::Api, asked, move |x: &Exchange<'_>| {
        let q = x.query()?;
        Ok(super::api::command(x.store, &x.shared.opts.defaults, &command, &q, x.now, crate::timespec::now(), x.handover))
    })
    .await
}

/// `/chart.png`, `/chart.svg`: the chart command's picture.
async fn chart(State(s): State<Arc<Shared>>, asked: Asked, format: ImageFormat) -> Response {
    http::respond(&s, Route::Chart, asked, move |x: &Exchange<'_>| {
        let q = x.query()?;
        Ok(super::api::chart(x.store, &x.shared.opts.defaults, format, &q, x.now))
    })
    .await
}

/// `/report/NAME`: a file of the report (`""`: its index.html).
async fn report(State(s): State<Arc<Shared>>, asked: Asked, name: String) -> Response {
    http::respond(&s, Route::Report, asked, move |x: &Exchange<'_>| {
        super::report::answer(&x.shared.report, &x.shared.opts, x.store, x.stamp, x.now, &name)
    })
    .await
}

fn not_found() -> Response {
    http::plain_response(Route::NotFound, Answer::error(404, "message", "not found"))
}

/// `/2026-04-01`, `/2026-04-01..`: Frankfurter v1 unversioned; `/latest`,
/// `/current` and `/currencies` too; any other single segment is not found.
async fn unversioned(shared: State<Arc<Shared>>, Path(dated): Path<String>, asked: Asked) -> Response {
    let known = matches!(dated.as_str(), "latest" | "current" | "currencies") || dated.starts_with(|c: char| c.is_ascii_digit());
    if !known {
        return not_found();
    }
    v1(shared, asked, format!("/{dated}")).await
}

/// `/`: a browser (`Accept: text/html`) goes to the report, any other client
/// gets the index of the endpoints; a cache keeps the two apart by `Vary: Accept`.
async fn index(asked: Asked) -> Response {
    let browser = asked.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    let mut response = if browser {
        redirect(StatusCode::FOUND, "/report/")
    } else {
        let answer = Answer { status: 200, content_type: JSON, body: INDEX.as_bytes().to_vec(), cache: CacheKind::Relative, reason: None };
        http::plain_response(Route::Index, answer)
    };
    response.headers_mut().append(header::VARY, HeaderValue::from_static("accept"));
    response
}

/// A contract document (OpenAPI 3.1), the same for every store state.
fn document(bytes: &'static [u8]) -> Response {
    let answer = Answer { status: 200, content_type: JSON, body: bytes.to_vec(), cache: CacheKind::Relative, reason: None };
    http::plain_response(Route::Index, answer)
}

fn redirect(status: StatusCode, to: &'static str) -> Response {
    let answer = Answer {
        status: status.as_u16(),
        content_type: "text/plain; charset=utf-8",
        body: format!("{to}\n").into_bytes(),
        cache: CacheKind::Relative,
        reason: None,
    };
    let mut response = http::plain_response(Route::Index, answer);
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_static(to));
    response
}

/// A request refused before anything is looked up: a JSON message, `Allow` told.
fn refused(status: u16, message: &str) -> Response {
    let mut response = http::plain_response(Route::Refused, Answer::error(status, "error", message));
    if status == 405 {
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(ALLOWED));
    }
    response
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
        let mut response = http::plain_response(
            Route::Refused,
            Answer { status: 204, content_type: "", body: Vec::new(), cache: CacheKind::NoStore, reason: None },
        );
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(ALLOWED));
        return response;
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
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("x-fxsnap-reason"));
        if preflight {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOWED));
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

/// The service of one connection: the application, told the peer's address
/// (for the access log).
fn service(
    app: App,
    peer: SocketAddr,
) -> hyper_util::service::TowerToHyperService<
    impl tower::Service<Request<Incoming>, Response = Response, Error = std::convert::Infallible, Future = impl Send> + Clone,
> {
    hyper_util::service::TowerToHyperService::new(tower::service_fn(move |req: Request<Incoming>| {
        let (mut parts, body) = req.into_parts();
        parts.extensions.insert(peer);
        app.clone().oneshot(Request::from_parts(parts, Body::new(body)))
    }))
}

/// Reads `/metrics`' store figures ahead once a second, so the first scrape
/// after a write seldom waits for them (counting a large store's
/// observations takes a while); stops with the server.
async fn metrics_ahead(shared: Arc<Shared>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(METRICS_AHEAD) => {}
            _ = stop.changed() => return,
        }
        let job = shared.clone();
        let _ = tokio::task::spawn_blocking(move || read_metrics_ahead(&job)).await;
    }
}

/// Waits for SIGTERM or SIGINT.
async fn stop_signal() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).map_err(|e| Error::io("cannot wait for SIGTERM", e))?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| Error::io("cannot wait for SIGINT", e))?;
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(|e| Error::io("cannot wait for Ctrl-C", e))
    }
}

/// Reads the store's figures for `/metrics` ahead of the next scrape when
/// the store changed (the server calls it once a second, on a blocking
/// thread); quiet when there is no store to read.
fn read_metrics_ahead(shared: &Shared) {
    let Ok((store, id)) = shared.pool.take() else { return };
    let Ok(snapshot) = store.begin_read() else { return };
    let read = store.change_stamp().and_then(|stamp| shared.store_metrics.read_ahead(&store, stamp));
    if read.is_ok() && snapshot.finish().is_ok() {
        shared.pool.give_back(store, id);
    }
}

/// `/` for a program: the endpoints.
const INDEX: &str = r#"{"name":"fxsnap","endpoints":{"frankfurter_v1":["/v1/latest","/v1/YYYY-MM-DD","/v1/YYYY-MM-DD..YYYY-MM-DD","/v1/YYYY-MM-DD..","/v1/currencies","/latest"],"frankfurter_v2":["/v2/rates","/v2/rates.csv","/v2/rate/{base}/{quote}","/v2/currencies","/v2/currency/{code}","/v2/providers"],"api":["/api/latest","/api/history","/api/stats","/api/convert","/api/conflicts","/api/inputs","/api/check"],"charts":["/chart.png","/chart.svg"],"report":"/report/","metrics":"/metrics","health":"/healthz","openapi":["/v1/openapi.json","/v2/openapi.json","/api/openapi.json"]}}
"#;
