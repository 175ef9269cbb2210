//! `fxsnap report -o DIR`: the static HTML report (see `crate::report`).

use std::path::Path;

use crate::cli::{ReportArgs, ThemeArg};
use crate::error::Result;
use crate::report::{self, charts, Options};
use crate::store::Store;

pub fn run(db: &Path, args: &ReportArgs) -> Result<()> {
    // Every argument is typed before the store is opened.
    let now = crate::timespec::made_at()?;
    let sel = args.select.selection()?;
    let opts = Options {
        ranges: charts::parse_ranges(&args.ranges)?,
        title: args.title.clone().unwrap_or_else(|| "Exchange rates".into()),
        theme: ThemeArg::theme(args.theme),
        stale_secs: charts::parse_stale(&args.stale, now)?,
        stale_label: args.stale.trim().to_ascii_lowercase(),
        now,
    };
    let store = Store::open_existing(db)?;
    let (files, summary) = report::build(&store, db, &sel, &opts)?;
    report::write::replace_dir(&args.output, &files)?;
    if !args.quiet {
        eprintln!("fxsnap: report in {}: {summary}", args.output.display());
    }
    Ok(())
}
