//! Frankfurter v1 (`/v1/...` and unversioned): `/latest` (`/current`),
//! `/YYYY-MM-DD`, `/YYYY-MM-DD..YYYY-MM-DD`, `/YYYY-MM-DD..`, `/currencies`
//! (its OpenAPI document, `/v1/openapi.json`, is the router's: `super::openapi`).
//! Bodies, parameters and errors as Frankfurter's (its `lib/versions/v1`):
//! `from` wins over `base`, `to` over `symbols`, other parameters are
//! ignored; amount, then the date, then the pair are checked, in that order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use utoipa::IntoParams;

use super::body::{exact, float, to_json, Code, V1Day, V1Error, V1Range};
use super::{date_shaped, names, param, parse_date, prefer_rule};
use crate::model::{Currency, Rate, Source};
use crate::query::reference::{ReferenceRates, Snapshot, Stale};
use crate::serve::answer::{Answer, CacheKind};
use crate::store::Store;

/// A v1 answer.
pub(crate) fn v1(path: &str, query: &[(String, String)], store: &Store, today: NaiveDate, prefer: &[Source]) -> Answer {
    match answer(path, query, store, today, prefer) {
        Ok(a) => a,
        Err(Refusal::NotFound(reason)) => error(404, "not found", reason.map(|r| r.to_string())),
        Err(Refusal::Invalid(why)) => error(422, why, None),
        Err(Refusal::Store(e)) => error(503, &e.to_string(), None),
    }
}

/// `{"message":"…"}`, with fxsnap's `reason` when there is one.
fn error(status: u16, message: &str, reason: Option<String>) -> Answer {
    Answer::json(status, to_json(&V1Error { message: message.to_string(), reason }), CacheKind::NoStore)
}

/// Why a request gets no rates.
enum Refusal {
    /// 404 `not found`: an unknown path, an unknown base, no rates (and
    /// why, when the store's newest rate is too old).
    NotFound(Option<Stale>),
    /// 422 with Frankfurter's message.
    Invalid(&'static str),
    /// The store could not be read (503 with the reason).
    Store(crate::error::Error),
}

impl Refusal {
    /// Said of the latest rates on `today` (`Stale::of_latest`).
    fn of_latest(self, today: NaiveDate) -> Refusal {
        match self {
            Refusal::NotFound(stale) => Refusal::NotFound(stale.map(|s| s.of_latest(today))),
            other => other,
        }
    }
}

impl From<crate::error::Error> for Refusal {
    fn from(e: crate::error::Error) -> Refusal {
        Refusal::Store(e)
    }
}

/// What a request asks for.
enum Asked {
    Day(NaiveDate),
    Range(NaiveDate, Option<NaiveDate>),
}

/// The query parameters v1 reads (any other is ignored, as Frankfurter does).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct V1Params {
    /// The base currency, ISO 4217 in any case (default `EUR`); an unknown one is a 404.
    /// Ignored when `from` is given (so any text is accepted here).
    #[param(example = "USD")]
    pub base: Option<String>,
    /// `base`'s other name; it wins over `base`. An unknown code is a 404.
    #[param(value_type = Option<Code>)]
    pub from: Option<String>,
    /// Comma-separated ISO 4217 codes in any case (default: every currency); an unknown code
    /// is left out. The base alone is a 422 (`bad currency pair`).
    #[param(example = "KZT,UZS")]
    pub symbols: Option<String>,
    /// `symbols`' other name; it wins over `symbols`.
    pub to: Option<String>,
    /// The amount of the base to convert, a decimal above zero (default 1): the rates are
    /// multiplied by it exactly. Up to 8 digits before the point and 6 after are answered
    /// (for rates of up to 14 digits, as banks publish); more is a 422 when a product would
    /// not fit 28 digits.
    #[param(
        pattern = r"^(?:[1-9][0-9]{0,7}(?:\.[0-9]{1,6})?|0\.(?:[1-9][0-9]{0,5}|0[1-9][0-9]{0,4}|00[1-9][0-9]{0,3}|000[1-9][0-9]{0,2}|0000[1-9][0-9]?|00000[1-9]))$",
        example = "250.5"
    )]
    pub amount: Option<String>,
}

/// What v1 makes of its parameters.
struct Params {
    amount: Decimal,
    base: String,
    /// None: every currency.
    symbols: Option<Vec<String>>,
}

