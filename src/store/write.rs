//! The one write transaction of one input: its input row found or created,
//! series found or created, observations de-duplicated, conflicts settled by
//! the policy and logged with the inputs of both values, rollups of the
//! touched ranges rebuilt, the input's counts recorded, then one commit.
//!
//! A streamed input (a large CSV) is hashed as it is read, so its SHA-256
//! is known only at its end (`InputTx::set_content`): its rows name a
//! provisional input row, which the commit either completes or, when the
//! same document was recorded before, merges into that earlier row.
//!
//! Provenance rules: the same document (same name and SHA-256) ingested
//! again reuses its input row: its `observed` time stays the first one
//! seen (so `newest` decides the same way however often it is re-read),
//! its `ingested` time and counts become those of the latest ingest. An
//! input that stored, duplicated and conflicted nothing is not recorded.
//!
//! `newest`: the value whose input was observed later is kept; on a tie the
//! stored one; a stored value with no input (stored before version 2)
//! counts as observed at the beginning of time, so any input replaces it.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::open::{is_busy, BUSY_TIMEOUT};
use super::read::{canonical_f64, row_observation};
use super::{db_err, rollup, Class, Committed, ConflictPolicy, Counts, InputId, InputMeta, Series, SeriesId, Store};
use crate::error::Result;
use crate::model::{Instant, Observation, Pair, Source};

impl Store {
    /// A write transaction (`BEGIN IMMEDIATE`), waiting while another
    /// writer holds the lock.
    pub(super) fn begin_immediate(&self) -> Result<rusqlite::Transaction<'_>> {
        let mut pause = Duration::from_millis(5);
        let started = std::time::Instant::now();
        loop {
            match rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate) {
                Ok(tx) => return Ok(tx),
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(db_err(&self.path, e)),
            }
        }
    }

    /// Starts the one write transaction of one input (`BEGIN IMMEDIATE`, so
    /// a concurrent writer waits instead of failing on upgrade). `meta.sha256`
    /// may be empty for an input hashed while it is read: `set_content`
    /// gives it before the commit.
    pub fn begin_input(&mut self, policy: ConflictPolicy, meta: InputMeta) -> Result<InputTx<'_>> {
        let path = self.path.clone();
        let tx = self.begin_immediate()?;
        let p = |e| db_err(&path, e);
        let logged_at = Instant::now();
        let existing: Option<(i64, i64, Recorded)> = if meta.sha256.is_empty() {
            None
        } else {
            tx.query_row(
                "SELECT id, observed, ingested, new, duplicate, conflict, skipped FROM input WHERE name = ?1 AND sha256 = ?2",
                params![meta.name, meta.sha256],
                |r| {
                    let count = |i| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                    let counts = Counts { new: count(3)?, duplicate: count(4)?, conflict: count(5)?, skipped: count(6)? };
                    Ok((r.get(0)?, r.get(1)?, Recorded { ingested: r.get(2)?, counts }))
                },
            )
            .optional()
            .map_err(p)?
        };
        let mut observed = meta.observed;
        let mut recorded = None;
        let (input_id, created) = match existing {
            Some((id, first_seen, was)) => {
                // The same document again: it was first seen then, and `newest` decides by that.
                observed = Instant::from_unix(first_seen);
                recorded = Some(was);
                (InputId(id), false)
            }
            None => {
                // Counts are filled in at the commit; an empty input's row is removed there.
                tx.execute(
                    "INSERT INTO input (name, size, sha256, reader, observed, ingested, new, duplicate, conflict, skipped) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, 0)",
                    params![
                        meta.name,
                        i64::try_from(meta.size).unwrap_or(i64::MAX),
                        meta.sha256,
                        meta.reader,
                        meta.observed.unix(),
                        logged_at.unix()
                    ],
                )
                .map_err(p)?;
                (InputId(tx.last_insert_rowid()), true)
            }
        };
        // Prepared once per input and held: `prepare_cached` per row costs a
        // hash lookup of the SQL text and a cache round trip (~7% of a bulk load).
        let insert = self
            .conn
            .prepare(
                "INSERT INTO observation (series_id, ts, rate, inverted, change, input_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (series_id, ts) DO NOTHING",
            )
            .map_err(p)?;
        Ok(InputTx {
            input_id,
            created,
            recorded,
            observed,
            content: (meta.size, meta.sha256),
            insert,
            tx,
            path: Rc::from(path.as_path()),
            last_series: None,
            rate_text: String::new(),
            change_text: String::new(),
            policy,
            input: meta.name,
            series: Vec::new(),
            touched: HashMap::new(),
            counts: Counts::default(),
            logged_at,
        })
    }
}

/// What an input wrote of one series: the range of its times, and its rollups folded as it
/// went while that is exact (else they are rebuilt over the range at the commit).
struct Touched {
    lo: i64,
    hi: i64,
    appending: Option<rollup::Appending>,
}

/// What an earlier ingest recorded on an input's row.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Recorded {
    ingested: i64,
    counts: Counts,
}

