//! Drawing: the painter that places text exactly (per glyph in a PNG, whole strings in an SVG),
//! and the chart drawn on a plotters backend in pixel coordinates from the [`Layout`].

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{cap_height, ensure_fonts, font, metrics, text_width};
use super::gaps::split_at_gaps_in_snapped_columns;
use super::layout::{column_x, effective_range, layout, round_px, Layout, Sizes, XAxis, YAxis, SIZE_SMALL};
use super::scene::{build_panels, data_range, DPanel, Dash};
use super::theme::Colours;
use super::ticks::{label_counts, time_ticks, value_axis};
use super::{ChartError, ChartOptions, Panel, MARKER_LIMIT};

/// In a bitmap, a line of width `w` is its one-pixel path drawn at the offsets `(d, 0)` and
/// `(0, d)` for `d < w`: `w` pixels thick in both directions. Each copy is a one-pixel path, so
/// the M4 argument holds for each (see `reduce`); a thick plotters stroke is a polygon, whose
/// joins on the up-and-down runs of dense data would differ between the full and the reduced
/// series.
fn pen_offsets(w: i32) -> Vec<(i32, i32)> {
    let mut v = vec![(0, 0)];
    for d in 1..w.max(1) {
        v.push((d, 0));
        v.push((0, d));
    }
    v
}

/// The on/off lengths (pixels at scale 1) of a dash, repeated along x.
fn dash_pattern(d: Dash) -> &'static [i32] {
    match d {
        Dash::Solid => &[],
        Dash::Dashed => &[12, 6],
        Dash::Dotted => &[3, 5],
        Dash::LongShort => &[12, 5, 3, 5],
    }
}

/// The pieces of a polyline drawn with a dash. Dashes follow x (the time axis), not the path's
/// length: a column is drawn or not whatever the points in it, so an M4-reduced line is dashed
/// exactly like the full one.
fn dashed(path: &[(i32, i32)], dash: Dash, origin: i32, scale: f64) -> Vec<Vec<(i32, i32)>> {
    let pattern: Vec<i32> = dash_pattern(dash).iter().map(|&n| round_px(f64::from(n) * scale).max(1)).collect();
    if pattern.is_empty() {
        return vec![path.to_vec()];
    }
    let period: i32 = pattern.iter().sum();
    // the on-intervals [start, end] of x, relative to the period
    let mut on = Vec::new();
    let mut at = 0;
    for (i, len) in pattern.iter().enumerate() {
        if i % 2 == 0 {
            on.push((at, at + len - 1));
        }
        at += len;
    }
    let is_on = |x: i32| {
        let r = (x - origin).rem_euclid(period);
        on.iter().any(|&(a, b)| a <= r && r <= b)
    };
    let mut pieces: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut push = |a: (i32, i32), b: (i32, i32)| match pieces.last_mut() {
        Some(last) if last.last() == Some(&a) => last.push(b),
        _ => pieces.push(vec![a, b]),
    };
    for w in path.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.0 == b.0 {
            if is_on(a.0) {
                push(a, b);
            }
            continue;
        }
        let (p, q) = if a.0 < b.0 { (a, b) } else { (b, a) };
        let y_at = |x: i32| p.1 + round_px(f64::from(q.1 - p.1) * f64::from(x - p.0) / f64::from(q.0 - p.0));
        let base = p.0 - (p.0 - origin).rem_euclid(period);
        let mut start = base;
        while start <= q.0 {
            for &(s, e) in &on {
                let (x1, x2) = ((start + s).max(p.0), (start + e).min(q.0));
                if x1 <= x2 {
                    push((x1, y_at(x1)), (x2, y_at(x2)));
                }
            }
            start += period;
        }
    }
    pieces
}

#[derive(Clone, Copy)]
struct Painter {
    svg: bool,
}

impl Painter {
    /// Draws `text` with its baseline at `baseline`; `x` is its left end, centre or right end.
    #[allow(clippy::too_many_arguments)]
    fn text<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text: &str,
        x: i32,
        baseline: i32,
        size: f64,
        bold: bool,
        color: RGBColor,
        h: HPos,
    ) -> Result<(), ChartError> {
        debug_assert!(size >= SIZE_SMALL);
        if self.svg {
            // the SVG backend puts the baseline 0.76 em (em = size / 1.24) below a
            // top-anchored position
            let y = baseline - round_px(size * 0.76 / 1.24);
            let style = font(size, bold).color(&color).pos(Pos::new(h, VPos::Top));
            return area.draw(&Text::new(text.to_string(), (x, y), style)).map_err(draw_err);
        }
        // ab_glyph puts the baseline size/2 below a top-anchored position
        let y = baseline - round_px(size / 2.0);
        let style = font(size, bold).color(&color).pos(Pos::new(HPos::Left, VPos::Top));
        let Some(m) = metrics(bold) else {
            let style = style.pos(Pos::new(h, VPos::Top));
            return area.draw(&Text::new(text.to_string(), (x, y), style)).map_err(draw_err);
        };
        let w = m.width(text, size);
        let mut pen = match h {
            HPos::Left => f64::from(x),
            HPos::Center => f64::from(x) - w / 2.0,
            HPos::Right => f64::from(x) - w,
        };
        let scale = m.scale(size);
        let mut buf = [0u8; 4];
        for c in text.chars() {
            let (adv, lsb) = m.h_metrics(c);
            if !c.is_whitespace() {
                let gx = round_px(pen + lsb * scale);
                let s: &str = c.encode_utf8(&mut buf);
                area.draw(&Text::new(s.to_string(), (gx, y), style.clone())).map_err(draw_err)?;
            }
            pen += adv * scale;
        }
        Ok(())
    }
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn prepare(opts: &ChartOptions, panels: &[Panel]) -> Result<(Vec<DPanel>, Layout), ChartError> {
    ensure_fonts()?;
    let (t0, t1) = effective_range(opts)?;
    // the points considered are those of the range as given (a widened single instant holds
    // the same points)
    let dpanels = build_panels(opts, panels, opts.t0, opts.t1)?;
    if dpanels.iter().all(|p| p.lines.iter().all(|l| l.points.is_empty())) {
        return Err(ChartError::NoData);
    }
    let layout = layout(opts, &dpanels, t0, t1)?;
    Ok((dpanels, layout))
}

