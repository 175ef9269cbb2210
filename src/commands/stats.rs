//! `fxsnap stats`: per series over the selected range, the count, the first
//! and last observations, the minimum and maximum (with their times), the
//! change first→last in percent and the largest gap between observations.
//!
//! Rules (also in `fxsnap stats --help`):
//! - values are shown in the shown direction, exact where stored that way and
//!   otherwise the 10-significant-digit inverse (as every reading command);
//! - min and max compare the exact values in the shown direction (a value
//!   stored the other way is inverted at full decimal precision for the
//!   comparison); on a tie the earliest observation wins;
//! - `change_pct` = (last / first − 1) × 100 from the exact stored values,
//!   rounded to 4 decimal places, ties to even, always printed with 4 decimals;
//! - `largest_gap_days` = the largest time between two consecutive
//!   observations in days, rounded the same way (empty with fewer than two);
//! - a selected series with no observation in the range has a row with count 0
//!   and the other fields empty.
//!
//! Observations are streamed (`Store::for_each_observation`), never loaded all.

use std::path::Path;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::cli::ReadArgs;
use crate::error::Result;
use crate::export::{self, Cell, RecordWriter};
use crate::model::{Observation, Pair, Source};
use crate::selection::{Resolved, Selection};
use crate::store::Store;

pub const COLUMNS: &[&str] = &[
    "pair",
    "source",
    "count",
    "first_timestamp",
    "first",
    "last_timestamp",
    "last",
    "min_timestamp",
    "min",
    "max_timestamp",
    "max",
    "change_pct",
    "largest_gap_days",
];

/// Decimal places of `change_pct` and `largest_gap_days`.
pub const DECIMALS: u32 = 4;

const SECONDS_PER_DAY: i64 = 86_400;

/// One observation kept by the accumulator: the observation itself (for its
/// exact text and time) and its value in the shown direction for comparing.
struct Point {
    obs: Observation,
    key: Decimal,
}

/// Folds the observations of one series, oldest first.
struct Acc {
    shown: Pair,
    count: u64,
    first: Option<Point>,
    last: Option<Point>,
    min: Option<Point>,
    max: Option<Point>,
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
            self.min = Some(Point { obs: obs.clone(), key });
        }
        if self.max.as_ref().is_none_or(|m| key > m.key) {
            self.max = Some(Point { obs: obs.clone(), key });
        }
        if self.first.is_none() {
            self.first = Some(Point { obs: obs.clone(), key });
        }
        self.last = Some(Point { obs, key });
    }

    fn record(&self, source: &str) -> Vec<Cell> {
        let shown = self.shown;
        let point = |p: &Option<Point>| -> (Cell, Cell) {
            match p {
                Some(p) => (p.obs.at.rfc3339().into(), p.obs.rate_as(shown).to_string().into()),
                None => (Cell::Empty, Cell::Empty),
            }
        };
        let (first_ts, first) = point(&self.first);
        let (last_ts, last) = point(&self.last);
        let (min_ts, min) = point(&self.min);
        let (max_ts, max) = point(&self.max);
        let change: Cell = match (&self.first, &self.last) {
            (Some(f), Some(l)) => change_pct(&f.obs, &l.obs, shown).map(fixed).into(),
            _ => Cell::Empty,
        };
        let gap = match self.largest_gap {
            Some(secs) => Cell::Number(fixed(gap_days(secs))),
            None => Cell::Empty,
        };
        vec![
            shown.to_string().into(),
            source.into(),
            Cell::Number(self.count.to_string()),
            first_ts,
            first,
            last_ts,
            last,
            min_ts,
            min,
            max_ts,
            max,
            change,
            gap,
        ]
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

/// (last / first − 1) × 100 in the shown direction, from the exact stored
/// values, rounded to [`DECIMALS`] places (ties to even). None on overflow.
pub fn change_pct(first: &Observation, last: &Observation, shown: Pair) -> Option<Decimal> {
    let f = first.rate.decimal();
    let l = last.rate.decimal();
    // shown(x) = x when stored in the shown direction, 1/x otherwise; the
    // ratio shown(last)/shown(first) is written so only one division happens.
    let ratio = match (first.pair == shown, last.pair == shown) {
        (true, true) => l.checked_div(f)?,
        (false, false) => f.checked_div(l)?,
        (true, false) => Decimal::ONE.checked_div(l.checked_mul(f)?)?,
        (false, true) => l.checked_mul(f)?,
    };
    let pct = ratio.checked_sub(Decimal::ONE)?.checked_mul(Decimal::ONE_HUNDRED)?;
    Some(round_fixed(pct))
}

/// Seconds to days, rounded to [`DECIMALS`] places (ties to even).
pub fn gap_days(secs: i64) -> Decimal {
    round_fixed(Decimal::from(secs) / Decimal::from(SECONDS_PER_DAY))
}

fn round_fixed(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointNearestEven);
    if r.is_zero() {
        // -0.00001 rounds to zero: print 0.0000, never -0.0000.
        r.set_sign_positive(true);
    }
    r
}

