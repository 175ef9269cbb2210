//! `fxsnap inputs`: the inputs recorded, newest first (`--failed`: the
//! fetches that gave no document).

use std::path::Path;

use crate::cli::InputsArgs;
use crate::error::Result;
use crate::export::{self, Cell, RecordWriter};
use crate::store::Store;

const COLUMNS: &[&str] = &["id", "name", "size", "sha256", "reader", "observed", "ingested", "new", "duplicate", "conflict", "skipped"];
const FAILED_COLUMNS: &[&str] = &["id", "url", "source", "at", "reason"];

pub fn run(db: &Path, args: &InputsArgs) -> Result<()> {
    let store = Store::open_existing(db)?;
    let number = |n: u64| Cell::Number(n.to_string());
    if args.failed {
        let mut w = RecordWriter::new(export::stdout(), args.format.format(), FAILED_COLUMNS);
        for f in store.failed_fetches()? {
            w.write(vec![Cell::Number(f.id.to_string()), f.url.into(), f.source.into(), f.at.rfc3339().into(), f.reason.into()])?;
        }
        return w.finish();
    }
    let mut w = RecordWriter::new(export::stdout(), args.format.format(), COLUMNS);
    for i in store.inputs()? {
        w.write(vec![
            Cell::Number(i.id.to_string()),
            i.meta.name.into(),
            number(i.meta.size),
            i.meta.sha256.into(),
            i.meta.reader.into(),
            i.meta.observed.rfc3339().into(),
            i.ingested.rfc3339().into(),
            number(i.counts.new),
            number(i.counts.duplicate),
            number(i.counts.conflict),
            number(i.counts.skipped),
        ])?;
    }
    w.finish()
}
