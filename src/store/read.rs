//! Reads: the series, one series' observations, several series merged in
//! time order (with their inputs), the newest and oldest observation in a
//! range, the values and rollups charts draw, the conflict log, the inputs
//! and failed fetches. Every read works on a version-1 file as it is (no
//! input column there: `NULL AS input_id`), so reading never needs an upgrade.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::{
    db_err, hi, lo, ConflictPolicy, ConflictRecord, Counts, FetchFailure, InputId, InputMeta, InputRecord, Series, SeriesId, Store,
};
use crate::error::{Error, Result};
use crate::model::{Change, Instant, Observation, Pair, Rate};

/// One stored row of a merge, as stored: the text is not parsed, so output
/// that must reproduce it exactly (CSV export) writes it as it is.
#[derive(Clone, Copy, Debug)]
pub struct RawRow<'a> {
    /// The index of the row's series in the slice given to the merge.
    pub series: usize,
    pub at: Instant,
    /// Quoted as the inverse of the series' canonical pair.
    pub inverted: bool,
    pub rate: &'a str,
    pub change: Option<&'a str>,
    /// The input that brought the value; None for values stored before version 2.
    pub input: Option<InputId>,
}

/// One series' next row in the merge, its buffers reused from row to row.
struct Head {
    ts: i64,
    inverted: bool,
    rate: String,
    change: Option<String>,
    input: Option<i64>,
}
/// Reads a cursor's next row into its head (None at its end).
fn read(rows: &mut rusqlite::Rows<'_>, h: &mut Option<Head>) -> rusqlite::Result<()> {
    match rows.next()? {
        None => *h = None,
        Some(r) => {
            let rate = r.get_ref(1)?.as_str()?;
            let change = r.get_ref(3)?.as_str_or_null()?;
            let head = h.get_or_insert_with(|| Head { ts: 0, inverted: false, rate: String::new(), change: None, input: None });
            head.ts = r.get(0)?;
            head.input = r.get(4)?;
            head.inverted = r.get::<_, i64>(2)? == 1;
            head.rate.clear();
            head.rate.push_str(rate);
            match (change, &mut head.change) {
                (None, c) => *c = None,
                (Some(t), Some(c)) => {
                    c.clear();
                    c.push_str(t);
                }
                (Some(t), c) => *c = Some(t.to_string()),
            }
        }
    }
    Ok(())
}

