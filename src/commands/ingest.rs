//! `fxsnap ingest`: ticker pages and CSV files into the store, one
//! transaction per input, with a summary line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::cli::IngestArgs;
use crate::csvio::{self, CsvRows};
use crate::error::{exit, Error, Result};
use crate::model::{Instant, Observation, Source};
use crate::store::{ConflictPolicy, Counts, Store};
use crate::ticker::{self, DateLine};
use crate::timespec::{parse_time, End};

/// One input as named on the command line (folders already expanded).
#[derive(Clone, Debug)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "-".into(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// Typed ingest options, built before any work.
struct Options {
    at: Option<Instant>,
    source: Option<Source>,
    policy: ConflictPolicy,
    quiet: bool,
}

pub fn run(db: &Path, args: &IngestArgs) -> Result<()> {
    let opts = Options {
        at: args.at.as_deref().map(|t| parse_time(t, End::Start, crate::timespec::now())).transpose()?,
        source: crate::cli::source_arg(args.source.as_deref())?,
        policy: args.on_conflict,
        quiet: args.quiet,
    };
    let inputs = expand_inputs(&args.inputs)?;
    // Opened at the first input that has something to store, so a run whose
    // inputs all fail leaves no new database behind.
    let mut store = LazyStore { path: db, store: None };

    let mut total = Counts::default();
    let mut failed: Vec<(String, Error)> = Vec::new();
    for input in &inputs {
        match ingest_one(&mut store, input, &opts) {
            Ok(c) => total.add(&c),
            Err(e) => {
                if e.exit_code() == exit::CONFLICT_REFUSED {
                    // The refused value is a conflict too: count it.
                    total.conflict += 1;
                }
                if !opts.quiet {
                    eprintln!("fxsnap: {}: {e}", input.name());
                }
                failed.push((input.name(), e));
            }
        }
    }
    if !opts.quiet {
        let conflict_word = if total.conflict == 1 { "conflict" } else { "conflicts" };
        let how = match opts.policy {
            ConflictPolicy::Keep => " (kept)",
            ConflictPolicy::Replace => " (replaced)",
            ConflictPolicy::Fail => " (refused)",
        };
        eprintln!(
            "fxsnap: {} input{}, {} rate{}: {} new, {} duplicate, {} {}{}; {} failed",
            inputs.len(),
            plural(inputs.len() as u64),
            total.rates(),
            plural(total.rates()),
            total.new,
            total.duplicate,
            total.conflict,
            conflict_word,
            if total.conflict > 0 { how } else { "" },
            failed.len()
        );
    }
    if failed.is_empty() {
        return Ok(());
    }
    let code =
        [exit::USAGE, exit::CONFLICT_REFUSED].into_iter().find(|c| failed.iter().any(|(_, e)| e.exit_code() == *c)).unwrap_or(exit::ERROR);
    // Under -q the reasons were not printed yet: an error must never be silent.
    let detail = if opts.quiet { failed.iter().map(|(n, e)| format!("{n}: {e}")).collect::<Vec<_>>().join("\n") } else { String::new() };
    Err(Error::Summary(detail, code))
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Files and folders to a list of inputs: a folder gives every file below
/// it in path order (hidden files and folders skipped); no input means stdin.
pub fn expand_inputs(raw: &[PathBuf]) -> Result<Vec<Input>> {
    if raw.is_empty() {
        return Ok(vec![Input::Stdin]);
    }
    let mut out = Vec::new();
    for p in raw {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            out.extend(files.into_iter().map(Input::File));
        } else {
            out.push(Input::File(p.clone()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("cannot read the folder {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("cannot read the folder {}", dir.display()), e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

struct LazyStore<'a> {
    path: &'a Path,
    store: Option<Store>,
}

impl LazyStore<'_> {
    fn get(&mut self) -> Result<&mut Store> {
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open_for_write(self.path)?,
        };
        Ok(self.store.insert(store))
    }
}

/// Reads, parses and stores one input in one transaction.
fn ingest_one(store: &mut LazyStore<'_>, input: &Input, opts: &Options) -> Result<Counts> {
    let (reader, mtime): (Box<dyn Read>, Option<Instant>) = match input {
        Input::Stdin => (Box::new(io::stdin().lock()), None),
        Input::File(p) => {
            let f = File::open(p).map_err(|e| Error::io("cannot open it", e))?;
            let meta = f.metadata().map_err(|e| Error::io("cannot read it", e))?;
            if meta.is_dir() {
                return Err(Error::invalid("is a folder"));
            }
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| Instant::from_unix(d.as_secs() as i64));
            (Box::new(f), mtime)
        }
    };
    let mut reader = BufReader::with_capacity(256 * 1024, reader);
    let first_line = peek_first_line(&mut reader).map_err(|e| Error::io("cannot read it", e))?;
    if csvio::is_header(&first_line) {
        ingest_csv(store, input, reader, opts)
    } else {
        ingest_page(store, input, reader, mtime, opts)
    }
}

/// The first line of the buffered input, without consuming it.
fn peek_first_line(reader: &mut BufReader<Box<dyn Read>>) -> io::Result<String> {
    let buf = reader.fill_buf()?;
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
}

fn ingest_page(store: &mut LazyStore<'_>, input: &Input, reader: impl Read, mtime: Option<Instant>, opts: &Options) -> Result<Counts> {
    let mut bytes = Vec::new();
    reader.take(ticker::MAX_PAGE_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| Error::io("cannot read it", e))?;
    if bytes.is_empty() {
        return Err(Error::invalid("is empty: no ticker"));
    }
    if bytes.len() > ticker::MAX_PAGE_BYTES {
        // Said here, where the input's size is known to be over (not equal to) the limit.
        return Err(Error::invalid(format!(
            "is larger than the {} MiB a ticker page may be, and is not CSV (no '{}' header): refused",
            ticker::MAX_PAGE_BYTES / (1024 * 1024),
            csvio::HEADER
        )));
    }
    let text = String::from_utf8_lossy(&bytes);
    let page = ticker::read_page(&text)?;
    let at = match (opts.at, &page.date_line, input) {
        (Some(at), _, _) => at,
        (None, Some(DateLine::Date(d)), _) => Instant::start_of_day(*d),
        (None, Some(DateLine::Impossible(s)), _) => {
            return Err(Error::invalid(format!("the date line '{s}' names no real day (give --at to ingest it)")));
        }
        (None, None, Input::File(_)) => mtime.ok_or_else(|| Error::invalid("has no date line and no modification time; give --at"))?,
        (None, None, Input::Stdin) => crate::timespec::now(),
    };
    crate::timespec::refuse_far_future(at, crate::timespec::now())?;
    let source = match &opts.source {
        Some(s) => s.clone(),
        None => "timesca".parse()?,
    };
    let mut tx = store.get()?.begin_input(opts.policy, &input.name())?;
    for q in page.quotes {
        let obs = Observation { source: source.clone(), pair: q.pair, at, rate: q.rate, change: q.change };
        tx.put(&obs)?;
    }
    tx.commit()
}

fn ingest_csv(store: &mut LazyStore<'_>, input: &Input, reader: impl Read, opts: &Options) -> Result<Counts> {
    let mut rows = CsvRows::new(reader, opts.source.clone())?;
    let mut tx = store.get()?.begin_input(opts.policy, &input.name())?;
    let progress = crate::progress::Progress::new(opts.quiet, &input.name());
    // CSV rows carry their own timestamps: --at is for pages.
    while let Some(obs) = rows.next_observation()? {
        tx.put(&obs)?;
        progress.tick();
    }
    progress.finish();
    tx.commit()
}
