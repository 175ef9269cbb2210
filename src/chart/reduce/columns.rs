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
    // the same integer arithmetic in i64 when it cannot overflow (every real chart), i128 else
    if let (Some(dt), Some(span)) = (t.checked_sub(t0), t1.checked_sub(t0)) {
        if let Some(p) = dt.checked_mul(i64::from(columns)) {
            return u32::try_from((p / span).min(i64::from(columns) - 1)).unwrap_or(0);
        }
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
    // the same arithmetic in i64 when it cannot overflow, i128 else
    let cols = i64::from(columns);
    let fast = t1
        .checked_sub(t0)
        .and_then(|span| span.checked_mul(i64::from(c)))
        .and_then(|p| p.checked_add(cols - 1))
        .and_then(|p| t0.checked_add(p / cols))
        .and_then(|linear| {
            let down = linear.div_euclid(snap) * snap;
            let up = down.checked_add(snap)?;
            Some(if (linear - down) * 2 >= snap { up } else { down })
        });
    if let Some(start) = fast {
        return start;
    }
    let span = i128::from(t1) - i128::from(t0);
    let cols = i128::from(columns);
    let linear = i128::from(t0) + (i128::from(c) * span + cols - 1) / cols;
    let snap = i128::from(snap);
    let down = linear.div_euclid(snap) * snap;
    let start = if (linear - down) * 2 >= snap { down + snap } else { down };
    i64::try_from(start).unwrap_or(if start < 0 { i64::MIN } else { i64::MAX })
}

/// [`column_of_snapped`] for times that mostly come in order: it remembers the time bounds of
/// the last column found, so a time in the same column costs two comparisons instead of three
/// divisions. The bounds are checked against [`column_of_snapped`] itself before they are used,
/// so the answers are the same.
pub struct ColumnCursor {
    t0: i64,
    t1: i64,
    columns: u32,
    snap: i64,
    /// The last column found and its times `lo..hi`.
    cached: Option<(u32, i64, i64)>,
}

impl ColumnCursor {
    pub fn new(t0: i64, t1: i64, columns: u32, snap: i64) -> ColumnCursor {
        ColumnCursor { t0, t1, columns, snap, cached: None }
    }

    /// The first time of column `c` (≥ 1), as [`column_of_snapped`] draws the boundaries.
    fn start(&self, c: u32) -> i64 {
        if self.snap > 1 {
            snapped_start(c, self.t0, self.t1, self.columns, self.snap)
        } else {
            snapped_start(c, self.t0, self.t1, self.columns, 1)
        }
    }

    pub fn column(&mut self, t: i64) -> u32 {
        let (t0, t1, cols, snap) = (self.t0, self.t1, self.columns, self.snap);
        let of = |x: i64| column_of_snapped(x, t0, t1, cols, snap);
        if let Some((c, lo, hi)) = self.cached {
            if lo <= t && t < hi {
                return c;
            }
            // Times in order mostly step into the next column, whose start
            // (`hi`) was checked with this one: only its end is new.
            if t >= hi && c + 1 < cols {
                let n = c + 1;
                let next_hi = if n + 1 >= cols { i64::MAX } else { self.start(n + 1) };
                if t < next_hi && (n + 1 >= cols || (of(next_hi - 1) == n && of(next_hi) == n + 1)) {
                    self.cached = Some((n, hi, next_hi));
                    return n;
                }
            }
        }
        let c = of(t);
        let lo = if c == 0 { i64::MIN } else { self.start(c) };
        let hi = if c + 1 >= cols { i64::MAX } else { self.start(c + 1) };
        let exact = lo <= t
            && t < hi
            && (c == 0 || (of(lo) == c && of(lo - 1) == c - 1))
            && (c + 1 >= cols || (of(hi - 1) == c && of(hi) == c + 1));
        self.cached = exact.then_some((c, lo, hi));
        c
    }
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

    /// The i128 arithmetic, for checking the i64 fast paths against.
    fn column_wide(t: i64, t0: i64, t1: i64, columns: u32) -> u32 {
        if columns <= 1 || t1 <= t0 || t <= t0 {
            return 0;
        }
        let c = ((i128::from(t) - i128::from(t0)) * i128::from(columns)) / (i128::from(t1) - i128::from(t0));
        u32::try_from(c.min(i128::from(columns) - 1)).unwrap()
    }

    #[test]
    fn fast_paths_agree_with_wide_arithmetic() {
        let mut x: u64 = 99;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let t0 = i64::try_from(x >> 34).unwrap() - (1 << 29);
            let span = i64::try_from((x >> 7) % 3_000_000_000).unwrap() + 1;
            let t = t0 + i64::try_from((x >> 3) % u64::try_from(span + 10).unwrap()).unwrap() - 5;
            let cols = u32::try_from((x >> 40) % 20_000).unwrap() + 1;
            assert_eq!(column_of(t, t0, t0 + span, cols), column_wide(t, t0, t0 + span, cols));
        }
    }

    #[test]
    fn the_cursor_agrees_with_column_of_snapped() {
        let mut x: u64 = 5;
        for (t0, t1, cols, snap) in [
            (1_000_000_007, 1_000_000_007 + 3000 * 86_400, 1000, 86_400),
            (0, 99, 10, 0),
            (17, 17 + 86_400 * 40, 1031, 3600),
            (5, 5 + 86_400 * 730, 1031, 21_600),
        ] {
            let mut cur = ColumnCursor::new(t0, t1, cols, snap);
            let mut t = t0 - 50;
            while t <= t1 + 50 {
                assert_eq!(cur.column(t), column_of_snapped(t, t0, t1, cols, snap), "{t}");
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                t += i64::try_from(x >> 50).unwrap() % ((t1 - t0) / 500 + 2);
            }
            // and out of order
            for k in 0..2000 {
                let t = t0 + (k * 7919) % (t1 - t0);
                assert_eq!(cur.column(t), column_of_snapped(t, t0, t1, cols, snap));
            }
        }
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
