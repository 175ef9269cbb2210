//! What a reading command (and `chart`, `report`, `check`) selects.

use clap::Args;

use super::url::{FromUrl, UrlQuery};
use crate::error::{Error, Result};
use crate::model::Instant;
use crate::query::Listing;
use crate::selection::{parse_pairs, Selection};
use crate::timespec::{parse_time, End};

/// What a reading command (and `chart`) selects: pairs, source, range, direction.
#[derive(Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// KZT/USD, USD/KZT, KZT (against USD), any pair such as KZT/KGS, or `all` (every series), any case;
    /// repeatable or comma-separated [default: the five, KGS KZT TJS UZS TMT against USD, or the config file's]
    #[arg(long, value_name = "P")]
    pub pair: Vec<String>,
    /// Only these sources (nbk, timesca, ...; any case; `official` for the six central banks nbk, nbkr, cbu, nbt,
    /// cbt, cbr; `all` for every source); repeatable or comma-separated [default: all, or the config file's]
    #[arg(long, value_name = "S")]
    pub source: Vec<String>,
    /// From this time (inclusive): YYYY-MM-DD (its start), RFC 3339 with Z or an offset, now, or a span back from now
    /// (36h, 90d, 12w, 6m, 2y)
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// To this time (inclusive): the same forms as --from (YYYY-MM-DD means the end of that day)
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    /// Show USD/XXX (units per dollar) instead of XXX/USD
    #[arg(long, overrides_with = "no_invert")]
    pub invert: bool,
    /// Show XXX/USD even when the config file says invert
    #[arg(long, overrides_with = "invert")]
    pub no_invert: bool,
    /// Derive a pair a source does not quote from two of its quotes at the same time
    /// (KGS/USD from nbk = KGS/KZT ÷ USD/KZT); derived rows say `via` and are never stored
    #[arg(long, overrides_with = "no_cross")]
    pub cross: bool,
    /// Direct quotes only, even when the config file says cross
    #[arg(long, overrides_with = "cross")]
    pub no_cross: bool,
}

impl SelectArgs {
    /// The typed selection, built before any work; spans count back from `now`.
    pub fn selection(&self, now: Instant) -> Result<Selection> {
        let sources = crate::selection::parse_sources(&self.source)?;
        let sel = Selection {
            pairs: parse_pairs(&self.pair)?,
            sources: sources.sources,
            by_group: sources.by_group,
            from: self.from.as_deref().map(|t| parse_time(t, End::Start, now)).transpose()?,
            to: self.to.as_deref().map(|t| parse_time(t, End::End, now)).transpose()?,
            invert: self.invert,
            cross: self.cross,
        };
        sel.validate()?;
        Ok(sel)
    }

    /// A listing (`history`, `conflicts`): every format in the selection's
    /// direction (DESIGN v4; a computed value carries its published quote).
    pub fn listing(&self, now: Instant) -> Result<Listing> {
        Ok(Listing { selection: self.selection(now)? })
    }
}

impl SelectArgs {
    /// Whether the range asked is closed and past, so its answer changes
    /// only if the store is corrected: `to` a date or time before `today`,
    /// and `from`, if given, one too (a span or `now` moves with the clock).
    pub fn closed_before(&self, today: chrono::NaiveDate) -> bool {
        self.to.as_deref().is_some_and(|end| ends_before(end, today)) && self.from.as_deref().is_none_or(is_absolute)
    }
}

/// A date or a time (not a span, not `now`).
fn is_absolute(v: &str) -> bool {
    v.len() >= 10 && v.as_bytes()[4] == b'-'
}

/// A date or time on a day before `today`.
pub(crate) fn ends_before(v: &str, today: chrono::NaiveDate) -> bool {
    let today = today.format("%Y-%m-%d").to_string();
    is_absolute(v) && v.get(..10).is_some_and(|day| day < today.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_range_ended_before_today_with_a_fixed_start_is_past() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 25).unwrap();
        let past = |from: Option<&str>, to: Option<&str>| {
            SelectArgs { from: from.map(Into::into), to: to.map(Into::into), ..SelectArgs::default() }.closed_before(today)
        };
        assert!(past(None, Some("2026-04-01")));
        assert!(past(Some("2026-01-01"), Some("2026-04-01T12:00:00Z")));
        assert!(!past(Some("36h"), Some("2026-04-01")), "a start that moves with the clock");
        assert!(!past(Some("now"), Some("2026-04-01")));
        assert!(!past(None, Some("2026-05-25")), "today is not over");
        assert!(!past(None, Some("2027-01-01")), "the future");
        assert!(!past(None, Some("now")));
        assert!(!past(None, None));
        assert!(ends_before("2026-04-01", today) && !ends_before("KZT", today));
    }
}

/// A `--source` value, typed and in lower case; a malformed label is a usage error.
pub fn source_arg(value: Option<&str>) -> Result<Option<crate::model::Source>> {
    value.map(crate::model::Source::label).transpose().map_err(|e: Error| Error::Usage(format!("--source: {e}")))
}

/// A URL's selection: the same names; `invert=false` and `cross=false` say
/// what the command line's `--no-invert` and `--no-cross` say.
impl FromUrl for SelectArgs {
    fn from_url(q: &UrlQuery) -> Result<Self> {
        let (pair, source, from, to) = (q.list("pair"), q.list("source"), q.text("from"), q.text("to"));
        let invert = q.flag("invert")?;
        let cross = q.flag("cross")?;
        Ok(SelectArgs {
            pair,
            source,
            from,
            to,
            invert: invert == Some(true),
            no_invert: invert == Some(false),
            cross: cross == Some(true),
            no_cross: cross == Some(false),
        })
    }
}

/// The configuration file's `[defaults]` of a selection, filled in where
/// the command line or the URL left them open (`config` reads the file;
/// serve is handed this, already resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelectDefaults {
    pub pair: Vec<String>,
    pub source: Vec<String>,
    pub invert: bool,
    pub cross: bool,
}

impl SelectDefaults {
    pub fn apply(&self, s: &mut SelectArgs) {
        if s.source.is_empty() {
            s.source.clone_from(&self.source);
        }
        if s.pair.is_empty() {
            s.pair.clone_from(&self.pair);
        }
        if !s.invert && !s.no_invert {
            s.invert = self.invert;
        }
        if !s.cross && !s.no_cross {
            s.cross = self.cross;
        }
    }
}
