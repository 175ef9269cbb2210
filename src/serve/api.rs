//! fxsnap's own API (`/api/COMMAND`) and the charts (`/chart.png`,
//! `/chart.svg`): a command's options as query parameters of the same
//! names, read with the command line's own definitions (so a bad parameter
//! gets the command's own message), answered with the bytes the command
//! writes.
//!
//! How: the query becomes the command's arguments (`pair=KZT,UZS` →
//! `--pair KZT,UZS`, `cross=true` → `--cross`), parsed by clap into the
//! same typed options the command line builds, the config file's
//! `[defaults]` applied as for a command; then the command's own query and
//! exporter write into memory (`export::reading`), from the
//! request's store in its read transaction, on a blocking thread. The
//! chart is drawn by `fxsnap chart`'s own code (`query::panels::range_chart`)
//! and encoded in memory.

use clap::{CommandFactory, Parser};

use super::answer::{Answer, CacheKind, JSON};
use super::stream::Handover;
use crate::chart::ImageFormat;
use crate::cli::{Cli, Command};
use crate::config::{Config, Invocation};
use crate::error::Error;
use crate::model::Instant;
use crate::query::panels::{chart_error, check_vs, nothing_to_chart, range_chart, RangeChart};
use crate::store::Store;

/// The reading commands `/api/` answers.
pub(crate) const COMMANDS: [&str; 7] = ["latest", "history", "stats", "convert", "conflicts", "inputs", "check"];
/// The largest chart the server draws, each way.
const MAX_SIDE: u32 = 4000;

/// Options that name files or settings of the server's own: never from a URL.
const REFUSED: [&str; 4] = ["db", "output", "o", "config"];

/// The command line of `fxsnap COMMAND` for a query: its arguments, or the
/// 400 to answer. `positional` names the command's positional arguments in
/// order (convert's `amount`, `from`, `to`).
fn argv(command: &str, query: &[(String, String)], positional: &[&str]) -> std::result::Result<Vec<String>, Answer> {
    let cli = Cli::command();
    let sub = cli.find_subcommand(command).ok_or_else(|| Answer::error(404, "error", "not found"))?;
    let mut args = vec!["fxsnap".to_string(), command.to_string()];
    let mut pos: Vec<Option<String>> = vec![None; positional.len()];
    for (k, v) in query {
        if REFUSED.contains(&k.as_str()) {
            return Err(Answer::error(400, "error", &format!("`{k}` cannot be given in a URL")));
        }
        if let Some(i) = positional.iter().position(|p| p == k) {
            pos[i] = Some(v.clone());
            continue;
        }
        let flag = sub.get_arguments().find(|a| a.get_long() == Some(k.as_str())).is_some_and(|a| !a.get_action().takes_values());
        if flag {
            match v.as_str() {
                "true" => args.push(format!("--{k}")),
                "false" => {}
                _ => return Err(Answer::error(400, "error", &format!("`{k}` is a flag: true or false, not {v:?}"))),
            }
        } else {
            args.push(format!("--{k}"));
            args.push(v.clone());
        }
    }
    for (name, value) in positional.iter().zip(pos) {
        match value {
            Some(v) => args.push(v),
            None => return Err(Answer::error(400, "error", &format!("`{name}` is required"))),
        }
    }
    Ok(args)
}

