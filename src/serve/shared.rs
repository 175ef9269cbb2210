//! What every request of a server shares: its options, the pool of read-only
//! stores, the metrics, the kept answers and the access log. A module of its own so
//! that the connection code (`server`), the HTTP rules (`http`) and the routes each
//! use it without using one another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::answer::{Answer, AnswerCache, CacheKind};
use super::metrics::{self, Http, StoreCache};
use super::pool::{Pool, StampWatch};
use super::Options;
use crate::model::Instant;
use crate::store::ChangeStamp;

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
    pub(super) answers: AnswerCache,
    /// The change stamp last read, with the store's files as they were.
    pub(super) watch: StampWatch,
    pub(super) log: Option<LogLine>,
    /// The cache kind of each ETag given out, for the 304 that revalidates it.
    pub(super) kinds: Mutex<HashMap<String, CacheKind>>,
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

/// Reads the store's figures for `/metrics` ahead of the next scrape when
/// the store changed (the server calls it once a second, on a blocking
/// thread); quiet when there is no store to read.
pub(crate) fn read_metrics_ahead(shared: &Shared) {
    let Ok((store, id)) = shared.pool.take() else { return };
    let Ok(snapshot) = store.begin_read() else { return };
    let read = store.change_stamp().and_then(|stamp| shared.store_metrics.read_ahead(&store, stamp));
    if read.is_ok() && snapshot.finish().is_ok() {
        shared.pool.give_back(store, id);
    }
}

/// The `/metrics` answer (a `Route::Metrics` read in `routes::with_store`).
pub(crate) fn metrics_answer(
    shared: &Shared,
    store: &crate::store::Store,
    stamp: Option<ChangeStamp>,
    now: Instant,
) -> crate::error::Result<Answer> {
    let body = metrics::render(&shared.http, &shared.store_metrics, store, stamp, now)?;
    Ok(Answer { status: 200, content_type: metrics::CONTENT_TYPE, body, cache: CacheKind::NoStore, reason: None })
}
