//! Charts of exchange-rate series: PNG or SVG, one panel per pair or one rebased panel.
//!
//! # API
//!
//! ```text
//! pub struct Line  { pub label: String, pub points: Vec<(i64, f64)>, pub last: Option<String>,
//!                    pub change_pct: Option<f64>, pub group: String,
//!                    pub slot: usize }                                   // one source of a pair
//! pub struct Panel { pub pair: String, pub meaning: String, pub lines: Vec<Line>,
//!                    pub decimals: Option<i32>, pub zero_line: bool }
//! pub enum ImageFormat { Png, Svg }          // ImageFormat::from_path(&Path)
//! pub enum Theme { Light, Dark }
//! pub struct ChartOptions { pub width: u32, pub height: u32, pub title: Option<String>,
//!                           pub index: bool, pub log: bool, pub linear: bool, pub theme: Theme,
//!                           pub caption: Vec<String>, pub t0: i64, pub t1: i64, pub snap: i64 }
//! pub fn plot_columns(opts: &ChartOptions) -> u32
//! pub fn render_to_file(opts: &ChartOptions, panels: &[Panel], path: &Path) -> Result<(), ChartError>
//! pub fn render_files(charts: &[(&ChartOptions, &[Panel], &Path)]) -> Result<(), (usize, ChartError)>
//! pub fn render_rgb(opts: &ChartOptions, panels: &[Panel]) -> Result<Vec<u8>, ChartError>
//! pub fn render_svg_string(opts: &ChartOptions, panels: &[Panel]) -> Result<String, ChartError>
//! pub fn render_bytes(opts: &ChartOptions, panels: &[Panel], f: ImageFormat) -> Result<Vec<u8>, ChartError>
//! pub fn write_png<W: Write>(out: W, width: u32, height: u32, rgb: &[u8]) -> Result<(), String>
//! pub fn m4_reduce(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32) -> Vec<(i64, f64)>
//! pub fn column_of(t: i64, t0: i64, t1: i64, columns: u32) -> u32
//! pub fn split_at_gaps(points: &[(i64, f64)]) -> Vec<Vec<(i64, f64)>>
//! pub enum ChartError { NoData, InvalidRange, UnknownFormat, Size, NotPositive, CannotRebase,
//!                       Font, Draw, Write, Encode }
//! ```
//!
//! The command (`commands::chart`) gathers the panels: points already reduced by
//! [`reduce::rollups::reduced_points`], each source's last value and change, the data's last
//! quoted digit, the pair's meaning ([`meaning`]), deviations for `--vs` ([`deviation`]).
//!
//! Times are Unix seconds, UTC; the time axis is labelled in UTC. Each line's points should be
//! sorted by time; points outside `t0..=t1` and non-finite values are ignored.
//!
//! # What is drawn
//!
//! - Default: one panel per [`Panel`], stacked, each with its own y-axis, all on the same time
//!   range `t0..=t1` (time labels under the bottom panel only). A panel's title is the pair and
//!   what its values mean, `KGS/USD — US dollars per som`, from the image's left margin in every
//!   panel at every size. Each line (source) has a legend entry with its own last value and
//!   change over the range, `timesca  0.01143  −3.4%`; when the panels would be too low, the
//!   entries drop the change's period, then the change, never the value.
//! - [`ChartOptions::index`]: one panel; every line of every panel is rebased to 100 at its first
//!   point in the range; one colour per [`Line::group`] (currency), one dash per source, the
//!   legend grouped by currency, each entry with its change over the range. A line with no point
//!   in the range is left out; a first value of 0 is [`ChartError::CannotRebase`].
//! - Log y-axes, ticks 1-2-5 (or 1-3, finer mantissas within a decade or two, powers of ten over
//!   many decades): by default for a panel whose values (all above 0) span more than a factor of
//!   ten, always under [`ChartOptions::log`] (where a value ≤ 0 is [`ChartError::NotPositive`]),
//!   never under [`ChartOptions::linear`] or for deviations; the title of a log panel ends with
//!   `, log scale`.
//! - Honest y-axes: the range spans at least ten steps of [`Panel::decimals`], tick labels carry
//!   no more decimals, a panel 150 px or taller gets at least four labels, labels never overlap,
//!   the data keep a margin from the frame, and an axis of positive data does not go below 0.
//!   [`Panel::zero_line`] panels (deviations) always show 0, drawn as a line.
//! - The caption ([`ChartOptions::caption`]) is wrapped under the time labels.
//! - Colours: [`Theme`]; a line takes the palette colour of its [`Line::slot`], starting with
//!   blue.
//! - A line whose points occupy fewer than [`MARKER_LIMIT`] pixel columns is drawn with markers
//!   (a three-day series is three dots joined by lines), the largest markers of the chart, and
//!   after the lines with more columns (the fewest last), so a bank's single document is never
//!   hidden under the ticker's line; an isolated point (a run of one between two holes) is
//!   always drawn as a dot.
//! - A hole in a line much longer than its usual spacing is a break, never bridged: see
//!   [`gaps`] for the rule, and why it is judged per pixel column.
//! - Text and lines scale with the image (`layout::Sizes`: a 2400×1800 chart has them twice as
//!   large as 1200×900; smaller images keep the 1200×900 sizes). All text is at least 16 px
//!   (DejaVu Sans, embedded in the binary and registered with plotters once, as "sans-serif");
//!   an SVG keeps its text as `<text>` in `font-family="sans-serif"`.
//! - The left and right margins depend on the image size only, so [`plot_columns`] is known
//!   before the data. A size too small is [`ChartError::Size`], whose message says what to drop
//!   (`--pair`, `--index`, a larger `--height` or `--width`). At most [`MAX_SIDE`] a side: the
//!   PNG is drawn into one RGB buffer and encoded from it row by row.
//!
//! # Reducing large ranges (M4)
//!
//! Ask for [`plot_columns`]`(opts)` columns and reduce each line with [`m4_reduce`] (or read it
//! reduced from the store's rollups, [`reduce::rollups`]) over the same `t0`, `t1` and
//! [`ChartOptions::snap`]: the chart of the reduced points is pixel for pixel the chart of the
//! full points. See [`reduce`] for why.
//!
//! # Files
//!
//! [`render_to_file`] picks the format from the extension (`.png` or `.svg`, any case), writes a
//! temporary file `.NAME.tmp-PID.EXT` in the target's directory, syncs it and renames it over
//! the target ([`render_files`] does this for several charts, renaming none unless all were
//! written): the file appears complete or not at all. On an error the temporary file is
//! removed. Nothing to draw (no point in the range in any line) is [`ChartError::NoData`] and
//! writes nothing. A successful write also removes temporary files left by killed runs (whose
//! process is gone). A range with `t1 == t0` (a single instant) is drawn over a day centred on it;
//! `t1 < t0` is [`ChartError::InvalidRange`].

