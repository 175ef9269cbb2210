//! `fxsnap latest`: the newest observation of each series (and, with
//! `--cross`, the newest value each derived pair can be computed at).

use std::path::Path;

use crate::cli::ReadArgs;
use crate::commands::history::Shape;
use crate::error::Result;
use crate::export::{self, RecordWriter};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let resolved = sel.resolve_with_cross(&store)?;
    let shape = Shape::new(args.format.format(), sel.cross);
    let mut w = RecordWriter::new(export::stdout(), args.format.format(), shape.columns());
    // With --from, a series whose newest observation is older is left out.
    let in_range = |at| sel.from.is_none_or(|from| at >= from);
    let mut rows = Vec::new();
    for v in &resolved.direct {
        if let Some(obs) = store.latest(&v.series, sel.to)?.filter(|o| in_range(o.at)) {
            let shown = v.shown_for(obs.pair);
            rows.push((shown.to_string(), obs.source.clone(), shape.record(&obs, shown, None, None)));
        }
    }
    for cv in &resolved.cross {
        if let Some(d) = cv.latest(&store, sel.to)?.filter(|d| in_range(d.obs.at)) {
            rows.push((cv.shown.to_string(), cv.source.clone(), shape.record(&d.obs, cv.shown, Some(cv.via), Some(d.precision_pct))));
        }
    }
    // One order for stored and derived rows: by pair, then source.
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    for (_, _, r) in rows {
        w.write(r)?;
    }
    w.finish()
}
