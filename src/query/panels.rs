//! A chart's panels, read from the store: each selected series already
//! reduced for the picture (M4 per pixel column, from the rollups on long
//! ranges), with what the legend, titles and axes need (each source's last
//! value and change, the coarsest line's last quoted digit, what the pair means);
//! `--vs` turns them into deviations from one source. `fxsnap chart` and the
//! report's charts draw these.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::chart::deviation::{deviation, last_per_day};
use crate::chart::meaning::meaning;
use crate::chart::{self, ChartError, Line, Panel};
use crate::cross::{CrossView, Derived};
use crate::error::{Error, Result};
use crate::model::{round_significant, Currency, Instant, Observation, Pair, Source};
use crate::precision::{quoted_pct, LOW_PRECISION_PCT};
use crate::selection::View;
use crate::store::Store;

pub use crate::chart::reduce::rollups::snap_for;
use crate::chart::reduce::rollups::{all_points, reduced_points};

/// The range drawn: from `--from` (or the data's first time) to `--to`, or to the time the chart
/// is made, so a feed that stopped shows as a gap at the right. `None`: no data in it.
pub fn range(
    store: &Store,
    views: &[View],
    crosses: &[CrossView],
    from: Option<Instant>,
    to: Option<Instant>,
    made: Instant,
) -> Result<Option<(i64, i64)>> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    // A derived line spans at most its legs' common span: the legs' spans bound it.
    let legs = crosses.iter().flat_map(|c| [c.num.id, c.den.id]);
    for id in views.iter().map(|v| v.series.id).chain(legs) {
        if let Some((a, b)) = store.time_span(id, from, to)? {
            lo = lo.min(a.unix());
            hi = hi.max(b.unix());
        }
    }
    if lo > hi {
        return Ok(None);
    }
    let t1 = to.map(|t| t.unix()).unwrap_or_else(|| made.unix().max(hi));
    Ok(Some((from.map(|f| f.unix()).unwrap_or(lo), t1)))
}

/// The newest observation at or before `to` among the selected series (a derived pair's legs
/// stand for it): what an empty range's words name.
pub fn newest(store: &Store, views: &[View], crosses: &[CrossView], to: Instant) -> Result<Option<Instant>> {
    let legs = crosses.iter().flat_map(|c| [&c.num, &c.den]);
    let mut newest: Option<Instant> = None;
    for series in views.iter().map(|v| &v.series).chain(legs) {
        if let Some(o) = store.latest(series, Some(to))? {
            newest = Some(newest.map_or(o.at, |n| n.max(o.at)));
        }
    }
    Ok(newest)
}

/// A range with nothing to draw: its ends and the newest observation before its end. Shown, it
/// is the sentence a chart or an error says: `no observations between 2026-11-23 and
/// 2026-11-30; the newest is from 2026-10-31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmptyRange {
    pub from: Option<Instant>,
    pub to: Instant,
    pub newest: Option<Instant>,
}

impl EmptyRange {
    /// The empty range `from..=to` of the selected series.
    pub fn of(store: &Store, views: &[View], crosses: &[CrossView], from: Option<Instant>, to: Instant) -> Result<EmptyRange> {
        Ok(EmptyRange { from, to, newest: newest(store, views, crosses, to)? })
    }

    /// The time range its chart spans: `from..=to`, or the day before `to` when open.
    pub fn span(&self) -> (i64, i64) {
        let t1 = self.to.unix();
        (self.from.map_or(t1 - 86_400, |f| f.unix().min(t1)), t1)
    }
}

impl std::fmt::Display for EmptyRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day = |t: Instant| t.datetime().format("%Y-%m-%d").to_string();
        match self.from {
            Some(from) => write!(f, "no observations between {} and {}", day(from), day(self.to))?,
            None => write!(f, "no observations up to {}", day(self.to))?,
        }
        match self.newest {
            Some(n) => write!(f, "; the newest is from {}", day(n)),
            None => Ok(()),
        }
    }
}

