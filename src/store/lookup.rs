//! Read-only lookups a dry run classifies with (`ingest --dry-run`): the
//! series of a key, the value stored at a key with the observed time of its
//! input, and the first-seen time of a document recorded before. Nothing
//! here writes, creates or upgrades; a version-1 file is read as it is.

use rusqlite::{params, OptionalExtension};

use super::read::row_observation;
use super::{db_err, Series, SeriesId, Store};
use crate::error::Result;
use crate::model::{Instant, Observation, Pair, Source};

/// The value stored at a key, and when the input that brought it was
/// observed (None: stored before version 2, with no input).
#[derive(Clone, Debug)]
pub struct StoredValue {
    pub obs: Observation,
    pub observed: Option<Instant>,
}

impl Store {
    /// The series of a source and a pair in its canonical direction, if stored.
    pub fn series_id(&self, source: &Source, canonical: Pair) -> Result<Option<SeriesId>> {
        let p = |e| db_err(&self.path, e);
        self.conn
            .prepare_cached("SELECT id FROM series WHERE source = ?1 AND base = ?2 AND quote = ?3")
            .map_err(p)?
            .query_row(params![source.as_str(), canonical.base.to_string(), canonical.quote.to_string()], |r| r.get(0))
            .optional()
            .map_err(p)
            .map(|id| id.map(SeriesId))
    }

    /// The value stored in a series at a time, with its input's observed time.
    pub fn stored_value(&self, series: &Series, at: Instant) -> Result<Option<StoredValue>> {
        let p = |e| db_err(&self.path, e);
        let sql = if self.version >= 2 {
            "SELECT o.ts, o.rate, o.inverted, o.change, i.observed FROM observation o \
             LEFT JOIN input i ON i.id = o.input_id WHERE o.series_id = ?1 AND o.ts = ?2"
        } else {
            "SELECT ts, rate, inverted, change, NULL FROM observation WHERE series_id = ?1 AND ts = ?2"
        };
        let row = self
            .conn
            .prepare_cached(sql)
            .map_err(p)?
            .query_row(params![series.id.0, at.unix()], |r| Ok((row_observation(series, r)?, r.get::<_, Option<i64>>(4)?)))
            .optional()
            .map_err(p)?;
        match row {
            None => Ok(None),
            Some((obs, observed)) => Ok(Some(StoredValue { obs: obs?, observed: observed.map(Instant::from_unix) })),
        }
    }

    /// When a document (name and SHA-256) recorded before was first seen:
    /// ingested again, it is judged by that time (see `write`).
    pub fn first_seen(&self, name: &str, sha256: &str) -> Result<Option<Instant>> {
        if self.version < 2 {
            return Ok(None);
        }
        let p = |e| db_err(&self.path, e);
        self.conn
            .prepare_cached("SELECT observed FROM input WHERE name = ?1 AND sha256 = ?2")
            .map_err(p)?
            .query_row(params![name, sha256], |r| r.get(0))
            .optional()
            .map_err(p)
            .map(|t| t.map(Instant::from_unix))
    }
}

impl Store {
    /// Begins a read transaction held until the store is dropped: every
    /// later read sees one snapshot (a dry run's whole run).
    pub fn hold_snapshot(&self) -> Result<()> {
        self.retry_busy(|c| c.execute_batch("BEGIN"))
    }
}
