//! `fxsnap history`: observations in a range, ordered by time then pair.

use std::io::Write;
use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use rust_decimal::Decimal;

use crate::cross::Derived;
use crate::model::{Currency, Observation, Pair};
use crate::output::{self, Cell, Format, HistoryFormat, RecordWriter};
use crate::precision::{low_precision, mark};
use crate::selection::names_direction;
use crate::store::{InputRecord, RawRow, Series, Store};

pub const COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source"];
const COLUMNS_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via"];
const JSON_COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "precision_pct"];
const JSON_COLUMNS_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via", "precision_pct"];
/// History's JSON adds provenance: `input` is the name of the input that
/// brought the value ("" for one stored before version 2, or derived),
/// `observed` when that input was seen (RFC 3339; null without an input).
const PROVENANCE_COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "input", "observed", "precision_pct"];
const PROVENANCE_COLUMNS_VIA: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "via", "input", "observed", "precision_pct"];

/// The columns of a record of observations: the exchange columns (CSV,
/// tables), `via` with `--cross`, and in JSON the `precision_pct` that
/// tables show as `±N%` beside the rate.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    via: bool,
    json: bool,
    table: bool,
    /// JSON rows name their input (history).
    provenance: bool,
}

impl Shape {
    pub fn new(format: Format, cross: bool) -> Shape {
        Shape { via: cross, json: matches!(format, Format::Json | Format::Jsonl), table: format == Format::Table, provenance: false }
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

    /// One observation as a record in the shown direction. `precision` is
    /// the derived uncertainty of a cross rate; a stored value's own
    /// quoting gives it otherwise.
    pub fn record(&self, obs: &Observation, shown: Pair, via: Option<Currency>, precision: Option<Option<Decimal>>) -> Vec<Cell> {
        self.record_from(obs, shown, via, precision, None)
    }

    /// [`Shape::record`] naming the input the value came from.
    pub fn record_from(
        &self,
        obs: &Observation,
        shown: Pair,
        via: Option<Currency>,
        precision: Option<Option<Decimal>>,
        input: Option<&InputRecord>,
    ) -> Vec<Cell> {
        let precision = precision.unwrap_or_else(|| low_precision(&[obs.rate.decimal()]));
        let rate = obs.rate_as(shown).to_string();
        let rate = match precision {
            Some(p) if self.table => format!("{rate} {}", mark(p)),
            _ => rate,
        };
        let mut cells: Vec<Cell> = vec![
            obs.at.rfc3339().into(),
            shown.to_string().into(),
            rate.into(),
            obs.change_as(shown).map(|c| c.to_string()).into(),
            obs.source.to_string().into(),
        ];
        if self.via {
            cells.push(via.map(|c| c.to_string()).into());
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
}

/// The CSV exchange format written from rows as stored (`history --format
/// csv`, and the rows `delete` removes): the stored text is already exact,
/// so it goes out as is (no decimal parse and re-format), and the date part
/// of the timestamp is formatted once per day. Every cell is a validated
/// code, decimal or label: nothing to quote.
#[derive(Default)]
pub struct ExchangeCsv {
    day: Option<i64>,
    date: String,
}

impl ExchangeCsv {
    pub fn header(&mut self, out: &mut impl Write) -> Result<()> {
        writeln!(out, "{}", COLUMNS.join(","))?;
        Ok(())
    }

    /// One stored row of `series`, in the direction it was quoted.
    pub fn row(&mut self, out: &mut impl Write, series: &Series, row: &RawRow<'_>) -> Result<()> {
        let (ts, rate, change) = (row.at.unix(), row.rate, row.change);
        let pair = if row.inverted { series.pair.inverse() } else { series.pair };
        let d = ts.div_euclid(86_400);
        if self.day != Some(d) {
            self.day = Some(d);
            self.date = crate::model::Instant::from_unix(d * 86_400).rfc3339()[..11].to_string();
        }
        let sec = ts.rem_euclid(86_400);
        writeln!(
            out,
            "{}{:02}:{:02}:{:02}Z,{pair},{rate},{},{}",
            self.date,
            sec / 3600,
            sec / 60 % 60,
            sec % 60,
            change.unwrap_or(""),
            series.source
        )?;
        Ok(())
    }
}

pub fn run(db: &Path, args: &ReadArgs<HistoryFormat>) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let resolved = sel.resolve_with_cross(&store)?;
    let views = resolved.direct;
    // CSV is the exchange format and must round-trip exactly: unless a
    // direction is asked for, each row stays in the direction it was quoted.
    let as_stored = args.format == HistoryFormat::Csv && !args.select.invert && !names_direction(&args.select.pair);
    let series: Vec<_> = views.iter().map(|v| v.series.clone()).collect();
    // Derived rows (--cross) are few beside the stored ones: computed first,
    // then merged into the stored rows' stream in time, pair, source order.
    let mut derived: Vec<(usize, Derived)> = Vec::new();
    for (k, cv) in resolved.cross.iter().enumerate() {
        cv.for_each(&store, sel.from, sel.to, |d| {
            derived.push((k, d));
            Ok(())
        })?;
    }
    let order = |d: &Derived| (d.obs.at, d.obs.pair.to_string(), d.obs.source.clone());
    derived.sort_by_key(|(_, d)| order(d));
    let mut out = output::stdout();
    match args.format.records() {
        None => {
            let ledger = args.format == HistoryFormat::Ledger;
            let mut price = |obs: &Observation, shown: Pair| -> Result<()> {
                let dt = obs.at.datetime();
                let rate = obs.rate_as(shown);
                if ledger {
                    writeln!(out, "P {} {} {} {}", dt.format("%Y-%m-%d %H:%M:%S"), shown.base, rate, shown.quote)?;
                } else {
                    writeln!(out, "{} price {} {} {}", dt.format("%Y-%m-%d"), shown.base, rate, shown.quote)?;
                }
                Ok(())
            };
            let mut pending = derived.iter().peekable();
            store.for_each_merged(&series, sel.from, sel.to, |i, obs| {
                let key = (obs.at, views[i].shown.to_string(), obs.source.clone());
                while let Some((_, d)) = pending.next_if(|(_, d)| order(d) < key) {
                    price(&d.obs, d.obs.pair)?;
                }
                price(&obs, views[i].shown_for(obs.pair))
            })?;
            for (_, d) in pending {
                price(&d.obs, d.obs.pair)?;
            }
            out.flush()?;
        }
        Some(_) if as_stored && derived.is_empty() && !sel.cross => {
            // The exchange format, rows as stored.
            let mut csv = ExchangeCsv::default();
            csv.header(&mut out)?;
            store.for_each_merged_raw(&series, sel.from, sel.to, |row| csv.row(&mut out, &series[row.series], &row))?;
            out.flush()?;
        }
        Some(format) => {
            let shape = Shape::new(format, sel.cross).with_provenance();
            let widths = if sel.cross { vec![20, 7, 16, 10, 8, 3] } else { vec![20, 7, 16, 10, 8] };
            let mut w = RecordWriter::new(out, format, shape.columns()).with_fixed_widths(widths);
            let mut pending = derived.iter().peekable();
            let crosses = &resolved.cross;
            // Not the CSV export as stored (the arm above): rows in the shown
            // direction, or as quoted when no direction was asked.
            store.for_each_merged_with_input(&series, sel.from, sel.to, |i, obs, input| {
                let key = (obs.at, views[i].shown.to_string(), obs.source.clone());
                while let Some((k, d)) = pending.next_if(|(_, d)| order(d) < key) {
                    w.write(shape.record(&d.obs, d.obs.pair, Some(crosses[*k].via), Some(d.precision_pct)))?;
                }
                let shown = if as_stored { obs.pair } else { views[i].shown_for(obs.pair) };
                w.write(shape.record_from(&obs, shown, None, None, input))
            })?;
            for (k, d) in pending {
                w.write(shape.record(&d.obs, d.obs.pair, Some(crosses[*k].via), Some(d.precision_pct)))?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
