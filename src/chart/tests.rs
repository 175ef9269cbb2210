//! Tests of the whole renderer: M4 exactness, holes, files, sizes, legends, markers, index mode,
//! ticks and text sizes.

use std::path::Path;

use plotters::style::RGBColor;

use super::draw::layout_for;
use super::font::{ensure_fonts, font, metrics, text_width};
use super::layout::{plot_columns_for, LEFT, SIZE_PANEL, SIZE_SMALL, SIZE_TITLE, TICK_LABEL_GAP};
use super::scene::{build_panels, format_change};
use super::theme::PALETTE;
use super::ticks::{time_ticks, value_ticks};
use super::{
    column_of, m4_reduce, plot_columns, render_bytes, render_rgb, render_svg_string, render_to_file, ChartError, ChartOptions, ImageFormat,
    Line, Panel,
};
use chrono::NaiveDate;

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
        meaning: "US dollars per tenge".to_string(),
        decimals: None,
        zero_line: false,
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(slot, (label, points))| Line {
                label: label.to_string(),
                points,
                last: Some("0.00192".to_string()),
                change_pct: Some(-1.5),
                group: pair.split('/').next().unwrap_or(pair).to_string(),
                slot,
            })
            .collect(),
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

/// A fresh empty directory, removed when dropped.
fn scratch_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(&format!("fxsnap-chart-{name}-")).tempdir().unwrap()
}

fn dir_entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// The byte offset of pixel (x, y) in an RGB buffer `width` pixels wide.
fn offset(width: usize, x: i32, y: i32) -> usize {
    (usize::try_from(y).unwrap() * width + usize::try_from(x).unwrap()) * 3
}