/// clap's message for a command line it refuses, as one line.
fn usage_message(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// `/api/COMMAND?…`: the command's `--format json` (default), `csv` or
/// `jsonl` output, from `store` (inside the request's read transaction).
/// A long output is streamed through `handover` as it is written.
pub(crate) fn command(
    store: &Store,
    config: Option<&Config>,
    command: &str,
    query: &[(String, String)],
    now: Instant,
    handover: &Handover,
) -> Answer {
    if !COMMANDS.contains(&command) {
        return Answer::error(404, "error", &format!("no command {command} in the API: {}", COMMANDS.join(", ")));
    }
    let mut query = query.to_vec();
    let format = match query.iter().rposition(|(k, _)| k == "format") {
        Some(i) => query.remove(i).1,
        None => "json".to_string(),
    };
    let content_type = match format.as_str() {
        "json" => JSON,
        "csv" => "text/csv; charset=utf-8",
        "jsonl" => "application/x-ndjson",
        other => return Answer::error(400, "error", &format!("format {other:?}: the API answers json, csv or jsonl")),
    };
    query.push(("format".into(), format));
    let positional: &[&str] = if command == "convert" { &["amount", "from", "to"] } else { &[] };
    let args = match argv(command, &query, positional) {
        Ok(a) => a,
        Err(a) => return a,
    };
    let mut cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return Answer::error(400, "error", &usage_message(&e)),
    };
    if let Some(config) = config {
        config.apply(&mut cli.command, &Invocation::default());
    }
    let cache = if closed_range(command, &query, now) { CacheKind::Past } else { CacheKind::Relative };
    let mut body = handover.writer(content_type, cache);
    let written = cli.command.reading(now).and_then(|ask| crate::export::reading::write(store, &ask, now, &mut body));
    match written.and_then(|()| Ok(body.finish()?)) {
        Ok(body) => Answer { status: 200, content_type, body, cache, reason: None },
        Err(e) => error_answer(&e),
    }
}

/// The status of a command's error: a bad parameter 400, nothing to answer
/// 404, a store that cannot be read 503.
fn error_answer(e: &Error) -> Answer {
    let status = match e {
        Error::Usage(_) | Error::Invalid(_) | Error::Chart(_) => 400,
        Error::NotFound(_) => 404,
        Error::NoDatabase(_) | Error::Database { .. } | Error::Io { .. } => 503,
        _ => 500,
    };
    Answer::error(status, "error", &e.to_string())
}

/// Whether the answer is of a closed past range, which changes only if the
/// store is corrected: its end (`to`; convert's `at`) a date or time before
/// today, and its start (`from`), if given, one too (a span or `now` moves
/// with the clock). `latest` and `check` count ages to now: never.
fn closed_range(command: &str, query: &[(String, String)], now: Instant) -> bool {
    let absolute = |v: &str| v.len() >= 10 && v.as_bytes()[4] == b'-';
    let (end_key, start_key) = match command {
        "latest" | "check" => return false,
        "convert" => ("at", None),
        _ => ("to", Some("from")),
    };
    let Some(end) = query.iter().rev().find(|(k, _)| k == end_key).map(|(_, v)| v.as_str()) else {
        return false;
    };
    let today = now.datetime().date_naive().format("%Y-%m-%d").to_string();
    let ended = absolute(end) && end.get(..10).is_some_and(|day| day < today.as_str());
    ended && start_key.is_none_or(|key| query.iter().filter(|(k, _)| k == key).all(|(_, v)| absolute(v)))
}

/// `/chart.png` and `/chart.svg`: the picture `fxsnap chart` draws for the
/// same options (`query::panels::range_chart`, the command's own code), from
/// the request's store in its read transaction, encoded in memory.
pub(crate) fn chart(store: &Store, ext: &str, query: &[(String, String)], now: Instant) -> Answer {
    for (k, v) in query {
        if k == "ranges" {
            return Answer::error(400, "error", "`ranges` draws several files: ask for one range with from and to");
        }
        if (k == "width" || k == "height") && v.parse::<u32>().is_ok_and(|n| n > MAX_SIDE) {
            return Answer::error(400, "error", &format!("{k} {v}: at most {MAX_SIDE}"));
        }
    }
    let mut args = match argv("chart", query, &[]) {
        Ok(a) => a,
        Err(a) => return a,
    };
    // chart's -o is required; the name only says the format here.
    args.push("-o".into());
    args.push(format!("chart.{ext}"));
    let parsed = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return Answer::error(400, "error", &usage_message(&e)),
    };
    let Command::Chart(chart_args) = parsed.command else { return Answer::error(400, "error", "not a chart") };
    let format = if ext == "png" { ImageFormat::Png } else { ImageFormat::Svg };
    let cache = if closed_range("chart", query, now) { CacheKind::Past } else { CacheKind::Relative };
    match draw(store, &chart_args, format, now) {
        Ok(body) => {
            Answer { status: 200, content_type: if ext == "png" { "image/png" } else { "image/svg+xml" }, body, cache, reason: None }
        }
        Err(e) => error_answer(&e),
    }
}

