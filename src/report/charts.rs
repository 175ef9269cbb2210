//! The report's charts: for each selected pair, one SVG per range, drawn
//! in-process by the chart code with the panels `fxsnap chart` builds (the
//! same reduction, the same reading of the store), each with a text
//! alternative that says what it shows.

use crate::chart::{self, ChartOptions, Panel, Theme};
use crate::cross::CrossView;
use crate::error::{Error, Result};
use crate::model::{Instant, Pair};
use crate::query::panels::{caption, chart_panels, snap_for, EmptyRange};
use crate::selection::{Resolved, Selection, View};
use crate::store::Store;
use crate::timespec::RangeSpec;

/// The size each chart is drawn at: one pair, readable at phone width
/// (shown at about 0.85 of this on a 375 px screen) and three abreast on a
/// desktop.
pub const CHART_WIDTH: u32 = 480;
pub const CHART_HEIGHT: u32 = 420;

/// One chart of the page: its file, or for a range without observations the sentence saying so.
pub struct Figure {
    pub range: RangeSpec,
    /// The file name in the report folder and the SVG, or None for an empty range.
    pub svg: Option<(String, String)>,
    /// The text alternative of the chart.
    pub alt: String,
    /// The dates the chart spans, for its caption.
    pub span: String,
    /// Why there is no chart: the range and the newest observation before its end.
    pub empty: Option<EmptyRange>,
}

/// The charts of one pair, one per range.
pub struct PairCharts {
    pub pair: Pair,
    pub figures: Vec<Figure>,
}

/// The charts of every selected pair (stored series, and with `--cross`
/// derived ones, in one panel per pair as `chart` draws them), in pair
/// order, over every range; the end of each range is `--to`, or `now`.
pub fn pair_charts(
    store: &Store,
    sel: &Selection,
    resolved: &Resolved,
    ranges: &[RangeSpec],
    now: Instant,
    theme: Theme,
) -> Result<Vec<PairCharts>> {
    let end = sel.to.unwrap_or(now);
    let mut pairs: Vec<Pair> = resolved.direct.iter().map(|v| v.shown).chain(resolved.cross.iter().map(|c| c.shown)).collect();
    pairs.sort_by_key(|p| p.to_string());
    pairs.dedup();
    let mut out: Vec<PairCharts> = Vec::new();
    for pair in pairs {
        let group = Group {
            pair,
            views: resolved.direct.iter().filter(|v| v.shown == pair).cloned().collect(),
            crosses: resolved.cross.iter().filter(|c| c.shown == pair).cloned().collect(),
        };
        let mut figures = Vec::new();
        for r in ranges {
            figures.push(figure(store, sel, &group, r, end, now, theme)?);
        }
        out.push(PairCharts { pair, figures });
    }
    Ok(out)
}

/// What one pair's charts draw: its stored series and its derived ones.
struct Group {
    pair: Pair,
    views: Vec<View>,
    crosses: Vec<CrossView>,
}

fn figure(store: &Store, sel: &Selection, g: &Group, range: &RangeSpec, end: Instant, made: Instant, theme: Theme) -> Result<Figure> {
    let pair = g.pair.to_string();
    let from = match range.start(end)? {
        Some(start) => Some(sel.from.map_or(start, |f| f.max(start))),
        None => sel.from,
    };
    // A derived line spans at most its legs' common span: the legs' spans bound it.
    let mut first = i64::MAX;
    for id in g.views.iter().map(|v| v.series.id).chain(g.crosses.iter().flat_map(|c| [c.num.id, c.den.id])) {
        if let Some((a, _)) = store.time_span(id, from, Some(end))? {
            first = first.min(a.unix());
        }
    }
    let t1 = end.unix();
    let t0 = from.map_or(first, |f| f.unix());
    let day = |t: i64| Instant::from_unix(t).datetime().format("%Y-%m-%d").to_string();
    let span = format!("{} to {}", day(t0.min(t1)), day(t1));
    let empty = || -> Result<Figure> {
        let why = EmptyRange::of(store, &g.views, &g.crosses, from, end)?;
        Ok(Figure { range: range.clone(), svg: None, alt: String::new(), span: span.clone(), empty: Some(why) })
    };
    if first == i64::MAX || t0 > t1 {
        return empty();
    }
    let mut opts = ChartOptions::new(t0, t1);
    opts.width = CHART_WIDTH;
    opts.height = CHART_HEIGHT;
    opts.theme = theme;
    let columns = chart::plot_columns(&opts);
    opts.snap = snap_for(store, t0, t1, columns);
    let drawn = chart_panels(store, &g.views, &g.crosses, t0, t1, columns)?;
    let panels = drawn.panels;
    let Some(panel) = panels.first() else {
        return empty();
    };
    opts.caption = caption(&drawn.sources, made);
    let svg = match chart::render_svg_string(&opts, &panels) {
        Ok(s) => s,
        Err(chart::ChartError::NoData) => return empty(),
        Err(e) => return Err(Error::Chart(format!("report: the {pair} chart over {}: {e}", range.label))),
    };
    let name = format!("{}-{}.svg", pair.to_ascii_lowercase().replace('/', "-"), range.label);
    Ok(Figure { range: range.clone(), alt: alt_text(panel, range, &span), svg: Some((name, svg)), span, empty: None })
}

/// What the chart shows, in words: the pair and its meaning, the range,
/// and each source's last value and change over the range (the legend).
fn alt_text(panel: &Panel, range: &RangeSpec, span: &str) -> String {
    let mut s = format!("Chart of {} ({}) over {} ({span}): ", panel.pair, panel.meaning, range.phrase());
    let lines: Vec<String> = panel
        .lines
        .iter()
        .map(|l| {
            let mut t = l.label.clone();
            if let Some(last) = &l.last {
                t.push_str(&format!(", last {last}"));
            }
            if let Some(c) = l.change_pct {
                t.push_str(&format!(", {c:+.2}% over the range"));
            }
            t
        })
        .collect();
    s.push_str(&lines.join("; "));
    s.push('.');
    s
}
