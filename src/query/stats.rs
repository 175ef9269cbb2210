//! Per series over the selected range: the count, the first and last
//! observations, the minimum and maximum (with their times), the change
//! first→last in percent and the largest gap between observations
//! (`fxsnap stats`, the report's stats table).
//!
//! Rules (also in `fxsnap stats --help`):
//! - values are in the shown direction, exact where stored that way and
//!   otherwise the 10-significant-digit inverse (as every reading command);
//! - min and max compare the exact values in the shown direction (a value
//!   stored the other way is inverted at full decimal precision for the
//!   comparison); on a tie the earliest observation wins;
//! - `change_pct` = (last / first − 1) × 100 from the exact stored values,
//!   rounded to [`DECIMALS`] places, ties to even;
//! - `largest_gap_secs` = the largest time between two consecutive
//!   observations in seconds (None with fewer than two); `export` words it
//!   as whole days or hours (`timespec::ago`: `31 days`, `6 h`);
//! - a selected series with no observation in the range has a row with count 0.
//!
//! Observations are streamed (`Store::for_each_observation`), never loaded all.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::Result;
use crate::model::{Currency, Instant, Observation, Pair, Rate, Source};
use crate::query::by_pair_then_source;
use crate::selection::{Resolved, Selection};
use crate::store::Store;

/// Decimal places of `change_pct`.
pub const DECIMALS: u32 = 4;

/// One observation of a series' stats: when, and its value in the shown direction.
#[derive(Clone, Debug)]
pub struct Point {
    pub at: Instant,
    pub rate: Rate,
}

/// The stats of one series.
#[derive(Clone, Debug)]
pub struct StatsRow {
    pub shown: Pair,
    pub source: Source,
    /// The currency a derived (`--cross`) series went through.
    pub via: Option<Currency>,
    pub count: u64,
    pub first: Option<Point>,
    pub last: Option<Point>,
    pub min: Option<Point>,
    pub max: Option<Point>,
    /// Rounded to [`DECIMALS`] places; None with no observation or on overflow.
    pub change_pct: Option<Decimal>,
    /// The largest time between two consecutive observations, in seconds;
    /// None with fewer than two observations.
    pub largest_gap_secs: Option<i64>,
}

/// One observation kept by the accumulator: the observation itself (for its
/// exact text and time) and its value in the shown direction for comparing.
struct Kept {
    obs: Observation,
    key: Decimal,
}

/// Folds the observations of one series, oldest first.
struct Acc {
    shown: Pair,
    count: u64,
    first: Option<Kept>,
    last: Option<Kept>,
    min: Option<Kept>,
    max: Option<Kept>,
    largest_gap: Option<i64>,
}

impl Acc {
    fn new(shown: Pair) -> Acc {
        Acc { shown, count: 0, first: None, last: None, min: None, max: None, largest_gap: None }
    }

    fn push(&mut self, obs: Observation) {
        let key = shown_value(&obs, self.shown);
        if let Some(prev) = &self.last {
            let gap = obs.at.unix() - prev.obs.at.unix();
            self.largest_gap = Some(self.largest_gap.map_or(gap, |g| g.max(gap)));
        }
        self.count += 1;
        // Strict comparisons: on a tie the earlier observation (seen first) stays.
        if self.min.as_ref().is_none_or(|m| key < m.key) {
            self.min = Some(Kept { obs: obs.clone(), key });
        }
        if self.max.as_ref().is_none_or(|m| key > m.key) {
            self.max = Some(Kept { obs: obs.clone(), key });
        }
        if self.first.is_none() {
            self.first = Some(Kept { obs: obs.clone(), key });
        }
        self.last = Some(Kept { obs, key });
    }

    fn row(self, source: Source, via: Option<Currency>) -> StatsRow {
        let shown = self.shown;
        let point = |k: &Option<Kept>| k.as_ref().map(|k| Point { at: k.obs.at, rate: k.obs.rate_as(shown) });
        let change_pct = match (&self.first, &self.last) {
            (Some(f), Some(l)) => change_pct(&f.obs, &l.obs, shown),
            _ => None,
        };
        StatsRow {
            shown,
            source,
            via,
            count: self.count,
            first: point(&self.first),
            last: point(&self.last),
            min: point(&self.min),
            max: point(&self.max),
            change_pct,
            largest_gap_secs: self.largest_gap,
        }
    }
}

