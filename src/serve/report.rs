//! `/report/`: the page `fxsnap report` writes (`index.html` byte for
//! byte, with the options `serve` was given) and every file beside it,
//! built in memory from the answer's read transaction and kept for the
//! same store state and time, so the page and the charts it links are
//! built once, not once per file.

use std::sync::{Arc, Mutex};

use super::answer::{Answer, CacheKind};
use super::Options;
use crate::error::{Error, Result};
use crate::model::Instant;
use crate::report;
use crate::report::write::ReportFile;
use crate::store::{ChangeStamp, Store};

/// How long a built report is the current one when nothing is written:
/// its ages and stale marks count from when it was made.
pub(crate) const REFRESH_SECS: i64 = 300;

/// What a built report is of: the store's state and the report's time.
type Key = (Option<ChangeStamp>, i64);

/// The report last built, with its key.
#[derive(Default)]
pub(crate) struct ReportCache(Mutex<Option<(Key, Arc<Vec<ReportFile>>)>>);

/// The time a report is made at: SOURCE_DATE_EPOCH's when set, else now
/// rounded down to REFRESH_SECS (the same page for everyone in between).
pub(crate) fn made_at(opts: &Options, now: Instant) -> Instant {
    match opts.fixed_now {
        Some(t) => t,
        None => Instant::from_unix(now.unix() - now.unix().rem_euclid(REFRESH_SECS)),
    }
}

/// The answer for `/report/NAME` (`index.html` for `/report/`).
pub(crate) fn answer(
    cache: &ReportCache,
    opts: &Options,
    store: &Store,
    stamp: Option<ChangeStamp>,
    now: Instant,
    name: &str,
) -> Result<Answer> {
    let at = made_at(opts, now);
    let key = (stamp, at.unix());
    let files = {
        let kept = cache.0.lock().unwrap_or_else(|p| p.into_inner());
        match kept.as_ref() {
            Some((k, files)) if *k == key && stamp.is_some() => Some(files.clone()),
            _ => None,
        }
    };
    let files = match files {
        Some(f) => f,
        None => {
            let built = match build(opts, store, at) {
                Ok(f) => Arc::new(f),
                Err(Error::Invalid(m)) => return Ok(Answer::error(404, "error", &m)),
                Err(e) => return Err(e),
            };
            *cache.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, built.clone()));
            built
        }
    };
    let name = if name.is_empty() { "index.html" } else { name };
    Ok(match files.iter().find(|f| f.name == name) {
        Some(f) => {
            Answer { status: 200, content_type: content_type(name), body: f.bytes.clone(), cache: CacheKind::Relative, reason: None }
        }
        None => Answer::error(404, "error", &format!("the report has no file {name}")),
    })
}

/// The report's files, with the options serve was started with, made at `now`.
fn build(opts: &Options, store: &Store, now: Instant) -> Result<Vec<ReportFile>> {
    let (sel, mut ropts) = opts.report.clone();
    ropts.now = now;
    Ok(report::build(store, &sel, &ropts)?.0)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
