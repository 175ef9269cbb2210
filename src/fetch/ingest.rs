//! From a fetched response to stored observations, through `intake` (the
//! one path every document takes into the store): one input named by the
//! URL asked, observed at the response's `Date`, its reader chosen by the
//! content and checked against the source asked (NBKR's history page by the
//! request's currency). A ticker page without a date line is dated by the
//! response's `Date`.

use std::path::Path;

use super::{FetchedDocument, Ingested, Sink};
use crate::error::{Error, Result};
use crate::intake::{self, Document, LazyStore, Outcome};
use crate::model::Instant;
use crate::read::{self, BankFormat, Format};
use crate::store::ConflictPolicy;

/// The page its request names, when the answer is one (NBKR's history page
/// is told by its request, not sniffed).
fn by_request(doc: &FetchedDocument) -> Option<BankFormat> {
    doc.expects.iter().find_map(|f| match f {
        Format::Bank(b) if b.by_request => Some(*b),
        _ => None,
    })
}

/// Refuses a response that is another source's document (a mirror
/// answering with the wrong file, a portal page): it is not read at all.
pub fn check_kind(doc: &FetchedDocument) -> Result<()> {
    if by_request(doc).is_some() {
        return Ok(());
    }
    let head = &doc.body[..doc.body.len().min(read::SNIFF_BYTES)];
    let format = read::sniff(head).map_err(|e| Error::invalid(format!("not {}'s document: it {e}", doc.source)))?;
    if !doc.expects.contains(&format) {
        return Err(Error::invalid(format!("not {}'s document: it reads as {}", doc.source, format.name())));
    }
    Ok(())
}

/// The store as `fetch`'s sink: opened (and created) at the first write.
pub struct StoreSink<'a> {
    store: LazyStore<'a>,
    path: &'a Path,
    /// For `--dry-run`: a store opened for reading only.
    read_only: Option<crate::store::Store>,
    now: Instant,
}

impl<'a> StoreSink<'a> {
    pub fn new(path: &'a Path) -> StoreSink<'a> {
        StoreSink { store: LazyStore::new(path), path, read_only: None, now: Instant::now() }
    }

    /// For `--dry-run`: reads an existing store, never creates or upgrades one.
    pub fn has_read_only(&mut self, url: &str) -> Result<bool> {
        if self.read_only.is_none() {
            if !self.path.exists() {
                return Ok(false);
            }
            self.read_only = Some(crate::store::Store::open_existing(self.path)?);
        }
        self.read_only.as_ref().map_or(Ok(false), |s| s.has_input(url))
    }
}

impl Sink for StoreSink<'_> {
    fn already_ingested(&mut self, url: &str) -> Result<bool> {
        match self.store.existing()? {
            Some(store) => store.has_input(url),
            None => Ok(false),
        }
    }

    fn ingest(&mut self, doc: &FetchedDocument, policy: ConflictPolicy) -> Result<Ingested> {
        check_kind(doc)?;
        let page = by_request(doc);
        if let Some(unit) = page.and_then(|p| crate::sources::builtin(p.source)) {
            if let Some(without_rows) = unit.page_without_rows(&doc.body) {
                return without_rows.map(|()| Ingested { empty: true, ..Ingested::default() });
            }
        }
        let document = Document {
            name: doc.url.clone(),
            bytes: &doc.body,
            observed: doc.observed,
            undated_at: Some(doc.observed),
            currency: if page.is_some() { doc.currency } else { None },
        };
        let opts = intake::Options { at: None, source: None, policy, now: self.now };
        Ok(match intake::store_document(&mut self.store, &document, &opts)? {
            Outcome::Stored { counts, date, .. } => Ingested { counts, date, empty: false },
            Outcome::Empty => Ingested { empty: true, ..Ingested::default() },
        })
    }

    fn record_failure(&mut self, url: &str, source: &str, at: Instant, reason: &str) -> Result<()> {
        self.store.get()?.record_fetch_failure(url, source, at, reason)
    }

    fn record_failures(&mut self, urls: &[&str], source: &str, at: Instant, reason: &str) -> Result<()> {
        self.store.get()?.record_fetch_failures(urls, source, at, reason)
    }
}
