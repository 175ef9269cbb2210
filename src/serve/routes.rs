//! What a request asks for (`Route`, named by `app`'s handlers), and the
//! answer of each route that reads the store; nothing names a file (a
//! report file is a name in the built list).

use axum::http::{header, HeaderMap, Uri};

use super::answer::{Answer, CacheKind};
use super::shared::{self, Shared};
use super::stream::Handover;
use crate::error::Result;
use crate::model::Instant;
use crate::options::url::UrlQuery;
use crate::store::{ChangeStamp, Store};

/// What a request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/`: a browser goes to the report, another client gets the index.
    Index,
    Healthz,
    Metrics,
    /// Frankfurter v1; the path after `/v1` (or the unversioned path).
    V1(String),
    /// Frankfurter v2; the path after `/v2`.
    V2(String),
    /// `/report/NAME`: a file of the report (`""`: its index.html).
    Report(String),
    /// `/api/COMMAND`: a reading command's output.
    Api(String),
    /// `/chart.png`, `/chart.svg`: the extension.
    Chart(&'static str),
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
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Route::Index => "/",
            Route::Healthz => "/healthz",
            Route::Metrics => "/metrics",
            Route::V1(_) => "/v1",
            Route::V2(_) => "/v2",
            Route::Report(_) => "/report/",
            Route::Api(_) => "/api/",
            Route::Chart(_) => "/chart",
            Route::NotFound => "not found",
            Route::Refused => "refused",
        }
    }

    /// The route of a path for the fast path's 304 (`server`), which answers
    /// before the router: the data routes whose ETag it can vouch for; None
    /// for any other path (the router answers it).
    pub(crate) fn of_path(path: &str) -> Option<Route> {
        Some(match path {
            "/chart.png" => Route::Chart("png"),
            "/chart.svg" => Route::Chart("svg"),
            p if p.starts_with("/api/") => Route::Api(p["/api/".len()..].to_string()),
            p if p.starts_with("/report/") => Route::Report(p["/report/".len()..].to_string()),
            p if p.starts_with("/v2/") => Route::V2(p[3..].to_string()),
            p if p.starts_with("/v1/") => Route::V1(p[3..].to_string()),
            _ => return None,
        })
    }

    /// Whether an answer is kept per store state (`AnswerCache`): those that
    /// depend on nothing but what their ETag names (the report keeps its own).
    pub(crate) fn kept(&self) -> bool {
        matches!(self, Route::V1(_) | Route::V2(_) | Route::Api(_))
    }

    /// Whether the answer is chosen by the request's `Accept` (`Vary: Accept`).
    pub(crate) fn chosen_by_accept(&self) -> bool {
        matches!(self, Route::Index) || matches!(self, Route::V2(p) if p.starts_with("/rates"))
    }

    /// Whether its answers carry an ETag (every data answer does).
    pub(crate) fn has_etag(&self) -> bool {
        matches!(self, Route::V1(_) | Route::V2(_) | Route::Report(_) | Route::Api(_) | Route::Chart(_))
    }
}

/// `/` for a program: the endpoints.
pub(crate) const INDEX: &str = r#"{"name":"fxsnap","endpoints":{"frankfurter_v1":["/v1/latest","/v1/YYYY-MM-DD","/v1/YYYY-MM-DD..YYYY-MM-DD","/v1/YYYY-MM-DD..","/v1/currencies","/latest"],"frankfurter_v2":["/v2/rates","/v2/rates.csv","/v2/rate/{base}/{quote}","/v2/currencies","/v2/currency/{code}","/v2/providers"],"api":["/api/latest","/api/history","/api/stats","/api/convert","/api/conflicts","/api/inputs","/api/check"],"charts":["/chart.png","/chart.svg"],"report":"/report/","metrics":"/metrics","health":"/healthz"}}
"#;

/// The answer of a route that reads the store, inside its read transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) fn with_store(
    shared: &Shared,
    route: &Route,
    uri: &Uri,
    headers: &HeaderMap,
    store: &Store,
    stamp: Option<ChangeStamp>,
    now: Instant,
    handover: &Handover,
) -> Result<Answer> {
    match route {
        Route::Healthz => {
            store.series()?;
            Ok(Answer { status: 200, content_type: "text/plain; charset=utf-8", body: b"ok\n".to_vec(), cache: CacheKind::NoStore })
        }
        Route::Metrics => shared::metrics_answer(shared, store, stamp, now),
        Route::V1(path) | Route::V2(path) => {
            let query = UrlQuery::parse(uri.query())?.pairs().to_vec();
            let today = now.datetime().date_naive();
            let prefer = &shared.opts.prefer;
            Ok(match route {
                Route::V1(_) => super::frankfurter::v1(path, &query, store, today, prefer),
                _ => {
                    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
                    super::frankfurter::v2(path, &query, accept, store, today, prefer, Some(handover))
                }
            })
        }
        Route::Report(name) => super::report::answer(&shared.report, &shared.opts, store, stamp, now, name),
        Route::Api(command) => Ok(match UrlQuery::parse(uri.query()) {
            Ok(q) => super::api::command(store, &shared.opts.defaults, command, &q, now, crate::timespec::now(), handover),
            Err(e) => Answer::error(400, "error", &e.to_string()),
        }),
        Route::Chart(ext) => {
            let format = if *ext == "png" { crate::chart::ImageFormat::Png } else { crate::chart::ImageFormat::Svg };
            Ok(match UrlQuery::parse(uri.query()) {
                Ok(q) => super::api::chart(store, &shared.opts.defaults, format, &q, now),
                Err(e) => Answer::error(400, "error", &e.to_string()),
            })
        }
        Route::Index | Route::NotFound | Route::Refused => Ok(Answer::error(404, "message", "not found")),
    }
}
