//! `check`'s findings as the lines it reports, one a finding.

use crate::query::check::Finding;

/// One finding in words: what, the values and times, and the limit passed.
pub fn message(f: &Finding) -> String {
    match f {
        Finding::Stale { shown, source, rate, at, age_secs, limit } => {
            format!("{shown} from {source}: newest observation {rate} at {at}, {} old (--max-age {limit})", span(*age_secs))
        }
        Finding::Moved { shown, source, from, to, pct, beyond, limit } => {
            let pct = pct.round_dp(2).normalize();
            let note = match beyond.map(|b| b.round_dp(2).normalize()) {
                Some(b) if b != pct => format!(" ({b:+}% beyond the quotes' precision)"),
                _ => String::new(),
            };
            format!("{shown} from {source}: {} at {} to {} at {}, {pct:+}%{note} (--max-move {limit})", from.0, from.1, to.0, to.1)
        }
    }
}

/// `3d 4h`, `5h 12m`, `40m`.
fn span(secs: i64) -> String {
    let (d, h, m) = (secs / 86400, secs % 86400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_days_hours_minutes() {
        assert_eq!(span(3 * 86400 + 4 * 3600 + 5), "3d 4h");
        assert_eq!(span(40 * 60), "40m");
    }
}
