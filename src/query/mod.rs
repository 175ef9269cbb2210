//! The store's answers, typed, once: one file per question a front door
//! asks (a command, the report, the server). Each is a function from an open
//! store (read inside one snapshot when the caller holds one) and typed
//! options to typed rows: pairs, exact rates, instants, sources, precision
//! as values. Nothing here prints, formats for an output, knows clap or
//! reads the environment: `export` shapes the rows for each `--format`.

pub mod check;
pub mod conflicts;
pub mod convert;
pub mod history;
pub mod inputs;
pub mod latest;
pub mod panels;
pub mod rates;
pub mod reference;
pub mod sources;
pub mod stats;

use rust_decimal::Decimal;

use crate::cross::Derived;
use crate::model::{Change, Currency, Observation, Pair, Rate, Source};
use crate::precision::low_precision;
use crate::selection::Selection;

/// What `history` and `conflicts` are asked: the selection. Every format
/// shows the selection's direction (DESIGN v4); a computed value carries its
/// published quote ([`Quote::quoted`]).
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub selection: Selection,
}

/// One observation as a reading command shows it: the observation as
/// stored (its quoted direction and digits), the direction it is shown in,
/// and for a derived (`--cross`) value the currency it went through.
#[derive(Clone, Debug)]
pub struct Quote {
    /// As stored; a derived value's observation is already in `shown`.
    pub obs: Observation,
    pub shown: Pair,
    /// The currency a derived row went through.
    pub via: Option<Currency>,
    /// A derived value's uncertainty (from both legs' quotes).
    derived_pct: Option<Decimal>,
}

impl Quote {
    /// A stored observation shown as `shown`.
    pub fn stored(obs: Observation, shown: Pair) -> Quote {
        Quote { obs, shown, via: None, derived_pct: None }
    }

    /// A value derived through `via`.
    pub fn derived(d: Derived, via: Currency) -> Quote {
        Quote { shown: d.obs.pair, obs: d.obs, via: Some(via), derived_pct: d.precision_pct }
    }

    pub fn source(&self) -> &Source {
        &self.obs.source
    }

    /// The value in the shown direction: exact when stored that way, else
    /// the 10-significant-digit inverse.
    pub fn rate(&self) -> Rate {
        self.obs.rate_as(self.shown)
    }

    /// The published quote behind a computed inverse: the observation as
    /// stored (its pair, digits and change), when it is shown the other way
    /// round. None when the rate is shown as published, and for a derived
    /// (`--cross`) value, which no source published.
    pub fn quoted(&self) -> Option<&Observation> {
        (self.via.is_none() && self.shown != self.obs.pair).then_some(&self.obs)
    }

    /// The change in the shown direction (none for a computed inverse).
    pub fn change(&self) -> Option<Change> {
        self.obs.change_as(self.shown)
    }

    /// The uncertainty in percent when above 2% (DESIGN "precision"): a
    /// derived value's from its legs, a stored one's from its own digits.
    pub fn precision_pct(&self) -> Option<Decimal> {
        match self.via {
            Some(_) => self.derived_pct,
            None => low_precision(&[self.obs.rate.decimal()]),
        }
    }
}

/// (last / first − 1) × 100 in the shown direction, from the exact stored
/// values, unrounded: the one change % (`stats` rounds it to four decimals,
/// a chart's legend shows two). None on overflow.
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
    ratio.checked_sub(Decimal::ONE)?.checked_mul(Decimal::ONE_HUNDRED)
}

/// The one order of rows per series: by shown pair, then source.
pub(crate) fn by_pair_then_source(a: (Pair, &Source), b: (Pair, &Source)) -> std::cmp::Ordering {
    (a.0.to_string(), a.1).cmp(&(b.0.to_string(), b.1))
}
