//! Reference rates (DESIGN "serve", "Reference rates"): one rate of each
//! currency against USD per day, what the Frankfurter endpoints answer.
//!
//! - each of the five from its own central bank (KZT `nbk`, KGS `nbkr`,
//!   UZS `cbu`, TJS `nbt`, TMT `cbt`);
//! - any other currency X from the first source in `--prefer` that quotes
//!   both X and USD that day, through that source's home currency;
//!   Frankfurter's v2 `providers` replaces both rules: only the sources
//!   named, in that order;
//! - a day without an observation takes the latest of the 14 days before.
//!
//! A reference keeps the published quotes it is made of, so a rate between
//! two currencies is exact decimal arithmetic on published numbers, done
//! once: a published quote in the asked direction keeps its own digits
//! (USD→KZT `478.77`), anything computed is rounded to 10 significant
//! digits (ties to even). Days are streamed: a range holds one reference per
//! currency at a time, never the range.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::error::Result;
use crate::model::{round_significant, Currency, Instant, Pair, Source, INVERSE_DIGITS};
use crate::sources;
use crate::store::{Series, Store};

/// How far back a day without an observation looks.
pub const LOOKBACK_DAYS: i64 = 14;

/// `serve --prefer`'s default (and the config file's): the six central banks.
pub const DEFAULT_PREFER: &str = "nbk,nbkr,cbu,nbt,cbt,cbr";

/// The five and their own banks.
const OWN_BANK: [(&str, &str); 5] = [("KZT", "nbk"), ("KGS", "nbkr"), ("UZS", "cbu"), ("TJS", "nbt"), ("TMT", "cbt")];

/// Which sources answer for which currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The five from their own banks, every other currency from the first
    /// of these sources that quotes it (`--prefer`; empty: the default).
    Prefer(Vec<Source>),
    /// Only these sources, in this order, for every currency (v2 `providers`).
    Providers(Vec<Source>),
}

impl Rule {
    /// The sources tried for `c`, in order.
    fn candidates(&self, c: Currency) -> Vec<Source> {
        match self {
            Rule::Providers(list) => list.clone(),
            Rule::Prefer(list) => {
                if let Some((_, bank)) = OWN_BANK.iter().find(|(code, _)| *code == c.as_str()) {
                    return bank.parse().map(|s| vec![s]).unwrap_or_default();
                }
                if list.is_empty() {
                    DEFAULT_PREFER.split(',').filter_map(|s| s.parse().ok()).collect()
                } else {
                    list.clone()
                }
            }
        }
    }
}

/// One published quote a reference is made of, as the source quoted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leg {
    /// The pair as published (`USD/KZT`).
    pub pair: Pair,
    /// The published value, exactly (`478.77`).
    pub value: Decimal,
}

/// One currency's rate against USD on one day, as the published quotes
/// behind it: 1 X = `x` pivot, 1 USD = `usd` pivot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub currency: Currency,
    pub source: Source,
    /// The day the quotes were published for.
    pub date: NaiveDate,
    /// The currency both quotes are in: the source's home currency, or USD
    /// for a source that quotes against USD.
    pub pivot: Currency,
    /// 1 X in the pivot; None when X is the pivot.
    pub x: Option<Leg>,
    /// 1 USD in the pivot; None when the pivot is USD.
    pub usd: Option<Leg>,
}

/// A fraction of published values, built up exactly: what is multiplied
/// (`num`) and what is divided by (`den`), divided once at the end.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fraction {
    num: Vec<Decimal>,
    den: Vec<Decimal>,
}

impl Fraction {
    /// Times `v` (an amount).
    pub(crate) fn times(&mut self, v: Decimal) {
        self.num.push(v);
    }

    /// Times (1 `of` in the leg's other currency) when `upper`, else
    /// divided by it; nothing without a leg (`of` is that currency).
    pub(crate) fn put(&mut self, leg: Option<&Leg>, of: Currency, upper: bool) {
        let Some(l) = leg else { return };
        // 1 `of` is the published value when `of` is its base, else one over it.
        if (l.pair.base == of) == upper {
            self.num.push(l.value);
        } else {
            self.den.push(l.value);
        }
    }

    /// Removes the values found both above and below: they cancel exactly
    /// (two legs through the same published `USD/KZT`).
    fn cancel(&mut self) {
        let mut i = 0;
        while i < self.num.len() {
            if let Some(j) = self.den.iter().position(|d| *d == self.num[i]) {
                self.num.swap_remove(i);
                self.den.swap_remove(j);
            } else {
                i += 1;
            }
        }
    }

