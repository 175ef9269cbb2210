//! Rows of reference rates, as Frankfurter's `RateQuery` gives them (what
//! v2's `/rates` and `/rate` answer, apart from their routes): each row with
//! its own publication date, an identity row for the base, a range anchored
//! at its start (the rates as of that day) then each (quote, date) once;
//! `group` averages a week's or a month's rows; `expand` lists each
//! source's own rate behind a row.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use super::reference::{ReferenceRates, Rule, Snapshot, Stale};
use crate::error::Result;
use crate::model::{round_significant, Currency, Source, INVERSE_DIGITS};
use crate::store::Store;

/// What is asked: 1 `base` in each of `quotes`, over a day or a range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateQuery {
    pub base: Currency,
    /// None: every currency.
    pub quotes: Option<BTreeSet<Currency>>,
    /// Which sources answer (`--prefer`, or v2's `providers`).
    pub rule: Rule,
    pub scope: Scope,
    /// Only for a range.
    pub group: Option<Group>,
    /// Each source's own rate behind a row (`expand=providers`).
    pub expand: bool,
}

/// A day (the rates as of it) or a range of days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Day(NaiveDate),
    Range(NaiveDate, NaiveDate),
}

/// `group=week|month`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Week,
    Month,
}

impl Group {
    /// The first day of `d`'s bucket: Monday of its week, the 1st of its month.
    pub fn bucket(self, d: NaiveDate) -> NaiveDate {
        match self {
            Group::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
            Group::Month => d.with_day(1).unwrap_or(d),
        }
    }
}

/// One row: 1 `base` = `rate` `quote`, published `date`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRow {
    pub date: NaiveDate,
    pub base: Currency,
    pub quote: Currency,
    /// None: the identity row (1).
    pub rate: Option<Decimal>,
    /// `expand`: each source's own rate (empty otherwise, and for the identity row).
    pub providers: Vec<ProviderRate>,
}

/// One source's own rate behind a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRate {
    pub source: Source,
    pub date: NaiveDate,
    pub rate: Decimal,
    /// Whether the row's rate did not come from this source alone.
    pub excluded: bool,
}

impl RateQuery {
    /// Calls `f` with every row, in order (a range streamed day by day).
    pub fn each(&self, store: &Store, mut f: impl FnMut(RateRow) -> Result<()>) -> Result<()> {
        let rates = self.references(store)?;
        let mut seen = BTreeMap::new();
        let mut batch = Vec::new();
        match self.scope {
            Scope::Day(d) => {
                let snap = rates.on(d)?;
                self.snapshot_rows(&snap, &mut seen, &mut batch);
                batch.sort_by_key(|r| r.quote);
                for row in batch {
                    f(row)?;
                }
            }
            Scope::Range(from, to) => {
                if from > to {
                    return Ok(());
                }
                let mut grouper = self.group.map(Grouper::new);
                let mut emit = |row: RateRow, f: &mut dyn FnMut(RateRow) -> Result<()>| -> Result<()> {
                    match &mut grouper {
                        None => f(row),
                        Some(g) => g.add(row, f),
                    }
                };
                // The range opens with the rates as of its first day.
                let anchor = rates.on(from)?;
                self.snapshot_rows(&anchor, &mut seen, &mut batch);
                for row in batch.drain(..) {
                    if self.group.is_none() || row.date >= from {
                        emit(row, &mut f)?;
                    }
                }
                rates.each_day(from, to, |_, snap, _| {
                    self.snapshot_rows(snap, &mut seen, &mut batch);
                    batch.drain(..).try_for_each(|row| emit(row, &mut f))
                })?;
                if let Some(g) = grouper.as_mut() {
                    g.flush(&mut f)?;
                }
            }
        }
        Ok(())
    }

    /// The first row, if any (`/rate/{base}/{quote}`).
    pub fn first(&self, store: &Store) -> Result<Option<RateRow>> {
        let mut first = None;
        self.each(store, |row| {
            first.get_or_insert(row);
            Ok(())
        })?;
        Ok(first)
    }

    /// Why the query has no rows, when it is that the store's newest rate
    /// of what it asks is more than 14 days before the day asked.
    pub fn stale(&self, store: &Store) -> Result<Option<Stale>> {
        let rates = ReferenceRates::new(store, &self.rule, self.wanted().as_ref())?;
        let (from, to) = match self.scope {
            Scope::Day(d) => (d, d),
            Scope::Range(from, to) => (from, to),
        };
        rates.stale(self.base, self.quotes.as_ref(), from, to)
    }

    /// The currencies whose references are read (None: every one).
    fn wanted(&self) -> Option<BTreeSet<Currency>> {
        self.quotes.as_ref().map(|q| q.iter().copied().chain([self.base]).collect())
    }

