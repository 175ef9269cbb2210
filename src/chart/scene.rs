//! What to draw, before any pixel: the panels and their lines as the chart shows them (in the
//! range, rebased under `--index`), their titles and legend labels, colours and dashes.

use plotters::style::RGBColor;

use super::theme::Colours;
use super::{ChartError, ChartOptions, Panel};

/// How a line is stroked: under `--index` each source has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongShort,
}

/// The dash of the `i`-th source.
fn dash_of(i: usize) -> Dash {
    [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongShort][i % 4]
}

/// One line as drawn: its legend labels, colour, dash and points (in the range, sorted).
pub(super) struct DLine {
    /// The legend entry, in full and shorter: `[name, last and change; name and change; name]`
    /// (a chart short of height drops the values before it drops anything else).
    pub labels: [String; 3],
    pub color: RGBColor,
    pub dash: Dash,
    pub points: Vec<(i64, f64)>,
}

/// One panel as drawn.
pub(super) struct DPanel {
    /// (text, bold, colour) pieces of the title, drawn one after another.
    pub title: Vec<(String, bool, RGBColor)>,
    pub lines: Vec<DLine>,
    pub legend: bool,
    /// The data's last quoted digit (see [`Panel::decimals`]).
    pub decimals: Option<i32>,
    pub zero_line: bool,
}

impl DPanel {
    /// The title as one string.
    pub(super) fn plain_title(&self) -> String {
        self.title.iter().map(|t| t.0.as_str()).collect()
    }
}

fn in_range(points: &[(i64, f64)], t0: i64, t1: i64) -> Vec<(i64, f64)> {
    let mut v: Vec<(i64, f64)> = points.iter().copied().filter(|&(t, v)| t >= t0 && t <= t1 && v.is_finite()).collect();
    if !v.windows(2).all(|w| w[0].0 <= w[1].0) {
        v.sort_by_key(|p| p.0);
    }
    v
}

/// `−1.5%` (a real minus sign), `+2.0%`, `0.00%`; more decimals for small changes.
pub(super) fn format_change(pct: f64) -> String {
    let a = pct.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 1.0 {
        1
    } else {
        2
    };
    let body = format!("{:.*}", decimals, a);
    if body.chars().all(|c| c == '0' || c == '.') {
        format!("{body}%")
    } else if pct < 0.0 {
        format!("\u{2212}{body}%")
    } else {
        format!("+{body}%")
    }
}

/// The legend labels of a line: the name, then the last value and the change when known; the
/// same without the last value; the name alone.
fn legend_labels(name: &str, last: Option<&str>, change: Option<f64>) -> [String; 3] {
    let change = change.filter(|c| c.is_finite()).map(|c| format!("  {}", format_change(c))).unwrap_or_default();
    let last = last.filter(|l| !l.is_empty()).map(|l| format!("  {l}")).unwrap_or_default();
    [format!("{name}{last}{change}"), format!("{name}{change}"), name.to_string()]
}

/// The first value under 0 (or at 0) of a panel, for a log axis.
fn check_positive(what: &str, points: &[(i64, f64)]) -> Result<(), ChartError> {
    match points.iter().find(|p| p.1 <= 0.0) {
        Some(&(_, value)) => Err(ChartError::NotPositive { what: what.to_string(), value }),
        None => Ok(()),
    }
}

pub(super) fn build_panels(opts: &ChartOptions, panels: &[Panel], t0: i64, t1: i64) -> Result<Vec<DPanel>, ChartError> {
    let c = Colours::of(opts.theme);
    if !opts.index {
        let mut out = Vec::new();
        for p in panels {
            let mut lines = Vec::new();
            for l in &p.lines {
                let points = in_range(&l.points, t0, t1);
                if opts.log {
                    check_positive(&format!("{} from {}", p.pair, l.label), &points)?;
                }
                let labels = legend_labels(&l.label, l.last.as_deref(), l.change_pct);
                lines.push(DLine { labels, color: c.line(l.slot), dash: Dash::Solid, points });
            }
            let mut title = vec![(p.pair.clone(), true, c.ink)];
            if !p.meaning.is_empty() {
                title.push((format!(" \u{2014} {}", p.meaning), false, c.ink));
            }
            out.push(DPanel { title, legend: !lines.is_empty(), lines, decimals: p.decimals, zero_line: p.zero_line });
        }
        return Ok(out);
    }
    // One colour per group (currency), one dash per source, the legend grouped by currency.
    let mut groups: Vec<&str> = Vec::new();
    let mut sources: Vec<&str> = Vec::new();
    for l in panels.iter().flat_map(|p| &p.lines) {
        if !groups.contains(&l.group.as_str()) {
            groups.push(&l.group);
        }
        if !sources.contains(&l.label.as_str()) {
            sources.push(&l.label);
        }
    }
    let mut keyed = Vec::new();
    // The finest rebased step: 100 × (the data's step) / (the first value), over the lines.
    let mut finest: Option<f64> = None;
    for p in panels {
        for l in &p.lines {
            let pts = in_range(&l.points, t0, t1);
            let what = if sources.len() > 1 { format!("{} {}", p.pair, l.label) } else { p.pair.clone() };
            let Some(&(_, first)) = pts.first() else {
                continue;
            };
            if first == 0.0 {
                return Err(ChartError::CannotRebase { what, value: first });
            }
            let rebased: Vec<(i64, f64)> = pts.iter().map(|&(t, v)| (t, 100.0 * v / first)).collect();
            if opts.log {
                check_positive(&what, &rebased)?;
            }
            if let Some(d) = p.decimals {
                let step = 100.0 * 10f64.powi(-d) / first.abs();
                finest = Some(finest.map_or(step, |f| f.min(step)));
            }
            let last = rebased.last().map_or(100.0, |p| p.1);
            let labels = legend_labels(&what, None, Some(last - 100.0));
            let g = groups.iter().position(|g| *g == l.group).unwrap_or(0);
            let s = sources.iter().position(|s| *s == l.label).unwrap_or(0);
            keyed.push(((g, s), DLine { labels, color: c.line(g), dash: dash_of(s), points: rebased }));
        }
    }
    keyed.sort_by_key(|k| k.0);
    let decimals = finest.filter(|f| f.is_finite() && *f > 0.0).map(decimals_of_step);
    Ok(vec![DPanel {
        title: vec![("Index".to_string(), true, c.ink), (" \u{2014} 100 = first value in the range".to_string(), false, c.muted)],
        lines: keyed.into_iter().map(|k| k.1).collect(),
        legend: true,
        decimals,
        zero_line: false,
    }])
}

/// The decimals of the power of ten at or below `step` (0.0076 → 3).
fn decimals_of_step(step: f64) -> i32 {
    let e = step.log10().floor();
    if e.is_finite() && e.abs() < 300.0 {
        // |e| < 300: exact in i32
        #[allow(clippy::cast_possible_truncation)]
        let e = e as i32;
        -e
    } else {
        0
    }
}

/// The data range of a panel's lines, or `None` without a point.
pub(super) fn data_range(lines: &[DLine]) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in lines {
        for &(_, v) in &l.points {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo <= hi).then_some((lo, hi))
}
