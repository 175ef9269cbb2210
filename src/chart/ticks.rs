//! Axis ticks: calendar ticks for the time axis (the finest step whose labels do not crowd) and
//! "nice" value ticks (1, 2, 2.5, 5 × 10^k) with labels carrying as many decimals as the step.

use chrono::{DateTime, Datelike, NaiveDate, Timelike};

use super::font::text_width;
use super::layout::{column_x, SIZE_SMALL};
use super::pixel::round_px;
use super::reduce::column_of;

/// `x` as a whole number, rounded toward −∞ first by the caller; float → int casts saturate, and
/// every value here is far inside `i64`.
#[allow(clippy::cast_possible_truncation)]
fn whole(x: f64) -> i64 {
    x as i64
}

// ---------------------------------------------------------------------------------------------
// Time axis

/// A calendar step between time ticks.
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
        Step::Months(n) => i64::from(n) * 2_629_746,
        Step::Years(n) => i64::from(n) * 31_556_952,
    }
}

fn month_start(month_index: i64) -> Option<i64> {
    let y = i32::try_from(month_index.div_euclid(12)).ok()?;
    let m = u32::try_from(month_index.rem_euclid(12)).ok()? + 1;
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
                Step::Secs(_) | Step::Months(_) | Step::Years(_) => (0, p),
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
            let every = i64::from(n) * per;
            let mut mi = i64::from(d0.year()) * 12 + i64::from(d0.month0());
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
            let mon = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
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
pub(super) fn time_ticks(t0: i64, t1: i64, x0: i32, cols: u32, image_width: i32, size: f64) -> Vec<Tick> {
    // 36 px between labels and one label per 100 px at the smallest size, more with larger text
    let per_size = size / SIZE_SMALL;
    let min_label_gap = round_px(36.0 * per_size);
    let max_count = usize::try_from(whole(f64::from(cols) / (100.0 * per_size))).unwrap_or(0).max(2);
    let mut best: Option<Vec<Tick>> = None;
    for step in STEPS {
        let span = (i128::from(t1) - i128::from(t0)).max(0);
        if span / i128::from(approx_secs(step)) > i128::try_from(max_count).unwrap_or(i128::MAX) + 1 {
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
            let pos = column_x(x0, column_of(*t, t0, t1, cols));
            let w = text_width(&label, size, false);
            let mut left = pos - w / 2;
            left = left.min(image_width - 6 - w).max(6);
            if left - prev_right < min_label_gap {
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

/// The decimals a label of the step `m × 10^k` needs.
fn step_decimals(m: f64, k: i32) -> i32 {
    (-k + i32::from(m == 2.5)).max(0)
}

/// The finest "nice" step (1, 2, 2.5 or 5 × 10^k), as (mantissa, exponent), that puts at most
/// `max_n` ticks in `[lo, hi]` and needs no more than `max_decimals` decimals.
fn nice_step(lo: f64, hi: f64, max_n: usize, max_decimals: Option<i32>) -> (f64, i32) {
    let span = hi - lo;
    let k0 = i32::try_from(whole((span / max_n.max(1) as f64).log10().floor())).unwrap_or(0) - 1;
    for k in k0..k0 + 4 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            // a last digit of tens or more (decimals < 0) still allows whole-number labels
            if max_decimals.is_some_and(|d| step_decimals(m, k) > d.max(0)) {
                continue;
            }
            let step = m * 10f64.powi(k);
            let n = (hi / step).floor() - (lo / step).ceil() + 1.0;
            if n <= max_n as f64 {
                return (m, k);
            }
        }
    }
    (1.0, k0 + 4)
}

/// The value `i × m × 10^k`, multiplying by the mantissa first to keep 0.1-style steps exact.
fn tick_value(i: i64, m: f64, k: i32) -> f64 {
    if k < 0 {
        i as f64 * m / 10f64.powi(-k)
    } else {
        i as f64 * m * 10f64.powi(k)
    }
}

/// A label with `decimals` decimals and a real minus sign (no "−0.00").
fn fixed_label(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v);
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s.replacen('-', "\u{2212}", 1)
    }
}

/// The ticks `first..=last` of the step `m × 10^k` and their labels: fixed decimals, as many as
/// the step needs, or scientific notation when that would take more than 8 decimals or the
/// values are huge.
fn labelled(first: i64, last: i64, m: f64, k: i32, max_abs: f64) -> Vec<(f64, String)> {
    if last < first || last - first > 50 {
        return Vec::new();
    }
    let extra = i32::from(m == 2.5);
    let decimals = usize::try_from(step_decimals(m, k)).unwrap_or(0);
    let scientific = decimals > 8 || max_abs >= 1e9;
    (first..=last)
        .map(|i| {
            let v = tick_value(i, m, k);
            let label = if scientific {
                let e = i32::try_from(whole(max_abs.log10().floor())).unwrap_or(0);
                let digits = usize::try_from((e - k + extra).max(0)).unwrap_or(0);
                format!("{:.*e}", digits, v)
            } else {
                fixed_label(v, decimals)
            };
            (v, label)
        })
        .collect()
}

/// At most `max_n` value ticks in `[lo, hi]` and their labels (the finest nice step that fits).
#[cfg(test)]
pub(super) fn value_ticks(lo: f64, hi: f64, max_n: usize) -> Vec<(f64, String)> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || span.is_infinite() {
        return Vec::new();
    }
    let (m, k) = nice_step(lo, hi, max_n, None);
    let step = m * 10f64.powi(k);
    labelled(whole((lo / step).ceil()), whole((hi / step).floor()), m, k, lo.abs().max(hi.abs()))
}

