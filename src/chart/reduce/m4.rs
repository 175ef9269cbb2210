//! M4 reduction: keep, for each pixel column, the first, the lowest, the highest and the last
//! observation, which is all a line chart can show of that column (columns of
//! [`super::column_of_snapped`]).

use super::columns::ColumnCursor;

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

/// [`m4_reduce`] over the columns of [`super::column_of_snapped`].
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

    let mut cursor = ColumnCursor::new(t0, t1, columns, snap);
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
        let col = cursor.column(t);
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
