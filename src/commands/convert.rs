//! `fxsnap convert AMOUNT FROM TO`: a cross rate through USD.
//!
//! Each leg (FROM against USD, TO against USD) is the newest observation at
//! or before `--at` (default now; a bare date means the end of that day).
//! With `--source`, only that source; without, the newest across sources, and
//! on a tie in time the source first in alphabetical order. A leg whose
//! currency is USD is the identity and has no observation.
//!
//! Arithmetic is decimal from the exact stored values:
//! `result = AMOUNT × (value of 1 FROM in USD) ÷ (value of 1 TO in USD)`,
//! multiplications first, one division last, every step checked for
//! overflow. The result is rounded to 10 significant digits (ties to even,
//! trailing zeros dropped), never rounding away digits before the point.

use std::io::Write;
use std::path::Path;

use rust_decimal::Decimal;

use crate::cli::ConvertArgs;
use crate::error::{Error, Result};
use crate::model::{round_significant, Currency, Instant, Observation, Pair, Source};
use crate::output::{self, Cell, ConvertFormat, Format, RecordWriter};
use crate::store::Store;
use crate::timespec::{parse_time, End};

/// Significant digits of the result.
pub const RESULT_DIGITS: u32 = 10;
/// A leg older than this before `--at` is marked stale.
pub const STALE_DAYS: i64 = 7;

/// `age`: how long before `--at` the rate was observed.
const LEG_COLUMNS: &[&str] = &["pair", "rate", "timestamp", "source", "age"];

/// Typed options, built before any work.
struct Options {
    amount: Decimal,
    amount_text: String,
    from: Currency,
    to: Currency,
    at: Instant,
    source: Option<Source>,
    format: ConvertFormat,
}

