//! Listening and connections: hyper's HTTP/1 connection loop under the
//! router, with a 10 s limit on a request head (a slow client is dropped),
//! a 256 KiB read buffer (a larger head is refused by hyper itself; up to
//! that, `http` answers 431 with a JSON message past 16 KiB), at most
//! `--max-connections` connections, and a graceful stop on SIGTERM or
//! SIGINT: no new connections, the requests in flight finished (10 s at
//! most), exit 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use axum::body::Body;
use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use tower::ServiceExt;

use super::app::App;
use super::shared::{self, LogLine, Shared};
use super::Options;
use crate::error::{Error, Result};

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
    let app = super::app::app(shared.clone());
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
        let _ = tokio::task::spawn_blocking(move || shared::read_metrics_ahead(&job)).await;
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
