//! The state of each source (the report's sources table): its newest
//! observation, the last input that brought it anything (name and time),
//! and its recent failed fetches.
//!
//! The input log and the failed fetches come from the store's provenance
//! tables (schema v2); a store without them (version 1) has only the
//! observations, and the table says that the rest was not recorded.

use std::collections::{BTreeMap, HashMap};

use crate::error::Result;
use crate::model::{Instant, Source};
use crate::selection::Selection;
use crate::store::{FetchFailure, InputRecord, Series, Store};

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
///
/// A source's last input is, among the inputs that brought the newest
/// observation of each of its series, the one stored last: the document that
/// last told fxsnap something new about that source (an input of only
/// duplicates adds nothing). Failed fetches are matched by their source label.
pub fn states(store: &Store, sel: &Selection) -> Result<Vec<SourceState>> {
    let recorded = store.keeps_inputs();
    let inputs: HashMap<i64, InputRecord> =
        if recorded { store.inputs()?.into_iter().map(|i| (i.id.get(), i)).collect() } else { HashMap::new() };
    let failures = if recorded { store.failed_fetches()? } else { Vec::new() };
    let mut by_source: BTreeMap<Source, Vec<Series>> = BTreeMap::new();
    for s in store.series()? {
        if sel.sources.is_empty() || sel.sources.iter().any(|x| x.as_str().eq_ignore_ascii_case(s.source.as_str())) {
            by_source.entry(s.source.clone()).or_default().push(s);
        }
    }
    // A failed fetch of a source the store has no observation of yet is a source too.
    for f in &failures {
        if let Ok(src) = f.source.parse::<Source>() {
            if sel.sources.is_empty() || sel.sources.contains(&src) {
                by_source.entry(src).or_default();
            }
        }
    }
    let mut out = Vec::new();
    for (source, series) in by_source {
        let mut last: Option<Instant> = None;
        let mut last_input: Option<&InputRecord> = None;
        for s in &series {
            if let Some(o) = store.latest(s, sel.to)? {
                last = Some(last.map_or(o.at, |l| l.max(o.at)));
                if recorded {
                    if let Some(i) = store.input_of(s, o.at)?.and_then(|id| inputs.get(&id.get())) {
                        if last_input.is_none_or(|l| (i.ingested, i.id.get()) > (l.ingested, l.id.get())) {
                            last_input = Some(i);
                        }
                    }
                }
            }
        }
        let mine: Vec<&FetchFailure> = failures.iter().filter(|f| f.source.eq_ignore_ascii_case(source.as_str())).collect();
        out.push(SourceState {
            series: series.len(),
            last_observation: last,
            last_input: last_input.map(|i| LastInput { name: i.meta.name.clone(), observed: i.meta.observed, ingested: i.ingested }),
            failures: mine
                .iter()
                .take(FAILURES_SHOWN)
                .map(|f| Failure { url: f.url.clone(), at: f.at, reason: f.reason.clone() })
                .collect(),
            failures_total: mine.len(),
            recorded,
            source,
        });
    }
    Ok(out)
}
