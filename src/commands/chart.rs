//! `fxsnap chart`: loads each selected series already reduced for the
//! picture (M4 per pixel column, from the rollups on long ranges), with what
//! the legend, titles and axes need (each source's last value and change,
//! the data's last quoted digit, what the pair means), and hands the panels
//! to `crate::chart`; `--vs` turns them into deviations from one source,
//! `--ranges` draws several ranges from one read transaction.

use crate::cross::{CrossView, Derived};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::chart::deviation::{deviation, last_per_day};
use crate::chart::meaning::meaning;
use crate::chart::{self, ChartError, ChartOptions, Line, Panel};
use crate::cli::{ChartArgs, ThemeArg};
use crate::error::{Error, Result};
use crate::model::{round_significant, Currency, Instant, Observation, Pair, Source};
use crate::selection::View;
use crate::store::Store;
use crate::timespec::{parse_time, End};

pub use crate::chart::reduce::rollups::snap_for;
use crate::chart::reduce::rollups::{all_points, reduced_points};

/// The placeholder in `-o` that `--ranges` replaces with each range's name.
const RANGE_PLACEHOLDER: &str = "{range}";

/// One range to draw: its name (for `{range}`), and its ends as asked.
struct RangeSpec {
    name: Option<String>,
    from: Option<Instant>,
    to: Option<Instant>,
}

pub fn run(db: &Path, args: &ChartArgs) -> Result<()> {
    chart::ImageFormat::from_path(&args.output).map_err(|e| Error::Usage(e.to_string()))?;
    let max = chart::MAX_SIDE;
    if args.width < 300 || args.height < 200 || args.width > max || args.height > max {
        return Err(Error::Usage(format!("--width {} --height {}: a chart is 300x200 to {max}x{max} pixels", args.width, args.height)));
    }
    if args.vs.is_some() && (args.index || args.log) {
        return Err(Error::Usage("--vs draws deviations in %: it does not go with --index or --log".into()));
    }
    let vs: Option<Source> = args.vs.as_deref().map(str::parse).transpose().map_err(|e: Error| Error::Usage(format!("--vs: {e}")))?;
    let made = crate::timespec::made_at()?;
    let sel = args.select.selection()?;
    let ranges = range_specs(args, sel.from, sel.to, made)?;

    let store = Store::open_existing(db)?;
    let resolved = sel.resolve_with_cross(&store)?;
    let (views, crosses) = (resolved.direct, resolved.cross);
    if vs.is_some() && !crosses.is_empty() {
        return Err(Error::Usage("--vs compares the sources' own quotes: it does not go with --cross".into()));
    }
    if let Some(r) = &vs {
        if !views.iter().any(|v| v.series.source == *r) {
            return Err(Error::invalid(format!("--vs {r}: no observations from source '{r}' among the selected series")));
        }
    }

    // One read transaction for every range's queries: one consistent
    // snapshot, and no per-query WAL lock and unlock. Each range's chart is
    // drawn on a second thread while the next range is read.
    let mut names = Vec::new();
    let written = chart::render_files_while(|send| -> Result<()> {
        store.conn().execute_batch("BEGIN").map_err(|e| crate::store::db_err(db, e))?;
        for spec in &ranges {
            let what = spec.name.as_deref().map(|n| format!(" (range {n})")).unwrap_or_default();
            let Some((t0, t1)) = range(&store, &views, &crosses, spec.from, spec.to, made)? else {
                return Err(nothing_to_chart(&what));
            };
            let mut opts = ChartOptions::new(t0, t1);
            opts.width = args.width;
            opts.height = args.height;
            opts.title = args.title.clone();
            opts.index = args.index;
            opts.log = args.log;
            opts.theme = ThemeArg::theme(args.theme);
            let columns = chart::plot_columns(&opts);
            opts.snap = snap_for(&store, t0, t1, columns);
            let panels = match &vs {
                None => with_cross_lines(build_panels(&store, &views, t0, t1, Some(columns))?, &store, &views, &crosses, t0, t1, columns)?,
                Some(r) => vs_panels(&store, &views, r, t0, t1, columns, opts.snap)?,
            };
            if panels.is_empty() {
                return Err(nothing_to_chart(&what));
            }
            opts.caption = caption(&panels, vs.as_ref(), made);
            let path = match &spec.name {
                Some(n) => PathBuf::from(args.output.to_string_lossy().replace(RANGE_PLACEHOLDER, n)),
                None => args.output.clone(),
            };
            names.push(what);
            if !send((opts, panels, path)) {
                break; // a chart failed: its error is the one reported
            }
        }
        store.conn().execute_batch("COMMIT").map_err(|e| crate::store::db_err(db, e))
    });
    match written {
        Ok(()) => Ok(()),
        Err(chart::Stopped::Caller(e)) => Err(e),
        Err(chart::Stopped::Chart(i, e)) => Err(chart_error(e, names.get(i).map_or("", String::as_str))),
    }
}

