//! The one write transaction of one input: series found or created,
//! observations de-duplicated, conflicts settled by the policy and logged,
//! rollups of the touched ranges rebuilt, then one commit.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::open::{is_busy, BUSY_TIMEOUT};
use super::read::row_observation;
use super::{db_err, rollup, ConflictPolicy, Counts, Series, SeriesId, Store};
use crate::error::{Error, Result};
use crate::model::{Instant, Observation, Pair, Source};

impl Store {
    /// Starts the one write transaction of one input (`BEGIN IMMEDIATE`, so
    /// a concurrent writer waits instead of failing on upgrade).
    pub fn begin_input(&mut self, policy: ConflictPolicy, input: &str) -> Result<InputTx<'_>> {
        let path = self.path.clone();
        let mut pause = Duration::from_millis(5);
        let started = std::time::Instant::now();
        let tx = loop {
            match rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate) {
                Ok(tx) => break tx,
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(db_err(&path, e)),
            }
        };
        // Prepared once per input and held: `prepare_cached` per row costs a
        // hash lookup of the SQL text and a cache round trip (~7% of a bulk load).
        let insert = self
            .conn
            .prepare(
                "INSERT INTO observation (series_id, ts, rate, inverted, change) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (series_id, ts) DO NOTHING",
            )
            .map_err(|e| db_err(&path, e))?;
        Ok(InputTx {
            insert,
            tx,
            path: Rc::from(path.as_path()),
            last_series: None,
            rate_text: String::new(),
            change_text: String::new(),
            policy,
            input: input.to_string(),
            series: HashMap::new(),
            touched: HashMap::new(),
            counts: Counts::default(),
            logged_at: Instant::now(),
        })
    }
}

/// The write transaction of one input.
pub struct InputTx<'a> {
    insert: rusqlite::Statement<'a>,
    tx: rusqlite::Transaction<'a>,
    /// Shared, not cloned per row: a bulk load puts millions of rows.
    path: Rc<Path>,
    /// The series of the previous row: consecutive rows mostly share it.
    last_series: Option<(Source, Pair, SeriesId)>,
    /// Reused text buffers for the rate and change of each row.
    rate_text: String,
    change_text: String,
    policy: ConflictPolicy,
    input: String,
    series: HashMap<(Source, Pair), SeriesId>,
    /// Per series, the range of times written, for the rollups.
    touched: HashMap<SeriesId, (i64, i64)>,
    counts: Counts,
    logged_at: Instant,
}

