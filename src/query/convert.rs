//! A conversion through USD (or another currency) with the newest rates at
//! or before a time: `fxsnap convert`.
//!
//! Each leg (FROM against VIA, TO against VIA) is the newest observation at
//! or before `at`. With a source, only that source; without, the newest
//! across sources; on a tie in time the one quoted with more significant
//! digits (a bank's `12149.84` before the ticker's `0.00008`), then the
//! source first in alphabetical order. A leg whose currency is VIA is the
//! identity and has no observation.
//!
//! Arithmetic is decimal from the exact stored values:
//! `result = AMOUNT × (value of 1 FROM in VIA) ÷ (value of 1 TO in VIA)`,
//! multiplications first, one division last, every step checked for
//! overflow. The result is rounded to [`RESULT_DIGITS`] significant digits
//! (ties to even, trailing zeros dropped), never rounding away digits
//! before the point.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{round_significant, Currency, Instant, Observation, Pair, Source};
use crate::precision::{low_precision, significant_digits};
use crate::store::Store;

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
    pub source: Option<Source>,
    pub via: Currency,
}

/// One leg: the observation of a currency against VIA that was used.
#[derive(Clone, Debug)]
pub struct Leg {
    pub currency: Currency,
    pub obs: Observation,
}

impl Leg {
    /// Seconds between the observation and `at`.
    pub fn age_secs(&self, at: Instant) -> i64 {
        at.unix() - self.obs.at.unix()
    }

    /// Older than [`STALE_DAYS`] before `at`.
    pub fn stale(&self, at: Instant) -> bool {
        self.age_secs(at) > STALE_DAYS * 86_400
    }

    /// The uncertainty of this leg's own quote when above 2%.
    pub fn precision_pct(&self) -> Option<Decimal> {
        low_precision(&[self.obs.rate.decimal()])
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
    let leg = |cur: Currency| -> Result<Option<Leg>> {
        if cur == opts.via {
            Ok(None)
        } else {
            find_leg(store, cur, opts.via, opts.at, opts.source.as_ref()).map(Some)
        }
    };
    let (from_leg, to_leg) = if opts.from == opts.to { (None, None) } else { (leg(opts.from)?, leg(opts.to)?) };
    let result = compute(opts.amount, opts.via, from_leg.as_ref(), to_leg.as_ref())?;
    let legs: Vec<Leg> = [from_leg, to_leg].into_iter().flatten().collect();
    let precision_pct = low_precision(&legs.iter().map(|l| l.obs.rate.decimal()).collect::<Vec<_>>());
    Ok(Conversion { result, legs, precision_pct })
}

/// The newest observation of `cur` against `via` at or before `at`; among
/// equally new ones, the one with more significant digits.
pub fn find_leg(store: &Store, cur: Currency, via: Currency, at: Instant, source: Option<&Source>) -> Result<Leg> {
    let pair = Pair::new(cur, via)?.canonical();
    let mut best: Option<Observation> = None;
    let mut seen_series = false;
    // series() is ordered by pair then source: on a full tie the first source stays.
    for s in store.series()? {
        if s.pair != pair || source.is_some_and(|src| !src.matches(&s.source)) {
            continue;
        }
        seen_series = true;
        if let Some(o) = store.latest(&s, Some(at))? {
            let better = match &best {
                None => true,
                Some(b) => o.at > b.at || (o.at == b.at && significant_digits(o.rate.decimal()) > significant_digits(b.rate.decimal())),
            };
            if better {
                best = Some(o);
            }
        }
    }
    let from = source.map(|s| format!(" from source '{s}'")).unwrap_or_default();
    match best {
        Some(obs) => Ok(Leg { currency: cur, obs }),
        None if seen_series => Err(Error::NotFound(format!("no observation of {pair}{from} at or before {at}"))),
        None => Err(Error::NotFound(format!("no observations of {pair}{from} in the store"))),
    }
}

/// AMOUNT × (1 FROM in VIA) ÷ (1 TO in VIA), from the exact stored values,
/// then rounded to [`RESULT_DIGITS`] significant digits.
pub fn compute(amount: Decimal, via: Currency, from: Option<&Leg>, to: Option<&Leg>) -> Result<Decimal> {
    let overflow = || Error::invalid("the result is too large (or too small) for a decimal number");
    let mut numerator = amount;
    let mut denominator = Decimal::ONE;
    if let Some(leg) = from {
        // 1 FROM in VIA is the rate of FROM/VIA, or 1 / the rate of VIA/FROM.
        let r = leg.obs.rate.decimal();
        if leg.obs.pair.quote == via {
            numerator = numerator.checked_mul(r).ok_or_else(overflow)?;
        } else {
            denominator = denominator.checked_mul(r).ok_or_else(overflow)?;
        }
    }
    if let Some(leg) = to {
        // Dividing by 1 TO in VIA: by the rate of TO/VIA, or times VIA/TO.
        let r = leg.obs.rate.decimal();
        if leg.obs.pair.quote == via {
            denominator = denominator.checked_mul(r).ok_or_else(overflow)?;
        } else {
            numerator = numerator.checked_mul(r).ok_or_else(overflow)?;
        }
    }
    let result = numerator.checked_div(denominator).ok_or_else(overflow)?;
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
        }
    }

    #[test]
    fn legs_in_either_direction() {
        let amount = Decimal::from(1000);
        // 1000 KZT at 400 KZT per USD = 2.5 USD; at 10000 UZS per USD = 25000 UZS.
        let k = leg("USD/KZT", "400");
        let u = leg("USD/UZS", "10000");
        assert_eq!(compute(amount, Currency::USD, Some(&k), Some(&u)).unwrap().to_string(), "25000");
        let k2 = leg("KZT/USD", "0.0025");
        let u2 = leg("UZS/USD", "0.0001");
        assert_eq!(compute(amount, Currency::USD, Some(&k2), Some(&u2)).unwrap().to_string(), "25000");
        assert_eq!(compute(amount, Currency::USD, Some(&k), None).unwrap().to_string(), "2.5");
        assert_eq!(compute(amount, Currency::USD, None, Some(&u2)).unwrap().to_string(), "10000000");
        assert_eq!(compute(Decimal::ONE, Currency::USD, Some(&leg("USD/KZT", "3")), None).unwrap().to_string(), "0.3333333333");
        assert!(compute(Decimal::MAX, Currency::USD, None, Some(&leg("USD/UZS", "10000"))).is_err());
    }
}
