//! Times given on the command line: `YYYY-MM-DD`, RFC 3339 with an offset,
//! `now`, or a span back from now (`36h`, `90d`, `12w`, `6m`, `2y`). A time
//! that does not parse says what is wrong with it, so the user can fix it.

use chrono::{Datelike, Months, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::model::Instant;

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

/// What is wrong with `t` (trimmed), a date or RFC 3339 time that did not
/// parse: the impossible part of the date or time of day, or a missing or
/// malformed offset. None when it does not look like a date at all. Also used
/// for the timestamps of CSV rows.
pub(crate) fn time_problem(t: &str) -> Option<String> {
    let (date, time) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let [y, m, d] = numbers(date, '-').filter(|n| n[0].len() == 4)?;
    let (year, month, day) = (y.parse::<i32>().unwrap_or(0), m.parse::<u32>().unwrap_or(0), d.parse::<u32>().unwrap_or(0));
    if !(1..=12).contains(&month) {
        return Some(format!("month {month} does not exist (months run 01 to 12)"));
    }
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        let name = NaiveDate::from_ymd_opt(year, month, 1).map(|f| f.format("%B %Y").to_string()).unwrap_or_else(|| format!("{y}-{m}"));
        return Some(format!("{name} has no day {day}"));
    }
    let time = time?;
    // HH:MM:SS, optional fraction, then Z or an offset.
    let clock_end = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(clock_end);
    let hms = clock.split('.').next().unwrap_or("");
    let Some(parts) = numbers(hms, ':') else {
        let shown = if time.is_empty() { "nothing".to_string() } else { format!("'{time}'") };
        return Some(format!("{shown} after the date is not a time of day: write HH:MM:SS and Z or an offset, as in {date}T09:30:00Z"));
    };
    let [h, mi, se] = parts;
    for (n, what, max) in [(h, "hour", 23), (mi, "minute", 59), (se, "second", 60)] {
        let v: u32 = n.parse().unwrap_or(u32::MAX);
        if v > max {
            return Some(format!("{what} {n} does not exist (the {what}s of a day run 00 to {max:02})"));
        }
    }
    if zone.is_empty() {
        return Some(format!("it has no time zone: add Z or an offset such as +05:00 ({date}T{clock}Z is UTC)"));
    }
    let offset = |z: &str| z.len() == 6 && z.as_bytes()[3] == b':' && z[1..3].bytes().chain(z[4..].bytes()).all(|b| b.is_ascii_digit());
    if zone.eq_ignore_ascii_case("z") || offset(zone) {
        return None;
    }
    Some(format!("'{zone}' is not a time zone: write Z or an offset such as +05:00 or -03:30"))
}

/// Exactly three groups of 1 to 4 ASCII digits separated by `sep`.
fn numbers(s: &str, sep: char) -> Option<[&str; 3]> {
    let mut it = s.split(sep);
    let parts = [it.next()?, it.next()?, it.next()?];
    let ok = it.next().is_none() && parts.iter().all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(parts)
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

/// The current instant, to the second.
pub fn now() -> Instant {
    Instant::from_unix(Utc::now().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

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
