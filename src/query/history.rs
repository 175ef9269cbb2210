//! Observations in a range, stored and derived merged into one stream in
//! time, pair, source order: `fxsnap history`.

use crate::cross::Derived;
use crate::error::Result;
use crate::model::{Instant, Pair, Source};
use crate::query::{Listing, Quote};
use crate::selection::{Resolved, View};
use crate::store::{InputRecord, Store};

/// One row of history: the value and the input that brought it (None for a
/// value stored before version 2, and for a derived one).
#[derive(Clone, Debug)]
pub struct HistoryRow<'a> {
    pub quote: Quote,
    pub input: Option<&'a InputRecord>,
}

/// Calls `f` with each row of the listing, oldest first; at one time, by
/// shown pair, then source. Derived rows (`--cross`) are few beside the
/// stored ones: computed first, then merged into the stored rows' stream.
pub fn each(store: &Store, ask: &Listing, resolved: &Resolved, mut f: impl FnMut(HistoryRow<'_>) -> Result<()>) -> Result<()> {
    let sel = &ask.selection;
    let views = &resolved.direct;
    let series: Vec<_> = views.iter().map(|v| v.series.clone()).collect();
    let mut derived: Vec<(usize, Derived)> = Vec::new();
    for (k, cv) in resolved.cross.iter().enumerate() {
        cv.for_each(store, sel.from, sel.to, |d| {
            derived.push((k, d));
            Ok(())
        })?;
    }
    let order = |d: &Derived| (d.obs.at, d.obs.pair.to_string(), d.obs.source.clone());
    derived.sort_by_key(|(_, d)| order(d));
    let crosses = &resolved.cross;
    let mut pending = derived.into_iter().peekable();
    store.for_each_merged_with_input(&series, sel.from, sel.to, |i, obs, input| {
        let key = (obs.at, views[i].shown.to_string(), obs.source.clone());
        while let Some((k, d)) = pending.next_if(|(_, d)| order(d) < key) {
            f(HistoryRow { quote: Quote::derived(d, crosses[k].via), input: None })?;
        }
        let shown = views[i].shown_for(obs.pair);
        f(HistoryRow { quote: Quote::stored(obs, shown), input })
    })?;
    for (k, d) in pending {
        f(HistoryRow { quote: Quote::derived(d, crosses[k].via), input: None })?;
    }
    Ok(())
}

/// One stored row as stored, its decimals as their exact stored text, and
/// the direction [`each`] shows it in: the exchange format writes a row
/// shown as quoted without a parse and a re-format.
#[derive(Clone, Copy, Debug)]
pub struct StoredText<'a> {
    pub at: Instant,
    /// The pair as shown (as [`each`] shows it).
    pub shown: Pair,
    /// The pair as quoted.
    pub pair: Pair,
    pub rate: &'a str,
    pub change: Option<&'a str>,
    pub source: &'a Source,
}

/// The stored rows of `views` in the range, as stored text, in the order
/// of [`each`]: the fast path for millions of rows.
pub fn each_stored_text(store: &Store, ask: &Listing, views: &[View], mut f: impl FnMut(StoredText<'_>) -> Result<()>) -> Result<()> {
    let series: Vec<_> = views.iter().map(|v| v.series.clone()).collect();
    store.for_each_merged_raw(&series, ask.selection.from, ask.selection.to, |row| {
        let s = &series[row.series];
        let pair = if row.inverted { s.pair.inverse() } else { s.pair };
        let shown = views[row.series].shown_for(pair);
        f(StoredText { at: row.at, shown, pair, rate: row.rate, change: row.change, source: &s.source })
    })
}

/// Whether a listing's rows can go out as stored text ([`each_stored_text`]):
/// nothing derived to merge in.
pub fn as_stored_text(ask: &Listing) -> bool {
    !ask.selection.cross
}
