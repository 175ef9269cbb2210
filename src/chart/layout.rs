//! Layout: the sizes, margins and the place of every panel, and the typed pixel layer the
//! drawing uses: [`XAxis`] maps a time to its plot [`Column`] and pixel x (the column of
//! [`column_of_snapped`], so an M4-reduced series draws the pixels of the full one), [`YAxis`] a
//! value to its pixel row. Conversions from floats to pixels go through `pixel::round_px` only.
//!
//! Everything scales with the image: [`Sizes::for_image`] multiplies the sizes of a 1200×900
//! chart by `max(1, sqrt(width × height / (1200 × 900)))`, so a 2400×1800 chart has text and
//! lines twice as large and nothing gets smaller than at 1200×900. Text sizes are plotters
//! sizes: with the ab_glyph font backend a size `s` renders DejaVu Sans at an em of `s / 1.164`
//! px (ab_glyph scales ascent − descent to `s`), and the SVG backend writes
//! `font-size = s / 1.24`. The smallest size used, 20, is thus a 17 px em in a PNG and
//! `font-size="16.1"` in an SVG: no text is under 16 px.

use plotters::style::RGBColor;

use super::font::{cap_height, text_width};
use super::pixel::{px, round_px};
use super::reduce::column_of_snapped;
use super::scene::{DPanel, Dash};
use super::{ChartError, ChartOptions, MAX_SIDE};

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