/// The write transaction of one input.
pub struct InputTx<'a> {
    /// This input's row, and whether this transaction created it.
    input_id: InputId,
    created: bool,
    /// The row's record when it was there before: the same document again
    /// in the same second, bringing only duplicates, changes nothing (no
    /// page written, the change stamp left alone).
    recorded: Option<Recorded>,
    observed: Instant,
    /// Size and SHA-256 of the input's bytes, as known so far.
    content: (u64, String),
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
    /// The series met so far: a handful, scanned without building a key.
    series: Vec<(Source, Pair, SeriesId)>,
    /// Per series, the range of times written, for the rollups.
    touched: HashMap<SeriesId, Touched>,
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
        if let Some((_, _, id)) = self.series.iter().find(|(s, p, _)| s == source && *p == canonical) {
            return Ok(*id);
        }
        let p = |e| db_err(&self.path, e);
        let (base, quote) = (canonical.base.to_string(), canonical.quote.to_string());
        // Cached statements: a bank document meets some 75 series in one input.
        let existing: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM series WHERE source = ?1 AND base = ?2 AND quote = ?3")
            .map_err(p)?
            .query_row(params![source.as_str(), base, quote], |r| r.get(0))
            .optional()
            .map_err(p)?;
        let id = match existing {
            Some(id) => id,
            None => {
                self.tx
                    .prepare_cached("INSERT INTO series (source, base, quote) VALUES (?1, ?2, ?3)")
                    .map_err(p)?
                    .execute(params![source.as_str(), base, quote])
                    .map_err(p)?;
                self.tx.last_insert_rowid()
            }
        };
        let id = SeriesId(id);
        self.series.push((source.clone(), canonical, id));
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
        // The row as written: inserted, or set over the stored one when the policy replaces it.
        let row = params![sid.0, ts, self.rate_text.as_str(), inverted, has_change.then_some(self.change_text.as_str()), self.input_id.0];
        let inserted = self.insert.execute(row).map_err(p)?;
        if inserted == 1 {
            self.touch(sid, ts, Some(inverted == 1))?;
            self.counts.new += 1;
            return Ok(());
        }
        let (stored, stored_input, stored_observed) = self.stored_at(sid, &obs.source, canonical, ts)?;
        let replace = match self.policy.classify(Some((&stored, stored_observed.map(Instant::from_unix))), obs, self.observed)? {
            Class::Duplicate => {
                self.counts.duplicate += 1;
                return Ok(());
            }
            Class::Conflict { replaced } => replaced,
            // a row at this key was just found: it cannot be new
            Class::New => false,
        };
        let this_input = Some(self.input_id);
        let (kept, kept_input, dropped, dropped_input) = if replace {
            self.tx
                .prepare_cached(
                    "UPDATE observation SET rate = ?3, inverted = ?4, change = ?5, input_id = ?6 WHERE series_id = ?1 AND ts = ?2",
                )
                .map_err(p)?
                .execute(row)
                .map_err(p)?;
            self.touch(sid, ts, None)?;
            (obs, this_input, &stored, stored_input)
        } else {
            (&stored, stored_input, obs, this_input)
        };
        self.log_conflict(sid, ts, canonical, (kept, kept_input), (dropped, dropped_input))?;
        self.counts.conflict += 1;
        Ok(())
    }

    /// The row already stored at `ts`, with its input and that input's observation time.
    fn stored_at(&self, sid: SeriesId, source: &Source, canonical: Pair, ts: i64) -> Result<(Observation, Option<InputId>, Option<i64>)> {
        let p = |e| db_err(&self.path, e);
        let series = Series { id: sid, source: source.clone(), pair: canonical };
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT o.ts, o.rate, o.inverted, o.change, o.input_id, i.observed FROM observation o \
                 LEFT JOIN input i ON i.id = o.input_id WHERE o.series_id = ?1 AND o.ts = ?2",
            )
            .map_err(p)?;
        let (obs, input, observed) = st
            .query_row(params![sid.0, ts], |r| {
                Ok((row_observation(&series, r)?, r.get::<_, Option<i64>>(4)?.map(InputId), r.get::<_, Option<i64>>(5)?))
            })
            .map_err(p)?;
        Ok((obs?, input, observed))
    }

    /// Logs a conflict settled by the policy: the value kept and the one dropped, each with its input.
    fn log_conflict(
        &self,
        sid: SeriesId,
        ts: i64,
        canonical: Pair,
        (kept, kept_input): (&Observation, Option<InputId>),
        (dropped, dropped_input): (&Observation, Option<InputId>),
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                // The same conflict met again (re-running the same inputs, or
                // another document with the same values) is logged once.
                "INSERT INTO conflict (series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, \
                 dropped_inverted, dropped_change, input, logged_at, kept_input_id, dropped_input_id) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13 WHERE NOT EXISTS (SELECT 1 FROM conflict \
                 WHERE series_id = ?1 AND ts = ?2 AND policy = ?3 AND kept_rate = ?4 AND kept_inverted = ?5 \
                 AND kept_change IS ?6 AND dropped_rate = ?7 AND dropped_inverted = ?8 AND dropped_change IS ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
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
                    self.logged_at.unix(),
                    kept_input.map(|i| i.0),
                    dropped_input.map(|i| i.0)
                ])
            })
            .map_err(|e| db_err(&self.path, e))?;
        Ok(())
    }

    /// Records a write at `ts`: a new row (`new_inverted`: its `inverted` flag; its text is in
    /// `rate_text`) or a replaced one (None, which ends the folding as it goes).
    fn touch(&mut self, sid: SeriesId, ts: i64, new_inverted: Option<bool>) -> Result<()> {
        let value = new_inverted.map(|inverted| canonical_f64(&self.rate_text, inverted));
        match self.touched.get_mut(&sid) {
            Some(t) => {
                t.lo = t.lo.min(ts);
                t.hi = t.hi.max(ts);
                if let Some(a) = &mut t.appending {
                    let folded = match value {
                        Some(v) => a.push(&self.tx, &self.path, sid, ts, v)?,
                        None => false,
                    };
                    if !folded {
                        t.appending = None;
                    }
                }
            }
            None => {
                let appending = match value {
                    Some(v) => rollup::Appending::start(&self.tx, &self.path, sid, ts, v)?,
                    None => None,
                };
                self.touched.insert(sid, Touched { lo: ts, hi: ts, appending });
            }
        }
        Ok(())
    }

    /// The size and SHA-256 of a streamed input, known once it is read to
    /// its end; recorded at the commit.
    pub fn set_content(&mut self, size: u64, sha256: String) {
        self.content = (size, sha256);
    }

    /// Counts `n` rows the reader skipped (recorded with the input).
    pub fn skipped(&mut self, n: u64) {
        self.counts.skipped += n;
    }

    /// Brings the rollups of the touched ranges up to date, records the
    /// input's counts (or drops its row when it brought nothing), then commits.
    pub fn commit(mut self) -> Result<Committed> {
        for (&sid, t) in &mut self.touched {
            match t.appending.take() {
                Some(a) => a.finish(&self.tx, &self.path, sid)?,
                None => rollup::rebuild(&self.tx, &self.path, sid, t.lo, t.hi)?,
            }
        }
        let p = |e| db_err(&self.path, e);
        let c = self.counts;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        // Nothing written and the row would record what it holds: no change to the store.
        let unchanged = c.new == 0 && c.conflict == 0 && self.recorded == Some(Recorded { ingested: self.logged_at.unix(), counts: c });
        let input = if c.rates() == 0 {
            if self.created {
                self.tx.execute("DELETE FROM input WHERE id = ?1", params![self.input_id.0]).map_err(p)?;
            }
            None
        } else {
            let mut id = self.input_id;
            if self.created {
                let (size, sha256) = &self.content;
                let earlier: Option<i64> = self
                    .tx
                    .query_row(
                        "SELECT id FROM input WHERE name = ?1 AND sha256 = ?2 AND id != ?3",
                        params![self.input, sha256, self.input_id.0],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(p)?;
                match earlier {
                    Some(earlier) => {
                        // The same document seen before: its rows name the earlier input row.
                        // Only the touched ranges can hold rows naming this one.
                        for (&sid, t) in &self.touched {
                            self.tx
                                .execute(
                                    "UPDATE observation SET input_id = ?1 WHERE series_id = ?2 AND ts BETWEEN ?3 AND ?4 AND input_id = ?5",
                                    params![earlier, sid.0, t.lo, t.hi, self.input_id.0],
                                )
                                .map_err(p)?;
                        }
                        for column in ["kept_input_id", "dropped_input_id"] {
                            self.tx
                                .execute(
                                    &format!("UPDATE conflict SET {column} = ?1 WHERE {column} = ?2"),
                                    params![earlier, self.input_id.0],
                                )
                                .map_err(p)?;
                        }
                        self.tx.execute("DELETE FROM input WHERE id = ?1", params![self.input_id.0]).map_err(p)?;
                        id = InputId(earlier);
                    }
                    None => {
                        self.tx
                            .execute("UPDATE input SET size = ?2, sha256 = ?3 WHERE id = ?1", params![self.input_id.0, n(*size), sha256])
                            .map_err(p)?;
                    }
                }
            }
            if !unchanged {
                self.tx
                    .execute(
                        "UPDATE input SET ingested = ?2, new = ?3, duplicate = ?4, conflict = ?5, skipped = ?6 WHERE id = ?1",
                        params![id.0, self.logged_at.unix(), n(c.new), n(c.duplicate), n(c.conflict), n(c.skipped)],
                    )
                    .map_err(p)?;
            }
            Some(id)
        };
        drop(self.insert);
        if input.is_some() && !unchanged {
            super::stamp::bump(&self.tx).map_err(p)?;
        }
        self.tx.commit().map_err(p)?;
        Ok(Committed { counts: c, input })
    }
}
