//! The report's charts: for each selected pair, one SVG per range, drawn
//! in-process by the chart code with the panels `fxsnap chart` builds (the
//! same reduction, the same reading of the store), each with a text
//! alternative that says what it shows.

use crate::chart::{self, ChartOptions, Panel, Theme};
use crate::cross::CrossView;
use crate::error::{Error, Result};
use crate::model::{Instant, Pair};
use crate::query::panels::{build_panels, caption, snap_for, with_cross_lines};
use crate::selection::{Resolved, Selection, View};
use crate::store::Store;
use crate::timespec::{parse_time, End};

/// The size each chart is drawn at: one pair, readable at phone width
/// (shown at about 0.85 of this on a 375 px screen) and three abreast on a
/// desktop.
pub const CHART_WIDTH: u32 = 480;
pub const CHART_HEIGHT: u32 = 420;

/// One `--ranges` item: a span back from the end (`30d`, `1y`) or `all`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeSpec {
    /// As given, lower case: also the file-name suffix.
    pub label: String,
    /// `None` for `all`.
    span: Option<String>,
}

impl RangeSpec {
    /// In a sentence: `the last 30 days`, `all observations`.
    pub fn phrase(&self) -> String {
        match self.span {
            Some(_) => format!("the {}", self.describe()),
            None => self.describe(),
        }
    }

    /// For people: `last 30 days`, `last year`, `all observations`.
    pub fn describe(&self) -> String {
        let Some(span) = &self.span else { return "all observations".into() };
        let (n, unit) = span.split_at(span.len() - 1);
        let word = match unit {
            "h" => "hour",
            "d" => "day",
            "w" => "week",
            "m" => "month",
            _ => "year",
        };
        if n == "1" {
            format!("last {word}")
        } else {
            format!("last {n} {word}s")
        }
    }
}

/// Parses `--ranges`: comma-separated spans (`36h`, `30d`, `12w`, `6m`, `2y`) or `all`.
pub fn parse_ranges(s: &str) -> Result<Vec<RangeSpec>> {
    let mut out: Vec<RangeSpec> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let label = part.to_ascii_lowercase();
        let spec = if label == "all" {
            RangeSpec { label, span: None }
        } else {
            if !is_span(&label) {
                return Err(Error::Usage(format!("--ranges {part}: a range is a span back from the end (36h, 30d, 12w, 6m, 2y) or `all`")));
            }
            RangeSpec { span: Some(label.clone()), label }
        };
        if !out.contains(&spec) {
            out.push(spec);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage("--ranges: give at least one range (30d,1y,all)".into()));
    }
    Ok(out)
}

/// `36h`, `30d`, `12w`, `6m`, `2y`: a positive count and a unit.
pub fn is_span(label: &str) -> bool {
    if !label.is_ascii() || label.len() < 2 {
        return false;
    }
    let (n, unit) = label.split_at(label.len() - 1);
    n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()) && n.bytes().any(|b| b != b'0') && matches!(unit, "h" | "d" | "w" | "m" | "y")
}

/// `--stale DUR` in seconds, counted back from `now`.
pub fn parse_stale(s: &str, now: Instant) -> Result<i64> {
    let label = s.trim().to_ascii_lowercase();
    if !is_span(&label) {
        return Err(Error::Usage(format!("--stale {s}: give a span such as 36h, 7d, 2w, 6m")));
    }
    let start = parse_time(&label, End::Start, now).map_err(|e| Error::Usage(format!("--stale {s}: {e}")))?;
    Ok(now.unix() - start.unix())
}

/// One chart of the page: its file (when there was something to draw) and its words.
pub struct Figure {
    pub range: RangeSpec,
    /// The file name in the report folder and the SVG, or None for an empty range.
    pub svg: Option<(String, String)>,
    /// The text alternative (or, for an empty range, the note shown instead).
    pub alt: String,
    /// The dates the chart spans, for its caption.
    pub span: String,
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
    let from = match &range.span {
        Some(span) => {
            let start = parse_time(span, End::Start, end)?;
            Some(sel.from.map_or(start, |f| f.max(start)))
        }
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
    let mut newest: Option<Instant> = None;
    for v in &g.views {
        if let Some(o) = store.latest(&v.series, Some(end))? {
            newest = Some(newest.map_or(o.at, |n| n.max(o.at)));
        }
    }
    let note = match newest {
        Some(n) => format!("No observations of {pair} in {} ({span}); the newest is from {}.", range.phrase(), day(n.unix())),
        None => format!("No observations of {pair} in {} ({span}).", range.phrase()),
    };
    let empty = || Figure { range: range.clone(), svg: None, alt: note.clone(), span: span.clone() };
    if first == i64::MAX || t0 > t1 {
        return Ok(empty());
    }
    let mut opts = ChartOptions::new(t0, t1);
    opts.width = CHART_WIDTH;
    opts.height = CHART_HEIGHT;
    opts.theme = theme;
    let columns = chart::plot_columns(&opts);
    opts.snap = snap_for(store, t0, t1, columns);
    let panels = with_cross_lines(build_panels(store, &g.views, t0, t1, Some(columns))?, store, &g.views, &g.crosses, t0, t1, columns)?;
    let Some(panel) = panels.first() else {
        return Ok(empty());
    };
    opts.caption = caption(&panels, None, made);
    let svg = match chart::render_svg_string(&opts, &panels) {
        Ok(s) => s,
        Err(chart::ChartError::NoData) => return Ok(empty()),
        Err(e) => return Err(Error::Chart(format!("report: the {pair} chart over {}: {e}", range.label))),
    };
    let name = format!("{}-{}.svg", pair.to_ascii_lowercase().replace('/', "-"), range.label);
    Ok(Figure { range: range.clone(), alt: alt_text(panel, range, &span), svg: Some((name, svg)), span })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_spans_or_all() {
        let r = parse_ranges("30d, 1Y,all,30d").unwrap();
        assert_eq!(r.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(), ["30d", "1y", "all"]);
        assert_eq!(r[0].describe(), "last 30 days");
        assert_eq!(r[1].describe(), "last year");
        assert_eq!(r[2].describe(), "all observations");
        let now = Instant::parse("2026-03-31T12:00:00Z").unwrap();
        assert_eq!(parse_stale("7d", now).unwrap(), 7 * 86_400);
        assert_eq!(parse_stale("36H", now).unwrap(), 36 * 3600);
        assert!(parse_stale("all", now).is_err());
        for bad in ["", "é", "2015-01-01", "0d", "d", "5x", "../x", "now"] {
            assert!(parse_ranges(bad).is_err(), "{bad}");
        }
    }
}
