//! The reading commands' own options: formats, `convert`, `check`, `inputs`.

use clap::Args;
use rust_decimal::Decimal;

use super::url::{FromUrl, UrlQuery};
use super::{DbArg, SelectArgs};
use crate::error::{Error, Result};
use crate::export::reading::Reading;
use crate::export::{ConvertFormat, Format, HistoryFormat};
use crate::model::{Currency, Instant};
use crate::query::check::{CheckOptions, Limit};
use crate::query::convert::ConvertOptions;
use crate::query::Listing;
use crate::selection::Selection;
use crate::timespec::{parse_time, End};

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Exit 4 when a selected series' newest observation is older than this (36h, 2d, 1w)
    #[arg(long, value_name = "DUR")]
    pub max_age: Option<String>,
    /// Exit 4 when a selected series moved more than this between two consecutive observations
    /// in the range (5%, 0.5) [range default: the last 7 days]
    #[arg(long, value_name = "PCT")]
    pub max_move: Option<String>,
    /// table: `DB: ok` or the findings on standard error; csv, json, jsonl: the findings as rows
    /// on standard output (none: no rows); the exit code is the same
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    #[command(flatten)]
    pub db: DbArg,
}

impl CheckArgs {
    /// The typed limits and selection, built before the store is opened.
    /// Ages count from `clock`, the clock read at the top, never from
    /// `SOURCE_DATE_EPOCH`: a check is of the store now.
    pub fn options(&self, clock: Instant) -> Result<CheckOptions> {
        let max_age = self.max_age.as_deref().map(|s| parse_age(s, clock)).transpose()?;
        let max_move = self.max_move.as_deref().map(parse_pct).transpose()?;
        Ok(CheckOptions { selection: self.select.selection(clock)?, max_age, max_move, now: clock })
    }
}

/// `--max-age`: a span such as `36h`, `2d`, `1w`, as seconds.
pub(crate) fn parse_age(s: &str, now: Instant) -> Result<Limit<i64>> {
    let t = s.trim();
    let usage = |why: String| Error::Usage(format!("--max-age {s}: {why}"));
    if !crate::timespec::is_span(&t.to_ascii_lowercase()) {
        return Err(usage("expected a span such as 36h, 2d or 1w".into()));
    }
    let back = parse_time(t, End::Start, now).map_err(|e| usage(e.to_string()))?;
    let secs = now.unix() - back.unix();
    if secs <= 0 {
        return Err(usage("the span must be positive".into()));
    }
    Ok(Limit { value: secs, text: t.to_string() })
}

/// `--max-move`: `5%` or `5`, a positive percentage.
pub(crate) fn parse_pct(s: &str) -> Result<Limit<Decimal>> {
    let t = s.trim();
    let n = t.strip_suffix('%').unwrap_or(t).trim();
    match n.parse::<Decimal>() {
        Ok(d) if d > Decimal::ZERO => Ok(Limit { value: d, text: format!("{n}%") }),
        _ => Err(Error::Usage(format!("--max-move {s}: expected a positive percentage such as 5% or 0.5"))),
    }
}

/// Arguments of the reading commands; `F` is the command's own set of
/// `--format` values, so `--help` lists only those it accepts.
#[derive(Args, Debug, Clone)]
pub struct ReadArgs<F: clap::ValueEnum + Clone + Send + Sync + 'static = FormatArg> {
    #[command(flatten)]
    pub select: SelectArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: F,
    #[command(flatten)]
    pub db: DbArg,
}

impl<F: clap::ValueEnum + Clone + Send + Sync + 'static> ReadArgs<F> {
    pub fn selection(&self, now: Instant) -> Result<Selection> {
        self.select.selection(now)
    }
}

impl ReadArgs<HistoryFormatArg> {
    /// `history`'s typed options and format.
    pub fn history(&self, now: Instant) -> Result<(Listing, HistoryFormat)> {
        let format = self.format.format();
        Ok((self.select.listing(now)?, format))
    }
}

impl ReadArgs<FormatArg> {
    /// `conflicts`' typed options and format.
    pub fn conflicts(&self, now: Instant) -> Result<(Listing, Format)> {
        let format = self.format.format();
        Ok((self.select.listing(now)?, format))
    }
}

#[derive(Args, Debug)]
pub struct InputsArgs {
    /// List the fetches that failed (URL, source, time, reason) instead
    #[arg(long)]
    pub failed: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The amount, a positive decimal number such as 1000 or 1234.56 (no separators or exponent)
    #[arg(allow_negative_numbers = true)]
    pub amount: String,
    /// Currency converted from, e.g. KZT
    pub from: String,
    /// Currency converted to, e.g. UZS
    pub to: String,
    /// Use the newest rates at or before this time: YYYY-MM-DD (the end of that day), RFC 3339 with Z or an offset, now,
    /// or a span back from now (36h, 90d, 12w, 6m, 2y) [default: now]
    #[arg(long, value_name = "T")]
    pub at: Option<String>,
    /// Only rates from this source (any case), or from these (comma-separated; official for the six
    /// central banks)
    #[arg(long, value_name = "S")]
    pub source: Option<String>,
    /// Convert through this currency instead of USD (e.g. KZT, with the rates nbk quotes against it)
    #[arg(long, value_name = "CUR")]
    pub via: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ConvertFormatArg,
    #[command(flatten)]
    pub db: DbArg,
}

