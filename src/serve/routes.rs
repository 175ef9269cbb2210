//! Which answer a path gets. Frankfurter v1 (at `/v1` and unversioned),
//! v2 (at `/v2`), the report at `/report/`, `/metrics`, `/healthz` and
//! `/`; nothing names a file (a report file is a name in the built list).

use axum::http::{header, HeaderMap, Uri};

use super::answer::{Answer, CacheKind, JSON};
use super::shared::{self, Shared};
use super::stream::Handover;
use crate::error::Result;
use crate::model::Instant;
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

    /// Whether its answers carry an ETag (every data answer does).
    pub(crate) fn has_etag(&self) -> bool {
        matches!(self, Route::V1(_) | Route::V2(_) | Route::Report(_) | Route::Api(_) | Route::Chart(_))
    }
}

/// The route of a path, or a 400 for a path no route could name (not
/// UTF-8 once decoded, a NUL, a `..` segment, a query not UTF-8).
pub(crate) fn route(raw_path: &str, raw_query: Option<&str>) -> std::result::Result<Route, Answer> {
    let path = decode(raw_path, false).ok_or_else(|| bad("the path is not UTF-8 once decoded"))?;
    if path.contains('\0') {
        return Err(bad("the path contains a NUL"));
    }
    if path.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err(bad("the path contains a `.` or `..` segment"));
    }
    if let Some(q) = raw_query {
        query_pairs(q).map_err(|e| bad(&e))?;
    }
    Ok(match path.as_str() {
        "/" => Route::Index,
        "/healthz" => Route::Healthz,
        "/metrics" => Route::Metrics,
        "/report" => Route::Report("/".into()),
        "/chart.png" => Route::Chart("png"),
        "/chart.svg" => Route::Chart("svg"),
        p if p.starts_with("/api/") => Route::Api(p["/api/".len()..].to_string()),
        p if p.starts_with("/report/") && !p["/report/".len()..].contains('/') => Route::Report(p["/report/".len()..].to_string()),
        p if p == "/v1" || p.starts_with("/v1/") => Route::V1(rest_or_root(&p[3..])),
        p if p == "/v2" || p.starts_with("/v2/") => Route::V2(rest_or_root(&p[3..])),
        // Frankfurter v1 unversioned, as its old domain still serves it.
        "/latest" | "/current" | "/currencies" => Route::V1(path.clone()),
        p if p.as_bytes().get(1).is_some_and(u8::is_ascii_digit) => Route::V1(path.clone()),
        _ => Route::NotFound,
    })
}

fn rest_or_root(rest: &str) -> String {
    if rest.is_empty() {
        "/".to_string()
    } else {
        rest.to_string()
    }
}

fn bad(message: &str) -> Answer {
    Answer::error(400, "error", message)
}

/// The query's `name=value` pairs, percent- and `+`-decoded, in order.
pub(crate) fn query_pairs(raw: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = decode(k, true).ok_or_else(|| "a query parameter's name is not UTF-8 once decoded".to_string())?;
        let v = decode(v, true).ok_or_else(|| format!("the value of query parameter `{k}` is not UTF-8 once decoded"))?;
        out.push((k, v));
    }
    Ok(out)
}

/// Percent-decoding (and `+` as a space in a query); None when the bytes
/// are not UTF-8. A `%` not followed by two hex digits stays as it is.
fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Answers that need no store: `/` and paths no route knows. The second
/// value is a redirect's Location.
pub(crate) fn without_store(route: &Route, headers: &HeaderMap) -> Option<(Answer, Option<String>)> {
    match route {
        Route::Index => {
            let browser = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
            if browser {
                let a = Answer {
                    status: 302,
                    content_type: "text/plain; charset=utf-8",
                    body: b"/report/\n".to_vec(),
                    cache: CacheKind::Relative,
                    reason: None,
                };
                Some((a, Some("/report/".to_string())))
            } else {
                Some((
                    Answer { status: 200, content_type: JSON, body: INDEX.as_bytes().to_vec(), cache: CacheKind::Relative, reason: None },
                    None,
                ))
            }
        }
        // `/report` without its slash: the page's relative links need it.
        Route::Report(name) if name == "/" => {
            let a = Answer {
                status: 301,
                content_type: "text/plain; charset=utf-8",
                body: b"/report/\n".to_vec(),
                cache: CacheKind::Relative,
                reason: None,
            };
            Some((a, Some("/report/".to_string())))
        }
        Route::NotFound => Some((Answer::error(404, "message", "not found"), None)),
        Route::Refused => Some((Answer::error(400, "error", "refused"), None)),
        _ => None,
    }
}

