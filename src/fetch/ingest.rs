//! From a fetched response to stored observations, through `intake` (the
//! one path every document takes into the store): one input named by the
//! URL asked, observed at the response's `Date`, its reader chosen by the
//! content and checked against the source asked (NBKR's history page by the
//! request's currency). A ticker page without a date line is dated by the
//! response's `Date`.

use std::path::Path;

use super::{FetchedDocument, Ingested, Kind, Sink};
use crate::error::{Error, Result};
use crate::intake::{self, Document, LazyStore, Outcome};
use crate::model::Instant;
use crate::read::{self, Format};
use crate::store::ConflictPolicy;

/// The formats a request's response may be (NBKR's history page is told by
/// its request, not sniffed).
fn expected(kind: Kind) -> &'static [Format] {
    match kind {
        Kind::Ticker => &[Format::Ticker],
        Kind::Nbk => &[Format::Nbk],
        Kind::NbkrDaily | Kind::NbkrWeekly => &[Format::NbkrDaily, Format::NbkrWeekly],
        Kind::NbkrHistory => &[Format::NbkrHistory],
        Kind::Cbu => &[Format::Cbu],
        Kind::Nbt => &[Format::Nbt],
        Kind::Cbt => &[Format::Cbt],
        Kind::CbrDaily => &[Format::CbrDaily],
        Kind::CbrDynamic => &[Format::CbrDynamic],
    }
}

/// Refuses a response that is another source's document (a mirror
/// answering with the wrong file, a portal page): it is not read at all.
pub fn check_kind(doc: &FetchedDocument) -> Result<()> {
    if doc.kind == Kind::NbkrHistory {
        return Ok(());
    }
    let head = &doc.body[..doc.body.len().min(read::SNIFF_BYTES)];
    let format = read::sniff(head).map_err(|e| Error::invalid(format!("not {}'s document: it {e}", doc.source)))?;
    if !expected(doc.kind).contains(&format) {
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
        if doc.kind == Kind::NbkrHistory && !doc.body.windows(11).any(|w| w == b"<!--date-->") {
            // A range without rates gives the page without rows.
            return if super::looks_like_html(&doc.body) {
                Ok(Ingested { empty: true, ..Ingested::default() })
            } else {
                Err(Error::invalid("not nbkr's history page (no <!--date--> rows, and not HTML)"))
            };
        }
        let document = Document {
            name: doc.url.clone(),
            bytes: &doc.body,
            observed: doc.observed,
            undated_at: Some(doc.observed),
            currency: if doc.kind == Kind::NbkrHistory { doc.currency } else { None },
        };
        let opts = intake::Options { at: None, source: None, policy, now: self.now };
        Ok(match intake::store_document(&mut self.store, &document, &opts)? {
            Outcome::Stored { counts, date, .. } => Ingested { counts, date, empty: false },
            Outcome::Empty { .. } => Ingested { empty: true, ..Ingested::default() },
        })
    }

    fn record_failure(&mut self, url: &str, source: &str, at: Instant, reason: &str) -> Result<()> {
        self.store.get()?.record_fetch_failure(url, source, at, reason)
    }
}
