//! The conflict log of the selected series: the values that were not kept,
//! so none is lost silently (`fxsnap conflicts`, the report's newest).

use crate::error::Result;
use crate::model::{Change, Instant, Observation, Pair, Rate, Source};
use crate::query::Listing;
use crate::selection::View;
use crate::store::{ConflictPolicy, Store};

/// One logged conflict, its values in the shown direction.
#[derive(Clone, Debug)]
pub struct ConflictRow {
    pub at: Instant,
    pub shown: Pair,
    pub source: Source,
    pub kept: Rate,
    pub dropped: Rate,
    pub kept_change: Option<Change>,
    pub dropped_change: Option<Change>,
    pub policy: ConflictPolicy,
    /// The input that brought the new value (all that version 1 recorded).
    pub input: String,
    pub logged_at: Instant,
    /// The input of each value (None where unknown: a value stored before version 2).
    pub kept_input: Option<String>,
    pub dropped_input: Option<String>,
    /// Each value as published, when it is shown computed (the inverse of
    /// its quote): what `kept_quoted` and `dropped_quoted` write.
    pub kept_quoted: Option<Observation>,
    pub dropped_quoted: Option<Observation>,
}

/// The conflict log of the selected series, oldest first, in the direction
/// `history` shows each series (DESIGN v4: one direction in every format); a
/// value shown computed keeps its published quote (`kept_quoted`,
/// `dropped_quoted`).
pub fn conflicts(store: &Store, ask: &Listing, views: &[View]) -> Result<Vec<ConflictRow>> {
    let series: Vec<_> = views.iter().map(|v| v.series.clone()).collect();
    let mut out = Vec::new();
    for c in store.conflicts(&series, ask.selection.from, ask.selection.to)? {
        let Some(v) = views.iter().find(|v| v.series.pair == c.kept.pair.canonical() && v.series.source == c.kept.source) else {
            continue;
        };
        let shown = v.shown_for(c.kept.pair);
        let quoted = |o: &Observation| (o.pair != shown).then(|| o.clone());
        let (kept_quoted, dropped_quoted) = (quoted(&c.kept), quoted(&c.dropped));
        out.push(ConflictRow {
            at: c.kept.at,
            shown,
            kept: c.kept.rate_as(shown),
            dropped: c.dropped.rate_as(shown),
            kept_change: c.kept.change_as(shown),
            dropped_change: c.dropped.change_as(shown),
            source: c.kept.source,
            policy: c.policy,
            input: c.input,
            logged_at: c.logged_at,
            kept_input: c.kept_input,
            dropped_input: c.dropped_input,
            kept_quoted,
            dropped_quoted,
        });
    }
    Ok(out)
}