    fn references<'s>(&self, store: &'s Store) -> Result<ReferenceRates<'s>> {
        let rates = ReferenceRates::new(store, &self.rule, self.wanted().as_ref())?;
        Ok(if self.expand { rates.every_source() } else { rates })
    }

    /// The rows of one snapshot, sorted by date and quote, each (quote,
    /// date) not in `seen` (which they are added to), with the identity row.
    fn snapshot_rows(&self, snap: &Snapshot, seen: &mut BTreeMap<Currency, NaiveDate>, out: &mut Vec<RateRow>) {
        if snap.get(self.base).is_none() {
            return;
        }
        let all;
        let targets = match &self.quotes {
            Some(q) => q,
            None => {
                all = snap.currencies();
                &all
            }
        };
        let start = out.len();
        for q in targets.iter().copied().filter(|q| *q != self.base) {
            let Some((r, Some(date))) = snap.rate(self.base, q) else { continue };
            if seen.get(&q).is_some_and(|d| *d >= date) {
                continue;
            }
            seen.insert(q, date);
            let providers = if self.expand { self.providers_of(snap, q) } else { Vec::new() };
            out.push(RateRow { date, base: self.base, quote: q, rate: Some(r.value), providers });
        }
        let wants_identity = self.quotes.as_ref().is_none_or(|q| q.contains(&self.base));
        let newest = out[start..].iter().map(|r| r.date).max().or_else(|| snap.get(self.base).flatten().map(|r| r.date));
        if let (true, Some(date)) = (wants_identity, newest) {
            if seen.get(&self.base).is_none_or(|d| *d < date) {
                seen.insert(self.base, date);
                out.push(RateRow { date, base: self.base, quote: self.base, rate: None, providers: Vec::new() });
            }
        }
        out[start..].sort_by_key(|r| (r.date, r.quote));
    }

    /// Each source's own rate of base→`q`; excluded when the row's rate
    /// did not come from that source alone.
    fn providers_of(&self, snap: &Snapshot, q: Currency) -> Vec<ProviderRate> {
        let used: BTreeSet<&Source> = [self.base, q].iter().filter_map(|c| snap.get(*c).flatten().map(|r| &r.source)).collect();
        let mut sources: BTreeSet<&Source> = snap.sources_of(q).into_iter().collect();
        sources.extend(snap.sources_of(self.base));
        let mut out = Vec::new();
        for s in sources {
            if let Some((r, Some(date))) = snap.rate_from(s, self.base, q) {
                let excluded = !(used.len() == 1 && used.contains(s));
                out.push(ProviderRate { source: s.clone(), date, rate: r.value, excluded });
            }
        }
        out
    }
}

/// `group=week|month`: each quote's rows of a bucket averaged (exact
/// decimal mean, rounded to 10 significant digits; one row kept as it is),
/// dated by the bucket's first day.
struct Grouper {
    group: Group,
    bucket: Option<NaiveDate>,
    base: Option<Currency>,
    /// Per quote: the sum, the count, and the one value when count is 1.
    acc: BTreeMap<Currency, (Decimal, u32, Option<Decimal>)>,
}

impl Grouper {
    fn new(group: Group) -> Grouper {
        Grouper { group, bucket: None, base: None, acc: BTreeMap::new() }
    }

    fn add(&mut self, row: RateRow, f: &mut dyn FnMut(RateRow) -> Result<()>) -> Result<()> {
        let b = self.group.bucket(row.date);
        if self.bucket.is_some_and(|open| open != b) {
            self.flush(f)?;
        }
        self.bucket = Some(b);
        self.base = Some(row.base);
        let value = row.rate.unwrap_or(Decimal::ONE);
        let e = self.acc.entry(row.quote).or_insert((Decimal::ZERO, 0, None));
        e.0 = e.0.checked_add(value).unwrap_or(e.0);
        e.1 += 1;
        e.2 = if e.1 == 1 { row.rate } else { None };
        Ok(())
    }

    fn flush(&mut self, f: &mut dyn FnMut(RateRow) -> Result<()>) -> Result<()> {
        let (Some(date), Some(base)) = (self.bucket.take(), self.base) else { return Ok(()) };
        for (quote, (sum, n, one)) in std::mem::take(&mut self.acc) {
            let rate = if quote == base {
                None
            } else if let Some(v) = one {
                Some(v)
            } else {
                sum.checked_div(Decimal::from(n)).map(|m| round_significant(m, INVERSE_DIGITS))
            };
            f(RateRow { date, base, quote, rate, providers: Vec::new() })?;
        }
        Ok(())
    }
}
