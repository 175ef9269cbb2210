//! What a reading command asks for (pairs, sources, range, direction,
//! cross rates), typed, and resolved against the series in the store:
//! DESIGN "Pairs, direction, cross rates and precision".

use std::collections::BTreeMap;

use crate::cross::CrossView;
use crate::error::{Error, Result};
use crate::model::{Currency, Instant, Pair, Source};
use crate::store::{Series, Store};

/// The five currencies of the default selection, each against USD.
pub const THE_FIVE: [&str; 5] = ["KGS", "KZT", "TJS", "UZS", "TMT"];

/// Which pairs a command asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Pairs {
    /// No `--pair`: the five, XXX/USD.
    #[default]
    TheFive,
    /// `--pair all`: every series in the store.
    All,
    /// Asked pairs in the asked direction.
    Listed(Vec<Pair>),
}

/// A reading command's request, built from the command line before any work.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub pairs: Pairs,
    /// Lower-case labels; empty means every source.
    pub sources: Vec<Source>,
    /// Those of `sources` only a group (`official`) named: the store need
    /// not have each, only one of them.
    pub by_group: Vec<Source>,
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    pub invert: bool,
    /// Derive a pair a source does not quote from two of its quotes.
    pub cross: bool,
}

/// A stored series and the direction it is shown in.
#[derive(Clone, Debug)]
pub struct View {
    pub series: Series,
    pub shown: Pair,
    /// No direction was asked (`--pair all`) and the pair has no USD side:
    /// each value is shown as its source quoted it.
    pub as_quoted: bool,
}

impl View {
    /// The direction one observation of this view is shown in.
    pub fn shown_for(&self, quoted: Pair) -> Pair {
        if self.as_quoted {
            quoted
        } else {
            self.shown
        }
    }
}

/// What a selection resolves to: stored series, and (with `--cross`) pairs
/// derived from two series of one source.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub direct: Vec<View>,
    pub cross: Vec<CrossView>,
}

impl Selection {
    /// The stored series selected, ordered by shown pair then source. Cross
    /// rates are not derived here (see [`Selection::resolve_with_cross`]);
    /// an asked pair no selected source quotes is an error suggesting `--cross`.
    pub fn resolve(&self, store: &Store) -> Result<Vec<View>> {
        let r = self.resolve_inner(store, false)?;
        Ok(r.direct)
    }

    /// Direct views and, when `--cross` was given, the derived ones.
    pub fn resolve_with_cross(&self, store: &Store) -> Result<Resolved> {
        self.resolve_inner(store, self.cross)
    }

    fn resolve_inner(&self, store: &Store, cross: bool) -> Result<Resolved> {
        let all = store.series()?;
        self.check_sources(&all)?;
        let selected: Vec<&Series> = all.iter().filter(|s| self.source_selected(&s.source)).collect();
        let asked: Vec<Pair> = match &self.pairs {
            Pairs::All => {
                let mut v: Vec<Pair> = selected.iter().map(|s| s.pair).collect();
                v.dedup();
                v
            }
            Pairs::TheFive => the_five(),
            Pairs::Listed(p) => p.clone(),
        };
        let mut out = Resolved::default();
        for dir in &asked {
            let shown = if self.invert { dir.inverse() } else { *dir };
            let mut found = false;
            for s in selected.iter().filter(|s| s.pair == dir.canonical()) {
                let as_quoted = self.pairs == Pairs::All && !self.invert && dir.base != Currency::USD && dir.quote != Currency::USD;
                out.direct.push(View { series: (*s).clone(), shown, as_quoted });
                found = true;
            }
            if cross && self.pairs != Pairs::All {
                for source in sources_of(&selected) {
                    if selected.iter().any(|s| s.source == *source && s.pair == dir.canonical()) {
                        continue;
                    }
                    if let Some(v) = CrossView::find(&selected, source, shown) {
                        out.cross.push(v);
                        found = true;
                    }
                }
            }
            if !found {
                if let Pairs::Listed(_) = self.pairs {
                    return Err(self.not_quoted(*dir, &selected, &all));
                }
            }
        }
        // An empty store is an empty answer (a header, `[]`); a store whose
        // series the selection misses says what it has.
        if out.direct.is_empty() && out.cross.is_empty() && !all.is_empty() {
            return Err(self.nothing_selected(&selected, &all));
        }
        out.direct.sort_by(|a, b| (a.shown.to_string(), &a.series.source).cmp(&(b.shown.to_string(), &b.series.source)));
        out.cross.sort_by(|a, b| (a.shown.to_string(), &a.source).cmp(&(b.shown.to_string(), &b.source)));
        Ok(out)
    }

    fn source_selected(&self, s: &Source) -> bool {
        self.sources.is_empty() || self.sources.iter().any(|x| x.as_str().eq_ignore_ascii_case(s.as_str()))
    }

    /// A `--source` the store has no series of is named, with the ones it has.
    fn check_sources(&self, all: &[Series]) -> Result<()> {
        check_stored_sources(&self.sources, &self.by_group, all)
    }