impl Store {
    /// Every series, ordered by pair then source.
    pub fn series(&self) -> Result<Vec<Series>> {
        let p = |e| db_err(&self.path, e);
        let mut st = self.conn.prepare("SELECT id, source, base, quote FROM series ORDER BY base, quote, source").map_err(p)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))
            .map_err(p)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, source, base, quote) = row.map_err(p)?;
            out.push(Series { id: SeriesId(id), source: source.parse()?, pair: Pair::new(base.parse()?, quote.parse()?)? });
        }
        Ok(out)
    }

    /// Calls `f` with each observation of a series in the range, oldest first.
    pub fn for_each_observation(
        &self,
        series: &Series,
        from: Option<Instant>,
        to: Option<Instant>,
        mut f: impl FnMut(Observation) -> Result<()>,
    ) -> Result<()> {
        let p = |e| db_err(&self.path, e);
        let mut st = self
            .conn
            .prepare_cached("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts")
            .map_err(p)?;
        let mut rows = st.query(params![series.id.0, lo(from), hi(to)]).map_err(p)?;
        while let Some(r) = rows.next().map_err(p)? {
            f(row_observation(series, r).map_err(p)??)?;
        }
        Ok(())
    }

    /// Observations of several series merged in time order (then in the order
    /// of `series`), streamed without loading them all.
    pub fn for_each_merged(
        &self,
        series: &[Series],
        from: Option<Instant>,
        to: Option<Instant>,
        mut f: impl FnMut(usize, Observation) -> Result<()>,
    ) -> Result<()> {
        self.for_each_merged_raw(series, from, to, |row| {
            f(row.series, observation_from(&series[row.series], row.at.unix(), row.inverted, row.rate, row.change)?)
        })
    }

    /// Like `for_each_merged`, with the input that brought each value (None
    /// for values stored before version 2), for history's JSON formats.
    pub fn for_each_merged_with_input(
        &self,
        series: &[Series],
        from: Option<Instant>,
        to: Option<Instant>,
        mut f: impl FnMut(usize, Observation, Option<&InputRecord>) -> Result<()>,
    ) -> Result<()> {
        let inputs: HashMap<InputId, InputRecord> = self.inputs()?.into_iter().map(|i| (i.id, i)).collect();
        self.for_each_merged_raw(series, from, to, |row| {
            let obs = observation_from(&series[row.series], row.at.unix(), row.inverted, row.rate, row.change)?;
            f(row.series, obs, row.input.and_then(|id| inputs.get(&id)))
        })
    }

    /// Like `for_each_merged`, but hands over each row as stored, without
    /// parsing it. Buffers are reused: no allocation per row.
    pub fn for_each_merged_raw(
        &self,
        series: &[Series],
        from: Option<Instant>,
        to: Option<Instant>,
        mut f: impl FnMut(RawRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let p = |e| db_err(&self.path, e);
        let sql = format!(
            "SELECT ts, rate, inverted, change, {} FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts",
            self.v2_or("input_id", "NULL AS input_id")
        );
        let mut statements = Vec::with_capacity(series.len());
        for _ in series {
            statements.push(self.conn.prepare(&sql).map_err(p)?);
        }
        let mut cursors = Vec::with_capacity(series.len());
        for (st, s) in statements.iter_mut().zip(series) {
            cursors.push(st.query(params![s.id.0, lo(from), hi(to)]).map_err(p)?);
        }
        let mut heads: Vec<Option<Head>> = series.iter().map(|_| None).collect();
        for (c, h) in cursors.iter_mut().zip(heads.iter_mut()) {
            read(c, h).map_err(p)?;
        }
        loop {
            // A handful of series: a linear scan beats a heap. Ties go to the
            // earlier series.
            let mut best: Option<(i64, usize)> = None;
            for (i, h) in heads.iter().enumerate() {
                if let Some(h) = h {
                    if best.is_none_or(|(ts, _)| h.ts < ts) {
                        best = Some((h.ts, i));
                    }
                }
            }
            let Some((_, i)) = best else { break };
            if let Some(h) = &heads[i] {
                f(RawRow {
                    series: i,
                    at: Instant::from_unix(h.ts),
                    inverted: h.inverted,
                    rate: &h.rate,
                    change: h.change.as_deref(),
                    input: h.input.map(InputId),
                })?;
            }
            read(&mut cursors[i], &mut heads[i]).map_err(p)?;
        }
        Ok(())
    }

    /// The newest observation of a series at or before `at` (all when None).
    pub fn latest(&self, series: &Series, at: Option<Instant>) -> Result<Option<Observation>> {
        let p = |e| db_err(&self.path, e);
        let mut st = self
            .conn
            .prepare_cached("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts <= ?2 ORDER BY ts DESC LIMIT 1")
            .map_err(p)?;
        let row = st.query_row(params![series.id.0, hi(at)], |r| row_observation(series, r)).optional().map_err(p)?;
        row.transpose()
    }

    /// The first and last times of a series within a range, if it has any.
    pub fn time_span(&self, series: SeriesId, from: Option<Instant>, to: Option<Instant>) -> Result<Option<(Instant, Instant)>> {
        let p = |e| db_err(&self.path, e);
        let span: (Option<i64>, Option<i64>) = self
            .conn
            // Two subqueries, each one step down the primary key: SQLite's
            // min/max optimisation does not apply to `SELECT min(ts), max(ts)`
            // together, which scans every row of the series in the range.
            .prepare_cached(
                "SELECT (SELECT ts FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts LIMIT 1), \
                        (SELECT ts FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts DESC LIMIT 1)",
            )
            .map_err(p)?
            .query_row(params![series.0, lo(from), hi(to)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(p)?;
        Ok(match span {
            (Some(a), Some(b)) => Some((Instant::from_unix(a), Instant::from_unix(b))),
            _ => None,
        })
    }

    /// The oldest observation of a series within `from..=to`.
    pub fn first_observation(&self, series: &Series, from: Instant, to: Instant) -> Result<Option<Observation>> {
        let p = |e| db_err(&self.path, e);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts LIMIT 1",
            )
            .map_err(p)?;
        let row = st.query_row(params![series.id.0, from.unix(), to.unix()], |r| row_observation(series, r)).optional().map_err(p)?;
        row.transpose()
    }

    /// Each observation's time (unix seconds) and value in the series'
    /// canonical direction (floating point, for drawing) within
    /// `from..=to`, oldest first.
    pub fn for_each_value(&self, series: SeriesId, from: Instant, to: Instant, f: impl FnMut(i64, f64) -> Result<()>) -> Result<()> {
        for_each_value_in(&self.conn, &self.path, series, from.unix(), to.unix(), f)
    }

    /// The conflict log of these series, oldest first.
    pub fn conflicts(&self, series: &[Series], from: Option<Instant>, to: Option<Instant>) -> Result<Vec<ConflictRecord>> {
        let p = |e| db_err(&self.path, e);
        let sql = format!(
            "SELECT series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, dropped_inverted, \
             dropped_change, input, logged_at, {} FROM conflict WHERE ts BETWEEN ?1 AND ?2 ORDER BY id",
            self.v2_or("kept_input_id, dropped_input_id", "NULL, NULL")
        );
        let mut st = self.conn.prepare(&sql).map_err(p)?;
        let names: HashMap<InputId, String> = self.inputs()?.into_iter().map(|i| (i.id, i.meta.name)).collect();
        let by_id: HashMap<SeriesId, &Series> = series.iter().map(|s| (s.id, s)).collect();
        let mut rows = st.query(params![lo(from), hi(to)]).map_err(p)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(p)? {
            let sid = SeriesId(r.get(0).map_err(p)?);
            let Some(s) = by_id.get(&sid) else { continue };
            let text = |i: usize| -> Result<Option<String>> { r.get::<_, Option<String>>(i).map_err(p) };
            let int = |i: usize| -> Result<i64> { r.get::<_, i64>(i).map_err(p) };
            let ts = Instant::from_unix(int(1)?);
            let make = |rate: Option<String>, inv: i64, change: Option<String>| -> Result<Observation> {
                Ok(Observation {
                    source: s.source.clone(),
                    pair: if inv == 1 { s.pair.inverse() } else { s.pair },
                    at: ts,
                    rate: rate.unwrap_or_default().parse()?,
                    change: change.map(|c| c.parse()).transpose()?,
                })
            };
            let policy_text = text(2)?.unwrap_or_default();
            let policy = ConflictPolicy::from_stored(&policy_text)
                .ok_or_else(|| Error::invalid(format!("the conflict log names an unknown policy '{policy_text}'")))?;
            let input = text(9)?.unwrap_or_default();
            let name = |i: usize| -> Result<Option<String>> {
                Ok(r.get::<_, Option<i64>>(i).map_err(p)?.and_then(|id| names.get(&InputId(id)).cloned()))
            };
            let (mut kept_input, mut dropped_input) = (name(11)?, name(12)?);
            if kept_input.is_none() && dropped_input.is_none() {
                // Logged before version 2: `input` brought the new value,
                // which `replace` kept and `keep` dropped.
                match policy {
                    ConflictPolicy::Replace => kept_input = Some(input.clone()),
                    _ => dropped_input = Some(input.clone()),
                }
            }
            out.push(ConflictRecord {
                policy,
                kept: make(text(3)?, int(4)?, text(5)?)?,
                dropped: make(text(6)?, int(7)?, text(8)?)?,
                input,
                logged_at: Instant::from_unix(int(10)?),
                kept_input,
                dropped_input,
            });
        }
        Ok(out)
    }

    /// The inputs recorded, newest (latest ingested) first; none in a
    /// version-1 file.
    pub fn inputs(&self) -> Result<Vec<InputRecord>> {
        if self.version < 2 {
            return Ok(Vec::new());
        }
        let p = |e| db_err(&self.path, e);
        let mut st = self
            .conn
            .prepare(
                "SELECT id, name, size, sha256, reader, observed, ingested, new, duplicate, conflict, skipped FROM input \
                 ORDER BY ingested DESC, id DESC",
            )
            .map_err(p)?;
        let rows = st
            .query_map([], |r| {
                let n = |i: usize| -> rusqlite::Result<u64> { Ok(u64::try_from(r.get::<_, i64>(i)?).unwrap_or(0)) };
                Ok(InputRecord {
                    id: InputId(r.get(0)?),
                    meta: InputMeta {
                        name: r.get(1)?,
                        size: n(2)?,
                        sha256: r.get(3)?,
                        reader: r.get(4)?,
                        observed: Instant::from_unix(r.get(5)?),
                    },
                    ingested: Instant::from_unix(r.get(6)?),
                    counts: Counts { new: n(7)?, duplicate: n(8)?, conflict: n(9)?, skipped: n(10)? },
                })
            })
            .map_err(p)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(p)
    }

    /// True when an input of this name (a path, `-` or a URL) is recorded:
    /// `fetch` does not ask again for a dated URL it already has.
    pub fn has_input(&self, name: &str) -> Result<bool> {
        if self.version < 2 {
            return Ok(false);
        }
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM input WHERE name = ?1)", params![name], |r| r.get::<_, bool>(0))
            .map_err(|e| db_err(&self.path, e))
    }

    /// The failed fetches recorded, newest first; none in a version-1 file.
    pub fn failed_fetches(&self) -> Result<Vec<FetchFailure>> {
        if self.version < 2 {
            return Ok(Vec::new());
        }
        let p = |e| db_err(&self.path, e);
        let mut st = self.conn.prepare("SELECT id, url, source, at, reason FROM fetch_failure ORDER BY at DESC, id DESC").map_err(p)?;
        let rows = st
            .query_map([], |r| {
                Ok(FetchFailure { id: r.get(0)?, url: r.get(1)?, source: r.get(2)?, at: Instant::from_unix(r.get(3)?), reason: r.get(4)? })
            })
            .map_err(p)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(p)
    }

    /// Records a fetch that gave no document, in its own transaction (a
    /// store opened for writing: `Store::open_for_write`).
    pub fn record_fetch_failure(&self, url: &str, source: &str, at: Instant, reason: &str) -> Result<()> {
        if self.version < 2 {
            return Err(Error::Database {
                path: self.path.display().to_string(),
                message: "was opened for reading: a fetch failure is recorded through Store::open_for_write".into(),
            });
        }
        let tx = self.begin_immediate()?;
        let p = |e| db_err(&self.path, e);
        tx.execute("INSERT INTO fetch_failure (url, source, at, reason) VALUES (?1, ?2, ?3, ?4)", params![url, source, at.unix(), reason])
            .map_err(p)?;
        super::stamp::bump(&tx).map_err(p)?;
        tx.commit().map_err(p)
    }

    /// How many conflicts are logged and observations stored (`/metrics`;
    /// counting reads the whole observation table).
    pub fn counts(&self) -> Result<(u64, u64)> {
        self.conn
            .query_row("SELECT (SELECT count(*) FROM conflict), (SELECT count(*) FROM observation)", [], |r| {
                Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, i64>(1)?.max(0) as u64))
            })
            .map_err(|e| db_err(&self.path, e))
    }

    /// Records many failed fetches of one source with one reason, in one
    /// transaction (a host found unreachable: every request not made).
    pub fn record_fetch_failures(&self, urls: &[&str], source: &str, at: Instant, reason: &str) -> Result<()> {
        if self.version < 2 {
            // Refused there, with the reason why.
            return urls.iter().try_for_each(|url| self.record_fetch_failure(url, source, at, reason));
        }
        self.retry_busy(|c| {
            let tx = rusqlite::Transaction::new_unchecked(c, rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut insert = tx.prepare_cached("INSERT INTO fetch_failure (url, source, at, reason) VALUES (?1, ?2, ?3, ?4)")?;
                for url in urls {
                    insert.execute(params![url, source, at.unix(), reason])?;
                }
            }
            tx.commit()
        })?;
        Ok(())
    }

    /// Whether this file keeps the input log and failed fetches (version 2 on).
    pub fn keeps_inputs(&self) -> bool {
        self.version >= 2
    }

    /// The input that brought the observation of `series` at `at` (None for
    /// a value stored before version 2, or no such observation).
    pub fn input_of(&self, series: &Series, at: Instant) -> Result<Option<InputId>> {
        if !self.keeps_inputs() {
            return Ok(None);
        }
        let p = |e| db_err(&self.path, e);
        let mut st = self.conn.prepare_cached("SELECT input_id FROM observation WHERE series_id = ?1 AND ts = ?2").map_err(p)?;
        let id: Option<Option<i64>> = st.query_row(params![series.id.0, at.unix()], |r| r.get(0)).optional().map_err(p)?;
        Ok(id.flatten().map(InputId))
    }

    /// `v2` on a version-2 file, `v1` on a version-1 one.
    fn v2_or<'s>(&self, v2: &'s str, v1: &'s str) -> &'s str {
        if self.version >= 2 {
            v2
        } else {
            v1
        }
    }
}

