//! Layout and drawing. Everything is drawn in pixel coordinates on the root drawing area: the
//! time axis maps a time to the pixel column of [`column_of`] (so an M4-reduced series draws the
//! same pixels as the full one), the value axis is linear.
//!
//! Text sizes are plotters sizes: with the ab_glyph font backend a size `s` renders DejaVu Sans
//! at an em of `s / 1.164` px (ab_glyph scales ascent − descent to `s`), and the SVG backend
//! writes `font-size = s / 1.24`. The smallest size used, [`SIZE_SMALL`] = 20, is thus a 17 px
//! em in a PNG and `font-size="16.1"` in an SVG: no text is under 16 px.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontDesc, FontFamily, FontStyle};

use super::gaps::split_at_gaps_in_snapped_columns;
use super::m4::{column_of, column_of_snapped};
use super::{ChartError, ChartOptions, Panel, MARKER_LIMIT};

static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded DejaVu Sans (regular and bold) as plotters' "sans-serif", once.
fn ensure_fonts() -> Result<(), ChartError> {
    static ONCE: Once = Once::new();
    static OK: AtomicBool = AtomicBool::new(false);
    ONCE.call_once(|| {
        let ok = register_font("sans-serif", FontStyle::Normal, FONT_REGULAR).is_ok()
            && register_font("sans-serif", FontStyle::Bold, FONT_BOLD).is_ok();
        OK.store(ok, Ordering::SeqCst);
    });
    if OK.load(Ordering::SeqCst) {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes and colours

/// Tick labels, legend, notes.
pub(super) const SIZE_SMALL: f64 = 20.0;
/// Panel titles.
pub(super) const SIZE_PANEL: f64 = 22.0;
/// The chart title.
pub(super) const SIZE_TITLE: f64 = 28.0;

/// Left of the plotting area: margin and the y tick labels (up to 10 characters at SIZE_SMALL).
const LEFT: i32 = 132;
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
const TICK_LABEL_GAP: i32 = 10;

const BG: RGBColor = RGBColor(255, 255, 255);
const INK: RGBColor = RGBColor(34, 34, 34);
const MUTED: RGBColor = RGBColor(85, 85, 85);
const GRID: RGBColor = RGBColor(232, 232, 232);
const FRAME: RGBColor = RGBColor(170, 170, 170);

/// Line colours (Tableau 10), in order of the lines.
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub(super) fn plot_columns_for_width(width: u32) -> u32 {
    (width as i64 - (LEFT + RIGHT) as i64).max(1) as u32
}

// ---------------------------------------------------------------------------------------------
// What to draw

struct DLine {
    label: String,
    color: RGBColor,
    points: Vec<(i64, f64)>,
}

struct DPanel {
    /// (text, bold, colour) pieces of the title, drawn one after another.
    title: Vec<(String, bool, RGBColor)>,
    lines: Vec<DLine>,
    legend: bool,
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

fn build_panels(opts: &ChartOptions, panels: &[Panel], t0: i64, t1: i64) -> Result<Vec<DPanel>, ChartError> {
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

// ---------------------------------------------------------------------------------------------
// Text

fn font(size: f64, bold: bool) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, if bold { FontStyle::Bold } else { FontStyle::Normal })
}

// plotters' ab_glyph backend draws each glyph from its pen position without the glyph's left
// side bearing, so letters with a large or negative bearing ("J") sit visibly out of line
// ("19  Jul"). For PNG output each character is therefore drawn on its own, at the position the
// font's metrics give it; those come from the `cmap`, `hhea` and `hmtx` tables of the embedded
// font, read below. The SVG output keeps whole strings (the viewer lays them out).

/// Horizontal metrics of a TrueType font.
struct Metrics {
    data: &'static [u8],
    /// ascent − descent in font units: ab_glyph scales this to the plotters size.
    height_units: f64,
    num_h_metrics: usize,
    hmtx: usize,
    /// Offset of the (3, 1) format-4 `cmap` subtable.
    cmap4: usize,
}

fn be_u16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn be_u32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([*d.get(at)?, *d.get(at + 1)?, *d.get(at + 2)?, *d.get(at + 3)?]))
}

impl Metrics {
    fn parse(data: &'static [u8]) -> Option<Metrics> {
        let num_tables = be_u16(data, 4)? as usize;
        let table = |tag: &[u8; 4]| -> Option<usize> {
            (0..num_tables)
                .map(|i| 12 + 16 * i)
                .find(|&rec| data.get(rec..rec + 4) == Some(&tag[..]))
                .and_then(|rec| be_u32(data, rec + 8).map(|o| o as usize))
        };
        let hhea = table(b"hhea")?;
        let ascent = be_u16(data, hhea + 4)? as i16 as f64;
        let descent = be_u16(data, hhea + 6)? as i16 as f64;
        let num_h_metrics = be_u16(data, hhea + 34)? as usize;
        let hmtx = table(b"hmtx")?;
        let cmap = table(b"cmap")?;
        let n = be_u16(data, cmap + 2)? as usize;
        let cmap4 = (0..n).find_map(|i| {
            let rec = cmap + 4 + 8 * i;
            let (pid, eid) = (be_u16(data, rec)?, be_u16(data, rec + 2)?);
            let off = cmap + be_u32(data, rec + 4)? as usize;
            (pid == 3 && eid == 1 && be_u16(data, off)? == 4).then_some(off)
        })?;
        (ascent - descent > 0.0 && num_h_metrics > 0).then_some(Metrics {
            data,
            height_units: ascent - descent,
            num_h_metrics,
            hmtx,
            cmap4,
        })
    }

