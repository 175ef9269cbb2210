//! `fxsnap history`: observations in a range, ordered by time then pair.

use std::io::Write;
use std::path::Path;

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::model::Observation;
use crate::output::{self, Cell, Format, HistoryFormat, RecordWriter};
use crate::selection::names_direction;
use crate::store::Store;

pub const COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source"];
/// The JSON formats add provenance: `input` is the name of the input that
/// brought the value ("" for one stored before version 2), `observed` when
/// that input was seen (RFC 3339; null when there is no input).
const JSON_COLUMNS: &[&str] = &["timestamp", "pair", "rate", "change_pct", "source", "input", "observed"];

/// One observation as a record in the shown direction.
pub fn record(obs: &Observation, shown: crate::model::Pair) -> Vec<Cell> {
    vec![
        obs.at.rfc3339().into(),
        shown.to_string().into(),
        obs.rate_as(shown).to_string().into(),
        obs.change_as(shown).map(|c| c.to_string()).into(),
        obs.source.to_string().into(),
    ]
}

pub fn run(db: &Path, args: &ReadArgs<HistoryFormat>) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let views = sel.resolve(&store)?;
    // CSV is the exchange format and must round-trip exactly: unless a
    // direction is asked for, each row stays in the direction it was quoted.
    let as_stored = args.format == HistoryFormat::Csv && !args.select.invert && !names_direction(&args.select.pair);
    let series: Vec<_> = views.iter().map(|v| v.series.clone()).collect();
    let mut out = output::stdout();
    match args.format.records() {
        None => {
            let ledger = args.format == HistoryFormat::Ledger;
            store.for_each_merged(&series, sel.from, sel.to, |i, obs| {
                let shown = views[i].shown;
                let dt = obs.at.datetime();
                let rate = obs.rate_as(shown);
                if ledger {
                    writeln!(out, "P {} {} {} {}", dt.format("%Y-%m-%d %H:%M:%S"), shown.base, rate, shown.quote)?;
                } else {
                    writeln!(out, "{} price {} {} {}", dt.format("%Y-%m-%d"), shown.base, rate, shown.quote)?;
                }
                Ok(())
            })?;
            out.flush()?;
        }
        Some(_) if as_stored => {
            // The exchange format, rows as stored: the stored text is already
            // exact, so it goes out as is (no decimal parse and re-format), and
            // the date part of the timestamp is formatted once per day. Every
            // cell is a validated code, decimal or label: nothing to quote.
            writeln!(out, "{}", COLUMNS.join(","))?;
            let mut day = i64::MIN;
            let mut date = String::new();
            store.for_each_merged_raw(&series, sel.from, sel.to, |row| {
                let s = &series[row.series];
                let (ts, rate, change) = (row.at.unix(), row.rate, row.change);
                let pair = if row.inverted { s.pair.inverse() } else { s.pair };
                let d = ts.div_euclid(86_400);
                if d != day {
                    day = d;
                    date = crate::model::Instant::from_unix(d * 86_400).rfc3339()[..11].to_string();
                }
                let sec = ts.rem_euclid(86_400);
                writeln!(
                    out,
                    "{date}{:02}:{:02}:{:02}Z,{pair},{rate},{},{}",
                    sec / 3600,
                    sec / 60 % 60,
                    sec % 60,
                    change.unwrap_or(""),
                    s.source
                )?;
                Ok(())
            })?;
            out.flush()?;
        }
        Some(format @ (Format::Json | Format::Jsonl)) => {
            let mut w = RecordWriter::new(out, format, JSON_COLUMNS);
            store.for_each_merged_with_input(&series, sel.from, sel.to, |i, obs, input| {
                let mut row = record(&obs, views[i].shown);
                row.push(input.map(|r| r.meta.name.as_str()).unwrap_or("").into());
                row.push(input.map(|r| r.meta.observed.rfc3339()).into());
                w.write(row)
            })?;
            w.finish()?;
        }
        Some(format) => {
            let mut w = RecordWriter::new(out, format, COLUMNS).with_fixed_widths(vec![20, 7, 16, 10, 8]);
            // Not the CSV export as stored (the arm above): rows in the shown direction.
            store.for_each_merged(&series, sel.from, sel.to, |i, obs| w.write(record(&obs, views[i].shown)))?;
            w.finish()?;
        }
    }
    Ok(())
}
