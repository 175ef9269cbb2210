//! Layout: the sizes, margins and the place of every panel, and the typed pixel layer the
//! drawing uses: [`XAxis`] maps a time to its plot [`Column`] and pixel x (the column of
//! [`column_of_snapped`], so an M4-reduced series draws the pixels of the full one), [`YAxis`] a
//! value to its pixel row. Conversions from floats to pixels go through [`round_px`] only.
//!
//! Text sizes are plotters sizes: with the ab_glyph font backend a size `s` renders DejaVu Sans
//! at an em of `s / 1.164` px (ab_glyph scales ascent − descent to `s`), and the SVG backend
//! writes `font-size = s / 1.24`. The smallest size used, [`SIZE_SMALL`] = 20, is thus a 17 px
//! em in a PNG and `font-size="16.1"` in an SVG: no text is under 16 px.

use plotters::style::RGBColor;

use super::font::{cap_height, text_width};
use super::reduce::column_of_snapped;
use super::scene::DPanel;
use super::{ChartError, ChartOptions};

/// A float pixel position rounded to the nearest pixel. Float → int casts saturate, so a value
/// outside `i32` (a point far off the frame) lands on the edge of the coordinate space.
#[allow(clippy::cast_possible_truncation)]
pub(super) fn round_px(x: f64) -> i32 {
    x.round() as i32
}

