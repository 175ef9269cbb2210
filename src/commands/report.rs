//! `fxsnap report -o DIR`: the static HTML report (see `crate::report`).

use std::path::Path;

use crate::cli::ReportArgs;
use crate::error::Result;
use crate::report;
use crate::store::Store;

pub fn run(db: &Path, args: &ReportArgs) -> Result<()> {
    // Every argument is typed before the store is opened.
    let (sel, opts) = args.options(super::made_at()?)?;
    let store = Store::open_existing(db)?;
    let (files, summary) = report::build(&store, &sel, &opts)?;
    report::write::replace_dir(&args.output, &files)?;
    if !args.quiet {
        eprintln!("fxsnap: report in {}: {summary}", args.output.display());
    }
    Ok(())
}
