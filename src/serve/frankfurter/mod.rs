//! Frankfurter's API (DESIGN "serve", Frankfurter v1 and v2) from the
//! reference rates of `query::reference`: each function turns a path and
//! its query into an `Answer`; the server core adds the headers. The
//! bodies are types (`body`), serialized with serde; `openapi` describes
//! both versions from those types and the parameter types (`/v1/openapi.json`,
//! `/v2/openapi.json`). A 404 or an empty answer says why when the store's
//! newest rate of what was asked is more than 14 days old: v1 in its body's
//! `reason`, v2 in `Answer::reason` (the server's `X-Fxsnap-Reason`).

mod body;
mod names;
pub(crate) mod openapi;
mod v1;
mod v2;

use chrono::NaiveDate;

use crate::model::Source;
use crate::query::reference::Rule;

pub(crate) use v1::v1;
pub(crate) use v2::v2;

/// The last value given for a query parameter.
fn param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// `YYYY-MM-DD` exactly, a day that exists.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Whether `s` has the shape of a date (`dddd-dd-dd`), whether or not the day exists.
fn date_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

/// The rule of `--prefer` (the default when empty).
fn prefer_rule(prefer: &[Source]) -> Rule {
    Rule::Prefer(prefer.to_vec())
}

#[cfg(test)]
mod tests;
