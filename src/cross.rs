//! Cross rates (`--cross`): a pair a source does not quote, derived from two
//! quotes of that same source at the same timestamp through a common
//! currency, `KGS/USD from nbk = (KGS/KZT) / (USD/KZT)`. Derived values are
//! exact decimal arithmetic on the stored values, rounded once to 10
//! significant digits, and never stored.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::Result;
use crate::model::{Currency, Instant, Observation, Pair, Rate, Source};
use crate::precision::{low_precision, significant_digits};
use crate::store::{Series, Store};

/// How many steps the search for the newest common timestamp may take
/// before it gives up (two series that never share a time).
const LATEST_STEPS: usize = 100_000;

/// A pair derived from two series of one source.
#[derive(Clone, Debug)]
pub struct CrossView {
    pub source: Source,
    /// The derived pair, in the direction shown.
    pub shown: Pair,
    pub via: Currency,
    /// The series of `shown.base` against `via`.
    pub num: Series,
    /// The series of `shown.quote` against `via`.
    pub den: Series,
}

/// One derived value: the observation it would be, and its precision.
#[derive(Clone, Debug)]
pub struct Derived {
    pub obs: Observation,
    /// `Some(pct)` when an operand's quoting makes it less exact than 2%.
    pub precision_pct: Option<Decimal>,
    /// The fewer significant digits of the two quotes: what the derived
    /// value is worth showing (a legend rounds to it).
    pub quoted_digits: u32,
}

impl CrossView {
    /// The derivation of `shown` from `source`'s series, if it has two that
    /// share a currency: USD first, else the currency it quotes most.
    pub fn find(series: &[&Series], source: &Source, shown: Pair) -> Option<CrossView> {
        let own: Vec<&Series> = series.iter().copied().filter(|s| s.source == *source).collect();
        let (a, b) = (shown.base, shown.quote);
        let leg = |x: Currency, via: Currency| -> Option<&Series> {
            let p = Pair::new(x, via).ok()?.canonical();
            own.iter().copied().find(|s| s.pair == p)
        };
        let mut quoted: BTreeMap<Currency, usize> = BTreeMap::new();
        for s in &own {
            *quoted.entry(s.pair.base).or_default() += 1;
            *quoted.entry(s.pair.quote).or_default() += 1;
        }
        let mut candidates: Vec<(Currency, usize)> =
            quoted.into_iter().filter(|(c, _)| *c != a && *c != b && leg(a, *c).is_some() && leg(b, *c).is_some()).collect();
        // USD first; then the most quoted; then alphabetical (BTreeMap order, stable sort).
        candidates.sort_by_key(|(c, n)| (*c != Currency::USD, std::cmp::Reverse(*n)));
        let (via, _) = *candidates.first()?;
        Some(CrossView { source: source.clone(), shown, via, num: leg(a, via)?.clone(), den: leg(b, via)?.clone() })
    }

    /// The derived value from the two legs' observations at one time.
    pub fn derive(&self, num: &Observation, den: &Observation) -> Option<Derived> {
        let va = value_in(num, self.shown.base, self.via)?;
        let vb = value_in(den, self.shown.quote, self.via)?;
        let rate = Rate::computed(va.checked_div(vb)?)?;
        Some(Derived {
            obs: Observation { source: self.source.clone(), pair: self.shown, at: num.at, rate, change: None },
            precision_pct: low_precision(&[num.rate.decimal(), den.rate.decimal()]),
            quoted_digits: significant_digits(num.rate.decimal()).min(significant_digits(den.rate.decimal())),
        })
    }