/// The request's query pairs (already checked by `route`).
fn query_of(uri: &Uri) -> Result<Vec<(String, String)>> {
    Ok(uri.query().map(query_pairs).transpose().map_err(crate::error::Error::Invalid)?.unwrap_or_default())
}

/// `/` for a program: the endpoints.
const INDEX: &str = r#"{"name":"fxsnap","endpoints":{"frankfurter_v1":["/v1/latest","/v1/YYYY-MM-DD","/v1/YYYY-MM-DD..YYYY-MM-DD","/v1/YYYY-MM-DD..","/v1/currencies","/latest"],"frankfurter_v2":["/v2/rates","/v2/rates.csv","/v2/rate/{base}/{quote}","/v2/currencies","/v2/currency/{code}","/v2/providers"],"api":["/api/latest","/api/history","/api/stats","/api/convert","/api/conflicts","/api/inputs","/api/check"],"charts":["/chart.png","/chart.svg"],"report":"/report/","metrics":"/metrics","health":"/healthz"}}
"#;

/// The answer of a route that reads the store, inside its read transaction.
/// What a request asks beyond its route: its URI and headers.
#[derive(Clone, Copy)]
pub(crate) struct Asked<'a> {
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
}

pub(crate) fn with_store(
    shared: &Shared,
    route: &Route,
    asked: Asked<'_>,
    store: &Store,
    stamp: Option<ChangeStamp>,
    now: Instant,
    handover: &Handover,
) -> Result<Answer> {
    let Asked { uri, headers } = asked;
    match route {
        Route::Healthz => {
            store.series()?;
            Ok(Answer {
                status: 200,
                content_type: "text/plain; charset=utf-8",
                body: b"ok\n".to_vec(),
                cache: CacheKind::NoStore,
                reason: None,
            })
        }
        Route::Metrics => shared::metrics_answer(shared, store, stamp, now),
        Route::V1(path) | Route::V2(path) => {
            let query = query_of(uri)?;
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
        Route::Api(command) => Ok(super::api::command(store, shared.opts.config.as_ref(), command, &query_of(uri)?, now, handover)),
        Route::Chart(ext) => Ok(super::api::chart(store, ext, &query_of(uri)?, now)),
        Route::Index | Route::NotFound | Route::Refused => Ok(Answer::error(404, "message", "not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_and_hostile_ones_are_refused() {
        assert_eq!(route("/v1/latest", None), Ok(Route::V1("/latest".into())));
        assert_eq!(route("/v1", None), Ok(Route::V1("/".into())));
        assert_eq!(route("/2026-04-01..", None), Ok(Route::V1("/2026-04-01..".into())));
        assert_eq!(route("/v2/rates", Some("base=USD")), Ok(Route::V2("/rates".into())));
        assert_eq!(route("/etc/passwd", None), Ok(Route::NotFound));
        for hostile in ["/v1/../etc/passwd", "/v1/%2e%2e/x", "/v1/latest%00", "/%ff%fe"] {
            assert_eq!(route(hostile, None).map_err(|a| a.status), Err(400), "{hostile}");
        }
        assert_eq!(route("/v1/latest", Some("base=%ff")).map_err(|a| a.status), Err(400));
    }

    #[test]
    fn queries_decode() {
        assert_eq!(
            query_pairs("a=1+2&b=%41%2c&c").unwrap(),
            vec![("a".into(), "1 2".into()), ("b".into(), "A,".into()), ("c".into(), "".into())]
        );
        assert_eq!(decode("100%", false).as_deref(), Some("100%"));
        assert_eq!(decode("%4", false).as_deref(), Some("%4"));
    }
}
