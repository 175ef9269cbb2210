//! Drawing: the painter that places text exactly (per glyph in a PNG, whole strings in an SVG),
//! and the chart drawn on a plotters backend in pixel coordinates from the [`Layout`].

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use std::cell::RefCell;

use super::font::{cap_height, ensure_fonts, font, metrics, text_width};
use super::gaps::split_at_gaps_in_snapped_columns;
use super::layout::{
    column_x, effective_range, layout, wrap, Layout, LogNote, PanelBox, Sizes, XAxis, YAxis, LOG_NOTE, LOG_NOTE_ROW, SIZE_SMALL,
};
use super::pixel::{px, round_px};
use super::scene::{build_panels, data_range, DLine, DPanel, Dash};
use super::svgtext::{self, SvgText};
use super::theme::Colours;
use super::ticks::{label_counts, time_ticks, value_axis, Tick};
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

/// Where text goes: drawn glyph by glyph into a PNG's pixels, or kept for the SVG's own
/// `<text>` elements (`svgtext`), written after the drawing.
#[derive(Clone, Copy)]
struct Painter<'a> {
    svg: Option<&'a RefCell<Vec<SvgText>>>,
}

impl Painter<'_> {
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
        self.runs(area, &[(text.to_string(), bold, color)], x, baseline, size, h)
    }

    /// Draws pieces of text one after another as one run (a title and its meaning): in an SVG
    /// one `<text>` the viewer lays out. Only a single piece is centred or right-aligned.
    fn runs<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        runs: &[(String, bool, RGBColor)],
        x: i32,
        baseline: i32,
        size: f64,
        h: HPos,
    ) -> Result<(), ChartError> {
        debug_assert!(size >= SIZE_SMALL);
        if let Some(texts) = self.svg {
            texts.borrow_mut().push(SvgText { x, baseline, size, anchor: h, runs: runs.to_vec() });
            return Ok(());
        }
        let mut x = x;
        for (text, bold, color) in runs {
            png_text(area, text, x, baseline, size, *bold, *color, h)?;
            x += text_width(text, size, *bold);
        }
        Ok(())
    }
}