    fn glyph(&self, c: char) -> u16 {
        let c = c as u32;
        if c > 0xFFFF {
            return 0;
        }
        let c = c as u16;
        let d = self.data;
        let t = self.cmap4;
        let seg_x2 = be_u16(d, t + 6).unwrap_or(0) as usize;
        let ends = t + 14;
        let starts = ends + seg_x2 + 2;
        let deltas = starts + seg_x2;
        let ranges = deltas + seg_x2;
        for i in (0..seg_x2).step_by(2) {
            let Some(end) = be_u16(d, ends + i) else {
                return 0;
            };
            if c > end {
                continue;
            }
            let start = be_u16(d, starts + i).unwrap_or(u16::MAX);
            if c < start {
                return 0;
            }
            let delta = be_u16(d, deltas + i).unwrap_or(0);
            let range = be_u16(d, ranges + i).unwrap_or(0) as usize;
            if range == 0 {
                return c.wrapping_add(delta);
            }
            let at = ranges + i + range + 2 * (c - start) as usize;
            return match be_u16(d, at) {
                Some(0) | None => 0,
                Some(g) => g.wrapping_add(delta),
            };
        }
        0
    }

    /// (advance, left side bearing) in font units.
    fn h_metrics(&self, c: char) -> (f64, f64) {
        let g = self.glyph(c) as usize;
        let d = self.data;
        let n = self.num_h_metrics;
        let adv = be_u16(d, self.hmtx + 4 * g.min(n - 1)).unwrap_or(0) as f64;
        let lsb =
            if g < n { be_u16(d, self.hmtx + 4 * g + 2) } else { be_u16(d, self.hmtx + 4 * n + 2 * (g - n)) }.unwrap_or(0) as i16 as f64;
        (adv, lsb)
    }

    /// Pixels per font unit at a plotters text size.
    fn scale(&self, size: f64) -> f64 {
        size / self.height_units
    }

    fn width(&self, text: &str, size: f64) -> f64 {
        text.chars().map(|c| self.h_metrics(c).0).sum::<f64>() * self.scale(size)
    }
}

fn metrics(bold: bool) -> Option<&'static Metrics> {
    static REGULAR: OnceLock<Option<Metrics>> = OnceLock::new();
    static BOLD: OnceLock<Option<Metrics>> = OnceLock::new();
    if bold {
        BOLD.get_or_init(|| Metrics::parse(FONT_BOLD)).as_ref()
    } else {
        REGULAR.get_or_init(|| Metrics::parse(FONT_REGULAR)).as_ref()
    }
}

/// Width in pixels of `text` at a plotters text size.
pub(super) fn text_width(text: &str, size: f64, bold: bool) -> i32 {
    match metrics(bold) {
        Some(m) => m.width(text, size).round() as i32,
        None => font(size, bold).box_size(text).map(|(w, _)| w as i32).unwrap_or(0),
    }
}

