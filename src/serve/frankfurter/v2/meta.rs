//! v2's answers about the store rather than rates: `/currencies`,
//! `/currency/{code}` and `/providers`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::super::body::{to_json, V2Currency, V2Provider};
use super::super::{names, param, prefer_rule};
use super::{invalid, named_providers, no_params, not_found, Refusal};
use crate::model::{Currency, Source};
use crate::query::reference::{ReferenceRates, Rule};
use crate::serve::answer::{Answer, CacheKind};
use crate::sources;
use crate::store::Store;

/// The first and last day of something.
type Span = (NaiveDate, NaiveDate);

/// The span of every span (USD's: it is in every one).
fn union(spans: &BTreeMap<Currency, Span>) -> Option<Span> {
    spans.values().fold(None::<Span>, |acc, s| match acc {
        None => Some(*s),
        Some(a) => Some((a.0.min(s.0), a.1.max(s.1))),
    })
}

fn currency_body(c: Currency, span: Span, providers: Option<Vec<String>>) -> V2Currency {
    V2Currency {
        iso_code: c.to_string(),
        iso_numeric: names::numeric(c.as_str()),
        name: names::name(c.as_str()).to_string(),
        symbol: None,
        start_date: span.0.to_string(),
        end_date: span.1.to_string(),
        providers,
    }
}

/// `/currencies`: every code the store answers, with its name and the days
/// it has rates for; `providers=` keeps those of the sources named.
pub(super) fn currencies(query: &[(String, String)], store: &Store, prefer: &[Source]) -> Result<Answer, Refusal> {
    no_params(query, &["scope", "providers"])?;
    let rule = match param(query, "providers") {
        Some(list) => Rule::Providers(named_providers(list, store)?),
        None => prefer_rule(prefer),
    };
    let rates = ReferenceRates::new(store, &rule, None)?;
    let spans = rates.spans()?;
    let usd_span = union(&spans);
    let list: Vec<V2Currency> = rates
        .currencies()
        .into_iter()
        .filter_map(|c| {
            let span = if c == Currency::USD { usd_span } else { spans.get(&c).copied() };
            span.map(|s| currency_body(c, s, None))
        })
        .collect();
    Ok(Answer::json(200, to_json(&list), CacheKind::Relative))
}

/// `/currency/{code}`: one currency and the sources that answer for it.
pub(super) fn currency(query: &[(String, String)], code: &str, store: &Store, prefer: &[Source]) -> Result<Answer, Refusal> {
    no_params(query, &[])?;
    let upper = code.to_ascii_uppercase();
    let Ok(c) = upper.parse::<Currency>() else { return Err(invalid(format!("invalid currency: {}", crate::model::echo(code)))) };
    // Every source that can answer for it, not only the one preferred.
    let held: Vec<Source> = {
        let mut s: Vec<Source> = store.series()?.into_iter().map(|x| x.source).collect();
        s.sort();
        s.dedup();
        s
    };
    let all = ReferenceRates::new(store, &Rule::Providers(held), Some(&[c].into()))?;
    let preferred = ReferenceRates::new(store, &prefer_rule(prefer), Some(&[c].into()))?;
    let spans = preferred.spans()?;
    let span =
        if c == Currency::USD { union(&ReferenceRates::new(store, &prefer_rule(prefer), None)?.spans()?) } else { spans.get(&c).copied() };
    let Some(span) = span else {
        return Err(if names::known(&upper) { not_found() } else { invalid(format!("invalid currency: {upper}")) });
    };
    let mut keys: Vec<String> = if c == Currency::USD {
        store.series()?.into_iter().map(|s| s.source.as_str().to_ascii_uppercase()).collect()
    } else {
        all.sources_of(c).iter().map(|s| s.as_str().to_ascii_uppercase()).collect()
    };
    keys.sort();
    keys.dedup();
    Ok(Answer::json(200, to_json(&currency_body(c, span, Some(keys))), CacheKind::Relative))
}

/// `/providers`: one per source in the store, by key.
pub(super) fn providers(store: &Store) -> Result<Answer, Refusal> {
    let mut by_source: BTreeMap<String, (Option<Span>, BTreeSet<Currency>)> = BTreeMap::new();
    for s in store.series()? {
        let span = store.time_span(s.id, None, None)?.map(|(a, b)| (a.datetime().date_naive(), b.datetime().date_naive()));
        let e = by_source.entry(s.source.as_str().to_ascii_lowercase()).or_insert((None, BTreeSet::new()));
        e.0 = match (e.0, span) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        e.1.insert(s.pair.base);
        e.1.insert(s.pair.quote);
    }
    let list: Vec<V2Provider> = by_source
        .iter()
        .map(|(label, (span, currencies))| {
            let unit = sources::builtin(label);
            let home = unit.and_then(|u| u.home());
            V2Provider {
                key: label.to_ascii_uppercase(),
                name: sources::full_name(label).to_string(),
                // ISO 4217's first two letters are the ISO 3166 country of the currency.
                country_code: home.map(|h| h[..2].to_string()),
                rate_type: None,
                pivot_currency: home.unwrap_or("USD").to_string(),
                data_url: unit.map(|u| u.data_url().to_string()),
                terms_url: None,
                start_date: span.map(|s| s.0.to_string()),
                end_date: span.map(|s| s.1.to_string()),
                publish_cadence: None,
                publishes_missed: None,
                currencies: currencies.iter().map(Currency::to_string).collect(),
            }
        })
        .collect();
    Ok(Answer::json(200, to_json(&list), CacheKind::Relative))
}