/// `--format` of the reading commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
    Jsonl,
}

impl FormatArg {
    /// The export format this value names.
    pub fn format(self) -> Format {
        match self {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
        }
    }
}

/// `history --format`: the record formats plus price directives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormatArg {
    Table,
    Csv,
    Json,
    Jsonl,
    /// ledger/hledger price directives: P 2025-12-12 00:00:00 KZT 0.00192 USD
    Ledger,
    /// beancount price directives: 2025-12-12 price KZT 0.00192 USD
    Beancount,
}

impl HistoryFormatArg {
    /// The export format this value names.
    pub fn format(self) -> HistoryFormat {
        match self {
            HistoryFormatArg::Table => HistoryFormat::Table,
            HistoryFormatArg::Csv => HistoryFormat::Csv,
            HistoryFormatArg::Json => HistoryFormat::Json,
            HistoryFormatArg::Jsonl => HistoryFormat::Jsonl,
            HistoryFormatArg::Ledger => HistoryFormat::Ledger,
            HistoryFormatArg::Beancount => HistoryFormat::Beancount,
        }
    }
}

/// `convert --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConvertFormatArg {
    Table,
    Json,
}

impl ConvertFormatArg {
    /// The export format this value names.
    pub fn format(self) -> ConvertFormat {
        match self {
            ConvertFormatArg::Table => ConvertFormat::Table,
            ConvertFormatArg::Json => ConvertFormat::Json,
        }
    }
}

impl ConvertArgs {
    /// The typed conversion, built before any work: AMOUNT exact and above
    /// zero, the currencies, `--at` (a bare date is the end of that day; a
    /// span and the default count back from `now`).
    pub fn options(&self, now: Instant) -> Result<ConvertOptions> {
        let amount = positive(parse_amount(&self.amount)?, &self.amount)?;
        let from: Currency = self.from.parse().map_err(|e: Error| Error::Usage(format!("FROM: {e}")))?;
        let to: Currency = self.to.parse().map_err(|e: Error| Error::Usage(format!("TO: {e}")))?;
        let at = match &self.at {
            Some(t) => parse_time(t, End::End, now)?,
            None => now,
        };
        // A label, `official` (the six central banks) or `all`, as --source of the reading commands.
        let sources = crate::selection::parse_sources(self.source.as_slice())?.sources;
        let via = match &self.via {
            Some(v) => v.parse().map_err(|e: Error| Error::Usage(format!("--via: {e}")))?,
            None => Currency::USD,
        };
        Ok(ConvertOptions { amount, amount_text: self.amount.trim().to_string(), from, to, at, sources, via })
    }
}

/// The formats a URL answers in (`/api/`): the record formats a program
/// reads, `json` unless asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiFormat {
    #[default]
    Json,
    Csv,
    Jsonl,
}

impl ApiFormat {
    /// The `Content-Type` of an answer in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            ApiFormat::Json => "application/json; charset=utf-8",
            ApiFormat::Csv => "text/csv; charset=utf-8",
            ApiFormat::Jsonl => "application/x-ndjson",
        }
    }

    /// The URL's `format`, json when absent.
    pub fn from_url(q: &UrlQuery) -> Result<ApiFormat> {
        Ok(q.choice::<ApiFormat>("format")?.unwrap_or_default())
    }

    /// The same format among a command's own `--format` values, or why the
    /// command does not answer in it.
    fn to<F: clap::ValueEnum>(self, command: &str) -> Result<F> {
        let name = match self {
            ApiFormat::Json => "json",
            ApiFormat::Csv => "csv",
            ApiFormat::Jsonl => "jsonl",
        };
        F::from_str(name, false).map_err(|_| Error::Usage(format!("format {name}: {command} answers json only")))
    }
}

impl<F: clap::ValueEnum + Clone + Send + Sync + 'static> FromUrl for ReadArgs<F> {
    fn from_url(q: &UrlQuery) -> Result<Self> {
        Ok(ReadArgs { select: SelectArgs::from_url(q)?, format: ApiFormat::from_url(q)?.to("this command")?, db: DbArg::default() })
    }
}

impl FromUrl for InputsArgs {
    fn from_url(q: &UrlQuery) -> Result<Self> {
        Ok(InputsArgs { failed: q.flag("failed")?.unwrap_or(false), format: ApiFormat::from_url(q)?.to("inputs")?, db: DbArg::default() })
    }
}