    /// The value, unrounded: equal values above and below cancelled, the
    /// products exact and one division last (step by step when a product
    /// is too long for a decimal); None when even that overflows.
    pub(crate) fn value(mut self) -> Option<Decimal> {
        self.cancel();
        let exact = |xs: &[Decimal]| xs.iter().try_fold(Decimal::ONE, |a, x| a.checked_mul(*x));
        match (exact(&self.num), exact(&self.den)) {
            (Some(n), Some(d)) => n.checked_div(d),
            _ => {
                let mut v = Decimal::ONE;
                for n in &self.num {
                    v = v.checked_mul(*n)?;
                }
                for d in &self.den {
                    v = v.checked_div(*d)?;
                }
                Some(v)
            }
        }
    }
}

/// A rate of one currency in another, with how it came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrossRate {
    /// 1 BASE in QUOTE: a published value as published, or a computed one
    /// rounded to 10 significant digits.
    pub value: Decimal,
    /// Whether `value` is one published number, unchanged.
    pub published: bool,
}

impl CrossRate {
    /// `amount` BASE in QUOTE, exactly; None when the product does not fit
    /// a decimal exactly (an absurd amount).
    pub fn times(&self, amount: Decimal) -> Option<Decimal> {
        let digits = |d: Decimal| d.mantissa().unsigned_abs().to_string().len() as u32;
        if digits(self.value) + digits(amount) > 28 || self.value.scale() + amount.scale() > 28 {
            return None;
        }
        self.value.checked_mul(amount)
    }
}

/// 1 `base` in `quote` from their references (None: USD). The two USD legs
/// cancel when both came from one quote, so `EUR→KZT` from nbk is nbk's
/// own `EUR/KZT`; every other case is one exact division, rounded once.
pub fn cross(base: Option<&Reference>, quote: Option<&Reference>) -> Option<CrossRate> {
    // 1 BASE in USD = x_b / usd_b; rate = (x_b × usd_q) / (usd_b × x_q).
    let mut f = Fraction::default();
    if let Some(b) = base {
        f.put(b.x.as_ref(), b.currency, true);
        f.put(b.usd.as_ref(), Currency::USD, false);
    }
    if let Some(q) = quote {
        f.put(q.x.as_ref(), q.currency, false);
        f.put(q.usd.as_ref(), Currency::USD, true);
    }
    f.cancel();
    match (f.num.as_slice(), f.den.as_slice()) {
        ([], []) => Some(CrossRate { value: Decimal::ONE, published: false }),
        ([v], []) => Some(CrossRate { value: *v, published: true }),
        _ => {
            let value = round_significant(f.value()?, INVERSE_DIGITS);
            (value > Decimal::ZERO).then_some(CrossRate { value, published: false })
        }
    }
}

/// The newest reference of each currency as of one day.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    day: Option<NaiveDate>,
    refs: BTreeMap<Currency, Reference>,
    /// Every source's newest reference of each currency, when asked for
    /// (`ReferenceRates::every_source`): what v2's `expand=providers` lists.
    each: BTreeMap<(Currency, Source), Reference>,
}

impl Snapshot {
    /// The day it stands for.
    pub fn day(&self) -> Option<NaiveDate> {
        self.day
    }

    /// `c`'s reference as of the day, if one was published within the 14
    /// days before it; USD has none (it is 1) and is always present.
    pub fn get(&self, c: Currency) -> Option<Option<&Reference>> {
        if c == Currency::USD {
            return Some(None);
        }
        let r = self.refs.get(&c)?;
        self.fresh(r.date).then_some(Some(r))
    }

    /// Whether a reference dated `date` still stands on the snapshot's day.
    fn fresh(&self, date: NaiveDate) -> bool {
        self.day.is_some_and(|day| date >= day - Duration::days(LOOKBACK_DAYS) && date <= day)
    }

    /// 1 `base` in `quote` from `source`'s own quotes alone (kept only
    /// with `ReferenceRates::every_source`), and the newest day behind it.
    pub fn rate_from(&self, source: &Source, base: Currency, quote: Currency) -> Option<(CrossRate, Option<NaiveDate>)> {
        let get = |c: Currency| -> Option<Option<&Reference>> {
            if c == Currency::USD {
                return Some(None);
            }
            let r = self.each.get(&(c, source.clone()))?;
            self.fresh(r.date).then_some(Some(r))
        };
        let (b, q) = (get(base)?, get(quote)?);
        let date = b.map(|r| r.date).max(q.map(|r| r.date));
        Some((cross(b, q)?, date))
    }