/// A panel's value axis: the range drawn (in the axis' own space: log10 of the values on a
/// log axis) and the ticks with their labels.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ValueAxis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    pub ticks: Vec<(f64, String)>,
}

/// How many value labels a panel of `h` pixels gets, for labels of cap height `cap`: (at
/// least, at most). A panel 150 px or taller gets at least four.
pub(super) fn label_counts(h: i32, cap: i32) -> (usize, usize) {
    let max_n = usize::try_from(h / (cap.max(1) * 2)).unwrap_or(0).clamp(2, 8);
    let min_n = if h >= 150 { 4 } else { 2 };
    (min_n, max_n.max(min_n))
}

/// The honest span of data `lo..=hi` whose last quoted digit is `10^-decimals`: at least ten
/// such steps, centred on the data.
fn honest_span(lo: f64, hi: f64, decimals: Option<i32>) -> (f64, f64) {
    if let Some(d) = decimals {
        let q = 10f64.powi(-d);
        if hi - lo < 10.0 * q {
            let c = (lo + hi) / 2.0;
            return (c - 5.0 * q, c + 5.0 * q);
        }
    }
    (lo, hi)
}

/// `lo..=hi` with a margin of 6% each side, so no point touches the frame.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.06
    } else if lo != 0.0 {
        lo.abs() * 0.01
    } else {
        1.0
    };
    (lo - pad, hi + pad)
}

/// The value axis of a panel whose data span `lo..=hi`, on a linear or a log axis.
pub(super) fn value_axis(lo: f64, hi: f64, decimals: Option<i32>, log: bool, counts: (usize, usize)) -> ValueAxis {
    let (lo, hi) = honest_span(lo, hi, decimals);
    if log && lo > 0.0 {
        // the margin in log space: the same share of the height on both sides
        let (llo, lhi) = padded(lo.log10(), hi.log10());
        let (a, b) = (10f64.powf(llo), 10f64.powf(lhi));
        if let Some(axis) = log_axis(a, b, decimals, counts) {
            return axis;
        }
        let (ticks, a, b) = linear_ticks(a, b, true, decimals, counts);
        return ValueAxis { lo: a.log10(), hi: b.log10(), log: true, ticks };
    }
    let nonneg = lo >= 0.0;
    let (lo, hi) = padded(lo, hi);
    let (ticks, a, b) = linear_ticks(lo, hi, nonneg, decimals, counts);
    ValueAxis { lo: a, hi: b, log: false, ticks }
}

/// Linear ticks over `lo..=hi`: the finest nice step with at most `max_n` ticks and no more
/// decimals than the data; when that leaves fewer than `min_n`, the range grows to whole steps,
/// then by a step at a time, until it holds `min_n`. Returns the ticks and the range.
fn linear_ticks(lo: f64, hi: f64, nonneg: bool, decimals: Option<i32>, (min_n, max_n): (usize, usize)) -> (Vec<(f64, String)>, f64, f64) {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || span.is_infinite() {
        return (Vec::new(), lo, hi);
    }
    let (m, k) = nice_step(lo, hi, max_n, decimals);
    let step = m * 10f64.powi(k);
    let mut first = whole((lo / step).ceil());
    let mut last = whole((hi / step).floor());
    let (mut lo, mut hi) = (lo, hi);
    let count = |f: i64, l: i64| usize::try_from(l - f + 1).unwrap_or(0);
    if count(first, last) < min_n {
        // rates are positive: an axis of non-negative data never grows below 0
        let floor = if nonneg { 0 } else { i64::MIN };
        first = whole((lo / step).floor()).max(floor.min(first));
        last = whole((hi / step).ceil());
        let mut grow_top = true;
        while count(first, last) < min_n {
            if grow_top || first <= floor {
                last += 1;
            } else {
                first -= 1;
            }
            grow_top = !grow_top;
        }
        lo = lo.min(tick_value(first, m, k));
        hi = hi.max(tick_value(last, m, k));
    }
    (labelled(first, last, m, k, lo.abs().max(hi.abs())), lo, hi)
}