fn count_colour(rgb: &[u8], width: u32, rows: std::ops::Range<i32>, c: RGBColor) -> usize {
    let w = width as usize;
    rgb.chunks_exact(3)
        .enumerate()
        .filter(|(i, px)| {
            let y = i32::try_from(i / w).unwrap();
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
    let full = render_rgb(&opts, &[panel("KZT/USD", vec![("nbu", pts)])]).unwrap();
    let red = render_rgb(&opts, &[panel("KZT/USD", vec![("nbu", reduced)])]).unwrap();
    assert_eq!(full.len(), 1200 * 900 * 3);
    let differing = full.chunks_exact(3).zip(red.chunks_exact(3)).filter(|(a, b)| a != b).count();
    // (the bound is 0, so "at most" is "exactly")
    assert_eq!(differing, MAX_DIFFERING_PIXELS, "{differing} pixels differ (bound {MAX_DIFFERING_PIXELS})");
    // the comparison is sensitive: keeping every 25th point instead (about as many points
    // as M4 keeps) gives a visibly different picture
    let dec = render_rgb(&opts, &[panel("KZT/USD", vec![("nbu", decimated)])]).unwrap();
    let differing_decimated = full.chunks_exact(3).zip(dec.chunks_exact(3)).filter(|(a, b)| a != b).count();
    assert!(differing_decimated > 1000, "every 25th point instead of M4: {differing_decimated} differing pixels");
    // ...and the line was really drawn, across the plot
    assert!(count_colour(&full, 1200, 0..900, PALETTE[0]) > 2 * cols as usize);
}

/// The hole of a series is not bridged: no line pixel in the middle of a 4-month hole.
/// The same exactness with v2's drawing: thicker lines at a larger size, a log axis, a dark
/// theme, two sources, and `--index` dashes (dashes follow x, not the path's length).
#[test]
fn m4_reduction_is_exact_at_every_size_and_mode() {
    let t0 = 1_600_000_000;
    let mut r = Lcg(11);
    let (mut a, mut b) = (0.0019, 0.0021);
    let mut pa = Vec::new();
    let mut pb = Vec::new();
    for i in 0..60_000i64 {
        a *= 1.0 + (r.next() - 0.5) * 0.004;
        b *= 1.0 + (r.next() - 0.5) * 0.004;
        pa.push((t0 + i * 300, a));
        pb.push((t0 + i * 300 + 100, b));
    }
    let t1 = t0 + 60_000 * 300;
    for (w, h, log, index) in [(2400, 1800, false, false), (1600, 1000, true, false), (1200, 900, false, true), (3000, 1500, true, true)] {
        let mut opts = ChartOptions::new(t0, t1);
        (opts.width, opts.height, opts.log, opts.index) = (w, h, log, index);
        opts.theme = super::Theme::Dark;
        let cols = plot_columns(&opts);
        let full = [panel("KZT/USD", vec![("nbk", pa.clone()), ("timesca", pb.clone())])];
        let reduced = [panel("KZT/USD", vec![("nbk", m4_reduce(&pa, t0, t1, cols)), ("timesca", m4_reduce(&pb, t0, t1, cols))])];
        let x = render_rgb(&opts, &full).unwrap();
        let y = render_rgb(&opts, &reduced).unwrap();
        let differing = x.chunks_exact(3).zip(y.chunks_exact(3)).filter(|(p, q)| p != q).count();
        assert_eq!(differing, 0, "{w}x{h} log {log} index {index}: {differing} pixels differ");
        // the comparison can fail: every 20th point instead draws another picture
        let every: Vec<(i64, f64)> = pa.iter().step_by(20).copied().collect();
        let z = render_rgb(&opts, &[panel("KZT/USD", vec![("nbk", every), ("timesca", pb.clone())])]).unwrap();
        assert!(x.chunks_exact(3).zip(z.chunks_exact(3)).filter(|(p, q)| p != q).count() > 500);
    }
}

#[test]
fn a_hole_is_drawn_as_a_break() {
    let t0 = 946_684_800; // 2000-01-01
    let mut pts = daily(t0, 365, 0.0072);
    pts.retain(|p| !(t0 + 100 * DAY..t0 + 220 * DAY).contains(&p.0));
    let opts = ChartOptions::new(t0, t0 + 364 * DAY);
    let rgb = render_rgb(&opts, &[panel("KZT/USD", vec![("nbu", pts)])]).unwrap();
    let lay = layout_for(&opts, &[panel("KZT/USD", vec![("nbu", daily(t0, 365, 0.0072))])]).unwrap();
    let mid = lay.x0 + column_of(t0 + 160 * DAY, t0, t0 + 364 * DAY, lay.cols) as i32;
    let p = &lay.panels[0];
    let line_px = (p.y0..p.y0 + p.h)
        .filter(|&y| {
            let i = offset(1200, mid, y);
            rgb[i..i + 3] == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2]
        })
        .count();
    assert_eq!(line_px, 0, "the hole is bridged");
    // and the line is there on both sides
    let before = lay.x0 + column_of(t0 + 50 * DAY, t0, t0 + 364 * DAY, lay.cols) as i32;
    let on_line = |x: i32| {
        (p.y0..p.y0 + p.h).any(|y| {
            let i = offset(1200, x, y);
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
    let scratch = scratch_dir("png");
    let d = scratch.path().to_path_buf();
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
}

/// Requirement 3: an SVG keeps its text as text: it names the pairs, and no font is under 16 px.
#[test]
fn svg_names_the_pairs() {
    let scratch = scratch_dir("svg");
    let d = scratch.path().to_path_buf();
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
}

/// The chart in memory (what a server sends) is the file `chart` writes, byte for byte, in
/// both formats; the SVG carries its font, cut down to what it shows.
#[test]
fn a_chart_in_memory_is_the_file() {
    let scratch = scratch_dir("bytes");
    let d = scratch.path().to_path_buf();
    let t0 = 1_600_000_000;
    let panels = [panel("KZT/USD", vec![("nbu", daily(t0, 100, 0.0024))])];
    let opts = ChartOptions::new(t0, t0 + 99 * DAY);
    for (name, format) in [("c.png", ImageFormat::Png), ("c.svg", ImageFormat::Svg)] {
        render_to_file(&opts, &panels, &d.join(name)).unwrap();
        assert_eq!(render_bytes(&opts, &panels, format).unwrap(), std::fs::read(d.join(name)).unwrap(), "{name}");
    }
    let svg = std::fs::read_to_string(d.join("c.svg")).unwrap();
    assert_eq!(svg.matches("@font-face").count(), 2, "regular and bold");
    assert!(svg.contains("src:url(data:font/ttf;base64,"));
    assert!(svg.len() < 60_000, "{} bytes", svg.len());
}

/// Requirement 3: nothing to draw is an error that writes nothing (and keeps an existing file).
#[test]
fn empty_input_writes_nothing() {
    let scratch = scratch_dir("empty");
    let d = scratch.path().to_path_buf();
    let opts = ChartOptions::new(1_600_000_000, 1_600_000_000 + 10 * DAY);
    let path = d.join("chart.png");
    let e = render_to_file(&opts, &[], &path).unwrap_err();
    assert!(matches!(e, ChartError::NoData), "{e}");
    let no_points = [panel("KZT/USD", vec![("nbu", vec![])])];
    assert!(matches!(render_to_file(&opts, &no_points, &path), Err(ChartError::NoData)));
    let outside = [panel("KZT/USD", vec![("nbu", vec![(1_500_000_000, 1.0)])])];
    assert!(matches!(render_to_file(&opts, &outside, &d.join("c.svg")), Err(ChartError::NoData)));
    assert!(matches!(render_rgb(&opts, &[]), Err(ChartError::NoData)));
    assert!(dir_entries(&d).is_empty(), "{:?}", dir_entries(&d));
    // an existing chart is left as it was
    std::fs::write(&path, b"old").unwrap();
    assert!(render_to_file(&opts, &[], &path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(dir_entries(&d), vec!["chart.png"]);
}

#[test]
fn bad_targets_are_clear_errors() {
    let scratch = scratch_dir("bad");
    let d = scratch.path().to_path_buf();
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
    assert!(matches!(render_rgb(&backwards, &panels), Err(ChartError::InvalidRange { .. })));
    let mut tiny = opts.clone();
    tiny.width = 100;
    assert!(matches!(render_rgb(&tiny, &panels), Err(ChartError::Size { .. })));
    let mut many = opts.clone();
    many.height = 300;
    let lots: Vec<Panel> = (0..8).map(|_| panels[0].clone()).collect();
    let e = render_rgb(&many, &lots).unwrap_err();
    assert!(matches!(e, ChartError::Size { .. }) && e.to_string().contains("height"), "{e}");
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
    let rgb = render_rgb(&opts, &panels).unwrap();
    let lay = layout_for(&opts, &panels).unwrap();
    let p = &lay.panels[0];
    assert_eq!(p.legend.len(), 2);
    assert_eq!(lay.panels[1].legend.len(), 1, "v2: a single source has its legend entry too");
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
    let rgb = render_rgb(&opts, &panels).unwrap();
    let lay = layout_for(&opts, &panels).unwrap();
    let p = &lay.panels[0];
    let height_at = |x: i32| {
        (p.y0..p.y0 + p.h)
            .filter(|&y| {
                let i = offset(1200, x, y);
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
    assert_eq!(d[0].lines[0].labels[0], "KZT/USD  \u{2212}50.0%");
    let rgb = render_rgb(&opts, &panels).unwrap();
    for c in [PALETTE[0], PALETTE[1]] {
        assert!(count_colour(&rgb, 1200, 0..900, c) > 100);
    }
    let zero = [panel("X/Y", vec![("nbu", vec![(t0, 0.0), (t0 + DAY, 1.0)])])];
    assert!(matches!(render_rgb(&opts, &zero), Err(ChartError::CannotRebase { .. })));
}

#[test]
fn time_labels_suit_the_range() {
    let x0 = LEFT;
    let cols = plot_columns_for(1200, 900);
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let check = |t0: i64, t1: i64| {
        let ticks = time_ticks(t0, t1, x0, cols, 1200, SIZE_SMALL);
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
