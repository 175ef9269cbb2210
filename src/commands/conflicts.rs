//! `fxsnap conflicts`: the values that were not kept, so none is lost
//! silently. `input` is the input that brought the new value (all that
//! version 1 recorded); `kept_input` and `dropped_input` name the input of
//! each value ("" where unknown: a value stored before version 2).

use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, RecordWriter};
use crate::store::Store;

const COLUMNS: &[&str] = &[
    "timestamp",
    "pair",
    "source",
    "kept",
    "dropped",
    "kept_change_pct",
    "dropped_change_pct",
    "policy",
    "input",
    "logged_at",
    "kept_input",
    "dropped_input",
];

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let views = sel.resolve(&store)?;
    let series: Vec<_> = views.iter().map(|v| v.series.clone()).collect();
    let mut w = RecordWriter::new(export::stdout(), args.format.format(), COLUMNS);
    for c in store.conflicts(&series, sel.from, sel.to)? {
        let Some(v) = views.iter().find(|v| v.series.pair == c.kept.pair.canonical() && v.series.source == c.kept.source) else {
            continue;
        };
        let shown = v.shown;
        w.write(vec![
            c.kept.at.rfc3339().into(),
            shown.to_string().into(),
            c.kept.source.to_string().into(),
            c.kept.rate_as(shown).to_string().into(),
            c.dropped.rate_as(shown).to_string().into(),
            c.kept.change_as(shown).map(|x| x.to_string()).into(),
            c.dropped.change_as(shown).map(|x| x.to_string()).into(),
            c.policy.as_str().into(),
            c.input.into(),
            c.logged_at.rfc3339().into(),
            c.kept_input.unwrap_or_default().into(),
            c.dropped_input.unwrap_or_default().into(),
        ])?;
    }
    w.finish()
}