/// The panels of an empty range's chart: one per selected pair, in selection order, without
/// lines (the chart draws its note in each).
pub fn empty_panels(views: &[View], crosses: &[CrossView]) -> Vec<Panel> {
    let mut pairs: Vec<Pair> = Vec::new();
    for p in views.iter().map(|v| v.shown).chain(crosses.iter().map(|c| c.shown)) {
        if !pairs.contains(&p) {
            pairs.push(p);
        }
    }
    pairs
        .into_iter()
        .map(|p| Panel {
            pair: p.to_string(),
            meaning: meaning(p.base.as_str(), p.quote.as_str()),
            lines: Vec::new(),
            decimals: None,
            zero_line: false,
        })
        .collect()
}

/// A legend entry's change over the range: the one change % (decimal, from
/// the exact stored values), shown to two decimals.
fn change_pct(first: &Observation, last: &Observation, shown: Pair) -> Option<f64> {
    // One observation in the range has no change to tell (not "0.00%").
    if first.at == last.at {
        return None;
    }
    crate::query::change_pct(first, last, shown)?.to_f64()
}

/// A legend's last value: exactly as stored when shown as quoted; a computed inverse gets no
/// more significant digits than the quote had, and `≈` (1 / 0.01143 is ≈87.49, not 87.48906387).
fn shown_text(o: &Observation, shown: Pair) -> String {
    let quoted = o.rate.decimal();
    let text = if shown == o.pair {
        o.rate.to_string()
    } else {
        let digits = quoted.mantissa().unsigned_abs().to_string().len();
        let digits = u32::try_from(digits).unwrap_or(10).clamp(1, 6);
        format!("\u{2248}{}", round_significant(o.rate_as(shown).decimal(), digits))
    };
    // DESIGN's low-precision mark: half a unit of the last quoted digit over 2% of the value,
    // in decimal (as every other mark), to two decimals in a legend.
    let pct = quoted_pct(quoted);
    if quoted > Decimal::ZERO && pct > LOW_PRECISION_PCT {
        format!("{text} \u{b1}{:.2}%", pct.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
    } else {
        text
    }
}

/// The power of ten at or below `step` as decimals (0.0076 → 3, 20 → −1).
fn decimals_of_step(step: f64) -> Option<i32> {
    let e = step.log10().floor();
    (e.is_finite() && e.abs() < 300.0).then(|| e.to_i32().map(|e| -e)).flatten()
}

/// The last quoted digit of an observation shown as `shown`: its own scale when shown as
/// quoted; for a computed inverse, the step its quoted digit makes in the shown value, at or
/// below it.
fn decimals_of(o: &Observation, shown: Pair) -> Option<i32> {
    let quoted = o.rate.decimal();
    let scale = i32::try_from(quoted.scale()).ok()?;
    if shown == o.pair {
        return Some(scale);
    }
    let q = quoted.to_f64()?;
    let shown_value = o.rate_as(shown).decimal().to_f64()?;
    decimals_of_step(shown_value * 10f64.powi(-scale) / q)
}

/// The currency a pair's line is coloured by under `--index`: the one that is not USD.
fn group_of(p: Pair) -> String {
    if p.base == Currency::USD {
        p.quote.to_string()
    } else {
        p.base.to_string()
    }
}

/// A panel being gathered: its lines and the coarsest quoted digit seen (the axis spans at
/// least ten of its steps).
type PanelParts = (Vec<Line>, Option<i32>);

/// The panels of a chart over `t0..=t1`, one per shown pair, one line per
/// source; points reduced to `columns` pixel columns, or every point when
/// `columns` is None (for testing that the reduction is faithful).
pub fn build_panels(store: &Store, views: &[View], t0: i64, t1: i64, columns: Option<u32>) -> Result<Vec<Panel>> {
    direct_panels(store, views, t0, t1, columns, &mut Vec::new())
}

/// A chart's panels and the sources of the lines drawn (sorted, once each):
/// what its caption names.
#[derive(Clone, Debug)]
pub struct Drawn {
    pub panels: Vec<Panel>,
    pub sources: Vec<Source>,
}

impl Drawn {
    fn new(panels: Vec<Panel>, mut sources: Vec<Source>) -> Drawn {
        sources.sort();
        sources.dedup();
        Drawn { panels, sources }
    }
}

/// The panels of the stored series (`views`) and, with `--cross`, the derived
/// ones (`crosses`) over `t0..=t1`, reduced to `columns` pixel columns.
pub fn chart_panels(store: &Store, views: &[View], crosses: &[CrossView], t0: i64, t1: i64, columns: u32) -> Result<Drawn> {
    let mut sources = Vec::new();
    let panels = direct_panels(store, views, t0, t1, Some(columns), &mut sources)?;
    let panels = cross_lines(panels, store, views, crosses, t0, t1, columns, &mut sources)?;
    Ok(Drawn::new(panels, sources))
}

fn direct_panels(store: &Store, views: &[View], t0: i64, t1: i64, columns: Option<u32>, sources: &mut Vec<Source>) -> Result<Vec<Panel>> {
    // Panels in the order of the views (shown pair, then source).
    let mut panels: BTreeMap<Pair, PanelParts> = BTreeMap::new();
    let mut order: Vec<Pair> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        // The view's place among its pair's (views come grouped by pair).
        let slot = views[..i].iter().filter(|w| w.shown == v.shown).count();
        let points = match columns {
            Some(c) => reduced_points(store, v, t0, t1, c)?,
            None => all_points(store, v, t0, t1)?,
        };
        if points.is_empty() {
            continue;
        }
        if !panels.contains_key(&v.shown) {
            order.push(v.shown);
        }
        let entry = panels.entry(v.shown).or_insert_with(|| (Vec::new(), None));
        // Each source's own last value in the range and its change from its first.
        let last = store.latest(&v.series, Some(Instant::from_unix(t1)))?.filter(|l| l.at.unix() >= t0);
        let first = store.first_observation(&v.series, Instant::from_unix(t0), Instant::from_unix(t1))?;
        let (last_text, change) = match (&last, &first) {
            (Some(l), Some(f)) => (Some(shown_text(l, v.shown)), change_pct(f, l, v.shown)),
            (Some(l), None) => (Some(shown_text(l, v.shown)), None),
            _ => (None, None),
        };
        // the coarsest line rules the axis: the ticker's one-digit flip never fills the panel
        // however fine a bank's computed inverse is
        for o in last.iter().chain(first.iter()) {
            if let Some(d) = decimals_of(o, v.shown) {
                entry.1 = Some(entry.1.map_or(d, |e: i32| e.min(d)));
            }
        }
        sources.push(v.series.source.clone());
        entry.0.push(Line {
            label: v.series.source.to_string(),
            points,
            last: last_text,
            change_pct: change,
            group: group_of(v.shown),
            slot,
        });
    }
    let mut out = Vec::new();
    for pair in order {
        let Some((lines, decimals)) = panels.remove(&pair) else { continue };
        let meaning = meaning(pair.base.as_str(), pair.quote.as_str());
        out.push(Panel { pair: pair.to_string(), meaning, lines, decimals, zero_line: false });
    }
    Ok(out)
}

