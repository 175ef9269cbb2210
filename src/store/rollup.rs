//! Rollups: first, min, max and last per hour and per day of each series, in
//! its canonical direction as floating point, kept current by every write so
//! a long-range chart reads a few thousand rows. For drawing only: exact
//! values stay in `observation`.
//!
//! A bucket that holds one observation is not stored ([`is_stored`]): its
//! row would only repeat the observation. A bank publishes one rate a day,
//! so its series have no rollups at all, and a daily document writes its
//! observations and nothing else (the chart reads them where rows are
//! missing). Stores written before this rule keep such rows; they are
//! valid, and `check` accepts either.

use std::path::Path;

use rusqlite::{params, Connection};

use super::read::{for_each_value_in, values_in};
use super::{db_err, SeriesId, Store};
use crate::error::Result;
use crate::model::Instant;

/// Rollup bucket widths in seconds: hour, six hours (since schema
/// version 3) and day; each divides the next, so columns snapped to the
/// coarsest read never split a finer bucket.
pub const ROLLUP_WIDTHS: [i64; 3] = [3600, 21_600, 86_400];

/// The widths a store of schema version `version` keeps.
pub fn widths_of_version(version: i64) -> &'static [i64] {
    if version >= 3 {
        &ROLLUP_WIDTHS
    } else {
        &[3600, 86_400]
    }
}

/// The columns `rollup_from_row` reads, in its order.
pub(super) const ROLLUP_COLUMNS: &str = "width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last";

/// A rollup from a `ROLLUP_COLUMNS` row.
pub(super) fn rollup_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RollupRow> {
    Ok(RollupRow {
        width: r.get(0)?,
        bucket: r.get(1)?,
        n: r.get(2)?,
        first: (r.get(3)?, r.get(4)?),
        min: (r.get(5)?, r.get(6)?),
        max: (r.get(7)?, r.get(8)?),
        last: (r.get(9)?, r.get(10)?),
    })
}

/// First, min, max, last of one bucket: (unix seconds, canonical value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RollupRow {
    pub width: i64,
    pub bucket: i64,
    pub n: i64,
    pub first: (i64, f64),
    pub min: (i64, f64),
    pub max: (i64, f64),
    pub last: (i64, f64),
}

impl RollupRow {
    fn start(width: i64, ts: i64, v: f64) -> RollupRow {
        RollupRow { width, bucket: ts.div_euclid(width) * width, n: 1, first: (ts, v), min: (ts, v), max: (ts, v), last: (ts, v) }
    }
    fn add(&mut self, ts: i64, v: f64) {
        self.n += 1;
        if v < self.min.1 {
            self.min = (ts, v);
        }
        if v > self.max.1 {
            self.max = (ts, v);
        }
        self.last = (ts, v);
    }
    /// The same row, values compared to floating-point noise.
    pub(super) fn same(&self, o: &RollupRow) -> bool {
        let close = |a: f64, b: f64| a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        self.width == o.width
            && self.bucket == o.bucket
            && self.n == o.n
            && [(self.first, o.first), (self.min, o.min), (self.max, o.max), (self.last, o.last)]
                .iter()
                .all(|((t1, v1), (t2, v2))| t1 == t2 && close(*v1, *v2))
    }
}

/// Whether a bucket is kept in the rollup table: only when it holds more
/// than its one observation.
pub(super) fn is_stored(r: &RollupRow) -> bool {
    r.n >= 2
}

const INSERT: &str = "INSERT INTO rollup (series_id, width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last) \
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

/// Inserts `r` (with [`INSERT`]) when it is kept ([`is_stored`]).
fn store_row(insert: &mut rusqlite::Statement<'_>, sid: SeriesId, r: &RollupRow) -> rusqlite::Result<()> {
    if is_stored(r) {
        insert.execute(params![
            sid.0, r.width, r.bucket, r.n, r.first.0, r.first.1, r.min.0, r.min.1, r.max.0, r.max.1, r.last.0, r.last.1
        ])?;
    }
    Ok(())
}

