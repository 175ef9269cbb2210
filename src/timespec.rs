//! Times given on the command line: `YYYY-MM-DD`, RFC 3339 with an offset,
//! `now`, or a span back from now (`36h`, `90d`, `12w`, `6m`, `2y`). A time
//! that does not parse says what is wrong with it, so the user can fix it.

use chrono::{Datelike, Months, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::model::{time_problem, Instant};

/// The forms a time may take, for messages and `--help`.
pub const FORMS: &str =
    "YYYY-MM-DD, RFC 3339 with Z or an offset (2025-12-07T09:30:00Z, 2025-12-07T14:30:00+05:00), now, or a span back from now (36h, 90d, 12w, 6m, 2y)";

/// How far after now a snapshot may be dated: banks publish the next business
/// day's rate a day or three early (a Friday for Monday), never a week.
pub const MAX_AHEAD_DAYS: i64 = 7;

/// Which end of a range a bare date stands for: `--to 2015-12-31` includes
/// that whole day.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum End {
    Start,
    End,
}

/// Parses a time relative to `now`.
pub fn parse_time(s: &str, end: End, now: Instant) -> Result<Instant> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(i) = parse_span(t, now)? {
        return Ok(i);
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let start = Instant::start_of_day(d);
        return Ok(match end {
            End::Start => start,
            End::End => Instant::from_unix(start.unix() + 86_399),
        });
    }
    Instant::parse(t).map_err(|_| {
        let why = time_problem(t).unwrap_or_else(|| format!("use {FORMS}"));
        Error::Usage(format!("'{s}' is not a time: {why}"))
    })
}

/// Refuses a snapshot dated more than [`MAX_AHEAD_DAYS`] after `now`: a
/// typo in a year, or a wrong clock, would otherwise stand as the newest rate.
pub fn refuse_far_future(at: Instant, now: Instant) -> Result<()> {
    if at.unix() <= now.unix().saturating_add(MAX_AHEAD_DAYS * 86_400) {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "{at} is more than {MAX_AHEAD_DAYS} days after now ({now}): banks publish the next business day's rate a day or three early, \
         never a week; check the date (or this machine's clock)"
    )))
}

fn parse_span(t: &str, now: Instant) -> Result<Option<Instant>> {
    let Some(unit) = t.chars().last() else { return Ok(None) };
    let digits = &t[..t.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !"hdwmy".contains(unit) {
        return Ok(None);
    }
    let n: u32 = digits.parse().map_err(|_| Error::Usage(format!("span '{t}' is too long")))?;
    let too_far = || Error::Usage(format!("span '{t}' reaches before year 1"));
    let secs = |k: i64| now.unix().checked_sub(k.checked_mul(n as i64)?);
    let back = match unit {
        'h' => secs(3600).ok_or_else(too_far)?,
        'd' => secs(86_400).ok_or_else(too_far)?,
        'w' => secs(7 * 86_400).ok_or_else(too_far)?,
        'm' | 'y' => {
            let months = if unit == 'y' { n.checked_mul(12).ok_or_else(too_far)? } else { n };
            let dt = now.datetime().checked_sub_months(Months::new(months)).ok_or_else(too_far)?;
            if dt.year() < 1 {
                return Err(too_far());
            }
            dt.timestamp()
        }
        _ => return Ok(None),
    };
    Ok(Some(Instant::from_unix(back)))
}

/// One `--ranges` item: a span back from the end (`30d`, `1y`) or `all`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeSpec {
    /// As given, lower case: also the file-name suffix.
    pub label: String,
    /// `None` for `all`.
    span: Option<String>,
}

impl RangeSpec {
    /// Where the range starts when it ends at `end` (None for `all`).
    pub fn start(&self, end: Instant) -> Result<Option<Instant>> {
        let Some(span) = &self.span else { return Ok(None) };
        parse_time(span, End::Start, end).map(Some).map_err(|e| Error::Usage(format!("--ranges {}: {e}", self.label)))
    }

    /// In a sentence: `the last 30 days`, `all observations`.
    pub fn phrase(&self) -> String {
        match self.span {
            Some(_) => format!("the {}", self.describe()),
            None => self.describe(),
        }
    }

    /// For people: `last 30 days`, `last year`, `all observations`.
    pub fn describe(&self) -> String {
        let Some(span) = &self.span else { return "all observations".into() };
        let (n, unit) = span.split_at(span.len() - 1);
        let word = match unit {
            "h" => "hour",
            "d" => "day",
            "w" => "week",
            "m" => "month",
            _ => "year",
        };
        if n == "1" {
            format!("last {word}")
        } else {
            format!("last {n} {word}s")
        }
    }
}

