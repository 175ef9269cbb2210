//! The SQLite store. What lives where:
//!
//! - `open`: opening a file for reading or writing, pragmas, `application_id`,
//!   read-only and immutable opening, database error messages;
//! - `migrate`: the schema ladder (numbered steps; `schema.sql` at the top
//!   level is the full current schema a new database gets);
//! - `write`: the one transaction of one input, de-duplication and conflicts;
//! - `read`: series, selections of observations, the k-way merge, conflicts;
//! - `rollup`: the hour and day first/min/max/last rows charts read;
//! - `check`: SQLite's integrity check plus the store's own invariants;
//! - `stamp`: the change stamp every committed write moves;
//! - `backup`: a consistent copy while others write and read (`fxsnap backup`).

mod backup;
mod check;
mod delete;
mod lookup;
mod migrate;
mod open;
mod read;
mod rollup;
mod stamp;
#[cfg(test)]
mod tests;
mod write;

use std::path::PathBuf;

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::model::{Instant, Observation, Pair, Source};

pub use backup::Copied;
pub use delete::{DeleteFilter, Deleted, RowSink};
pub use lookup::StoredValue;
pub use migrate::SCHEMA_VERSION;
pub use open::db_err;
pub use read::{canonical_value, RawRow};
pub use rollup::{RollupRow, ROLLUP_WIDTHS};
pub use stamp::ChangeStamp;
pub use write::InputTx;

/// The row id of a series in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesId(pub(crate) i64);

impl SeriesId {
    /// The id as stored, for messages.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for SeriesId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The row id of an input in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputId(pub(crate) i64);

impl InputId {
    /// The input of this id (`delete --input`), whether or not it exists.
    pub fn new(id: i64) -> InputId {
        InputId(id)
    }

    /// The id as stored (what `inputs` lists).
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for InputId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What `--on-conflict` asks for when a key meets a different value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Keep the stored value; log the new one.
    Keep,
    /// Store the new value; log the old one.
    Replace,
    /// Keep the value whose input was observed later (ties, and a stored
    /// value from before provenance: see `write`); log the other.
    Newest,
    /// Refuse the whole input (exit 3).
    Fail,
}

/// What a row is to the store: the count it goes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    New,
    Duplicate,
    /// Differs from the value at its key; `replaced`: the policy stores this one.
    Conflict {
        replaced: bool,
    },
}

impl ConflictPolicy {
    /// The word stored in the conflict log.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::Keep => "keep",
            ConflictPolicy::Replace => "replace",
            ConflictPolicy::Newest => "newest",
            ConflictPolicy::Fail => "fail",
        }
    }

    /// What a new value is against the value at its key (None: no value
    /// there): the one classification of a write and of its dry run.
    pub fn classify(self, current: Option<(&Observation, Option<Instant>)>, new: &Observation, new_observed: Instant) -> Result<Class> {
        match current {
            None => Ok(Class::New),
            Some((stored, _)) if stored.same_value(new) => Ok(Class::Duplicate),
            Some((stored, stored_observed)) => Ok(Class::Conflict { replaced: self.replaces(stored, stored_observed, new, new_observed)? }),
        }
    }

    /// Whether a new value replaces the stored one at its key: the one rule
    /// of a write and of a dry run. Under `newest` the new value wins only
    /// when its input was observed strictly later (a stored value with no
    /// input counts as observed at the beginning of time); `fail` refuses.
    pub fn replaces(
        self,
        stored: &Observation,
        stored_observed: Option<Instant>,
        new: &Observation,
        new_observed: Instant,
    ) -> Result<bool> {
        match self {
            ConflictPolicy::Keep => Ok(false),
            ConflictPolicy::Replace => Ok(true),
            ConflictPolicy::Newest => Ok(stored_observed.is_none_or(|t| new_observed > t)),
            ConflictPolicy::Fail => Err(Error::ConflictRefused(format!(
                "{} {} at {}: stored {} {}, this input has {} {} (--on-conflict fail: nothing stored from it)",
                new.source,
                new.pair.canonical(),
                new.at,
                stored.pair,
                stored.rate,
                new.pair,
                new.rate
            ))),
        }
    }

    /// The policy a conflict-log word names.
    pub fn from_stored(s: &str) -> Option<ConflictPolicy> {
        match s {
            "keep" => Some(ConflictPolicy::Keep),
            "replace" => Some(ConflictPolicy::Replace),
            "newest" => Some(ConflictPolicy::Newest),
            "fail" => Some(ConflictPolicy::Fail),
            _ => None,
        }
    }
}

