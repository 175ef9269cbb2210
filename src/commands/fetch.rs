//! `fxsnap fetch`: the built-in sources' documents over HTTP, each response
//! one input stored in its own transaction (DESIGN "fetch").

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;

use crate::cli::FetchArgs;
use crate::error::{Error, Result};
use crate::fetch::ingest::StoreSink;
use crate::fetch::origin::{self, Origins};
use crate::fetch::{self, plan, When};
use crate::selection::OFFICIAL;
use crate::sources::{self, Source};
use crate::store::ConflictPolicy;
use crate::summary::Summary;

pub fn run(db: &Path, args: &FetchArgs) -> Result<()> {
    let timeout = parse_duration(&args.timeout, "--timeout")?;
    if timeout.is_zero() {
        return Err(Error::Usage("--timeout 0: a request needs some time".into()));
    }
    let delay = parse_duration(&args.delay, "--delay")?;
    let when = when(args)?;
    let sources = sources(&args.sources, when)?;
    let requests = plan::plan(&sources, when, &origins_from_env(&sources)?)?;
    let mut sink = StoreSink::new(db);
    if args.dry_run {
        // Written with `?`, not println!: a closed pipe (`| head`) ends quietly.
        let mut out = crate::export::stdout();
        for r in &requests {
            if r.dated && !args.refetch && sink.has_read_only(&r.url)? {
                continue;
            }
            writeln!(out, "{}", r.url)?;
        }
        out.flush()?;
        return Ok(());
    }
    let opts = fetch::Options {
        policy: args.on_conflict.map_or(default_policy(), |c| c.policy()),
        refetch: args.refetch,
        archive: args.archive.clone(),
        settings: fetch::http::Settings { timeout, delay },
        quiet: args.quiet,
    };
    let mut summary = Summary::new(opts.policy, opts.quiet);
    fetch::run(&requests, &mut sink, &opts, &mut summary)?;
    summary.finish()
}

/// `fetch` keeps the value seen last (DESIGN: `--on-conflict newest`).
fn default_policy() -> ConflictPolicy {
    ConflictPolicy::Newest
}

/// The dates asked for: current, one day, or a range.
fn when(args: &FetchArgs) -> Result<When> {
    let today = fetch::today();
    // Banks publish the next day's rate the day before (NBKR, CBR).
    let latest = today.checked_add_days(chrono::Days::new(sources::days_ahead())).unwrap_or(today);
    let day = |s: &str, what: &str| -> Result<NaiveDate> {
        let d = parse_day(s, what)?;
        if d > latest {
            return Err(Error::Usage(format!("{what} {d} is in the future (the latest day a bank may have published is {latest})")));
        }
        Ok(d)
    };
    Ok(match (&args.date, &args.from, &args.to) {
        (Some(d), None, None) => When::Day(day(d, "--date")?),
        (None, Some(f), to) => {
            let from = day(f, "--from")?;
            let to = match to {
                Some(t) => day(t, "--to")?,
                None => today,
            };
            When::Range(from, to)
        }
        (None, None, Some(_)) => return Err(Error::Usage("--to needs --from".into())),
        (None, None, None) => When::Current { today },
        (Some(_), _, _) => return Err(Error::Usage("--date is one day: give it, or --from and --to, not both".into())),
    })
}

/// `YYYY-MM-DD`, or a span back from now (`30d`).
fn parse_day(s: &str, what: &str) -> Result<NaiveDate> {
    let at = crate::timespec::parse_time(s, crate::timespec::End::Start, crate::timespec::now())
        .map_err(|e| Error::Usage(format!("{what} {s}: {e}")))?;
    Ok(at.datetime().date_naive())
}

/// The sources named (any case; `official` is the six central banks of
/// `--source official`, `all` every built-in one), or every built-in one;
/// past dates drop the ones without a past (the ticker) when no source is
/// named (or only `all`), and refuse them when they are.
fn sources(named: &[String], when: When) -> Result<Vec<&'static dyn Source>> {
    let past = !matches!(when, When::Current { .. });
    let names: Vec<&str> = named.iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()).collect();
    if names.iter().all(|n| n.eq_ignore_ascii_case("all")) {
        let today = fetch::today();
        return Ok(sources::REGISTRY.iter().copied().filter(|s| !past || s.past(today, today).is_ok()).collect());
    }
    let mut out: Vec<&'static dyn Source> = Vec::new();
    for n in names {
        let group: Vec<&str> = if n.eq_ignore_ascii_case("official") {
            OFFICIAL.to_vec()
        } else if n.eq_ignore_ascii_case("all") {
            return Err(Error::Usage("all is every source: give it alone, without other sources".into()));
        } else {
            vec![n]
        };
        for label in group {
            let Some(s) = sources::builtin(label) else {
                return Err(Error::Usage(format!(
                    "'{}' is not a source fetch knows (it knows {}, and official for the six central banks)",
                    crate::model::echo(label),
                    sources::labels().join(", ")
                )));
            };
            if !out.iter().any(|o| o.label() == s.label()) {
                out.push(s);
            }
        }
    }
    Ok(out)
}

/// `FXSNAP_<SOURCE>_ORIGIN` of each source asked, read here once.
fn origins_from_env(asked: &[&'static dyn Source]) -> Result<Origins> {
    let mut origins = Origins::default();
    for s in asked {
        let var = origin::variable(s.label());
        match std::env::var(&var) {
            Ok(v) => origins.set(s.label(), &v)?,
            Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => return Err(Error::Usage(format!("{var} is not valid UTF-8"))),
        }
    }
    Ok(origins)
}

/// `60`, `60s`, `0.5s`, `500ms`, `2m`.
pub fn parse_duration(s: &str, what: &str) -> Result<Duration> {
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let bad = || Error::Usage(format!("{what} {s}: expected seconds such as 60, 0.5s, 500ms or 2m"));
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v < 0.0 || v * scale > 3600.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60", "x").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("0.5s", "x").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("250ms", "x").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m", "x").unwrap(), Duration::from_secs(120));
        for bad in ["", "-1", "fast", "NaN", "2h"] {
            assert!(matches!(parse_duration(bad, "--delay"), Err(Error::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn sources_default_to_all_and_the_past_drops_the_ticker() {
        let labels = |s: Vec<&'static dyn Source>| s.iter().map(|s| s.label()).collect::<Vec<_>>();
        let today = When::Current { today: "2026-01-01".parse().unwrap() };
        assert_eq!(sources(&[], today).unwrap().len(), 7);
        let past = When::Day("2026-01-01".parse().unwrap());
        assert_eq!(labels(sources(&[], past).unwrap()), ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]);
        assert_eq!(labels(sources(&["NBK,cbr".into(), "nbk".into()], today).unwrap()), ["nbk", "cbr"]);
        assert!(matches!(sources(&["nbu".into()], today), Err(Error::Usage(_))));
        assert_eq!(labels(sources(&["Official".into()], today).unwrap()), ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]);
        assert_eq!(
            labels(sources(&["timesca,official".into(), "nbk".into()], today).unwrap()),
            ["timesca", "nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]
        );
        assert_eq!(sources(&["all".into()], today).unwrap().len(), 7);
        assert_eq!(labels(sources(&["ALL".into()], past).unwrap()), ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]);
        assert!(matches!(sources(&["all,nbk".into()], today), Err(Error::Usage(_))));
    }
}
