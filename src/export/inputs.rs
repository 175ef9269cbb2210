//! `inputs`' rows as records: the inputs recorded, or the failed fetches.

use std::io::Write;

use super::{Cell, Format, RecordWriter};
use crate::error::Result;
use crate::store::{FetchFailure, InputRecord};

const COLUMNS: &[&str] = &["id", "name", "size", "sha256", "reader", "observed", "ingested", "new", "duplicate", "conflict", "skipped"];
const FAILED_COLUMNS: &[&str] = &["id", "url", "source", "at", "reason"];

fn number(n: u64) -> Cell {
    Cell::Number(n.to_string())
}

/// The inputs recorded, in `format`.
pub fn write_inputs(out: &mut dyn Write, format: Format, rows: &[InputRecord]) -> Result<()> {
    let mut w = RecordWriter::new(out, format, COLUMNS);
    for i in rows {
        w.write(vec![
            Cell::Number(i.id.to_string()),
            i.meta.name.as_str().into(),
            number(i.meta.size),
            i.meta.sha256.as_str().into(),
            i.meta.reader.as_str().into(),
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

/// The fetches that gave no document, in `format`.
pub fn write_failed(out: &mut dyn Write, format: Format, rows: &[FetchFailure]) -> Result<()> {
    let mut w = RecordWriter::new(out, format, FAILED_COLUMNS);
    for f in rows {
        w.write(vec![
            Cell::Number(f.id.to_string()),
            f.url.as_str().into(),
            f.source.as_str().into(),
            f.at.rfc3339().into(),
            f.reason.as_str().into(),
        ])?;
    }
    w.finish()
}
