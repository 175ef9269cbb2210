//! `fxsnap ingest`: every input into the store, one transaction per input
//! (each response record of a WARC archive is an input of its own), with a
//! summary line. Each input is recorded with its size and SHA-256, hashed as
//! it is read (a CSV is streamed, never held), and observed at its file's
//! modification time (now for stdin; `WARC-Date` for an archived response).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::cli::IngestArgs;
use crate::dryrun::DryRun;
use crate::error::{Error, Result};
use crate::intake::{self, Digested, Document, Hashing, LazyStore, Options, Outcome};
use crate::model::Instant;
use crate::read::csv::CsvRows;
use crate::read::{self, Format};
use crate::store::{Counts, InputMeta};
use crate::summary::Summary;
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

pub fn run(db: &Path, args: &IngestArgs) -> Result<()> {
    let now = crate::timespec::now();
    let opts = Options {
        at: args.at.as_deref().map(|t| parse_time(t, End::Start, now)).transpose()?,
        source: crate::options::select::source_arg(args.source.as_ref().map(|s| s.to_ascii_lowercase()).as_deref())?,
        policy: args.on_conflict.policy(),
        now,
    };
    let inputs = expand_inputs(&args.inputs)?;
    let mut store = if args.dry_run {
        let out: Box<dyn std::io::Write> = Box::new(std::io::BufWriter::new(io::stdout()));
        LazyStore::dry_run(db, DryRun::new(args.verbose, out))
    } else {
        LazyStore::new(db)
    };
    let mut summary = Summary::new(opts.policy, args.quiet).dry_run(args.dry_run);
    for input in &inputs {
        ingest_one(&mut store, input, &opts, args.quiet, &mut summary);
        if store.dry().is_some_and(|d| d.closed()) {
            // `ingest --dry-run | head`: what was wanted has been read.
            return Err(Error::io("output", io::ErrorKind::BrokenPipe.into()));
        }
    }
    summary.finish()
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

/// Reads one input and stores it (a WARC archive: each response record),
/// reporting to the summary.
fn ingest_one(store: &mut LazyStore<'_>, input: &Input, opts: &Options, quiet: bool, summary: &mut Summary) {
    let name = input.name();
    let opened = match open(input) {
        Ok(o) => o,
        Err(e) => return summary.failed(&name, e),
    };
    let (reader, mtime) = opened;
    let digest = Digested::default();
    let hashing: Box<dyn Read> = Box::new(Hashing::new(reader, digest.clone()));
    let mut reader = BufReader::with_capacity(256 * 1024, hashing);
    let format = match reader
        .fill_buf()
        .map_err(|e| Error::io("cannot read it", e))
        .and_then(|head| read::sniff(&head[..head.len().min(read::SNIFF_BYTES)]))
    {
        Ok(f) => f,
        Err(e) => return summary.failed(&name, e),
    };
    let observed = mtime.unwrap_or(opts.now);
    match format {
        Format::Csv => match ingest_csv(store, &name, &digest, observed, reader, opts, quiet) {
            Ok(c) => summary.stored(&c),
            Err(e) => summary.failed(&name, e),
        },
        Format::Warc => ingest_warc(store, &name, reader, opts, summary),
        _ => {
            let mut bytes = Vec::new();
            if let Err(e) = reader.take(read::MAX_DOCUMENT_BYTES as u64 + 1).read_to_end(&mut bytes) {
                return summary.failed(&name, Error::io("cannot read it", e));
            }
            if bytes.len() > read::MAX_DOCUMENT_BYTES && format != Format::Ticker {
                return summary.failed(
                    &name,
                    Error::invalid(format!("is larger than the {} MiB a document may be: refused", read::MAX_DOCUMENT_BYTES >> 20)),
                );
            }
            let undated_at = match input {
                Input::Stdin => Some(opts.now),
                Input::File(_) => mtime,
            };
            let doc = Document { name: name.clone(), bytes: &bytes, observed, undated_at, currency: None };
            let outcome = intake::store_document(store, &doc, opts);
            report(store, summary, &name, outcome);
        }
    }
}

fn report(store: &mut LazyStore<'_>, summary: &mut Summary, name: &str, outcome: Result<Outcome>) {
    match outcome {
        Ok(Outcome::Stored { counts, .. }) => summary.stored(&counts),
        Ok(Outcome::Empty) => match store.dry().map(|d| d.empty(name)) {
            Some(Err(e)) => summary.failed(name, e),
            _ => summary.empty(),
        },
        Err(e) => summary.failed(name, e),
    }
}

/// The input's reader and modification time.
fn open(input: &Input) -> Result<(Box<dyn Read>, Option<Instant>)> {
    Ok(match input {
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
    })
}

/// Each response record of an archive is one input, named by its target URI
/// and observed at its `WARC-Date`; responses other than 200 (a Sunday's 404
/// kept by `fetch --archive`) are not documents and are passed over. A cut
/// last record fails the archive after the complete ones are stored.
fn ingest_warc(store: &mut LazyStore<'_>, name: &str, reader: impl Read, opts: &Options, summary: &mut Summary) {
    for record in read::warc::responses(reader) {
        let r = match record {
            Ok(r) => r,
            Err(e) => return summary.failed(name, e),
        };
        if r.status != 200 {
            continue;
        }
        let currency = crate::sources::currency_of_url(&r.target_uri);
        let doc = Document { name: r.target_uri.clone(), bytes: &r.body, observed: r.date, undated_at: Some(r.date), currency };
        let outcome = intake::store_document(store, &doc, opts);
        report(store, summary, &r.target_uri, outcome);
    }
}

fn ingest_csv(
    store: &mut LazyStore<'_>,
    name: &str,
    digest: &Digested,
    observed: Instant,
    reader: impl Read,
    opts: &Options,
    quiet: bool,
) -> Result<Counts> {
    let mut rows = CsvRows::new(reader, opts.source.clone())?;
    // Streamed: the digest is complete only after the last row.
    let meta = InputMeta { name: name.to_string(), size: 0, sha256: String::new(), reader: Format::Csv.name().to_string(), observed };
    let mut tx = store.begin_input(opts.policy, meta)?;
    let progress = crate::progress::Progress::new(quiet, name);
    // CSV rows carry their own timestamps: --at is for pages.
    while let Some(obs) = rows.next_observation()? {
        tx.put(&obs)?;
        progress.tick();
    }
    progress.finish();
    let (size, sha256) = digest.finish();
    tx.set_content(size, sha256);
    Ok(tx.commit()?.counts)
}