fn chart_error(e: ChartError, what: &str) -> Error {
    match e {
        ChartError::NoData => nothing_to_chart(what),
        ChartError::Size { .. } => Error::Usage(e.to_string()),
        ChartError::NotPositive { .. } | ChartError::CannotRebase { .. } => Error::invalid(e.to_string()),
        other @ (ChartError::InvalidRange { .. }
        | ChartError::UnknownFormat { .. }
        | ChartError::Font
        | ChartError::Draw(_)
        | ChartError::Write { .. }
        | ChartError::Encode { .. }) => Error::Chart(other.to_string()),
    }
}

fn nothing_to_chart(what: &str) -> Error {
    Error::invalid(format!("nothing to chart{what}: no observations in the range (no file written)"))
}

/// The ranges asked for: `--ranges` (each back from `--to`, or from the time the chart is made),
/// or the one of `--from`/`--to`.
fn range_specs(args: &ChartArgs, from: Option<Instant>, to: Option<Instant>, made: Instant) -> Result<Vec<RangeSpec>> {
    let Some(list) = &args.ranges else {
        return Ok(vec![RangeSpec { name: None, from, to }]);
    };
    if from.is_some() {
        return Err(Error::Usage("--ranges counts back from --to (or now): it does not go with --from".into()));
    }
    if !args.output.to_string_lossy().contains(RANGE_PLACEHOLDER) {
        return Err(Error::Usage(format!(
            "--ranges writes one file per range: put {RANGE_PLACEHOLDER} in the -o name (rates-{{range}}.png)"
        )));
    }
    let end = to.unwrap_or(made);
    let mut out: Vec<RangeSpec> = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let name = part.to_ascii_lowercase();
        if out.iter().any(|r| r.name.as_deref() == Some(name.as_str())) {
            continue;
        }
        let start = if name == "all" {
            None
        } else if name.ends_with(|c: char| "hdwmy".contains(c)) && name[..name.len() - 1].bytes().all(|b| b.is_ascii_digit()) {
            Some(parse_time(&name, End::Start, end).map_err(|e| Error::Usage(format!("--ranges {part}: {e}")))?)
        } else {
            return Err(Error::Usage(format!("--ranges {part}: not a range: use a span such as 7d, 12w, 6m, 2y, or all")));
        };
        out.push(RangeSpec { name: Some(name), from: start, to: Some(end) });
    }
    if out.is_empty() {
        return Err(Error::Usage("--ranges: no range given (e.g. 7d,90d,2y,all)".into()));
    }
    Ok(out)
}

/// The range drawn: from `--from` (or the data's first time) to `--to`, or to the time the chart
/// is made, so a feed that stopped shows as a gap at the right. `None`: no data in it.
fn range(
    store: &Store,
    views: &[View],
    crosses: &[CrossView],
    from: Option<Instant>,
    to: Option<Instant>,
    made: Instant,
) -> Result<Option<(i64, i64)>> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    // A derived line spans at most its legs' common span: the legs' spans bound it.
    let legs = crosses.iter().flat_map(|c| [c.num.id, c.den.id]);
    for id in views.iter().map(|v| v.series.id).chain(legs) {
        if let Some((a, b)) = store.time_span(id, from, to)? {
            lo = lo.min(a.unix());
            hi = hi.max(b.unix());
        }
    }
    if lo > hi {
        return Ok(None);
    }
    let t1 = to.map(|t| t.unix()).unwrap_or_else(|| made.unix().max(hi));
    Ok(Some((from.map(|f| f.unix()).unwrap_or(lo), t1)))
}