/// Folds observations (in time order) into rollup rows of some widths.
pub(super) struct RollupBuilder {
    widths: &'static [i64],
    open: Vec<Option<RollupRow>>,
}

impl Default for RollupBuilder {
    /// A builder of every width.
    fn default() -> RollupBuilder {
        RollupBuilder::of(&ROLLUP_WIDTHS)
    }
}

impl RollupBuilder {
    pub(super) fn of(widths: &'static [i64]) -> RollupBuilder {
        RollupBuilder { widths, open: vec![None; widths.len()] }
    }

    pub(super) fn push<E>(&mut self, ts: i64, v: f64, out: &mut impl FnMut(RollupRow) -> Result<(), E>) -> Result<(), E> {
        for (i, &w) in self.widths.iter().enumerate() {
            let bucket = ts.div_euclid(w) * w;
            match &mut self.open[i] {
                Some(r) if r.bucket == bucket => r.add(ts, v),
                slot => {
                    if let Some(done) = slot.take() {
                        out(done)?;
                    }
                    *slot = Some(RollupRow::start(w, ts, v));
                }
            }
        }
        Ok(())
    }
    pub(super) fn finish<E>(mut self, out: &mut impl FnMut(RollupRow) -> Result<(), E>) -> Result<(), E> {
        for slot in &mut self.open {
            if let Some(done) = slot.take() {
                out(done)?;
            }
        }
        Ok(())
    }
}

/// Rebuilds the rollups of a series over the widest buckets that hold
/// `lo_ts..=hi_ts` (the times an input wrote), inside the write transaction.
pub(super) fn rebuild(conn: &Connection, path: &Path, sid: SeriesId, lo_ts: i64, hi_ts: i64) -> Result<()> {
    let p = |e| db_err(path, e);
    let widest = ROLLUP_WIDTHS[ROLLUP_WIDTHS.len() - 1];
    let b0 = lo_ts.div_euclid(widest) * widest;
    let b1 = hi_ts.div_euclid(widest) * widest + widest;
    // One index range per width: with `width` unconstrained the primary key
    // (series_id, width, bucket) only narrows to the series, and the delete
    // would scan all its rollups.
    for w in ROLLUP_WIDTHS {
        conn.prepare_cached("DELETE FROM rollup WHERE series_id = ?1 AND width = ?2 AND bucket >= ?3 AND bucket < ?4")
            .map_err(p)?
            .execute(params![sid.0, w, b0, b1])
            .map_err(p)?;
    }
    let mut insert = conn.prepare_cached(INSERT).map_err(p)?;
    let mut write = |r: RollupRow| store_row(&mut insert, sid, &r).map_err(p);
    let mut acc = RollupBuilder::default();
    for_each_value_in(conn, path, sid, b0, b1 - 1, |ts, v| acc.push(ts, v, &mut write))?;
    acc.finish(&mut write)
}

/// Step 3 of the ladder: the rows of one new width for every series,
/// folded from its observations (buckets of one observation not stored),
/// inside the upgrade's transaction.
pub(super) fn fold_width(conn: &Connection, width: i64) -> rusqlite::Result<()> {
    let widths: &'static [i64] = match ROLLUP_WIDTHS.iter().position(|w| *w == width) {
        Some(i) => &ROLLUP_WIDTHS[i..=i],
        None => return Err(rusqlite::Error::InvalidParameterName(format!("rollup width {width}"))),
    };
    let series: Vec<i64> =
        conn.prepare("SELECT id FROM series ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut insert = conn.prepare(INSERT)?;
    for sid in series.into_iter().map(SeriesId) {
        let mut write = |r: RollupRow| store_row(&mut insert, sid, &r);
        let mut acc = RollupBuilder::of(widths);
        values_in(conn, sid, i64::MIN, i64::MAX, |e| e, |ts, v| acc.push(ts, v, &mut write))?;
        acc.finish(&mut write)?;
    }
    Ok(())
}