fn answer(path: &str, query: &[(String, String)], store: &Store, today: NaiveDate, prefer: &[Source]) -> Result<Answer, Refusal> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    if rest == "currencies" {
        return currencies(store, prefer);
    }
    // The kind of request first (an unknown path is 404 whatever its query).
    let kind = if rest == "latest" || rest == "current" {
        None
    } else if date_shaped(rest) {
        Some((rest, None))
    } else if let Some((a, b)) = rest.split_once("..") {
        if !date_shaped(a) || !(b.is_empty() || date_shaped(b)) {
            return Err(Refusal::NotFound(None));
        }
        Some((a, Some(b)))
    } else {
        return Err(Refusal::NotFound(None));
    };
    let params = V1Params::from_query(query).params()?;
    let asked = match kind {
        None => None,
        Some((a, None)) => Some(Asked::Day(parse_date(a).ok_or(Refusal::Invalid("invalid date"))?)),
        Some((a, Some(b))) => {
            let from = parse_date(a).ok_or(Refusal::Invalid("invalid date"))?;
            let to = if b.is_empty() { None } else { Some(parse_date(b).ok_or(Refusal::Invalid("invalid date"))?) };
            Some(Asked::Range(from, to))
        }
    };
    if params.symbols.as_deref() == Some(std::slice::from_ref(&params.base)) {
        return Err(Refusal::Invalid("bad currency pair"));
    }
    let base: Currency = params.base.parse().map_err(|_| Refusal::NotFound(None))?;
    let symbols: Option<BTreeSet<Currency>> = params.symbols.as_ref().map(|s| s.iter().filter_map(|c| c.parse().ok()).collect());
    let wanted = symbols.as_ref().map(|s| s.iter().copied().chain([base]).collect::<BTreeSet<_>>());
    let rates = ReferenceRates::new(store, &prefer_rule(prefer), wanted.as_ref())?;
    // The newest day looks one day ahead (a rate published for tomorrow).
    let newest = today + Duration::days(1);
    let ask = Ask { base, symbols: symbols.as_ref(), amount: params.amount };
    match asked {
        None => single(&rates, &ask, newest, CacheKind::Relative).map_err(|e| e.of_latest(today)),
        Some(Asked::Day(d)) => {
            let cache = if d < today { CacheKind::Past } else { CacheKind::Relative };
            single(&rates, &ask, d.min(newest), cache)
        }
        Some(Asked::Range(from, to)) => {
            if from > today {
                return Err(Refusal::NotFound(None));
            }
            let cache = match to {
                Some(t) if t < today => CacheKind::Past,
                _ => CacheKind::Relative,
            };
            range(&rates, &ask, from, to.unwrap_or(newest).min(newest), cache)
        }
    }
}

impl V1Params {
    /// The last value of each parameter v1 reads.
    fn from_query(query: &[(String, String)]) -> V1Params {
        let get = |k: &str| param(query, k).map(str::to_string);
        V1Params { base: get("base"), from: get("from"), symbols: get("symbols"), to: get("to"), amount: get("amount") }
    }

    /// `amount`, `from`/`base`, `to`/`symbols`, upper-cased.
    fn params(self) -> Result<Params, Refusal> {
        let amount = match &self.amount {
            None => Decimal::ONE,
            Some(a) => a.trim().parse::<Rate>().map_err(|_| Refusal::Invalid("invalid amount"))?.decimal(),
        };
        let base = self.from.or(self.base).unwrap_or_else(|| "EUR".into()).to_ascii_uppercase();
        let symbols = self.to.or(self.symbols).map(|s| s.to_ascii_uppercase().split(',').map(str::to_string).collect());
        Ok(Params { amount, base, symbols })
    }
}

/// The rates of one day, keyed by currency, and the newest publication day among them.
type DayRates = (NaiveDate, BTreeMap<Currency, Decimal>);

/// The currencies and amount of a request.
struct Ask<'a> {
    base: Currency,
    symbols: Option<&'a BTreeSet<Currency>>,
    amount: Decimal,
}