/// Counts of one input or of a whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: u64,
    pub duplicate: u64,
    pub conflict: u64,
    /// Rows a reader could not use (a zero rate, a bad nominal), counted, not stored.
    pub skipped: u64,
}

impl Counts {
    /// The rates that reached the store: new, duplicate or conflicting.
    pub fn rates(&self) -> u64 {
        self.new + self.duplicate + self.conflict
    }
    pub fn add(&mut self, o: &Counts) {
        self.new += o.new;
        self.duplicate += o.duplicate;
        self.conflict += o.conflict;
        self.skipped += o.skipped;
    }
}

/// What is known of an input before its rows are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputMeta {
    /// A path, `-` or a URL.
    pub name: String,
    /// Bytes read.
    pub size: u64,
    /// SHA-256 of those bytes, lower-case hex; empty until known for an
    /// input hashed while it is read (`InputTx::set_content`).
    pub sha256: String,
    /// The reader that read it: `ticker`, `csv`, `nbk`, `cbr-dynamic`, `warc`, ...
    pub reader: String,
    /// When its content was seen: an HTTP `Date`, a file's modification time, now for stdin.
    pub observed: Instant,
}

/// An input as recorded (`fxsnap inputs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRecord {
    pub id: InputId,
    pub meta: InputMeta,
    /// When it was last ingested.
    pub ingested: Instant,
    /// The counts of its latest ingest.
    pub counts: Counts,
}

/// What a committed input left: its counts, and its input row (None when
/// it stored, duplicated and conflicted nothing, and so was not recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    pub counts: Counts,
    pub input: Option<InputId>,
}

/// A fetch that gave no document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchFailure {
    pub id: i64,
    pub url: String,
    pub source: String,
    pub at: Instant,
    pub reason: String,
}

/// One series: a pair from a source, keyed by its canonical direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub id: SeriesId,
    pub source: Source,
    pub pair: Pair,
}

/// A logged conflict.
#[derive(Clone, Debug)]
pub struct ConflictRecord {
    pub logged_at: Instant,
    pub policy: ConflictPolicy,
    /// The name of the input that brought the new value (the one column
    /// version 1 had).
    pub input: String,
    pub kept: Observation,
    pub dropped: Observation,
    /// The name of the input each value came from; for a conflict logged
    /// before version 2, the one `input` names, the other None.
    pub kept_input: Option<String>,
    pub dropped_input: Option<String>,
}

/// An open store. Reading commands get one from `Store::open_existing`,
/// which never writes; `Store::open_for_write` creates or upgrades.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The schema version the file has (reads adapt to an older one; an
    /// empty file reads as the current version).
    version: i64,
}

impl Store {
    /// One read transaction around several reads: one consistent snapshot,
    /// and no WAL lock and unlock per query. Ends at `ReadSnapshot::finish`
    /// (or when dropped).
    /// Inside a transaction already (serve computes each answer in one),
    /// the reads join it: the snapshot is the caller's, and ends with it.
    pub fn begin_read(&self) -> Result<ReadSnapshot<'_>> {
        if !self.conn.is_autocommit() {
            return Ok(ReadSnapshot { store: self, open: false });
        }
        self.retry_busy(|c| c.execute_batch("BEGIN"))?;
        Ok(ReadSnapshot { store: self, open: true })
    }
}

/// A read transaction of a `Store` (see `Store::begin_read`); the store's
/// reads are made through the store as usual while it is held.
pub struct ReadSnapshot<'a> {
    store: &'a Store,
    open: bool,
}

impl ReadSnapshot<'_> {
    /// Ends the read transaction.
    pub fn finish(mut self) -> Result<()> {
        if !std::mem::replace(&mut self.open, false) {
            return Ok(());
        }
        self.store.retry_busy(|c| c.execute_batch("COMMIT"))
    }
}

impl Drop for ReadSnapshot<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.store.conn.execute_batch("COMMIT");
        }
    }
}

fn lo(from: Option<Instant>) -> i64 {
    from.map(|i| i.unix()).unwrap_or(i64::MIN)
}
fn hi(to: Option<Instant>) -> i64 {
    to.map(|i| i.unix()).unwrap_or(i64::MAX)
}
