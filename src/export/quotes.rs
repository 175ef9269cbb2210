//! Records of observations ([`Quote`]s): `latest` and `history`. The
//! exchange columns (CSV, tables, prices), `via` with `--cross`, in JSON the
//! `precision_pct` that tables show as `±N%` beside the rate, and history's
//! provenance in JSON. Every format shows each row in the direction of its
//! view (DESIGN v4) and ends with `quoted`: the published quote behind a
//! computed rate.

use std::io::Write;

use super::{Cell, Format, HistoryFormat, Price, RecordWriter};
use crate::error::Result;
use crate::model::Instant;
use crate::precision::mark;
use crate::query::history::{self, HistoryRow};
use crate::query::{Listing, Quote};
use crate::store::{InputRecord, Store};
use crate::timespec::ago;

pub const COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "quoted"];
const COLUMNS_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via", "quoted"];
const JSON_COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "precision_pct", "quoted"];
const JSON_COLUMNS_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via", "precision_pct", "quoted"];
/// History's JSON adds provenance: `input` is the name of the input that
/// brought the value ("" for one stored before version 2, or derived),
/// `observed` when that input was seen (RFC 3339; null without an input).
/// `latest` adds how long ago each value was observed: `age` in tables (the
/// one wording, `timespec::ago`), `age_seconds` in JSON; CSV stays the
/// exchange format. Every format ends with `quoted` ([`super::quoted_cell`]).
const LATEST_TABLE: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "age", "quoted"];
const LATEST_TABLE_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via", "age", "quoted"];
const LATEST_JSON: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "precision_pct", "age_seconds", "quoted"];
const LATEST_JSON_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via", "precision_pct", "age_seconds", "quoted"];
const PROVENANCE_COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "input", "observed", "precision_pct", "quoted"];
const PROVENANCE_COLUMNS_VIA: &[&str] =
    &["timestamp", "pair", "rate", "change_pct", "source", "via", "input", "observed", "precision_pct", "quoted"];

/// The columns of a record of observations in one format.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    via: bool,
    json: bool,
    table: bool,
    /// JSON rows name their input (history).
    provenance: bool,
}

impl Shape {
    pub fn new(format: impl Into<HistoryFormat>, cross: bool) -> Shape {
        let format = format.into();
        Shape {
            via: cross,
            json: matches!(format, HistoryFormat::Json | HistoryFormat::Jsonl),
            table: format == HistoryFormat::Table,
            provenance: false,
        }
    }

    /// With `input` and `observed` in the JSON formats.
    pub fn with_provenance(mut self) -> Shape {
        self.provenance = true;
        self
    }

    pub fn columns(&self) -> &'static [&'static str] {
        match (self.json, self.via, self.provenance) {
            (false, false, _) => COLUMNS,
            (false, true, _) => COLUMNS_VIA,
            (true, false, false) => JSON_COLUMNS,
            (true, true, false) => JSON_COLUMNS_VIA,
            (true, false, true) => PROVENANCE_COLUMNS,
            (true, true, true) => PROVENANCE_COLUMNS_VIA,
        }
    }

    /// One value as a record, naming the input it came from (history),
    /// without its last cell ([`Shape::quoted`]).
    pub fn record(&self, q: &Quote, input: Option<&InputRecord>) -> Vec<Cell> {
        // Only tables (the mark) and JSON (`precision_pct`) show it.
        let precision = if self.table || self.json { q.precision_pct() } else { None };
        let rate = q.rate().to_string();
        let rate = match precision {
            Some(p) if self.table => format!("{rate} {}", mark(p)),
            _ => rate,
        };
        let mut cells: Vec<Cell> = vec![
            q.obs.at.rfc3339().into(),
            q.shown.to_string().into(),
            rate.into(),
            q.change().map(|c| c.to_string()).into(),
            q.obs.source.to_string().into(),
        ];
        if self.via {
            cells.push(q.via.map(|c| c.to_string()).into());
        }
        if self.json && self.provenance {
            cells.push(input.map(|r| r.meta.name.as_str()).unwrap_or("").into());
            cells.push(input.map(|r| r.meta.observed.rfc3339()).into());
        }
        if self.json {
            cells.push(precision.map(|p| Cell::Number(p.to_string())).unwrap_or(Cell::Empty));
        }
        cells
    }

    /// The last cell of every record: the published quote behind a computed rate.
    pub fn quoted(q: &Quote) -> Cell {
        q.quoted().map(|o| super::quoted_cell(o.pair, &o.rate.to_string(), o.change.as_ref().map(|c| c.to_string()).as_deref())).into()
    }
}

/// The price a value states, for ledger and beancount.
fn price(q: &Quote) -> Price {
    Price { at: q.obs.at, pair: q.shown, rate: q.rate() }
}

/// `latest`'s rows in `format`, with their age at `now` in tables and JSON.
pub fn write_latest(out: &mut dyn Write, format: Format, cross: bool, rows: &[Quote], now: Instant) -> Result<()> {
    let shape = Shape::new(format, cross);
    let columns = match (format, cross) {
        (Format::Csv, _) => shape.columns(),
        (Format::Table, false) => LATEST_TABLE,
        (Format::Table, true) => LATEST_TABLE_VIA,
        (Format::Json | Format::Jsonl, false) => LATEST_JSON,
        (Format::Json | Format::Jsonl, true) => LATEST_JSON_VIA,
    };
    let mut w = RecordWriter::new(out, format, columns);
    for q in rows {
        let mut cells = shape.record(q, None);
        let secs = now.unix() - q.obs.at.unix();
        match format {
            Format::Csv => {}
            Format::Table => cells.push(ago(secs).into()),
            Format::Json | Format::Jsonl => cells.push(Cell::Number(secs.to_string())),
        }
        cells.push(Shape::quoted(q));
        w.write(cells)?;
    }
    w.finish()
}

/// `history`: the listing's rows streamed in `format`, every format in the
/// same direction; in the exchange format without `--cross`, from the
/// stored text itself (a row shown as quoted is not parsed).
pub fn write_history(out: &mut dyn Write, format: HistoryFormat, store: &Store, ask: &Listing) -> Result<()> {
    let resolved = ask.selection.resolve_with_cross(store)?;
    if format == HistoryFormat::Csv && history::as_stored_text(ask) {
        let mut raw = super::csv::RawRows::new(out, COLUMNS)?;
        history::each_stored_text(store, ask, &resolved.direct, |r| raw.write(r.at, r.shown, r.pair, r.rate, r.change, r.source))?;
        return raw.finish();
    }
    let cross = ask.selection.cross;
    let shape = Shape::new(format, cross).with_provenance();
    let widths = if cross { vec![20, 7, 16, 10, 8, 3, 0] } else { vec![20, 7, 16, 10, 8, 0] };
    let mut w = RecordWriter::new(out, format, shape.columns()).with_fixed_widths(widths);
    history::each(store, ask, &resolved, |row: HistoryRow<'_>| {
        let mut cells = shape.record(&row.quote, row.input);
        cells.push(Shape::quoted(&row.quote));
        w.write_priced(cells, price(&row.quote))
    })?;
    w.finish()
}
