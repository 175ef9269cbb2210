//! A conversion through USD (or another currency) with the newest rates at
//! or before a time: `fxsnap convert`.
//!
//! Each leg (FROM against VIA, TO against VIA) is the newest observation at
//! or before `at`. With sources (`--source nbk`, `official`), only those;
//! without, the newest across sources; on a tie in time the one quoted with more significant
//! digits (a bank's `12149.84` before the ticker's `0.00008`), then the
//! source first in alphabetical order. A leg whose currency is VIA is the
//! identity and has no observation.
//!
//! Through USD, a currency no selected source quotes against USD takes its
//! leg from a bank that quotes both it and USD against its home currency
//! (`query::reference`'s route: 1 EUR in USD = EUR/KZT ÷ USD/KZT from nbk,
//! the two quotes of one time), the newest such pair as above. A leg found
//! neither way says which `--via` would work, when one would.
//!
//! Arithmetic is decimal from the exact stored values:
//! `result = AMOUNT × (value of 1 FROM in VIA) ÷ (value of 1 TO in VIA)`,
//! multiplications first, one division last, every step checked for
//! overflow (a value both multiplied and divided by cancels). The result is
//! rounded to [`RESULT_DIGITS`] significant digits (ties to even, trailing
//! zeros dropped), never rounding away digits before the point.

use rust_decimal::Decimal;

use std::collections::BTreeSet;

use crate::cross::CrossView;
use crate::error::{Error, Result};
use crate::model::{round_significant, Currency, Instant, Observation, Pair, Source};
use crate::precision::{low_precision, significant_digits};
use crate::query::reference::{self, Fraction};
use crate::store::{Series, Store};

/// Significant digits of the result.
pub const RESULT_DIGITS: u32 = 10;
/// A leg older than this before `at` is stale.
pub const STALE_DAYS: i64 = 7;

/// What a conversion is asked, typed.
#[derive(Clone, Debug)]
pub struct ConvertOptions {
    /// Above zero.
    pub amount: Decimal,
    /// The amount as given (trimmed), shown back as it was written.
    pub amount_text: String,
    pub from: Currency,
    pub to: Currency,
    pub at: Instant,
    /// Only these sources (`official` expanded); empty: every source.
    pub sources: Vec<Source>,
    pub via: Currency,
}

/// One leg: the observation of a currency against VIA that was used, or
/// the two a bank's route through its home currency used.
#[derive(Clone, Debug)]
pub struct Leg {
    pub currency: Currency,
    /// `currency` against VIA, or (with `through`) against the bank's home
    /// currency.
    pub obs: Observation,
    /// A routed leg's other quote: the same source's USD against the home
    /// currency, at the same time (1 X in USD = 1 X in H ÷ 1 USD in H).
    pub through: Option<Observation>,
}

impl Leg {
    /// The observations the leg used: its own, then the route's USD quote.
    pub fn quotes(&self) -> impl Iterator<Item = &Observation> {
        std::iter::once(&self.obs).chain(self.through.as_ref())
    }

    /// The home currency a routed leg went through.
    pub fn pivot(&self) -> Option<Currency> {
        self.through.as_ref().map(|_| if self.obs.pair.base == self.currency { self.obs.pair.quote } else { self.obs.pair.base })
    }

    /// Seconds between the observation and `at`.
    pub fn age_secs(&self, at: Instant) -> i64 {
        at.unix() - self.obs.at.unix()
    }

    /// Older than [`STALE_DAYS`] before `at`.
    pub fn stale(&self, at: Instant) -> bool {
        self.age_secs(at) > STALE_DAYS * 86_400
    }

    /// The uncertainty of this leg's own quotes when above 2%.
    pub fn precision_pct(&self) -> Option<Decimal> {
        low_precision(&self.quotes().map(|o| o.rate.decimal()).collect::<Vec<_>>())
    }

    /// Times 1 `currency` in VIA when `upper`, else divided by it.
    fn put(&self, f: &mut Fraction, upper: bool) {
        let published = |o: &Observation| reference::Leg { pair: o.pair, value: o.rate.decimal() };
        f.put(Some(&published(&self.obs)), self.currency, upper);
        // Routed: 1 X in USD = 1 X in H ÷ 1 USD in H.
        f.put(self.through.as_ref().map(published).as_ref(), Currency::USD, !upper);
    }
}

/// The answer: the result and the legs it used (none when FROM is TO, one
/// when either is VIA).
#[derive(Clone, Debug)]
pub struct Conversion {
    pub result: Decimal,
    pub legs: Vec<Leg>,
    /// The result's uncertainty when a leg's quoting is less exact than 2%.
    pub precision_pct: Option<Decimal>,
}