/// Height of a capital letter above the baseline (DejaVu Sans: 0.729 em, em = size / 1.164).
fn cap_height(size: f64) -> i32 {
    (size * 0.729 / 1.164).round() as i32
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
            let y = baseline - (size * 0.76 / 1.24).round() as i32;
            let style = font(size, bold).color(&color).pos(Pos::new(h, VPos::Top));
            return area.draw(&Text::new(text.to_string(), (x, y), style)).map_err(draw_err);
        }
        // ab_glyph puts the baseline size/2 below a top-anchored position
        let y = baseline - (size / 2.0).round() as i32;
        let style = font(size, bold).color(&color).pos(Pos::new(HPos::Left, VPos::Top));
        let Some(m) = metrics(bold) else {
            let style = style.pos(Pos::new(h, VPos::Top));
            return area.draw(&Text::new(text.to_string(), (x, y), style)).map_err(draw_err);
        };
        let w = m.width(text, size);
        let mut pen = match h {
            HPos::Left => x as f64,
            HPos::Center => x as f64 - w / 2.0,
            HPos::Right => x as f64 - w,
        };
        let scale = m.scale(size);
        let mut buf = [0u8; 4];
        for c in text.chars() {
            let (adv, lsb) = m.h_metrics(c);
            if !c.is_whitespace() {
                let gx = (pen + lsb * scale).round() as i32;
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

// ---------------------------------------------------------------------------------------------
// Time axis

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Step {
    Secs(i64),
    Weeks(i64),
    Months(i32),
    Years(i32),
}

const STEPS: [Step; 27] = [
    Step::Secs(60),
    Step::Secs(120),
    Step::Secs(300),
    Step::Secs(600),
    Step::Secs(900),
    Step::Secs(1800),
    Step::Secs(3600),
    Step::Secs(2 * 3600),
    Step::Secs(3 * 3600),
    Step::Secs(6 * 3600),
    Step::Secs(12 * 3600),
    Step::Secs(86_400),
    Step::Secs(2 * 86_400),
    Step::Weeks(1),
    Step::Weeks(2),
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
    Step::Years(500),
];

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn approx_secs(s: Step) -> i64 {
    match s {
        Step::Secs(n) => n,
        Step::Weeks(n) => n * 604_800,
        Step::Months(n) => n as i64 * 2_629_746,
        Step::Years(n) => n as i64 * 31_556_952,
    }
}

fn month_start(month_index: i64) -> Option<i64> {
    let y = i32::try_from(month_index.div_euclid(12)).ok()?;
    let m = month_index.rem_euclid(12) as u32 + 1;
    Some(NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

fn ticks_for(step: Step, t0: i64, t1: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let aligned = |origin: i64, p: i64| {
        let mut t = origin + (t0 - origin).div_euclid(p) * p;
        if t < t0 {
            t += p;
        }
        t
    };
    match step {
        Step::Secs(p) | Step::Weeks(p) => {
            let (origin, p) = match step {
                Step::Weeks(n) => (4 * 86_400, n * 604_800), // Monday 1970-01-05
                _ => (0, p),
            };
            let mut t = aligned(origin, p);
            while t <= t1 {
                out.push(t);
                t += p;
            }
        }
        Step::Months(n) | Step::Years(n) => {
            let Some(d0) = DateTime::from_timestamp(t0, 0) else {
                return out;
            };
            let per = if matches!(step, Step::Years(_)) { 12 } else { 1 };
            let every = n as i64 * per;
            let mut mi = d0.year() as i64 * 12 + d0.month0() as i64;
            mi = mi.div_euclid(per) * per;
            while let Some(ts) = month_start(mi) {
                if ts > t1 {
                    break;
                }
                if ts >= t0 && mi.rem_euclid(every) == 0 {
                    out.push(ts);
                }
                mi += per;
            }
        }
    }
    out
}

fn tick_labels(step: Step, ticks: &[i64]) -> Vec<String> {
    let dates: Vec<Option<DateTime<chrono::Utc>>> = ticks.iter().map(|&t| DateTime::from_timestamp(t, 0)).collect();
    let any_midnight = ticks.iter().any(|t| t.rem_euclid(86_400) == 0);
    dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let Some(d) = d else { return String::new() };
            let mon = MONTHS[d.month0() as usize];
            let prev_year = if i > 0 { dates[i - 1].map(|p| p.year()) } else { None };
            match step {
                Step::Secs(p) if p < 86_400 => {
                    let hm = format!("{:02}:{:02}", d.hour(), d.minute());
                    if d.hour() == 0 && d.minute() == 0 {
                        format!("{} {mon}", d.day())
                    } else if i == 0 && !any_midnight {
                        format!("{} {mon} {hm}", d.day())
                    } else {
                        hm
                    }
                }
                Step::Secs(_) | Step::Weeks(_) => {
                    if prev_year != Some(d.year()) {
                        format!("{} {mon} {}", d.day(), d.year())
                    } else {
                        format!("{} {mon}", d.day())
                    }
                }
                Step::Months(_) => {
                    if i == 0 || d.month0() == 0 {
                        format!("{mon} {}", d.year())
                    } else {
                        mon.to_string()
                    }
                }
                Step::Years(_) => d.year().to_string(),
            }
        })
        .collect()
}

/// A tick: its pixel position (column or row), where its label is centred, and the label.
#[derive(Debug, Clone)]
pub(super) struct Tick {
    pub pos: i32,
    pub label_at: i32,
    pub label: String,
}

/// Time ticks for the plot columns `x0 .. x0 + cols`: the finest calendar step whose labels do
/// not crowd (at most one per 100 px, at least `MIN_LABEL_GAP` px apart), within the image.
pub(super) fn time_ticks(t0: i64, t1: i64, x0: i32, cols: u32, image_width: i32) -> Vec<Tick> {
    const MIN_LABEL_GAP: i32 = 36;
    let max_count = ((cols / 100) as usize).max(2);
    let mut best: Option<Vec<Tick>> = None;
    for step in STEPS {
        let span = (t1 as i128 - t0 as i128).max(0);
        if span / approx_secs(step) as i128 > max_count as i128 + 1 {
            continue;
        }
        let ticks = ticks_for(step, t0, t1);
        if ticks.is_empty() || ticks.len() > max_count {
            continue;
        }
        let labels = tick_labels(step, &ticks);
        let mut placed: Vec<Tick> = Vec::with_capacity(ticks.len());
        let mut ok = true;
        let mut prev_right = i32::MIN / 2;
        for (t, label) in ticks.iter().zip(labels) {
            let pos = x0 + column_of(*t, t0, t1, cols) as i32;
            let w = text_width(&label, SIZE_SMALL, false);
            let mut left = pos - w / 2;
            left = left.min(image_width - 6 - w).max(6);
            if left - prev_right < MIN_LABEL_GAP {
                ok = false;
                break;
            }
            prev_right = left + w;
            placed.push(Tick { pos, label_at: left + w / 2, label });
        }
        if !ok {
            continue;
        }
        if placed.len() >= 2 {
            return placed;
        }
        if best.is_none() {
            best = Some(placed);
        }
    }
    best.unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Value axis

/// The finest "nice" step (1, 2, 2.5 or 5 × 10^k), as (mantissa, exponent), that puts at most
/// `max_n` ticks in `[lo, hi]`.
fn nice_step(lo: f64, hi: f64, max_n: usize) -> (f64, i32) {
    let span = hi - lo;
    let k0 = (span / max_n.max(1) as f64).log10().floor() as i32 - 1;
    for k in k0..k0 + 4 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(k);
            let n = (hi / step).floor() - (lo / step).ceil() + 1.0;
            if n <= max_n as f64 {
                return (m, k);
            }
        }
    }
    (1.0, k0 + 4)
}

/// At most `max_n` value ticks in `[lo, hi]` and their labels: fixed decimals, as many as the step needs, or
/// scientific notation when that would take more than 8 decimals or the values are huge.
pub(super) fn value_ticks(lo: f64, hi: f64, max_n: usize) -> Vec<(f64, String)> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || span.is_infinite() {
        return Vec::new();
    }
    let (m, k) = nice_step(lo, hi, max_n);
    let step = m * 10f64.powi(k);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    if last < first || last - first > 50 {
        return Vec::new();
    }
    let extra = if m == 2.5 { 1 } else { 0 };
    let decimals = (-k + extra).max(0) as usize;
    let max_abs = lo.abs().max(hi.abs());
    let scientific = decimals > 8 || max_abs >= 1e9;
    (first..=last)
        .map(|i| {
            // multiply by the mantissa first to keep 0.1-style steps exact enough
            let v = if k < 0 { i as f64 * m / 10f64.powi(-k) } else { i as f64 * m * 10f64.powi(k) };
            let label = if scientific {
                let e = max_abs.log10().floor() as i32;
                let digits = (e - k + extra).max(0) as usize;
                format!("{:.*e}", digits, v)
            } else {
                let s = format!("{:.*}", decimals, v);
                if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
                    s[1..].to_string()
                } else {
                    s.replacen('-', "\u{2212}", 1)
                }
            };
            (v, label)
        })
        .collect()
}