/// A count of pixels or columns as a pixel distance.
pub(super) fn px(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A plot column (0-based, left to right): the unit the M4 reduction works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Column(pub u32);

/// The pixel x of column `c` of a plotting area that starts at `x0`.
pub(super) fn column_x(x0: i32, c: u32) -> i32 {
    x0.saturating_add(px(c))
}

/// The time axis of a chart: `t0..=t1` over the plot columns `x0 .. x0 + cols`.
#[derive(Debug, Clone, Copy)]
pub(super) struct XAxis {
    pub t0: i64,
    pub t1: i64,
    pub x0: i32,
    pub cols: u32,
    pub snap: i64,
}

impl XAxis {
    pub(super) fn column(&self, t: i64) -> Column {
        Column(column_of_snapped(t, self.t0, self.t1, self.cols, self.snap))
    }

    pub(super) fn x(&self, t: i64) -> i32 {
        column_x(self.x0, self.column(t).0)
    }
}

/// The value axis of one panel: `lo..=hi` over the rows `y0 .. y0 + h` (higher values up).
#[derive(Debug, Clone, Copy)]
pub(super) struct YAxis {
    pub y0: i32,
    pub h: i32,
    pub lo: f64,
    pub hi: f64,
}

impl YAxis {
    pub(super) fn row(&self, v: f64) -> i32 {
        self.y0 + round_px((self.hi - v) / (self.hi - self.lo) * f64::from(self.h - 1))
    }
}

// Sizes and colours

/// Tick labels, legend, notes.
pub(super) const SIZE_SMALL: f64 = 20.0;
/// Panel titles.
pub(super) const SIZE_PANEL: f64 = 22.0;
/// The chart title.
pub(super) const SIZE_TITLE: f64 = 28.0;

/// Left of the plotting area: margin and the y tick labels (up to 10 characters at SIZE_SMALL).
pub(super) const LEFT: i32 = 132;
/// Right of the plotting area: room for a time label centred on the last column.
const RIGHT: i32 = 36;
const TOP_MARGIN: i32 = 12;
const TITLE_ROW: i32 = 46;
const HEADER_ROW: i32 = 30;
const HEADER_GAP: i32 = 6;
const PANEL_GAP: i32 = 20;
const BOTTOM: i32 = 46;
const MIN_PLOT_HEIGHT: i32 = 40;
/// The largest side accepted (the CLI accepts up to 20,000): a 20,000² chart is 1.2 GB of RGB.
const MAX_SIDE: u32 = 20_000;
pub(super) const TICK_LABEL_GAP: i32 = 10;

pub(super) fn plot_columns_for_width(width: u32) -> u32 {
    u32::try_from((i64::from(width) - i64::from(LEFT + RIGHT)).max(1)).unwrap_or(1)
}
// Layout

pub(super) struct LegendItem {
    pub x: i32,
    pub baseline: i32,
    pub label: String,
    pub color: RGBColor,
}

pub(super) struct PanelBox {
    pub title_baseline: i32,
    pub legend: Vec<LegendItem>,
    /// Plot rows `y0 .. y0 + h`.
    pub y0: i32,
    pub h: i32,
}

pub(super) struct Layout {
    pub width: i32,
    /// Plot columns `x0 .. x0 + cols`.
    pub x0: i32,
    pub cols: u32,
    pub title_baseline: Option<i32>,
    pub panels: Vec<PanelBox>,
    pub t0: i64,
    pub t1: i64,
}

pub(super) const SWATCH: i32 = 26;
pub(super) const SWATCH_GAP: i32 = 8;
const LEGEND_SPACING: i32 = 26;

type LegendSlot = (i32, i32, String, RGBColor);

pub(super) fn layout(opts: &ChartOptions, dpanels: &[DPanel], t0: i64, t1: i64) -> Result<Layout, ChartError> {
    let size_err = |reason: String| ChartError::Size { width: opts.width, height: opts.height, reason };
    if opts.width > MAX_SIDE || opts.height > MAX_SIDE {
        return Err(size_err(format!("at most {MAX_SIDE} pixels a side")));
    }
    let min_w = u32::try_from(LEFT + RIGHT + 100).unwrap_or(0);
    if opts.width < min_w {
        return Err(size_err(format!("the width must be at least {min_w}")));
    }
    let width = px(opts.width);
    let height = px(opts.height);
    let x0 = LEFT;
    let cols = plot_columns_for_width(opts.width);
    let right = column_x(x0, cols);

    let mut y = TOP_MARGIN;
    let title_baseline = opts.title.as_ref().map(|_| {
        let b = y + (TITLE_ROW + cap_height(SIZE_TITLE)) / 2 - 2;
        y += TITLE_ROW;
        b
    });

    // headers first (their height depends on the legend), then share the rest among the plots
    // per panel: (rows, [(row, x, label, colour)])
    let mut headers: Vec<(i32, Vec<LegendSlot>)> = Vec::new();
    for p in dpanels {
        let title_w: i32 = p.title.iter().map(|(s, b, _)| text_width(s, SIZE_PANEL, *b)).sum();
        let mut items = Vec::new();
        let mut rows = 1;
        if p.legend {
            let widths: Vec<i32> = p.lines.iter().map(|l| SWATCH + SWATCH_GAP + text_width(&l.label, SIZE_SMALL, false)).collect();
            let total: i32 = widths.iter().sum::<i32>() + LEGEND_SPACING * (i32::try_from(widths.len().max(1)).unwrap_or(i32::MAX) - 1);
            if x0 + title_w + 2 * LEGEND_SPACING + total <= right {
                let mut x = right - total;
                for (l, w) in p.lines.iter().zip(&widths) {
                    items.push((0, x, l.label.clone(), l.color));
                    x += w + LEGEND_SPACING;
                }
            } else {
                let mut x = x0;
                rows = 2;
                for (l, w) in p.lines.iter().zip(&widths) {
                    if x > x0 && x + w > right {
                        rows += 1;
                        x = x0;
                    }
                    items.push((rows - 1, x, l.label.clone(), l.color));
                    x += w + LEGEND_SPACING;
                }
            }
        }
        headers.push((rows, items));
    }
    let n = i32::try_from(dpanels.len().max(1)).unwrap_or(i32::MAX);
    let fixed: i32 = y + BOTTOM + headers.iter().map(|(r, _)| r * HEADER_ROW + HEADER_GAP).sum::<i32>() + PANEL_GAP * (n - 1);
    let plot_h = (height - fixed) / n;
    if plot_h < MIN_PLOT_HEIGHT {
        let needed = fixed + MIN_PLOT_HEIGHT * n;
        return Err(size_err(format!("{n} panel(s) need a height of at least {needed}")));
    }
    let mut panels = Vec::new();
    for (rows, items) in headers {
        let row_baseline = |r: i32| y + r * HEADER_ROW + (HEADER_ROW + cap_height(SIZE_PANEL)) / 2;
        let legend = items.into_iter().map(|(r, x, label, color)| LegendItem { x, baseline: row_baseline(r), label, color }).collect();
        let title_baseline = row_baseline(0);
        y += rows * HEADER_ROW + HEADER_GAP;
        panels.push(PanelBox { title_baseline, legend, y0: y, h: plot_h });
        y += plot_h + PANEL_GAP;
    }
    Ok(Layout { width, x0, cols, title_baseline, panels, t0, t1 })
}

/// The effective time range: a single instant is widened to the day around it.
pub(super) fn effective_range(opts: &ChartOptions) -> Result<(i64, i64), ChartError> {
    if opts.t1 < opts.t0 {
        return Err(ChartError::InvalidRange { t0: opts.t0, t1: opts.t1 });
    }
    if opts.t1 == opts.t0 {
        Ok((opts.t0.saturating_sub(43_200), opts.t0.saturating_add(43_200)))
    } else {
        Ok((opts.t0, opts.t1))
    }
}
