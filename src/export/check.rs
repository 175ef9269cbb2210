//! `check`'s findings as the lines it reports, one a finding.

use crate::query::check::Finding;
use crate::timespec::ago;

/// One finding in words: what, the values and times, and the limit passed.
pub fn message(f: &Finding) -> String {
    match f {
        Finding::Stale { shown, source, rate, at, age_secs, limit } => {
            format!("{shown} from {source}: newest observation {rate} at {at}, {} old (--max-age {limit})", ago(*age_secs))
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
