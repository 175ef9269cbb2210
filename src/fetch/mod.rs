//! Fetching the built-in sources' documents over HTTP (DESIGN "fetch").
//!
//! - [`plan`]: which URLs a run asks: each source's unit (`sources/`) names
//!   its own for the current documents, one past day or a range;
//! - [`origin`]: a mirror or test server in place of a source's scheme,
//!   host and port (`FXSNAP_<SOURCE>_ORIGIN`, read by the command);
//! - [`http`]: the polite, bounded, retrying client;
//! - [`warc_write`]: appending every response to a WARC 1.1 archive;
//! - [`ingest`]: the store as the [`Sink`], through `intake`.
//!
//! [`run`] asks each URL in turn (one thread asks while the other stores
//! the previous answer) and hands every document to a [`Sink`]: one input
//! per response, named by the URL asked, observed at the response's `Date`.
//! This module decides what counts as a document of its source (status,
//! HTML where XML belongs, an answer its unit says means "none that day");
//! reading it is the sink's.

pub mod http;
pub mod ingest;
pub mod origin;
pub mod plan;
pub mod warc_write;

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::model::{Currency, Instant};
use crate::read::xml::looks_like_html;
use crate::read::Format;
use crate::store::{ConflictPolicy, Counts};
use crate::summary::Summary;
pub use plan::{Request, When};

/// One response given to the store: everything a reader needs, and the
/// request's own knowledge (NBKR's history page names no currency).
#[derive(Clone, Debug)]
pub struct FetchedDocument {
    /// The URL asked: the input's name.
    pub url: String,
    /// The source label (`nbk`).
    pub source: &'static str,
    /// The formats its request expects.
    pub expects: &'static [Format],
    /// The response's `Date` (else when it arrived).
    pub observed: Instant,
    pub body: Vec<u8>,
    /// The currency asked for (NBKR history, CBR dynamic).
    pub currency: Option<Currency>,
}

/// What storing one document gave.
#[derive(Clone, Debug, Default)]
pub struct Ingested {
    pub counts: Counts,
    /// The document's own date, when it has one.
    pub date: Option<NaiveDate>,
    /// The bank says it has no rates for that day: nothing stored.
    pub empty: bool,
}

/// Where fetched documents go: the store, in `commands::fetch`.
pub trait Sink {
    /// True when an input of this name was already ingested successfully.
    fn already_ingested(&mut self, url: &str) -> Result<bool>;
    /// Reads and stores one document in one transaction.
    fn ingest(&mut self, doc: &FetchedDocument, policy: ConflictPolicy) -> Result<Ingested>;
    /// Records a failed fetch (listed by `inputs --failed`).
    fn record_failure(&mut self, url: &str, source: &str, at: Instant, reason: &str) -> Result<()>;
    /// Records many failed fetches of one source with one reason (the
    /// requests not made to a host found unreachable).
    fn record_failures(&mut self, urls: &[&str], source: &str, at: Instant, reason: &str) -> Result<()> {
        urls.iter().try_for_each(|url| self.record_failure(url, source, at, reason))
    }
}

/// Typed `fetch` options.
pub struct Options {
    pub policy: ConflictPolicy,
    pub refetch: bool,
    pub archive: Option<std::path::PathBuf>,
    pub settings: http::Settings,
    pub quiet: bool,
}

/// Asks every request in turn and stores what comes back, reporting each
/// input to `summary` (the one `ingest` reports through). Err only for what
/// stops the run: the archive or the store cannot be written.
pub fn run(requests: &[Request], sink: &mut dyn Sink, opts: &Options, summary: &mut Summary) -> Result<()> {
    let mut archive = opts.archive.as_deref().map(warc_write::Archives::open).transpose()?;
    for note in archive.as_mut().map(warc_write::Archives::take_notes).unwrap_or_default() {
        summary.say(&note);
    }
    // Decided before the first request: a plan names each URL once.
    let mut todo = Vec::new();
    let mut already = 0;
    for req in requests {
        if req.dated && !opts.refetch && sink.already_ingested(&req.url)? {
            already += 1;
        } else {
            todo.push(req);
        }
    }
    if already > 0 {
        let s = if already == 1 { " was" } else { "s were" };
        summary.note(format!("{already} dated URL{s} ingested before: not asked again (--refetch asks)"));
    }
    let progress = crate::progress::Steps::new(opts.quiet, todo.len() as u64, "fetching");
    // One thread asks, one at a time and politely, while this one stores
    // the previous answer: a backfill's requests wait on the network while
    // its transactions wait on the disk, and neither waits for the other.
    // At most one answer waits in between (memory: two documents).
    let result = std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Fetched>(1);
        let todo_ref = &todo;
        let archive = &mut archive;
        let settings = opts.settings;
        scope.spawn(move || {
            let mut client = http::Client::new(settings);
            for (i, req) in todo_ref.iter().enumerate() {
                if let Some(why) = client.unreachable(&req.url) {
                    let got = Got::NotAsked(why.to_string());
                    if tx.send(Fetched { index: i, got, archive_failed: None, notes: Vec::new() }).is_err() {
                        return;
                    }
                    continue;
                }
                let mut archive_failed = None;
                let got = client.get(&req.url, &mut |resp| match archive.as_mut().map(|a| a.append(resp)) {
                    Some(Err(e)) => {
                        let why = e.to_string();
                        archive_failed = Some(e);
                        Err(why)
                    }
                    _ => Ok(()),
                });
                let stop = archive_failed.is_some();
                let notes = archive.as_mut().map(warc_write::Archives::take_notes).unwrap_or_default();
                if tx.send(Fetched { index: i, got: Got::Asked(got), archive_failed, notes }).is_err() || stop {
                    return;
                }
            }
        });
        let mut not_made = NotMade::default();
        for fetched in rx {
            if let Some(e) = fetched.archive_failed {
                // The archive is what a later `ingest` trusts: without it, stop.
                return Err(e);
            }
            for note in &fetched.notes {
                progress.suspend(|| summary.say(note));
            }
            let req = todo[fetched.index];
            progress.step(&req.url);
            match fetched.got {
                Got::Asked(got) => store_one(req, got, sink, opts.policy, summary, &progress)?,
                Got::NotAsked(why) => not_made.add(req, why),
            }
        }
        progress.suspend(|| not_made.report(sink, summary))
    });
    progress.finish();
    result
}

