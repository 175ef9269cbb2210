//! Breaking a series where it has a hole, so a chart never bridges one.
//!
//! The rule: the series' *usual spacing* is the median of the positive differences between
//! consecutive timestamps, and a difference larger than
//! `max(GAP_FACTOR × usual spacing, MIN_GAP_SECS)` is a hole. The median is robust: daily
//! official rates with weekends missing have differences of 1 and 3 days, median 1 day, so the
//! line breaks only after more than 10 days without a rate (a weekend, or a long holiday, is not
//! a hole; the months between monthly rates of 1998–2004 are). 5-minute data would break after 50
//! minutes without a point, but `MIN_GAP_SECS` (an hour) is a floor: a hole shorter than an hour
//! is never a break, which also keeps a series with bursts of near-simultaneous points from
//! falling apart.
//!
//! ## M4-reduced data
//!
//! A reduced series (see [`super::reduce`]) has up to four points per pixel column. Its consecutive
//! differences mix two kinds: inside a column (first → min → max → last, anything from a second
//! to a column width, however dense the raw data was) and across a column boundary. The plain
//! median of a reduced series is thus not the series' usual spacing: it depends on the zoom, and
//! the reduced and the full series would be split differently. The renderer therefore uses
//! [`split_at_gaps_in_columns`], which judges the gaps by column:
//!
//! - the usual spacing is the median of the differences between consecutive points that lie in
//!   **different** columns. M4 keeps the first and the last point of every column, so such a
//!   pair is a pair of consecutive points of the full series too: the full and the reduced series
//!   have exactly the same set of such pairs, hence the same median;
//! - the threshold is also at least one column width, so two points of one column are never
//!   split apart (an invisible hole, narrower than a pixel, is not drawn anyway);
//! - hence the full and the reduced series are split at exactly the same places, and a hole
//!   wider than a column is judged on the same raw differences whatever the reduction.

use super::reduce::column_of_snapped;

/// A hole is a difference larger than this many times the usual spacing.
pub const GAP_FACTOR: i64 = 10;
/// ...and larger than this (seconds): holes shorter than an hour are never breaks.
pub const MIN_GAP_SECS: i64 = 3600;

/// The median of the positive differences between consecutive timestamps (the lower median for
/// an even count), or `None` with fewer than two distinct timestamps.
pub fn usual_spacing(points: &[(i64, f64)]) -> Option<i64> {
    let mut d: Vec<i64> = points.windows(2).map(|w| w[1].0.saturating_sub(w[0].0)).filter(|&d| d > 0).collect();
    median(&mut d)
}

fn median(d: &mut [i64]) -> Option<i64> {
    if d.is_empty() {
        return None;
    }
    let k = (d.len() - 1) / 2;
    Some(*d.select_nth_unstable(k).1)
}

fn threshold(usual: Option<i64>, at_least: i64) -> i64 {
    let u = usual.unwrap_or(0);
    u.saturating_mul(GAP_FACTOR).max(MIN_GAP_SECS).max(at_least)
}