    /// The error for an asked pair no selected source quotes: names the
    /// sources that could derive it with `--cross`, or what the store has.
    fn not_quoted(&self, pair: Pair, selected: &[&Series], all: &[Series]) -> Error {
        let from = self.of_sources();
        let derivable: Vec<String> = sources_of(selected)
            .into_iter()
            .filter_map(|src| CrossView::find(selected, src, pair).map(|v| format!("{src} via {}", v.via)))
            .collect();
        if !self.cross && !derivable.is_empty() {
            return Error::NotFound(format!("no source quotes {pair}{from} directly; add --cross to derive it ({})", derivable.join(", ")));
        }
        Error::NotFound(format!("no observations of {pair}{from} in the store (its pairs: {})", list_or_none(stored_pairs(all))))
    }

    fn nothing_selected(&self, selected: &[&Series], all: &[Series]) -> Error {
        let what = match &self.pairs {
            Pairs::TheFive => "none of the five (KGS, KZT, TJS, UZS, TMT against USD)".to_string(),
            Pairs::All => "no series".to_string(),
            Pairs::Listed(p) => p.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", "),
        };
        let hint = if self.cross { "" } else { "; --cross derives pairs a source does not quote, --pair all shows every series" };
        Error::NotFound(format!(
            "{what} is quoted by {} in the store (its pairs: {}){hint}",
            if self.sources.is_empty() { "any source".to_string() } else { list_or_none(stored_sources_of(selected)) },
            list_or_none(stored_pairs(all))
        ))
    }

    /// Every stored series the selection names, in either direction (no
    /// default five: `delete`): a source or pair the store does not have is
    /// an error naming what it has.
    pub fn stored_series(&self, store: &Store) -> Result<Vec<Series>> {
        let all = store.series()?;
        self.check_sources(&all)?;
        let selected = |s: &&Series| self.source_selected(&s.source);
        if let Pairs::Listed(pairs) = &self.pairs {
            for p in pairs {
                if !all.iter().filter(selected).any(|s| s.pair == p.canonical()) {
                    let have: Vec<Series> = all.iter().filter(selected).cloned().collect();
                    return Err(Error::NotFound(format!(
                        "no observations of {p} in the store{} (its pairs: {})",
                        self.of_sources(),
                        list_or_none(stored_pairs(&have))
                    )));
                }
            }
        }
        let wanted = |pair: Pair| match &self.pairs {
            Pairs::Listed(pairs) => pairs.iter().any(|p| p.canonical() == pair),
            Pairs::All | Pairs::TheFive => true,
        };
        Ok(all.iter().filter(selected).filter(|s| wanted(s.pair)).cloned().collect())
    }

    /// ` from nbk, nbu` for messages (empty without `--source`).
    fn of_sources(&self) -> String {
        if self.sources.is_empty() {
            String::new()
        } else {
            format!(" from {}", self.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))
        }
    }

    /// `--from` after `--to` is a usage error.
    pub fn validate(&self) -> Result<()> {
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if f > t {
                return Err(Error::Usage(format!("--from {f} is after --to {t}")));
            }
        }
        Ok(())
    }
}

fn the_five() -> Vec<Pair> {
    THE_FIVE.iter().filter_map(|c| c.parse::<Currency>().ok()).filter_map(|c| Pair::new(c, Currency::USD).ok()).collect()
}

fn sources_of<'a>(series: &[&'a Series]) -> Vec<&'a Source> {
    let mut v: Vec<&Source> = series.iter().map(|s| &s.source).collect();
    v.sort();
    v.dedup();
    v
}

/// The stored sources, sorted, once each.
pub fn stored_sources(all: &[Series]) -> Vec<String> {
    let mut v: Vec<String> = all.iter().map(|s| s.source.to_string()).collect();
    v.sort();
    v.dedup();
    v
}

fn stored_sources_of(series: &[&Series]) -> Vec<String> {
    sources_of(series).into_iter().map(|s| s.to_string()).collect()
}

/// The stored pairs, with the sources of each: `KZT/USD (nbk, timesca)`
/// (the first 30, then how many more).
pub fn stored_pairs(all: &[Series]) -> Vec<String> {
    let mut by_pair: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for s in all {
        by_pair.entry(s.pair.to_string()).or_default().push(s.source.as_str());
    }
    const SHOWN: usize = 30;
    let n = by_pair.len();
    let mut v: Vec<String> = by_pair.into_iter().take(SHOWN).map(|(p, s)| format!("{p} ({})", s.join(", "))).collect();
    if n > SHOWN {
        v.push(format!("… {} more: see `fxsnap latest --pair all`", n - SHOWN));
    }
    v
}