/// (last / first − 1) × 100 in decimal arithmetic, for a legend entry.
fn change_pct(first: &Observation, last: &Observation, shown: Pair) -> Option<f64> {
    // One observation in the range has no change to tell (not "0.00%").
    if first.at == last.at {
        return None;
    }
    let f = first.rate_as(shown).decimal();
    let l = last.rate_as(shown).decimal();
    let ratio = l.checked_div(f)?;
    ((ratio - Decimal::ONE) * Decimal::ONE_HUNDRED).to_f64()
}

/// A legend's last value: exactly as stored when shown as quoted; a computed inverse gets no
/// more significant digits than the quote had, and `≈` (1 / 0.01143 is ≈87.49, not 87.48906387).
fn shown_text(o: &Observation, shown: Pair) -> String {
    let quoted = o.rate.decimal();
    let text = if shown == o.pair {
        o.rate.to_string()
    } else {
        let digits = quoted.mantissa().unsigned_abs().to_string().len();
        let digits = u32::try_from(digits).unwrap_or(10).clamp(1, 10);
        format!("\u{2248}{}", round_significant(o.rate_as(shown).decimal(), digits))
    };
    // DESIGN's low-precision mark: half a unit of the last quoted digit over 2% of the value
    match (i32::try_from(quoted.scale()), quoted.to_f64()) {
        (Ok(scale), Some(q)) if q > 0.0 && 50.0 * 10f64.powi(-scale) / q > 2.0 => {
            format!("{text} \u{b1}{:.2}%", 50.0 * 10f64.powi(-scale) / q)
        }
        _ => text,
    }
}

/// The power of ten at or below `step` as decimals (0.0076 → 3, 20 → −1).
fn decimals_of_step(step: f64) -> Option<i32> {
    let e = step.log10().floor();
    (e.is_finite() && e.abs() < 300.0).then(|| e.to_i32().map(|e| -e)).flatten()
}

/// The last quoted digit of an observation shown as `shown`: its own scale when shown as
/// quoted; for a computed inverse, the step its quoted digit makes in the shown value, at or
/// below it.
fn decimals_of(o: &Observation, shown: Pair) -> Option<i32> {
    let quoted = o.rate.decimal();
    let scale = i32::try_from(quoted.scale()).ok()?;
    if shown == o.pair {
        return Some(scale);
    }
    let q = quoted.to_f64()?;
    let shown_value = o.rate_as(shown).decimal().to_f64()?;
    decimals_of_step(shown_value * 10f64.powi(-scale) / q)
}

/// The currency a pair's line is coloured by under `--index`: the one that is not USD.
fn group_of(p: Pair) -> String {
    if p.base == Currency::USD {
        p.quote.to_string()
    } else {
        p.base.to_string()
    }
}

/// A panel being gathered: its lines and the finest quoted digit seen.
type PanelParts = (Vec<Line>, Option<i32>);