/// Converts as asked.
pub fn convert(store: &Store, opts: &ConvertOptions) -> Result<Conversion> {
    let all = store.series()?;
    let selected: Vec<&Series> =
        all.iter().filter(|s| opts.sources.is_empty() || opts.sources.iter().any(|src| src.matches(&s.source))).collect();
    let leg = |cur: Currency| -> Result<Option<Leg>> {
        if cur == opts.via {
            return Ok(None);
        }
        match find_leg(store, &selected, cur, opts.via, opts.at, &opts.sources) {
            Err(Error::NotFound(msg)) => {
                if opts.via == Currency::USD {
                    if let Some(l) = routed_leg(store, &selected, cur, opts.at)? {
                        return Ok(Some(l));
                    }
                }
                Err(Error::NotFound(format!("{msg}{}", via_hint(store, &selected, opts)?)))
            }
            other => other.map(Some),
        }
    };
    let (from_leg, to_leg) = if opts.from == opts.to { (None, None) } else { (leg(opts.from)?, leg(opts.to)?) };
    let result = compute(opts.amount, from_leg.as_ref(), to_leg.as_ref())?;
    let legs: Vec<Leg> = [from_leg, to_leg].into_iter().flatten().collect();
    let precision_pct = low_precision(&legs.iter().flat_map(Leg::quotes).map(|o| o.rate.decimal()).collect::<Vec<_>>());
    Ok(Conversion { result, legs, precision_pct })
}

