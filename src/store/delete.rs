//! `delete`: the selected observations handed out as stored (so the caller
//! can write them out before anything is removed), then removed in one
//! `BEGIN IMMEDIATE` transaction with the rollups of the touched ranges
//! rebuilt from what is left.
//!
//! What stays: the conflict log (it is the history of values met, and
//! names values that were never stored, which `delete` cannot print), and
//! the input rows (`inputs` lists what was read, with the counts of its
//! latest ingest). A series left with no observation and no conflict-log
//! entry is removed, so it is not listed as stored.

use std::collections::{BTreeMap, HashSet};

use rusqlite::params;

use super::read::RawRow;
use super::{db_err, rollup, InputId, Series, SeriesId, Store};
use crate::error::{Error, Result};
use crate::model::Instant;

/// What `delete` removes: the observations of these series in the range
/// and, when inputs are named, only those these inputs brought.
#[derive(Clone, Debug, Default)]
pub struct DeleteFilter {
    /// In output order: by pair, then source.
    pub series: Vec<Series>,
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    /// Empty: whatever input brought them.
    pub inputs: Vec<InputId>,
}

/// What a delete removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deleted {
    pub observations: u64,
    /// Series that lost observations.
    pub series: u64,
    /// Series removed because nothing of them was left.
    pub series_removed: u64,
}

