//! The alerts a cron job wants (DESIGN "check limits"): a series whose
//! newest observation is older than a limit, or that moved more than a
//! limit between two consecutive observations. `fxsnap check` reports them.

use rust_decimal::Decimal;

use crate::error::Result;
use crate::model::{Instant, Pair, Rate, Source};
use crate::precision::{low_precision, move_beyond_precision};
use crate::selection::{Selection, View};
use crate::store::Store;

/// How far back `--max-move` looks without `--from`.
pub const DEFAULT_MOVE_DAYS: i64 = 7;

/// A limit as a value, and as it was given (`36h`, `5%`) for the message.
#[derive(Clone, Debug)]
pub struct Limit<T> {
    pub value: T,
    pub text: String,
}

/// What `check` is asked beyond integrity, typed.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub selection: Selection,
    /// Seconds.
    pub max_age: Option<Limit<i64>>,
    /// Percent.
    pub max_move: Option<Limit<Decimal>>,
    /// The time ages count from.
    pub now: Instant,
}

/// One series past a limit.
#[derive(Clone, Debug)]
pub enum Finding {
    /// Its newest observation is older than `--max-age`.
    Stale { shown: Pair, source: Source, rate: Rate, at: Instant, age_secs: i64, limit: String },
    /// It moved more than `--max-move` between two consecutive observations.
    /// `pct` is the whole move; `beyond`, said when a value is marked low
    /// precision, the part beyond both quotes' last digit (what the limit is held to).
    Moved { shown: Pair, source: Source, from: (Rate, Instant), to: (Rate, Instant), pct: Decimal, beyond: Option<Decimal>, limit: String },
}

/// Every finding past the limits asked, series by series: stale ones first, then moves.
pub fn findings(store: &Store, opts: &CheckOptions) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    if opts.max_age.is_none() && opts.max_move.is_none() {
        return Ok(out);
    }
    let views = opts.selection.resolve(store)?;
    if let Some(limit) = &opts.max_age {
        for v in &views {
            out.extend(stale(store, v, opts.now, limit)?);
        }
    }
    if let Some(limit) = &opts.max_move {
        let from = opts.selection.from.unwrap_or(Instant::from_unix(opts.now.unix() - DEFAULT_MOVE_DAYS * 86400));
        for v in &views {
            moves(store, v, from, opts.selection.to, limit, &mut out)?;
        }
    }
    Ok(out)
}

/// A series whose newest observation is older than the limit.
pub fn stale(store: &Store, v: &View, now: Instant, limit: &Limit<i64>) -> Result<Option<Finding>> {
    let Some(obs) = store.latest(&v.series, None)? else { return Ok(None) };
    let age = now.unix() - obs.at.unix();
    if age <= limit.value {
        return Ok(None);
    }
    let shown = v.shown_for(obs.pair);
    Ok(Some(Finding::Stale { shown, rate: obs.rate_as(shown), source: obs.source, at: obs.at, age_secs: age, limit: limit.text.clone() }))
}

/// Every move between consecutive observations in the range over the limit,
/// in percent of the earlier value, in the shown direction.
pub fn moves(store: &Store, v: &View, from: Instant, to: Option<Instant>, limit: &Limit<Decimal>, out: &mut Vec<Finding>) -> Result<()> {
    let mut prev: Option<crate::model::Observation> = None;
    store.for_each_observation(&v.series, Some(from), to, |obs| {
        if let Some(p) = &prev {
            let shown = v.shown_for(obs.pair);
            let (a, b) = (p.rate_as(shown).decimal(), obs.rate_as(shown).decimal());
            let pct = (b - a).checked_div(a).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
            // Only the part beyond both values' last digit counts (DESIGN v3).
            let beyond = move_beyond_precision(a, p.rate.decimal(), b, obs.rate.decimal());
            if let (Some(pct), Some(beyond)) = (pct, beyond) {
                if beyond.abs() > limit.value {
                    // Said when a value is marked low precision (above 2%), as tables mark it.
                    let marked = low_precision(&[p.rate.decimal(), obs.rate.decimal()]).is_some();
                    out.push(Finding::Moved {
                        shown,
                        source: obs.source.clone(),
                        from: (p.rate_as(shown), p.at),
                        to: (obs.rate_as(shown), obs.at),
                        pct,
                        beyond: marked.then_some(beyond),
                        limit: limit.text.clone(),
                    });
                }
            }
        }
        prev = Some(obs);
        Ok(())
    })
}