//! # Where things live
//!
//! - [`reduce`]: pixel columns, M4 and the reducer that reads the store's rollups (and why the
//!   reduced chart is the full one, pixel for pixel); [`gaps`]: where a line breaks.
//! - `scene`: the panels and lines as shown (range, rebasing, titles, legend labels);
//!   `layout`: sizes, margins, panel boxes and the typed pixel layer (time → column → x,
//!   value → row); `ticks`: time and value ticks; `font`: the embedded font and its metrics;
//!   `theme`: colours; `draw`: drawing on a plotters backend; `encode`: PNG/SVG files, atomically.

// Pixels, columns and times are converted in one place each (`layout`, `reduce::columns`):
// no silent truncating or sign-losing casts, and every match names its variants.
#![deny(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::wildcard_enum_match_arm)]

pub mod deviation;
mod draw;
mod encode;
mod files;
mod font;
pub mod gaps;
mod layout;
pub mod meaning;
mod pixel;
pub mod reduce;
mod scene;
mod subset;
mod svgtext;
mod theme;
mod ticks;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use encode::write_png;
pub use files::{render_files, render_files_while, FileJob, Stopped};
pub use gaps::split_at_gaps;
pub use reduce::{column_of, column_of_snapped, m4, m4_reduce, m4_reduce_snapped};

/// A line with points in fewer pixel columns than this gets a marker at every point.
pub const MARKER_LIMIT: usize = 60;

/// One line of a panel: one source's observations of the panel's pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The source, e.g. `"nbu"`; its legend entry starts with it.
    pub label: String,
    /// `(unix seconds UTC, rate)`, sorted by time.
    pub points: Vec<(i64, f64)>,
    /// The source's last value in the range exactly as it should be shown, e.g. `"0.00192"`.
    pub last: Option<String>,
    /// The source's own change over the range in percent (`-1.5` for −1.5 %), if known.
    pub change_pct: Option<f64>,
    /// What the line's colour follows under `--index`: its currency (`"KZT"`), so the sources
    /// of one currency share a colour and differ in dash.
    pub group: String,
    /// Which palette colour the line takes (its place among the pair's sources, whether or not
    /// each has data in the range): a source keeps its colour across the ranges of one pair.
    pub slot: usize,
}

/// One pair: its panel (default mode) or its lines in the single rebased panel (index mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The pair as shown, e.g. `"KZT/USD"`.
    pub pair: String,
    /// What its values mean, e.g. `"US dollars per tenge"`; the title is `pair — meaning`.
    pub meaning: String,
    pub lines: Vec<Line>,
    /// The last quoted digit of the coarsest line, as a power of ten: 5 for `0.01144` (a step
    /// of 0.00001), −1 for a step of 10. The y-axis spans at least ten such steps (so the
    /// ticker's one-digit flip never fills more than a tenth of the panel, however fine another
    /// line's digits are) and its labels carry no more decimals. `None`: no limit known.
    pub decimals: Option<i32>,
    /// Draw a line at 0 (a panel of deviations).
    pub zero_line: bool,
}

