//! What to draw, before any pixel: the panels and their lines as the chart shows them (in the
//! range, rebased under `--index`), their titles and legend labels, and each panel's value range.

use plotters::style::RGBColor;

use super::theme::{INK, MUTED, PALETTE};
use super::{ChartError, ChartOptions, Panel};

/// One line as drawn: its legend label, colour and points (in the range, sorted).
pub(super) struct DLine {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(i64, f64)>,
}

/// One panel as drawn.
pub(super) struct DPanel {
    /// (text, bold, colour) pieces of the title, drawn one after another.
    pub title: Vec<(String, bool, RGBColor)>,
    pub lines: Vec<DLine>,
    pub legend: bool,
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

pub(super) fn build_panels(opts: &ChartOptions, panels: &[Panel], t0: i64, t1: i64) -> Result<Vec<DPanel>, ChartError> {
    if !opts.index {
        return Ok(panels
            .iter()
            .map(|p| {
                let mut title = vec![(p.pair.clone(), true, INK)];
                if !p.last.is_empty() {
                    title.push((format!("  {}", p.last), false, INK));
                }
                if let Some(c) = p.change_pct.filter(|c| c.is_finite()) {
                    title.push((format!("  {} over range", format_change(c)), false, MUTED));
                }
                let lines = p
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| DLine { label: l.label.clone(), color: PALETTE[i % PALETTE.len()], points: in_range(&l.points, t0, t1) })
                    .collect();
                DPanel { title, lines, legend: p.lines.len() > 1 }
            })
            .collect());
    }
    let mut lines = Vec::new();
    for p in panels {
        for l in &p.lines {
            let pts = in_range(&l.points, t0, t1);
            let what = if p.lines.len() > 1 { format!("{} {}", p.pair, l.label) } else { p.pair.clone() };
            let Some(&(_, first)) = pts.first() else {
                continue;
            };
            if first == 0.0 {
                return Err(ChartError::CannotRebase { what, value: first });
            }
            let rebased: Vec<(i64, f64)> = pts.iter().map(|&(t, v)| (t, 100.0 * v / first)).collect();
            let last = rebased.last().map(|p| p.1).unwrap_or(100.0);
            let label = format!("{what}  {}", format_change(last - 100.0));
            let color = PALETTE[lines.len() % PALETTE.len()];
            lines.push(DLine { label, color, points: rebased });
        }
    }
    Ok(vec![DPanel {
        title: vec![("Index".to_string(), true, INK), ("  100 = first value in range".to_string(), false, MUTED)],
        lines,
        legend: true,
    }])
}

/// The value range drawn for a panel: the data range with a margin.
pub(super) fn value_range(lines: &[DLine]) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in lines {
        for &(_, v) in &l.points {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi {
        return None;
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.06
    } else if lo != 0.0 {
        lo.abs() * 0.01
    } else {
        1.0
    };
    Some((lo - pad, hi + pad))
}
