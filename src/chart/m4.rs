//! M4 reduction: keep, for each pixel column, the first, the lowest, the highest and the last
//! observation, which is all a line chart can show of that column.
//!
//! Column `c` of `columns` covers the times `t` with
//! `c = (t - t0) * columns / (t1 - t0)` (integer division, `t0 <= t <= t1`), and the time `t1`
//! itself falls in the last column. [`column_of`] is that formula; the renderer puts every point of
//! a column on the same pixel x with the same function, which is why the reduced series draws
//! exactly the pixels the full one does.
//!
//! The same reduction in SQL (SQLite integer arithmetic, `:cols` columns, `t` in `[:t0, :t1]`,
//! `:t1 > :t0`):
//!
//! ```sql
//! -- col = MIN(((t - :t0) * :cols) / (:t1 - :t0), :cols - 1)
//! -- keep the rows that are, within their column, the earliest, the latest, the lowest value
//! -- (earliest such row on ties) or the highest value (earliest such row on ties).
//! ```

/// The pixel column (0-based, `< columns`) that the time `t` falls in, for a range `t0..=t1`
/// drawn over `columns` columns. Times before `t0` give 0 and times after `t1` the last column;
/// a range with `t1 <= t0` (a single instant) puts everything in column 0.
pub fn column_of(t: i64, t0: i64, t1: i64, columns: u32) -> u32 {
    if columns <= 1 || t1 <= t0 || t <= t0 {
        return 0;
    }
    let span = (t1 as i128) - (t0 as i128);
    let c = ((t as i128 - t0 as i128) * columns as i128) / span;
    c.min(columns as i128 - 1) as u32
}

/// [`column_of`] with every column boundary moved to the nearest multiple of `snap` seconds
/// (UTC days or hours): on a long range each pixel column then holds whole days (or hours), so
/// the store's daily (hourly) rollups never straddle two columns. `snap` must be at most half a
/// column's width (a boundary then moves by at most a quarter column, and `t` lands at most one
/// column away from its linear one); `snap <= 1` is [`column_of`] itself.
pub fn column_of_snapped(t: i64, t0: i64, t1: i64, columns: u32, snap: i64) -> u32 {
    let c = column_of(t, t0, t1, columns);
    if snap <= 1 || columns <= 1 || t1 <= t0 || t <= t0 {
        return c;
    }
    if c + 1 < columns && snapped_start(c + 1, t0, t1, columns, snap) <= t {
        c + 1
    } else if c >= 1 && snapped_start(c, t0, t1, columns, snap) > t {
        c - 1
    } else {
        c
    }
}