/// Log ticks over `lo..=hi` (both > 0): 1-2-5 (or 1-2-3-5) in each decade when enough of them
/// fit, else powers of ten, every decade or every few; ticks needing more decimals than the
/// data are left out. `None` when fewer than two ticks remain (a range within one decade:
/// linear ticks serve better).
fn log_axis(lo: f64, hi: f64, decimals: Option<i32>, (min_n, max_n): (usize, usize)) -> Option<ValueAxis> {
    let (llo, lhi) = (lo.log10(), hi.log10());
    let (k_lo, k_hi) = (i32::try_from(whole(llo.floor())).ok()?, i32::try_from(whole(lhi.ceil())).ok()?);
    let ticks_of = |mantissas: &[f64], every: i32| -> Vec<(f64, String)> {
        let mut out = Vec::new();
        for k in k_lo..=k_hi {
            if (k - k_lo) % every != 0 {
                continue;
            }
            for &m in mantissas {
                let v = m * 10f64.powi(k);
                let needs = (-k + i32::from(m == 1.5)).max(0);
                if v < lo || v > hi || decimals.is_some_and(|d| needs > d.max(0)) {
                    continue;
                }
                let label = if needs > 8 || v >= 1e9 { format!("{m}e{k}") } else { fixed_label(v, usize::try_from(needs).unwrap_or(0)) };
                out.push((v, label));
            }
        }
        out
    };
    let axis = |ticks: Vec<(f64, String)>| ValueAxis { lo: llo, hi: lhi, log: true, ticks };
    // in order of preference: 1-2-5 in each decade, 1-3, finer nice mantissas for a range of a
    // decade or two, then powers of ten every decade or every few
    let mut candidates: Vec<Vec<(f64, String)>> = Vec::new();
    for m in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0], &[1.0, 2.0, 3.0, 5.0], &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0]] {
        candidates.push(ticks_of(m, 1));
    }
    for every in 1..=(k_hi - k_lo).max(1) {
        candidates.push(ticks_of(&[1.0], every));
    }
    if let Some(best) = candidates.iter().find(|t| t.len() >= min_n && t.len() <= max_n) {
        return Some(axis(best.clone()));
    }
    // none has enough labels: the one with the most that fit, if two or more
    candidates.into_iter().filter(|t| t.len() >= 2 && t.len() <= max_n).max_by_key(Vec::len).map(axis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_of_three_decades_on_a_short_panel_has_four_labels() {
        // UZS/USD since 1996 in a 177 px panel with text at scale 1.29 (cap height 16)
        let a = value_axis(0.00008, 0.0128, Some(14), true, label_counts(177, 16));
        assert!(a.log);
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.0001", "0.0003", "0.001", "0.003", "0.01"]);
    }

    #[test]
    fn a_last_digit_of_tens_gives_whole_labels() {
        // an index panel whose coarsest line moves in steps of 12.5 points: decimals −1
        let a = value_axis(95.0, 105.0, Some(-1), false, label_counts(300, 13));
        assert!(a.hi - a.lo >= 100.0, "{a:?}");
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert!(labels.len() >= 4 && labels.iter().all(|l| !l.contains('.')), "{labels:?}");
        assert!(a.ticks.iter().all(|t| (t.0 - 100.0).abs() <= 60.0), "{labels:?}");
    }

    #[test]
    fn honest_linear_axis() {
        // one step of the last quoted digit: the axis spans ten steps and more, labels have 5 decimals
        let a = value_axis(0.01143, 0.01144, Some(5), false, label_counts(300, 13));
        assert!(a.hi - a.lo >= 10.0 * 0.00001);
        assert!(a.ticks.len() >= 4 && a.ticks.iter().all(|t| t.1.split('.').nth(1).map_or(0, str::len) <= 5), "{a:?}");
        // non-negative data never get a negative label
        let b = value_axis(0.00008, 0.0128, Some(14), false, label_counts(177, 16));
        assert!(b.ticks.iter().all(|t| t.0 >= 0.0), "{b:?}");
        assert!(b.ticks.len() >= 4);
    }
}
