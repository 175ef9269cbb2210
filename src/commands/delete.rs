//! `fxsnap delete`: remove the selected observations, after writing them to
//! standard output in the CSV exchange format (as `history --pair all
//! --format csv` writes them, with their source and, for a row shown the
//! other way round, its published quote), so `fxsnap ingest -` puts them back. One transaction; `--dry-run` only lists them.
//!
//! Without `--pair`, every pair of the selected sources, inputs or range is
//! selected (not the five of the reading commands: a delete limited to them
//! by default would leave the rest of a mistake behind). What stays: the
//! conflict log and the input records (see `store::delete`).

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use crate::cli::DeleteArgs;
use crate::cli::DeleteOptions;
use crate::error::{Error, Result};
use crate::export::quotes::COLUMNS;
use crate::export::{self, csv::RawRows};
use crate::store::{DeleteFilter, InputId, RawRow, RowSink, Series, Store};

pub fn run(db: &Path, args: &DeleteArgs) -> Result<()> {
    let asked = args.options(crate::timespec::now())?;
    let reader = Store::open_existing(db)?;
    let filter = resolve(&asked, &reader)?;
    let mut sink = CsvOut { raw: RawRows::new(export::stdout(), COLUMNS)? };
    if args.dry_run {
        // Only a listing: a closed pipe (`| head`) is a quiet success here.
        let raw = &mut sink.raw;
        let touched = reader.for_each_selected(&filter, |s, row| write_row(raw, s, &row))?;
        raw.flush()?;
        let n: u64 = touched.values().map(|t| t.0).sum();
        eprintln!("fxsnap: would delete {n} observation{} of {} series (dry run: nothing deleted)", plural(n), touched.len());
        return Ok(());
    }
    drop(reader);
    // A writing command: a version-1 store is upgraded first. The selection
    // is resolved again inside this open, as another writer may have run.
    let mut store = Store::open_for_write(db)?;
    let filter = resolve(&asked, &store)?;
    let done = store.delete(&filter, &mut sink)?;
    let removed = if done.series_removed > 0 { format!(", {} series left empty removed", done.series_removed) } else { String::new() };
    let back = if done.observations > 0 { "; `fxsnap ingest -` of the rows written out puts them back" } else { "" };
    eprintln!("fxsnap: deleted {} observation{} of {} series{removed}{back}", done.observations, plural(done.observations), done.series);
    Ok(())
}

/// The removed rows, as CSV on standard output.
struct CsvOut<W: Write> {
    raw: RawRows<W>,
}

/// One stored row as `history --pair all --format csv` writes it: a pair
/// with USD as XXX/USD (the series' canonical direction), another as its
/// source quoted it; a row shown the other way round with its published
/// quote in `quoted`, which `ingest` stores.
fn write_row<W: Write>(raw: &mut RawRows<W>, series: &Series, row: &RawRow<'_>) -> Result<()> {
    let pair = if row.inverted { series.pair.inverse() } else { series.pair };
    let usd = crate::model::Currency::USD;
    let shown = if pair.base == usd || pair.quote == usd { series.pair } else { pair };
    raw.write(row.at, shown, pair, row.rate, row.change, &series.source)
}

impl<W: Write> RowSink for CsvOut<W> {
    fn row(&mut self, series: &Series, row: RawRow<'_>) -> Result<()> {
        write_row(&mut self.raw, series, &row).map_err(unwritten)
    }
    fn done(&mut self) -> Result<()> {
        self.raw.flush().map_err(unwritten)
    }
}

/// A row that could not be written out is not deleted, and the whole delete
/// is rolled back; a closed pipe says so too (elsewhere it is a quiet success).
fn unwritten(e: Error) -> Error {
    match e {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe => {
            Error::invalid("standard output was closed before every removed row was written out: nothing deleted")
        }
        Error::Io { source, .. } => Error::io("cannot write the removed rows to standard output: nothing deleted", source),
        other => other,
    }
}

/// The stored series and inputs the options name; a source, pair or input
/// the store does not have is an error naming what it has.
fn resolve(asked: &DeleteOptions, store: &Store) -> Result<DeleteFilter> {
    let series = asked.selection.stored_series(store)?;
    if !asked.inputs.is_empty() {
        let known: HashSet<InputId> = store.inputs()?.into_iter().map(|i| i.id).collect();
        for id in &asked.inputs {
            if !known.contains(id) {
                return Err(Error::NotFound(format!("no input {id} in the store (`fxsnap inputs` lists them with their IDs)")));
            }
        }
    }
    Ok(DeleteFilter { series, from: asked.selection.from, to: asked.selection.to, inputs: asked.inputs.clone() })
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