/// Where column `c` (≥ 1) starts: the first time of the linear column `c`, rounded to the
/// nearest multiple of `snap`.
fn snapped_start(c: u32, t0: i64, t1: i64, columns: u32, snap: i64) -> i64 {
    let span = (t1 as i128) - (t0 as i128);
    let linear = t0 as i128 + (c as i128 * span + columns as i128 - 1) / columns as i128;
    let snap = snap as i128;
    let down = linear.div_euclid(snap) * snap;
    let start = if (linear - down) * 2 >= snap { down + snap } else { down };
    start.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Reduces `points` to at most four per pixel column: the first, the lowest, the highest and the
/// last point of the column, each with its own original timestamp.
///
/// - Only points with `t0 <= t <= t1` and a finite value are considered (the renderer ignores the
///   others too).
/// - The input should be sorted by time (an unsorted input is sorted first, stably).
/// - The output is sorted by time; a point that is, say, both the first and the lowest of its
///   column appears once. On equal values the earliest point is the lowest/highest.
/// - `columns == 0` is taken as 1.
pub fn m4_reduce(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32) -> Vec<(i64, f64)> {
    m4_reduce_snapped(points, t0, t1, columns, 0)
}

/// [`m4_reduce`] over the columns of [`column_of_snapped`].
pub fn m4_reduce_snapped(points: &[(i64, f64)], t0: i64, t1: i64, columns: u32, snap: i64) -> Vec<(i64, f64)> {
    let columns = columns.max(1);
    let mut sorted_copy;
    let points: &[(i64, f64)] = if points.windows(2).all(|w| w[0].0 <= w[1].0) {
        points
    } else {
        sorted_copy = points.to_vec();
        sorted_copy.sort_by_key(|p| p.0);
        &sorted_copy
    };

    let mut out = Vec::new();
    // (column, first, min, max, last) as indices into `points`
    let mut cur: Option<(u32, usize, usize, usize, usize)> = None;

    let flush = |out: &mut Vec<(i64, f64)>, c: (u32, usize, usize, usize, usize)| {
        let mut idx = [c.1, c.2, c.3, c.4];
        idx.sort_unstable();
        let mut prev = usize::MAX;
        for i in idx {
            if i != prev {
                out.push(points[i]);
                prev = i;
            }
        }
    };

    for (i, &(t, v)) in points.iter().enumerate() {
        if t < t0 || t > t1 || !v.is_finite() {
            continue;
        }
        let col = column_of_snapped(t, t0, t1, columns, snap);
        match cur.as_mut() {
            Some(c) if c.0 == col => {
                if v < points[c.2].1 {
                    c.2 = i;
                }
                if v > points[c.3].1 {
                    c.3 = i;
                }
                c.4 = i;
            }
            _ => {
                if let Some(c) = cur.take() {
                    flush(&mut out, c);
                }
                cur = Some((col, i, i, i, i));
            }
        }
    }
    if let Some(c) = cur.take() {
        flush(&mut out, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_of_covers_the_range() {
        assert_eq!(column_of(0, 0, 100, 10), 0);
        assert_eq!(column_of(9, 0, 100, 10), 0);
        assert_eq!(column_of(10, 0, 100, 10), 1);
        assert_eq!(column_of(99, 0, 100, 10), 9);
        assert_eq!(column_of(100, 0, 100, 10), 9, "t1 is in the last column");
        assert_eq!(column_of(-5, 0, 100, 10), 0);
        assert_eq!(column_of(500, 0, 100, 10), 9);
        assert_eq!(column_of(7, 7, 7, 10), 0, "a single instant");
        // large timestamps do not overflow
        assert_eq!(column_of(i64::MAX / 2, 0, i64::MAX / 2, 2000), 1999);
    }

    #[test]
    fn m4_keeps_first_min_max_last_per_column() {
        // column 0: t 0..9, column 1: t 10..19 (t0 = 0, t1 = 99, 10 columns => width 9.9)
        let pts = vec![(0, 5.0), (2, 1.0), (4, 9.0), (6, 3.0), (8, 4.0), (12, 7.0), (15, 7.0)];
        let r = m4_reduce(&pts, 0, 99, 10);
        assert_eq!(r, vec![(0, 5.0), (2, 1.0), (4, 9.0), (8, 4.0), (12, 7.0), (15, 7.0)]);
    }

    #[test]
    fn m4_dedups_and_filters() {
        let pts = vec![(-1, 1.0), (0, 1.0), (1, f64::NAN), (50, 2.0), (101, 3.0)];
        let r = m4_reduce(&pts, 0, 100, 4);
        assert_eq!(r, vec![(0, 1.0), (50, 2.0)]);
        assert!(m4_reduce(&[], 0, 100, 4).is_empty());
    }

    #[test]
    fn m4_sorts_an_unsorted_input() {
        let pts = vec![(50, 2.0), (0, 1.0), (25, 3.0)];
        let r = m4_reduce(&pts, 0, 100, 100);
        assert_eq!(r, vec![(0, 1.0), (25, 3.0), (50, 2.0)]);
    }

    #[test]
    fn m4_output_is_small_and_keeps_extremes() {
        let n = 50_000i64;
        let pts: Vec<(i64, f64)> = (0..n).map(|i| (i * 60, ((i * 7919) % 1000) as f64)).collect();
        let r = m4_reduce(&pts, 0, (n - 1) * 60, 500);
        assert!(r.len() <= 4 * 500);
        assert!(r.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(r.first(), pts.first());
        assert_eq!(r.last(), pts.last());
        let max = r.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let min = r.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        assert_eq!((min, max), (0.0, 999.0));
    }
}
