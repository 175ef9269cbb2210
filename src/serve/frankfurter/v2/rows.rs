//! `query::rates`'s rows as v2 bodies: a JSON array, CSV (the `csv` crate)
//! or NDJSON, each row serialized from its type; a long answer streams
//! through the `Handover` as it is written. An empty answer says why in
//! `Answer::reason` (the server's `X-Fxsnap-Reason`) when the store's
//! newest rate of what was asked is too old.

use std::io::Write;

use chrono::{Duration, NaiveDate};

use super::super::body::{exact, V2CsvRow, V2ProviderRate, V2Rate};
use super::Refusal;
use crate::error::Error;
use crate::query::rates::{RateQuery, RateRow, Scope};
use crate::serve::answer::{Answer, CacheKind, JSON};
use crate::serve::answer::{Handover, Spill};
use crate::store::Store;

/// How rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Csv,
    Ndjson,
}

/// `text/csv` of `/v2/rates.csv` and `Accept: text/csv`.
pub(crate) const CSV: &str = "text/csv; charset=utf-8";
/// NDJSON of `Accept: application/x-ndjson`.
pub(crate) const NDJSON: &str = "application/x-ndjson";

impl Format {
    /// `/rates.csv`, else by `Accept` (CSV first, then NDJSON, else JSON).
    pub(crate) fn asked(csv_path: bool, accept: &str) -> Format {
        if csv_path || accept.contains("text/csv") {
            Format::Csv
        } else if accept.contains(NDJSON) {
            Format::Ndjson
        } else {
            Format::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Csv => CSV,
            Format::Ndjson => NDJSON,
        }
    }
}

/// The identity row's rate.
const ONE: &str = "1.0";

/// A row as JSON: `{"date","base","quote","rate"}`, with `providers` when expanded.
pub(super) fn json_row(row: &RateRow, expand: bool) -> V2Rate {
    let providers = (expand && row.rate.is_some()).then(|| {
        row.providers
            .iter()
            .map(|p| V2ProviderRate {
                key: p.source.as_str().to_ascii_uppercase(),
                date: p.date.to_string(),
                rate: exact(p.rate),
                excluded: p.excluded,
            })
            .collect()
    });
    let rate = match row.rate {
        Some(r) => exact(r),
        None => ONE.parse().unwrap_or_else(|_| serde_json::Number::from(1)),
    };
    V2Rate { date: row.date.to_string(), base: row.base.to_string(), quote: row.quote.to_string(), rate, providers }
}

/// A row as CSV; `providers` (with `expand`) as `KEY:rate` cells joined by `|`, `*` marking an excluded one.
fn csv_row(row: &RateRow, expand: bool) -> V2CsvRow<'_> {
    let providers = expand.then(|| {
        let cells: Vec<String> = row
            .providers
            .iter()
            .map(|p| format!("{}:{}{}", p.source.as_str().to_ascii_uppercase(), p.rate, if p.excluded { "*" } else { "" }))
            .collect();
        cells.join("|")
    });
    let rate = row.rate.map_or_else(|| ONE.to_string(), |r| r.to_string());
    V2CsvRow { date: row.date.to_string(), base: row.base.as_str(), quote: row.quote.as_str(), rate, providers }
}

/// How much is written before it is handed to the body.
const BATCH: usize = 16 * 1024;

/// The rows of `q` in `format`; a long answer streams through `to`.
pub(super) fn answer(
    q: &RateQuery,
    store: &Store,
    today: NaiveDate,
    format: Format,
    cache: CacheKind,
    to: Option<&Handover>,
) -> Result<Answer, Refusal> {
    let content_type = format.content_type();
    let mut body = match to {
        Some(h) => h.writer(content_type, cache),
        None => Spill::whole(content_type, cache),
    };
    let mut n = 0usize;
    match format {
        Format::Csv => {
            // The csv crate's own buffer hands the body its bytes as it fills.
            let mut csv = csv::WriterBuilder::new().has_headers(false).from_writer(&mut body);
            let head: &[&str] = if q.expand { &["date", "base", "quote", "rate", "providers"] } else { &["date", "base", "quote", "rate"] };
            csv.write_record(head).map_err(csv_error)?;
            q.each(store, |row| {
                n += 1;
                csv.serialize(csv_row(&row, q.expand)).map_err(csv_error)
            })?;
            csv.flush().map_err(Error::from)?;
        }
        Format::Json | Format::Ndjson => {
            let mut out = Vec::new();
            if format == Format::Json {
                out.push(b'[');
            }
            q.each(store, |row| {
                if format == Format::Json && n > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, &json_row(&row, q.expand)).map_err(|e| Error::from(std::io::Error::from(e)))?;
                if format == Format::Ndjson {
                    out.push(b'\n');
                }
                n += 1;
                if out.len() >= BATCH {
                    body.write_all(&out)?;
                    out.clear();
                }
                Ok(())
            })?;
            if format == Format::Json {
                out.push(b']');
            }
            body.write_all(&out).map_err(Error::from)?;
        }
    }
    let body = body.finish().map_err(Error::from)?;
    let reason = if n == 0 { why_empty(q, store, today)? } else { None };
    Ok(Answer { status: 200, content_type, body, cache, reason })
}

/// Why `q` has no rows, when the store's newest rate of what it asks is
/// more than 14 days before the day asked (the latest day looks at
/// tomorrow; today is named when the rule holds of it too).
pub(super) fn why_empty(q: &RateQuery, store: &Store, today: NaiveDate) -> Result<Option<String>, Error> {
    let latest = q.scope == Scope::Day(today + Duration::days(1));
    Ok(q.stale(store)?.map(|s| if latest { s.of_latest(today) } else { s }.to_string()))
}

fn csv_error(e: csv::Error) -> Error {
    Error::from(std::io::Error::other(e))
}
