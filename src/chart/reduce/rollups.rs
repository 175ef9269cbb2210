//! The reducer that reads the store: the points of one series over a range, reduced per pixel
//! column (M4), from the daily or hourly rollups on long ranges and the observations at the
//! range's ends; or every point, unreduced (to test that the reduction is faithful).

use crate::chart::reduce::columns::ColumnCursor;
use crate::chart::reduce::m4_reduce_snapped;
use crate::error::Result;
use crate::model::Instant;
use crate::selection::View;
use crate::store::{SeriesId, Store};

/// A rollup level is used when this many of its buckets fit in one pixel
/// column; column boundaries then snap to its buckets ([`snap_for`]).
const BUCKETS_PER_COLUMN: i64 = 2;

/// A bucket of at most this many observations, met inside a stretch read
/// from the observations, is read with it: a few rows cost less than one
/// more query.
const THIN_BUCKET: i64 = 8;

/// The points of one series over `t0..=t1` in the shown direction, reduced
/// to first/min/max/last per pixel column. Long ranges read the daily or
/// hourly rollups, whose buckets the snapped columns never split; only the
/// partial buckets at the range's ends are opened, a level finer each time,
/// down to the observations, and stretches without rows (buckets of one
/// observation, which the store does not keep) are read from the
/// observations. The result is what M4 over every observation
/// gives, at a cost bounded by the number of columns, not by the history's
/// length.
pub fn reduced_points(store: &Store, v: &View, t0: i64, t1: i64, columns: u32) -> Result<Vec<(i64, f64)>> {
    let invert = v.shown != v.series.pair;
    let levels = levels_for(store.rollup_widths(), t0, t1, columns);
    let snap = levels.first().copied().unwrap_or(0);
    let cursor = ColumnCursor::new(t0, t1, columns, snap);
    let mut r = Reducer { store, series_id: v.series.id, cursor, levels, points: Vec::new() };
    r.collect(0, t0, t1)?;
    let points: Vec<(i64, f64)> = r.points.into_iter().map(|(ts, x)| (ts, if invert { 1.0 / x } else { x })).collect();
    Ok(m4_reduce_snapped(&points, t0, t1, columns, snap))
}

/// The rollup widths worth reading for a chart of `columns` pixel columns
/// over `t0..=t1`, coarsest first: those of which several buckets fit in
/// one column.
fn levels_for(widths: &[i64], t0: i64, t1: i64, columns: u32) -> Vec<i64> {
    let column_width = (t1 - t0 + 1) / i64::from(columns.max(1));
    widths.iter().rev().copied().filter(|w| w * BUCKETS_PER_COLUMN <= column_width).collect()
}

/// The column snap of a chart (`ChartOptions::snap`): on a range long enough
/// for the rollups, pixel columns hold whole buckets of the coarsest level
/// read, so no bucket straddles two columns and M4 needs only the rollups.
/// Boundaries move by at most a quarter of a column: invisible, and the
/// same for the full data as for the reduced.
pub fn snap_for(store: &Store, t0: i64, t1: i64, columns: u32) -> i64 {
    levels_for(store.rollup_widths(), t0, t1, columns).first().copied().unwrap_or(0)
}

struct Reducer<'a> {
    store: &'a Store,
    series_id: SeriesId,
    /// The chart's columns.
    cursor: ColumnCursor,
    /// Rollup widths in use, coarsest first.
    levels: Vec<i64>,
    /// (time, canonical value), in time order.
    points: Vec<(i64, f64)>,
}

impl Reducer<'_> {
    fn column(&mut self, ts: i64) -> u32 {
        self.cursor.column(ts)
    }

    /// The observations of `from..=to`, as they are.
    fn observations(&mut self, from: i64, to: i64) -> Result<()> {
        let points = &mut self.points;
        self.store.for_each_value(self.series_id, Instant::from_unix(from), Instant::from_unix(to), |ts, x| {
            points.push((ts, x));
            Ok(())
        })
    }

    /// Collects the points that matter in `from..=to` at level `level`
    /// (an index into `levels`; past the end means the observations).
    fn collect(&mut self, level: usize, from: i64, to: i64) -> Result<()> {
        let Some(&width) = self.levels.get(level) else {
            return self.observations(from, to);
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
        // Where rows are missing, each bucket held at most one observation
        // (the store keeps no row of one, and none of none): such a stretch
        // is read from the observations, at every finer level alike. A thin
        // bucket right after one joins it, so a sparse series costs a query
        // per stretch and not one per bucket.
        let mut next = inner_start; // the first time not yet collected
        let mut stretch: Option<i64> = None; // where the open stretch starts
        for b in buckets {
            let end = b.bucket + width - 1;
            if b.bucket > next {
                stretch = stretch.or(Some(next));
            }
            next = end + 1;
            if stretch.is_some() && b.n <= THIN_BUCKET {
                continue;
            }
            if let Some(start) = stretch.take() {
                self.observations(start, b.bucket - 1)?;
            }
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
        if let Some(start) = stretch.or((next < inner_end).then_some(next)) {
            self.observations(start, inner_end - 1)?;
        }
        if inner_end <= to {
            self.collect(level + 1, inner_end, to)?;
        }
        Ok(())
    }
}

/// Every point of a series in the range, unreduced.
pub fn all_points(store: &Store, v: &View, t0: i64, t1: i64) -> Result<Vec<(i64, f64)>> {
    let invert = v.shown != v.series.pair;
    let mut points = Vec::new();
    store.for_each_value(v.series.id, Instant::from_unix(t0), Instant::from_unix(t1), |ts, x| {
        points.push((ts, if invert { 1.0 / x } else { x }));
        Ok(())
    })?;
    Ok(points)
}