impl Options {
    fn parse(args: &ConvertArgs) -> Result<Options> {
        let amount = parse_amount(&args.amount)?;
        let from: Currency = args.from.parse().map_err(|e: Error| Error::Usage(format!("FROM: {e}")))?;
        let to: Currency = args.to.parse().map_err(|e: Error| Error::Usage(format!("TO: {e}")))?;
        let now = crate::timespec::now();
        let at = match &args.at {
            Some(t) => parse_time(t, End::End, now)?,
            None => now,
        };
        let source = crate::cli::source_arg(args.source.as_deref())?;
        Ok(Options { amount, amount_text: args.amount.trim().to_string(), from, to, at, source, format: args.format })
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

/// One leg: the observation of CUR against USD that was used.
struct Leg {
    currency: Currency,
    obs: Observation,
}

impl Leg {
    /// Seconds between the observation and `--at`.
    fn age_secs(&self, at: Instant) -> i64 {
        at.unix() - self.obs.at.unix()
    }
    fn stale(&self, at: Instant) -> bool {
        self.age_secs(at) > STALE_DAYS * 86_400
    }
}

/// The newest observation of `cur` against USD at or before `at`.
fn find_leg(store: &Store, cur: Currency, at: Instant, source: Option<&Source>) -> Result<Leg> {
    let pair = Pair::new(cur, Currency::USD)?.canonical();
    let mut best: Option<Observation> = None;
    let mut seen_series = false;
    // series() is ordered by pair then source: on a tie the first source stays.
    for s in store.series()? {
        if s.pair != pair || source.is_some_and(|src| !src.matches(&s.source)) {
            continue;
        }
        seen_series = true;
        if let Some(o) = store.latest(&s, Some(at))? {
            if best.as_ref().is_none_or(|b| o.at > b.at) {
                best = Some(o);
            }
        }
    }
    let from = source.map(|s| format!(" from source '{s}'")).unwrap_or_default();
    match best {
        Some(obs) => Ok(Leg { currency: cur, obs }),
        None if seen_series => Err(Error::invalid(format!("no observation of {pair}{from} at or before {at}"))),
        None => Err(Error::invalid(format!("no observations of {pair}{from} in the store"))),
    }
}

/// AMOUNT × (1 FROM in USD) ÷ (1 TO in USD), from the exact stored values,
/// then rounded to [`RESULT_DIGITS`] significant digits.
fn compute(amount: Decimal, from: Option<&Leg>, to: Option<&Leg>) -> Result<Decimal> {
    let overflow = || Error::invalid("the result is too large (or too small) for a decimal number");
    let mut numerator = amount;
    let mut denominator = Decimal::ONE;
    if let Some(leg) = from {
        // 1 FROM in USD is the rate of FROM/USD, or 1 / the rate of USD/FROM.
        let r = leg.obs.rate.decimal();
        if leg.obs.pair.quote == Currency::USD {
            numerator = numerator.checked_mul(r).ok_or_else(overflow)?;
        } else {
            denominator = denominator.checked_mul(r).ok_or_else(overflow)?;
        }
    }
    if let Some(leg) = to {
        // Dividing by 1 TO in USD: by the rate of TO/USD, or times USD/TO.
        let r = leg.obs.rate.decimal();
        if leg.obs.pair.quote == Currency::USD {
            denominator = denominator.checked_mul(r).ok_or_else(overflow)?;
        } else {
            numerator = numerator.checked_mul(r).ok_or_else(overflow)?;
        }
    }
    let result = numerator.checked_div(denominator).ok_or_else(overflow)?;
    Ok(round_significant(result, RESULT_DIGITS))
}

/// How long before `--at` a leg was observed: `3 days`, `5 hours`, `0 s`.
fn age_text(secs: i64) -> String {
    let (n, unit) = if secs >= 86_400 {
        (secs / 86_400, "day")
    } else if secs >= 3600 {
        (secs / 3600, "hour")
    } else if secs >= 60 {
        (secs / 60, "minute")
    } else {
        return format!("{} s", secs.max(0));
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub fn run(db: &Path, args: &ConvertArgs) -> Result<()> {
    let opts = Options::parse(args)?;
    let store = Store::open_existing(db)?;
    let leg = |cur: Currency| -> Result<Option<Leg>> {
        if cur == Currency::USD {
            Ok(None)
        } else {
            find_leg(&store, cur, opts.at, opts.source.as_ref()).map(Some)
        }
    };
    let (from_leg, to_leg) = if opts.from == opts.to { (None, None) } else { (leg(opts.from)?, leg(opts.to)?) };
    let result = compute(opts.amount, from_leg.as_ref(), to_leg.as_ref())?;
    let legs: Vec<&Leg> = [from_leg.as_ref(), to_leg.as_ref()].into_iter().flatten().collect();

    let mut out = output::stdout();
    match opts.format {
        ConvertFormat::Json => {
            let legs_json: Vec<serde_json::Value> = legs
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "currency": l.currency.to_string(),
                        "pair": l.obs.pair.to_string(),
                        "rate": l.obs.rate.to_string(),
                        "timestamp": l.obs.at.rfc3339(),
                        "source": l.obs.source.to_string(),
                        "stale": l.stale(opts.at),
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "amount": opts.amount_text,
                "from": opts.from.to_string(),
                "to": opts.to.to_string(),
                "result": result.to_string(),
                "at": opts.at.rfc3339(),
                "legs": legs_json,
            });
            serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
            out.flush()?;
        }
        _ => {
            writeln!(out, "{} {} = {} {}", opts.amount_text, opts.from, result, opts.to)?;
            if legs.is_empty() {
                writeln!(out, "(no rate needed)")?;
                out.flush()?;
                return Ok(());
            }
            writeln!(out, "through USD, with the newest rates at or before {}:", opts.at)?;
            let mut w = RecordWriter::new(&mut out, Format::Table, LEG_COLUMNS);
            for l in &legs {
                let age = l.age_secs(opts.at);
                let note = if l.stale(opts.at) { format!("{}, STALE (over {STALE_DAYS} days)", age_text(age)) } else { age_text(age) };
                w.write(vec![
                    l.obs.pair.to_string().into(),
                    l.obs.rate.to_string().into(),
                    l.obs.at.rfc3339().into(),
                    l.obs.source.to_string().into(),
                    Cell::from(note),
                ])?;
            }
            w.finish()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(pair: &str, rate: &str) -> Leg {
        let pair: Pair = pair.parse().unwrap();
        Leg {
            currency: if pair.base == Currency::USD { pair.quote } else { pair.base },
            obs: Observation { source: "nbu".parse().unwrap(), pair, at: Instant::from_unix(0), rate: rate.parse().unwrap(), change: None },
        }
    }

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
    fn legs_in_either_direction() {
        let amount = Decimal::from(1000);
        // 1000 KZT at 400 KZT per USD = 2.5 USD; at 10000 UZS per USD = 25000 UZS.
        let k = leg("USD/KZT", "400");
        let u = leg("USD/UZS", "10000");
        assert_eq!(compute(amount, Some(&k), Some(&u)).unwrap().to_string(), "25000");
        let k2 = leg("KZT/USD", "0.0025");
        let u2 = leg("UZS/USD", "0.0001");
        assert_eq!(compute(amount, Some(&k2), Some(&u2)).unwrap().to_string(), "25000");
        assert_eq!(compute(amount, Some(&k), None).unwrap().to_string(), "2.5");
        assert_eq!(compute(amount, None, Some(&u2)).unwrap().to_string(), "10000000");
        assert_eq!(compute(Decimal::ONE, Some(&leg("USD/KZT", "3")), None).unwrap().to_string(), "0.3333333333");
        assert!(compute(Decimal::MAX, None, Some(&leg("USD/UZS", "10000"))).is_err());
    }
}