    /// The sources with a reference of `c` kept (`every_source`), in label order.
    pub fn sources_of(&self, c: Currency) -> Vec<&Source> {
        self.each.iter().filter(|((x, _), r)| *x == c && self.fresh(r.date)).map(|((_, s), _)| s).collect()
    }

    /// The currencies it can answer, USD included.
    pub fn currencies(&self) -> BTreeSet<Currency> {
        let mut out: BTreeSet<Currency> = self.refs.keys().copied().filter(|c| self.get(*c).is_some()).collect();
        out.insert(Currency::USD);
        out
    }

    /// 1 `base` in `quote` and the newest publication day behind it (None
    /// for USD in USD).
    pub fn rate(&self, base: Currency, quote: Currency) -> Option<(CrossRate, Option<NaiveDate>)> {
        let b = self.get(base)?;
        let q = self.get(quote)?;
        let date = b.map(|r| r.date).max(q.map(|r| r.date));
        Some((cross(b, q)?, date))
    }
}

/// Why a day has no rate: the newest `currency` rate the store has is of
/// `newest`, more than 14 days before `day` (DESIGN v4: a Frankfurter 404
/// and an empty v2 answer say it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub currency: Currency,
    pub newest: NaiveDate,
    pub day: NaiveDate,
}

impl Stale {
    /// Said of the latest rates on `today`: the day looked at is tomorrow
    /// (a rate published for tomorrow is the latest), but today is named
    /// when the rule holds of it too.
    pub fn of_latest(mut self, today: NaiveDate) -> Stale {
        if self.newest < today - Duration::days(LOOKBACK_DAYS) {
            self.day = today;
        }
        self
    }
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the newest {} rate is of {}, more than {LOOKBACK_DAYS} days before {}", self.currency, self.newest, self.day)
    }
}

/// How one source quotes one currency against USD: the series of each leg
/// (indexes into `ReferenceRates::series`), None where the leg is one.
#[derive(Clone, Copy, Debug)]
struct Route {
    pivot: Currency,
    x: Option<usize>,
    usd: Option<usize>,
}

/// Reference rates of a store under a rule.
pub struct ReferenceRates<'s> {
    store: &'s Store,
    /// The series streamed (the legs of every route).
    series: Vec<Series>,
    /// Per currency, its routes in the order tried, with their source.
    routes: BTreeMap<Currency, Vec<(Source, Route)>>,
    /// Keep every source's reference, not only the one chosen.
    every_source: bool,
}