/// Where the rows a delete removes go before they are removed.
pub trait RowSink {
    fn row(&mut self, series: &Series, row: RawRow<'_>) -> Result<()>;
    /// Every row was handed over: make sure they are out (flush).
    fn done(&mut self) -> Result<()>;
}

impl Store {
    /// Each observation the filter selects, as stored, in time order (then
    /// in the order of `filter.series`); returns how many per series, with
    /// the first and last time of each (for the delete that follows).
    pub fn for_each_selected(
        &self,
        filter: &DeleteFilter,
        mut f: impl FnMut(&Series, RawRow<'_>) -> Result<()>,
    ) -> Result<BTreeMap<SeriesId, (u64, i64, i64)>> {
        let inputs: HashSet<InputId> = filter.inputs.iter().copied().collect();
        let (mut series, mut from, mut to) = (filter.series.clone(), filter.from, filter.to);
        if !inputs.is_empty() {
            // There is no index on `input_id` (it would cost some 9 bytes
            // per observation): one pass over the table finds the series and
            // times the inputs brought, so the merge below reads only those.
            let spans = self.input_spans(&filter.inputs)?;
            series.retain(|s| spans.contains_key(&s.id));
            let first = spans.values().map(|s| s.0).min();
            let last = spans.values().map(|s| s.1).max();
            from = first.map(Instant::from_unix).max(from);
            to = match (last.map(Instant::from_unix), to) {
                (Some(l), Some(t)) => Some(l.min(t)),
                (l, t) => l.or(t),
            };
        }
        let mut touched: BTreeMap<SeriesId, (u64, i64, i64)> = BTreeMap::new();
        if series.is_empty() || from.zip(to).is_some_and(|(f, t)| f > t) {
            return Ok(touched);
        }
        self.for_each_merged_raw(&series, from, to, |row| {
            if !inputs.is_empty() && !row.input.is_some_and(|i| inputs.contains(&i)) {
                return Ok(());
            }
            let s = &series[row.series];
            let ts = row.at.unix();
            let e = touched.entry(s.id).or_insert((0, ts, ts));
            e.0 += 1;
            e.2 = ts;
            f(s, row)
        })?;
        Ok(touched)
    }

    /// Per series, the first and last time of the observations these inputs brought.
    fn input_spans(&self, inputs: &[InputId]) -> Result<BTreeMap<SeriesId, (i64, i64)>> {
        if self.version < 2 {
            return Ok(BTreeMap::new());
        }
        let p = |e| db_err(&self.path, e);
        let sql = format!("SELECT series_id, min(ts), max(ts) FROM observation WHERE input_id IN ({}) GROUP BY series_id", id_list(inputs));
        let mut st = self.conn.prepare(&sql).map_err(p)?;
        let rows = st.query_map([], |r| Ok((SeriesId(r.get(0)?), (r.get(1)?, r.get(2)?)))).map_err(p)?;
        rows.collect::<rusqlite::Result<BTreeMap<_, _>>>().map_err(p)
    }

    /// Deletes what the filter selects in one transaction: each row is
    /// handed to `sink` first, then `sink.done()` runs (the caller flushes
    /// what it wrote: rows it could not write out are not deleted), then the
    /// rows go, the rollups of their ranges are rebuilt and the transaction
    /// commits. Any error rolls everything back.
    pub fn delete(&mut self, filter: &DeleteFilter, sink: &mut impl RowSink) -> Result<Deleted> {
        if self.version < 2 {
            return Err(Error::Database {
                path: self.path.display().to_string(),
                message: "was opened for reading: delete goes through Store::open_for_write".into(),
            });
        }
        let tx = self.begin_immediate()?;
        let touched = self.for_each_selected(filter, |series, row| sink.row(series, row))?;
        sink.done()?;
        let p = |e| db_err(&self.path, e);
        let by_input = if filter.inputs.is_empty() { String::new() } else { format!(" AND input_id IN ({})", id_list(&filter.inputs)) };
        let sql = format!("DELETE FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3{by_input}");
        let mut done = Deleted::default();
        for (&sid, &(n, first, last)) in &touched {
            let removed = tx.execute(&sql, params![sid.0, first, last]).map_err(p)?;
            if removed as u64 != n {
                // The rows written out must be the rows removed.
                return Err(Error::Database {
                    path: self.path.display().to_string(),
                    message: format!("delete: series {sid} had {n} rows selected but {removed} to remove; nothing deleted"),
                });
            }
            rollup::rebuild(&tx, &self.path, sid, first, last)?;
            done.observations += n;
            done.series += 1;
            done.series_removed += tx
                .execute(
                    "DELETE FROM series WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM observation WHERE series_id = ?1) \
                     AND NOT EXISTS (SELECT 1 FROM conflict WHERE series_id = ?1) \
                     AND NOT EXISTS (SELECT 1 FROM rollup WHERE series_id = ?1)",
                    params![sid.0],
                )
                .map_err(p)? as u64;
        }
        if done.observations > 0 {
            super::stamp::bump(&tx).map_err(p)?;
        }
        tx.commit().map_err(p)?;
        Ok(done)
    }
}

/// Input ids for an `IN (...)` list: integers, not user text, so safe to
/// write into a statement.
fn id_list(inputs: &[InputId]) -> String {
    inputs.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Observation;
    use crate::store::{ConflictPolicy, InputMeta};

    fn obs(pair: &str, at: i64, rate: &str) -> Observation {
        Observation {
            source: "timesca".parse().unwrap(),
            pair: pair.parse().unwrap(),
            at: Instant::from_unix(at),
            rate: rate.parse().unwrap(),
            change: None,
        }
    }

    fn ingest(store: &mut Store, name: &str, rows: &[Observation]) -> InputId {
        let meta = InputMeta { name: name.into(), size: 1, sha256: name.into(), reader: "csv".into(), observed: Instant::from_unix(0) };
        let mut tx = store.begin_input(ConflictPolicy::Keep, meta).unwrap();
        for o in rows {
            tx.put(o).unwrap();
        }
        tx.commit().unwrap().input.unwrap()
    }

    struct Collect(Vec<(String, i64)>, bool);
    impl RowSink for Collect {
        fn row(&mut self, series: &Series, row: RawRow<'_>) -> Result<()> {
            self.0.push((series.pair.to_string(), row.at.unix()));
            Ok(())
        }
        fn done(&mut self) -> Result<()> {
            self.1 = true;
            Ok(())
        }
    }

    #[test]
    fn an_inputs_rows_go_with_their_rollups_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_for_write(&dir.path().join("t.db")).unwrap();
        let day = 86_400;
        let good = ingest(&mut store, "good", &[obs("KZT/USD", day, "0.002"), obs("KZT/USD", 3 * day, "0.0021")]);
        // The bad input shares a day bucket with the good rows and brings a series of its own.
        let bad = ingest(&mut store, "bad", &[obs("KZT/USD", day + 60, "0.5"), obs("EUR/USD", 2 * day, "1.1")]);
        let series = store.series().unwrap();
        let filter = DeleteFilter { series: series.clone(), from: None, to: None, inputs: vec![bad] };
        let mut out = Collect(Vec::new(), false);
        let done = store.delete(&filter, &mut out).unwrap();
        assert_eq!(out.0, [("KZT/USD".to_string(), day + 60), ("EUR/USD".to_string(), 2 * day)]);
        assert!(out.1, "the sink was told all rows were handed over");
        assert_eq!(done, Deleted { observations: 2, series: 2, series_removed: 1 });
        assert!(store.check().unwrap().is_empty(), "{:?}", store.check());
        let left: Vec<String> = store.series().unwrap().iter().map(|s| s.pair.to_string()).collect();
        assert_eq!(left, ["KZT/USD"]);
        // The good input's rows are all there.
        let kzt = &store.series().unwrap()[0];
        let mut kept = Vec::new();
        store
            .for_each_observation(kzt, None, None, |o| {
                kept.push(o.at.unix());
                Ok(())
            })
            .unwrap();
        assert_eq!(kept, [day, 3 * day]);
        // Deleting the rest of the good input by range leaves no rollup behind.
        let filter = DeleteFilter { series: store.series().unwrap(), from: Some(Instant::from_unix(0)), to: None, inputs: vec![good] };
        let done = store.delete(&filter, &mut Collect(Vec::new(), false)).unwrap();
        assert_eq!(done.observations, 2);
        assert!(store.series().unwrap().is_empty());
        let rollups: i64 = store.conn.query_row("SELECT count(*) FROM rollup", [], |r| r.get(0)).unwrap();
        assert_eq!(rollups, 0);
    }

    #[test]
    fn a_sink_that_fails_deletes_nothing() {
        struct Closed;
        impl RowSink for Closed {
            fn row(&mut self, _: &Series, _: RawRow<'_>) -> Result<()> {
                Ok(())
            }
            fn done(&mut self) -> Result<()> {
                Err(Error::invalid("closed"))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_for_write(&dir.path().join("t.db")).unwrap();
        ingest(&mut store, "a", &[obs("KZT/USD", 0, "0.002")]);
        let filter = DeleteFilter { series: store.series().unwrap(), ..DeleteFilter::default() };
        assert!(store.delete(&filter, &mut Closed).is_err());
        let n: i64 = store.conn.query_row("SELECT count(*) FROM observation", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }
}
