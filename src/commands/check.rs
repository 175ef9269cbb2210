//! `fxsnap check`: SQLite's integrity check plus the store's own invariants,
//! and (DESIGN "check limits") the findings of `crate::query::check`.
//! Integrity problems exit 1 before any limit is looked at; a limit passed
//! exits 4.

use std::io::Write;
use std::path::Path;

use crate::cli::CheckArgs;
use crate::error::{Error, Result};
use crate::export::check::message;
use crate::export::Format;
use crate::query;
use crate::store::Store;

pub fn run(db: &Path, args: &CheckArgs) -> Result<()> {
    let opts = args.options(crate::timespec::now())?;
    let store = Store::open_existing(db)?;
    let problems = store.check()?;
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("fxsnap: {}: {p}", db.display());
        }
        return Err(Error::CheckFailed(format!("{}: {} problem(s) found", db.display(), problems.len())));
    }
    let findings = query::check::findings(&store, &opts)?;
    let format = args.format.format();
    if format != Format::Table {
        // The rows on standard output, the exit code as for a table.
        crate::export::check::write_findings(&mut crate::export::stdout(), format, &findings)?;
        return match findings.len() {
            0 => Ok(()),
            n => Err(past_the_limits(db, n)),
        };
    }
    if findings.is_empty() {
        // Not println!: a closed pipe is a quiet success.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}: ok", db.display())?;
        out.flush()?;
        return Ok(());
    }
    for f in &findings {
        eprintln!("fxsnap: {}", message(f));
    }
    Err(past_the_limits(db, findings.len()))
}

/// The error of `n` findings (exit 4).
fn past_the_limits(db: &Path, n: usize) -> Error {
    Error::LimitExceeded(format!("{}: {n} finding{} past the limits", db.display(), if n == 1 { "" } else { "s" }))
}