impl InputTx<'_> {
    fn series_id(&mut self, source: &Source, canonical: Pair) -> Result<SeriesId> {
        if let Some((s, p, id)) = &self.last_series {
            if s == source && *p == canonical {
                return Ok(*id);
            }
        }
        let id = self.lookup_series(source, canonical)?;
        self.last_series = Some((source.clone(), canonical, id));
        Ok(id)
    }

    fn lookup_series(&mut self, source: &Source, canonical: Pair) -> Result<SeriesId> {
        if let Some(id) = self.series.get(&(source.clone(), canonical)) {
            return Ok(*id);
        }
        let p = |e| db_err(&self.path, e);
        let (base, quote) = (canonical.base.to_string(), canonical.quote.to_string());
        let existing: Option<i64> = self
            .tx
            .query_row("SELECT id FROM series WHERE source = ?1 AND base = ?2 AND quote = ?3", params![source.as_str(), base, quote], |r| {
                r.get(0)
            })
            .optional()
            .map_err(p)?;
        let id = match existing {
            Some(id) => id,
            None => {
                self.tx
                    .execute("INSERT INTO series (source, base, quote) VALUES (?1, ?2, ?3)", params![source.as_str(), base, quote])
                    .map_err(p)?;
                self.tx.last_insert_rowid()
            }
        };
        let id = SeriesId(id);
        self.series.insert((source.clone(), canonical), id);
        Ok(id)
    }

    /// Stores one observation: new, duplicate, or a conflict settled by the
    /// policy (counted; `fail` refuses the whole input).
    pub fn put(&mut self, obs: &Observation) -> Result<()> {
        let canonical = obs.pair.canonical();
        let sid = self.series_id(&obs.source, canonical)?;
        let inverted = i64::from(obs.pair != canonical);
        let ts = obs.at.unix();
        use std::fmt::Write as _;
        self.rate_text.clear();
        let _ = write!(self.rate_text, "{}", obs.rate);
        let has_change = match &obs.change {
            Some(c) => {
                self.change_text.clear();
                let _ = write!(self.change_text, "{c}");
                true
            }
            None => false,
        };
        let path = Rc::clone(&self.path);
        let p = |e| db_err(&path, e);
        let inserted = self
            .insert
            .execute(params![sid.0, ts, self.rate_text.as_str(), inverted, has_change.then_some(self.change_text.as_str())])
            .map_err(p)?;
        if inserted == 1 {
            self.touch(sid, ts);
            self.counts.new += 1;
            return Ok(());
        }
        let series = Series { id: sid, source: obs.source.clone(), pair: canonical };
        let stored = {
            let mut st =
                self.tx.prepare_cached("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts = ?2").map_err(p)?;
            st.query_row(params![sid.0, ts], |r| row_observation(&series, r)).map_err(p)??
        };
        if stored.same_value(obs) {
            self.counts.duplicate += 1;
            return Ok(());
        }
        let (kept, dropped) = match self.policy {
            ConflictPolicy::Fail => {
                return Err(Error::ConflictRefused(format!(
                    "{} {} at {}: stored {} {}, this input has {} {} (--on-conflict fail: nothing stored from it)",
                    obs.source,
                    obs.pair.canonical(),
                    obs.at,
                    stored.pair,
                    stored.rate,
                    obs.pair,
                    obs.rate
                )));
            }
            ConflictPolicy::Keep => (&stored, obs),
            ConflictPolicy::Replace => {
                self.tx
                    .prepare_cached("UPDATE observation SET rate = ?3, inverted = ?4, change = ?5 WHERE series_id = ?1 AND ts = ?2")
                    .map_err(p)?
                    .execute(params![sid.0, ts, self.rate_text.as_str(), inverted, has_change.then_some(self.change_text.as_str())])
                    .map_err(p)?;
                self.touch(sid, ts);
                (obs, &stored)
            }
        };
        self.tx
            .prepare_cached(
                // The same conflict met again (re-running the same inputs) is logged once.
                "INSERT INTO conflict (series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, \
                 dropped_inverted, dropped_change, input, logged_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE NOT EXISTS (SELECT 1 FROM conflict \
                 WHERE series_id = ?1 AND ts = ?2 AND policy = ?3 AND kept_rate = ?4 AND kept_inverted = ?5 \
                 AND kept_change IS ?6 AND dropped_rate = ?7 AND dropped_inverted = ?8 AND dropped_change IS ?9)",
            )
            .map_err(p)?
            .execute(params![
                sid.0,
                ts,
                self.policy.as_str(),
                kept.rate.to_string(),
                i64::from(kept.pair != canonical),
                kept.change.as_ref().map(|c| c.to_string()),
                dropped.rate.to_string(),
                i64::from(dropped.pair != canonical),
                dropped.change.as_ref().map(|c| c.to_string()),
                self.input,
                self.logged_at.unix()
            ])
            .map_err(p)?;
        self.counts.conflict += 1;
        Ok(())
    }

    fn touch(&mut self, sid: SeriesId, ts: i64) {
        let e = self.touched.entry(sid).or_insert((ts, ts));
        e.0 = e.0.min(ts);
        e.1 = e.1.max(ts);
    }

    /// Brings the rollups of the touched ranges up to date, then commits.
    pub fn commit(self) -> Result<Counts> {
        for (&sid, &(lo_ts, hi_ts)) in &self.touched {
            rollup::rebuild(&self.tx, &self.path, sid, lo_ts, hi_ts)?;
        }
        let counts = self.counts;
        drop(self.insert);
        self.tx.commit().map_err(|e| db_err(&self.path, e))?;
        Ok(counts)
    }
}
