//! `check`: SQLite's integrity check plus the store's own invariants
//! (series in canonical direction, stored values that parse, rollups that
//! agree with the observations, no orphans, a known schema version).

use rusqlite::{params, Rows, Statement};

use super::read::{canonical_value, row_observation};
use super::rollup::{is_stored, rollup_from_row, RollupBuilder, RollupRow, ROLLUP_COLUMNS};
use super::{db_err, Series, Store, SCHEMA_VERSION};
use crate::error::Result;
use crate::model::Instant;

impl Store {
    /// SQLite's integrity check plus the store's own invariants; returns the
    /// problems found (empty when sound). Each stage runs only when the ones
    /// before it found nothing: their findings would only echo the damage.
    pub fn check(&self) -> Result<Vec<String>> {
        let problems = self.integrity_findings()?;
        if !problems.is_empty() {
            return Ok(problems);
        }
        let problems = self.foreign_key_findings()?;
        if !problems.is_empty() {
            return Ok(problems);
        }
        let series = match self.series() {
            Ok(s) => s,
            Err(e) => return Ok(vec![format!("series table: {e}")]),
        };
        let mut problems = Vec::new();
        for s in &series {
            self.series_findings(s, &mut problems)?;
        }
        let orphans: i64 = self
            .conn
            .query_row("SELECT count(*) FROM observation WHERE series_id NOT IN (SELECT id FROM series)", [], |r| r.get(0))
            .map_err(|e| db_err(&self.path, e))?;
        if orphans > 0 {
            problems.push(format!("{orphans} observations belong to no series"));
        }
        let v = self.version;
        if !(1..=SCHEMA_VERSION).contains(&v) {
            problems.push(format!("schema version {v}, expected 1 to {SCHEMA_VERSION}"));
        }
        Ok(problems)
    }

    /// SQLite stops when the damage is too deep to walk on: that error is a
    /// finding too, reported after the ones made before it.
    pub(super) fn integrity_findings(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut st = match self.conn.prepare("PRAGMA integrity_check") {
            Ok(st) => st,
            Err(e) => return Ok(vec![format!("integrity: {e}")]),
        };
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(|e| db_err(&self.path, e))?;
        for r in rows {
            match r {
                Ok(line) if line == "ok" => {}
                Ok(line) => problems.extend(line.lines().map(|l| format!("integrity: {l}"))),
                Err(e) => {
                    problems.push(format!("integrity: {e} (the check stopped here)"));
                    break;
                }
            }
        }
        Ok(problems)
    }

    fn foreign_key_findings(&self) -> Result<Vec<String>> {
        let p = |e| db_err(&self.path, e);
        let mut problems = Vec::new();
        let mut st = self.conn.prepare("PRAGMA foreign_key_check").map_err(p)?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))).map_err(p)?;
        for r in rows {
            let (table, rowid) = r.map_err(p)?;
            problems.push(format!("foreign key: a row of {table} ({rowid:?}) names a missing series or input"));
        }
        Ok(problems)
    }

    /// One series: its direction, every stored value, and its rollups. One
    /// pass over the observations, compared as they fold with one cursor per
    /// rollup width: memory stays flat however long the series.
    fn series_findings(&self, s: &Series, problems: &mut Vec<String>) -> Result<()> {
        let p = |e| db_err(&self.path, e);
        if !s.pair.is_canonical() {
            problems.push(format!("series {} ({}, {}) is not stored in its canonical direction", s.id, s.pair, s.source));
        }
        let widths = self.rollup_widths();
        let mut st = self.conn.prepare("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 ORDER BY ts").map_err(p)?;
        let mut rows = st.query(params![s.id.0]).map_err(p)?;
        let rollup_sql = format!("SELECT {ROLLUP_COLUMNS} FROM rollup WHERE series_id = ?1 AND width = ?2 ORDER BY bucket");
        let mut statements = Vec::new();
        for _ in widths {
            statements.push(self.conn.prepare(&rollup_sql).map_err(p)?);
        }
        let mut stored = StoredRollups::open(self, &mut statements, s, widths)?;
        let mut acc = RollupBuilder::of(widths);
        let mut compare = |row: RollupRow| stored.compare(row);
        while let Some(r) = rows.next().map_err(p)? {
            let ts: i64 = r.get(0).map_err(p)?;
            match row_observation(s, r).map_err(p)? {
                Ok(obs) => acc.push(ts, canonical_value(&obs), &mut compare)?,
                Err(e) => problems.push(format!("{} {} at {}: {e}", s.source, s.pair, Instant::from_unix(ts))),
            }
        }
        acc.finish(&mut compare)?;
        let (expected, differing, extra) = stored.finish()?;
        if differing > 0 || extra > 0 {
            problems.push(format!(
                "rollups of {} {} disagree with its observations ({differing} of {expected} expected rows differ or are missing, {extra} extra)",
                s.source, s.pair
            ));
        }
        Ok(())
    }
}

/// The stored rollup rows of one series, one cursor per width, walked in
/// bucket order beside the rows folded afresh from its observations.
struct StoredRollups<'s, 'st> {
    store: &'s Store,
    widths: &'s [i64],
    cursors: Vec<Rows<'st>>,
    pending: Vec<Option<RollupRow>>,
    expected: u64,
    differing: u64,
    extra: u64,
}

impl<'s, 'st> StoredRollups<'s, 'st> {
    fn open(store: &'s Store, statements: &'st mut [Statement<'s>], s: &Series, widths: &'s [i64]) -> Result<Self> {
        let mut cursors = Vec::new();
        for (st, w) in statements.iter_mut().zip(widths) {
            cursors.push(st.query(params![s.id.0, w]).map_err(|e| db_err(&store.path, e))?);
        }
        let pending = vec![None; widths.len()];
        Ok(StoredRollups { store, widths, cursors, pending, expected: 0, differing: 0, extra: 0 })
    }

    /// A folded bucket of one observation may be stored or not
    /// (`rollup::is_stored`; older stores kept them).
    fn compare(&mut self, row: RollupRow) -> Result<()> {
        let p = |e| db_err(&self.store.path, e);
        let i = self.widths.iter().position(|w| *w == row.width).unwrap_or(0);
        loop {
            if self.pending[i].is_none() {
                self.pending[i] = match self.cursors[i].next().map_err(p)? {
                    Some(r) => Some(rollup_from_row(r).map_err(p)?),
                    None => None,
                };
            }
            match self.pending[i] {
                // a stored row before this bucket: no observations made it
                Some(stored) if stored.bucket < row.bucket => {
                    self.extra += 1;
                    self.pending[i] = None;
                }
                Some(stored) if stored.bucket == row.bucket => {
                    self.expected += 1;
                    if !stored.same(&row) {
                        self.differing += 1;
                    }
                    self.pending[i] = None;
                    return Ok(());
                }
                _ => {
                    if is_stored(&row) {
                        self.expected += 1;
                        self.differing += 1;
                    }
                    return Ok(());
                }
            }
        }
    }

    /// (expected, differing, extra) once the observations are folded: stored
    /// rows left over are extra.
    fn finish(mut self) -> Result<(u64, u64, u64)> {
        let p = |e| db_err(&self.store.path, e);
        self.extra += self.pending.iter().filter(|r| r.is_some()).count() as u64;
        for c in &mut self.cursors {
            while c.next().map_err(p)?.is_some() {
                self.extra += 1;
            }
        }
        Ok((self.expected, self.differing, self.extra))
    }
}