fn split_where(points: &[(i64, f64)], limit: i64) -> Vec<Vec<(i64, f64)>> {
    let mut out: Vec<Vec<(i64, f64)>> = Vec::new();
    let mut cur: Vec<(i64, f64)> = Vec::new();
    for &p in points {
        if let Some(&(prev_t, _)) = cur.last() {
            if p.0.saturating_sub(prev_t) > limit {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(p);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits a time-sorted series into the runs between its holes (see the module documentation
/// for the rule). Every point is in exactly one run, in order; an empty input gives no run.
pub fn split_at_gaps(points: &[(i64, f64)]) -> Vec<Vec<(i64, f64)>> {
    split_where(points, threshold(usual_spacing(points), 0))
}

/// The split the renderer uses: like [`split_at_gaps`], but judged by pixel column so that a
/// series and its M4 reduction over the same `t0`, `t1`, `columns` are split at the same places
/// (see the module documentation). `points` must be time-sorted.
pub fn split_at_gaps_in_columns(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32) -> Vec<Vec<(i64, f64)>> {
    split_at_gaps_in_snapped_columns(points, t0, t1, columns, 0)
}

/// [`split_at_gaps_in_columns`] over the columns of [`column_of_snapped`].
pub fn split_at_gaps_in_snapped_columns(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32, snap: i64) -> Vec<Vec<(i64, f64)>> {
    let columns = columns.max(1);
    let col = |t| column_of_snapped(t, t0, t1, columns, snap);
    let crossing: Vec<bool> = points.windows(2).map(|w| col(w[0].0) != col(w[1].0)).collect();
    let d: Vec<i64> = points.windows(2).zip(&crossing).filter(|(_, c)| **c).map(|(w, _)| w[1].0.saturating_sub(w[0].0)).collect();
    let usual = median(&mut d.iter().copied().filter(|&d| d > 0).collect::<Vec<_>>());
    let span = (i128::from(t1) - i128::from(t0)).max(0);
    let cols = i128::from(columns);
    let col_width = i64::try_from((span + cols - 1) / cols).unwrap_or(i64::MAX);
    // A snapped column is up to one `snap` wider than a linear one: two
    // points of one column are never a hole.
    let limit = threshold(usual, col_width.saturating_add(snap.max(0)));
    let mut out: Vec<Vec<(i64, f64)>> = Vec::new();
    let mut cur: Vec<(i64, f64)> = Vec::new();
    let mut k = 0;
    for (i, &p) in points.iter().enumerate() {
        if i > 0 && crossing[i - 1] {
            if d[k] > limit && d[k] > GAP_FACTOR.saturating_mul(local_spacing(&d, k)) {
                out.push(std::mem::take(&mut cur));
            }
            k += 1;
        }
        cur.push(p);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// How many differences on each side of one make its neighbourhood.
const LOCAL: usize = 3;

/// The usual spacing around the `k`-th difference: the median of up to [`LOCAL`] differences
/// on each side of it (itself left out), 0 without any. Where a series turns sparse (monthly
/// quotes after daily ones, a ticker seen on a few days of each month) its points are spaced
/// alike, and a difference no larger than ten times its neighbours' is the series' rhythm
/// there, not a hole: the line joins them. Judged on the differences across columns only, so
/// an M4-reduced series is split like the full one.
fn local_spacing(d: &[i64], k: usize) -> i64 {
    let mut near: Vec<i64> =
        d[k.saturating_sub(LOCAL)..k].iter().chain(d.iter().skip(k + 1).take(LOCAL)).copied().filter(|&d| d > 0).collect();
    median(&mut near).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    /// Weekdays only (Monday..Friday) starting on Monday 2024-01-01, `days` calendar days.
    fn weekdays(start: i64, days: i64) -> Vec<(i64, f64)> {
        (0..days).filter(|d| d % 7 < 5).map(|d| (start + d * DAY, 1.0 + d as f64 * 1e-3)).collect()
    }

    #[test]
    fn daily_with_weekends_missing_is_one_segment() {
        let pts = weekdays(1_704_067_200, 3 * 365);
        assert!(pts.windows(2).any(|w| w[1].0 - w[0].0 == 3 * DAY));
        let segs = split_at_gaps(&pts);
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].len(), pts.len());
    }

    #[test]
    fn daily_with_a_four_month_hole_is_two_segments() {
        let start = 946_684_800; // 2000-01-01
        let mut pts: Vec<(i64, f64)> = (0..365).map(|d| (start + d * DAY, 0.01)).collect();
        // a hole from day 100 to day 220 (four months)
        pts.retain(|p| !(start + 100 * DAY..start + 220 * DAY).contains(&p.0));
        let segs = split_at_gaps(&pts);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].last().unwrap().0, start + 99 * DAY);
        assert_eq!(segs[1].first().unwrap().0, start + 220 * DAY);
        assert_eq!(segs[0].len() + segs[1].len(), pts.len());
    }

    #[test]
    fn five_minute_data_is_one_segment() {
        let pts: Vec<(i64, f64)> = (0..20_000).map(|i| (1_700_000_000 + i * 300, 1.0)).collect();
        assert_eq!(split_at_gaps(&pts).len(), 1);
        // ...and a three-hour outage in it is a break
        let mut holed = pts.clone();
        holed.retain(|p| !(1_700_000_000 + 3000 * 300..1_700_000_000 + 3036 * 300).contains(&p.0));
        assert_eq!(split_at_gaps(&holed).len(), 2);
    }

    #[test]
    fn tiny_and_empty_series() {
        assert!(split_at_gaps(&[]).is_empty());
        assert_eq!(split_at_gaps(&[(5, 1.0)]), vec![vec![(5, 1.0)]]);
        // two points: the only difference is the usual one
        assert_eq!(split_at_gaps(&[(0, 1.0), (400 * DAY, 2.0)]).len(), 1);
        // three points over three days
        assert_eq!(split_at_gaps(&[(0, 1.0), (DAY, 2.0), (2 * DAY, 1.5)]).len(), 1);
    }

    #[test]
    fn random_crawl_days_are_rarely_split() {
        // a ticker seen on some days: 1..=4 days apart, then a 120-day pause
        let mut t = 0;
        let mut pts = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..80 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            t += DAY * (1 + (x >> 62) as i64);
            pts.push((t, 1.0));
        }
        assert_eq!(split_at_gaps(&pts).len(), 1);
        t += 120 * DAY;
        pts.push((t, 1.0));
        assert_eq!(split_at_gaps(&pts).len(), 2);
    }

    /// Daily quotes, then a few a month for years (the NBU history's KGS 1998–2003): the
    /// sparse years are one line, not a chain of single points; a real hole in the daily part
    /// still breaks it.
    #[test]
    fn a_series_that_turns_sparse_is_joined_where_its_points_are_alike() {
        let start = 883_612_800; // 1998-01-01
        let mut pts: Vec<(i64, f64)> = (0..400).filter(|d| !(200..220).contains(d)).map(|d| (start + d * DAY, 1.0)).collect();
        let mut t = start + 400 * DAY;
        for i in 0..60i64 {
            t += DAY * (8 + (i * 7) % 23);
            pts.push((t, 1.0));
        }
        let (t0, t1) = (start, t);
        let runs = split_at_gaps_in_columns(&pts, t0, t1, 1000);
        assert_eq!(runs.iter().map(Vec::len).collect::<Vec<_>>(), [200, 180 + 60], "the daily hole breaks it, the sparse years do not");
        let reduced = super::super::reduce::m4_reduce(&pts, t0, t1, 300);
        assert_eq!(split_at_gaps_in_columns(&reduced, t0, t1, 300).len(), split_at_gaps_in_columns(&pts, t0, t1, 300).len());
    }

    #[test]
    fn reduced_data_splits_like_the_full_data() {
        // 5-minute data over ~70 days with a 4-day hole: far more points than columns
        let t0 = 1_700_000_000;
        let mut pts: Vec<(i64, f64)> = (0..20_000).map(|i| (t0 + i * 300, ((i * 37) % 101) as f64)).collect();
        pts.retain(|p| !(t0 + 9_000 * 300..t0 + 10_200 * 300).contains(&p.0));
        let t1 = pts.last().unwrap().0;
        let cols = 1000;
        let reduced = super::super::reduce::m4_reduce(&pts, t0, t1, cols);
        assert!(reduced.len() < pts.len() / 3);
        // the column rule splits both at the hole only, at the same timestamps
        let full = split_at_gaps_in_columns(&pts, t0, t1, cols);
        let red = split_at_gaps_in_columns(&reduced, t0, t1, cols);
        assert_eq!(full.len(), 2);
        assert_eq!(red.len(), 2);
        for (a, b) in full.iter().zip(&red) {
            assert_eq!(a.first(), b.first());
            assert_eq!(a.last(), b.last());
        }
        // and daily data with weekends missing stays whole when judged by column, at any zoom
        let daily = weekdays(1_704_067_200, 2 * 365);
        let (d0, d1) = (daily[0].0, daily.last().unwrap().0);
        for cols in [50, 300, 1070, 5000] {
            assert_eq!(split_at_gaps_in_columns(&daily, d0, d1, cols).len(), 1, "{cols}");
        }
    }
}