/// The panels of a chart over `t0..=t1`, one per shown pair, one line per
/// source; points reduced to `columns` pixel columns, or every point when
/// `columns` is None (for testing that the reduction is faithful).
pub fn build_panels(store: &Store, views: &[View], t0: i64, t1: i64, columns: Option<u32>) -> Result<Vec<Panel>> {
    // Panels in the order of the views (shown pair, then source).
    let mut panels: BTreeMap<Pair, PanelParts> = BTreeMap::new();
    let mut order: Vec<Pair> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        // The view's place among its pair's (views come grouped by pair).
        let slot = views[..i].iter().filter(|w| w.shown == v.shown).count();
        let points = match columns {
            Some(c) => reduced_points(store, v, t0, t1, c)?,
            None => all_points(store, v, t0, t1)?,
        };
        if points.is_empty() {
            continue;
        }
        if !panels.contains_key(&v.shown) {
            order.push(v.shown);
        }
        let entry = panels.entry(v.shown).or_insert_with(|| (Vec::new(), None));
        // Each source's own last value in the range and its change from its first.
        let last = store.latest(&v.series, Some(Instant::from_unix(t1)))?.filter(|l| l.at.unix() >= t0);
        let first = store.first_observation(&v.series, Instant::from_unix(t0), Instant::from_unix(t1))?;
        let (last_text, change) = match (&last, &first) {
            (Some(l), Some(f)) => (Some(shown_text(l, v.shown)), change_pct(f, l, v.shown)),
            (Some(l), None) => (Some(shown_text(l, v.shown)), None),
            _ => (None, None),
        };
        for o in last.iter().chain(first.iter()) {
            if let Some(d) = decimals_of(o, v.shown) {
                entry.1 = Some(entry.1.map_or(d, |e: i32| e.max(d)));
            }
        }
        entry.0.push(Line {
            label: v.series.source.to_string(),
            points,
            last: last_text,
            change_pct: change,
            group: group_of(v.shown),
            slot,
        });
    }
    let mut out = Vec::new();
    for pair in order {
        let Some((lines, decimals)) = panels.remove(&pair) else { continue };
        let meaning = meaning(pair.base.as_str(), pair.quote.as_str());
        out.push(Panel { pair: pair.to_string(), meaning, lines, decimals, zero_line: false });
    }
    Ok(out)
}

/// `--cross`: each derived pair's line (`nbk via KZT`) in its pair's panel,
/// from the values both legs have at the same time, reduced per pixel column
/// like a stored series (there are no rollups of a derived series: its
/// points are computed from the legs' observations, a few thousand for ten
/// years of daily quotes).
pub fn with_cross_lines(
    mut panels: Vec<Panel>,
    store: &Store,
    views: &[View],
    crosses: &[CrossView],
    t0: i64,
    t1: i64,
    columns: u32,
) -> Result<Vec<Panel>> {
    let snap = snap_for(store, t0, t1, columns);
    for (i, cv) in crosses.iter().enumerate() {
        // After the pair's direct sources, in the order asked.
        let slot = views.iter().filter(|v| v.shown == cv.shown).count() + crosses[..i].iter().filter(|c| c.shown == cv.shown).count();
        let mut points = Vec::new();
        let mut first: Option<Derived> = None;
        let mut last: Option<Derived> = None;
        cv.for_each(store, Some(Instant::from_unix(t0)), Some(Instant::from_unix(t1)), |d| {
            points.push((d.obs.at.unix(), d.obs.rate.to_f64()));
            if first.is_none() {
                first = Some(d.clone());
            }
            last = Some(d);
            Ok(())
        })?;
        let Some(l) = last else { continue };
        let points = chart::m4_reduce_snapped(&points, t0, t1, columns, snap);
        let change = first.as_ref().and_then(|f| change_pct(&f.obs, &l.obs, cv.shown));
        let digits = l.quoted_digits.clamp(1, 10);
        let mut text = format!("\u{2248}{}", round_significant(l.obs.rate.decimal(), digits));
        if let Some(p) = l.precision_pct {
            text = format!("{text} {}", crate::precision::mark(p));
        }
        // The last quoted digit's worth in the derived value, for the axis.
        let v = l.obs.rate.to_f64();
        let decimals = (v > 0.0).then(|| decimals_of_step(10f64.powf(v.log10().floor() - f64::from(digits - 1)))).flatten();
        let line = Line {
            label: format!("{} via {}", cv.source, cv.via),
            points,
            last: Some(text),
            change_pct: change,
            group: group_of(cv.shown),
            slot,
        };
        let pair = cv.shown.to_string();
        match panels.iter_mut().find(|p| p.pair == pair) {
            Some(panel) => {
                panel.lines.push(line);
                if let Some(d) = decimals {
                    panel.decimals = Some(panel.decimals.map_or(d, |e| e.max(d)));
                }
            }
            None => panels.push(Panel {
                pair,
                meaning: meaning(cv.shown.base.as_str(), cv.shown.quote.as_str()),
                lines: vec![line],
                decimals,
                zero_line: false,
            }),
        }
    }
    Ok(panels)
}

