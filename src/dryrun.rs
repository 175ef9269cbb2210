//! `ingest --dry-run`: every input read by the same readers and rules as a
//! real ingest, each row classified as the real run would count it (new,
//! duplicate, conflict) against one read snapshot of the store, and nothing
//! written or created: a missing database stays missing, an existing one
//! (of any version) is opened for reading only.
//!
//! The rows that earlier inputs of the run would have stored are kept in
//! memory, so a key met twice in one run is counted as the real run counts
//! it (new the first time, duplicate or conflict after). The memory grows
//! with the rows the run would store: some 100 bytes each.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{same_change, Change, Instant, Observation, Pair, Rate, Source};
use crate::store::{Class, Committed, ConflictPolicy, Counts, InputMeta, Series, Store, StoredValue};

/// A value at a key, kept small: a dry run of a bulk load holds one per
/// new row (some 70 bytes, twice that while a table grows).
#[derive(Clone, Debug)]
struct Value {
    rate: Rate,
    change: Option<Change>,
    /// Unix seconds when the input that brought it was observed;
    /// `NO_INPUT` for a value stored before version 2.
    observed: i64,
    /// The input of this run that brought it; 0 for the store's value.
    input: u32,
    /// Quoted as the inverse of the series' canonical pair.
    inverted: bool,
}

/// `Value::observed` of a value with no input.
const NO_INPUT: i64 = i64::MIN;

impl Value {
    fn of(obs: &Observation, observed: Instant, input: u32) -> Value {
        Value { rate: obs.rate, change: obs.change.clone(), observed: observed.unix(), input, inverted: !obs.pair.is_canonical() }
    }
    fn stored(v: StoredValue) -> Value {
        Value {
            rate: v.obs.rate,
            change: v.obs.change,
            observed: v.observed.map(|t| t.unix()).unwrap_or(NO_INPUT),
            input: 0,
            inverted: !v.obs.pair.is_canonical(),
        }
    }
    fn observed(&self) -> Option<Instant> {
        (self.observed != NO_INPUT).then(|| Instant::from_unix(self.observed))
    }
    /// The pair it was quoted in, for a row of the same series.
    fn pair(&self, like: &Observation) -> Pair {
        let canonical = like.pair.canonical();
        if self.inverted {
            canonical.inverse()
        } else {
            canonical
        }
    }
    fn observation(&self, like: &Observation) -> Observation {
        Observation { source: like.source.clone(), pair: self.pair(like), at: like.at, rate: self.rate, change: self.change.clone() }
    }
}

/// A series of the run, by a small number: the store's series when it has one.
struct RunSeries {
    stored: Option<Series>,
}

/// The state of a dry run across its inputs.
pub struct DryRun {
    /// The store as it is (a read snapshot held for the whole run); None
    /// when there is no database yet: every row is then new unless the run
    /// met its key before.
    store: Option<Store>,
    opened: bool,
    verbose: bool,
    out: Box<dyn Write>,
    index: HashMap<(Source, Pair), u32>,
    series: Vec<RunSeries>,
    /// What earlier inputs of this run would have stored, by (series, time).
    memory: HashMap<(u32, i64), Value>,
    /// Documents (name, SHA-256) earlier inputs would have recorded, with
    /// their first-seen time.
    seen: HashMap<(String, String), Instant>,
    inputs: u32,
    /// Standard output was closed (`| head`): the run stops, as a success.
    closed: bool,
}

impl DryRun {
    pub fn new(verbose: bool, out: Box<dyn Write>) -> DryRun {
        DryRun {
            store: None,
            opened: false,
            verbose,
            out,
            index: HashMap::new(),
            series: Vec::new(),
            memory: HashMap::new(),
            seen: HashMap::new(),
            inputs: 0,
            closed: false,
        }
    }

    /// Opens the store for reading at the first input (never creating it).
    fn open(&mut self, path: &Path) -> Result<()> {
        if !self.opened {
            if path.exists() {
                let store = Store::open_existing(path)?;
                store.hold_snapshot()?;
                self.store = Some(store);
            }
            self.opened = true;
        }
        Ok(())
    }

