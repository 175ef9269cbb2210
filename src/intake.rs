//! One document into the store: the bytes of a ticker page, a bank's
//! document or a small CSV, read by the reader its content asks for and
//! stored in one transaction with its provenance. Files (`ingest`), WARC
//! records and HTTP responses (`fetch`) all come through here.

use std::cell::RefCell;
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

use sha2::{Digest, Sha256};

use crate::dryrun::{DryInput, DryRun};
use crate::error::{Error, Result};
use crate::model::{Currency, Instant, Observation, Source};
use crate::read::bank::BankDocument;
use crate::read::csv::CsvRows;
use crate::read::ticker::{self, DateLine};
use crate::read::{self, Format};
use crate::sources;
use crate::store::{Committed, ConflictPolicy, Counts, InputMeta, InputTx, Store};
use crate::timespec::refuse_far_future;

/// Opened at the first input that has something to store, so a run whose
/// inputs all fail leaves no new database behind. A dry run's (see
/// `dryrun`) never opens the store for writing: it classifies instead.
pub struct LazyStore<'a> {
    path: &'a Path,
    store: Option<Store>,
    dry: Option<DryRun>,
}

impl<'a> LazyStore<'a> {
    pub fn new(path: &'a Path) -> LazyStore<'a> {
        LazyStore { path, store: None, dry: None }
    }

    /// A store that is read, never written or created: `ingest --dry-run`.
    pub fn dry_run(path: &'a Path, dry: DryRun) -> LazyStore<'a> {
        LazyStore { path, store: None, dry: Some(dry) }
    }

    /// The store opened for writing (refused in a dry run).
    pub fn get(&mut self) -> Result<&mut Store> {
        if self.dry.is_some() {
            return Err(Error::Database {
                path: self.path.display().to_string(),
                message: "is not opened for writing by a dry run".into(),
            });
        }
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open_for_write(self.path)?,
        };
        Ok(self.store.insert(store))
    }

    /// The store, when it exists already (nothing is created).
    pub fn existing(&mut self) -> Result<Option<&mut Store>> {
        if self.store.is_none() && self.path.exists() {
            return self.get().map(Some);
        }
        Ok(self.store.as_mut())
    }

    /// The dry run, when this is one.
    pub fn dry(&mut self) -> Option<&mut DryRun> {
        self.dry.as_mut()
    }

    /// Starts one input: its write transaction, or in a dry run its classification.
    pub fn begin_input(&mut self, policy: ConflictPolicy, meta: InputMeta) -> Result<InputWriter<'_>> {
        let LazyStore { path, store, dry } = self;
        if let Some(dry) = dry {
            return Ok(InputWriter::Dry(dry.begin_input(path, policy, meta)?));
        }
        let store = match store.take() {
            Some(s) => store.insert(s),
            None => store.insert(Store::open_for_write(path)?),
        };
        Ok(InputWriter::Write(store.begin_input(policy, meta)?))
    }
}

/// Where one input's rows go: its write transaction, or a dry run's
/// classification. Every reader puts its rows through this, so a dry run
/// reads and counts exactly as the real run stores.
pub enum InputWriter<'a> {
    Write(InputTx<'a>),
    Dry(DryInput<'a>),
}

impl InputWriter<'_> {
    pub fn put(&mut self, obs: &Observation) -> Result<()> {
        match self {
            InputWriter::Write(tx) => tx.put(obs),
            InputWriter::Dry(d) => d.put(obs).map(|_| ()),
        }
    }

    pub fn skipped(&mut self, n: u64) {
        match self {
            InputWriter::Write(tx) => tx.skipped(n),
            InputWriter::Dry(d) => d.skipped(n),
        }
    }

    pub fn set_content(&mut self, size: u64, sha256: String) {
        match self {
            InputWriter::Write(tx) => tx.set_content(size, sha256),
            InputWriter::Dry(d) => d.set_content(size, sha256),
        }
    }

    pub fn commit(self) -> Result<Committed> {
        match self {
            InputWriter::Write(tx) => tx.commit(),
            InputWriter::Dry(d) => d.commit(),
        }
    }
}

/// How a run stores what it reads.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--at`: the timestamp of ticker pages.
    pub at: Option<Instant>,
    /// `--source`: the source of ticker pages and of CSV without a source column.
    pub source: Option<Source>,
    pub policy: ConflictPolicy,
    /// The clock, read once per run (far-future dates are refused against it).
    pub now: Instant,
}

/// One document as received.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    /// Path, `-` or URL.
    pub name: String,
    pub bytes: &'a [u8],
    /// When its content was seen: an HTTP `Date`, `WARC-Date`, a file's
    /// modification time, or now for standard input.
    pub observed: Instant,
    /// The timestamp of a ticker page without a date line (None: such a
    /// page is refused and needs `--at`).
    pub undated_at: Option<Instant>,
    /// A currency the request named (NBKR's history page names none itself).
    pub currency: Option<Currency>,
}

/// What storing one document did.
#[derive(Clone, Debug)]
pub enum Outcome {
    Stored {
        counts: Counts,
        date: Option<chrono::NaiveDate>,
    },
    /// A bank's reply that it has no rates for the day: nothing stored.
    Empty,
}