impl<'s> ReferenceRates<'s> {
    /// The routes of `wanted` (None: every currency the store can answer).
    pub fn new(store: &'s Store, rule: &Rule, wanted: Option<&BTreeSet<Currency>>) -> Result<ReferenceRates<'s>> {
        let all = store.series()?;
        let mut by_source: HashMap<&str, Vec<&Series>> = HashMap::new();
        for s in &all {
            by_source.entry(s.source.as_str()).or_default().push(s);
        }
        // Every currency any source quotes, then the wanted ones.
        let mut currencies: BTreeSet<Currency> = all.iter().flat_map(|s| [s.pair.base, s.pair.quote]).collect();
        currencies.remove(&Currency::USD);
        if let Some(w) = wanted {
            currencies.retain(|c| w.contains(c));
        }
        let mut series: Vec<Series> = Vec::new();
        let mut index = |s: &Series| -> usize {
            match series.iter().position(|x| x.id == s.id) {
                Some(i) => i,
                None => {
                    series.push(s.clone());
                    series.len() - 1
                }
            }
        };
        let mut routes: BTreeMap<Currency, Vec<(Source, Route)>> = BTreeMap::new();
        for c in currencies {
            let mut found = Vec::new();
            for source in rule.candidates(c) {
                let own = by_source.get(source.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                if let Some((pivot, x, usd)) = route_of(own, &source, c) {
                    let route = Route { pivot, x: x.map(&mut index), usd: usd.map(&mut index) };
                    found.push((source.clone(), route));
                }
            }
            if !found.is_empty() {
                routes.insert(c, found);
            }
        }
        Ok(ReferenceRates { store, series, routes, every_source: false })
    }

    /// Keeps each source's own reference of each currency in the
    /// snapshots too (`Snapshot::rate_from`).
    pub fn every_source(mut self) -> Self {
        self.every_source = true;
        self
    }

    /// The sources that can answer for `c`, in the order tried.
    pub fn sources_of(&self, c: Currency) -> Vec<&Source> {
        self.routes.get(&c).map(|r| r.iter().map(|(s, _)| s).collect()).unwrap_or_default()
    }

    /// Per currency, the first and last day one of its routes has both
    /// legs' series stored (a bound: the legs may not share every day).
    pub fn spans(&self) -> Result<BTreeMap<Currency, (NaiveDate, NaiveDate)>> {
        let mut span_of: Vec<Option<(NaiveDate, NaiveDate)>> = Vec::with_capacity(self.series.len());
        for s in &self.series {
            let span = self.store.time_span(s.id, None, None)?;
            span_of.push(span.map(|(a, b)| (a.datetime().date_naive(), b.datetime().date_naive())));
        }
        let mut out: BTreeMap<Currency, (NaiveDate, NaiveDate)> = BTreeMap::new();
        for (c, routes) in &self.routes {
            for (_, r) in routes {
                let legs: Vec<Option<(NaiveDate, NaiveDate)>> = [r.x, r.usd].iter().flatten().map(|i| span_of[*i]).collect();
                let Some(spans) = legs.into_iter().collect::<Option<Vec<_>>>() else { continue };
                let (Some(first), Some(last)) = (spans.iter().map(|s| s.0).max(), spans.iter().map(|s| s.1).min()) else { continue };
                if first > last {
                    continue;
                }
                let e = out.entry(*c).or_insert((first, last));
                *e = (e.0.min(first), e.1.max(last));
            }
        }
        Ok(out)
    }

    /// Every currency some route answers, USD included (whether or not it
    /// has a rate on a given day).
    pub fn currencies(&self) -> BTreeSet<Currency> {
        let mut out: BTreeSet<Currency> = self.routes.keys().copied().collect();
        out.insert(Currency::USD);
        out
    }

    /// The newest day on or before `day` a route of `c` has both legs
    /// stored (each leg's newest, the older of the two); None for USD, a
    /// currency no route answers, or nothing that old.
    pub fn newest_on_or_before(&self, c: Currency, day: NaiveDate) -> Result<Option<NaiveDate>> {
        let end = Instant::from_unix(Instant::start_of_day(day + Duration::days(1)).unix() - 1);
        let mut newest: Option<NaiveDate> = None;
        for (_, r) in self.routes.get(&c).map(Vec::as_slice).unwrap_or(&[]) {
            let mut route: Option<NaiveDate> = None;
            for i in [r.x, r.usd].into_iter().flatten() {
                let Some((_, last)) = self.store.time_span(self.series[i].id, None, Some(end))? else {
                    route = None;
                    break;
                };
                let last = last.datetime().date_naive();
                route = Some(route.map_or(last, |d| d.min(last)));
            }
            newest = newest.max(route);
        }
        Ok(newest)
    }

    /// Why nothing stands from `from` to `to` for `base` and `quotes` (None:
    /// every currency): the store has a rate of one of them, but the newest
    /// is more than 14 days before `from`. The base is named when it is the
    /// one missing, otherwise the quote with the newest rate. None when
    /// that is not why (a currency no route answers, nothing that old).
    pub fn stale(&self, base: Currency, quotes: Option<&BTreeSet<Currency>>, from: NaiveDate, to: NaiveDate) -> Result<Option<Stale>> {
        let limit = from - Duration::days(LOOKBACK_DAYS);
        let stale =
            |c: Currency, newest: Option<NaiveDate>| newest.filter(|d| *d < limit).map(|d| Stale { currency: c, newest: d, day: from });
        if base != Currency::USD {
            if !self.routes.contains_key(&base) {
                return Ok(None);
            }
            let newest = self.newest_on_or_before(base, to)?;
            if newest.is_none_or(|d| d < limit) {
                return Ok(stale(base, newest));
            }
        }
        let all;
        let quotes = match quotes {
            Some(q) => q,
            None => {
                all = self.currencies();
                &all
            }
        };
        let mut best: Option<(NaiveDate, Currency)> = None;
        for q in quotes.iter().copied().filter(|q| *q != base && *q != Currency::USD) {
            if let Some(d) = self.newest_on_or_before(q, to)? {
                if best.is_none_or(|(b, _)| d > b) {
                    best = Some((d, q));
                }
            }
        }
        Ok(best.and_then(|(d, c)| stale(c, Some(d))))
    }

    /// The references as of `day`: each currency's newest within the 14 days
    /// before it.
    pub fn on(&self, day: NaiveDate) -> Result<Snapshot> {
        let mut last = self.run(day, day, |_, _, _| Ok(()))?;
        last.day = Some(day);
        Ok(last)
    }

    /// Calls `f` for each day from `from` to `to` on which some currency
    /// was published, oldest first, with the snapshot as of that day
    /// (carried from up to 14 days before `from`) and the currencies
    /// published that day.
    pub fn each_day(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        f: impl FnMut(NaiveDate, &Snapshot, &BTreeSet<Currency>) -> Result<()>,
    ) -> Result<()> {
        self.run(from, to, f).map(|_| ())
    }

    /// `each_day`, returning the snapshot as it stands after `to`.
    fn run(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        mut f: impl FnMut(NaiveDate, &Snapshot, &BTreeSet<Currency>) -> Result<()>,
    ) -> Result<Snapshot> {
        let mut snap = Snapshot::default();
        if from > to || self.series.is_empty() {
            return Ok(snap);
        }
        let start = Instant::start_of_day(from - Duration::days(LOOKBACK_DAYS));
        let end = Instant::from_unix(Instant::start_of_day(to + Duration::days(1)).unix() - 1);
        // The day being gathered and each series' value that day (the latest).
        let mut day: Option<NaiveDate> = None;
        let mut today: Vec<Option<Leg>> = vec![None; self.series.len()];
        let mut published = BTreeSet::new();
        let mut close = |d: NaiveDate, today: &mut Vec<Option<Leg>>, snap: &mut Snapshot| -> Result<()> {
            published.clear();
            for (c, routes) in &self.routes {
                let leg = |i: Option<usize>| -> Option<Option<Leg>> {
                    match i {
                        None => Some(None),
                        Some(i) => today[i].map(Some),
                    }
                };
                let mut chosen = false;
                for (source, r) in routes {
                    if let (Some(x), Some(usd)) = (leg(r.x), leg(r.usd)) {
                        let reference = Reference { currency: *c, source: source.clone(), date: d, pivot: r.pivot, x, usd };
                        if self.every_source {
                            snap.each.insert((*c, source.clone()), reference.clone());
                        }
                        if !chosen {
                            snap.refs.insert(*c, reference);
                            published.insert(*c);
                            chosen = true;
                            if !self.every_source {
                                break;
                            }
                        }
                    }
                }
            }
            today.iter_mut().for_each(|t| *t = None);
            snap.day = Some(d);
            if !published.is_empty() && d >= from {
                f(d, snap, &published)?;
            }
            Ok(())
        };
        self.store.for_each_merged(&self.series, Some(start), Some(end), |i, obs| {
            let d = obs.at.datetime().date_naive();
            if let Some(open) = day {
                if open != d {
                    close(open, &mut today, &mut snap)?;
                }
            }
            day = Some(d);
            today[i] = Some(Leg { pair: obs.pair, value: obs.rate.decimal() });
            Ok(())
        })?;
        if let Some(open) = day {
            close(open, &mut today, &mut snap)?;
        }
        Ok(snap)
    }
}

/// How `source` quotes `c` against USD with its own series: directly
/// (`X/USD`), or through its home currency (`X/H` and `USD/H`; for the home
/// currency itself, `USD/H` alone). Returns the pivot and the series of the
/// two legs. `convert` asks it too, for a leg no source quotes against USD.
pub(crate) fn route_of<'a>(own: &[&'a Series], source: &Source, c: Currency) -> Option<(Currency, Option<&'a Series>, Option<&'a Series>)> {
    let find = |a: Currency, b: Currency| -> Option<&'a Series> {
        let p = Pair::new(a, b).ok()?.canonical();
        own.iter().copied().find(|s| s.pair == p)
    };
    if let Some(direct) = find(c, Currency::USD) {
        return Some((Currency::USD, Some(direct), None));
    }
    let home = sources::builtin(source.as_str()).and_then(|b| b.home_currency()).or_else(|| most_quoted(own))?;
    let usd = find(Currency::USD, home)?;
    if c == home {
        return Some((home, None, Some(usd)));
    }
    Some((home, Some(find(c, home)?), Some(usd)))
}

/// The currency a source quotes most, for a source with no known home.
fn most_quoted(own: &[&Series]) -> Option<Currency> {
    let mut n: BTreeMap<Currency, usize> = BTreeMap::new();
    for s in own {
        *n.entry(s.pair.base).or_default() += 1;
        *n.entry(s.pair.quote).or_default() += 1;
    }
    n.into_iter().filter(|(c, _)| *c != Currency::USD).max_by_key(|(_, k)| *k).map(|(c, _)| c)
}

#[cfg(test)]
mod tests;