/// The value range drawn for a panel: the data range with a margin.
fn value_range(lines: &[DLine]) -> Option<(f64, f64)> {
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

// ---------------------------------------------------------------------------------------------
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

/// In a bitmap, a line is its one-pixel path drawn at each of these offsets: two pixels thick in both
/// directions. Each copy is a one-pixel path, so the M4 argument holds for each (module docs);
/// a thick plotters stroke is a polygon, whose joins on the up-and-down runs of dense data
/// would differ between the full and the reduced series.
const PEN: [(i32, i32); 3] = [(0, 0), (1, 0), (0, 1)];

const SWATCH: i32 = 26;
const SWATCH_GAP: i32 = 8;
const LEGEND_SPACING: i32 = 26;

type LegendSlot = (i32, i32, String, RGBColor);

fn layout(opts: &ChartOptions, dpanels: &[DPanel], t0: i64, t1: i64) -> Result<Layout, ChartError> {
    let size_err = |reason: String| ChartError::Size { width: opts.width, height: opts.height, reason };
    if opts.width > MAX_SIDE || opts.height > MAX_SIDE {
        return Err(size_err(format!("at most {MAX_SIDE} pixels a side")));
    }
    let min_w = (LEFT + RIGHT + 100) as u32;
    if opts.width < min_w {
        return Err(size_err(format!("the width must be at least {min_w}")));
    }
    let width = opts.width as i32;
    let height = opts.height as i32;
    let x0 = LEFT;
    let cols = plot_columns_for_width(opts.width);
    let right = x0 + cols as i32;

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
            let total: i32 = widths.iter().sum::<i32>() + LEGEND_SPACING * (widths.len().max(1) as i32 - 1);
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
    let n = dpanels.len().max(1) as i32;
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
fn effective_range(opts: &ChartOptions) -> Result<(i64, i64), ChartError> {
    if opts.t1 < opts.t0 {
        return Err(ChartError::InvalidRange { t0: opts.t0, t1: opts.t1 });
    }
    if opts.t1 == opts.t0 {
        Ok((opts.t0.saturating_sub(43_200), opts.t0.saturating_add(43_200)))
    } else {
        Ok((opts.t0, opts.t1))
    }
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
    let (t0, t1, x0, cols) = (lay.t0, lay.t1, lay.x0, lay.cols);
    let right = x0 + cols as i32 - 1;

    if let (Some(title), Some(b)) = (&opts.title, lay.title_baseline) {
        painter.text(root, title, lay.width / 2, b, SIZE_TITLE, true, INK, HPos::Center)?;
    }

    let xticks = time_ticks(t0, t1, x0, cols, lay.width);

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
            Some((lo, hi)) => value_ticks(lo, hi, ((h / 32) as usize).clamp(2, 8)),
            None => Vec::new(),
        };
        let row = |v: f64| -> i32 {
            let (lo, hi) = range.unwrap_or((0.0, 1.0));
            y0 + ((hi - v) / (hi - lo) * (h - 1) as f64).round() as i32
        };
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
                x0 + cols as i32 / 2,
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
            let px = |&(t, v): &(i64, f64)| (x0 + column_of_snapped(t, t0, t1, cols, opts.snap) as i32, row(v));
            let mut occupied = 0usize;
            let mut last_col = None;
            for &(t, _) in &l.points {
                let c = column_of_snapped(t, t0, t1, cols, opts.snap);
                if last_col != Some(c) {
                    occupied += 1;
                    last_col = Some(c);
                }
            }
            let markers = occupied < MARKER_LIMIT;
            for run in split_at_gaps_in_snapped_columns(&l.points, t0, t1, cols, opts.snap) {
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

/// Writes RGB pixels as a PNG file at `path` (whose extension must be `.png`).
pub(super) fn encode_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), String> {
    let mut backend = BitMapBackend::new(path, (width, height));
    backend.blit_bitmap((0, 0), (width, height), rgb).map_err(|e| e.to_string())?;
    backend.present().map_err(|e| e.to_string())
}

#[cfg(test)]
pub(super) fn layout_for(opts: &ChartOptions, panels: &[Panel]) -> Result<Layout, ChartError> {
    prepare(opts, panels).map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::super::{
        m4_reduce, plot_columns, render_png_bytes, render_svg_string, render_to_file, ChartError, ChartOptions, ImageFormat, Line, Panel,
    };
    use super::*;
    use std::path::PathBuf;

    const DAY: i64 = 86_400;

    /// A tiny deterministic generator (Knuth's MMIX LCG): uniform in [0, 1).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn panel(pair: &str, lines: Vec<(&str, Vec<(i64, f64)>)>) -> Panel {
        Panel {
            pair: pair.to_string(),
            last: "0.00192".to_string(),
            change_pct: Some(-1.5),
            lines: lines.into_iter().map(|(label, points)| Line { label: label.to_string(), points }).collect(),
        }
    }

    fn daily(t0: i64, days: i64, v0: f64) -> Vec<(i64, f64)> {
        let mut r = Lcg(42);
        let mut v = v0;
        (0..days)
            .map(|d| {
                v *= 1.0 + (r.next() - 0.5) * 0.01;
                (t0 + d * DAY, v)
            })
            .collect()
    }

    /// A fresh empty directory under the system temp dir.
    fn scratch_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("fxsnap-chart-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn dir_entries(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    fn count_colour(rgb: &[u8], width: u32, rows: std::ops::Range<i32>, c: RGBColor) -> usize {
        let w = width as usize;
        rgb.chunks_exact(3)
            .enumerate()
            .filter(|(i, px)| {
                let y = (i / w) as i32;
                rows.contains(&y) && px[0] == c.0 && px[1] == c.1 && px[2] == c.2
            })
            .count()
    }

    /// Requirement 1: the M4 reduction is faithful: a 120,000-point random walk (5-minute steps over 14
    /// months, with a 20-day hole and a few spikes) and its reduction draw the same pixels.
    ///
    /// Bound: 0 differing pixels. Every point of a pixel column is drawn at the same x
    /// (`column_of`, shared with `m4_reduce`), so within a column the full line is a set of
    /// vertical one-pixel runs whose union is the run from the column's lowest to its highest
    /// pixel, which the reduced first→min→max→last also draws; the step from a column to the
    /// next joins the column's last point to the next one's first in both series; vertical runs
    /// are opaque, so overdrawing them changes nothing; the split at holes is judged by column
    /// (see `gaps`) and is identical; the value range (min, max) is kept by M4. A thick
    /// plotters stroke (a polygon) would break this; the renderer draws one-pixel paths only.
    #[test]
    fn m4_reduction_draws_the_same_pixels() {
        const MAX_DIFFERING_PIXELS: usize = 0;
        let t0 = 1_600_000_000;
        let mut r = Lcg(7);
        let mut v = 0.0019;
        let mut pts = Vec::with_capacity(130_000);
        let mut t = t0;
        while pts.len() < 120_000 {
            t += 300;
            if (t0 + 200 * DAY..t0 + 220 * DAY).contains(&t) {
                continue; // a hole
            }
            v *= 1.0 + (r.next() - 0.5) * 0.003;
            let spike = if r.next() < 0.0002 { 1.05 } else { 1.0 };
            pts.push((t, v * spike));
        }
        let t1 = pts.last().unwrap().0;
        let opts = ChartOptions::new(t0, t1);
        let cols = plot_columns(&opts);
        let reduced = m4_reduce(&pts, t0, t1, cols);
        assert!(reduced.len() <= 4 * cols as usize, "{}", reduced.len());
        assert!(reduced.len() * 10 < pts.len());

        let decimated: Vec<(i64, f64)> = pts.iter().step_by(25).copied().collect();
        let full = render_png_bytes(&opts, &[panel("KZT/USD", vec![("nbu", pts)])]).unwrap();
        let red = render_png_bytes(&opts, &[panel("KZT/USD", vec![("nbu", reduced)])]).unwrap();
        assert_eq!(full.len(), 1200 * 900 * 3);
        let differing = full.chunks_exact(3).zip(red.chunks_exact(3)).filter(|(a, b)| a != b).count();
        eprintln!("m4: {differing} differing pixels");
        // (the bound is 0, so "at most" is "exactly")
        assert_eq!(differing, MAX_DIFFERING_PIXELS, "{differing} pixels differ (bound {MAX_DIFFERING_PIXELS})");
        // the comparison is sensitive: keeping every 25th point instead (about as many points
        // as M4 keeps) gives a visibly different picture
        let dec = render_png_bytes(&opts, &[panel("KZT/USD", vec![("nbu", decimated)])]).unwrap();
        let differing_decimated = full.chunks_exact(3).zip(dec.chunks_exact(3)).filter(|(a, b)| a != b).count();
        eprintln!("m4: every 25th point instead: {differing_decimated} differing pixels");
        assert!(differing_decimated > 1000, "{differing_decimated}");
        // ...and the line was really drawn, across the plot
        assert!(count_colour(&full, 1200, 0..900, PALETTE[0]) > 2 * cols as usize);
    }

    /// The hole of a series is not bridged: no line pixel in the middle of a 4-month hole.
    #[test]
    fn a_hole_is_drawn_as_a_break() {
        let t0 = 946_684_800; // 2000-01-01
        let mut pts = daily(t0, 365, 0.0072);
        pts.retain(|p| !(t0 + 100 * DAY..t0 + 220 * DAY).contains(&p.0));
        let opts = ChartOptions::new(t0, t0 + 364 * DAY);
        let rgb = render_png_bytes(&opts, &[panel("KZT/USD", vec![("nbu", pts)])]).unwrap();
        let lay = layout_for(&opts, &[panel("KZT/USD", vec![("nbu", daily(t0, 365, 0.0072))])]).unwrap();
        let mid = lay.x0 + column_of(t0 + 160 * DAY, t0, t0 + 364 * DAY, lay.cols) as i32;
        let p = &lay.panels[0];
        let line_px = (p.y0..p.y0 + p.h)
            .filter(|&y| {
                let i = (y as usize * 1200 + mid as usize) * 3;
                rgb[i..i + 3] == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2]
            })
            .count();
        assert_eq!(line_px, 0, "the hole is bridged");
        // and the line is there on both sides
        let before = lay.x0 + column_of(t0 + 50 * DAY, t0, t0 + 364 * DAY, lay.cols) as i32;
        let on_line = |x: i32| {
            (p.y0..p.y0 + p.h).any(|y| {
                let i = (y as usize * 1200 + x as usize) * 3;
                rgb[i..i + 3] == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2]
            })
        };
        assert!(on_line(before));
    }

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        assert_eq!(&bytes[12..16], b"IHDR");
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        (w, h)
    }

    /// Requirement 3: a PNG has exactly the requested size (IHDR), and no temporary file is left.
    #[test]
    fn png_has_the_requested_size() {
        let d = scratch_dir("png");
        let t0 = 1_600_000_000;
        let panels = [panel("KZT/USD", vec![("nbu", daily(t0, 400, 0.0024))])];
        for (w, h) in [(1200, 900), (640, 480), (1000, 1400)] {
            let mut opts = ChartOptions::new(t0, t0 + 399 * DAY);
            opts.width = w;
            opts.height = h;
            let path = d.join(format!("chart-{w}x{h}.PNG"));
            render_to_file(&opts, &panels, &path).unwrap();
            assert_eq!(png_size(&std::fs::read(&path).unwrap()), (w, h));
        }
        assert_eq!(dir_entries(&d), vec!["chart-1000x1400.PNG", "chart-1200x900.PNG", "chart-640x480.PNG"]);
        // the default size
        let opts = ChartOptions::new(t0, t0 + 399 * DAY);
        assert_eq!((opts.width, opts.height), (1200, 900));
        let _ = std::fs::remove_dir_all(&d);
    }

    /// Requirement 3: an SVG keeps its text as text: it names the pairs, and no font is under 16 px.
    #[test]
    fn svg_names_the_pairs() {
        let d = scratch_dir("svg");
        let t0 = 1_600_000_000;
        let panels = [panel("KZT/USD", vec![("nbu", daily(t0, 100, 0.0024))]), panel("KGS/USD", vec![("nbu", daily(t0, 100, 0.0114))])];
        let mut opts = ChartOptions::new(t0, t0 + 99 * DAY);
        opts.title = Some("Tenge & som".to_string());
        let path = d.join("chart.svg");
        render_to_file(&opts, &panels, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
        assert!(svg.contains("<text"));
        assert!(svg.contains("KZT/USD") && svg.contains("KGS/USD"));
        assert!(svg.contains("Tenge &amp; som"));
        let sizes: Vec<f64> = svg.split("font-size=\"").skip(1).map(|s| s[..s.find('"').unwrap()].parse().unwrap()).collect();
        assert!(!sizes.is_empty());
        assert!(sizes.iter().all(|&s| s >= 16.0), "{sizes:?}");
        assert_eq!(dir_entries(&d), vec!["chart.svg"]);
        assert_eq!(render_svg_string(&opts, &panels).unwrap(), svg);
        let _ = std::fs::remove_dir_all(&d);
    }

    /// Requirement 3: nothing to draw is an error that writes nothing (and keeps an existing file).
    #[test]
    fn empty_input_writes_nothing() {
        let d = scratch_dir("empty");
        let opts = ChartOptions::new(1_600_000_000, 1_600_000_000 + 10 * DAY);
        let path = d.join("chart.png");
        let e = render_to_file(&opts, &[], &path).unwrap_err();
        assert!(matches!(e, ChartError::NoData), "{e}");
        let no_points = [panel("KZT/USD", vec![("nbu", vec![])])];
        assert!(matches!(render_to_file(&opts, &no_points, &path), Err(ChartError::NoData)));
        let outside = [panel("KZT/USD", vec![("nbu", vec![(1_500_000_000, 1.0)])])];
        assert!(matches!(render_to_file(&opts, &outside, &d.join("c.svg")), Err(ChartError::NoData)));
        assert!(matches!(render_png_bytes(&opts, &[]), Err(ChartError::NoData)));
        assert!(dir_entries(&d).is_empty(), "{:?}", dir_entries(&d));
        // an existing chart is left as it was
        std::fs::write(&path, b"old").unwrap();
        assert!(render_to_file(&opts, &[], &path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(dir_entries(&d), vec!["chart.png"]);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn bad_targets_are_clear_errors() {
        let d = scratch_dir("bad");
        let t0 = 1_600_000_000;
        let opts = ChartOptions::new(t0, t0 + 9 * DAY);
        let panels = [panel("KZT/USD", vec![("nbu", daily(t0, 10, 0.0024))])];
        let e = render_to_file(&opts, &panels, &d.join("chart.jpg")).unwrap_err();
        assert!(matches!(e, ChartError::UnknownFormat { .. }));
        assert!(e.to_string().contains("chart.jpg"), "{e}");
        assert_eq!(ImageFormat::from_path(Path::new("a/b.Svg")).unwrap(), ImageFormat::Svg);
        assert_eq!(ImageFormat::from_path(Path::new("b.png")).unwrap(), ImageFormat::Png);
        assert!(ImageFormat::from_path(Path::new("png")).is_err());
        for name in ["chart.png", "chart.svg"] {
            let missing = d.join("no-such-dir").join(name);
            let e = render_to_file(&opts, &panels, &missing).unwrap_err();
            assert!(matches!(e, ChartError::Write { .. } | ChartError::Encode { .. }), "{e}");
            assert!(e.to_string().contains(&*missing.to_string_lossy()), "{e}");
        }
        assert!(dir_entries(&d).is_empty(), "{:?}", dir_entries(&d));
        let mut backwards = opts.clone();
        backwards.t1 = backwards.t0 - 1;
        assert!(matches!(render_png_bytes(&backwards, &panels), Err(ChartError::InvalidRange { .. })));
        let mut tiny = opts.clone();
        tiny.width = 100;
        assert!(matches!(render_png_bytes(&tiny, &panels), Err(ChartError::Size { .. })));
        let mut many = opts.clone();
        many.height = 300;
        let lots: Vec<Panel> = (0..8).map(|_| panels[0].clone()).collect();
        let e = render_png_bytes(&many, &lots).unwrap_err();
        assert!(matches!(e, ChartError::Size { .. }) && e.to_string().contains("height"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    /// Requirement 4: two sources of one pair: two colours in the plot, and a legend (their swatches) in
    /// the panel header.
    #[test]
    fn two_sources_get_two_colours_and_a_legend() {
        let t0 = 1_650_000_000;
        let a = daily(t0, 90, 0.00210);
        let b: Vec<(i64, f64)> = a.iter().map(|&(t, v)| (t + 3600, v * 1.01)).collect();
        let panels = [panel("KZT/USD", vec![("nbu", a), ("ticker", b)]), panel("KGS/USD", vec![("nbu", daily(t0, 90, 0.0114))])];
        let opts = ChartOptions::new(t0, t0 + 90 * DAY);
        let rgb = render_png_bytes(&opts, &panels).unwrap();
        let lay = layout_for(&opts, &panels).unwrap();
        let p = &lay.panels[0];
        assert_eq!(p.legend.len(), 2);
        assert_eq!(lay.panels[1].legend.len(), 0, "one source: no legend");
        let header = lay.panels[0].title_baseline - 30..p.y0 - 1;
        let plot = p.y0..p.y0 + p.h;
        for c in [PALETTE[0], PALETTE[1]] {
            assert!(count_colour(&rgb, 1200, header.clone(), c) >= 40, "legend swatch {c:?}");
            assert!(count_colour(&rgb, 1200, plot.clone(), c) >= 200, "line {c:?}");
        }
        assert_eq!(count_colour(&rgb, 1200, plot, PALETTE[2]), 0);
    }

    /// A three-point series over three days gets markers: at each point the line colour spans
    /// the marker's height a few pixels beside the point, where a line alone is 2 px.
    #[test]
    fn few_points_get_markers() {
        let t0 = 1_658_102_400; // 2022-07-18
        let pts = vec![(t0 + DAY, 0.00208), (t0 + 2 * DAY, 0.00208), (t0 + 3 * DAY, 0.00208)];
        let opts = ChartOptions::new(t0, t0 + 3 * DAY);
        let panels = [panel("KZT/USD", vec![("nbu", pts.clone())])];
        let rgb = render_png_bytes(&opts, &panels).unwrap();
        let lay = layout_for(&opts, &panels).unwrap();
        let p = &lay.panels[0];
        let height_at = |x: i32| {
            (p.y0..p.y0 + p.h)
                .filter(|&y| {
                    let i = (y as usize * 1200 + x as usize) * 3;
                    rgb[i..i + 3] == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2]
                })
                .count()
        };
        for &(t, _) in &pts {
            let x = lay.x0 + column_of(t, opts.t0, opts.t1, lay.cols) as i32;
            assert!(height_at(x - 2) >= 6, "no marker at {t}");
        }
        let between = lay.x0 + column_of(t0 + DAY + DAY / 2, opts.t0, opts.t1, lay.cols) as i32;
        assert!((1..=3).contains(&height_at(between)), "{}", height_at(between));
    }

    #[test]
    fn index_mode_rebases_to_100() {
        let t0 = 1_600_000_000;
        let panels = [
            panel("KZT/USD", vec![("nbu", vec![(t0, 0.002), (t0 + DAY, 0.001)])]),
            panel("KGS/USD", vec![("nbu", vec![(t0, 0.0114), (t0 + DAY, 0.0171)])]),
        ];
        let mut opts = ChartOptions::new(t0, t0 + DAY);
        opts.index = true;
        let d = build_panels(&opts, &panels, opts.t0, opts.t1).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].lines.len(), 2);
        assert_eq!(d[0].lines[0].points, vec![(t0, 100.0), (t0 + DAY, 50.0)]);
        assert!((d[0].lines[1].points[1].1 - 150.0).abs() < 1e-9);
        assert_eq!(d[0].lines[0].label, "KZT/USD  \u{2212}50.0%");
        let rgb = render_png_bytes(&opts, &panels).unwrap();
        for c in [PALETTE[0], PALETTE[1]] {
            assert!(count_colour(&rgb, 1200, 0..900, c) > 100);
        }
        let zero = [panel("X/Y", vec![("nbu", vec![(t0, 0.0), (t0 + DAY, 1.0)])])];
        assert!(matches!(render_png_bytes(&opts, &zero), Err(ChartError::CannotRebase { .. })));
    }

    #[test]
    fn time_labels_suit_the_range() {
        let x0 = LEFT;
        let cols = plot_columns_for_width(1200);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let check = |t0: i64, t1: i64| {
            let ticks = time_ticks(t0, t1, x0, cols, 1200);
            assert!(ticks.len() >= 2, "{ticks:?}");
            for w in ticks.windows(2) {
                let right = w[0].label_at + text_width(&w[0].label, SIZE_SMALL, false) / 2;
                let left = w[1].label_at - text_width(&w[1].label, SIZE_SMALL, false) / 2;
                assert!(left - right >= 30, "crowded: {ticks:?}");
            }
            ticks.into_iter().map(|t| t.label).collect::<Vec<_>>()
        };
        let years = check(day("1996-09-02"), day("2025-06-30"));
        assert!(years.iter().all(|l| l.len() == 4 && l.parse::<i32>().is_ok()), "{years:?}");
        let months = check(day("2024-01-10"), day("2025-01-10"));
        assert!(months.iter().any(|l| l == "Jan 2025"), "{months:?}");
        assert!(months.iter().all(|l| l.len() == 3 || l.len() == 8), "{months:?}");
        let days = check(day("2022-07-18"), day("2022-07-21"));
        assert!(days.contains(&"19 Jul".to_string()), "{days:?}");
        let hours = check(day("2024-03-01") + 3600, day("2024-03-01") + 3 * 3600);
        assert!(hours[0].starts_with("1 Mar "), "{hours:?}");
        assert!(hours[1..].iter().all(|l| l.len() == 5 && l.as_bytes()[2] == b':'), "{hours:?}");
        let weeks = check(day("2022-04-21"), day("2022-07-21"));
        assert!(weeks[0].ends_with("2022"), "{weeks:?}");
    }

    #[test]
    fn value_labels_fit_and_tell_ticks_apart() {
        for (lo, hi) in
            [(0.000078, 0.0000805), (0.0019, 0.0146), (0.28489, 0.28491), (20.0, 130.0), (9_000.0, 13_000.0), (1.0e-9, 1.5e-9), (-3.0, 2.0)]
        {
            let t = value_ticks(lo, hi, 5);
            assert!((2..=5).contains(&t.len()), "{lo}..{hi}: {t:?}");
            let labels: Vec<&String> = t.iter().map(|(_, l)| l).collect();
            let mut uniq = labels.clone();
            uniq.dedup();
            assert_eq!(uniq.len(), labels.len(), "{labels:?}");
            for (v, l) in &t {
                assert!(text_width(l, SIZE_SMALL, false) <= LEFT - TICK_LABEL_GAP - 8, "{l}");
                let parsed: f64 = l.replace('\u{2212}', "-").parse().unwrap();
                assert!((parsed - v).abs() <= (hi - lo) * 1e-6, "{l} vs {v}");
            }
        }
        let tiny = value_ticks(0.000078, 0.0000805, 5);
        assert_eq!(tiny.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["0.000078", "0.000079", "0.000080"]);
    }

    #[test]
    fn changes_are_formatted_with_a_real_minus() {
        assert_eq!(format_change(-1.5), "\u{2212}1.5%");
        assert_eq!(format_change(2.0), "+2.0%");
        assert_eq!(format_change(0.28), "+0.28%");
        assert_eq!(format_change(-0.001), "0.00%");
        assert_eq!(format_change(-99.3), "\u{2212}99.3%");
        assert_eq!(format_change(250.0), "+250%");
    }

    /// No text under 16 px: the smallest size is a 17 px em in a PNG (ab_glyph scales
    /// ascent − descent = 1.164 em to the size) and a 16.1 px font-size in an SVG (size / 1.24).
    /// The font metrics read from the embedded font agree with plotters' own layout.
    #[test]
    fn text_is_large_enough_and_measured_right() {
        ensure_fonts().unwrap();
        for s in [SIZE_SMALL, SIZE_PANEL, SIZE_TITLE] {
            assert!(s / 1.164 >= 16.0 && s / 1.24 >= 16.0);
        }
        let m = metrics(false).unwrap();
        assert_eq!(m.height_units, 2384.0);
        for text in ["0123456789", "KZT/USD  0.00192", "Jan 2025"] {
            let ours = text_width(text, SIZE_SMALL, false);
            let theirs = font(SIZE_SMALL, false).box_size(text).unwrap().0 as i32;
            assert!((ours - theirs).abs() <= 2, "{text}: {ours} vs {theirs}");
        }
        assert!(metrics(true).is_some());
        assert_ne!(m.glyph('\u{2212}'), 0, "the minus sign is in the font");
    }
}