/// Lower-case hex SHA-256 of a document's bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads one document by its content and stores it in one transaction.
pub fn store_document(store: &mut LazyStore<'_>, doc: &Document<'_>, opts: &Options) -> Result<Outcome> {
    let head = &doc.bytes[..doc.bytes.len().min(read::SNIFF_BYTES)];
    let format = match sources::by_request(head) {
        Some(page) => Format::Bank(page),
        None => read::sniff(head)?,
    };
    if let Format::Bank(bank) = format {
        if bank.by_request && doc.currency.is_none() {
            // Its reader says why it cannot be read alone.
            sources::read_bank(bank, doc.bytes, None)?;
        }
        if opts.source.is_some() {
            return Err(Error::Usage(format!(
                "--source names the source of ticker pages and CSV; this is a {} document, always stored as its bank's",
                format.name()
            )));
        }
        let bank = sources::read_bank(bank, doc.bytes, doc.currency)?;
        return store_bank(store, doc, &bank, opts);
    }
    match format {
        Format::Csv => {
            let mut rows = CsvRows::new(doc.bytes, opts.source.clone())?;
            let mut tx = store.begin_input(opts.policy, meta(doc, format))?;
            // CsvRows refuses a row dated far ahead itself, as for a streamed CSV.
            while let Some(obs) = rows.next_observation()? {
                tx.put(&obs)?;
            }
            Ok(Outcome::Stored { counts: tx.commit()?.counts, date: None })
        }
        Format::Warc => Err(Error::invalid("is a WARC archive inside an archive or a response: not read")),
        _ => store_page(store, doc, opts),
    }
}

fn meta(doc: &Document<'_>, format: Format) -> InputMeta {
    InputMeta {
        name: doc.name.clone(),
        size: doc.bytes.len() as u64,
        sha256: sha256_hex(doc.bytes),
        reader: format.name().to_string(),
        observed: doc.observed,
    }
}

fn store_bank(store: &mut LazyStore<'_>, doc: &Document<'_>, bank: &BankDocument, opts: &Options) -> Result<Outcome> {
    if bank.is_empty_day() {
        return Ok(Outcome::Empty);
    }
    for obs in &bank.rows {
        refuse_far_future(obs.at, opts.now)?;
    }
    let mut tx = store.begin_input(opts.policy, meta(doc, bank.format))?;
    for obs in &bank.rows {
        tx.put(obs)?;
    }
    tx.skipped(bank.skipped.len() as u64);
    Ok(Outcome::Stored { counts: tx.commit()?.counts, date: bank.date })
}

fn store_page(store: &mut LazyStore<'_>, doc: &Document<'_>, opts: &Options) -> Result<Outcome> {
    if doc.bytes.is_empty() {
        return Err(Error::invalid("is empty: no ticker"));
    }
    if doc.bytes.len() > ticker::MAX_PAGE_BYTES {
        return Err(Error::invalid(format!(
            "is larger than the {} MiB a ticker page may be, and is not CSV (no '{}' header): refused",
            ticker::MAX_PAGE_BYTES / (1024 * 1024),
            read::csv::HEADER
        )));
    }
    let text = String::from_utf8_lossy(doc.bytes);
    let page = ticker::read_page(&text)?;
    let at = match (opts.at, &page.date_line) {
        (Some(at), _) => at,
        (None, Some(DateLine::Date(d))) => Instant::start_of_day(*d),
        (None, Some(DateLine::Impossible(s))) => {
            return Err(Error::invalid(format!("the date line '{s}' names no real day (give --at to ingest it)")));
        }
        (None, None) => doc.undated_at.ok_or_else(|| Error::invalid("has no date line and no modification time; give --at"))?,
    };
    refuse_far_future(at, opts.now)?;
    let source = match &opts.source {
        Some(s) => s.clone(),
        None => "timesca".parse()?,
    };
    let mut tx = store.begin_input(opts.policy, meta(doc, Format::Ticker))?;
    for q in page.quotes {
        tx.put(&Observation { source: source.clone(), pair: q.pair, at, rate: q.rate, change: q.change })?;
    }
    Ok(Outcome::Stored { counts: tx.commit()?.counts, date: None })
}

/// The size and SHA-256 of what a reader has read so far, shared with the
/// code that asks for them once the input is read.
#[derive(Clone, Default)]
pub struct Digested(Rc<RefCell<(Sha256, u64)>>);

impl Digested {
    /// Size in bytes and lower-case hex SHA-256 of everything read so far.
    pub fn finish(&self) -> (u64, String) {
        let state = self.0.borrow();
        let hex: String = state.0.clone().finalize().iter().map(|b| format!("{b:02x}")).collect();
        (state.1, hex)
    }
}

/// A reader that hashes what passes through it.
pub struct Hashing<R> {
    inner: R,
    digest: Digested,
}

impl<R> Hashing<R> {
    /// `inner`, its bytes counted and hashed into `digest`.
    pub fn new(inner: R, digest: Digested) -> Hashing<R> {
        Hashing { inner, digest }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.digest.0.borrow_mut();
        state.0.update(&buf[..n]);
        state.1 += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_the_hex_digest_sha256sum_prints() {
        // `printf abc | sha256sum`
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