/// Rollups folded while an input writes a series, when that is the whole story: nothing was
/// stored from the day of the input's first row of the series on, and its rows come in time
/// order, all new. The rows are then what [`rebuild`] would fold at the commit, without reading
/// the observations back (a bulk load of millions of rows reads nothing twice). Anything else
/// (a row out of order, a duplicate, a conflict) and the caller drops it and rebuilds.
pub(super) struct Appending {
    acc: RollupBuilder,
    last: i64,
}

impl Appending {
    /// Starts with the row `(ts, v)` just written, if nothing else of the series is stored from
    /// the day of `ts` on. Rollup rows from that day on can then only be stale (none in a sound
    /// store): they are removed, as `rebuild` would.
    pub(super) fn start(conn: &Connection, path: &Path, sid: SeriesId, ts: i64, v: f64) -> Result<Option<Appending>> {
        let p = |e| db_err(path, e);
        let widest = ROLLUP_WIDTHS[ROLLUP_WIDTHS.len() - 1];
        let b0 = ts.div_euclid(widest) * widest;
        let later: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM observation WHERE series_id = ?1 AND ts >= ?2 AND ts != ?3)")
            .map_err(p)?
            .query_row(params![sid.0, b0, ts], |r| r.get(0))
            .map_err(p)?;
        if later {
            return Ok(None);
        }
        for w in ROLLUP_WIDTHS {
            conn.prepare_cached("DELETE FROM rollup WHERE series_id = ?1 AND width = ?2 AND bucket >= ?3")
                .map_err(p)?
                .execute(params![sid.0, w, b0])
                .map_err(p)?;
        }
        let mut a = Appending { acc: RollupBuilder::default(), last: ts };
        a.acc.push(ts, v, &mut |_| -> Result<()> { Ok(()) })?; // the first row closes no bucket
        Ok(Some(a))
    }

    /// Folds the next new row; false when it is not after the last one (nothing is folded:
    /// the caller rebuilds instead). Buckets it closes are written.
    pub(super) fn push(&mut self, conn: &Connection, path: &Path, sid: SeriesId, ts: i64, v: f64) -> Result<bool> {
        if ts <= self.last {
            return Ok(false);
        }
        self.last = ts;
        // The statement is looked up only when a bucket closes, not for every row.
        self.acc.push(ts, v, &mut |r| {
            let mut insert = conn.prepare_cached(INSERT).map_err(|e| db_err(path, e))?;
            store_row(&mut insert, sid, &r).map_err(|e| db_err(path, e))
        })?;
        Ok(true)
    }

    /// Writes the buckets still open.
    pub(super) fn finish(self, conn: &Connection, path: &Path, sid: SeriesId) -> Result<()> {
        let mut insert = conn.prepare_cached(INSERT).map_err(|e| db_err(path, e))?;
        self.acc.finish(&mut |r| store_row(&mut insert, sid, &r).map_err(|e| db_err(path, e)))
    }
}

impl Store {
    /// The rollups of one width whose buckets start within `from..=to`, in order.
    pub fn for_each_rollup(&self, series: SeriesId, width: i64, from: Instant, to: Instant, mut f: impl FnMut(RollupRow)) -> Result<()> {
        let p = |e| db_err(&self.path, e);
        let sql =
            format!("SELECT {ROLLUP_COLUMNS} FROM rollup WHERE series_id = ?1 AND width = ?2 AND bucket BETWEEN ?3 AND ?4 ORDER BY bucket");
        let mut st = self.conn.prepare_cached(&sql).map_err(p)?;
        let mut rows = st.query(params![series.0, width, from.unix(), to.unix()]).map_err(p)?;
        while let Some(r) = rows.next().map_err(p)? {
            f(rollup_from_row(r).map_err(p)?);
        }
        Ok(())
    }

    /// The rollup widths this file keeps (six hours since version 3).
    pub fn rollup_widths(&self) -> &'static [i64] {
        widths_of_version(self.version)
    }
}
