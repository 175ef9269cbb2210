//! The SQLite store: opening (and creating) it, one write transaction per
//! input with de-duplication and the conflict log, and the reads the commands
//! need. Schema in `schema.sql`, versioned with `PRAGMA user_version`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};
use crate::model::{Change, Instant, Observation, Pair, Rate, Source};

const SCHEMA: &str = include_str!("../schema.sql");
/// The schema version this binary writes and reads.
pub const SCHEMA_VERSION: i64 = 1;
/// How long a write waits for another fxsnap (an overlapping cron run) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(300);
/// Rollup bucket widths in seconds: hour and day.
pub const ROLLUP_WIDTHS: [i64; 2] = [3600, 86400];

/// What `--on-conflict` asks for when a key meets a different value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConflictPolicy {
    /// Keep the stored value; log the new one.
    Keep,
    /// Store the new value; log the old one.
    Replace,
    /// Refuse the whole input (exit 3).
    Fail,
}

impl ConflictPolicy {
    fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::Keep => "keep",
            ConflictPolicy::Replace => "replace",
            ConflictPolicy::Fail => "fail",
        }
    }
}

/// What happened to one observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    New,
    Duplicate,
    Conflict,
}

/// Counts of one input or of a whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: u64,
    pub duplicate: u64,
    pub conflict: u64,
}

impl Counts {
    pub fn rates(&self) -> u64 {
        self.new + self.duplicate + self.conflict
    }
    pub fn add(&mut self, o: &Counts) {
        self.new += o.new;
        self.duplicate += o.duplicate;
        self.conflict += o.conflict;
    }
}

/// One series: a pair from a source, keyed by its canonical direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub id: i64,
    pub source: Source,
    pub pair: Pair,
}

/// A logged conflict.
#[derive(Clone, Debug)]
pub struct ConflictRecord {
    pub logged_at: Instant,
    pub policy: String,
    pub input: String,
    pub kept: Observation,
    pub dropped: Observation,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the store for writing, creating the file, its folders and the
    /// schema on first use.
    pub fn open_for_write(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create the folder {}", dir.display()), e))?;
        }
        if path.is_dir() {
            return Err(Error::Database { path: path.display().to_string(), message: "is a folder, not a database file".into() });
        }
        check_writable(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let store = Store::open_with(path, flags)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing store for reading; never creates one.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(Error::NoDatabase(path.display().to_string()));
        }
        if path.is_dir() {
            return Err(Error::Database { path: path.display().to_string(), message: "is a folder, not a database file".into() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let store = match Store::open_with(path, flags) {
            Ok(store) => store,
            // A database on read-only media, or in a folder this user cannot
            // write: reading needs no write access.
            Err(first) => match Store::open_read_only(path) {
                Ok(store) => store,
                Err(_) => return Err(first),
            },
        };
        if store.user_version()? == 0 && store.table_count()? == 0 {
            // An empty file (a first ingest killed before its schema
            // landed) is an empty store, not a foreign database.
            store.migrate()?;
        }
        store.check_version()?;
        Ok(store)
    }

    /// Read-only access to a database whose folder this user cannot write
    /// (read-only media): with no `-wal` file beside it, every committed
    /// write is in the file itself, so it is opened as immutable (SQLite
    /// then needs no `-shm` file).
    fn open_read_only(path: &Path) -> Result<Store> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if Path::new(&wal).exists() {
            return Err(Error::Database {
                path: path.display().to_string(),
                message: "cannot be read: its folder is not writable and it has a -wal file".into(),
            });
        }
        let absolute = std::fs::canonicalize(path).map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        let mut uri = String::from("file:");
        for c in absolute.to_string_lossy().chars() {
            match c {
                '%' | '?' | '#' | ' ' => uri.push_str(&format!("%{:02X}", c as u32)),
                c => uri.push(c),
            }
        }
        uri.push_str("?immutable=1");
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags).map_err(|e| db_err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| db_err(path, e))?;
        let store = Store { conn, path: path.to_path_buf() };
        // Proves the file can be read at all before a command relies on it.
        store.user_version()?;
        Ok(store)
    }

