//! Pixel columns: which column of a chart a time falls in, linear or snapped to whole UTC days
//! (hours), the one function both the reduction and the renderer use.

/// The pixel column (0-based, `< columns`) that the time `t` falls in, for a range `t0..=t1`
/// drawn over `columns` columns: `c = (t - t0) * columns / (t1 - t0)` (integer division), and
/// `t1` itself in the last column. Times before `t0` give 0 and times after `t1` the last column;
/// a range with `t1 <= t0` (a single instant) puts everything in column 0.
pub fn column_of(t: i64, t0: i64, t1: i64, columns: u32) -> u32 {
    if columns <= 1 || t1 <= t0 || t <= t0 {
        return 0;
    }
    let span = i128::from(t1) - i128::from(t0);
    let c = ((i128::from(t) - i128::from(t0)) * i128::from(columns)) / span;
    // 0 <= c here (t > t0), and it is capped below `columns`.
    u32::try_from(c.min(i128::from(columns) - 1)).unwrap_or(0)
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
    let span = i128::from(t1) - i128::from(t0);
    let cols = i128::from(columns);
    let linear = i128::from(t0) + (i128::from(c) * span + cols - 1) / cols;
    let snap = i128::from(snap);
    let down = linear.div_euclid(snap) * snap;
    let start = if (linear - down) * 2 >= snap { down + snap } else { down };
    i64::try_from(start).unwrap_or(if start < 0 { i64::MIN } else { i64::MAX })
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
    fn snapped_columns_hold_whole_days() {
        const DAY: i64 = 86_400;
        let (t0, t1, cols) = (1_000_000_007, 1_000_000_007 + 3000 * DAY, 1000);
        for d in 1..2999 {
            let start = (t0 / DAY + d) * DAY;
            assert_eq!(column_of_snapped(start, t0, t1, cols, DAY), column_of_snapped(start + DAY - 1, t0, t1, cols, DAY), "day {d}");
            let linear = column_of(start, t0, t1, cols);
            assert!(column_of_snapped(start, t0, t1, cols, DAY).abs_diff(linear) <= 1);
        }
    }
}