/// `--cross`: each derived pair's line (`nbk via KZT`) in its pair's panel,
/// from the values both legs have at the same time, reduced per pixel column
/// like a stored series (there are no rollups of a derived series: its
/// points are computed from the legs' observations, a few thousand for ten
/// years of daily quotes).
#[allow(clippy::too_many_arguments)]
fn cross_lines(
    mut panels: Vec<Panel>,
    store: &Store,
    views: &[View],
    crosses: &[CrossView],
    t0: i64,
    t1: i64,
    columns: u32,
    sources: &mut Vec<Source>,
) -> Result<Vec<Panel>> {
    let snap = snap_for(store, t0, t1, columns);
    for (i, cv) in crosses.iter().enumerate() {
        // After the pair's direct sources, in the order asked.
        let slot = views.iter().filter(|v| v.shown == cv.shown).count() + crosses[..i].iter().filter(|c| c.shown == cv.shown).count();
        let mut points = Vec::new();
        let mut first: Option<Derived> = None;
        let mut last: Option<Derived> = None;
        cv.for_each(store, Some(Instant::from_unix(t0)), Some(Instant::from_unix(t1)), |d| {
            points.push((d.obs.at.unix(), d.obs.rate.to_f64()));
            if first.is_none() {
                first = Some(d.clone());
            }
            last = Some(d);
            Ok(())
        })?;
        let Some(l) = last else { continue };
        let points = chart::m4_reduce_snapped(&points, t0, t1, columns, snap);
        let change = first.as_ref().and_then(|f| change_pct(&f.obs, &l.obs, cv.shown));
        let digits = l.quoted_digits.clamp(1, 10);
        let mut text = format!("\u{2248}{}", round_significant(l.obs.rate.decimal(), digits.min(6)));
        if let Some(p) = l.precision_pct {
            text = format!("{text} {}", crate::precision::mark(p));
        }
        // The last quoted digit's worth in the derived value, for the axis.
        let v = l.obs.rate.to_f64();
        let decimals = (v > 0.0).then(|| decimals_of_step(10f64.powf(v.log10().floor() - f64::from(digits - 1)))).flatten();
        sources.push(cv.source.clone());
        let line = Line {
            label: format!("{} via {}", cv.source, cv.via),
            points,
            last: Some(text),
            change_pct: change,
            group: group_of(cv.shown),
            slot,
        };
        let pair = cv.shown.to_string();
        match panels.iter_mut().find(|p| p.pair == pair) {
            Some(panel) => {
                panel.lines.push(line);
                if let Some(d) = decimals {
                    panel.decimals = Some(panel.decimals.map_or(d, |e| e.min(d)));
                }
            }
            None => panels.push(Panel {
                pair,
                meaning: meaning(cv.shown.base.as_str(), cv.shown.quote.as_str()),
                lines: vec![line],
                decimals,
                zero_line: false,
            }),
        }
    }
    Ok(panels)
}

