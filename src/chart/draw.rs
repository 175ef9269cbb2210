//! Drawing: the painter that places text exactly (per glyph in a PNG, whole strings in an SVG),
//! and the chart drawn on a plotters backend in pixel coordinates from the [`Layout`].

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{cap_height, ensure_fonts, font, metrics, text_width};
use super::gaps::split_at_gaps_in_snapped_columns;
use super::layout::{
    column_x, effective_range, layout, round_px, Layout, XAxis, YAxis, SIZE_PANEL, SIZE_SMALL, SIZE_TITLE, SWATCH, SWATCH_GAP,
    TICK_LABEL_GAP,
};
use super::scene::{build_panels, value_range, DPanel};
use super::theme::{BG, FRAME, GRID, INK, MUTED};
use super::ticks::{time_ticks, value_ticks};
use super::{ChartError, ChartOptions, Panel, MARKER_LIMIT};

/// In a bitmap, a line is its one-pixel path drawn at each of these offsets: two pixels thick in both
/// directions. Each copy is a one-pixel path, so the M4 argument holds for each (see `reduce`);
/// a thick plotters stroke is a polygon, whose joins on the up-and-down runs of dense data
/// would differ between the full and the reduced series.
const PEN: [(i32, i32); 3] = [(0, 0), (1, 0), (0, 1)];

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

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    painter: Painter,
    opts: &ChartOptions,
    dpanels: &[DPanel],
    lay: &Layout,
) -> Result<(), ChartError> {
    root.fill(&BG).map_err(draw_err)?;
    let (x0, cols) = (lay.x0, lay.cols);
    let xaxis = XAxis { t0: lay.t0, t1: lay.t1, x0, cols, snap: opts.snap };
    let right = column_x(x0, cols) - 1;

    if let (Some(title), Some(b)) = (&opts.title, lay.title_baseline) {
        painter.text(root, title, lay.width / 2, b, SIZE_TITLE, true, INK, HPos::Center)?;
    }

    let xticks = time_ticks(lay.t0, lay.t1, x0, cols, lay.width);

    for (p, pb) in dpanels.iter().zip(&lay.panels) {
        let (y0, h) = (pb.y0, pb.h);
        let bottom = y0 + h - 1;

        // header: title pieces, legend
        let mut x = x0;
        for (s, bold, color) in &p.title {
            // leading spaces become an offset (an SVG viewer would collapse them)
            let body = s.trim_start();
            let lead = text_width(&s[..s.len() - body.len()], SIZE_PANEL, *bold);
            painter.text(root, body, x + lead, pb.title_baseline, SIZE_PANEL, *bold, *color, HPos::Left)?;
            x += text_width(s, SIZE_PANEL, *bold);
        }
        for item in &pb.legend {
            let mid = item.baseline - cap_height(SIZE_SMALL) / 2;
            root.draw(&Rectangle::new([(item.x, mid - 1), (item.x + SWATCH - 1, mid + 1)], item.color.filled())).map_err(draw_err)?;
            painter.text(root, &item.label, item.x + SWATCH + SWATCH_GAP, item.baseline, SIZE_SMALL, false, INK, HPos::Left)?;
        }

        // grid and frame
        let range = value_range(&p.lines);
        let yticks = match range {
            Some((lo, hi)) => value_ticks(lo, hi, usize::try_from(h / 32).unwrap_or(0).clamp(2, 8)),
            None => Vec::new(),
        };
        let (lo, hi) = range.unwrap_or((0.0, 1.0));
        let yaxis = YAxis { y0, h, lo, hi };
        let row = |v: f64| yaxis.row(v);
        for t in &xticks {
            root.draw(&PathElement::new(vec![(t.pos, y0), (t.pos, bottom)], GRID)).map_err(draw_err)?;
        }
        for (v, _) in &yticks {
            let r = row(*v);
            root.draw(&PathElement::new(vec![(x0, r), (right, r)], GRID)).map_err(draw_err)?;
        }
        root.draw(&Rectangle::new([(x0 - 1, y0 - 1), (right + 1, bottom + 1)], FRAME)).map_err(draw_err)?;

        for (v, label) in &yticks {
            let b = row(*v) + cap_height(SIZE_SMALL) / 2;
            painter.text(root, label, x0 - TICK_LABEL_GAP, b, SIZE_SMALL, false, MUTED, HPos::Right)?;
        }

        if range.is_none() {
            painter.text(
                root,
                "no observations in the range",
                column_x(x0, cols / 2),
                y0 + h / 2 + cap_height(SIZE_SMALL) / 2,
                SIZE_SMALL,
                false,
                MUTED,
                HPos::Center,
            )?;
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
                    if painter.svg {
                        root.draw(&PathElement::new(path, l.color.stroke_width(2))).map_err(draw_err)?;
                        continue;
                    }
                    for (dx, dy) in PEN {
                        let shifted: Vec<(i32, i32)> = path.iter().map(|&(x, y)| (x + dx, y + dy)).collect();
                        root.draw(&PathElement::new(shifted, l.color.stroke_width(1))).map_err(draw_err)?;
                    }
                } else if !markers {
                    root.draw(&Circle::new(px(&run[0]), 3, l.color.filled())).map_err(draw_err)?;
                }
            }
            if markers {
                for p in &l.points {
                    root.draw(&Circle::new(px(p), 4, l.color.filled())).map_err(draw_err)?;
                }
            }
        }
    }

    // time labels under the bottom panel
    if let Some(last) = lay.panels.last() {
        let b = last.y0 + last.h + 8 + cap_height(SIZE_SMALL) + 4;
        for t in &xticks {
            painter.text(root, &t.label, t.label_at, b, SIZE_SMALL, false, MUTED, HPos::Center)?;
        }
    }
    Ok(())
}

pub(super) fn render_rgb(opts: &ChartOptions, panels: &[Panel]) -> Result<Vec<u8>, ChartError> {
    let (dpanels, lay) = prepare(opts, panels)?;
    let mut buf = vec![255u8; opts.width as usize * opts.height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (opts.width, opts.height)).into_drawing_area();
        draw_chart(&root, Painter { svg: false }, opts, &dpanels, &lay)?;
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
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