    /// Every derived value in the range, oldest first: the times both legs
    /// have, joined as the two series stream by in time order.
    pub fn for_each(
        &self,
        store: &Store,
        from: Option<Instant>,
        to: Option<Instant>,
        mut f: impl FnMut(Derived) -> Result<()>,
    ) -> Result<()> {
        let legs = [self.num.clone(), self.den.clone()];
        let mut held: Option<Observation> = None;
        // Merged by time, ties in series order: a num row is followed by
        // the den row of the same time when both exist.
        store.for_each_merged(&legs, from, to, |i, obs| {
            if i == 0 {
                held = Some(obs);
                return Ok(());
            }
            if let Some(n) = held.take() {
                if n.at == obs.at {
                    if let Some(d) = self.derive(&n, &obs) {
                        f(d)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The newest derived value at or before `at`: both legs' newest
    /// observations, stepped back until they share a time.
    pub fn latest(&self, store: &Store, at: Option<Instant>) -> Result<Option<Derived>> {
        Ok(self.latest_quotes(store, at)?.and_then(|(n, d)| self.derive(&n, &d)))
    }

    /// The two legs' observations at the newest time both have at or
    /// before `at` (`num`'s, then `den`'s).
    pub fn latest_quotes(&self, store: &Store, at: Option<Instant>) -> Result<Option<(Observation, Observation)>> {
        let mut bound = at;
        for _ in 0..LATEST_STEPS {
            let Some(n) = store.latest(&self.num, bound)? else { return Ok(None) };
            let Some(d) = store.latest(&self.den, Some(n.at))? else { return Ok(None) };
            if d.at == n.at {
                return Ok(Some((n, d)));
            }
            bound = Some(d.at);
        }
        Ok(None)
    }
}

/// The value of one `x` in `via` from an observation of their series,
/// exactly: the stored rate, or one over it (at full decimal precision).
fn value_in(obs: &Observation, x: Currency, via: Currency) -> Option<Decimal> {
    let r = obs.rate.decimal();
    if obs.pair.base == x && obs.pair.quote == via {
        Some(r)
    } else if obs.pair.base == via && obs.pair.quote == x {
        Decimal::ONE.checked_div(r)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(pair: &str, rate: &str) -> Observation {
        Observation {
            source: "nbk".parse().unwrap(),
            pair: pair.parse().unwrap(),
            at: Instant::from_unix(0),
            rate: rate.parse().unwrap(),
            change: None,
        }
    }

    fn series(id: i64, pair: &str) -> Series {
        Series { id: crate::store::SeriesId(id), source: "nbk".parse().unwrap(), pair: pair.parse::<Pair>().unwrap().canonical() }
    }

    #[test]
    fn kgs_usd_from_nbk_is_kgs_kzt_over_usd_kzt() {
        let all = [series(1, "KGS/KZT"), series(2, "KZT/USD"), series(3, "EUR/KZT")];
        let refs: Vec<&Series> = all.iter().collect();
        let v = CrossView::find(&refs, &"nbk".parse().unwrap(), "KGS/USD".parse().unwrap()).unwrap();
        assert_eq!(v.via.to_string(), "KZT");
        let d = v.derive(&obs("KGS/KZT", "5.47"), &obs("USD/KZT", "478.77")).unwrap();
        // 5.47 / 478.77 = 0.011425110178164045…
        assert_eq!(d.obs.rate.to_string(), "0.01142511018");
        assert_eq!(d.precision_pct, None);
        let inv = CrossView::find(&refs, &"nbk".parse().unwrap(), "USD/KGS".parse().unwrap()).unwrap();
        assert_eq!(inv.derive(&obs("USD/KZT", "478.77"), &obs("KGS/KZT", "5.47")).unwrap().obs.rate.to_string(), "87.52650823");
    }

    #[test]
    fn usd_is_preferred_and_nothing_is_derived_without_two_legs() {
        let all = [series(1, "KGS/USD"), series(2, "KZT/USD"), series(3, "KGS/RUB"), series(4, "KZT/RUB")];
        let refs: Vec<&Series> = all.iter().collect();
        let v = CrossView::find(&refs, &"nbk".parse().unwrap(), "KGS/KZT".parse().unwrap()).unwrap();
        assert_eq!(v.via, Currency::USD);
        assert!(CrossView::find(&refs, &"nbk".parse().unwrap(), "EUR/KZT".parse().unwrap()).is_none());
    }
}
