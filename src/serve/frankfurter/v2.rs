//! Frankfurter v2 (`/v2/...`): `/rates` (JSON, CSV by `/rates.csv` or
//! `Accept: text/csv`, NDJSON by `Accept: application/x-ndjson`),
//! `/rate/{base}/{quote}`, `/currencies`, `/currency/{code}`, `/providers`.
//! Rows as Frankfurter's `RateQuery` gives them: each with its own
//! publication date, an identity row for the base, a range anchored at its
//! start (the rates as of that day) then each (quote, date) once. fxsnap's
//! sources are the providers (`NBK`, `CBR`, ...); rates are exact decimals.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use super::{json_str, names, param, parse_date, prefer_rule};
use crate::model::{round_significant, Currency, Source, INVERSE_DIGITS};
use crate::query::reference::{ReferenceRates, Rule, Snapshot};
use crate::serve::answer::{Answer, CacheKind, JSON};
use crate::serve::answer::{Handover, Spill};
use crate::sources;
use crate::store::Store;

/// The parameters `/rates` and `/rate` accept.
const ALLOWED: [&str; 8] = ["base", "quotes", "providers", "date", "from", "to", "group", "expand"];

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
    let mut out = format!("{{\"status\":{status},\"message\":").into_bytes();
    json_str(&mut out, message);
    out.push(b'}');
    Answer::json(status, out, CacheKind::NoStore)
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

