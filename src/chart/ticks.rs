//! Axis ticks: calendar ticks for the time axis (the finest step whose labels do not crowd) and
//! "nice" value ticks (1, 2, 2.5, 5 × 10^k) with labels carrying as many decimals as the step.

use chrono::{DateTime, Datelike, NaiveDate, Timelike};

use super::font::text_width;
use super::layout::{column_x, SIZE_SMALL};
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
pub(super) fn time_ticks(t0: i64, t1: i64, x0: i32, cols: u32, image_width: i32) -> Vec<Tick> {
    const MIN_LABEL_GAP: i32 = 36;
    let max_count = usize::try_from(cols / 100).unwrap_or(usize::MAX).max(2);
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
    let k0 = i32::try_from(whole((span / max_n.max(1) as f64).log10().floor())).unwrap_or(0) - 1;
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
    let first = whole((lo / step).ceil());
    let last = whole((hi / step).floor());
    if last < first || last - first > 50 {
        return Vec::new();
    }
    let extra = if m == 2.5 { 1 } else { 0 };
    let decimals = usize::try_from((-k + extra).max(0)).unwrap_or(0);
    let max_abs = lo.abs().max(hi.abs());
    let scientific = decimals > 8 || max_abs >= 1e9;
    (first..=last)
        .map(|i| {
            // multiply by the mantissa first to keep 0.1-style steps exact enough
            let v = if k < 0 { i as f64 * m / 10f64.powi(-k) } else { i as f64 * m * 10f64.powi(k) };
            let label = if scientific {
                let e = i32::try_from(whole(max_abs.log10().floor())).unwrap_or(0);
                let digits = usize::try_from((e - k + extra).max(0)).unwrap_or(0);
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
