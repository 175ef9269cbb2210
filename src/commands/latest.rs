//! `fxsnap latest`: the newest observation of each series.

use std::path::Path;

use crate::cli::ReadArgs;
use crate::commands::history::{record, COLUMNS};
use crate::error::Result;
use crate::output::{self, RecordWriter};
use crate::store::Store;

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let mut w = RecordWriter::new(output::stdout(), args.format, COLUMNS);
    for v in sel.resolve(&store)? {
        let newest = match sel.from {
            // With --from, a series whose newest observation is older is left out.
            Some(from) => store.latest(&v.series, sel.to)?.filter(|o| o.at >= from),
            None => store.latest(&v.series, sel.to)?,
        };
        if let Some(obs) = newest {
            w.write(record(&obs, v.shown))?;
        }
    }
    w.finish()
}