    fn table_count(&self) -> Result<i64> {
        self.retry_busy(|c| c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)))
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store> {
        let conn = Connection::open_with_flags(path, flags).map_err(|e| db_err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| db_err(path, e))?;
        // Query-planner stability: without it SQLite re-prepares a statement
        // whenever `series_id = ?` is rebound to a small integer, so every
        // reuse of a cached statement would re-parse and re-plan it.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(|e| db_err(path, e))?;
        let store = Store { conn, path: path.to_path_buf() };
        store.retry_busy(|c| {
            let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                // Only an fxsnap database or a new, empty one is switched to
                // WAL: another program's file (refused right after) or a newer
                // schema's is left exactly as it was.
                let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                let tables: i64 = c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                if v == SCHEMA_VERSION || (v == 0 && tables == 0) {
                    let _: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
                }
            }
            c.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;")
        })?;
        Ok(store)
    }

    /// Runs `f`, retrying while another process holds a lock the busy handler
    /// cannot wait for (switching to WAL, creating the schema).
    fn retry_busy<T>(&self, mut f: impl FnMut(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match f(&self.conn) {
                Ok(v) => return Ok(v),
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(db_err(&self.path, e)),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn user_version(&self) -> Result<i64> {
        self.retry_busy(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    fn check_version(&self) -> Result<()> {
        match self.user_version()? {
            SCHEMA_VERSION => Ok(()),
            0 => Err(Error::Database { path: self.path.display().to_string(), message: "is not an fxsnap database (no schema)".into() }),
            v => Err(newer_schema(&self.path, v)),
        }
    }

    /// Creates the schema in a new database; refuses a newer one.
    fn migrate(&self) -> Result<()> {
        if self.user_version()? == SCHEMA_VERSION {
            return Ok(());
        }
        self.retry_busy(|c| {
            c.execute_batch("BEGIN IMMEDIATE")?;
            let r = (|| {
                let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                if v == 0 {
                    let tables: i64 = c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                    if tables > 0 {
                        return Ok(Err(Error::Database {
                            path: self.path.display().to_string(),
                            message: "is not an fxsnap database (it has other tables)".into(),
                        }));
                    }
                    c.execute_batch(SCHEMA)?;
                    c.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
                    Ok(Ok(()))
                } else if v > SCHEMA_VERSION {
                    Ok(Err(newer_schema(&self.path, v)))
                } else {
                    Ok(Ok(()))
                }
            })();
            match r {
                Ok(Ok(())) => c.execute_batch("COMMIT").map(|_| Ok(())),
                other => {
                    let _ = c.execute_batch("ROLLBACK");
                    other
                }
            }
        })?
    }

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
            path: std::rc::Rc::from(path.as_path()),
            last_series: None,
            rate_text: String::new(),
            change_text: String::new(),
            policy,
            input: input.to_string(),
            series: HashMap::new(),
            touched: HashMap::new(),
            counts: Counts::default(),
            logged_at: Instant::now().unix(),
        })
    }

    /// Every series, ordered by pair then source.
    pub fn series(&self) -> Result<Vec<Series>> {
        let mut st = self
            .conn
            .prepare("SELECT id, source, base, quote FROM series ORDER BY base, quote, source")
            .map_err(|e| db_err(&self.path, e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))
            .map_err(|e| db_err(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, source, base, quote) = row.map_err(|e| db_err(&self.path, e))?;
            out.push(Series { id, source: source.parse()?, pair: Pair::new(base.parse()?, quote.parse()?)? });
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
        let mut st = self
            .conn
            .prepare_cached("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts")
            .map_err(|e| db_err(&self.path, e))?;
        let mut rows = st.query(params![series.id, lo(from), hi(to)]).map_err(|e| db_err(&self.path, e))?;
        while let Some(r) = rows.next().map_err(|e| db_err(&self.path, e))? {
            f(row_observation(series, r).map_err(|e| db_err(&self.path, e))??)?;
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
        self.for_each_merged_raw(series, from, to, |i, ts, inverted, rate, change| {
            f(i, observation_from(&series[i], ts, inverted, rate, change)?)
        })
    }

    /// Like `for_each_merged`, but hands over each row as stored (time,
    /// inverted, rate and change text) without parsing it, for output that
    /// reproduces the stored text exactly (CSV export). Buffers are reused:
    /// no allocation per row.
    pub fn for_each_merged_raw(
        &self,
        series: &[Series],
        from: Option<Instant>,
        to: Option<Instant>,
        mut f: impl FnMut(usize, i64, bool, &str, Option<&str>) -> Result<()>,
    ) -> Result<()> {
        struct Head {
            ts: i64,
            inverted: bool,
            rate: String,
            change: Option<String>,
        }
        fn read(rows: &mut rusqlite::Rows<'_>, h: &mut Option<Head>) -> rusqlite::Result<()> {
            match rows.next()? {
                None => *h = None,
                Some(r) => {
                    let rate = r.get_ref(1)?.as_str()?;
                    let change = r.get_ref(3)?.as_str_or_null()?;
                    let head = h.get_or_insert_with(|| Head { ts: 0, inverted: false, rate: String::new(), change: None });
                    head.ts = r.get(0)?;
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
        let p = |e| db_err(&self.path, e);
        let sql = "SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts";
        let mut statements = Vec::with_capacity(series.len());
        for _ in series {
            statements.push(self.conn.prepare(sql).map_err(p)?);
        }
        let mut cursors = Vec::with_capacity(series.len());
        for (st, s) in statements.iter_mut().zip(series) {
            cursors.push(st.query(params![s.id, lo(from), hi(to)]).map_err(p)?);
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
                f(i, h.ts, h.inverted, &h.rate, h.change.as_deref())?;
            }
            read(&mut cursors[i], &mut heads[i]).map_err(p)?;
        }
        Ok(())
    }

    /// The newest observation of a series at or before `at` (all when None).
    pub fn latest(&self, series: &Series, at: Option<Instant>) -> Result<Option<Observation>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts <= ?2 ORDER BY ts DESC LIMIT 1")
            .map_err(|e| db_err(&self.path, e))?;
        let row = st.query_row(params![series.id, hi(at)], |r| row_observation(series, r)).optional().map_err(|e| db_err(&self.path, e))?;
        row.transpose()
    }

    /// The first and last times of a series within a range, if it has any.
    pub fn time_span(&self, series_id: i64, from: Option<Instant>, to: Option<Instant>) -> Result<Option<(i64, i64)>> {
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
            .query_row(params![series_id, lo(from), hi(to)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(p)?;
        Ok(match span {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    /// The oldest observation of a series within `from..=to`.
    pub fn first_observation(&self, series: &Series, from: Instant, to: Instant) -> Result<Option<Observation>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts LIMIT 1",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let row = st
            .query_row(params![series.id, from.unix(), to.unix()], |r| row_observation(series, r))
            .optional()
            .map_err(|e| db_err(&self.path, e))?;
        row.transpose()
    }

    /// Each observation's time and value in the series' canonical direction
    /// (floating point, for drawing), oldest first.
    pub fn for_each_value(&self, series_id: i64, from: i64, to: i64, f: impl FnMut(i64, f64) -> Result<()>) -> Result<()> {
        for_each_value_in(&self.conn, &self.path, series_id, from, to, f)
    }

    /// The rollups of one width whose buckets start within `from..=to`, in order.
    pub fn for_each_rollup(&self, series_id: i64, width: i64, from: i64, to: i64, mut f: impl FnMut(RollupRow)) -> Result<()> {
        let p = |e| db_err(&self.path, e);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last FROM rollup \
                 WHERE series_id = ?1 AND width = ?2 AND bucket BETWEEN ?3 AND ?4 ORDER BY bucket",
            )
            .map_err(p)?;
        let mut rows = st.query(params![series_id, width, from, to]).map_err(p)?;
        while let Some(r) = rows.next().map_err(p)? {
            f(rollup_from_row(r).map_err(p)?);
        }
        Ok(())
    }

    /// The conflict log, oldest first.
    pub fn conflicts(&self, series: &[Series], from: Option<Instant>, to: Option<Instant>) -> Result<Vec<ConflictRecord>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, dropped_inverted, \
                 dropped_change, input, logged_at FROM conflict WHERE ts BETWEEN ?1 AND ?2 ORDER BY id",
            )
            .map_err(|e| db_err(&self.path, e))?;
        let by_id: HashMap<i64, &Series> = series.iter().map(|s| (s.id, s)).collect();
        let mut rows = st.query(params![lo(from), hi(to)]).map_err(|e| db_err(&self.path, e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| db_err(&self.path, e))? {
            let sid: i64 = r.get(0).map_err(|e| db_err(&self.path, e))?;
            let Some(s) = by_id.get(&sid) else { continue };
            let text = |i: usize| -> Result<Option<String>> { r.get::<_, Option<String>>(i).map_err(|e| db_err(&self.path, e)) };
            let int = |i: usize| -> Result<i64> { r.get::<_, i64>(i).map_err(|e| db_err(&self.path, e)) };
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
            out.push(ConflictRecord {
                policy: text(2)?.unwrap_or_default(),
                kept: make(text(3)?, int(4)?, text(5)?)?,
                dropped: make(text(6)?, int(7)?, text(8)?)?,
                input: text(9)?.unwrap_or_default(),
                logged_at: Instant::from_unix(int(10)?),
            });
        }
        Ok(out)
    }

    /// The connection, for the chart's reduction queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// SQLite's integrity check plus the store's own invariants; returns the
    /// problems found (empty when sound).
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let p = |e| db_err(&self.path, e);
        {
            // SQLite stops when the damage is too deep to walk on: that error
            // is a finding too, reported after the ones made before it.
            let mut st = match self.conn.prepare("PRAGMA integrity_check") {
                Ok(st) => st,
                Err(e) => return Ok(vec![format!("integrity: {e}")]),
            };
            let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(p)?;
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
        }
        if !problems.is_empty() {
            return Ok(problems);
        }
        {
            let mut st = self.conn.prepare("PRAGMA foreign_key_check").map_err(p)?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))).map_err(p)?;
            for r in rows {
                let (table, rowid) = r.map_err(p)?;
                problems.push(format!("foreign key: a row of {table} ({rowid:?}) names a missing series"));
            }
        }
        if !problems.is_empty() {
            return Ok(problems);
        }
        let series = match self.series() {
            Ok(s) => s,
            Err(e) => return Ok(vec![format!("series table: {e}")]),
        };
        for s in &series {
            if !s.pair.is_canonical() {
                problems.push(format!("series {} ({}, {}) is not stored in its canonical direction", s.id, s.pair, s.source));
            }
            // One pass over the observations, compared as they fold with
            // one cursor per rollup width: memory stays flat however long
            // the series.
            let mut st =
                self.conn.prepare("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 ORDER BY ts").map_err(p)?;
            let mut rows = st.query(params![s.id]).map_err(p)?;
            let rollup_sql = "SELECT width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last FROM rollup \
                              WHERE series_id = ?1 AND width = ?2 ORDER BY bucket";
            let mut statements = Vec::new();
            for _ in ROLLUP_WIDTHS {
                statements.push(self.conn.prepare(rollup_sql).map_err(p)?);
            }
            let mut cursors = Vec::new();
            for (st, w) in statements.iter_mut().zip(ROLLUP_WIDTHS) {
                cursors.push(st.query(params![s.id, w]).map_err(p)?);
            }
            let (mut expected, mut differing) = (0u64, 0u64);
            let mut compare = |row: RollupRow| -> Result<()> {
                expected += 1;
                let i = ROLLUP_WIDTHS.iter().position(|w| *w == row.width).unwrap_or(0);
                match cursors[i].next().map_err(p)? {
                    Some(r) if rollup_from_row(r).map_err(p)?.same(&row) => {}
                    _ => differing += 1,
                }
                Ok(())
            };
            let mut acc = RollupBuilder::new(s.id);
            while let Some(r) = rows.next().map_err(p)? {
                let ts: i64 = r.get(0).map_err(p)?;
                match row_observation(s, r).map_err(p)? {
                    Ok(obs) => acc.push(ts, canonical_value(&obs), &mut compare)?,
                    Err(e) => problems.push(format!("{} {} at {}: {e}", s.source, s.pair, Instant::from_unix(ts))),
                }
            }
            acc.finish(&mut compare)?;
            let mut extra = 0u64;
            for c in &mut cursors {
                while c.next().map_err(p)?.is_some() {
                    extra += 1;
                }
            }
            if differing > 0 || extra > 0 {
                problems.push(format!(
                    "rollups of {} {} disagree with its observations ({differing} of {expected} expected rows differ or are missing, {extra} extra)",
                    s.source, s.pair
                ));
            }
        }
        let orphans: i64 = self
            .conn
            .query_row("SELECT count(*) FROM observation WHERE series_id NOT IN (SELECT id FROM series)", [], |r| r.get(0))
            .map_err(p)?;
        if orphans > 0 {
            problems.push(format!("{orphans} observations belong to no series"));
        }
        let v = self.user_version()?;
        if v != SCHEMA_VERSION {
            problems.push(format!("schema version {v}, expected {SCHEMA_VERSION}"));
        }
        Ok(problems)
    }
}

fn lo(from: Option<Instant>) -> i64 {
    from.map(|i| i.unix()).unwrap_or(i64::MIN)
}
fn hi(to: Option<Instant>) -> i64 {
    to.map(|i| i.unix()).unwrap_or(i64::MAX)
}

/// An observation from a `ts, rate, inverted, change` row; the inner error is
/// a stored value that does not parse (a broken invariant).
fn row_observation(s: &Series, r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Observation>> {
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
fn canonical_f64(rate: &str, inverted: bool) -> f64 {
    let v: f64 = rate.parse().unwrap_or(f64::NAN);
    if inverted {
        1.0 / v
    } else {
        v
    }
}

/// Each observation's time and canonical value in `from..=to`, oldest first:
/// for charts, and for rebuilding rollups inside a write transaction.
fn for_each_value_in(
    conn: &Connection,
    path: &Path,
    series_id: i64,
    from: i64,
    to: i64,
    mut f: impl FnMut(i64, f64) -> Result<()>,
) -> Result<()> {
    let p = |e| db_err(path, e);
    let mut st = conn
        .prepare_cached("SELECT ts, rate, inverted FROM observation WHERE series_id = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts")
        .map_err(p)?;
    let mut rows = st.query(params![series_id, from, to]).map_err(p)?;
    while let Some(r) = rows.next().map_err(p)? {
        let ts: i64 = r.get(0).map_err(p)?;
        let rate = r.get_ref(1).map_err(p)?.as_str().map_err(|e| p(e.into()))?;
        let inverted: i64 = r.get(2).map_err(p)?;
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

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked))
}

fn newer_schema(path: &Path, v: i64) -> Error {
    Error::Database {
        path: path.display().to_string(),
        message: format!("has schema version {v}, newer than this fxsnap understands ({SCHEMA_VERSION}); upgrade fxsnap"),
    }
}

/// An I/O error of SQLite's that happened writing (EFBIG past a file size
/// limit, EIO), not reading.
fn is_write_error(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi;
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(
        f.extended_code,
        ffi::SQLITE_IOERR_WRITE | ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_TRUNCATE | ffi::SQLITE_IOERR_DIR_FSYNC | ffi::SQLITE_IOERR_SHMSIZE
    ))
}

/// Refuses a database file that cannot be written (read-only file system,
/// permissions) with that reason; SQLite would only say "unable to open".
/// Called before SQLite opens the file: closing another descriptor of a file
/// would drop this process's POSIX locks on it.
fn check_writable(path: &Path) -> Result<()> {
    let probe = if path.exists() {
        std::fs::OpenOptions::new().write(true).open(path)
    } else {
        // Creating the empty file is what SQLite would do first; another
        // process creating it at the same moment is fine.
        match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            other => other,
        }
    };
    let message = match probe {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => "is on a read-only file system: cannot write to it".to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => format!("is read-only: cannot write to it ({e})"),
        Err(_) => return Ok(()), // SQLite says what else is wrong
    };
    Err(Error::Database { path: path.display().to_string(), message })
}

/// A database error with a message a user can act on.
pub fn db_err(path: &Path, e: rusqlite::Error) -> Error {
    let message = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "is not a database file (or is corrupted)".to_string(),
        Some(ErrorCode::DatabaseCorrupt) => format!("is corrupted ({e}); run `fxsnap check`"),
        Some(ErrorCode::ReadOnly) => "is read-only: cannot write to it".to_string(),
        Some(ErrorCode::DiskFull) => "the disk is full; nothing of this input was stored".to_string(),
        Some(ErrorCode::SystemIoFailure) if is_write_error(&e) => {
            format!("could not write to it ({e}: the disk may be full or failing, or the file too large for this system)")
        }
        Some(ErrorCode::CannotOpen) => format!("cannot be opened ({e})"),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            format!("stayed locked by another process for {} s", BUSY_TIMEOUT.as_secs())
        }
        _ => e.to_string(),
    };
    Error::Database { path: path.display().to_string(), message }
}

