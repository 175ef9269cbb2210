//! `conflicts`' rows as records. `input` is the input that brought the new
//! value (all that version 1 recorded); `kept_input` and `dropped_input`
//! name the input of each value ("" where unknown: a value stored before
//! version 2); `kept_quoted` and `dropped_quoted` each value as published
//! when `kept`/`dropped` is its computed inverse (as `history`'s `quoted`).

use std::io::Write;

use super::{Cell, Format, RecordWriter};
use crate::error::Result;
use crate::query::conflicts::ConflictRow;

pub const COLUMNS: &[&str] = &[
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
    "kept_quoted",
    "dropped_quoted",
];

/// One row as a record of [`COLUMNS`].
pub fn record(c: &ConflictRow) -> Vec<Cell> {
    vec![
        c.at.rfc3339().into(),
        c.shown.to_string().into(),
        c.source.to_string().into(),
        c.kept.to_string().into(),
        c.dropped.to_string().into(),
        c.kept_change.as_ref().map(|x| x.to_string()).into(),
        c.dropped_change.as_ref().map(|x| x.to_string()).into(),
        c.policy.as_str().into(),
        c.input.as_str().into(),
        c.logged_at.rfc3339().into(),
        c.kept_input.as_deref().unwrap_or_default().into(),
        c.dropped_input.as_deref().unwrap_or_default().into(),
        quoted(c.kept_quoted.as_ref()),
        quoted(c.dropped_quoted.as_ref()),
    ]
}

/// A value as published ([`super::quoted_cell`]), or empty.
pub(crate) fn quoted(o: Option<&crate::model::Observation>) -> Cell {
    o.map(|o| super::quoted_cell(o.pair, &o.rate.to_string(), o.change.as_ref().map(|c| c.to_string()).as_deref())).into()
}

/// `conflicts`' rows in `format`.
pub fn write_conflicts(out: &mut dyn Write, format: Format, rows: &[ConflictRow]) -> Result<()> {
    let mut w = RecordWriter::new(out, format, COLUMNS);
    for r in rows {
        w.write(record(r))?;
    }
    w.finish()
}