/// Parses `--ranges`: comma-separated spans (`36h`, `30d`, `12w`, `6m`, `2y`) or `all`.
pub fn parse_ranges(s: &str) -> Result<Vec<RangeSpec>> {
    let mut out: Vec<RangeSpec> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let label = part.to_ascii_lowercase();
        let spec = if label == "all" {
            RangeSpec { label, span: None }
        } else {
            if !is_span(&label) {
                return Err(Error::Usage(format!("--ranges {part}: a range is a span back from the end (36h, 30d, 12w, 6m, 2y) or `all`")));
            }
            RangeSpec { span: Some(label.clone()), label }
        };
        if !out.contains(&spec) {
            out.push(spec);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage("--ranges: give at least one range (30d,1y,all)".into()));
    }
    Ok(out)
}

/// `36h`, `30d`, `12w`, `6m`, `2y`: a positive count (up to six digits) and
/// a unit. The one rule of a span option (`--ranges`, `--stale`,
/// `--max-age`); a time (`--from 90d`) also takes `0d`, which is now.
pub fn is_span(label: &str) -> bool {
    if !label.is_ascii() || label.len() < 2 {
        return false;
    }
    let (n, unit) = label.split_at(label.len() - 1);
    n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()) && n.bytes().any(|b| b != b'0') && matches!(unit, "h" | "d" | "w" | "m" | "y")
}

/// `--stale DUR` in seconds, counted back from `now`.
pub fn parse_stale(s: &str, now: Instant) -> Result<i64> {
    let label = s.trim().to_ascii_lowercase();
    if !is_span(&label) {
        return Err(Error::Usage(format!("--stale {s}: give a span such as 36h, 7d, 2w, 6m")));
    }
    let start = parse_time(&label, End::Start, now).map_err(|e| Error::Usage(format!("--stale {s}: {e}")))?;
    Ok(now.unix() - start.unix())
}

/// How long ago, for people: the one wording of an age (`latest`'s age
/// column, `convert`'s legs, the report, `check`'s findings). `40 s`,
/// `45 min`, `5 h` up to 48 hours (never "1 day"), then days with the hours
/// while they still matter (`2 days 5 h`, so `--max-age 2d` is seen passed),
/// `10 days` from ten on; `in the future` for a time after now.
pub fn ago(secs: i64) -> String {
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    match secs {
        s if s < 0 => "in the future".into(),
        s if s < 60 => format!("{s} s"),
        s if s < HOUR => format!("{} min", s / 60),
        s if s < 48 * HOUR => format!("{} h", s / HOUR),
        s if s < 10 * DAY && s % DAY >= HOUR => format!("{} days {} h", s / DAY, s % DAY / HOUR),
        s => format!("{} days", s / DAY),
    }
}

