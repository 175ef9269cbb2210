//! What a reading command asks for (pairs, source, range, direction), typed,
//! and resolved against the series in the store.

use crate::error::{Error, Result};
use crate::model::{Instant, Pair, Source};
use crate::store::{Series, Store};

/// A reading command's request, built from the command line before any work.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Asked pairs in the asked direction; empty means every pair.
    pub pairs: Vec<Pair>,
    pub source: Option<Source>,
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    pub invert: bool,
}

/// A series and the direction it is shown in.
#[derive(Clone, Debug)]
pub struct View {
    pub series: Series,
    pub shown: Pair,
}

impl Selection {
    /// The series selected, ordered by shown pair then source. An asked pair
    /// with no series is an error naming it.
    pub fn resolve(&self, store: &Store) -> Result<Vec<View>> {
        let all = store.series()?;
        let mut views = Vec::new();
        for s in all {
            if self.source.as_ref().is_some_and(|src| !src.matches(&s.source)) {
                continue;
            }
            let asked = if self.pairs.is_empty() { Some(s.pair) } else { self.pairs.iter().copied().find(|p| p.canonical() == s.pair) };
            if let Some(dir) = asked {
                let shown = if self.invert { dir.inverse() } else { dir };
                views.push(View { series: s, shown });
            }
        }
        for p in &self.pairs {
            if !views.iter().any(|v| v.series.pair == p.canonical()) {
                let from = self.source.as_ref().map(|s| format!(" from source '{s}'")).unwrap_or_default();
                return Err(Error::invalid(format!("no observations of {p}{from} in the store")));
            }
        }
        if views.is_empty() {
            if let Some(s) = &self.source {
                return Err(Error::invalid(format!("no observations from source '{s}' in the store")));
            }
        }
        views.sort_by(|a, b| (a.shown.to_string(), &a.series.source).cmp(&(b.shown.to_string(), &b.series.source)));
        Ok(views)
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

/// Parses `--pair` values: repeatable and comma-separated; `all` (every
/// series) gives the empty list.
pub fn parse_pairs(values: &[String]) -> Result<Vec<Pair>> {
    let mut out: Vec<Pair> = Vec::new();
    if values.iter().flat_map(|v| v.split(',')).any(|p| p.trim().eq_ignore_ascii_case("all")) {
        return Ok(out);
    }
    for v in values {
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let p: Pair = part.parse().map_err(|e: Error| Error::Usage(format!("--pair {part}: {e}")))?;
            if !out.iter().any(|q| q.canonical() == p.canonical()) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Whether any `--pair` value names a direction (`USD/KZT`) rather than only a currency.
pub fn names_direction(values: &[String]) -> bool {
    values.iter().any(|v| v.contains('/'))
}