/// The image format of an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// `.png` or `.svg` (any case); anything else is [`ChartError::UnknownFormat`].
    pub fn from_path(path: &Path) -> Result<ImageFormat, ChartError> {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("svg") => Ok(ImageFormat::Svg),
            _ => Err(ChartError::UnknownFormat { path: path.to_path_buf() }),
        }
    }
}

/// The colours of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark lines on white.
    #[default]
    Light,
    /// Light lines on a dark grey.
    Dark,
}

/// What to draw, and over which range.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartOptions {
    /// Image size in pixels (default 1200×900).
    pub width: u32,
    pub height: u32,
    /// A title over the whole chart.
    pub title: Option<String>,
    /// One panel, every line rebased to 100 at its first point in the range.
    pub index: bool,
    /// Logarithmic y-axes (`--log`). With neither this nor [`ChartOptions::linear`], a panel
    /// whose values span more than a factor of ten is logarithmic, and its title says so.
    pub log: bool,
    /// Linear y-axes (`--linear`), whatever the data span.
    pub linear: bool,
    pub theme: Theme,
    /// Lines of small text under the chart (sources, when it was made), wrapped to the width.
    pub caption: Vec<String>,
    /// The time range drawn, Unix seconds UTC, both ends included.
    pub t0: i64,
    pub t1: i64,
    /// Column boundaries moved to multiples of this many seconds (see
    /// [`column_of_snapped`]); 0 for plain linear columns.
    pub snap: i64,
    /// Draw the chart even with no point in the range, this sentence in each empty panel
    /// (`no observations between … and …`); `None`: such a chart is [`ChartError::NoData`].
    pub note: Option<String>,
}

impl ChartOptions {
    /// 1200×900, no title, one panel per pair, over `t0..=t1`.
    pub fn new(t0: i64, t1: i64) -> ChartOptions {
        ChartOptions {
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            title: None,
            index: false,
            log: false,
            linear: false,
            theme: Theme::Light,
            caption: Vec::new(),
            t0,
            t1,
            snap: 0,
            note: None,
        }
    }
}

pub const DEFAULT_WIDTH: u32 = 1200;
pub const DEFAULT_HEIGHT: u32 = 900;
/// The largest side accepted: a 20,000² chart is 1.2 GB of RGB, drawn and encoded from one buffer.
pub const MAX_SIDE: u32 = 20_000;

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("nothing to chart: no observations in the range")]
    NoData,
    #[error("the chart range ends before it starts ({t1} < {t0})")]
    InvalidRange { t0: i64, t1: i64 },
    #[error("cannot tell the image format of {}: use a .png or .svg file name", .path.display())]
    UnknownFormat { path: PathBuf },
    #[error("cannot draw a {width}x{height} chart: {reason}")]
    Size { width: u32, height: u32, reason: String },
    #[error("cannot draw {what} on a logarithmic axis: it has the value {value}, not above 0")]
    NotPositive { what: String, value: f64 },
    #[error("cannot rebase {what} to 100: its first value in the range is {value}")]
    CannotRebase { what: String, value: f64 },
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("cannot write the chart {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the chart {}: {message}", .path.display())]
    Encode { path: PathBuf, message: String },
}

/// The width in pixels, hence the number of pixel columns, of the plotting area of a chart of
/// `opts.width` (the same for every panel and in index mode). Ask the M4 reduction for this
/// many columns over `opts.t0..=opts.t1`.
pub fn plot_columns(opts: &ChartOptions) -> u32 {
    layout::plot_columns_for(opts.width, opts.height)
}

/// Draws the chart into RGB pixels (`width * height * 3` bytes, row by row), as the PNG holds.
pub fn render_rgb(opts: &ChartOptions, panels: &[Panel]) -> Result<Vec<u8>, ChartError> {
    let mut buf = Vec::new();
    draw::render_rgb(opts, panels, &mut buf)?;
    Ok(buf)
}

/// Draws the chart as an SVG document (text as text, in the embedded font).
pub fn render_svg_string(opts: &ChartOptions, panels: &[Panel]) -> Result<String, ChartError> {
    draw::render_svg(opts, panels)
}

/// The chart as a file's bytes, in memory: the PNG or SVG that [`render_to_file`] writes for
/// the same options and panels, byte for byte (a server sends these).
pub fn render_bytes(opts: &ChartOptions, panels: &[Panel], format: ImageFormat) -> Result<Vec<u8>, ChartError> {
    match format {
        ImageFormat::Png => {
            let rgb = render_rgb(opts, panels)?;
            let mut out = Vec::new();
            write_png(&mut out, opts.width, opts.height, &rgb)
                .map_err(|message| ChartError::Encode { path: PathBuf::from("(memory)"), message })?;
            Ok(out)
        }
        ImageFormat::Svg => render_svg_string(opts, panels).map(String::into_bytes),
    }
}

/// Draws the chart and writes it to `path` (format from the extension), atomically: see the
/// module documentation.
pub fn render_to_file(opts: &ChartOptions, panels: &[Panel], path: &Path) -> Result<(), ChartError> {
    render_files(&[(opts, panels, path)]).map_err(|(_, e)| e)
}