/// `--vs`: per shown pair that `reference` quotes, every other source's deviation from it in %
/// on each day both have (see `chart::deviation`), reduced per pixel column like any line.
pub fn vs_panels(store: &Store, views: &[View], reference: &Source, t0: i64, t1: i64, columns: u32, snap: i64) -> Result<Drawn> {
    let mut sources = vec![reference.clone()];
    let mut out = Vec::new();
    let mut pairs: Vec<Pair> = views.iter().map(|v| v.shown).collect();
    pairs.dedup();
    for pair in pairs {
        let of_pair: Vec<&View> = views.iter().filter(|v| v.shown == pair).collect();
        let Some(rv) = of_pair.iter().find(|v| v.series.source == *reference) else { continue };
        let ref_days = last_per_day(&all_points(store, rv, t0, t1)?);
        if ref_days.is_empty() {
            continue;
        }
        let ref_step = relative_step(store, rv, t1)?;
        let mut lines = Vec::new();
        // the coarsest line's step rules the axis, as in a panel of rates
        let mut coarsest: Option<f64> = None;
        for (slot, v) in of_pair.iter().filter(|v| v.series.source != *reference).enumerate() {
            let dev = deviation(&last_per_day(&all_points(store, v, t0, t1)?), &ref_days);
            let Some(&(_, last)) = dev.last() else { continue };
            if let (Some(a), Some(b)) = (ref_step, relative_step(store, v, t1)?) {
                let step = (a + b) * 100.0;
                coarsest = Some(coarsest.map_or(step, |f| f.max(step)));
            }
            let points = chart::m4_reduce_snapped(&dev, t0, t1, columns, snap);
            let last_text = format!("{}{:.2}%", if last < 0.0 { "\u{2212}" } else { "+" }, last.abs());
            sources.push(v.series.source.clone());
            lines.push(Line {
                label: v.series.source.to_string(),
                points,
                last: Some(last_text),
                change_pct: None,
                group: group_of(pair),
                slot,
            });
        }
        if lines.is_empty() {
            continue;
        }
        let decimals = coarsest.and_then(decimals_of_step);
        out.push(Panel { pair: pair.to_string(), meaning: format!("deviation from {reference}, %"), lines, decimals, zero_line: true });
    }
    if out.is_empty() {
        return Err(Error::NotFound(format!(
            "--vs {reference}: no pair has observations from both {reference} and another source on the same day in the range"
        )));
    }
    Ok(Drawn::new(out, sources))
}

/// The relative step of a series' last quoted digit (0.00001 / 0.01144 for the ticker's KGS).
fn relative_step(store: &Store, v: &View, t1: i64) -> Result<Option<f64>> {
    let Some(o) = store.latest(&v.series, Some(Instant::from_unix(t1)))? else { return Ok(None) };
    let d = o.rate.decimal();
    let (Ok(scale), Some(x)) = (i32::try_from(d.scale()), d.to_f64()) else { return Ok(None) };
    Ok((x > 0.0).then(|| 10f64.powi(-scale) / x))
}

