//! `stats`' rows as records: each point's time and value, the change with
//! four decimals, the largest gap in whole days or hours (`31 days`, `6 h`:
//! `timespec::ago`'s one wording, in every format), `via` with `--cross`. The table for
//! people is trimmed to fit 120 columns: the first and last observation's
//! dates, min and max, the change and the gap; CSV and JSON keep every time
//! and value.

use std::io::Write;

use super::{fixed, Cell, Format, RecordWriter};
use crate::error::Result;
use crate::query::stats::{Point, StatsRow};
use crate::timespec::ago;

pub const COLUMNS: &[&str] = &[
    "pair",
    "source",
    "count",
    "first_timestamp",
    "first",
    "last_timestamp",
    "last",
    "min_timestamp",
    "min",
    "max_timestamp",
    "max",
    "change_pct",
    "largest_gap",
];

/// The columns with `--cross`: derived series say what they went through.
const COLUMNS_VIA: [&str; COLUMNS.len() + 1] = {
    let mut all = [""; COLUMNS.len() + 1];
    let mut i = 0;
    while i < COLUMNS.len() {
        all[i] = COLUMNS[i];
        i += 1;
    }
    all[COLUMNS.len()] = "via";
    all
};

/// The table's columns ([`table_record`]).
const TABLE_COLUMNS: &[&str] = &["pair", "source", "count", "first_date", "last_date", "min", "max", "change_pct", "largest_gap"];
const TABLE_COLUMNS_VIA: &[&str] =
    &["pair", "source", "count", "first_date", "last_date", "min", "max", "change_pct", "largest_gap", "via"];

/// The columns of [`record`]s.
pub fn columns(cross: bool) -> &'static [&'static str] {
    if cross {
        &COLUMNS_VIA
    } else {
        COLUMNS
    }
}

/// One row as a record; with `cross`, its `via` (empty for a stored series).
pub fn record(r: &StatsRow, cross: bool) -> Vec<Cell> {
    let point = |p: &Option<Point>| -> (Cell, Cell) {
        match p {
            Some(p) => (p.at.rfc3339().into(), p.rate.to_string().into()),
            None => (Cell::Empty, Cell::Empty),
        }
    };
    let (first_ts, first) = point(&r.first);
    let (last_ts, last) = point(&r.last);
    let (min_ts, min) = point(&r.min);
    let (max_ts, max) = point(&r.max);
    let mut cells = vec![
        r.shown.to_string().into(),
        r.source.as_str().into(),
        Cell::Number(r.count.to_string()),
        first_ts,
        first,
        last_ts,
        last,
        min_ts,
        min,
        max_ts,
        max,
        r.change_pct.map(fixed).into(),
        r.largest_gap_secs.map(ago).into(),
    ];
    if cross {
        cells.push(r.via.map(|c| c.to_string()).into());
    }
    cells
}

/// One row as the table shows it: [`record`] without the times of min and
/// max and the first and last values, the first and last times as dates.
fn table_record(r: &StatsRow, cross: bool) -> Vec<Cell> {
    let date = |p: &Option<Point>| -> Cell { p.as_ref().map(|p| p.at.datetime().format("%Y-%m-%d").to_string()).into() };
    let value = |p: &Option<Point>| -> Cell { p.as_ref().map(|p| p.rate.to_string()).into() };
    let mut cells = vec![
        r.shown.to_string().into(),
        r.source.as_str().into(),
        Cell::Number(r.count.to_string()),
        date(&r.first),
        date(&r.last),
        value(&r.min),
        value(&r.max),
        r.change_pct.map(fixed).into(),
        r.largest_gap_secs.map(ago).into(),
    ];
    if cross {
        cells.push(r.via.map(|c| c.to_string()).into());
    }
    cells
}

/// `stats`' rows in `format`.
pub fn write_stats(out: &mut dyn Write, format: Format, cross: bool, rows: &[StatsRow]) -> Result<()> {
    let table = format == Format::Table;
    let columns = match (table, cross) {
        (true, false) => TABLE_COLUMNS,
        (true, true) => TABLE_COLUMNS_VIA,
        (false, _) => columns(cross),
    };
    let mut w = RecordWriter::new(out, format, columns);
    for r in rows {
        w.write(if table { table_record(r, cross) } else { record(r, cross) })?;
    }
    w.finish()
}