/// The items joined with commas, or `none`.
pub fn list_or_none(v: Vec<String>) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Parses `--pair` values: repeatable and comma-separated; `all` alone
/// selects every series.
pub fn parse_pairs(values: &[String]) -> Result<Pairs> {
    let mut out: Vec<Pair> = Vec::new();
    let mut all = false;
    for v in values {
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("all") {
                all = true;
                continue;
            }
            let p: Pair = part.parse().map_err(|e: Error| Error::Usage(format!("--pair {part}: {e}")))?;
            if !out.iter().any(|q| q.canonical() == p.canonical()) {
                out.push(p);
            }
        }
    }
    match (all, out.is_empty()) {
        (true, true) => Ok(Pairs::All),
        (true, false) => Err(Error::Usage("--pair all selects every series: give it alone, without other pairs".into())),
        (false, true) => Ok(Pairs::TheFive),
        (false, false) => Ok(Pairs::Listed(out)),
    }
}

/// The group `--source official`: the six central banks.
pub const OFFICIAL: [&str; 6] = ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"];

/// Parsed `--source` values: every source asked (a group expanded, in its
/// order), and those that only a group named.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceArgs {
    /// Empty: every source (`--source all`, or none given).
    pub sources: Vec<Source>,
    pub by_group: Vec<Source>,
}

/// Parses `--source` values: repeatable, comma-separated, case-insensitive
/// (labels are stored lower case); `official` is the six central banks,
/// `all` (alone) every source.
pub fn parse_sources(values: &[String]) -> Result<SourceArgs> {
    let mut out = SourceArgs::default();
    let mut all = false;
    let mut named: Vec<Source> = Vec::new();
    for v in values {
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("all") {
                all = true;
                continue;
            }
            let group = part.eq_ignore_ascii_case("official");
            let labels: Vec<String> =
                if group { OFFICIAL.iter().map(|l| l.to_string()).collect() } else { vec![part.to_ascii_lowercase()] };
            for label in labels {
                let s: Source = label.parse().map_err(|e: Error| Error::Usage(format!("--source: {e}")))?;
                if group {
                    if !named.contains(&s) && !out.by_group.contains(&s) {
                        out.by_group.push(s.clone());
                    }
                } else {
                    out.by_group.retain(|g| g != &s);
                    named.push(s.clone());
                }
                if !out.sources.contains(&s) {
                    out.sources.push(s);
                }
            }
        }
    }
    if all {
        if !out.sources.is_empty() {
            return Err(Error::Usage("--source all selects every source: give it alone, without other sources".into()));
        }
        return Ok(SourceArgs::default());
    }
    Ok(out)
}

/// Each source named one by one must be in the store; of those only a
/// group named, at least one. The error names what the store has.
pub fn check_stored_sources(sources: &[Source], by_group: &[Source], all: &[Series]) -> Result<()> {
    let stored = |want: &Source| all.iter().any(|s| s.source.as_str().eq_ignore_ascii_case(want.as_str()));
    for want in sources.iter().filter(|s| !by_group.contains(s)) {
        if !stored(want) {
            return Err(Error::NotFound(format!(
                "no observations from source '{want}' in the store (it has: {})",
                list_or_none(stored_sources(all))
            )));
        }
    }
    if !by_group.is_empty() && !by_group.iter().any(stored) {
        let group: Vec<String> = by_group.iter().map(|s| s.to_string()).collect();
        return Err(Error::NotFound(format!(
            "no observations from any official source ({}) in the store (it has: {})",
            group.join(", "),
            list_or_none(stored_sources(all))
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_default_to_the_five_and_all_stands_alone() {
        assert_eq!(parse_pairs(&[]).unwrap(), Pairs::TheFive);
        assert_eq!(parse_pairs(&["ALL".into()]).unwrap(), Pairs::All);
        assert!(parse_pairs(&["all,KZT".into()]).is_err());
        let Pairs::Listed(p) = parse_pairs(&["KZT/KGS, usd/kzt".into(), "KZT".into()]).unwrap() else { panic!("not listed") };
        assert_eq!(p.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["KZT/KGS", "USD/KZT"]);
        assert_eq!(the_five().len(), 5);
    }

    fn labels(v: &[Source]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sources_are_lower_case_and_repeatable() {
        let s = parse_sources(&["NBK,timesca".into(), "nbk".into()]).unwrap();
        assert_eq!(labels(&s.sources), ["nbk", "timesca"]);
        assert!(s.by_group.is_empty());
        assert!(parse_sources(&["no good".into()]).is_err());
    }

    #[test]
    fn official_is_the_six_central_banks_and_all_stands_alone() {
        let s = parse_sources(&["Official".into()]).unwrap();
        assert_eq!(labels(&s.sources), ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]);
        assert_eq!(s.by_group, s.sources);
        // A bank also named on its own must be in the store.
        let s = parse_sources(&["timesca,official".into(), "cbr".into()]).unwrap();
        assert_eq!(labels(&s.sources), ["timesca", "nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]);
        assert_eq!(labels(&s.by_group), ["nbk", "nbkr", "cbu", "nbt", "cbt"]);
        assert_eq!(parse_sources(&["ALL".into()]).unwrap(), SourceArgs::default());
        assert!(matches!(parse_sources(&["all,nbk".into()]), Err(Error::Usage(_))));
    }
}