/// The current instant, to the second.
pub fn now() -> Instant {
    Instant::from_unix(Utc::now().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_one_wording() {
        let cases = [
            (-1, "in the future"),
            (0, "0 s"),
            (59, "59 s"),
            (60, "1 min"),
            (59 * 60 + 59, "59 min"),
            (3600, "1 h"),
            (47 * 3600 + 3599, "47 h"),
            (48 * 3600, "2 days"),
            (2 * 86_400 + 5 * 3600 + 7, "2 days 5 h"),
            (3 * 86_400 + 5, "3 days"),
            (10 * 86_400 + 5 * 3600, "10 days"),
            (365 * 86_400, "365 days"),
        ];
        for (secs, want) in cases {
            assert_eq!(ago(secs), want, "{secs} s");
        }
    }

    #[test]
    fn ranges_are_spans_or_all() {
        let r = parse_ranges("30d, 1Y,all,30d").unwrap();
        assert_eq!(r.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(), ["30d", "1y", "all"]);
        assert_eq!(r[0].describe(), "last 30 days");
        assert_eq!(r[1].describe(), "last year");
        assert_eq!(r[2].describe(), "all observations");
        let now = Instant::parse("2026-03-31T12:00:00Z").unwrap();
        assert_eq!(parse_stale("7d", now).unwrap(), 7 * 86_400);
        assert_eq!(parse_stale("36H", now).unwrap(), 36 * 3600);
        assert!(parse_stale("all", now).is_err());
        for bad in ["", "é", "2015-01-01", "0d", "d", "5x", "../x", "now"] {
            assert!(parse_ranges(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spans_dates_and_times() {
        let now = Instant::parse("2026-03-31T12:00:00Z").unwrap();
        let p = |s, e| parse_time(s, e, now).unwrap().rfc3339();
        assert_eq!(p("1d", End::Start), "2026-03-30T12:00:00Z");
        assert_eq!(p("2w", End::Start), "2026-03-17T12:00:00Z");
        assert_eq!(p("1m", End::Start), "2026-02-28T12:00:00Z");
        assert_eq!(p("2y", End::Start), "2024-03-31T12:00:00Z");
        assert_eq!(p("now", End::End), "2026-03-31T12:00:00Z");
        assert_eq!(p("2015-12-31", End::End), "2015-12-31T23:59:59Z");
        assert_eq!(p("2015-12-31", End::Start), "2015-12-31T00:00:00Z");
        assert_eq!(p("2015-12-31T10:00:00+02:00", End::End), "2015-12-31T08:00:00Z");
        assert!(parse_time("yesterday", End::Start, now).is_err());
        assert!(parse_time("99999999999y", End::Start, now).is_err());
    }

    #[test]
    fn malformed_times_say_what_is_wrong() {
        let now = Instant::parse("2026-03-31T12:00:00Z").unwrap();
        let e = |s| {
            let e = parse_time(s, End::Start, now).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{s}");
            e.to_string()
        };
        assert!(e("2025-13-01").contains("month 13 does not exist"));
        assert!(e("2025-00-10").contains("month 0 does not exist"));
        assert!(e("2025-02-30").contains("February 2025 has no day 30"));
        assert!(e("2024-02-30").contains("February 2024 has no day 30"));
        assert!(e("2025-04-31").contains("April 2025 has no day 31"));
        assert!(e("2025-01-00").contains("January 2025 has no day 0"));
        assert!(e("2025-12-07T00:00:00").contains("add Z or an offset such as +05:00"));
        assert!(e("2025-12-07 10:00:00").contains("add Z or an offset"));
        assert!(e("2025-12-07T25:00:00Z").contains("hour 25 does not exist"));
        assert!(e("2025-12-07T10:61:00+05:00").contains("minute 61 does not exist"));
        assert!(e("2025-12-07T10:00Z").contains("not a time of day"));
        assert!(e("2025-12-07T10:00:00+5").contains("'+5' is not a time zone"));
        assert!(e("2025-02-30T00:00:00Z").contains("February 2025 has no day 30"));
        for garbage in ["yesterday", "", "90x", "-5d", "12/07/2025", "2025-12", "2025-12-07T"] {
            let m = e(garbage);
            assert!(m.contains("is not a time"), "{garbage}: {m}");
            if !garbage.starts_with("2025-12-07") {
                for form in ["YYYY-MM-DD", "RFC 3339", "offset", "now", "36h", "90d", "12w", "6m", "2y"] {
                    assert!(m.contains(form), "{garbage}: {m} lacks {form}");
                }
            }
        }
    }

    #[test]
    fn odd_text_gets_a_message_not_a_panic() {
        let now = Instant::parse("2026-03-31T12:00:00Z").unwrap();
        for t in [
            "2025-12-07T10:00:00+é:00",
            "2025-12-07Té",
            "2025-12-07 ",
            "ＹＹＹＹ-01-01",
            "2025-1-1T1:2:3",
            "9999-99-99T99:99:99+99:99",
            "T",
            "-",
        ] {
            let _ = parse_time(t, End::Start, now);
            let _ = time_problem(t);
        }
        // CSV timestamps get the same reasons.
        let e = Instant::parse("2020-13-01").unwrap_err().to_string();
        assert!(e.contains("is not a date") && e.contains("month 13 does not exist"), "{e}");
        let e = Instant::parse("2020-01-01T00:00:00").unwrap_err().to_string();
        assert!(e.contains("add Z or an offset"), "{e}");
    }

    #[test]
    fn far_future_is_refused_after_seven_days() {
        let now = Instant::parse("2026-03-31T12:00:00Z").unwrap();
        let at = |s| refuse_far_future(Instant::parse(s).unwrap(), now);
        assert!(at("2026-04-07T12:00:00Z").is_ok(), "exactly 7 days ahead");
        assert!(at("2026-04-02").is_ok());
        assert!(at("1996-09-02").is_ok());
        let e = at("2026-04-07T12:00:01Z").unwrap_err().to_string();
        assert!(e.contains("more than 7 days after now") && e.contains("a day or three early"), "{e}");
        assert_eq!(at("2030-01-01").unwrap_err().exit_code(), 1);
    }
}
