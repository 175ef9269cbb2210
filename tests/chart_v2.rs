//! Issue 12: charts a person puts in a report, through the real binary. The
//! tests read the SVG (its text elements, rectangles and polylines, with
//! their coordinates) on the bundled data and on constructed CSV data.

mod common;

use std::fs;
use std::path::Path;

use common::{data, s, TempDb};

/// 2026-11-30T01:33:20Z: when the charts of these tests are made.
const EPOCH: i64 = 1_796_000_000;
const DAY: i64 = 86_400;

// ------------------------------------------------------------------------------------------
// Running

fn bundled() -> TempDb {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history"))]);
    db
}

/// A database with the CSV rows `(unix time, pair, rate, source)`.
fn constructed(rows: &[(i64, &str, String, &str)]) -> TempDb {
    let db = TempDb::new();
    let mut text = String::from("timestamp,pair,rate,source\n");
    for (t, pair, rate, source) in rows {
        let ts = chrono::DateTime::from_timestamp(*t, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ");
        text.push_str(&format!("{ts},{pair},{rate},{source}\n"));
    }
    let csv = db.dir.path().join("data.csv");
    fs::write(&csv, text).unwrap();
    db.ok(&["ingest", "-q", s(&csv)]);
    db
}

/// `chart -o NAME ARGS` made at `EPOCH`; returns the file's path.
fn chart(db: &TempDb, name: &str, args: &[&str]) -> std::path::PathBuf {
    let out = db.dir.path().join(name);
    let mut full = vec!["chart", "-o", s(&out)];
    full.extend_from_slice(args);
    let o = db.cmd(&full).env("SOURCE_DATE_EPOCH", EPOCH.to_string()).output().unwrap();
    assert!(o.status.success(), "chart {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    out
}

fn rfc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ------------------------------------------------------------------------------------------
// Reading the SVG

#[derive(Debug, Clone)]
struct Text {
    x: i32,
    y: i32,
    size: f64,
    bold: bool,
    fill: String,
    /// The element's own words (a title: its bold pair).
    text: String,
    /// Everything it shows, its <tspan>s included (`KGS/USD — US dollars per som`).
    run: String,
}

#[derive(Debug, Clone)]
struct Poly {
    stroke: String,
    width: String,
    points: Vec<(i32, i32)>,
}

#[derive(Debug, Clone)]
struct Rect {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    fill: String,
    stroke: String,
}

/// A plot's frame: the plotting area's columns `x0..=right` and rows `y0..=bottom`.
#[derive(Debug, Clone, Copy)]
struct Frame {
    x0: i32,
    right: i32,
    y0: i32,
    bottom: i32,
}

impl Frame {
    fn cols(&self) -> u32 {
        u32::try_from(self.right - self.x0 + 1).unwrap()
    }
    fn height(&self) -> i32 {
        self.bottom - self.y0 + 1
    }
    fn holds(&self, y: i32) -> bool {
        (self.y0 - 2..=self.bottom + 2).contains(&y)
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

fn num(tag: &str, name: &str) -> i32 {
    attr(tag, name).unwrap_or_else(|| panic!("{name} in {tag}")).parse().unwrap()
}

struct Svg {
    texts: Vec<Text>,
    polys: Vec<Poly>,
    rects: Vec<Rect>,
}

fn parse(svg: &str) -> Svg {
    let mut out = Svg { texts: Vec::new(), polys: Vec::new(), rects: Vec::new() };
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..=end];
        if tag.starts_with("<text ") {
            let close = rest.find("</text>").unwrap();
            // one run: the text's own words, then its <tspan>s' (a title's meaning)
            let raw = &rest[end + 1..close];
            let first = raw.split("<tspan").next().unwrap();
            let plain = |s: &str| s.trim().replace('\u{a0}', " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
            let mut all = String::new();
            let mut inside = false;
            for c in raw.chars() {
                match c {
                    '<' => inside = true,
                    '>' => inside = false,
                    c if !inside => all.push(c),
                    _ => {}
                }
            }
            out.texts.push(Text {
                x: num(tag, "x"),
                y: num(tag, "y"),
                size: attr(tag, "font-size").unwrap().parse().unwrap(),
                bold: attr(tag, "font-weight").as_deref() == Some("bold"),
                fill: attr(tag, "fill").unwrap(),
                text: plain(first),
                run: plain(&all),
            });
            rest = &rest[close + 7..];
            continue;
        }
        if tag.starts_with("<polyline ") {
            let points = attr(tag, "points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            out.polys.push(Poly { stroke: attr(tag, "stroke").unwrap(), width: attr(tag, "stroke-width").unwrap(), points });
        } else if tag.starts_with("<rect ") {
            out.rects.push(Rect {
                x: num(tag, "x"),
                y: num(tag, "y"),
                w: num(tag, "width"),
                h: num(tag, "height"),
                fill: attr(tag, "fill").unwrap_or_default(),
                stroke: attr(tag, "stroke").unwrap_or_default(),
            });
        }
        rest = &rest[end + 1..];
    }
    out
}

const GRID: &str = "#E8E8E8";
const FRAME: &str = "#AAAAAA";
const MUTED: &str = "#555555";

impl Svg {
    fn read(path: &Path) -> Svg {
        parse(&fs::read_to_string(path).unwrap())
    }

    fn frames(&self) -> Vec<Frame> {
        self.rects
            .iter()
            .filter(|r| r.fill == "none" && r.stroke == FRAME)
            .map(|r| Frame { x0: r.x + 1, right: r.x + r.w - 1, y0: r.y + 1, bottom: r.y + r.h - 1 })
            .collect()
    }

    fn has_text(&self, t: &str) -> bool {
        self.texts.iter().any(|x| x.text == t)
    }

    fn has_run(&self, t: &str) -> bool {
        self.texts.iter().any(|x| x.run == t)
    }

    /// The swatch of the legend entry `ti`: the filled rectangles just left of its text, on
    /// its row (one, or the pieces of a dashed one).
    fn swatch(&self, ti: usize) -> Vec<Rect> {
        let t = &self.texts[ti];
        self.rects
            .iter()
            .filter(|r| r.fill != "none" && r.x + r.w <= t.x && r.x >= t.x - 60 && r.y <= t.y && r.y >= t.y - 20)
            .cloned()
            .collect()
    }

    /// The y tick labels of a frame: right-aligned muted text left of it, with their values,
    /// from the bottom up.
    fn y_labels(&self, f: &Frame) -> Vec<(f64, String, i32)> {
        let mut v: Vec<(f64, String, i32)> = self
            .texts
            .iter()
            .filter(|t| t.fill == MUTED && t.x < f.x0 && f.holds(t.y - 6))
            .filter_map(|t| t.text.replace('\u{2212}', "-").parse::<f64>().ok().map(|v| (v, t.text.clone(), t.y)))
            .collect();
        v.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        v
    }

    /// The rows of the horizontal grid lines of a frame, from the bottom up.
    fn grid_rows(&self, f: &Frame) -> Vec<i32> {
        let mut rows: Vec<i32> = self
            .polys
            .iter()
            .filter(|p| p.stroke == GRID && p.points.len() == 2 && p.points[0].1 == p.points[1].1 && f.holds(p.points[0].1))
            .map(|p| p.points[0].1)
            .collect();
        rows.sort_unstable_by(|a, b| b.cmp(a));
        rows
    }

    /// The data lines (not grid, frame or zero line) inside a frame.
    fn lines_in(&self, f: &Frame) -> Vec<&Poly> {
        self.polys.iter().filter(|p| p.stroke != GRID && p.width != "1" && p.points.iter().all(|&(_, y)| f.holds(y))).collect()
    }

    /// The caption and other muted text under the plots, as one string.
    fn caption(&self) -> String {
        let last = self.frames().iter().map(|f| f.bottom).max().unwrap();
        self.texts.iter().filter(|t| t.y > last + 30).map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The decimals of a label (`0.01150` → 5).
fn decimals(label: &str) -> usize {
    label.split_once('.').map_or(0, |(_, d)| d.len())
}

// ------------------------------------------------------------------------------------------
// Must show 1: titles, legends, caption, log ticks, honest axes

#[test]
fn titles_say_what_the_values_mean() {
    let db = bundled();
    let svg = Svg::read(&chart(&db, "rates.svg", &[]));
    for (pair, meaning) in [
        ("KGS/USD", "US dollars per som"),
        ("KZT/USD", "US dollars per tenge"),
        ("TJS/USD", "US dollars per somoni"),
        ("TMT/USD", "US dollars per manat"),
        ("UZS/USD", "US dollars per sum"),
    ] {
        // one run: the bold pair and its meaning in one <text>, laid out by the viewer
        let title = svg.texts.iter().find(|t| t.text == pair && t.bold).unwrap_or_else(|| panic!("no bold {pair}"));
        // UZS/USD lost 99.3% since 1997: a log axis, and its title says so
        let log = if pair == "UZS/USD" { ", log scale" } else { "" };
        assert_eq!(title.run, format!("{pair} \u{2014} {meaning}{log}"), "{pair}");
    }
    // every title starts at the same place
    let xs: Vec<i32> = svg.texts.iter().filter(|t| t.bold && t.text.contains('/')).map(|t| t.x).collect();
    assert!(xs.len() == 5 && xs.iter().all(|&x| x == xs[0]), "{xs:?}");
    let inv = Svg::read(&chart(&db, "inv.svg", &["--invert", "--pair", "KZT,KGS"]));
    assert!(inv.has_run("USD/KZT \u{2014} tenge per US dollar"));
    assert!(inv.has_run("USD/KGS \u{2014} som per US dollar"));
}

/// Two sources of one pair with different first and last values: each legend entry has its
/// own last value and change; the caption names both sources in full and when it was made.
#[test]
fn legend_entries_have_their_own_change_and_the_caption_names_the_sources() {
    let t0 = 1_767_225_600; // 2026-01-01
    let mut rows = Vec::new();
    for d in 0..30 {
        let nbk = if d == 29 { "0.00200".to_string() } else { format!("0.00{}", 190 + d % 3) };
        rows.push((t0 + d * DAY + 3600, "KZT/USD", nbk, "nbk"));
        let tca = if d == 0 {
            "0.00195"
        } else if d == 29 {
            "0.00192"
        } else {
            "0.00193"
        };
        rows.push((t0 + d * DAY + 7200, "KZT/USD", tca.to_string(), "timesca"));
    }
    // a bank's one document in the range: a last value, and no change to tell
    rows.push((t0 + 20 * DAY, "KZT/USD", "0.00198".to_string(), "cbr"));
    let db = constructed(&rows);
    let svg = Svg::read(&chart(&db, "kzt.svg", &["--to", &rfc(t0 + 30 * DAY)]));
    // nbk: 0.00190 → 0.00200 is +5.26%; timesca: 0.00195 → 0.00192 is −1.54%
    assert!(svg.has_text("nbk  0.00200  +5.3%"), "{:?}", svg.texts.iter().map(|t| &t.text).collect::<Vec<_>>());
    assert!(svg.has_text("timesca  0.00192  \u{2212}1.5%"));
    let cbr: Vec<&str> = svg.texts.iter().map(|t| t.text.as_str()).filter(|t| t.starts_with("cbr")).collect();
    assert_eq!(cbr, ["cbr  0.00198"], "one observation: no change, not 0.00%");
    let caption = svg.caption();
    assert!(
        caption.contains("Sources: cbr \u{2014} Central Bank of Russia; nbk \u{2014} National Bank of Kazakhstan; timesca \u{2014} The Times of Central Asia ticker."),
        "{caption}"
    );
    let made = chrono::DateTime::from_timestamp(EPOCH, 0).unwrap().format("%Y-%m-%d %H:%M UTC").to_string();
    assert!(caption.contains(&format!("Made {made}")), "{caption}");

    // SOURCE_DATE_EPOCH makes the chart reproducible byte for byte, and is what the caption says
    let a = fs::read(chart(&db, "a.png", &["--to", &rfc(t0 + 30 * DAY)])).unwrap();
    let b = fs::read(chart(&db, "b.png", &["--to", &rfc(t0 + 30 * DAY)])).unwrap();
    assert_eq!(a, b);
    let out = db.dir.path().join("later.svg");
    db.cmd(&["chart", "-o", s(&out), "--to", &rfc(t0 + 30 * DAY)]).env("SOURCE_DATE_EPOCH", "1800000000").assert().success();
    assert!(Svg::read(&out).caption().contains("Made 2027-01-15 08:00 UTC"));
    db.cmd(&["chart", "-o", s(&out)]).env("SOURCE_DATE_EPOCH", "soon").assert().code(2);
}

/// `--log` on UZS/USD (three decades since 1996): 1-2-5 ticks (or powers), spaced by their
/// logarithms.
#[test]
fn log_ticks_are_1_2_5_and_log_spaced() {
    let db = bundled();
    let svg = Svg::read(&chart(&db, "log.svg", &["--pair", "UZS", "--log"]));
    let f = svg.frames()[0];
    let labels = svg.y_labels(&f);
    assert!(labels.len() >= 4, "{labels:?}");
    for (v, l, _) in &labels {
        let m = v / 10f64.powf(v.log10().floor());
        assert!([1.0, 2.0, 5.0].iter().any(|k| (m - k).abs() < 1e-6), "{l} is not 1, 2 or 5 × 10^k");
    }
    // rows per decade are the same between any two labels (within rounding)
    let rows = svg.grid_rows(&f);
    assert_eq!(rows.len(), labels.len());
    let (first, last) = (labels[0].0.log10(), labels[labels.len() - 1].0.log10());
    let per_decade = f64::from(rows[0] - rows[rows.len() - 1]) / (last - first);
    for ((v, l, _), r) in labels.iter().zip(&rows) {
        let predicted = f64::from(rows[0]) - (v.log10() - first) * per_decade;
        assert!((f64::from(*r) - predicted).abs() <= 1.5, "{l} at row {r}, a log axis puts it at {predicted}");
    }
    // the linear chart of the same data is not log-spaced
    let lin = Svg::read(&chart(&db, "lin.svg", &["--pair", "UZS", "--linear"]));
    let ll = lin.y_labels(&lin.frames()[0]);
    let gaps: Vec<f64> = ll.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.iter().all(|g| (g - gaps[0]).abs() < 1e-12), "linear ticks are evenly spaced: {ll:?}");
}

/// A ticker series that only moves between 0.01143 and 0.01144 (one step of its last quoted
/// digit): the axis spans at least ten steps, so the zigzag fills at most a tenth of the
/// panel; no label has more decimals than the data; a tall panel has at least four labels.
#[test]
fn one_step_series_stays_small_and_labels_are_never_finer_than_the_data() {
    let t0 = 1_767_225_600;
    let rows: Vec<_> =
        (0..40).map(|d| (t0 + d * DAY, "KGS/USD", if d % 2 == 0 { "0.01143" } else { "0.01144" }.to_string(), "timesca")).collect();
    let db = constructed(&rows);
    let svg = Svg::read(&chart(&db, "step.svg", &["--to", &rfc(t0 + 40 * DAY)]));
    let f = svg.frames()[0];
    assert!(f.height() >= 150);
    let labels = svg.y_labels(&f);
    assert!(labels.len() >= 4, "{labels:?}");
    assert!(labels.iter().all(|(_, l, _)| decimals(l) <= 5), "{labels:?}");
    let ys: Vec<i32> = svg.lines_in(&f).iter().flat_map(|p| p.points.iter().map(|q| q.1)).collect();
    let span = ys.iter().max().unwrap() - ys.iter().min().unwrap();
    assert!(span > 0 && f64::from(span) <= 0.1 * f64::from(f.height()), "one step spans {span} of {} px", f.height());

    // the bundled ticker's UZS/USD is 0.00008: five decimals at most
    let uzs = Svg::read(&chart(&bundled(), "uzs.svg", &["--pair", "UZS", "--source", "timesca"]));
    let ul = uzs.y_labels(&uzs.frames()[0]);
    assert!(ul.len() >= 4 && ul.iter().all(|(_, l, _)| decimals(l) <= 5), "{ul:?}");
    // and its legend says how precise one significant digit is (DESIGN: ±6.25%)
    assert!(
        uzs.has_text("timesca  0.00008 \u{b1}6.25%  0.00% 2024\u{2013}2026"),
        "{:?}",
        uzs.texts.iter().map(|t| &t.text).collect::<Vec<_>>()
    );
}

/// Issue 20: on the bundled data a legend's change names its period when the line covers less
/// than the panel (the NBU history ended in 2022, the ticker began in 2024), and a computed
/// value (NBU's KGS/USD, an inverse) shows six significant digits, a quoted one its own.
#[test]
fn legends_name_their_period_and_computed_values_have_six_digits() {
    let svg = Svg::read(&chart(&bundled(), "kgs.svg", &["--pair", "KGS", "--source", "nbu,timesca"]));
    let legend: Vec<&str> =
        svg.texts.iter().map(|t| t.text.as_str()).filter(|t| t.starts_with("nbu") || t.starts_with("timesca")).collect();
    assert_eq!(legend, ["nbu  \u{2248}0.0125787  \u{2212}84.7% 1996\u{2013}2022", "timesca  0.01143  \u{2212}3.4% 2024\u{2013}2026"]);
    // over its own range only, the ticker covers the panel: no period
    let recent = Svg::read(&chart(
        &bundled(),
        "recent.svg",
        &["--pair", "KGS", "--source", "timesca", "--from", "2024-09-17", "--to", "2026-02-22"],
    ));
    assert!(recent.has_text("timesca  0.01143  \u{2212}3.4%"), "{:?}", recent.texts.iter().map(|t| &t.text).collect::<Vec<_>>());
}

#[test]
fn tall_panels_have_at_least_four_labels() {
    let db = bundled();
    for args in [&["--pair", "KGS,KZT,TJS"][..], &["--height", "1500"][..], &["--log", "--height", "1500"][..]] {
        let svg = Svg::read(&chart(&db, "tall.svg", args));
        let tall: Vec<Frame> = svg.frames().into_iter().filter(|f| f.height() >= 150).collect();
        for f in &tall {
            eprintln!("{args:?} {} px: {:?}", f.height(), svg.y_labels(f).iter().map(|l| &l.1).collect::<Vec<_>>());
        }
        assert!(!tall.is_empty(), "{args:?}: no tall panel");
        for f in tall {
            let n = svg.y_labels(&f).len();
            assert!(n >= 4, "{args:?}: a {} px panel with {n} labels", f.height());
        }
    }
}

// ------------------------------------------------------------------------------------------
// Must show 2: the time axis runs to --to

#[test]
fn a_stale_series_leaves_the_right_part_empty() {
    let t0 = 1_735_689_600; // 2025-01-01
    let rows: Vec<_> = (0..=300).map(|d| (t0 + d * DAY, "KZT/USD", format!("0.00{}", 190 + d % 7), "nbk")).collect();
    let db = constructed(&rows);
    let t1 = t0 + 360 * DAY;
    let svg = Svg::read(&chart(&db, "stale.svg", &["--from", &rfc(t0), "--to", &rfc(t1)]));
    let f = svg.frames()[0];
    let last_x = svg.lines_in(&f).iter().flat_map(|p| p.points.iter().map(|q| q.0)).max().unwrap();
    let expected = f.x0 + i32::try_from(fxsnap::chart::column_of(t0 + 300 * DAY, t0, t1, f.cols())).unwrap();
    assert!((last_x - expected).abs() <= 1, "last x {last_x}, expected {expected}");
    // the empty part is 60/360 of the axis
    let empty = f64::from(f.right - last_x) / f64::from(f.right - f.x0);
    assert!((empty - 60.0 / 360.0).abs() < 0.01, "{empty}");
    // without --to the axis runs to the time the chart is made
    let now = Svg::read(&chart(&db, "now.svg", &[]));
    let f = now.frames()[0];
    let last_x = now.lines_in(&f).iter().flat_map(|p| p.points.iter().map(|q| q.0)).max().unwrap();
    let expected = f.x0 + i32::try_from(fxsnap::chart::column_of(t0 + 300 * DAY, t0, EPOCH, f.cols())).unwrap();
    assert!((last_x - expected).abs() <= 1, "last x {last_x}, expected {expected}");
}

// ------------------------------------------------------------------------------------------
// Must show 3: sizes

#[test]
fn text_scales_with_the_image_and_small_charts_are_whole_or_refused() {
    let db = bundled();
    let sizes = |p: &Path| {
        let t = Svg::read(p).texts;
        let min = t.iter().map(|t| t.size).fold(f64::MAX, f64::min);
        let max = t.iter().map(|t| t.size).fold(0.0, f64::max);
        (min, max)
    };
    let (a_min, a_max) = sizes(&chart(&db, "a.svg", &["--pair", "KGS"]));
    let (b_min, b_max) = sizes(&chart(&db, "b.svg", &["--pair", "KGS", "--width", "2400", "--height", "1800"]));
    assert!(a_min >= 16.0);
    assert!((b_min / a_min - 2.0).abs() < 0.05 && (b_max / a_max - 2.0).abs() < 0.05, "{a_min} {a_max} → {b_min} {b_max}");

    // 400×300, one pair: drawn whole, with its full title, nothing under 16 px
    let small = chart(&db, "small.svg", &["--pair", "KGS", "--width", "400", "--height", "300"]);
    let svg = Svg::read(&small);
    assert!(svg.has_run("KGS/USD \u{2014} US dollars per som"));
    assert!(svg.texts.iter().all(|t| t.size >= 16.0 && t.x >= 0 && t.x < 400 && t.y >= 0 && t.y < 300));
    let f = svg.frames()[0];
    assert!(f.height() >= 40 && f.cols() >= 200, "{f:?}");
    assert!(!svg.lines_in(&f).is_empty());
    let png = chart(&db, "small.png", &["--pair", "KGS", "--width", "400", "--height", "300"]);
    let b = fs::read(png).unwrap();
    assert_eq!((u32::from_be_bytes(b[16..20].try_into().unwrap()), u32::from_be_bytes(b[20..24].try_into().unwrap())), (400, 300));

    // five pairs at 400×300: refused, naming what to drop; nothing written
    let out = db.dir.path().join("five.png");
    let o = db.cmd(&["chart", "-o", s(&out), "--width", "400", "--height", "300"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--pair") && err.contains("--index") && err.contains("--height"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out.exists());
    // ...and --index draws them in one panel at that size
    chart(&db, "five-index.png", &["--index", "--width", "400", "--height", "300", "--source", "timesca"]);
}

// ------------------------------------------------------------------------------------------
// Must show 4: --vs

#[test]
fn vs_plots_the_deviation_on_each_common_day() {
    let t0 = 1_767_225_600;
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    for d in 0..25i64 {
        let nbk = 0.00190 + 0.00001 * ((d * 7) % 5) as f64;
        let tca = 0.00190 + 0.00001 * ((d * 3) % 4) as f64;
        if d % 6 != 5 {
            rows.push((t0 + d * DAY + 3 * 3600, "KZT/USD", format!("{nbk:.5}"), "nbk"));
        }
        if d % 7 != 3 {
            // the ticker twice a day: the last of the day counts
            rows.push((t0 + d * DAY + 6 * 3600, "KZT/USD", "0.00300".to_string(), "timesca"));
            rows.push((t0 + d * DAY + 20 * 3600, "KZT/USD", format!("{tca:.5}"), "timesca"));
        }
        if d % 6 != 5 && d % 7 != 3 {
            let n: f64 = format!("{nbk:.5}").parse().unwrap();
            let t: f64 = format!("{tca:.5}").parse().unwrap();
            expected.push((t0 + d * DAY + 20 * 3600, (t / n - 1.0) * 100.0));
        }
    }
    let db = constructed(&rows);
    let (from, to) = (t0, t0 + 25 * DAY);
    let svg = Svg::read(&chart(&db, "vs.svg", &["--vs", "nbk", "--from", &rfc(from), "--to", &rfc(to)]));
    assert!(svg.has_run("KZT/USD \u{2014} deviation from nbk, %"));
    let f = svg.frames()[0];
    // value → row from the tick labels and their grid lines
    let labels = svg.y_labels(&f);
    let rows_y = svg.grid_rows(&f);
    assert_eq!(labels.len(), rows_y.len());
    assert!(labels.len() >= 2);
    let (v0, r0) = (labels[0].0, f64::from(rows_y[0]));
    let (v1, r1) = (labels[labels.len() - 1].0, f64::from(rows_y[rows_y.len() - 1]));
    let row_of = |v: f64| r0 + (v - v0) * (r1 - r0) / (v1 - v0);
    let points: Vec<(i32, i32)> = svg.lines_in(&f).iter().flat_map(|p| p.points.clone()).collect();
    let mut xs: Vec<i32> = points.iter().map(|p| p.0).collect();
    xs.dedup();
    assert_eq!(xs.len(), expected.len(), "one point per common day");
    for (t, dev) in &expected {
        let x = f.x0 + i32::try_from(fxsnap::chart::column_of(*t, from, to, f.cols())).unwrap();
        let ys: Vec<i32> = points.iter().filter(|p| p.0 == x).map(|p| p.1).collect();
        assert!(!ys.is_empty(), "no point at x {x}");
        for y in ys {
            assert!((f64::from(y) - row_of(*dev)).abs() <= 1.0, "day at {t}: y {y}, deviation {dev} is row {}", row_of(*dev));
        }
    }
    // a source that is not there, and --vs with --log
    db.cmd(&["chart", "-o", "x.svg", "--vs", "cbr"]).assert().code(1);
    db.cmd(&["chart", "-o", "x.svg", "--vs", "nbk", "--log"]).assert().code(2);
}

// ------------------------------------------------------------------------------------------
// Must show 5: --index colours

#[test]
fn index_gives_a_colour_per_currency_and_a_dash_per_source() {
    let t0 = 1_767_225_600;
    let mut rows = Vec::new();
    for d in 0..120 {
        rows.push((t0 + d * DAY, "KZT/USD", format!("0.00{}", 190 + d % 9), "nbk"));
        rows.push((t0 + d * DAY + 60, "KZT/USD", format!("0.00{}", 195 + d / 20), "timesca"));
        rows.push((t0 + d * DAY + 60, "KGS/USD", format!("0.011{}", 40 + d / 10), "timesca"));
    }
    let db = constructed(&rows);
    let svg = Svg::read(&chart(&db, "index.svg", &["--index", "--to", &rfc(t0 + 120 * DAY)]));
    // the legend: each entry's swatch rectangles come right before its text
    let swatches = |label: &str| -> Vec<Rect> {
        let ti = svg.texts.iter().position(|t| t.text.starts_with(label)).unwrap_or_else(|| panic!("no legend entry {label}"));
        svg.swatch(ti)
    };
    let kzt_nbk = swatches("KZT/USD nbk");
    let kzt_tca = swatches("KZT/USD timesca");
    let kgs_tca = swatches("KGS/USD timesca");
    assert_eq!(kzt_nbk[0].fill, kzt_tca[0].fill, "one currency, one colour");
    assert_ne!(kzt_tca[0].fill, kgs_tca[0].fill, "two currencies, two colours");
    let mut dashes = [kzt_nbk.len(), kzt_tca.len()];
    dashes.sort_unstable();
    assert!(dashes[0] == 1 && dashes[1] >= 2, "one source solid (one swatch), the other dashed (pieces): {dashes:?}");
    // grouped by currency: the KGS entry does not sit between the two KZT entries
    let pos = |l: &str| svg.texts.iter().position(|t| t.text.starts_with(l)).unwrap();
    let (a, b, c) = (pos("KZT/USD nbk"), pos("KZT/USD timesca"), pos("KGS/USD timesca"));
    assert!(!(a.min(b) < c && c < a.max(b)));
    // the lines: the KZT colour has a solid line (long polylines) and a dashed one (short pieces)
    let f = svg.frames()[0];
    let kzt: Vec<&Poly> = svg.lines_in(&f).into_iter().filter(|p| p.stroke == kzt_nbk[0].fill).collect();
    assert!(kzt.iter().any(|p| p.points.len() > 20), "a solid line");
    assert!(kzt.iter().filter(|p| p.points.len() <= 3).count() > 20, "a dashed line");
}

// ------------------------------------------------------------------------------------------
// --ranges, --theme

#[test]
fn ranges_write_one_file_each() {
    let t0 = EPOCH - 3 * 365 * DAY;
    let rows: Vec<_> = (0..3 * 365).step_by(2).map(|d| (t0 + d * DAY, "KZT/USD", format!("0.00{}", 190 + d % 11), "nbk")).collect();
    let db = constructed(&rows);
    let pattern = db.dir.path().join("rates-{range}.svg");
    let o =
        db.cmd(&["chart", "-o", s(&pattern), "--ranges", "7d,90d,2y,all"]).env("SOURCE_DATE_EPOCH", EPOCH.to_string()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut firsts = Vec::new();
    for r in ["7d", "90d", "2y", "all"] {
        let p = db.dir.path().join(format!("rates-{r}.svg"));
        assert!(p.exists(), "{r}");
        let svg = Svg::read(&p);
        let f = svg.frames()[0];
        // each file's axis spans its range: the first time label differs
        let first = svg.texts.iter().filter(|t| t.y > f.bottom && t.y < f.bottom + 40).map(|t| t.text.clone()).next().unwrap();
        firsts.push(first);
    }
    firsts.dedup();
    assert_eq!(firsts.len(), 4, "{firsts:?}");
    // no {range} in -o, or --from with --ranges: usage errors, nothing written
    db.cmd(&["chart", "-o", "r.svg", "--ranges", "7d"]).assert().code(2);
    db.cmd(&["chart", "-o", "r-{range}.svg", "--ranges", "7d", "--from", "2020-01-01"]).assert().code(2);
    db.cmd(&["chart", "-o", "r-{range}.svg", "--ranges", "7x"]).assert().code(2);
    assert!(!Path::new("r-7d.svg").exists());
}

/// Issue 20: under --ranges a range without observations still gets its file, a chart that
/// says so with the newest observation's date, and one warning line (exit 0); a single chart
/// of an empty range is still an error, whose message names that date.
#[test]
fn an_empty_range_does_not_stop_the_others() {
    let last = EPOCH - 30 * DAY;
    let rows: Vec<_> = (0..200).map(|d| (last - d * DAY, "KZT/USD", format!("0.00{}", 190 + d % 11), "nbk")).collect();
    let db = constructed(&rows);
    let pattern = db.dir.path().join("kzt-{range}.svg");
    let o =
        db.cmd(&["chart", "-o", s(&pattern), "--ranges", "7d,90d,2y,all"]).env("SOURCE_DATE_EPOCH", EPOCH.to_string()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("range 7d: no observations between 2026-11-23 and 2026-11-30; the newest is from 2026-10-31"), "{stderr}");
    let empty = Svg::read(&db.dir.path().join("kzt-7d.svg"));
    let note: String = empty.texts.iter().filter(|t| t.fill == MUTED).map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
    assert!(note.contains("no observations between 2026-11-23 and 2026-11-30; the newest is from 2026-10-31"), "{note}");
    assert!(empty.has_run("KZT/USD \u{2014} US dollars per tenge"));
    for r in ["90d", "2y", "all"] {
        let svg = Svg::read(&db.dir.path().join(format!("kzt-{r}.svg")));
        assert!(!svg.lines_in(&svg.frames()[0]).is_empty(), "{r} has its line");
    }
    // one chart of an empty range: an error naming the newest date, no file
    let one = db.dir.path().join("one.png");
    let o = db.cmd(&["chart", "-o", s(&one), "--from", "2026-11-23"]).env("SOURCE_DATE_EPOCH", EPOCH.to_string()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no observations between 2026-11-23 and 2026-11-30; the newest is from 2026-10-31 (no file written)"), "{e}");
    assert!(!one.exists());
}

/// The issue's own case: the bundled data, the tenge over the 90 days to 2026-12-03. The newest
/// KZT/USD observation is nbk's of 2026-04-01 (the issue quoted 2026-05-24, the store's newest
/// of all, nbkr's, whose KZT is quoted against the som and is not in this selection).
#[test]
fn an_empty_range_of_the_bundled_data_names_the_newest_date() {
    let db = TempDb::new();
    db.ok(&["ingest", "-q", s(&data("pages")), s(&data("history")), s(&data("feeds"))]);
    let out = db.dir.path().join("kzt90.png");
    let o =
        db.cmd(&["chart", "-o", s(&out), "--pair", "KZT", "--from", "2026-09-04"]).env("SOURCE_DATE_EPOCH", "1796299200").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no observations between 2026-09-04 and 2026-12-03; the newest is from 2026-04-01 (no file written)"), "{e}");
    assert!(!out.exists());
}

/// A source keeps its colour in every range of a pair: `cbr` (first in order) stops two years
/// before the end, so the 90-day chart has `nbk` alone, drawn in nbk's colour of the full range
/// (not in the first colour, which `cbr` has there).
#[test]
fn a_source_keeps_its_colour_across_ranges() {
    let end = EPOCH - DAY;
    let t0 = end - 4 * 365 * DAY;
    let mut rows = Vec::new();
    for d in (0..4 * 365).step_by(3) {
        rows.push((t0 + d * DAY, "KZT/USD", format!("0.00{}", 190 + d % 11), "nbk"));
        if d < 2 * 365 {
            rows.push((t0 + d * DAY + 60, "KZT/USD", format!("0.00{}", 195 + d % 7), "cbr"));
        }
    }
    let db = constructed(&rows);
    let pattern = db.dir.path().join("kzt-{range}.svg");
    let o = db
        .cmd(&["chart", "-o", s(&pattern), "--pair", "KZT", "--ranges", "90d,all", "--to", &rfc(end)])
        .env("SOURCE_DATE_EPOCH", EPOCH.to_string())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // the legend entry's swatch (the rect right before its text) per source and range
    let swatch = |svg: &Svg, label: &str| -> Option<String> {
        let ti = svg.texts.iter().position(|t| t.text.starts_with(label))?;
        svg.swatch(ti).first().map(|r| r.fill.clone())
    };
    let all = Svg::read(&db.dir.path().join("kzt-all.svg"));
    let recent = Svg::read(&db.dir.path().join("kzt-90d.svg"));
    let (nbk_all, cbr_all) = (swatch(&all, "nbk").unwrap(), swatch(&all, "cbr").unwrap());
    assert_ne!(nbk_all, cbr_all, "two sources, two colours");
    assert_eq!(swatch(&recent, "cbr"), None, "cbr has nothing in the last 90 days");
    assert_eq!(swatch(&recent, "nbk").unwrap(), nbk_all, "nbk in the colour it has in the full range");
    let f = recent.frames()[0];
    assert!(recent.lines_in(&f).iter().all(|p| p.stroke == nbk_all), "the 90-day line is drawn in nbk's colour");
}

#[test]
fn dark_theme_is_dark() {
    let db = bundled();
    let svg = Svg::read(&chart(&db, "dark.svg", &["--theme", "dark", "--pair", "KGS"]));
    let bg = &svg.rects[0];
    assert_eq!((bg.x, bg.y, bg.w, bg.h), (0, 0, 1200, 900));
    let rgb = u32::from_str_radix(bg.fill.trim_start_matches('#'), 16).unwrap();
    let lum = ((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255);
    assert!(lum < 3 * 64, "background {}", bg.fill);
    assert!(svg.texts.iter().filter(|t| t.bold).all(|t| t.fill != "#222222"), "titles in light ink");
}
