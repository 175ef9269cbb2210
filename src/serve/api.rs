//! fxsnap's own API (`/api/COMMAND`) and the charts (`/chart.png`,
//! `/chart.svg`): the URL read into the command's own typed options
//! (`options::url_reading`, `options::url_chart`: the definitions the
//! command line reads, no command-line parser), answered with the bytes the
//! command writes (`export::reading`, `query::panels::range_chart`), from
//! the request's store in its read transaction, on a blocking thread.

use super::answer::Handover;
use super::answer::{Answer, CacheKind};
use crate::chart::ImageFormat;
use crate::error::Error;
use crate::model::Instant;
use crate::options::url::{url_words, UrlQuery};
use crate::options::{Defaults, URL_READINGS};
use crate::query::panels::{chart_error, check_vs, nothing_to_chart, range_chart, ChartAsk, RangeChart};
use crate::store::Store;

/// `/api/COMMAND?…`: the command's `--format json` (default), `csv` or
/// `jsonl` output, from `store` (inside the request's read transaction).
/// A long output is streamed through `handover` as it is written. `now`:
/// the request's (spans, convert's `at`); `clock`: check's ages.
pub(crate) fn command(
    store: &Store,
    defaults: &Defaults,
    command: &str,
    q: &UrlQuery,
    now: Instant,
    clock: Instant,
    handover: &Handover,
) -> Answer {
    let asked = match crate::options::url_reading(command, q, defaults, now, clock) {
        Ok(Some(asked)) => asked,
        Ok(None) => return Answer::error(404, "error", &format!("no command {command} in the API: {}", URL_READINGS.join(", "))),
        Err(e) => return error_answer(&e),
    };
    let content_type = asked.format.content_type();
    let cache = if asked.past { CacheKind::Past } else { CacheKind::Relative };
    let mut body = handover.writer(content_type, cache);
    let written = crate::export::reading::write(store, &asked.reading, now, &mut body);
    match written.and_then(|()| Ok(body.finish()?)) {
        Ok(body) => Answer { status: 200, content_type, body, cache, reason: None },
        Err(e) => error_answer(&e),
    }
}

/// The status of a command's error: a bad parameter 400, nothing to answer
/// 404, a store that cannot be read 503; the message in a URL's words.
fn error_answer(e: &Error) -> Answer {
    let status = match e {
        Error::Usage(_) | Error::Invalid(_) | Error::Chart(_) => 400,
        Error::NotFound(_) => 404,
        Error::NoDatabase(_) | Error::Database { .. } | Error::Io { .. } => 503,
        _ => 500,
    };
    Answer::error(status, "error", &url_words(&e.to_string()))
}

/// `/chart.png` and `/chart.svg`: the picture `fxsnap chart` draws for the
/// same options (`query::panels::range_chart`, the command's own code), from
/// the request's store in its read transaction, encoded in memory.
pub(crate) fn chart(store: &Store, defaults: &Defaults, format: ImageFormat, q: &UrlQuery, now: Instant) -> Answer {
    let (ask, past) = match crate::options::url_chart(q, defaults, now) {
        Ok(a) => a,
        Err(e) => return error_answer(&e),
    };
    let cache = if past { CacheKind::Past } else { CacheKind::Relative };
    let content_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Svg => "image/svg+xml",
    };
    match draw(store, &ask, format, now).map_err(within_limits) {
        Ok(body) => Answer { status: 200, content_type, body, cache, reason: None },
        Err(e) => error_answer(&e),
    }
}

/// One chart of the options, its bytes.
fn draw(store: &Store, ask: &ChartAsk, format: ImageFormat, now: Instant) -> crate::error::Result<Vec<u8>> {
    let resolved = ask.selection.resolve_with_cross(store)?;
    check_vs(&resolved.direct, &resolved.cross, ask.vs.as_ref())?;
    let to = ask.selection.to;
    match range_chart(store, &resolved.direct, &resolved.cross, ask, ask.selection.from, to, now)? {
        RangeChart::Drawn(opts, panels) => crate::chart::render_bytes(&opts, &panels, format).map_err(|e| chart_error(e, "")),
        RangeChart::Empty(empty) => Err(nothing_to_chart("", Some(&empty))),
        RangeChart::Nothing => Err(nothing_to_chart("", None)),
    }
}

/// A chart too large for the picture asked: the advice a URL can follow
/// within the server's limits (a height it allows, or all in one panel).
fn within_limits(e: Error) -> Error {
    let (Error::Usage(message) | Error::Chart(message)) = &e else { return e };
    let Some((needed, said)) = needed_height(message) else { return e };
    let max = crate::options::chart::URL_MAX_SIDE;
    let advice = if needed <= max {
        format!("ask for height={needed} (at most {max}), fewer pairs, or index=true")
    } else {
        format!("more than the {max} pixels this server draws: ask for fewer pairs, such as pair=KZT,UZS")
    };
    Error::Usage(format!("{said}; {advice}"))
}

/// The height a chart's size message says it needs (`… a height of at
/// least 1234 …`), and the message up to that number.
fn needed_height(message: &str) -> Option<(u32, &str)> {
    let at = message.find("height of at least ")? + "height of at least ".len();
    let len = message[at..].find(|c: char| !c.is_ascii_digit()).unwrap_or(message.len() - at);
    Some((message[at..at + len].parse().ok()?, &message[..at + len]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_too_tall_says_what_to_ask_within_the_limits() {
        let tall = Error::Usage("15 panels need a height of at least 2400: ask for fewer pairs (--pair), draw them in one panel (--index), or give a larger --height".into());
        let m = within_limits(tall).to_string();
        assert!(m.contains("height=2400") && !m.contains("--"), "{m}");
        let taller = Error::Usage("60 panels need a height of at least 9600: ask for fewer pairs".into());
        let m = within_limits(taller).to_string();
        assert!(m.contains("pair=KZT,UZS") && !m.contains("height=9600"), "{m}");
    }
}