/// Always [`DECIMALS`] decimals: `12.5` → `12.5000`.
fn fixed(d: Decimal) -> String {
    format!("{:.*}", DECIMALS as usize, d)
}

/// One row of `stats`: the series and its record.
#[derive(Clone, Debug)]
pub struct StatsRow {
    pub shown: Pair,
    pub source: Source,
    pub record: Vec<Cell>,
}

/// The columns of [`rows`]' records.
pub fn columns(cross: bool) -> &'static [&'static str] {
    if cross {
        &COLUMNS_VIA
    } else {
        COLUMNS
    }
}

/// The stats of each selected series (stored and derived) over the
/// selection's range, ordered by pair, then source: the one place the rows
/// are made, for the command and for the report's stats table.
pub fn rows(store: &Store, sel: &Selection, resolved: &Resolved) -> Result<Vec<StatsRow>> {
    let mut rows: Vec<StatsRow> = Vec::new();
    for v in &resolved.direct {
        let mut acc = Acc::new(v.shown);
        store.for_each_observation(&v.series, sel.from, sel.to, |obs| {
            acc.push(obs);
            Ok(())
        })?;
        let mut r = acc.record(v.series.source.as_str());
        if sel.cross {
            r.push(Cell::Empty);
        }
        rows.push(StatsRow { shown: v.shown, source: v.series.source.clone(), record: r });
    }
    for cv in &resolved.cross {
        let mut acc = Acc::new(cv.shown);
        cv.for_each(store, sel.from, sel.to, |d| {
            acc.push(d.obs);
            Ok(())
        })?;
        let mut r = acc.record(cv.source.as_str());
        r.push(cv.via.to_string().into());
        rows.push(StatsRow { shown: cv.shown, source: cv.source.clone(), record: r });
    }
    rows.sort_by(|a, b| (a.shown.to_string(), &a.source).cmp(&(b.shown.to_string(), &b.source)));
    Ok(rows)
}

pub fn run(db: &Path, args: &ReadArgs) -> Result<()> {
    let sel = args.selection()?;
    let store = Store::open_existing(db)?;
    let resolved = sel.resolve_with_cross(&store)?;
    let mut w = RecordWriter::new(export::stdout(), args.format.format(), columns(sel.cross));
    for r in rows(&store, &sel, &resolved)? {
        w.write(r.record)?;
    }
    w.finish()
}

/// The columns with `--cross`: derived series say what they went through.
const COLUMNS_VIA: [&str; COLUMNS.len() + 1] = {
    let mut all = [""; COLUMNS.len() + 1];
    let mut i = 0;
    while i < COLUMNS.len() {
        all[i] = COLUMNS[i];
        i += 1;
    }
    all[COLUMNS.len()] = "via";
    all
};

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
    fn min_max_ties_keep_the_earliest_and_gaps_are_days() {
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
        assert_eq!(fixed(gap_days(3600)), "0.0417");
        assert_eq!(fixed(gap_days(86_400 * 3)), "3.0000");
    }
}