    /// Starts one input: its rows are classified and kept aside until its commit.
    pub fn begin_input(&mut self, path: &Path, policy: ConflictPolicy, meta: InputMeta) -> Result<DryInput<'_>> {
        self.open(path)?;
        let observed = self.first_seen(&meta.name, &meta.sha256)?.unwrap_or(meta.observed);
        self.inputs += 1;
        let id = self.inputs;
        Ok(DryInput { run: self, policy, meta, observed, id, pending: HashMap::new(), counts: Counts::default(), rows: Vec::new() })
    }

    /// A document recorded before (by the store or this run) is judged by
    /// when it was first seen, as `write` does.
    fn first_seen(&self, name: &str, sha256: &str) -> Result<Option<Instant>> {
        if sha256.is_empty() {
            return Ok(None);
        }
        if let Some(t) = self.seen.get(&(name.to_string(), sha256.to_string())) {
            return Ok(Some(*t));
        }
        match &self.store {
            Some(s) => s.first_seen(name, sha256),
            None => Ok(None),
        }
    }

    fn series_of(&mut self, source: &Source, canonical: Pair) -> Result<u32> {
        if let Some(i) = self.index.get(&(source.clone(), canonical)) {
            return Ok(*i);
        }
        let stored = match &self.store {
            Some(store) => store.series_id(source, canonical)?.map(|id| Series { id, source: source.clone(), pair: canonical }),
            None => None,
        };
        let i = u32::try_from(self.series.len()).map_err(|_| Error::invalid("too many series for one dry run"))?;
        self.series.push(RunSeries { stored });
        self.index.insert((source.clone(), canonical), i);
        Ok(i)
    }

    /// The value at a key before this input: what an earlier input of the
    /// run would have stored, else what the store holds.
    fn current(&self, key: (u32, i64)) -> Result<Option<Value>> {
        if let Some(v) = self.memory.get(&key) {
            return Ok(Some(v.clone()));
        }
        match (&self.store, &self.series[key.0 as usize].stored) {
            (Some(store), Some(series)) => Ok(store.stored_value(series, Instant::from_unix(key.1))?.map(Value::stored)),
            _ => Ok(None),
        }
    }

    /// A bank's reply with no rates for its day: said like a stored input.
    pub fn empty(&mut self, name: &str) -> Result<()> {
        self.say(&[format!("{name}: empty (no rates for its day)")])
    }

    /// Whether standard output was closed: nothing more is worth reading.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Writes lines to standard output; a closed pipe ends the run as a
    /// success (`is_broken_pipe`), not as a failure of this input.
    fn say(&mut self, lines: &[String]) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let written = lines.iter().try_for_each(|l| writeln!(self.out, "{l}")).and_then(|()| self.out.flush());
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => Ok(other?),
        }
    }
}

/// One input of a dry run, the counterpart of `InputTx`.
pub struct DryInput<'a> {
    run: &'a mut DryRun,
    policy: ConflictPolicy,
    meta: InputMeta,
    observed: Instant,
    id: u32,
    /// Rows of this input, by key: what it would store (its own later rows
    /// meet them, as in the real transaction).
    pending: HashMap<(u32, i64), Value>,
    counts: Counts,
    /// `-v`: one line per row, printed at the commit.
    rows: Vec<String>,
}

impl DryInput<'_> {
    /// Classifies one observation as `InputTx::put` would store it.
    pub fn put(&mut self, obs: &Observation) -> Result<Class> {
        let canonical = obs.pair.canonical();
        let key = (self.run.series_of(&obs.source, canonical)?, obs.at.unix());
        let current = match self.pending.get(&key) {
            Some(v) => Some(v.clone()),
            None => self.run.current(key)?,
        };
        let stored = current.as_ref().map(|v| (v.observation(obs), v.observed()));
        let class = self.policy.classify(stored.as_ref().map(|(o, t)| (o, *t)), obs, self.observed)?;
        match class {
            Class::New => self.counts.new += 1,
            Class::Duplicate => self.counts.duplicate += 1,
            Class::Conflict { .. } => self.counts.conflict += 1,
        }
        if matches!(class, Class::New | Class::Conflict { replaced: true }) {
            self.pending.insert(key, Value::of(obs, self.observed, self.id));
        }
        if self.run.verbose {
            self.rows.push(row_line(obs, class, current.as_ref(), self.id));
        }
        Ok(class)
    }

    /// As `InputTx::set_content`: a streamed input's digest, known at its end.
    pub fn set_content(&mut self, size: u64, sha256: String) {
        self.meta.size = size;
        self.meta.sha256 = sha256;
    }

    pub fn skipped(&mut self, n: u64) {
        self.counts.skipped += n;
    }

    /// What the commit would have kept: this input's rows join the run's
    /// memory, and its line (and with `-v` its rows) is printed.
    pub fn commit(self) -> Result<Committed> {
        let DryInput { run, policy, meta, mut observed, id, pending, counts, rows } = self;
        if counts.rates() > 0 {
            // A streamed input recorded before becomes that record (`write`): its values are judged by the first sighting.
            if let Some(first) = run.first_seen(&meta.name, &meta.sha256)? {
                observed = first;
            }
            let mut pending = pending;
            for v in pending.values_mut().filter(|v| v.input == id) {
                v.observed = observed.unix();
            }
            // This input's values win over the run's earlier ones at the same
            // key; the smaller table goes into the larger (no second copy of
            // a bulk load).
            if run.memory.len() < pending.len() {
                let earlier = std::mem::replace(&mut run.memory, pending);
                for (key, v) in earlier {
                    run.memory.entry(key).or_insert(v);
                }
            } else {
                run.memory.extend(pending);
            }
            if !meta.sha256.is_empty() {
                run.seen.entry((meta.name.clone(), meta.sha256.clone())).or_insert(observed);
            }
        }
        let mut lines = vec![format!("{}: {}", meta.name, crate::summary::counts_phrase(&counts, policy))];
        lines.extend(rows.iter().map(|r| format!("  {r}")));
        run.say(&lines)?;
        Ok(Committed { counts, input: None })
    }
}