// ---------------------------------------------------------------------------------------------
// Drawing

/// A one-pixel-per-copy stroke of `path` (see [`pen_offsets`]) in a PNG, a plotters stroke of
/// the pen's width in an SVG.
fn stroke<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    painter: Painter,
    path: Vec<(i32, i32)>,
    color: RGBColor,
    pen: i32,
) -> Result<(), ChartError> {
    if painter.svg {
        return root.draw(&PathElement::new(path, color.stroke_width(u32::try_from(pen).unwrap_or(1)))).map_err(draw_err);
    }
    for (dx, dy) in pen_offsets(pen) {
        let shifted: Vec<(i32, i32)> = path.iter().map(|&(x, y)| (x + dx, y + dy)).collect();
        root.draw(&PathElement::new(shifted, color.stroke_width(1))).map_err(draw_err)?;
    }
    Ok(())
}

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    painter: Painter,
    opts: &ChartOptions,
    dpanels: &[DPanel],
    lay: &Layout,
) -> Result<(), ChartError> {
    let c = Colours::of(opts.theme);
    let sz: &Sizes = &lay.sizes;
    root.fill(&c.bg).map_err(draw_err)?;
    let (x0, cols) = (lay.x0, lay.cols);
    let xaxis = XAxis { t0: lay.t0, t1: lay.t1, x0, cols, snap: opts.snap };
    let right = column_x(x0, cols) - 1;

    if let (Some(title), Some(b)) = (&opts.title, lay.title_baseline) {
        painter.text(root, title, lay.width / 2, b, sz.title, true, c.ink, HPos::Center)?;
    }

    let xticks = time_ticks(lay.t0, lay.t1, x0, cols, lay.width, sz.small);

    for (p, pb) in dpanels.iter().zip(&lay.panels) {
        let (y0, h) = (pb.y0, pb.h);
        let bottom = y0 + h - 1;

        // header: title pieces, legend
        let mut x = pb.title_x;
        for (s, bold, color) in &p.title {
            // leading spaces become an offset (an SVG viewer would collapse them)
            let body = s.trim_start();
            let lead = text_width(&s[..s.len() - body.len()], sz.panel, *bold);
            painter.text(root, body, x + lead, pb.title_baseline, sz.panel, *bold, *color, HPos::Left)?;
            x += text_width(s, sz.panel, *bold);
        }
        for item in &pb.legend {
            let mid = item.baseline - cap_height(sz.small) / 2;
            let swatch = vec![(item.x, mid), (item.x + sz.swatch - 1, mid)];
            for piece in dashed(&swatch, item.dash, item.x, sz.scale) {
                let (a, b) = (piece[0], piece[piece.len() - 1]);
                let half = (sz.pen + 1) / 2;
                root.draw(&Rectangle::new([(a.0, a.1 - half), (b.0, b.1 + half)], item.color.filled())).map_err(draw_err)?;
            }
            painter.text(root, &item.label, item.x + sz.swatch + sz.swatch_gap, item.baseline, sz.small, false, c.ink, HPos::Left)?;
        }

        // grid and frame
        // a panel of deviations always shows 0, the reference
        let range = data_range(&p.lines).map(|(lo, hi)| if p.zero_line { (lo.min(0.0), hi.max(0.0)) } else { (lo, hi) });
        let axis = range.map(|(lo, hi)| value_axis(lo, hi, p.decimals, opts.log, label_counts(h, cap_height(sz.small))));
        let yaxis = match &axis {
            Some(a) => YAxis { y0, h, lo: a.lo, hi: a.hi, log: a.log },
            None => YAxis { y0, h, lo: 0.0, hi: 1.0, log: false },
        };
        let row = |v: f64| yaxis.row(v);
        // labels never overlap: a tick too close to the one below it is left out
        let min_gap = cap_height(sz.small) * 3 / 2;
        let mut yticks: Vec<&(f64, String)> = Vec::new();
        for t in axis.as_ref().map(|a| a.ticks.as_slice()).unwrap_or_default() {
            if yticks.last().is_none_or(|prev| (row(prev.0) - row(t.0)).abs() >= min_gap) {
                yticks.push(t);
            }
        }
        for t in &xticks {
            root.draw(&PathElement::new(vec![(t.pos, y0), (t.pos, bottom)], c.grid)).map_err(draw_err)?;
        }
        for (v, _) in yticks.iter().copied() {
            let r = row(*v);
            root.draw(&PathElement::new(vec![(x0, r), (right, r)], c.grid)).map_err(draw_err)?;
        }
        if p.zero_line && !yaxis.log && yaxis.lo < 0.0 && yaxis.hi > 0.0 {
            let r = row(0.0);
            root.draw(&PathElement::new(vec![(x0, r), (right, r)], c.zero.stroke_width(1))).map_err(draw_err)?;
        }
        root.draw(&Rectangle::new([(x0 - 1, y0 - 1), (right + 1, bottom + 1)], c.frame)).map_err(draw_err)?;

        for (v, label) in yticks.iter().copied() {
            let b = row(*v) + cap_height(sz.small) / 2;
            painter.text(root, label, x0 - sz.tick_gap, b, sz.small, false, c.muted, HPos::Right)?;
        }

        if range.is_none() {
            let (mx, my) = (column_x(x0, cols / 2), y0 + h / 2 + cap_height(sz.small) / 2);
            painter.text(root, "no observations in the range", mx, my, sz.small, false, c.muted, HPos::Center)?;
            continue;
        }

        // lines: one path per run between holes, one-pixel strokes (see the module docs)
        for l in &p.lines {
            if l.points.is_empty() {
                continue;
            }
            let px = |&(t, v): &(i64, f64)| (xaxis.x(t), row(v));
            let mut occupied = 0usize;
            let mut last_col = None;
            for &(t, _) in &l.points {
                let c = xaxis.column(t);
                if last_col != Some(c) {
                    occupied += 1;
                    last_col = Some(c);
                }
            }
            let markers = occupied < MARKER_LIMIT;
            for run in split_at_gaps_in_snapped_columns(&l.points, lay.t0, lay.t1, cols, opts.snap) {
                if run.len() >= 2 {
                    let path: Vec<(i32, i32)> = run.iter().map(px).collect();
                    for piece in dashed(&path, l.dash, x0, sz.scale) {
                        stroke(root, painter, piece, l.color, sz.pen)?;
                    }
                } else if !markers {
                    root.draw(&Circle::new(px(&run[0]), u32::try_from(sz.marker - 1).unwrap_or(3), l.color.filled())).map_err(draw_err)?;
                }
            }
            if markers {
                for p in &l.points {
                    root.draw(&Circle::new(px(p), u32::try_from(sz.marker).unwrap_or(4), l.color.filled())).map_err(draw_err)?;
                }
            }
        }
    }

    // time labels under the bottom panel, then the caption
    for t in &xticks {
        painter.text(root, &t.label, t.label_at, lay.time_baseline, sz.small, false, c.muted, HPos::Center)?;
    }
    for (b, row) in &lay.caption {
        painter.text(root, row, sz.margin, *b, sz.small, false, c.muted, HPos::Left)?;
    }
    Ok(())
}