/// Whether `a` is better than `b`: newer, then more significant digits
/// (the fewer of a quote's own); on a full tie the one found first stays.
fn newer_or_finer(a: (Instant, u32), b: (Instant, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
}

/// The newest observation of `cur` against `via` at or before `at` among
/// the `selected` series (of `sources`; empty: every source); among equally
/// new ones, the one with more significant digits.
pub fn find_leg(store: &Store, selected: &[&Series], cur: Currency, via: Currency, at: Instant, sources: &[Source]) -> Result<Leg> {
    let pair = Pair::new(cur, via)?.canonical();
    let mut best: Option<Observation> = None;
    let mut seen_series = false;
    // series() is ordered by pair then source: on a full tie the first source stays.
    for s in selected.iter().filter(|s| s.pair == pair) {
        seen_series = true;
        if let Some(o) = store.latest(s, Some(at))? {
            let key = |o: &Observation| (o.at, significant_digits(o.rate.decimal()));
            if best.as_ref().is_none_or(|b| newer_or_finer(key(&o), key(b))) {
                best = Some(o);
            }
        }
    }
    let from = match sources {
        [] => String::new(),
        [one] => format!(" from source '{one}'"),
        many => format!(" from sources {}", many.iter().map(Source::as_str).collect::<Vec<_>>().join(", ")),
    };
    match best {
        Some(obs) => Ok(Leg { currency: cur, obs, through: None }),
        None if seen_series => Err(Error::NotFound(format!("no observation of {pair}{from} at or before {at}"))),
        None => Err(Error::NotFound(format!("no observations of {pair}{from} in the store"))),
    }
}

/// `cur` in USD through a bank's home currency (`reference::route_of`): the
/// newest time at or before `at` a selected source quotes both `cur` and USD
/// against it; among equally new, more significant digits, then the source
/// first in alphabetical order.
fn routed_leg(store: &Store, selected: &[&Series], cur: Currency, at: Instant) -> Result<Option<Leg>> {
    let sources: BTreeSet<&Source> = selected.iter().map(|s| &s.source).collect();
    let mut best: Option<Leg> = None;
    for source in sources {
        let own: Vec<&Series> = selected.iter().copied().filter(|s| &s.source == source).collect();
        let Some((pivot, Some(x), Some(usd))) = reference::route_of(&own, source, cur) else { continue };
        let view =
            CrossView { source: source.clone(), shown: Pair::new(cur, Currency::USD)?, via: pivot, num: x.clone(), den: usd.clone() };
        let Some((obs, through)) = view.latest_quotes(store, Some(at))? else { continue };
        let leg = Leg { currency: cur, obs, through: Some(through) };
        let key = |l: &Leg| (l.obs.at, l.quotes().map(|o| significant_digits(o.rate.decimal())).min().unwrap_or(0));
        if best.as_ref().is_none_or(|b| newer_or_finer(key(&leg), key(b))) {
            best = Some(leg);
        }
    }
    Ok(best)
}

/// For a leg not found: the currencies FROM and TO are both quoted against
/// at or before `at` by the selected sources (`; try --via KZT (UZS/KZT
/// from nbk)`), those needing one leg first, then alphabetical; empty when
/// none would do.
fn via_hint(store: &Store, selected: &[&Series], opts: &ConvertOptions) -> Result<String> {
    // The series quoting `c` against `v` with an observation at or before `at`.
    let quoted = |c: Currency, v: Currency| -> Result<Option<Vec<&Series>>> {
        if c == v {
            return Ok(Some(Vec::new()));
        }
        let Ok(pair) = Pair::new(c, v).map(|p| p.canonical()) else { return Ok(None) };
        let mut found = Vec::new();
        for s in selected.iter().copied().filter(|s| s.pair == pair) {
            if store.latest(s, Some(opts.at))?.is_some() {
                found.push(s);
            }
        }
        Ok((!found.is_empty()).then_some(found))
    };
    let currencies: BTreeSet<Currency> = selected.iter().flat_map(|s| [s.pair.base, s.pair.quote]).collect();
    let mut options: Vec<(bool, Currency, Vec<i64>, String)> = Vec::new();
    for v in currencies.into_iter().filter(|v| *v != opts.via) {
        let (Some(a), Some(b)) = (quoted(opts.from, v)?, quoted(opts.to, v)?) else { continue };
        // The legs as `--via v` asks them (UZS/KZT), and their sources.
        let pairs: Vec<String> =
            [(opts.from, &a), (opts.to, &b)].iter().filter(|(_, s)| !s.is_empty()).map(|(c, _)| format!("{c}/{v}")).collect();
        let sources: BTreeSet<&str> = a.iter().chain(&b).map(|s| s.source.as_str()).collect();
        let ids: Vec<i64> = a.iter().chain(&b).map(|s| s.id.get()).collect();
        let what = format!("{} from {}", pairs.join(" and "), sources.into_iter().collect::<Vec<_>>().join(", "));
        options.push((v != opts.from && v != opts.to, v, ids, what));
    }
    options.sort_by_key(|o| (o.0, o.1));
    // One suggestion per set of quotes: `--via KZT` and `--via UZS` from nbk's UZS/KZT alone are one.
    let mut seen: Vec<Vec<i64>> = Vec::new();
    let mut tries: Vec<String> = Vec::new();
    for (_, v, mut ids, what) in options {
        ids.sort_unstable();
        if seen.contains(&ids) || tries.len() == 3 {
            continue;
        }
        seen.push(ids);
        tries.push(format!("--via {v} ({what})"));
    }
    Ok(if tries.is_empty() { String::new() } else { format!("; try {}", tries.join(" or ")) })
}

/// AMOUNT × (1 FROM in VIA) ÷ (1 TO in VIA), from the exact stored values,
/// then rounded to [`RESULT_DIGITS`] significant digits.
pub fn compute(amount: Decimal, from: Option<&Leg>, to: Option<&Leg>) -> Result<Decimal> {
    let mut f = Fraction::default();
    f.times(amount);
    if let Some(leg) = from {
        leg.put(&mut f, true);
    }
    if let Some(leg) = to {
        leg.put(&mut f, false);
    }
    let result = f.value().ok_or_else(|| Error::invalid("the result is too large (or too small) for a decimal number"))?;
    Ok(round_significant(result, RESULT_DIGITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(pair: &str, rate: &str) -> Leg {
        let pair: Pair = pair.parse().unwrap();
        Leg {
            currency: if pair.base == Currency::USD { pair.quote } else { pair.base },
            obs: Observation { source: "nbu".parse().unwrap(), pair, at: Instant::from_unix(0), rate: rate.parse().unwrap(), change: None },
            through: None,
        }
    }

    #[test]
    fn legs_in_either_direction() {
        let amount = Decimal::from(1000);
        // 1000 KZT at 400 KZT per USD = 2.5 USD; at 10000 UZS per USD = 25000 UZS.
        let k = leg("USD/KZT", "400");
        let u = leg("USD/UZS", "10000");
        assert_eq!(compute(amount, Some(&k), Some(&u)).unwrap().to_string(), "25000");
        let k2 = leg("KZT/USD", "0.0025");
        let u2 = leg("UZS/USD", "0.0001");
        assert_eq!(compute(amount, Some(&k2), Some(&u2)).unwrap().to_string(), "25000");
        assert_eq!(compute(amount, Some(&k), None).unwrap().to_string(), "2.5");
        assert_eq!(compute(amount, None, Some(&u2)).unwrap().to_string(), "10000000");
        assert_eq!(compute(Decimal::ONE, Some(&leg("USD/KZT", "3")), None).unwrap().to_string(), "0.3333333333");
        assert!(compute(Decimal::MAX, None, Some(&leg("USD/UZS", "10000"))).is_err());
    }

    #[test]
    fn a_leg_through_a_home_currency_divides_by_its_usd_quote() {
        let mut eur = leg("EUR/KZT", "548.62");
        eur.currency = "EUR".parse().unwrap();
        eur.through = Some(leg("USD/KZT", "478.77").obs);
        assert_eq!(eur.pivot(), Some("KZT".parse().unwrap()));
        // 1 USD in EUR = 478.77 / 548.62; from KZT through nbk's USD/KZT, the two cancel.
        assert_eq!(compute(Decimal::ONE, None, Some(&eur)).unwrap().to_string(), "0.8726805439");
        assert_eq!(compute(Decimal::from(1000), Some(&leg("USD/KZT", "478.77")), Some(&eur)).unwrap().to_string(), "1.822755277");
        assert_eq!(compute(Decimal::ONE, Some(&eur), None).unwrap().to_string(), "1.145894688");
    }
}
