//! `fxsnap check`: SQLite's integrity check plus the store's own invariants,
//! and (DESIGN "check limits") the alerts a cron job wants: a series whose
//! newest observation is older than `--max-age`, or that moved more than
//! `--max-move` between two consecutive observations. Integrity problems
//! exit 1 before any limit is looked at; a limit passed exits 4.

use std::io::Write;
use std::path::Path;

use rust_decimal::Decimal;

use crate::cli::CheckArgs;
use crate::error::{Error, Result};
use crate::model::{Instant, Observation};
use crate::precision::{low_precision, move_beyond_precision};
use crate::selection::View;
use crate::store::Store;
use crate::timespec::{parse_time, End};

/// How far back `--max-move` looks without `--from`.
const DEFAULT_MOVE_DAYS: i64 = 7;

pub fn run(db: &Path, args: &CheckArgs) -> Result<()> {
    let now = crate::timespec::now();
    let max_age = args.max_age.as_deref().map(|s| parse_age(s, now)).transpose()?;
    let max_move = args.max_move.as_deref().map(parse_pct).transpose()?;
    let sel = args.select.selection()?;
    let store = Store::open_existing(db)?;
    let problems = store.check()?;
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("fxsnap: {}: {p}", db.display());
        }
        return Err(Error::CheckFailed(format!("{}: {} problem(s) found", db.display(), problems.len())));
    }
    let mut findings = Vec::new();
    if max_age.is_some() || max_move.is_some() {
        let views = sel.resolve(&store)?;
        if let Some((limit, text)) = &max_age {
            for v in &views {
                findings.extend(stale(&store, v, now, *limit, text)?);
            }
        }
        if let Some((limit, text)) = &max_move {
            let from = sel.from.unwrap_or(Instant::from_unix(now.unix() - DEFAULT_MOVE_DAYS * 86400));
            for v in &views {
                moves(&store, v, from, sel.to, *limit, text, &mut findings)?;
            }
        }
    }
    if findings.is_empty() {
        // Not println!: a closed pipe is a quiet success.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}: ok", db.display())?;
        out.flush()?;
        return Ok(());
    }
    for f in &findings {
        eprintln!("fxsnap: {f}");
    }
    let n = findings.len();
    Err(Error::LimitExceeded(format!("{}: {n} finding{} past the limits", db.display(), if n == 1 { "" } else { "s" })))
}

/// `--max-age`: a span such as `36h`, `2d`, `1w`, as seconds.
pub(crate) fn parse_age(s: &str, now: Instant) -> Result<(i64, String)> {
    let t = s.trim();
    let usage = |why: String| Error::Usage(format!("--max-age {s}: {why}"));
    if !t.ends_with(|c: char| c.is_ascii_alphabetic()) || t.eq_ignore_ascii_case("now") {
        return Err(usage("expected a span such as 36h, 2d or 1w".into()));
    }
    let back = parse_time(t, End::Start, now).map_err(|e| usage(e.to_string()))?;
    let secs = now.unix() - back.unix();
    if secs <= 0 {
        return Err(usage("the span must be positive".into()));
    }
    Ok((secs, t.to_string()))
}

/// `--max-move`: `5%` or `5`, a positive percentage.
pub(crate) fn parse_pct(s: &str) -> Result<(Decimal, String)> {
    let t = s.trim();
    let n = t.strip_suffix('%').unwrap_or(t).trim();
    match n.parse::<Decimal>() {
        Ok(d) if d > Decimal::ZERO => Ok((d, format!("{n}%"))),
        _ => Err(Error::Usage(format!("--max-move {s}: expected a positive percentage such as 5% or 0.5"))),
    }
}

fn name(v: &View, obs: &Observation) -> String {
    format!("{} from {}", v.shown_for(obs.pair), obs.source)
}

/// A series whose newest observation is older than the limit.
fn stale(store: &Store, v: &View, now: Instant, limit: i64, text: &str) -> Result<Option<String>> {
    let Some(obs) = store.latest(&v.series, None)? else { return Ok(None) };
    let age = now.unix() - obs.at.unix();
    if age <= limit {
        return Ok(None);
    }
    let shown = v.shown_for(obs.pair);
    Ok(Some(format!("{}: newest observation {} at {}, {} old (--max-age {text})", name(v, &obs), obs.rate_as(shown), obs.at, span(age))))
}

/// Every move between consecutive observations in the range over the limit.
fn moves(store: &Store, v: &View, from: Instant, to: Option<Instant>, limit: Decimal, text: &str, out: &mut Vec<String>) -> Result<()> {
    let mut prev: Option<Observation> = None;
    store.for_each_observation(&v.series, Some(from), to, |obs| {
        if let Some(p) = &prev {
            let shown = v.shown_for(obs.pair);
            let (a, b) = (p.rate_as(shown).decimal(), obs.rate_as(shown).decimal());
            let pct = (b - a).checked_div(a).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
            // Only the part beyond both values' last digit counts (DESIGN v3).
            let beyond = move_beyond_precision(a, p.rate.decimal(), b, obs.rate.decimal());
            if let (Some(pct), Some(beyond)) = (pct, beyond) {
                if beyond.abs() > limit {
                    let (pct, beyond) = (pct.round_dp(2).normalize(), beyond.round_dp(2).normalize());
                    // Said when a value is marked low precision (above 2%), as tables mark it.
                    let marked = low_precision(&[p.rate.decimal(), obs.rate.decimal()]).is_some();
                    let note = if marked && beyond != pct { format!(" ({beyond:+}% beyond the quotes' precision)") } else { String::new() };
                    out.push(format!(
                        "{}: {} at {} to {} at {}, {pct:+}%{note} (--max-move {text})",
                        name(v, &obs),
                        p.rate_as(shown),
                        p.at,
                        obs.rate_as(shown),
                        obs.at,
                    ));
                }
            }
        }
        prev = Some(obs);
        Ok(())
    })
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
    fn limits_parse() {
        let now = Instant::from_unix(10 * 86400);
        assert_eq!(parse_age("2d", now).unwrap().0, 2 * 86400);
        assert_eq!(parse_age("36h", now).unwrap().0, 36 * 3600);
        for bad in ["2", "now", "2026-01-01", "xd"] {
            assert!(matches!(parse_age(bad, now), Err(Error::Usage(_))), "{bad}");
        }
        assert_eq!(parse_pct("5%").unwrap().0, Decimal::from(5));
        assert_eq!(parse_pct("0.5").unwrap().1, "0.5%");
        for bad in ["0", "-1%", "five"] {
            assert!(matches!(parse_pct(bad), Err(Error::Usage(_))), "{bad}");
        }
        assert_eq!(span(3 * 86400 + 4 * 3600 + 5), "3d 4h");
        assert_eq!(span(40 * 60), "40m");
    }
}