impl Ask<'_> {
    /// The rates of one snapshot (the base left out) and the newest
    /// publication day among them; None when there are none.
    fn rates(&self, snap: &Snapshot) -> Result<Option<DayRates>, Refusal> {
        if snap.get(self.base).is_none() {
            return Ok(None);
        }
        let all;
        let targets = match self.symbols {
            Some(s) => s,
            None => {
                all = snap.currencies();
                &all
            }
        };
        let mut out = BTreeMap::new();
        let mut newest: Option<NaiveDate> = None;
        for q in targets.iter().copied().filter(|q| *q != self.base) {
            if let Some((r, date)) = snap.rate(self.base, q) {
                out.insert(q, r.times(self.amount).ok_or(Refusal::Invalid("invalid amount"))?);
                newest = newest.max(date);
            }
        }
        Ok(newest.filter(|_| !out.is_empty()).map(|d| (d, out)))
    }

    /// 404, and why when the store's newest rate of what was asked is
    /// more than 14 days before `from`.
    fn not_found(&self, rates: &ReferenceRates<'_>, from: NaiveDate, to: NaiveDate) -> Refusal {
        match rates.stale(self.base, self.symbols, from, to) {
            Ok(stale) => Refusal::NotFound(stale),
            Err(e) => Refusal::Store(e),
        }
    }

    /// Whether one of the currencies asked (or the base) was published.
    fn involves(&self, published: &BTreeSet<Currency>) -> bool {
        published.contains(&self.base) || self.symbols.is_none_or(|s| s.iter().any(|c| published.contains(c)))
    }
}

/// `{"CODE":rate,...}`, keys sorted.
fn rates_object(rates: &BTreeMap<Currency, Decimal>) -> BTreeMap<String, serde_json::Number> {
    rates.iter().map(|(c, v)| (c.as_str().to_string(), exact(*v))).collect()
}

/// One day: each currency's rate as of `day`, dated by the newest
/// publication among them.
fn single(rates: &ReferenceRates<'_>, ask: &Ask<'_>, day: NaiveDate, cache: CacheKind) -> Result<Answer, Refusal> {
    let snap = rates.on(day)?;
    let Some((date, values)) = ask.rates(&snap)? else { return Err(ask.not_found(rates, day, day)) };
    let body = V1Day { amount: float(ask.amount), base: ask.base.to_string(), date: date.to_string(), rates: rates_object(&values) };
    Ok(Answer::json(200, to_json(&body), cache))
}

/// A range: the days on which a currency asked was published, each with
/// the rates as of that day; a start without a publication snaps back to
/// the rates as of it (dated by their newest day), as Frankfurter does.
fn range(rates: &ReferenceRates<'_>, ask: &Ask<'_>, from: NaiveDate, to: NaiveDate, cache: CacheKind) -> Result<Answer, Refusal> {
    let mut days: BTreeMap<String, BTreeMap<String, serde_json::Number>> = BTreeMap::new();
    let mut put = |key: NaiveDate, values: &BTreeMap<Currency, Decimal>| {
        days.insert(key.to_string(), rates_object(values));
    };
    let mut anchor = if from <= to { ask.rates(&rates.on(from)?)? } else { None };
    let mut failed: Option<Refusal> = None;
    rates.each_day(from, to, |d, snap, published| {
        if let Some((key, values)) = anchor.take() {
            if d != from {
                put(key, &values);
            }
        }
        if !ask.involves(published) {
            return Ok(());
        }
        match ask.rates(snap) {
            Ok(Some((_, values))) => put(d, &values),
            Ok(None) => {}
            Err(e) => failed = failed.take().or(Some(e)),
        }
        Ok(())
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if let Some((key, values)) = anchor.take() {
        put(key, &values);
    }
    let (Some(first), Some(last)) = (days.keys().next().cloned(), days.keys().next_back().cloned()) else {
        return Err(ask.not_found(rates, from, to));
    };
    let body = V1Range { amount: float(ask.amount), base: ask.base.to_string(), start_date: first, end_date: last, rates: days };
    Ok(Answer::json(200, to_json(&body), cache))
}

/// Every code the store can answer, with its English name.
fn currencies(store: &Store, prefer: &[Source]) -> Result<Answer, Refusal> {
    let rates = ReferenceRates::new(store, &prefer_rule(prefer), None)?;
    let codes = rates.currencies();
    let names: BTreeMap<&str, &str> = codes.iter().map(|c| (c.as_str(), names::name(c.as_str()))).collect();
    Ok(Answer::json(200, to_json(&names), CacheKind::Relative))
}