/// Draws the chart into RGB pixels (`width * height * 3` bytes, row by row): the one image
/// buffer, which the PNG is then encoded from.
/// Draws into `buf`, resized to the image and cleared to white: a buffer kept from one chart
/// to the next is not allocated (nor its pages faulted in) again.
pub(super) fn render_rgb(opts: &ChartOptions, panels: &[Panel], buf: &mut Vec<u8>) -> Result<(), ChartError> {
    let (dpanels, lay) = prepare(opts, panels)?;
    buf.clear();
    buf.resize(opts.width as usize * opts.height as usize * 3, 255);
    let root = BitMapBackend::with_buffer(buf, (opts.width, opts.height)).into_drawing_area();
    draw_chart(&root, Painter { svg: false }, opts, &dpanels, &lay)?;
    root.present().map_err(draw_err)
}

pub(super) fn render_svg(opts: &ChartOptions, panels: &[Panel]) -> Result<String, ChartError> {
    let (dpanels, lay) = prepare(opts, panels)?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (opts.width, opts.height)).into_drawing_area();
        draw_chart(&root, Painter { svg: true }, opts, &dpanels, &lay)?;
        root.present().map_err(draw_err)?;
    }
    Ok(s)
}

#[cfg(test)]
pub(super) fn layout_for(opts: &ChartOptions, panels: &[Panel]) -> Result<Layout, ChartError> {
    prepare(opts, panels).map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_follow_x() {
        let path = vec![(0, 0), (100, 0)];
        let pieces = dashed(&path, Dash::Dashed, 0, 1.0);
        assert_eq!(pieces.first().unwrap(), &vec![(0, 0), (11, 0)]);
        assert_eq!(pieces[1], vec![(18, 0), (29, 0)]);
        assert_eq!(dashed(&path, Dash::Solid, 0, 1.0), vec![path.clone()]);
    }
}
