//! `fxsnap convert AMOUNT FROM TO`: a cross rate through USD (or `--via CUR`).
//!
//! Each leg (FROM against VIA, TO against VIA) is the newest observation at
//! or before `--at` (default now; a bare date means the end of that day).
//! With `--source`, only that source; without, the newest across sources; on
//! a tie in time the one quoted with more significant digits (a bank's
//! `12149.84` before the ticker's `0.00008`), then the source first in
//! alphabetical order. A leg whose currency is VIA is the identity and has no
//! observation. When a leg's quoting is less exact than 2% the answer says so.
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
use crate::export::{self, Cell, ConvertFormat, Format, RecordWriter};
use crate::model::{round_significant, Currency, Instant, Observation, Pair, Source};
use crate::precision::{low_precision, mark, significant_digits};
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
    via: Currency,
    format: ConvertFormat,
}

impl Options {
    fn parse(args: &ConvertArgs) -> Result<Options> {
        let amount = positive(parse_amount(&args.amount)?, &args.amount)?;
        let from: Currency = args.from.parse().map_err(|e: Error| Error::Usage(format!("FROM: {e}")))?;
        let to: Currency = args.to.parse().map_err(|e: Error| Error::Usage(format!("TO: {e}")))?;
        let now = crate::timespec::now();
        let at = match &args.at {
            Some(t) => parse_time(t, End::End, now)?,
            None => now,
        };
        let source = crate::cli::source_arg(args.source.as_ref().map(|s| s.to_ascii_lowercase()).as_deref())?;
        let via = match &args.via {
            Some(v) => v.parse().map_err(|e: Error| Error::Usage(format!("--via: {e}")))?,
            None => Currency::USD,
        };
        Ok(Options { amount, amount_text: args.amount.trim().to_string(), from, to, at, source, via, format: args.format.format() })
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

/// The newest observation of `cur` against `via` at or before `at`; among
/// equally new ones, the one with more significant digits.
fn find_leg(store: &Store, cur: Currency, via: Currency, at: Instant, source: Option<&Source>) -> Result<Leg> {
    let pair = Pair::new(cur, via)?.canonical();
    let mut best: Option<Observation> = None;
    let mut seen_series = false;
    // series() is ordered by pair then source: on a full tie the first source stays.
    for s in store.series()? {
        if s.pair != pair || source.is_some_and(|src| !src.matches(&s.source)) {
            continue;
        }
        seen_series = true;
        if let Some(o) = store.latest(&s, Some(at))? {
            let better = match &best {
                None => true,
                Some(b) => o.at > b.at || (o.at == b.at && significant_digits(o.rate.decimal()) > significant_digits(b.rate.decimal())),
            };
            if better {
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

/// AMOUNT × (1 FROM in VIA) ÷ (1 TO in VIA), from the exact stored values,
/// then rounded to [`RESULT_DIGITS`] significant digits.
fn compute(amount: Decimal, via: Currency, from: Option<&Leg>, to: Option<&Leg>) -> Result<Decimal> {
    let overflow = || Error::invalid("the result is too large (or too small) for a decimal number");
    let mut numerator = amount;
    let mut denominator = Decimal::ONE;
    if let Some(leg) = from {
        // 1 FROM in VIA is the rate of FROM/VIA, or 1 / the rate of VIA/FROM.
        let r = leg.obs.rate.decimal();
        if leg.obs.pair.quote == via {
            numerator = numerator.checked_mul(r).ok_or_else(overflow)?;
        } else {
            denominator = denominator.checked_mul(r).ok_or_else(overflow)?;
        }
    }
    if let Some(leg) = to {
        // Dividing by 1 TO in VIA: by the rate of TO/VIA, or times VIA/TO.
        let r = leg.obs.rate.decimal();
        if leg.obs.pair.quote == via {
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
        if cur == opts.via {
            Ok(None)
        } else {
            find_leg(&store, cur, opts.via, opts.at, opts.source.as_ref()).map(Some)
        }
    };
    let (from_leg, to_leg) = if opts.from == opts.to { (None, None) } else { (leg(opts.from)?, leg(opts.to)?) };
    let result = compute(opts.amount, opts.via, from_leg.as_ref(), to_leg.as_ref())?;
    let legs: Vec<&Leg> = [from_leg.as_ref(), to_leg.as_ref()].into_iter().flatten().collect();
    let precision = low_precision(&legs.iter().map(|l| l.obs.rate.decimal()).collect::<Vec<_>>());

    let mut out = export::stdout();
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
                "via": opts.via.to_string(),
                "precision_pct": precision.and_then(|p| p.to_string().parse::<serde_json::Number>().ok()),
                "legs": legs_json,
            });
            export::json::write_document(out, &doc)?;
        }
        ConvertFormat::Table => {
            writeln!(out, "{} {} = {} {}", opts.amount_text, opts.from, result, opts.to)?;
            if legs.is_empty() {
                writeln!(out, "(no rate needed)")?;
                out.flush()?;
                return Ok(());
            }
            writeln!(out, "through {}, with the newest rates at or before {}:", opts.via, opts.at)?;
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
            if let Some(p) = precision {
                let rough: Vec<String> = legs
                    .iter()
                    .filter(|l| low_precision(&[l.obs.rate.decimal()]).is_some())
                    .map(|l| format!("{} {} from {}", l.obs.pair, l.obs.rate, l.obs.source))
                    .collect();
                writeln!(out, "low precision: the result is good to {} only ({} quoted to too few digits)", mark(p), rough.join(", "))?;
                out.flush()?;
            }
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
    fn amounts_must_be_positive() {
        for bad in ["-5", "0", "0.00", "-0", "+0"] {
            let e = positive(parse_amount(bad).unwrap(), bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("not positive"), "{bad}: {e}");
        }
        assert_eq!(positive(parse_amount("0.01").unwrap(), "0.01").unwrap().to_string(), "0.01");
    }

    #[test]
    fn legs_in_either_direction() {
        let amount = Decimal::from(1000);
        // 1000 KZT at 400 KZT per USD = 2.5 USD; at 10000 UZS per USD = 25000 UZS.
        let k = leg("USD/KZT", "400");
        let u = leg("USD/UZS", "10000");
        assert_eq!(compute(amount, Currency::USD, Some(&k), Some(&u)).unwrap().to_string(), "25000");
        let k2 = leg("KZT/USD", "0.0025");
        let u2 = leg("UZS/USD", "0.0001");
        assert_eq!(compute(amount, Currency::USD, Some(&k2), Some(&u2)).unwrap().to_string(), "25000");
        assert_eq!(compute(amount, Currency::USD, Some(&k), None).unwrap().to_string(), "2.5");
        assert_eq!(compute(amount, Currency::USD, None, Some(&u2)).unwrap().to_string(), "10000000");
        assert_eq!(compute(Decimal::ONE, Currency::USD, Some(&leg("USD/KZT", "3")), None).unwrap().to_string(), "0.3333333333");
        assert!(compute(Decimal::MAX, Currency::USD, None, Some(&leg("USD/UZS", "10000"))).is_err());
    }
}