/// One row for `-v`: what it would be, the row, and the value it meets.
fn row_line(obs: &Observation, class: Class, current: Option<&Value>, this_input: u32) -> String {
    let change = obs.change.as_ref().map(|c| format!("{c}%")).unwrap_or_else(|| "-".into());
    let what = match class {
        Class::New => "new".to_string(),
        Class::Duplicate => "duplicate".to_string(),
        Class::Conflict { .. } => "conflict".to_string(),
    };
    let mut line = format!("{what:<9}  {}  {}  {}  {change}  {}", obs.at.rfc3339(), obs.pair, obs.rate, obs.source);
    if let (Class::Conflict { replaced }, Some(v)) = (class, current) {
        let stored_change = match &v.change {
            Some(c) if !same_change(&v.change, &obs.change) => format!(" {c}%"),
            _ => String::new(),
        };
        let by = match v.input {
            0 => "the store",
            i if i == this_input => "an earlier row of this input",
            _ => "an earlier input of this run",
        };
        let verdict = if replaced { "this one would replace it" } else { "it would be kept, this one logged" };
        line.push_str(&format!(" (holds {} {}{stored_change} from {by}: {verdict})", v.pair(obs), v.rate));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(at: i64, rate: &str) -> Observation {
        Observation {
            source: "timesca".parse().unwrap(),
            pair: "KZT/USD".parse().unwrap(),
            at: Instant::from_unix(at),
            rate: rate.parse().unwrap(),
            change: None,
        }
    }

    fn meta(name: &str, observed: i64) -> InputMeta {
        InputMeta { name: name.into(), size: 1, sha256: name.into(), reader: "csv".into(), observed: Instant::from_unix(observed) }
    }

    /// A dry run of no database (the path does not exist), writing to a sink.
    fn run() -> (DryRun, tempfile::TempDir) {
        (DryRun::new(true, Box::new(std::io::sink())), tempfile::tempdir().unwrap())
    }

    #[test]
    fn a_key_met_again_counts_as_the_real_run_counts_it() {
        let (mut dry, dir) = run();
        let path = dir.path().join("none.db");
        let mut a = dry.begin_input(&path, ConflictPolicy::Keep, meta("a", 10)).unwrap();
        assert_eq!(a.put(&obs(0, "0.002")).unwrap(), Class::New);
        // Within the input: its own earlier row.
        assert_eq!(a.put(&obs(0, "0.0020")).unwrap(), Class::Duplicate);
        assert_eq!(a.put(&obs(0, "0.003")).unwrap(), Class::Conflict { replaced: false });
        assert_eq!(a.commit().unwrap().counts, Counts { new: 1, duplicate: 1, conflict: 1, skipped: 0 });
        // A later input meets what the earlier one would have stored; the inverse is the same value.
        let mut b = dry.begin_input(&path, ConflictPolicy::Newest, meta("b", 20)).unwrap();
        let mut inverse = obs(0, "500");
        inverse.pair = "USD/KZT".parse().unwrap();
        assert_eq!(b.put(&inverse).unwrap(), Class::Duplicate);
        assert_eq!(b.put(&obs(0, "0.004")).unwrap(), Class::Conflict { replaced: true }, "observed later: newest replaces");
        b.commit().unwrap();
        let mut c = dry.begin_input(&path, ConflictPolicy::Newest, meta("c", 15)).unwrap();
        assert_eq!(c.put(&obs(0, "0.004")).unwrap(), Class::Duplicate, "b's value is what the run holds now");
        assert_eq!(c.put(&obs(0, "0.005")).unwrap(), Class::Conflict { replaced: false }, "observed before b: kept");
        assert!(!path.exists());
    }

    #[test]
    fn an_input_that_fails_leaves_nothing_behind() {
        let (mut dry, dir) = run();
        let path = dir.path().join("none.db");
        let mut a = dry.begin_input(&path, ConflictPolicy::Keep, meta("a", 10)).unwrap();
        a.put(&obs(0, "0.002")).unwrap();
        a.commit().unwrap();
        let mut b = dry.begin_input(&path, ConflictPolicy::Fail, meta("b", 10)).unwrap();
        assert_eq!(b.put(&obs(60, "0.002")).unwrap(), Class::New);
        let refused = b.put(&obs(0, "0.003")).unwrap_err();
        assert_eq!(refused.exit_code(), 3);
        drop(b);
        // b's new row was never stored: it is new again.
        let mut c = dry.begin_input(&path, ConflictPolicy::Keep, meta("c", 10)).unwrap();
        assert_eq!(c.put(&obs(60, "0.002")).unwrap(), Class::New);
    }
}