/// How rows are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Ndjson,
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
    let accept = accept.unwrap_or("");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["rates"] | ["rates.csv"] => {
            let format = if segments[0] == "rates.csv" || accept.contains("text/csv") {
                Format::Csv
            } else if accept.contains("application/x-ndjson") {
                Format::Ndjson
            } else {
                Format::Json
            };
            let q = RateQuery::new(query, store, today, prefer)?;
            q.answer(format, to)
        }
        ["rate", base, quote] => {
            let mut params: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "base" && k != "quotes").cloned().collect();
            params.push(("base".into(), base.to_ascii_uppercase()));
            params.push(("quotes".into(), quote.to_ascii_uppercase()));
            let q = RateQuery::new(&params, store, today, prefer)?;
            let mut first: Option<Row> = None;
            q.rows(|row| {
                if first.is_none() {
                    first = Some(row);
                }
                Ok(())
            })?;
            let row = first.ok_or_else(not_found)?;
            let mut out = Vec::new();
            row.json(&mut out, q.expand);
            Ok(Answer::json(200, out, q.cache))
        }
        ["currencies"] => currencies(query, store, prefer),
        ["currency", code] => currency(query, code, store, prefer),
        ["providers"] => {
            no_params(query, &[])?;
            providers(store)
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

/// The sources `providers=` names, lower-cased, each one the store holds.
fn named_providers(list: &str, store: &Store) -> Result<Vec<Source>, Refusal> {
    let held: BTreeSet<String> = store.series()?.into_iter().map(|s| s.source.as_str().to_ascii_lowercase()).collect();
    let mut out: Vec<Source> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for name in list.split(',') {
        let label = name.trim().to_ascii_lowercase();
        match label.parse::<Source>() {
            Ok(s) if held.contains(&label) => {
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

/// A parsed `/rates` request.
struct RateQuery<'s> {
    rates: ReferenceRates<'s>,
    base: Currency,
    /// None: every currency.
    quotes: Option<BTreeSet<Currency>>,
    scope: Scope,
    group: Option<Group>,
    expand: bool,
    cache: CacheKind,
}

#[derive(Clone, Copy)]
enum Scope {
    Day(NaiveDate),
    Range(NaiveDate, NaiveDate),
}

#[derive(Clone, Copy)]
enum Group {
    Week,
    Month,
}

impl Group {
    /// The first day of `d`'s bucket: Monday of its week, the 1st of its month.
    fn bucket(self, d: NaiveDate) -> NaiveDate {
        match self {
            Group::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
            Group::Month => d.with_day(1).unwrap_or(d),
        }
    }
}

/// One row: 1 `base` = `rate` `quote`, published `date`.
struct Row {
    date: NaiveDate,
    base: Currency,
    quote: Currency,
    /// None: the identity row (`1.0`).
    rate: Option<Decimal>,
    /// `expand=providers`: each source's own rate, and whether it was not the one used.
    providers: Vec<ProviderRate>,
}

struct ProviderRate {
    key: String,
    date: NaiveDate,
    rate: Decimal,
    excluded: bool,
}

impl Row {
    fn rate_text(&self) -> String {
        match self.rate {
            Some(r) => r.to_string(),
            None => "1.0".into(),
        }
    }

    fn json(&self, out: &mut Vec<u8>, expand: bool) {
        out.extend_from_slice(b"{\"date\":");
        json_str(out, &self.date.to_string());
        out.extend_from_slice(b",\"base\":");
        json_str(out, self.base.as_str());
        out.extend_from_slice(b",\"quote\":");
        json_str(out, self.quote.as_str());
        out.extend_from_slice(b",\"rate\":");
        out.extend_from_slice(self.rate_text().as_bytes());
        if expand && self.rate.is_some() {
            out.extend_from_slice(b",\"providers\":[");
            for (i, p) in self.providers.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"key\":");
                json_str(out, &p.key);
                out.extend_from_slice(b",\"date\":");
                json_str(out, &p.date.to_string());
                out.extend_from_slice(b",\"rate\":");
                out.extend_from_slice(p.rate.to_string().as_bytes());
                if p.excluded {
                    out.extend_from_slice(b",\"excluded\":true");
                }
                out.push(b'}');
            }
            out.push(b']');
        }
        out.push(b'}');
    }

    fn csv(&self, out: &mut Vec<u8>, expand: bool) {
        let line = format!("{},{},{},{}", self.date, self.base, self.quote, self.rate_text());
        out.extend_from_slice(line.as_bytes());
        if expand {
            out.push(b',');
            let cells: Vec<String> =
                self.providers.iter().map(|p| format!("{}:{}{}", p.key, p.rate, if p.excluded { "*" } else { "" })).collect();
            out.extend_from_slice(cells.join("|").as_bytes());
        }
        out.push(b'\n');
    }
}

impl<'s> RateQuery<'s> {
    /// Checks the parameters in Frankfurter's order: unknown ones, dates,
    /// date with a range, group, expand, currencies (then providers).
    fn new(query: &[(String, String)], store: &'s Store, today: NaiveDate, prefer: &[Source]) -> Result<RateQuery<'s>, Refusal> {
        no_params(query, &ALLOWED)?;
        let date_param = |k: &str| -> Result<Option<NaiveDate>, Refusal> {
            match param(query, k) {
                None => Ok(None),
                Some(v) => parse_date(v).map(Some).ok_or_else(|| invalid("invalid date")),
            }
        };
        let (date, from, to) = (date_param("date")?, date_param("from")?, date_param("to")?);
        if date.is_some() && (from.is_some() || to.is_some()) {
            return Err(invalid("conflicting params"));
        }
        let group = match param(query, "group").map(str::to_ascii_lowercase).as_deref() {
            None => None,
            Some("week") => Some(Group::Week),
            Some("month") => Some(Group::Month),
            Some(_) => return Err(invalid("invalid group")),
        };
        let expand = match param(query, "expand") {
            None => false,
            Some(e) => {
                let bad: Vec<String> = e.to_ascii_lowercase().split(',').filter(|x| *x != "providers").map(str::to_string).collect();
                if !bad.is_empty() {
                    return Err(invalid(format!("invalid expand: {}", bad.join(","))));
                }
                true
            }
        };
        let rule = match param(query, "providers") {
            Some(list) => Rule::Providers(named_providers(list, store)?),
            None => prefer_rule(prefer),
        };
        // Every code the store answers under the rule, or ISO 4217 knows.
        let everything = ReferenceRates::new(store, &rule, None)?.currencies();
        let known = |c: &str| names::known(c) || c.parse::<Currency>().is_ok_and(|c| everything.contains(&c));
        let base_text = param(query, "base").map(str::to_ascii_uppercase);
        let quotes_text: Option<Vec<String>> =
            param(query, "quotes").map(|q| q.to_ascii_uppercase().split(',').map(str::to_string).collect());
        let mut bad: Vec<String> = Vec::new();
        if let Some(b) = &base_text {
            if !known(b) {
                bad.push(b.clone());
            }
        }
        for q in quotes_text.iter().flatten() {
            if !known(q) {
                bad.push(q.clone());
            }
        }
        if !bad.is_empty() {
            return Err(invalid(format!("invalid currency: {}", bad.join(","))));
        }
        let base: Currency = base_text.as_deref().unwrap_or("EUR").parse().map_err(|_| invalid("invalid currency"))?;
        let quotes: Option<BTreeSet<Currency>> = quotes_text.map(|q| q.iter().filter_map(|c| c.parse().ok()).collect());
        let wanted: Option<BTreeSet<Currency>> = quotes.as_ref().map(|q| q.iter().copied().chain([base]).collect());
        let mut rates = ReferenceRates::new(store, &rule, wanted.as_ref())?;
        if expand {
            rates = rates.every_source();
        }
        let newest = today + Duration::days(1);
        let (scope, cache) = match (date, from) {
            (Some(d), _) => (Scope::Day(d.min(newest)), if d < today { CacheKind::Past } else { CacheKind::Relative }),
            (None, Some(f)) => {
                let cache = if to.is_some_and(|t| t < today) { CacheKind::Past } else { CacheKind::Relative };
                (Scope::Range(f, to.unwrap_or(newest).min(newest)), cache)
            }
            (None, None) => (Scope::Day(newest), CacheKind::Relative),
        };
        Ok(RateQuery { rates, base, quotes, scope, group: if matches!(scope, Scope::Range(..)) { group } else { None }, expand, cache })
    }

    /// The rows of one snapshot, sorted by quote, each (quote, date) not
    /// in `seen` (which they are added to), with the identity row.
    fn snapshot_rows(&self, snap: &Snapshot, seen: &mut BTreeMap<Currency, NaiveDate>, out: &mut Vec<Row>) {
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
            out.push(Row { date, base: self.base, quote: q, rate: Some(r.value), providers });
        }
        let wants_identity = self.quotes.as_ref().is_none_or(|q| q.contains(&self.base));
        let newest = out[start..].iter().map(|r| r.date).max().or_else(|| snap.get(self.base).flatten().map(|r| r.date));
        if let (true, Some(date)) = (wants_identity, newest) {
            if seen.get(&self.base).is_none_or(|d| *d < date) {
                seen.insert(self.base, date);
                out.push(Row { date, base: self.base, quote: self.base, rate: None, providers: Vec::new() });
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
                out.push(ProviderRate { key: s.as_str().to_ascii_uppercase(), date, rate: r.value, excluded });
            }
        }
        out
    }

    /// Calls `f` with every row, in order.
    fn rows(&self, mut f: impl FnMut(Row) -> Result<(), Refusal>) -> Result<(), Refusal> {
        let mut seen = BTreeMap::new();
        let mut batch = Vec::new();
        match self.scope {
            Scope::Day(d) => {
                let snap = self.rates.on(d)?;
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
                let mut emit = |row: Row, f: &mut dyn FnMut(Row) -> Result<(), Refusal>| -> Result<(), Refusal> {
                    match &mut grouper {
                        None => f(row),
                        Some(g) => g.add(row, f),
                    }
                };
                // The range opens with the rates as of its first day.
                let anchor = self.rates.on(from)?;
                self.snapshot_rows(&anchor, &mut seen, &mut batch);
                for row in batch.drain(..) {
                    if self.group.is_none() || row.date >= from {
                        emit(row, &mut f)?;
                    }
                }
                let mut failed: Option<Refusal> = None;
                self.rates.each_day(from, to, |_, snap, _| {
                    self.snapshot_rows(snap, &mut seen, &mut batch);
                    for row in batch.drain(..) {
                        if failed.is_none() {
                            if let Err(e) = emit(row, &mut f) {
                                failed = Some(e);
                            }
                        }
                    }
                    Ok(())
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
                if let Some(g) = grouper.as_mut() {
                    g.flush(&mut f)?;
                }
            }
        }
        Ok(())
    }

    /// The rows in `format`; a long answer streams through `to`.
    fn answer(&self, format: Format, to: Option<&Handover>) -> Result<Answer, Refusal> {
        let content_type = match format {
            Format::Json => JSON,
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        };
        let mut body = match to {
            Some(h) => h.writer(content_type, self.cache),
            None => Spill::whole(content_type, self.cache),
        };
        let mut out = Vec::new();
        let mut n = 0usize;
        match format {
            Format::Csv => {
                out.extend_from_slice(if self.expand { b"date,base,quote,rate,providers\n" as &[u8] } else { b"date,base,quote,rate\n" });
            }
            Format::Json => out.push(b'['),
            Format::Ndjson => {}
        }
        self.rows(|row| {
            match format {
                Format::Csv => row.csv(&mut out, self.expand),
                Format::Ndjson => {
                    row.json(&mut out, self.expand);
                    out.push(b'\n');
                }
                Format::Json => {
                    if n > 0 {
                        out.push(b',');
                    }
                    row.json(&mut out, self.expand);
                }
            }
            n += 1;
            if out.len() >= 16 * 1024 {
                body.write_all(&out).map_err(crate::error::Error::from)?;
                out.clear();
            }
            Ok(())
        })?;
        if format == Format::Json {
            out.push(b']');
        }
        body.write_all(&out).map_err(crate::error::Error::from)?;
        let body = body.finish().map_err(crate::error::Error::from)?;
        Ok(Answer { status: 200, content_type, body, cache: self.cache })
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

    fn add(&mut self, row: Row, f: &mut dyn FnMut(Row) -> Result<(), Refusal>) -> Result<(), Refusal> {
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

    fn flush(&mut self, f: &mut dyn FnMut(Row) -> Result<(), Refusal>) -> Result<(), Refusal> {
        let (Some(date), Some(base)) = (self.bucket.take(), self.base) else { return Ok(()) };
        for (quote, (sum, n, one)) in std::mem::take(&mut self.acc) {
            let rate = if quote == base {
                None
            } else if let Some(v) = one {
                Some(v)
            } else {
                sum.checked_div(Decimal::from(n)).map(|m| round_significant(m, INVERSE_DIGITS))
            };
            f(Row { date, base, quote, rate, providers: Vec::new() })?;
        }
        Ok(())
    }
}

/// `/currencies`: every code the store answers, with its name and the days
/// it has rates for; `providers=` keeps those of the sources named.
fn currencies(query: &[(String, String)], store: &Store, prefer: &[Source]) -> Result<Answer, Refusal> {
    no_params(query, &["scope", "providers"])?;
    let rule = match param(query, "providers") {
        Some(list) => Rule::Providers(named_providers(list, store)?),
        None => prefer_rule(prefer),
    };
    let rates = ReferenceRates::new(store, &rule, None)?;
    let spans = rates.spans()?;
    let usd_span = spans.values().fold(None::<(NaiveDate, NaiveDate)>, |acc, s| match acc {
        None => Some(*s),
        Some(a) => Some((a.0.min(s.0), a.1.max(s.1))),
    });
    let mut out = vec![b'['];
    let mut n = 0;
    for c in rates.currencies() {
        let span = if c == Currency::USD { usd_span } else { spans.get(&c).copied() };
        let Some(span) = span else { continue };
        if n > 0 {
            out.push(b',');
        }
        n += 1;
        currency_object(&mut out, c, span, None);
    }
    out.push(b']');
    Ok(Answer::json(200, out, CacheKind::Relative))
}

fn currency_object(out: &mut Vec<u8>, c: Currency, span: (NaiveDate, NaiveDate), providers: Option<&[String]>) {
    out.extend_from_slice(b"{\"iso_code\":");
    json_str(out, c.as_str());
    out.extend_from_slice(b",\"iso_numeric\":");
    match names::numeric(c.as_str()) {
        Some(n) => json_str(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"name\":");
    json_str(out, names::name(c.as_str()));
    out.extend_from_slice(b",\"symbol\":null,\"start_date\":");
    json_str(out, &span.0.to_string());
    out.extend_from_slice(b",\"end_date\":");
    json_str(out, &span.1.to_string());
    if let Some(p) = providers {
        out.extend_from_slice(b",\"providers\":[");
        for (i, k) in p.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, k);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// `/currency/{code}`: one currency and the sources that answer for it.
fn currency(query: &[(String, String)], code: &str, store: &Store, prefer: &[Source]) -> Result<Answer, Refusal> {
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
    let span = if c == Currency::USD {
        let every = ReferenceRates::new(store, &prefer_rule(prefer), None)?.spans()?;
        every.values().fold(None::<(NaiveDate, NaiveDate)>, |acc, s| match acc {
            None => Some(*s),
            Some(a) => Some((a.0.min(s.0), a.1.max(s.1))),
        })
    } else {
        spans.get(&c).copied()
    };
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
    let mut out = Vec::new();
    currency_object(&mut out, c, span, Some(&keys));
    Ok(Answer::json(200, out, CacheKind::Relative))
}

/// The first and last day of something.
type Span = (NaiveDate, NaiveDate);

/// `/providers`: one per source in the store, by key.
fn providers(store: &Store) -> Result<Answer, Refusal> {
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
    let mut out = vec![b'['];
    for (i, (label, (span, currencies))) in by_source.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let unit = sources::builtin(label);
        let pivot = unit.and_then(|u| u.home()).unwrap_or("USD");
        // ISO 4217's first two letters are the ISO 3166 country of the currency.
        let country = unit.and_then(|u| u.home()).map(|h| &h[..2]);
        out.extend_from_slice(b"{\"key\":");
        json_str(&mut out, &label.to_ascii_uppercase());
        out.extend_from_slice(b",\"name\":");
        json_str(&mut out, sources::full_name(label));
        out.extend_from_slice(b",\"country_code\":");
        match country {
            Some(c) => json_str(&mut out, c),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"rate_type\":null,\"pivot_currency\":");
        json_str(&mut out, pivot);
        out.extend_from_slice(b",\"data_url\":");
        match unit {
            Some(u) => json_str(&mut out, u.data_url()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"terms_url\":null,\"start_date\":");
        let date = |out: &mut Vec<u8>, d: Option<NaiveDate>| match d {
            Some(d) => json_str(out, &d.to_string()),
            None => out.extend_from_slice(b"null"),
        };
        date(&mut out, span.map(|s| s.0));
        out.extend_from_slice(b",\"end_date\":");
        date(&mut out, span.map(|s| s.1));
        out.extend_from_slice(b",\"publish_cadence\":null,\"publishes_missed\":null,\"currencies\":[");
        for (j, c) in currencies.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            json_str(&mut out, c.as_str());
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
    Ok(Answer::json(200, out, CacheKind::Relative))
}
