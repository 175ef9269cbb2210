//! `fxsnap report -o DIR`: the static HTML report (see `crate::report`).

use std::path::Path;

use crate::cli::{ReportArgs, ThemeArg};
use crate::error::Result;
use crate::model::Instant;
use crate::report::{self, Options};
use crate::selection::Selection;
use crate::store::Store;
use crate::timespec;

pub fn run(db: &Path, args: &ReportArgs) -> Result<()> {
    // Every argument is typed before the store is opened.
    let (sel, opts) = options(args, super::made_at()?)?;
    let store = Store::open_existing(db)?;
    let (files, summary) = report::build(&store, &sel, &opts)?;
    report::write::replace_dir(&args.output, &files)?;
    if !args.quiet {
        eprintln!("fxsnap: report in {}: {summary}", args.output.display());
    }
    Ok(())
}

/// The report's selection and options, typed, as of `now` (also `serve`'s
/// `/report/`, which parses its options with this command's definitions).
pub fn options(args: &ReportArgs, now: Instant) -> Result<(Selection, Options)> {
    let ask = args.select.listing(true)?;
    let opts = Options {
        ranges: timespec::parse_ranges(&args.ranges)?,
        title: args.title.clone().unwrap_or_else(|| "Exchange rates".into()),
        theme: ThemeArg::theme(args.theme),
        stale_secs: timespec::parse_stale(&args.stale, now)?,
        stale_label: args.stale.trim().to_ascii_lowercase(),
        now,
        as_quoted: ask.as_quoted,
    };
    Ok((ask.selection, opts))
}