/// The value axis of one panel: `lo..=hi` over the rows `y0 .. y0 + h` (higher values up);
/// on a log axis `lo` and `hi` are log10 of the values.
#[derive(Debug, Clone, Copy)]
pub(super) struct YAxis {
    pub y0: i32,
    pub h: i32,
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

impl YAxis {
    pub(super) fn row(&self, v: f64) -> i32 {
        let v = if self.log { v.log10() } else { v };
        self.y0 + round_px((self.hi - v) / (self.hi - self.lo) * f64::from(self.h - 1))
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes

/// Every size of a chart, in pixels (text: plotters sizes), for one image size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Sizes {
    /// The scale against a 1200×900 chart (≥ 1).
    pub scale: f64,
    /// Tick labels, legend, caption.
    pub small: f64,
    /// Panel titles.
    pub panel: f64,
    /// The chart title.
    pub title: f64,
    /// Left of the plotting area: margin and the y tick labels (up to 10 characters).
    pub left: i32,
    /// Right of the plotting area: room for a time label centred on the last column.
    pub right: i32,
    /// Around the image's edges.
    pub margin: i32,
    pub title_row: i32,
    pub header_row: i32,
    pub header_gap: i32,
    pub panel_gap: i32,
    /// Under the bottom panel: the time labels.
    pub bottom: i32,
    pub caption_row: i32,
    pub min_plot: i32,
    pub tick_gap: i32,
    pub swatch: i32,
    pub swatch_gap: i32,
    pub legend_spacing: i32,
    /// Line width.
    pub pen: i32,
    pub marker: i32,
}

/// The smallest text size (a 17 px em in a PNG, 16.1 px in an SVG).
pub(super) const SIZE_SMALL: f64 = 20.0;
pub(super) const SIZE_PANEL: f64 = 22.0;
pub(super) const SIZE_TITLE: f64 = 28.0;
/// Left of the plotting area at scale 1.
pub(super) const LEFT: i32 = 132;
pub(super) const TICK_LABEL_GAP: i32 = 10;

impl Sizes {
    pub(super) fn for_image(width: u32, height: u32) -> Sizes {
        let area = f64::from(width) * f64::from(height) / (1200.0 * 900.0);
        let scale = area.sqrt().max(1.0);
        let k = |n: i32| round_px(f64::from(n) * scale);
        Sizes {
            scale,
            small: SIZE_SMALL * scale,
            panel: SIZE_PANEL * scale,
            title: SIZE_TITLE * scale,
            left: k(LEFT),
            right: k(36),
            margin: k(12),
            title_row: k(46),
            header_row: k(28),
            header_gap: k(6),
            panel_gap: k(18),
            bottom: k(34),
            caption_row: k(22),
            min_plot: k(40),
            tick_gap: k(TICK_LABEL_GAP),
            swatch: k(26),
            swatch_gap: k(8),
            legend_spacing: k(22),
            pen: k(2),
            marker: k(3),
        }
    }
}

/// The plot columns of a chart of this size: the width less the left and right margins.
pub(super) fn plot_columns_for(width: u32, height: u32) -> u32 {
    let s = Sizes::for_image(width, height);
    u32::try_from((i64::from(width) - i64::from(s.left + s.right)).max(1)).unwrap_or(1)
}

// ---------------------------------------------------------------------------------------------
// Layout

pub(super) struct LegendItem {
    pub x: i32,
    pub baseline: i32,
    pub label: String,
    pub color: RGBColor,
    pub dash: Dash,
}

/// What a log panel's title ends with (muted).
pub(super) const LOG_NOTE: &str = ", log scale";
/// The same words on a row of their own, under a title too wide for them.
pub(super) const LOG_NOTE_ROW: &str = "log scale";

/// Where a log panel says so: at the end of its title's run, or on a row of its own under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LogNote {
    InTitle,
    Row { x: i32, baseline: i32 },
}

pub(super) struct PanelBox {
    /// Where the title starts: the image's left margin, in every panel at every size.
    pub title_x: i32,
    pub title_baseline: i32,
    /// A log panel's words saying so.
    pub log_note: Option<LogNote>,
    pub legend: Vec<LegendItem>,
    /// Plot rows `y0 .. y0 + h`.
    pub y0: i32,
    pub h: i32,
}

pub(super) struct Layout {
    pub sizes: Sizes,
    pub width: i32,
    /// Plot columns `x0 .. x0 + cols`.
    pub x0: i32,
    pub cols: u32,
    pub title_baseline: Option<i32>,
    pub panels: Vec<PanelBox>,
    /// Baseline of the time labels.
    pub time_baseline: i32,
    /// Caption rows: (baseline, text), left-aligned at the margin.
    pub caption: Vec<(i32, String)>,
    pub t0: i64,
    pub t1: i64,
}

/// Greedy word wrap of `text` to rows at most `max` pixels wide (a word wider than a row gets
/// a row of its own).
pub(super) fn wrap(text: &str, size: f64, max: i32) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if row.is_empty() { word.to_string() } else { format!("{row} {word}") };
        if !row.is_empty() && text_width(&candidate, size, false) > max {
            rows.push(std::mem::replace(&mut row, word.to_string()));
        } else {
            row = candidate;
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

/// One legend entry placed in a header: (row, x, label, colour, dash).
type LegendSlot = (i32, i32, String, RGBColor, Dash);

/// A header of one panel before its vertical place is known.
struct Header {
    rows: i32,
    title_x: i32,
    /// A log panel's note: in the title's run, or on the given row.
    log_note: Option<Result<(), i32>>,
    items: Vec<LegendSlot>,
    /// Every legend entry within the image's width.
    fits: bool,
}

/// The header of one panel: the title on the first row, from the image's left margin (the same
/// place in every panel and every chart, whatever the title's length), a log panel's
/// `, log scale` at its end (or, when that does not fit, `log scale` on a row of its own under
/// it); the legend (its labels of `level`, see [`super::scene::DLine::labels`]) on the title's
/// row, right-aligned, when it fits, else on rows of its own (an entry wider than a row does not
/// fit: [`Header::fits`]).
fn header(p: &DPanel, level: usize, sz: &Sizes, right: i32, text_right: i32) -> Result<Header, String> {
    let title_x = sz.margin;
    let mut title_w: i32 = p.title.iter().map(|(s, b, _)| text_width(s, sz.panel, *b)).sum();
    if title_x + title_w > text_right {
        let needed = title_w + 2 * sz.margin;
        return Err(format!("the panel title \"{}\" needs a width of at least {needed} (a larger --width)", p.plain_title()));
    }
    let mut rows = 1;
    let log_note = p.log.then(|| {
        let note_w = text_width(LOG_NOTE, sz.panel, false);
        if title_x + title_w + note_w <= text_right {
            title_w += note_w;
            Ok(())
        } else {
            rows += 1;
            Err(rows - 1)
        }
    });
    let mut items = Vec::new();
    let mut fits = true;
    if p.legend {
        let label = |l: &super::scene::DLine| l.labels[level.min(LAST_LEVEL)].clone();
        let widths: Vec<i32> = p.lines.iter().map(|l| sz.swatch + sz.swatch_gap + text_width(&label(l), sz.small, false)).collect();
        let count = i32::try_from(widths.len().max(1)).unwrap_or(i32::MAX);
        let total: i32 = widths.iter().sum::<i32>() + sz.legend_spacing * (count - 1);
        if rows == 1 && title_x + title_w + sz.legend_spacing + total <= right {
            let mut x = right - total;
            for (l, w) in p.lines.iter().zip(&widths) {
                items.push((0, x, label(l), l.color, l.dash));
                x += w + sz.legend_spacing;
            }
        } else {
            // rows of their own, from the margin
            let start = title_x;
            let mut x = start;
            rows += 1;
            for (l, w) in p.lines.iter().zip(&widths) {
                if x > start && x + w > text_right {
                    rows += 1;
                    x = start;
                }
                fits &= x + w <= text_right;
                items.push((rows - 1, x, label(l), l.color, l.dash));
                x += w + sz.legend_spacing;
            }
        }
    }
    Ok(Header { rows, title_x, log_note, items, fits })
}

pub(super) fn layout(opts: &ChartOptions, dpanels: &[DPanel], t0: i64, t1: i64) -> Result<Layout, ChartError> {
    let size_err = |reason: String| ChartError::Size { width: opts.width, height: opts.height, reason };
    if opts.width > MAX_SIDE || opts.height > MAX_SIDE {
        return Err(size_err(format!("at most {MAX_SIDE} pixels a side")));
    }
    let sz = Sizes::for_image(opts.width, opts.height);
    let min_w = u32::try_from(sz.left + sz.right + round_px(100.0 * sz.scale)).unwrap_or(u32::MAX);
    if opts.width < min_w {
        return Err(size_err(format!("the width must be at least {min_w} (a larger --width)")));
    }
    let width = px(opts.width);
    let x0 = sz.left;
    let cols = plot_columns_for(opts.width, opts.height);
    let text_right = width - sz.margin;

    let mut y = sz.margin;
    let title_baseline = opts.title.as_ref().map(|_| {
        let b = y + (sz.title_row + cap_height(sz.title)) / 2 - 2;
        y += sz.title_row;
        b
    });
    let caption_text = opts.caption.join(" ");
    let caption_rows: Vec<String> =
        if caption_text.is_empty() { Vec::new() } else { wrap(&caption_text, sz.small, text_right - sz.margin) };
    let caption_h = i32::try_from(caption_rows.len()).unwrap_or(i32::MAX) * sz.caption_row;
    let fixed = y + sz.bottom + caption_h + sz.margin / 2;
    let (headers, plot_h) = fit_headers(opts, dpanels, &sz, fixed, column_x(x0, cols)).map_err(size_err)?;
    let mut panels = Vec::new();
    for h in headers {
        let row_baseline = |r: i32| y + r * sz.header_row + (sz.header_row + cap_height(sz.panel)) / 2;
        let legend =
            h.items.into_iter().map(|(r, x, label, color, dash)| LegendItem { x, baseline: row_baseline(r), label, color, dash }).collect();
        let title_baseline = row_baseline(0);
        let log_note = h.log_note.map(|n| match n {
            Ok(()) => LogNote::InTitle,
            Err(r) => LogNote::Row { x: h.title_x, baseline: row_baseline(r) },
        });
        y += h.rows * sz.header_row + sz.header_gap;
        panels.push(PanelBox { title_x: h.title_x, title_baseline, log_note, legend, y0: y, h: plot_h });
        y += plot_h + sz.panel_gap;
    }
    let plots_end = y - sz.panel_gap;
    let time_baseline = plots_end + round_px(8.0 * sz.scale) + cap_height(sz.small) + round_px(4.0 * sz.scale);
    let mut cy = plots_end + sz.bottom;
    let caption = caption_rows
        .into_iter()
        .map(|row| {
            let b = cy + (sz.caption_row + cap_height(sz.small)) / 2;
            cy += sz.caption_row;
            (b, row)
        })
        .collect();
    Ok(Layout { sizes: sz, width, x0, cols, title_baseline, panels, time_baseline, caption, t0, t1 })
}

/// The shortest legend level (the names alone), used only when the others would leave a plot
/// less than its minimum height.
const LAST_LEVEL: usize = 3;

/// The panels' headers and the plots' height: headers first (their height depends on the
/// legend), then the rest of the height (less `fixed`, the title, time labels, caption and
/// margins) shared among the plots. The first legend level whose entries fit the width and
/// leave the plots at least 30% of the image (a chart is about its lines), else the first that
/// leaves them their minimum (the names alone last); the error says what to drop.
fn fit_headers(opts: &ChartOptions, dpanels: &[DPanel], sz: &Sizes, fixed: i32, right: i32) -> Result<(Vec<Header>, i32), String> {
    let height = px(opts.height);
    let text_right = px(opts.width) - sz.margin;
    let n = i32::try_from(dpanels.len().max(1)).unwrap_or(i32::MAX);
    let mut fallback = None;
    let mut needed = 0;
    for level in 0..=LAST_LEVEL {
        if level == LAST_LEVEL && fallback.is_some() {
            break; // values before room: the names alone only when nothing else fits
        }
        let headers = dpanels.iter().map(|p| header(p, level, sz, right, text_right)).collect::<Result<Vec<_>, _>>()?;
        let fixed = fixed + headers.iter().map(|h| h.rows * sz.header_row + sz.header_gap).sum::<i32>() + sz.panel_gap * (n - 1);
        let plot_h = (height - fixed) / n;
        if level == 0 {
            needed = fixed + sz.min_plot * n;
        }
        let fits = level == LAST_LEVEL || headers.iter().all(|h| h.fits);
        if fits && plot_h >= sz.min_plot && n * plot_h * 10 >= height * 3 {
            return Ok((headers, plot_h));
        }
        if fits && plot_h >= sz.min_plot && fallback.is_none() {
            fallback = Some((headers, plot_h));
        }
    }
    fallback.ok_or_else(|| {
        if n > 1 {
            format!(
                "{n} panels need a height of at least {needed}: ask for fewer pairs (--pair), draw them in one panel (--index), or give a larger --height"
            )
        } else {
            format!("the panel needs a height of at least {needed} (a larger --height)")
        }
    })
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
