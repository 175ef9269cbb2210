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
use crate::store::{SeriesId, Store, ROLLUP_WIDTHS};

/// A rollup level is used when this many of its buckets fit in one pixel
/// column; column boundaries then snap to its buckets (`snap_for`).
const BUCKETS_PER_COLUMN: i64 = 2;

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
        other => Error::Chart(other.to_string()),
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

/// The points of one series over `t0..=t1` in the shown direction, reduced
/// to first/min/max/last per pixel column. Long ranges read the daily or
/// hourly rollups, whose buckets the snapped columns never split; only the
/// partial buckets at the range's ends are opened, a level finer each time,
/// down to the observations. The result is what M4 over every observation
/// gives, at a cost bounded by the number of columns, not by the history's
/// length.
fn reduced_points(store: &Store, v: &View, t0: i64, t1: i64, columns: u32) -> Result<Vec<(i64, f64)>> {
    let invert = v.shown != v.series.pair;
    let levels = levels_for(t0, t1, columns);
    let snap = levels.first().copied().unwrap_or(0);
    let mut r = Reducer { store, series_id: v.series.id, t0, t1, columns, snap, levels, points: Vec::new() };
    r.collect(0, t0, t1)?;
    let points: Vec<(i64, f64)> = r.points.into_iter().map(|(ts, x)| (ts, if invert { 1.0 / x } else { x })).collect();
    Ok(chart::m4_reduce_snapped(&points, t0, t1, columns, snap))
}

/// The rollup widths worth reading for a chart of `columns` pixel columns
/// over `t0..=t1`, coarsest first: those of which several buckets fit in
/// one column.
fn levels_for(t0: i64, t1: i64, columns: u32) -> Vec<i64> {
    let column_width = (t1 - t0 + 1) / i64::from(columns.max(1));
    ROLLUP_WIDTHS.iter().rev().copied().filter(|w| w * BUCKETS_PER_COLUMN <= column_width).collect()
}

/// The column snap of a chart (`ChartOptions::snap`): on a range long enough
/// for the rollups, pixel columns hold whole buckets of the coarsest level
/// read, so no bucket straddles two columns and M4 needs only the rollups.
/// Boundaries move by at most a quarter of a column: invisible, and the
/// same for the full data as for the reduced.
pub fn snap_for(t0: i64, t1: i64, columns: u32) -> i64 {
    levels_for(t0, t1, columns).first().copied().unwrap_or(0)
}

struct Reducer<'a> {
    store: &'a Store,
    series_id: SeriesId,
    t0: i64,
    t1: i64,
    columns: u32,
    snap: i64,
    /// Rollup widths in use, coarsest first.
    levels: Vec<i64>,
    /// (time, canonical value), in time order.
    points: Vec<(i64, f64)>,
}

impl Reducer<'_> {
    fn column(&self, ts: i64) -> u32 {
        chart::column_of_snapped(ts, self.t0, self.t1, self.columns, self.snap)
    }

    /// Collects the points that matter in `from..=to` at level `level`
    /// (an index into `levels`; past the end means the observations).
    fn collect(&mut self, level: usize, from: i64, to: i64) -> Result<()> {
        let Some(&width) = self.levels.get(level) else {
            let points = &mut self.points;
            return self.store.for_each_value(self.series_id, Instant::from_unix(from), Instant::from_unix(to), |ts, x| {
                points.push((ts, x));
                Ok(())
            });
        };
        // Whole buckets inside from..=to; the partial ones at the ends go a level finer.
        let inner_start = from.div_euclid(width) * width + if from.rem_euclid(width) == 0 { 0 } else { width };
        let inner_end = (to + 1).div_euclid(width) * width; // exclusive
        if inner_start >= inner_end {
            return self.collect(level + 1, from, to);
        }
        if from < inner_start {
            self.collect(level + 1, from, inner_start - 1)?;
        }
        let mut buckets = Vec::new();
        self.store.for_each_rollup(self.series_id, width, Instant::from_unix(inner_start), Instant::from_unix(inner_end - 1), |r| {
            buckets.push(r)
        })?;
        for b in buckets {
            let end = b.bucket + width - 1;
            if self.column(b.bucket) == self.column(end) {
                // A bucket inside one column: its extremes are all M4 needs of it.
                let mut four = [b.first, b.min, b.max, b.last];
                four.sort_by_key(|p| p.0);
                for (ts, x) in four {
                    if self.points.last().is_none_or(|p| p.0 != ts) {
                        self.points.push((ts, x));
                    }
                }
            } else {
                // Unreachable while every rollup width divides the coarser
                // ones (columns snap to the coarsest); kept so that a width
                // that does not stays exact.
                self.collect(level + 1, b.bucket, end)?;
            }
        }
        if inner_end <= to {
            self.collect(level + 1, inner_end, to)?;
        }
        Ok(())
    }
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

/// Every point of a series in the range, unreduced.
fn all_points(store: &Store, v: &View, t0: i64, t1: i64) -> Result<Vec<(i64, f64)>> {
    let invert = v.shown != v.series.pair;
    let mut points = Vec::new();
    store.for_each_value(v.series.id, Instant::from_unix(t0), Instant::from_unix(t1), |ts, x| {
        points.push((ts, if invert { 1.0 / x } else { x }));
        Ok(())
    })?;
    Ok(points)
}
