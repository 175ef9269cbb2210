//! What to draw, before any pixel: the panels and their lines as the chart shows them (in the
//! range, rebased under `--index`), their titles and legend labels, colours and dashes.

use chrono::Datelike;
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
    /// The legend entry, in full and shorter: `[name, last, change and period; name, last and
    /// change; name and last; name]` (a chart short of room drops the period, then the change:
    /// every entry keeps its value; the name alone only where a chart would otherwise be refused,
    /// never at the report's size).
    pub labels: [String; 4],
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
    /// A logarithmic value axis: `--log`, or by default data spanning more than a factor of ten
    /// (see [`is_log`]); the title then says so.
    pub log: bool,
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

/// The legend labels of a line: the name, the last value, the change and its period when
/// known; the same without the period; the name and the value alone (without a last value, the
/// change stands for it: an index line's value is its change); the name alone. A change over
/// less than the panel shows names its period (`−84.7% 1996–2022`).
fn legend_labels(name: &str, last: Option<&str>, change: Option<f64>, period: Option<String>) -> [String; 4] {
    let period = period.map(|p| format!(" {p}")).unwrap_or_default();
    let change = change.filter(|c| c.is_finite()).map(|c| format!("  {}", format_change(c))).unwrap_or_default();
    let name = name.to_string();
    match last.filter(|l| !l.is_empty()) {
        Some(l) => [format!("{name}  {l}{change}{period}"), format!("{name}  {l}{change}"), format!("{name}  {l}"), name],
        None => [format!("{name}{change}{period}"), format!("{name}{change}"), format!("{name}{change}"), name],
    }
}

/// The period a line's change is over, when the line covers less of `t0..=t1` than the panel
/// shows: more than a tenth of the range without it (a day at each end is slack, the spacing of
/// daily quotes). Years for a year or more (`1996–2022`), months for two months or more
/// (`May 2025–Feb 2026`), else days (`26 Nov–3 Dec`).
fn period(points: &[(i64, f64)], t0: i64, t1: i64) -> Option<String> {
    const DAY: i64 = 86_400;
    let (&(first, _), &(last, _)) = (points.first()?, points.last()?);
    let uncovered = (first - t0 - DAY).max(0) + (t1 - last - DAY).max(0);
    if first == last || uncovered * 10 <= t1 - t0 {
        return None;
    }
    let (a, b) = (chrono::DateTime::from_timestamp(first, 0)?, chrono::DateTime::from_timestamp(last, 0)?);
    let format = if last - first >= 365 * DAY && a.year() != b.year() {
        "%Y"
    } else if last - first >= 60 * DAY {
        "%b %Y"
    } else {
        "%-d %b"
    };
    Some(format!("{}\u{2013}{}", a.format(format), b.format(format)))
}

/// Whether a panel is drawn on a log axis: always under `--log`, never under `--linear` or for
/// deviations (which cross 0); else when its values, all above 0, span more than a factor of
/// ten (a 99% devaluation shows its recent years instead of a line on `0.00`).
fn is_log(opts: &ChartOptions, zero_line: bool, lines: &[DLine]) -> bool {
    if opts.log {
        return true;
    }
    if opts.linear || zero_line {
        return false;
    }
    data_range(lines).is_some_and(|(lo, hi)| lo > 0.0 && hi > 10.0 * lo)
}

/// A panel's title: the bold pair (or name) and what its values mean (the layout adds
/// `, log scale` to a log panel's, see `layout::LOG_NOTE`).
fn title(c: &Colours, name: &str, meaning: &str, meaning_colour: RGBColor) -> Vec<(String, bool, RGBColor)> {
    let mut title = vec![(name.to_string(), true, c.ink)];
    if !meaning.is_empty() {
        title.push((format!(" \u{2014} {meaning}"), false, meaning_colour));
    }
    title
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
                let labels = legend_labels(&l.label, l.last.as_deref(), l.change_pct, period(&points, t0, t1));
                lines.push(DLine { labels, color: c.line(l.slot), dash: Dash::Solid, points });
            }
            let log = is_log(opts, p.zero_line, &lines);
            let title = title(&c, &p.pair, &p.meaning, c.ink);
            out.push(DPanel { title, legend: !lines.is_empty(), lines, decimals: p.decimals, zero_line: p.zero_line, log });
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
    // The coarsest rebased step: 100 × (the data's step) / (the first value), over the lines
    // (as in a panel of rates, the coarsest line's digit rules the axis).
    let mut coarsest: Option<f64> = None;
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
                coarsest = Some(coarsest.map_or(step, |f| f.max(step)));
            }
            let last = rebased.last().map_or(100.0, |p| p.1);
            let labels = legend_labels(&what, None, Some(last - 100.0), period(&rebased, t0, t1));
            let g = groups.iter().position(|g| *g == l.group).unwrap_or(0);
            let s = sources.iter().position(|s| *s == l.label).unwrap_or(0);
            keyed.push(((g, s), DLine { labels, color: c.line(g), dash: dash_of(s), points: rebased }));
        }
    }
    keyed.sort_by_key(|k| k.0);
    let decimals = coarsest.filter(|f| f.is_finite() && *f > 0.0).map(decimals_of_step);
    let lines: Vec<DLine> = keyed.into_iter().map(|k| k.1).collect();
    let log = is_log(opts, false, &lines);
    Ok(vec![DPanel {
        title: title(&c, "Index", "100 = first value in the range", c.muted),
        lines,
        legend: true,
        decimals,
        zero_line: false,
        log,
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

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    /// A change over part of the panel's range names its period; one over (nearly) all of it
    /// does not.
    #[test]
    fn a_change_over_part_of_the_range_names_its_period() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        let (t0, t1) = (t("1996-09-02T00:00:00Z"), t("2026-12-03T12:00:00Z"));
        let nbu = [(t0, 1.0), (t("2022-08-01T00:00:00Z"), 2.0)];
        assert_eq!(period(&nbu, t0, t1).as_deref(), Some("1996\u{2013}2022"));
        let ticker = [(t("2024-09-17T10:00:00Z"), 1.0), (t("2026-02-22T10:00:00Z"), 2.0)];
        assert_eq!(period(&ticker, t0, t1).as_deref(), Some("2024\u{2013}2026"));
        let short = [(t("2025-05-18T10:00:00Z"), 1.0), (t("2026-02-22T10:00:00Z"), 2.0)];
        assert_eq!(period(&short, t1 - 730 * DAY, t1).as_deref(), Some("May 2025\u{2013}Feb 2026"));
        // daily quotes over the whole week, the last one yesterday: no period
        let week: Vec<(i64, f64)> = (0..7).map(|d| (t1 - 7 * DAY + d * DAY - 12 * 3600, 1.0)).collect();
        assert_eq!(period(&week, t1 - 7 * DAY, t1), None);
        let labels = legend_labels("nbu", Some("\u{2248}0.0125787"), Some(-84.7), period(&nbu, t0, t1));
        assert_eq!(labels[0], "nbu  \u{2248}0.0125787  \u{2212}84.7% 1996\u{2013}2022");
        // shorter: the period goes, then the change; the value stays
        assert_eq!(labels[1], "nbu  \u{2248}0.0125787  \u{2212}84.7%");
        assert_eq!(labels[2], "nbu  \u{2248}0.0125787");
        // an index line's value is its change
        let index = legend_labels("KZT", None, Some(-3.0), None);
        assert_eq!(index, ["KZT  \u{2212}3.0%", "KZT  \u{2212}3.0%", "KZT  \u{2212}3.0%", "KZT"].map(String::from));
    }
}
