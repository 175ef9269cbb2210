//! `fxsnap report -o DIR`: the static HTML report (see `crate::report`).

use std::path::Path;

use crate::cli::ReportArgs;
use crate::error::Result;
use crate::report::{self, charts, Options};
use crate::store::Store;

pub fn run(db: &Path, args: &ReportArgs) -> Result<()> {
    // Every argument is typed before the store is opened.
    let now = crate::timespec::now();
    let sel = args.select.selection()?;
    let opts = Options {
        ranges: charts::parse_ranges(&args.ranges)?,
        title: args.title.clone().unwrap_or_else(|| "Exchange rates".into()),
        theme: args.theme,
        stale_secs: charts::parse_stale(&args.stale, now)?,
        stale_label: args.stale.trim().to_ascii_lowercase(),
        now,
    };
    let store = Store::open_existing(db)?;
    let files = report::build(&store, db, &sel, &opts)?;
    report::write::replace_dir(&args.output, &files)
}