/// Text in a PNG: each character at the place the font's metrics give it (see `font`).
#[allow(clippy::too_many_arguments)]
fn png_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    x: i32,
    baseline: i32,
    size: f64,
    bold: bool,
    color: RGBColor,
    h: HPos,
) -> Result<(), ChartError> {
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

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn prepare(opts: &ChartOptions, panels: &[Panel]) -> Result<(Vec<DPanel>, Layout), ChartError> {
    ensure_fonts()?;
    let (t0, t1) = effective_range(opts)?;
    // the points considered are those of the range as given (a widened single instant holds
    // the same points)
    let dpanels = build_panels(opts, panels, opts.t0, opts.t1)?;
    if opts.note.is_none() && dpanels.iter().all(|p| p.lines.iter().all(|l| l.points.is_empty())) {
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
    painter: Painter<'_>,
    path: Vec<(i32, i32)>,
    color: RGBColor,
    pen: i32,
) -> Result<(), ChartError> {
    if painter.svg.is_some() {
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
    painter: Painter<'_>,
    opts: &ChartOptions,
    dpanels: &[DPanel],
    lay: &Layout,
) -> Result<(), ChartError> {
    let c = Colours::of(opts.theme);
    let sz: &Sizes = &lay.sizes;
    root.fill(&c.bg).map_err(draw_err)?;
    let xaxis = XAxis { t0: lay.t0, t1: lay.t1, x0: lay.x0, cols: lay.cols, snap: opts.snap };
    if let (Some(title), Some(b)) = (&opts.title, lay.title_baseline) {
        painter.text(root, title, lay.width / 2, b, sz.title, true, c.ink, HPos::Center)?;
    }
    let xticks = time_ticks(lay.t0, lay.t1, lay.x0, lay.cols, lay.width, sz.small);
    let frame = Frame { root, painter, opts, lay, xaxis, colours: &c };
    for (p, pb) in dpanels.iter().zip(&lay.panels) {
        frame.header(p, pb)?;
        frame.panel(p, pb, &xticks)?;
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

/// What every panel is drawn with.
struct Frame<'a, DB: DrawingBackend> {
    root: &'a DrawingArea<DB, Shift>,
    painter: Painter<'a>,
    opts: &'a ChartOptions,
    lay: &'a Layout,
    xaxis: XAxis,
    colours: &'a Colours,
}

impl<DB: DrawingBackend> Frame<'_, DB> {
    /// A panel's header: its title (the pair in bold, then what it means) and its legend.
    fn header(&self, p: &DPanel, pb: &PanelBox) -> Result<(), ChartError> {
        let (root, sz, c) = (self.root, &self.lay.sizes, self.colours);
        match pb.log_note {
            Some(LogNote::InTitle) => {
                let mut run = p.title.clone();
                run.push((LOG_NOTE.to_string(), false, c.muted));
                self.painter.runs(root, &run, pb.title_x, pb.title_baseline, sz.panel, HPos::Left)?;
            }
            Some(LogNote::Row { x, baseline }) => {
                self.painter.runs(root, &p.title, pb.title_x, pb.title_baseline, sz.panel, HPos::Left)?;
                self.painter.text(root, LOG_NOTE_ROW, x, baseline, sz.small, false, c.muted, HPos::Left)?;
            }
            None => self.painter.runs(root, &p.title, pb.title_x, pb.title_baseline, sz.panel, HPos::Left)?,
        }
        for item in &pb.legend {
            let mid = item.baseline - cap_height(sz.small) / 2;
            let swatch = vec![(item.x, mid), (item.x + sz.swatch - 1, mid)];
            for piece in dashed(&swatch, item.dash, item.x, sz.scale) {
                let (a, b) = (piece[0], piece[piece.len() - 1]);
                let half = (sz.pen + 1) / 2;
                root.draw(&Rectangle::new([(a.0, a.1 - half), (b.0, b.1 + half)], item.color.filled())).map_err(draw_err)?;
            }
            self.painter.text(root, &item.label, item.x + sz.swatch + sz.swatch_gap, item.baseline, sz.small, false, c.ink, HPos::Left)?;
        }
        Ok(())
    }

    /// A panel's value axis, and its tick labels that do not overlap (a tick too close to the
    /// one below it is left out); `None` without data.
    fn value_axis(&self, p: &DPanel, pb: &PanelBox) -> (YAxis, Vec<(f64, String)>, bool) {
        let sz = &self.lay.sizes;
        // a panel of deviations always shows 0, the reference
        let range = data_range(&p.lines).map(|(lo, hi)| if p.zero_line { (lo.min(0.0), hi.max(0.0)) } else { (lo, hi) });
        let axis = range.map(|(lo, hi)| value_axis(lo, hi, p.decimals, p.log, label_counts(pb.h, cap_height(sz.small))));
        let yaxis = match &axis {
            Some(a) => YAxis { y0: pb.y0, h: pb.h, lo: a.lo, hi: a.hi, log: a.log },
            None => YAxis { y0: pb.y0, h: pb.h, lo: 0.0, hi: 1.0, log: false },
        };
        let min_gap = cap_height(sz.small) * 3 / 2;
        let mut ticks: Vec<(f64, String)> = Vec::new();
        for t in axis.map(|a| a.ticks).unwrap_or_default() {
            if ticks.last().is_none_or(|prev| (yaxis.row(prev.0) - yaxis.row(t.0)).abs() >= min_gap) {
                ticks.push(t);
            }
        }
        (yaxis, ticks, range.is_some())
    }

    /// A panel's grid, frame, value labels and lines (or, without data, the note saying so).
    fn panel(&self, p: &DPanel, pb: &PanelBox, xticks: &[Tick]) -> Result<(), ChartError> {
        let (root, sz, c) = (self.root, &self.lay.sizes, self.colours);
        let (x0, right, bottom) = (self.lay.x0, column_x(self.lay.x0, self.lay.cols) - 1, pb.y0 + pb.h - 1);
        let (yaxis, yticks, has_data) = self.value_axis(p, pb);
        for t in xticks {
            root.draw(&PathElement::new(vec![(t.pos, pb.y0), (t.pos, bottom)], c.grid)).map_err(draw_err)?;
        }
        for (v, _) in &yticks {
            let r = yaxis.row(*v);
            root.draw(&PathElement::new(vec![(x0, r), (right, r)], c.grid)).map_err(draw_err)?;
        }
        if p.zero_line && !yaxis.log && yaxis.lo < 0.0 && yaxis.hi > 0.0 {
            let r = yaxis.row(0.0);
            root.draw(&PathElement::new(vec![(x0, r), (right, r)], c.zero.stroke_width(1))).map_err(draw_err)?;
        }
        root.draw(&Rectangle::new([(x0 - 1, pb.y0 - 1), (right + 1, bottom + 1)], c.frame)).map_err(draw_err)?;
        for (v, label) in &yticks {
            let b = yaxis.row(*v) + cap_height(sz.small) / 2;
            self.painter.text(root, label, x0 - sz.tick_gap, b, sz.small, false, c.muted, HPos::Right)?;
        }
        if !has_data {
            return self.note(pb);
        }
        // the lines with more pixel columns first, so the fewest (a bank's single document)
        // are drawn last, above the others
        let mut drawn: Vec<(usize, &DLine)> =
            p.lines.iter().filter(|l| !l.points.is_empty()).map(|l| (occupied_columns(&l.points, &self.xaxis), l)).collect();
        drawn.sort_by_key(|d| std::cmp::Reverse(d.0));
        for (occupied, l) in drawn {
            self.line(l, occupied, &yaxis)?;
        }
        Ok(())
    }

    /// The words in an empty panel: [`ChartOptions::note`], wrapped to the plot's width.
    fn note(&self, pb: &PanelBox) -> Result<(), ChartError> {
        let (sz, c) = (&self.lay.sizes, self.colours);
        let text = self.opts.note.as_deref().unwrap_or("no observations in the range");
        let rows = wrap(text, sz.small, px(self.lay.cols) - 2 * sz.margin);
        let mx = column_x(self.lay.x0, self.lay.cols / 2);
        let n = i32::try_from(rows.len()).unwrap_or(1);
        let first = pb.y0 + pb.h / 2 + cap_height(sz.small) / 2 - (n - 1) * sz.caption_row / 2;
        for (i, row) in (0..).zip(&rows) {
            self.painter.text(self.root, row, mx, first + i * sz.caption_row, sz.small, false, c.muted, HPos::Center)?;
        }
        Ok(())
    }

    /// One line (its points in `occupied` pixel columns): a path per run between holes
    /// (one-pixel strokes, see the module docs), and markers where its points are few or far
    /// apart. A line of few points has the chart's largest markers.
    fn line(&self, l: &DLine, occupied: usize, yaxis: &YAxis) -> Result<(), ChartError> {
        let (root, sz, opts, xaxis) = (self.root, &self.lay.sizes, self.opts, &self.xaxis);
        let px = |&(t, v): &(i64, f64)| (xaxis.x(t), yaxis.row(v));
        let few = occupied < MARKER_LIMIT;
        for run in split_at_gaps_in_snapped_columns(&l.points, self.lay.t0, self.lay.t1, self.lay.cols, opts.snap) {
            if run.len() >= 2 {
                let path: Vec<(i32, i32)> = run.iter().map(px).collect();
                for piece in dashed(&path, l.dash, self.lay.x0, sz.scale) {
                    stroke(root, self.painter, piece, l.color, sz.pen)?;
                }
            } else if !few {
                root.draw(&Circle::new(px(&run[0]), u32::try_from(sz.marker - 1).unwrap_or(2), l.color.filled())).map_err(draw_err)?;
            }
        }
        let radius = u32::try_from(if few { sz.marker } else { sz.pen }).unwrap_or(2);
        for p in sparse_points(&l.points, xaxis, if few { 0 } else { SPARSE_PX * sz.pen }) {
            root.draw(&Circle::new(px(&p), radius, l.color.filled())).map_err(draw_err)?;
        }
        Ok(())
    }
}

/// The pixel columns a line's points (sorted by time) occupy.
fn occupied_columns(points: &[(i64, f64)], xaxis: &XAxis) -> usize {
    let mut occupied = 0usize;
    let mut last_col = None;
    for &(t, _) in points {
        let c = xaxis.column(t);
        if last_col != Some(c) {
            occupied += 1;
            last_col = Some(c);
        }
    }
    occupied
}

/// Points this many pens or more (in x) from both neighbours are marked: where a dense line
/// turns sparse (monthly quotes among daily ones), the marks show where the observations are.
const SPARSE_PX: i32 = 6;

/// The points at least `gap` pixels (in x) from both their neighbours (every point when `gap`
/// is 0). A point that far from both is alone in its pixel column and so are its neighbours in
/// theirs: an M4-reduced line marks the same points as the full one.
fn sparse_points(points: &[(i64, f64)], xaxis: &XAxis, gap: i32) -> Vec<(i64, f64)> {
    if gap <= 0 {
        return points.to_vec();
    }
    let xs: Vec<i32> = points.iter().map(|p| xaxis.x(p.0)).collect();
    (0..points.len())
        .filter(|&i| {
            let before = i.checked_sub(1).is_none_or(|j| xs[i] - xs[j] >= gap);
            let after = xs.get(i + 1).is_none_or(|x| x - xs[i] >= gap);
            before && after && points.len() > 1
        })
        .map(|i| points[i])
        .collect()
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
    draw_chart(&root, Painter { svg: None }, opts, &dpanels, &lay)?;
    root.present().map_err(draw_err)
}

/// Draws the chart as an SVG document: shapes through plotters, text as runs in the embedded
/// font (`svgtext`).
pub(super) fn render_svg(opts: &ChartOptions, panels: &[Panel]) -> Result<String, ChartError> {
    let (dpanels, lay) = prepare(opts, panels)?;
    let texts = RefCell::new(Vec::new());
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (opts.width, opts.height)).into_drawing_area();
        draw_chart(&root, Painter { svg: Some(&texts) }, opts, &dpanels, &lay)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svgtext::finish(&s, &texts.into_inner()))
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
