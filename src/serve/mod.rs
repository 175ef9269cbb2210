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
pub(crate) mod frankfurter;
mod http;
mod io;
mod metrics;
mod pool;
mod report;
mod routes;
mod server;
mod shared;
mod stream;

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
    /// The report's `--title`, `--stale`, `--ranges` for `/report/`.
    pub title: Option<String>,
    pub stale: String,
    pub ranges: String,
    /// "Now" for every answer when SOURCE_DATE_EPOCH is set (tests, a
    /// reproducible report); otherwise each request's own now.
    pub fixed_now: Option<Instant>,
    /// The settings in force: `/api/` applies their `[defaults]` to its
    /// commands as the command line does.
    pub config: Option<crate::config::Config>,
}

pub use server::run;
pub use shared::LogLine;
