//! `--vs SOURCE`: how far a source is from a reference source, in percent, on each UTC day both
//! have a value: `(x / reference − 1) × 100`, from each source's last value of the day, drawn at
//! the time of the compared source's last observation that day.

use std::collections::BTreeMap;

const DAY: i64 = 86_400;

/// The last point of each UTC day of a time-sorted series: day number → (time, value).
pub fn last_per_day(points: &[(i64, f64)]) -> BTreeMap<i64, (i64, f64)> {
    let mut days = BTreeMap::new();
    for &(t, v) in points {
        if v.is_finite() {
            days.insert(t.div_euclid(DAY), (t, v));
        }
    }
    days
}

/// The deviation in % of `other` from `reference` on each day both have (a reference value of
/// 0 gives no point), at the time of `other`'s point.
pub fn deviation(other: &BTreeMap<i64, (i64, f64)>, reference: &BTreeMap<i64, (i64, f64)>) -> Vec<(i64, f64)> {
    other
        .iter()
        .filter_map(|(day, &(t, x))| {
            let &(_, r) = reference.get(day)?;
            (r != 0.0).then(|| (t, (x / r - 1.0) * 100.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_days_only() {
        let r = last_per_day(&[(0, 2.0), (3600, 4.0), (DAY + 5, 5.0)]);
        assert_eq!(r.get(&0), Some(&(3600, 4.0)));
        let x = last_per_day(&[(100, 4.4), (2 * DAY, 9.0)]);
        let d = deviation(&x, &r);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, 100);
        assert!((d[0].1 - 10.0).abs() < 1e-9);
    }
}