/// What the asking thread did with one request.
enum Got {
    /// Asked: the answer, or why there is none.
    Asked(std::result::Result<http::Response, String>),
    /// Not asked: its host could not be reached (why).
    NotAsked(String),
}

/// The requests not made because their host could not be reached, per
/// source in the order met, each source with the reason its host gave.
#[derive(Default)]
struct NotMade<'r> {
    per_source: Vec<(&'static str, String, Vec<&'r str>)>,
}

impl<'r> NotMade<'r> {
    fn add(&mut self, req: &'r Request, why: String) {
        match self.per_source.iter_mut().find(|(s, _, _)| *s == req.source) {
            Some((_, _, urls)) => urls.push(&req.url),
            None => self.per_source.push((req.source, why, vec![&req.url])),
        }
    }

    /// Records them as failed fetches (one transaction per source) and
    /// says one line per source.
    fn report(&self, sink: &mut dyn Sink, summary: &mut Summary) -> Result<()> {
        let now = Instant::now();
        let order = crate::sources::labels();
        let mut per_source: Vec<_> = self.per_source.iter().collect();
        per_source.sort_by_key(|(source, _, _)| order.iter().position(|l| l == source));
        for (source, why, urls) in per_source {
            sink.record_failures(urls, source, now, &format!("not asked: host unreachable ({why})"))?;
            summary.not_made(source, urls.len() as u64);
        }
        Ok(())
    }
}

/// One answer from the asking thread.
struct Fetched {
    index: usize,
    got: Got,
    /// The archive could not be written: the run stops.
    archive_failed: Option<Error>,
    /// Lines the archive has to say (a cut record another run left, removed).
    notes: Vec<String>,
}

/// Stores one answer (or records why it is not a document).
fn store_one(
    req: &Request,
    got: std::result::Result<http::Response, String>,
    sink: &mut dyn Sink,
    policy: ConflictPolicy,
    summary: &mut Summary,
    progress: &crate::progress::Steps,
) -> Result<()> {
    let result = match got.and_then(|resp| document(req, resp)) {
        Ok(Some(doc)) => sink.ingest(&doc, policy),
        Ok(None) => Ok(Ingested { empty: true, ..Ingested::default() }),
        Err(why) => Err(Error::invalid(one_line(&why))),
    };
    match result {
        Ok(done) if done.empty => summary.empty(),
        Ok(done) => {
            summary.stored(&done.counts);
            if let (Some(asked), Some(got)) = (req.asked_date, done.date) {
                if asked != got {
                    summary.note(format!("{}: asked for {asked}, the document is dated {got}: stored under {got}", req.url));
                }
            }
        }
        Err(e) => {
            sink.record_failure(&req.url, req.source, Instant::now(), &one_line(&e.to_string()))?;
            progress.suspend(|| summary.failed(&req.url, e));
        }
    }
    Ok(())
}

/// A response as a document of its source, `None` for an answer that says
/// there is none (CBT's Sunday 404), or the reason it is not one.
fn document(req: &Request, resp: http::Response) -> std::result::Result<Option<FetchedDocument>, String> {
    if crate::sources::builtin(req.source).is_some_and(|unit| unit.no_document(req.asked_date, resp.status)) {
        return Ok(None);
    }
    if resp.status != 200 {
        return Err(format!("HTTP {} {}", resp.status, resp.reason).trim_end().to_string());
    }
    if !req.expects.iter().any(|f| f.is_html_page()) && looks_like_html(&resp.body) {
        return Err(format!("an HTML page, not {}'s document", req.source));
    }
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Err(format!("an empty body, not {}'s document", req.source));
    }
    Ok(Some(FetchedDocument {
        url: req.url.clone(),
        source: req.source,
        expects: req.expects,
        observed: resp.observed(),
        body: resp.body,
        currency: req.currency,
    }))
}

/// A reason on one line (a server's message may hold line breaks).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The date the current documents are asked for: today, in UTC.
pub fn today() -> NaiveDate {
    Instant::now().datetime().date_naive()
}
