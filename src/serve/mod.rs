//! `fxsnap serve`: the store over HTTP (DESIGN "serve (v3)"). Routes turn
//! the query layer's rows into `Answer`s; the server core adds what every
//! response shares (caching headers keyed by the store's change stamp,
//! CORS, compression, limits, metrics).
//!
//! - `server`: listening, the connection loop (head timeout, buffer limit,
//!   connection limit), graceful stop;
//! - `http`: one request: methods, limits, the one read transaction, ETag
//!   and 304, headers, the access log;
//! - `routes`: which answer a path gets;
//! - `api`: `/api/COMMAND` and `/chart.png|svg`, a command's options as query parameters,
//!   answered in-process by the command's own code;
//! - `io`: hyper's own bodiless 4xx (a request it cannot parse) given a JSON message;
//! - `pool`: the read-only stores, reopened when the file changes;
//! - `metrics`: `/metrics`;
//! - `report`: `/report/`, the report's files built in memory per store state;
//! - `stream`: a long body sent as it is written (`/api/`, `/v2/rates`).

pub(crate) mod answer;
mod api;
mod app;
pub(crate) mod frankfurter;
mod http;
mod io;
mod metrics;
mod openapi;
mod pool;
mod report;

use std::path::PathBuf;

use crate::model::{Instant, Source};

/// What `fxsnap serve` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub db: PathBuf,
    /// `host:port` addresses, each listened on.
    pub listen: Vec<String>,
    /// The sources other currencies' reference rates come from, in order.
    pub prefer: Vec<Source>,
    pub max_connections: usize,
    /// `/report/`'s selection and options, checked once at the start (each
    /// build sets its own `now`).
    pub report: (crate::selection::Selection, crate::report::Options),
    /// "Now" for every answer when SOURCE_DATE_EPOCH is set (tests, a
    /// reproducible report); otherwise each request's own now.
    pub fixed_now: Option<Instant>,
    /// The configuration's `[defaults]`, which `/api/` and `/chart.*` fill
    /// in as the command line does (resolved by `commands/serve.rs`).
    pub defaults: crate::options::Defaults,
}

pub use app::run;

/// Options for the unit tests of the server's parts.
#[cfg(test)]
pub(crate) fn test_options() -> Options {
    let now = Instant::from_unix(1_779_710_400);
    let ranges = crate::timespec::parse_ranges("30d").unwrap_or_default();
    let report = crate::report::Options {
        ranges,
        title: "Exchange rates".into(),
        theme: crate::chart::Theme::Light,
        stale_secs: 7 * 86_400,
        stale_label: "7d".into(),
        now,
    };
    Options {
        db: "/nonexistent/rates.db".into(),
        listen: Vec::new(),
        prefer: Vec::new(),
        max_connections: 1,
        report: (crate::selection::Selection::default(), report),
        fixed_now: None,
        defaults: Default::default(),
    }
}
pub use http::LogLine;