/// An observation from a `ts, rate, inverted, change` row; the inner error is
/// a stored value that does not parse (a broken invariant).
pub(super) fn row_observation(s: &Series, r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Observation>> {
    let ts: i64 = r.get(0)?;
    let rate = r.get_ref(1)?.as_str()?;
    let inverted: i64 = r.get(2)?;
    let change = r.get_ref(3)?.as_str_or_null()?;
    Ok(observation_from(s, ts, inverted == 1, rate, change))
}

/// An observation of a series from its stored fields; an error is a stored
/// value that does not parse (a broken invariant).
fn observation_from(s: &Series, ts: i64, inverted: bool, rate: &str, change: Option<&str>) -> Result<Observation> {
    Ok(Observation {
        source: s.source.clone(),
        pair: if inverted { s.pair.inverse() } else { s.pair },
        at: Instant::from_unix(ts),
        rate: rate.parse::<Rate>()?,
        change: change.map(|c| c.parse::<Change>()).transpose()?,
    })
}

/// A stored rate's value in its series' canonical direction, as floating
/// point: what rollups hold and charts draw.
pub(super) fn canonical_f64(rate: &str, inverted: bool) -> f64 {
    let v: f64 = rate.parse().unwrap_or(f64::NAN);
    if inverted {
        1.0 / v
    } else {
        v
    }
}

/// Each observation's time and canonical value in `from..=to`, oldest first:
/// for charts, and for rebuilding rollups inside a write transaction.
pub(super) fn for_each_value_in(
    conn: &Connection,
    path: &Path,
    series: SeriesId,
    from: i64,
    to: i64,
    f: impl FnMut(i64, f64) -> Result<()>,
) -> Result<()> {
    values_in(conn, series, from, to, |e| db_err(path, e), f)
}

/// [`for_each_value_in`] with SQLite's errors given to `err`: the schema
/// ladder, which speaks rusqlite, folds its rollups with it too.
pub(super) fn values_in<E>(
    conn: &Connection,
    series: SeriesId,
    from: i64,
    to: i64,
    err: impl Fn(rusqlite::Error) -> E,
    mut f: impl FnMut(i64, f64) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut st = conn
        .prepare_cached("SELECT ts, rate, inverted FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts")
        .map_err(&err)?;
    let mut rows = st.query(params![series.0, from, to]).map_err(&err)?;
    while let Some(r) = rows.next().map_err(&err)? {
        let ts: i64 = r.get(0).map_err(&err)?;
        let rate = r.get_ref(1).map_err(&err)?.as_str().map_err(|e| err(e.into()))?;
        let inverted: i64 = r.get(2).map_err(&err)?;
        f(ts, canonical_f64(rate, inverted == 1))?;
    }
    Ok(())
}

/// The value in the series' canonical direction, for rollups and charts.
pub fn canonical_value(obs: &Observation) -> f64 {
    let v = obs.rate.to_f64();
    if obs.pair.is_canonical() {
        v
    } else {
        1.0 / v
    }
}