/// One chart of the options, its bytes.
fn draw(store: &Store, args: &crate::cli::ChartArgs, format: ImageFormat, now: Instant) -> crate::error::Result<Vec<u8>> {
    let ask = args.ask()?;
    let resolved = ask.selection.resolve_with_cross(store)?;
    check_vs(&resolved.direct, &resolved.cross, ask.vs.as_ref())?;
    let to = ask.selection.to;
    match range_chart(store, &resolved.direct, &resolved.cross, &ask, ask.selection.from, to, now)? {
        RangeChart::Drawn(opts, panels) => crate::chart::render_bytes(&opts, &panels, format).map_err(|e| chart_error(e, "")),
        RangeChart::Empty(empty) => Err(nothing_to_chart("", Some(&empty))),
        RangeChart::Nothing => Err(nothing_to_chart("", None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_query_becomes_the_commands_arguments() {
        let a = argv(
            "history",
            &q(&[("pair", "KZT,UZS"), ("source", "official"), ("from", "90d"), ("cross", "true"), ("invert", "false")]),
            &[],
        )
        .unwrap();
        assert_eq!(a, ["fxsnap", "history", "--pair", "KZT,UZS", "--source", "official", "--from", "90d", "--cross"]);
        let c = argv("convert", &q(&[("to", "EUR"), ("amount", "100"), ("from", "KZT")]), &["amount", "from", "to"]).unwrap();
        assert_eq!(c, ["fxsnap", "convert", "100", "KZT", "EUR"]);
        assert_eq!(argv("history", &q(&[("cross", "yes")]), &[]).unwrap_err().status, 400);
        assert_eq!(argv("history", &q(&[("db", "/etc/passwd")]), &[]).unwrap_err().status, 400);
        assert_eq!(argv("convert", &q(&[("amount", "1")]), &["amount", "from", "to"]).unwrap_err().status, 400);
    }

    #[test]
    fn only_a_range_ended_before_today_with_a_fixed_start_is_past() {
        let now = Instant::from_unix(1_779_710_400); // 2026-05-25T12:00:00Z
        let past = |command: &str, pairs: &[(&str, &str)]| closed_range(command, &q(pairs), now);
        assert!(past("history", &[("to", "2026-04-01")]));
        assert!(past("history", &[("from", "2026-01-01"), ("to", "2026-04-01T12:00:00Z")]));
        assert!(past("convert", &[("amount", "1"), ("from", "KZT"), ("to", "UZS"), ("at", "2026-04-01")]));
        assert!(!past("history", &[("from", "36h"), ("to", "2026-04-01")]), "a start that moves with the clock");
        assert!(!past("history", &[("from", "now"), ("to", "2026-04-01")]));
        assert!(!past("history", &[("to", "2026-05-25")]), "today is not over");
        assert!(!past("history", &[("to", "2027-01-01")]), "the future");
        assert!(!past("history", &[("to", "now")]));
        assert!(!past("history", &[]));
        assert!(!past("convert", &[("amount", "1"), ("from", "KZT"), ("to", "2026-04-01")]), "convert's `to` is a currency");
        assert!(!past("check", &[("to", "2026-04-01")]), "check counts ages to now");
        assert!(!past("latest", &[("to", "2026-04-01")]));
    }
}
