//! The newest observation of each selected series (and, with `--cross`,
//! the newest value each derived pair can be computed at): `fxsnap latest`,
//! the report's latest table.

use crate::error::Result;
use crate::query::{by_pair_then_source, Quote};
use crate::selection::{Resolved, Selection};
use crate::store::Store;

/// The newest observation of each selected series (stored and derived),
/// ordered by pair, then source; with `--from`, a series whose newest
/// observation is older is left out.
pub fn latest(store: &Store, sel: &Selection) -> Result<Vec<Quote>> {
    let resolved = sel.resolve_with_cross(store)?;
    latest_of(store, sel, &resolved)
}

/// [`latest`] of a selection already resolved.
pub fn latest_of(store: &Store, sel: &Selection, resolved: &Resolved) -> Result<Vec<Quote>> {
    let in_range = |at| sel.from.is_none_or(|from| at >= from);
    let mut rows = Vec::new();
    for v in &resolved.direct {
        if let Some(obs) = store.latest(&v.series, sel.to)?.filter(|o| in_range(o.at)) {
            let shown = v.shown_for(obs.pair);
            rows.push(Quote::stored(obs, shown));
        }
    }
    for cv in &resolved.cross {
        if let Some(d) = cv.latest(store, sel.to)?.filter(|d| in_range(d.obs.at)) {
            rows.push(Quote::derived(d, cv.via));
        }
    }
    // One order for stored and derived rows: by pair, then source.
    rows.sort_by(|a, b| by_pair_then_source((a.shown, a.source()), (b.shown, b.source())));
    Ok(rows)
}