/// The value of an observation in the shown direction, for comparing: exact
/// when stored that way, otherwise 1/rate at full decimal precision.
fn shown_value(obs: &Observation, shown: Pair) -> Decimal {
    let r = obs.rate.decimal();
    if obs.pair == shown {
        r
    } else {
        // A positive rate never divides by zero; an absurd one saturates.
        Decimal::ONE.checked_div(r).unwrap_or(Decimal::MAX)
    }
}

/// The change % ([`crate::query::change_pct`]) rounded to [`DECIMALS`] places (ties to even).
pub fn change_pct(first: &Observation, last: &Observation, shown: Pair) -> Option<Decimal> {
    crate::query::change_pct(first, last, shown).map(round_fixed)
}

fn round_fixed(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointNearestEven);
    if r.is_zero() {
        // -0.00001 rounds to zero: 0.0000, never -0.0000.
        r.set_sign_positive(true);
    }
    r
}

/// The stats of each selected series (stored and derived) over the
/// selection's range, ordered by pair, then source.
pub fn stats(store: &Store, sel: &Selection) -> Result<Vec<StatsRow>> {
    let resolved = sel.resolve_with_cross(store)?;
    stats_of(store, sel, &resolved)
}

/// [`stats`] of a selection already resolved.
pub fn stats_of(store: &Store, sel: &Selection, resolved: &Resolved) -> Result<Vec<StatsRow>> {
    let mut rows: Vec<StatsRow> = Vec::new();
    for v in &resolved.direct {
        let mut acc = Acc::new(v.shown);
        store.for_each_observation(&v.series, sel.from, sel.to, |obs| {
            acc.push(obs);
            Ok(())
        })?;
        rows.push(acc.row(v.series.source.clone(), None));
    }
    for cv in &resolved.cross {
        let mut acc = Acc::new(cv.shown);
        cv.for_each(store, sel.from, sel.to, |d| {
            acc.push(d.obs);
            Ok(())
        })?;
        rows.push(acc.row(cv.source.clone(), Some(cv.via)));
    }
    rows.sort_by(|a, b| by_pair_then_source((a.shown, &a.source), (b.shown, &b.source)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Instant, Rate, Source};

    fn obs(pair: &str, at: i64, rate: &str) -> Observation {
        Observation {
            source: "nbu".parse::<Source>().unwrap(),
            pair: pair.parse().unwrap(),
            at: Instant::from_unix(at),
            rate: rate.parse::<Rate>().unwrap(),
            change: None,
        }
    }

    fn fixed(d: Decimal) -> String {
        format!("{:.*}", DECIMALS as usize, d)
    }

    #[test]
    fn change_in_either_direction_and_mixed() {
        let usd_kzt: Pair = "USD/KZT".parse().unwrap();
        let kzt_usd: Pair = "KZT/USD".parse().unwrap();
        let a = obs("USD/KZT", 0, "200");
        let b = obs("USD/KZT", 86_400, "250");
        assert_eq!(change_pct(&a, &b, usd_kzt).map(fixed).unwrap(), "25.0000");
        assert_eq!(change_pct(&a, &b, kzt_usd).map(fixed).unwrap(), "-20.0000");
        // first stored KZT/USD 0.005 (= 200 per USD), last USD/KZT 250
        let c = obs("KZT/USD", 0, "0.005");
        assert_eq!(change_pct(&c, &b, usd_kzt).map(fixed).unwrap(), "25.0000");
        assert_eq!(change_pct(&b, &c, usd_kzt).map(fixed).unwrap(), "-20.0000");
        assert_eq!(change_pct(&a, &a, usd_kzt).map(fixed).unwrap(), "0.0000");
        // -0.00001 % rounds to zero and prints without a sign.
        let d = obs("USD/KZT", 86_400, "199.99998");
        assert_eq!(change_pct(&a, &d, usd_kzt).map(fixed).unwrap(), "0.0000");
    }

    #[test]
    fn min_max_ties_keep_the_earliest_and_gaps_are_seconds() {
        let shown: Pair = "USD/KZT".parse().unwrap();
        let mut acc = Acc::new(shown);
        acc.push(obs("USD/KZT", 0, "2"));
        acc.push(obs("USD/KZT", 86_400, "1"));
        acc.push(obs("USD/KZT", 3 * 86_400, "1.0"));
        acc.push(obs("KZT/USD", 3 * 86_400 + 3600, "0.5"));
        assert_eq!(acc.count, 4);
        assert_eq!(acc.min.as_ref().unwrap().obs.at.unix(), 86_400);
        assert_eq!(acc.max.as_ref().unwrap().obs.at.unix(), 0);
        assert_eq!(acc.largest_gap, Some(2 * 86_400));
    }
}