/// The write transaction of one input.
pub struct InputTx<'a> {
    insert: rusqlite::Statement<'a>,
    tx: rusqlite::Transaction<'a>,
    /// Shared, not cloned per row: a bulk load puts millions of rows.
    path: std::rc::Rc<Path>,
    /// The series of the previous row: consecutive rows mostly share it.
    last_series: Option<(Source, Pair, i64)>,
    /// Reused text buffers for the rate and change of each row.
    rate_text: String,
    change_text: String,
    policy: ConflictPolicy,
    input: String,
    series: HashMap<(Source, Pair), i64>,
    /// Per series, the range of times written, for the rollups.
    touched: HashMap<i64, (i64, i64)>,
    counts: Counts,
    logged_at: i64,
}

impl InputTx<'_> {
    fn series_id(&mut self, source: &Source, canonical: Pair) -> Result<i64> {
        if let Some((s, p, id)) = &self.last_series {
            if s == source && *p == canonical {
                return Ok(*id);
            }
        }
        let id = self.lookup_series(source, canonical)?;
        self.last_series = Some((source.clone(), canonical, id));
        Ok(id)
    }

    fn lookup_series(&mut self, source: &Source, canonical: Pair) -> Result<i64> {
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
        self.series.insert((source.clone(), canonical), id);
        Ok(id)
    }

    /// Stores one observation: new, duplicate, or a conflict handled by the policy.
    pub fn put(&mut self, obs: &Observation) -> Result<Outcome> {
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
        let path = std::rc::Rc::clone(&self.path);
        let p = |e| db_err(&path, e);
        let inserted = self
            .insert
            .execute(params![sid, ts, self.rate_text.as_str(), inverted, has_change.then_some(self.change_text.as_str())])
            .map_err(p)?;
        if inserted == 1 {
            self.touch(sid, ts);
            self.counts.new += 1;
            return Ok(Outcome::New);
        }
        let series = Series { id: sid, source: obs.source.clone(), pair: canonical };
        let stored = {
            let mut st =
                self.tx.prepare_cached("SELECT ts, rate, inverted, change FROM observation WHERE series_id = ?1 AND ts = ?2").map_err(p)?;
            st.query_row(params![sid, ts], |r| row_observation(&series, r)).map_err(p)??
        };
        if stored.same_value(obs) {
            self.counts.duplicate += 1;
            return Ok(Outcome::Duplicate);
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
                    .execute(params![sid, ts, self.rate_text.as_str(), inverted, has_change.then_some(self.change_text.as_str())])
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
                sid,
                ts,
                self.policy.as_str(),
                kept.rate.to_string(),
                i64::from(kept.pair != canonical),
                kept.change.as_ref().map(|c| c.to_string()),
                dropped.rate.to_string(),
                i64::from(dropped.pair != canonical),
                dropped.change.as_ref().map(|c| c.to_string()),
                self.input,
                self.logged_at
            ])
            .map_err(p)?;
        self.counts.conflict += 1;
        Ok(Outcome::Conflict)
    }

    fn touch(&mut self, sid: i64, ts: i64) {
        let e = self.touched.entry(sid).or_insert((ts, ts));
        e.0 = e.0.min(ts);
        e.1 = e.1.max(ts);
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Brings the rollups of the touched ranges up to date, then commits.
    pub fn commit(self) -> Result<Counts> {
        let p = |e| db_err(&self.path, e);
        for (&sid, &(lo_ts, hi_ts)) in &self.touched {
            let widest = ROLLUP_WIDTHS[ROLLUP_WIDTHS.len() - 1];
            let b0 = lo_ts.div_euclid(widest) * widest;
            let b1 = hi_ts.div_euclid(widest) * widest + widest;
            // One index range per width: with `width` unconstrained the
            // primary key (series_id, width, bucket) only narrows to the
            // series, and the delete would scan all its rollups.
            for w in ROLLUP_WIDTHS {
                self.tx
                    .prepare_cached("DELETE FROM rollup WHERE series_id = ?1 AND width = ?2 AND bucket >= ?3 AND bucket < ?4")
                    .map_err(p)?
                    .execute(params![sid, w, b0, b1])
                    .map_err(p)?;
            }
            let mut insert = self
                .tx
                .prepare_cached(
                    "INSERT INTO rollup (series_id, width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(p)?;
            let mut write = |r: RollupRow| -> Result<()> {
                insert
                    .execute(params![
                        sid, r.width, r.bucket, r.n, r.first.0, r.first.1, r.min.0, r.min.1, r.max.0, r.max.1, r.last.0, r.last.1
                    ])
                    .map_err(p)?;
                Ok(())
            };
            let mut acc = RollupBuilder::new(sid);
            for_each_value_in(&self.tx, &self.path, sid, b0, b1 - 1, |ts, v| acc.push(ts, v, &mut write))?;
            acc.finish(&mut write)?;
        }
        let counts = self.counts;
        self.tx.commit().map_err(|e| db_err(&self.path, e))?;
        Ok(counts)
    }
}

/// A rollup from a `width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last` row.
fn rollup_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RollupRow> {
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

/// First, min, max, last of one bucket.
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
    fn same(&self, o: &RollupRow) -> bool {
        let close = |a: f64, b: f64| a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        self.width == o.width
            && self.bucket == o.bucket
            && self.n == o.n
            && [(self.first, o.first), (self.min, o.min), (self.max, o.max), (self.last, o.last)]
                .iter()
                .all(|((t1, v1), (t2, v2))| t1 == t2 && close(*v1, *v2))
    }
}

/// Folds observations (in time order) into rollup rows of every width.
struct RollupBuilder {
    open: [Option<RollupRow>; 2],
}

impl RollupBuilder {
    fn new(_series: i64) -> RollupBuilder {
        RollupBuilder { open: [None, None] }
    }
    fn push(&mut self, ts: i64, v: f64, out: &mut impl FnMut(RollupRow) -> Result<()>) -> Result<()> {
        for (i, &w) in ROLLUP_WIDTHS.iter().enumerate() {
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
    fn finish(mut self, out: &mut impl FnMut(RollupRow) -> Result<()>) -> Result<()> {
        for slot in &mut self.open {
            if let Some(done) = slot.take() {
                out(done)?;
            }
        }
        Ok(())
    }
}