/// `--vs`: per shown pair that `reference` quotes, every other source's deviation from it in %
/// on each day both have (see `chart::deviation`), reduced per pixel column like any line.
fn vs_panels(store: &Store, views: &[View], reference: &Source, t0: i64, t1: i64, columns: u32, snap: i64) -> Result<Vec<Panel>> {
    let mut out = Vec::new();
    let mut pairs: Vec<Pair> = views.iter().map(|v| v.shown).collect();
    pairs.dedup();
    for pair in pairs {
        let of_pair: Vec<&View> = views.iter().filter(|v| v.shown == pair).collect();
        let Some(rv) = of_pair.iter().find(|v| v.series.source == *reference) else { continue };
        let ref_days = last_per_day(&all_points(store, rv, t0, t1)?);
        if ref_days.is_empty() {
            continue;
        }
        let ref_step = relative_step(store, rv, t1)?;
        let mut lines = Vec::new();
        let mut finest: Option<f64> = None;
        for (slot, v) in of_pair.iter().filter(|v| v.series.source != *reference).enumerate() {
            let dev = deviation(&last_per_day(&all_points(store, v, t0, t1)?), &ref_days);
            let Some(&(_, last)) = dev.last() else { continue };
            if let (Some(a), Some(b)) = (ref_step, relative_step(store, v, t1)?) {
                let step = (a + b) * 100.0;
                finest = Some(finest.map_or(step, |f| f.min(step)));
            }
            let points = chart::m4_reduce_snapped(&dev, t0, t1, columns, snap);
            let last_text = format!("{}{:.2}%", if last < 0.0 { "\u{2212}" } else { "+" }, last.abs());
            lines.push(Line {
                label: v.series.source.to_string(),
                points,
                last: Some(last_text),
                change_pct: None,
                group: group_of(pair),
                slot,
            });
        }
        if lines.is_empty() {
            continue;
        }
        let decimals = finest.and_then(decimals_of_step);
        out.push(Panel { pair: pair.to_string(), meaning: format!("deviation from {reference}, %"), lines, decimals, zero_line: true });
    }
    if out.is_empty() {
        return Err(Error::invalid(format!(
            "--vs {reference}: no pair has observations from both {reference} and another source on the same day in the range"
        )));
    }
    Ok(out)
}

/// The relative step of a series' last quoted digit (0.00001 / 0.01144 for the ticker's KGS).
fn relative_step(store: &Store, v: &View, t1: i64) -> Result<Option<f64>> {
    let Some(o) = store.latest(&v.series, Some(Instant::from_unix(t1)))? else { return Ok(None) };
    let d = o.rate.decimal();
    let (Ok(scale), Some(x)) = (i32::try_from(d.scale()), d.to_f64()) else { return Ok(None) };
    Ok((x > 0.0).then(|| 10f64.powi(-scale) / x))
}

/// The caption: the sources drawn, with their full names, and when the chart was made.
pub fn caption(panels: &[Panel], reference: Option<&Source>, made: Instant) -> Vec<String> {
    // A derived line's label is `nbk via KZT`: its source is the first word.
    let mut sources: Vec<&str> =
        panels.iter().flat_map(|p| p.lines.iter().map(|l| l.label.split(' ').next().unwrap_or(l.label.as_str()))).collect();
    sources.extend(reference.map(Source::as_str));
    sources.sort_unstable();
    sources.dedup();
    let names: Vec<String> = sources.iter().map(|s| format!("{s} \u{2014} {}", crate::sources::full_name(s))).collect();
    let what = if names.len() == 1 { "Source" } else { "Sources" };
    // no-break spaces keep the time in one piece when the caption wraps
    let made = format!("Made {} UTC with fxsnap.", made.datetime().format("%Y-%m-%d %H:%M")).replace(' ', "\u{a0}");
    vec![format!("{what}: {}.", names.join("; ")), made]
}