impl FromUrl for CheckArgs {
    fn from_url(q: &UrlQuery) -> Result<Self> {
        Ok(CheckArgs {
            select: SelectArgs::from_url(q)?,
            max_age: q.text("max-age"),
            max_move: q.text("max-move"),
            format: ApiFormat::from_url(q)?.to("check")?,
            db: DbArg::default(),
        })
    }
}

impl FromUrl for ConvertArgs {
    fn from_url(q: &UrlQuery) -> Result<Self> {
        // Every parameter asked before the first refusal, so `describe` lists them all.
        let (amount, from, to) = (q.required("amount"), q.required("from"), q.required("to"));
        let (at, source, via) = (q.text("at"), q.text("source"), q.text("via"));
        let format = ApiFormat::from_url(q).and_then(|f| f.to("convert"));
        Ok(ConvertArgs { amount: amount?, from: from?, to: to?, at, source, via, format: format?, db: DbArg::default() })
    }
}

/// Each reading command's typed options as the `Reading` its answer is
/// written from (`export::reading`), by either front door.
impl ReadArgs<FormatArg> {
    pub fn latest(&self, now: Instant) -> Result<Reading> {
        Ok(Reading::Latest { selection: self.selection(now)?, format: self.format.format() })
    }

    pub fn stats(&self, now: Instant) -> Result<Reading> {
        Ok(Reading::Stats { selection: self.selection(now)?, format: self.format.format() })
    }

    pub fn conflicts_reading(&self, now: Instant) -> Result<Reading> {
        let (listing, format) = self.conflicts(now)?;
        Ok(Reading::Conflicts { listing, format })
    }
}

impl ReadArgs<HistoryFormatArg> {
    pub fn reading(&self, now: Instant) -> Result<Reading> {
        let (listing, format) = self.history(now)?;
        Ok(Reading::History { listing, format })
    }
}

impl InputsArgs {
    pub fn reading(&self) -> Reading {
        Reading::Inputs { failed: self.failed, format: self.format.format() }
    }
}

impl ConvertArgs {
    /// `now`: the default `--at`, and what spans count back from.
    pub fn reading(&self, now: Instant) -> Result<Reading> {
        Ok(Reading::Convert { options: self.options(now)?, format: self.format.format() })
    }
}

impl CheckArgs {
    /// `clock`: what ages count to (never `SOURCE_DATE_EPOCH`).
    pub fn reading(&self, clock: Instant) -> Result<Reading> {
        Ok(Reading::Check { options: self.options(clock)?, format: self.format.format() })
    }
}

/// Parses AMOUNT exactly: an optional sign, digits, an optional decimal point.
pub fn parse_amount(s: &str) -> Result<Decimal> {
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let well_formed = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.matches('.').count() <= 1
        && body.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(Error::Usage(format!(
            "AMOUNT '{s}' is not a decimal number (write it like 1000 or 1234.56, without separators or exponent)"
        )));
    }
    Decimal::from_str_exact(t).map_err(|_| Error::Usage(format!("AMOUNT '{s}' has more digits than a decimal can hold (28)")))
}

/// AMOUNT must be above zero: a rate converts an amount held, and a negative
/// or zero one is a mistyped argument, not a question.
fn positive(amount: Decimal, text: &str) -> Result<Decimal> {
    if amount > Decimal::ZERO {
        return Ok(amount);
    }
    Err(Error::Usage(format!("AMOUNT '{}' is not positive: give an amount above zero, such as 1000", text.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_or_are_usage_errors() {
        assert_eq!(parse_amount("1000").unwrap().to_string(), "1000");
        assert_eq!(parse_amount("1234.50").unwrap().to_string(), "1234.50");
        assert_eq!(parse_amount("-5").unwrap().to_string(), "-5");
        for bad in ["", "1,000", "1e3", "abc", ".", "1.2.3", "12345678901234567890123456789012"] {
            let e = parse_amount(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn limits_parse() {
        let now = Instant::from_unix(10 * 86400);
        assert_eq!(parse_age("2d", now).unwrap().value, 2 * 86400);
        assert_eq!(parse_age("36h", now).unwrap().value, 36 * 3600);
        for bad in ["2", "now", "2026-01-01", "xd"] {
            assert!(matches!(parse_age(bad, now), Err(Error::Usage(_))), "{bad}");
        }
        assert_eq!(parse_pct("5%").unwrap().value, Decimal::from(5));
        assert_eq!(parse_pct("0.5").unwrap().text, "0.5%");
        for bad in ["0", "-1%", "five"] {
            assert!(matches!(parse_pct(bad), Err(Error::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn amounts_must_be_positive() {
        for bad in ["-5", "0", "0.00", "-0", "+0"] {
            let e = positive(parse_amount(bad).unwrap(), bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("not positive"), "{bad}: {e}");
        }
        assert_eq!(positive(parse_amount("0.01").unwrap(), "0.01").unwrap().to_string(), "0.01");
    }
}