/// A drawing error as the command's error: a size is a usage error, data that
/// cannot be drawn (log of a non-positive value) invalid, the rest a chart failure.
pub fn chart_error(e: ChartError, what: &str) -> Error {
    match e {
        ChartError::NoData => nothing_to_chart(what, None),
        ChartError::Size { .. } => Error::Usage(e.to_string()),
        ChartError::NotPositive { .. } | ChartError::CannotRebase { .. } => Error::invalid(e.to_string()),
        other @ (ChartError::InvalidRange { .. }
        | ChartError::UnknownFormat { .. }
        | ChartError::Font
        | ChartError::Draw(_)
        | ChartError::Write { .. }
        | ChartError::Encode { .. }) => Error::Chart(other.to_string()),
    }
}

/// A chart with nothing to draw: why (the empty range and the newest date, when known).
pub fn nothing_to_chart(what: &str, empty: Option<&EmptyRange>) -> Error {
    let why = empty.map_or_else(|| "no observations in the range".to_string(), EmptyRange::to_string);
    Error::NotFound(format!("nothing to chart{what}: {why} (no file written)"))
}

/// A chart asked for, typed: what to select, `--vs`, and how it looks (size,
/// title, index, log, theme; its range is set per range drawn).
#[derive(Clone, Debug)]
pub struct ChartAsk {
    pub selection: crate::selection::Selection,
    pub vs: Option<Source>,
    pub look: chart::ChartOptions,
}

/// `--vs` against what the selection resolved to: it compares the sources' own
/// quotes, so it does not go with derived pairs, and its source must be among them.
pub fn check_vs(views: &[View], crosses: &[CrossView], vs: Option<&Source>) -> Result<()> {
    let Some(r) = vs else { return Ok(()) };
    if !crosses.is_empty() {
        return Err(Error::Usage("--vs compares the sources' own quotes: it does not go with --cross".into()));
    }
    if !views.iter().any(|v| v.series.source == *r) {
        return Err(Error::NotFound(format!("--vs {r}: no observations from source '{r}' among the selected series")));
    }
    Ok(())
}

/// One range of a chart, read: what to draw, a range without observations,
/// or observations that give no panel.
pub enum RangeChart {
    Drawn(chart::ChartOptions, Vec<Panel>),
    Empty(EmptyRange),
    Nothing,
}

/// The options and panels of one range (`from..to`, `to` defaulting to `made`)
/// of the chart `ask` describes (its `--vs` and look), from a store in its read
/// snapshot. The one code of `fxsnap chart` (each range of `--ranges`) and of
/// serve's `/chart.*`.
pub fn range_chart(
    store: &Store,
    views: &[View],
    crosses: &[CrossView],
    ask: &ChartAsk,
    from: Option<Instant>,
    to: Option<Instant>,
    made: Instant,
) -> Result<RangeChart> {
    let (vs, look) = (ask.vs.as_ref(), &ask.look);
    let Some((t0, t1)) = range(store, views, crosses, from, to, made)? else {
        return Ok(RangeChart::Empty(EmptyRange::of(store, views, crosses, from, to.unwrap_or(made))?));
    };
    let mut opts = chart::ChartOptions { t0, t1, ..look.clone() };
    let columns = chart::plot_columns(&opts);
    opts.snap = snap_for(store, t0, t1, columns);
    let drawn = match vs {
        None => chart_panels(store, views, crosses, t0, t1, columns)?,
        Some(r) => vs_panels(store, views, r, t0, t1, columns, opts.snap)?,
    };
    if drawn.panels.is_empty() {
        return Ok(RangeChart::Nothing);
    }
    opts.caption = caption(&drawn.sources, made);
    Ok(RangeChart::Drawn(opts, drawn.panels))
}

/// The caption: the sources drawn, with their full names, and when the chart was made.
pub fn caption(sources: &[Source], made: Instant) -> Vec<String> {
    let names: Vec<String> = sources.iter().map(|s| format!("{s} \u{2014} {}", crate::sources::full_name(s.as_str()))).collect();
    let what = if names.len() == 1 { "Source" } else { "Sources" };
    // no-break spaces keep the time in one piece when the caption wraps
    let made = format!("Made {} UTC with fxsnap.", made.datetime().format("%Y-%m-%d %H:%M")).replace(' ', "\u{a0}");
    if names.is_empty() {
        return vec![made]; // an empty range's chart draws no source
    }
    vec![format!("{what}: {}.", names.join("; ")), made]
}
