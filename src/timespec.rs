//! Times given on the command line: `YYYY-MM-DD`, RFC 3339, `now`, or a span
//! back from now (`90d`, `12w`, `6m`, `2y`, `36h`).

use chrono::{Datelike, Months, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::model::Instant;

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
    Instant::parse(t)
        .map_err(|_| Error::Usage(format!("'{s}' is not a time: use YYYY-MM-DD, RFC 3339, 'now', or a span such as 90d, 12w, 6m, 2y")))
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
}
