//! `check`'s findings as the lines it reports, one a finding, and as
//! records (`--format csv|json|jsonl`, `/api/check`).

use std::io::Write;

use super::{Cell, Format, RecordWriter};
use crate::error::Result;
use crate::query::check::Finding;
use crate::timespec::ago;

/// A stale series fills `rate`, `at` (its newest observation) and
/// `age_seconds`; a move fills `from_*`, `rate`, `at` (where it moved to),
/// `change_pct` and, when a quote is marked low precision, `beyond_precision_pct`.
const COLUMNS: &[&str] = &[
    "pair",
    "source",
    "finding",
    "from_rate",
    "from_at",
    "rate",
    "at",
    "age_seconds",
    "change_pct",
    "beyond_precision_pct",
    "limit",
    "message",
];

/// The findings as records in `format` (no findings: no records).
pub fn write_findings(out: &mut dyn Write, format: Format, findings: &[Finding]) -> Result<()> {
    let mut w = RecordWriter::new(out, format, COLUMNS);
    for f in findings {
        let said = message(f);
        let row: Vec<Cell> = match f {
            Finding::Stale { shown, source, rate, at, age_secs, limit } => vec![
                shown.to_string().into(),
                source.to_string().into(),
                "stale".into(),
                Cell::Empty,
                Cell::Empty,
                rate.to_string().into(),
                at.rfc3339().into(),
                Cell::Number(age_secs.to_string()),
                Cell::Empty,
                Cell::Empty,
                limit.as_str().into(),
                said.into(),
            ],
            Finding::Moved { shown, source, from, to, pct, beyond, limit } => vec![
                shown.to_string().into(),
                source.to_string().into(),
                "moved".into(),
                from.0.to_string().into(),
                from.1.rfc3339().into(),
                to.0.to_string().into(),
                to.1.rfc3339().into(),
                Cell::Empty,
                shown_pct(*pct).to_string().into(),
                beyond.map(|b| shown_pct(b).to_string()).into(),
                limit.as_str().into(),
                said.into(),
            ],
        };
        w.write(row)?;
    }
    w.finish()
}

/// One finding in words: what, the values and times, and the limit passed.
pub fn message(f: &Finding) -> String {
    match f {
        Finding::Stale { shown, source, rate, at, age_secs, limit } => {
            format!("{shown} from {source}: newest observation {rate} at {at}, {} old (--max-age {limit})", ago(*age_secs))
        }
        Finding::Moved { shown, source, from, to, pct, beyond, limit } => {
            let pct = shown_pct(*pct);
            let note = match beyond.map(shown_pct) {
                Some(b) if b != pct => format!(" ({b:+}% beyond the quotes' precision)"),
                _ => String::new(),
            };
            format!("{shown} from {source}: {} at {} to {} at {}, {pct:+}%{note} (--max-move {limit})", from.0, from.1, to.0, to.1)
        }
    }
}

/// A finding's percentage as the line and the row both show it: two decimals at most.
fn shown_pct(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp(2).normalize()
}
