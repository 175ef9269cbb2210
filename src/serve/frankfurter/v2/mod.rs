//! Frankfurter v2 (`/v2/...`): `/rates` (JSON, CSV by `/rates.csv` or
//! `Accept: text/csv`, NDJSON by `Accept: application/x-ndjson`),
//! `/rate/{base}/{quote}`, `/currencies`, `/currency/{code}`, `/providers`
//! (its OpenAPI document, `/v2/openapi.json`, is the router's: `super::openapi`).
//! The rows are `query::rates`'s (Frankfurter's `RateQuery`): this module
//! parses the parameters (`params`), asks the query and serializes its rows
//! (`rows`); `meta` answers the currencies and providers. fxsnap's sources
//! are the providers (`NBK`, `CBR`, ...); rates are exact decimals.

mod meta;
pub(super) mod params;
mod rows;

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::body::{to_json, V2Error};
use crate::model::Source;
use crate::serve::answer::Handover;
use crate::serve::answer::{Answer, CacheKind};
use crate::sources;
use crate::store::Store;

/// A v2 answer.
pub(crate) fn v2(
    path: &str,
    query: &[(String, String)],
    accept: Option<&str>,
    store: &Store,
    today: NaiveDate,
    prefer: &[Source],
    to: Option<&Handover>,
) -> Answer {
    match answer(path, query, accept, store, today, prefer, to) {
        Ok(a) => a,
        Err(Refusal::Status(status, why)) => error(status, &why),
        Err(Refusal::Store(e)) => error(503, &e.to_string()),
    }
}

/// `{"status":N,"message":"…"}`, never cached.
fn error(status: u16, message: &str) -> Answer {
    Answer::json(status, to_json(&V2Error { status, message: message.to_string() }), CacheKind::NoStore)
}

enum Refusal {
    Status(u16, String),
    Store(crate::error::Error),
}

impl From<crate::error::Error> for Refusal {
    fn from(e: crate::error::Error) -> Refusal {
        Refusal::Store(e)
    }
}

fn invalid(why: impl Into<String>) -> Refusal {
    Refusal::Status(422, why.into())
}

fn not_found() -> Refusal {
    Refusal::Status(404, "not found".into())
}

fn answer(
    path: &str,
    query: &[(String, String)],
    accept: Option<&str>,
    store: &Store,
    today: NaiveDate,
    prefer: &[Source],
    to: Option<&Handover>,
) -> Result<Answer, Refusal> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["rates"] | ["rates.csv"] => {
            let format = rows::Format::asked(segments[0] == "rates.csv", accept.unwrap_or(""));
            let (q, cache) = params::rate_query(query, store, today, prefer)?;
            rows::answer(&q, store, today, format, cache, to)
        }
        ["rate", base, quote] => {
            let mut params: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "base" && k != "quotes").cloned().collect();
            params.push(("base".into(), base.to_ascii_uppercase()));
            params.push(("quotes".into(), quote.to_ascii_uppercase()));
            let (q, cache) = params::rate_query(&params, store, today, prefer)?;
            match q.first(store)? {
                Some(row) => Ok(Answer::json(200, to_json(&rows::json_row(&row, q.expand)), cache)),
                None => {
                    let mut a = error(404, "not found");
                    a.reason = rows::why_empty(&q, store, today)?;
                    Ok(a)
                }
            }
        }
        ["currencies"] => meta::currencies(query, store, prefer),
        ["currency", code] => meta::currency(query, code, store, prefer),
        ["providers"] => {
            no_params(query, &[])?;
            meta::providers(store)
        }
        _ => Err(not_found()),
    }
}

/// 422 for a parameter not in `allowed`.
fn no_params(query: &[(String, String)], allowed: &[&str]) -> Result<(), Refusal> {
    let mut unknown: Vec<&str> = Vec::new();
    for (k, _) in query {
        if !allowed.contains(&k.as_str()) && !unknown.contains(&k.as_str()) {
            unknown.push(k);
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!("unknown parameter: {}", unknown.join(", "))))
    }
}

/// The sources `providers=` names, lower-cased: each a built-in source (or
/// NBU), or one the store holds.
fn named_providers(list: &str, store: &Store) -> Result<Vec<Source>, Refusal> {
    let held: BTreeSet<String> = store.series()?.into_iter().map(|s| s.source.as_str().to_ascii_lowercase()).collect();
    let mut out: Vec<Source> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for name in list.split(',') {
        let label = name.trim().to_ascii_lowercase();
        match label.parse::<Source>() {
            Ok(s) if held.contains(&label) || sources::builtin(&label).is_some() || label == "nbu" => {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            _ => unknown.push(name.to_ascii_uppercase()),
        }
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(invalid(format!("invalid provider: {}", unknown.join(","))))
    }
}
