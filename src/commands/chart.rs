//! `fxsnap chart`: loads each selected series already reduced for the
//! picture (M4 per pixel column, from the rollups on long ranges) and hands
//! the panels to `crate::chart`.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::chart::{self, ChartOptions, Line, Panel};
use crate::cli::ChartArgs;
use crate::error::{Error, Result};
use crate::model::{Instant, Observation, Pair};
use crate::selection::View;
use crate::store::Store;

pub use crate::chart::reduce::rollups::snap_for;
use crate::chart::reduce::rollups::{all_points, reduced_points};

pub fn run(db: &Path, args: &ChartArgs) -> Result<()> {
    chart::ImageFormat::from_path(&args.output).map_err(|e| Error::Usage(e.to_string()))?;
    if args.width < 300 || args.height < 200 || args.width > 20_000 || args.height > 20_000 {
        return Err(Error::Usage(format!("--width {} --height {}: a chart is 300x200 to 20000x20000 pixels", args.width, args.height)));
    }
    let sel = args.select.selection()?;
    let store = Store::open_existing(db)?;
    let views = sel.resolve(&store)?;

    // One read transaction for all the chart's queries: one consistent
    // snapshot, and no per-query WAL lock and unlock.
    store.conn().execute_batch("BEGIN").map_err(|e| crate::store::db_err(db, e))?;
    let (t0, t1) = match range(&store, &views, sel.from, sel.to)? {
        Some(r) => r,
        None => return Err(nothing_to_chart()),
    };
    let mut opts = ChartOptions::new(t0, t1);
    opts.width = args.width;
    opts.height = args.height;
    opts.title = args.title.clone();
    opts.index = args.index;
    let columns = chart::plot_columns(&opts);
    opts.snap = snap_for(t0, t1, columns);
    let out = build_panels(&store, &views, t0, t1, Some(columns))?;
    store.conn().execute_batch("COMMIT").map_err(|e| crate::store::db_err(db, e))?;
    if out.is_empty() {
        return Err(nothing_to_chart());
    }
    chart::render_to_file(&opts, &out, &args.output).map_err(|e| match e {
        chart::ChartError::NoData => nothing_to_chart(),
        other @ (chart::ChartError::InvalidRange { .. }
        | chart::ChartError::UnknownFormat { .. }
        | chart::ChartError::Size { .. }
        | chart::ChartError::CannotRebase { .. }
        | chart::ChartError::Font
        | chart::ChartError::Draw(_)
        | chart::ChartError::Write { .. }
        | chart::ChartError::Encode { .. }) => Error::Chart(other.to_string()),
    })
}

fn nothing_to_chart() -> Error {
    Error::invalid("nothing to chart: no observations in the range (no file written)")
}

/// The range drawn: `--from`/`--to`, or the data's own first and last times.
fn range(store: &Store, views: &[View], from: Option<Instant>, to: Option<Instant>) -> Result<Option<(i64, i64)>> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for v in views {
        if let Some((a, b)) = store.time_span(v.series.id, from, to)? {
            lo = lo.min(a.unix());
            hi = hi.max(b.unix());
        }
    }
    if lo > hi {
        return Ok(None);
    }
    Ok(Some((from.map(|f| f.unix()).unwrap_or(lo), to.map(|t| t.unix()).unwrap_or(hi))))
}

/// (last / first − 1) × 100 in decimal arithmetic, for the panel title.
fn change_pct(first: &Observation, last: &Observation, shown: Pair) -> Option<f64> {
    let f = first.rate_as(shown).decimal();
    let l = last.rate_as(shown).decimal();
    let ratio = l.checked_div(f)?;
    ((ratio - Decimal::ONE) * Decimal::ONE_HUNDRED).to_f64()
}

/// A panel being gathered: its lines, its newest and its oldest observation.
type PanelParts = (Vec<Line>, Option<Observation>, Option<Observation>);

/// The panels of a chart over `t0..=t1`, one per shown pair, one line per
/// source; points reduced to `columns` pixel columns, or every point when
/// `columns` is None (for testing that the reduction is faithful).
pub fn build_panels(store: &Store, views: &[View], t0: i64, t1: i64, columns: Option<u32>) -> Result<Vec<Panel>> {
    // Panels in the order of the views (shown pair, then source).
    let mut panels: BTreeMap<String, PanelParts> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for v in views {
        let points = match columns {
            Some(c) => reduced_points(store, v, t0, t1, c)?,
            None => all_points(store, v, t0, t1)?,
        };
        if points.is_empty() {
            continue;
        }
        let key = v.shown.to_string();
        if !panels.contains_key(&key) {
            order.push(key.clone());
        }
        let entry = panels.entry(key).or_insert_with(|| (Vec::new(), None, None));
        entry.0.push(Line { label: v.series.source.to_string(), points });
        // The panel's last value is the newest observation across its
        // sources; its change runs from the oldest one in the range.
        if let Some(last) = store.latest(&v.series, Some(Instant::from_unix(t1)))? {
            if entry.1.as_ref().is_none_or(|l| last.at > l.at) {
                entry.1 = Some(last);
            }
        }
        if let Some(first) = store.first_observation(&v.series, Instant::from_unix(t0), Instant::from_unix(t1))? {
            if entry.2.as_ref().is_none_or(|f| first.at < f.at) {
                entry.2 = Some(first);
            }
        }
    }
    let mut out = Vec::new();
    for key in order {
        let Some((lines, last, first)) = panels.remove(&key) else { continue };
        let shown: Pair = key.parse()?;
        let (last_text, change_pct) = match (&last, &first) {
            (Some(l), Some(f)) => (l.rate_as(shown).to_string(), change_pct(f, l, shown)),
            (Some(l), None) => (l.rate_as(shown).to_string(), None),
            _ => (String::new(), None),
        };
        out.push(Panel { pair: key, lines, last: last_text, change_pct });
    }
    Ok(out)
}
