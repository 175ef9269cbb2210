//! `fxsnap latest`: the newest observation of each series (and, with
//! `--cross`, the newest value each derived pair can be computed at).
//!
//! [`rows`] is the one place the rows are made: the command prints them and
//! the report's latest table shows the same records (`latest --format csv`).

use std::path::Path;

use rust_decimal::Decimal;

use crate::cli::ReadArgs;
use crate::commands::history::Shape;
use crate::error::Result;
use crate::export::{self, Cell, Format, RecordWriter};
use crate::model::{Currency, Instant, Pair, Source};
use crate::precision::low_precision;
use crate::selection::{Resolved, Selection};
use crate::store::Store;

/// One row of `latest`: the record in the asked format, and the facts the
/// report needs beside it (the observation's time for its age).
#[derive(Clone, Debug)]
pub struct LatestRow {
    pub shown: Pair,
    pub source: Source,
    pub at: Instant,
    /// The currency a derived (`--cross`) row went through.
    pub via: Option<Currency>,
    /// The value's uncertainty when above 2% (the `±N%` tables show).
    pub precision_pct: Option<Decimal>,
    pub record: Vec<Cell>,
}

/// The columns of [`rows`]' records in `format`.
pub fn columns(format: Format, cross: bool) -> &'static [&'static str] {
    Shape::new(format, cross).columns()
}

/// The newest observation of each selected series (stored and derived),
/// ordered by pair, then source; with `--from`, a series whose newest
/// observation is older is left out.
pub fn rows(store: &Store, sel: &Selection, resolved: &Resolved, format: Format) -> Result<Vec<LatestRow>> {
    let shape = Shape::new(format, sel.cross);
    let in_range = |at| sel.from.is_none_or(|from| at >= from);
    let mut rows = Vec::new();
    for v in &resolved.direct {
        if let Some(obs) = store.latest(&v.series, sel.to)?.filter(|o| in_range(o.at)) {
            let shown = v.shown_for(obs.pair);
            let record = shape.record(&obs, shown, None, None);
            let precision_pct = low_precision(&[obs.rate.decimal()]);
            rows.push(LatestRow { shown, source: obs.source.clone(), at: obs.at, via: None, precision_pct, record });
        }
    }
    for cv in &resolved.cross {
        if let Some(d) = cv.latest(store, sel.to)?.filter(|d| in_range(d.obs.at)) {
            let record = shape.record(&d.obs, cv.shown, Some(cv.via), Some(d.precision_pct));
            let (source, at, precision_pct) = (cv.source.clone(), d.obs.at, d.precision_pct);
            rows.push(LatestRow { shown: cv.shown, source, at, via: Some(cv.via), precision_pct, record });
        }
    }
    // One order for stored and derived rows: by pair, then source.
    rows.sort_by(|a, b| (a.shown.to_string(), &a.source).cmp(&(b.shown.to_string(), &b.source)));
    Ok(rows)
}

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let resolved = sel.resolve_with_cross(&store)?;
    let mut w = RecordWriter::new(export::stdout(), args.format.format(), columns(args.format.format(), sel.cross));
    for r in rows(&store, &sel, &resolved, args.format.format())? {
        w.write(r.record)?;
    }
    w.finish()
}
