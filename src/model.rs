//! The words of DESIGN.md as types: a currency, a pair, an exact rate, a
//! change in percent, a UTC instant, a source, an observation.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use rust_decimal::prelude::*;
use rust_decimal::Decimal;

use crate::error::Error;

/// Significant digits a decimal can hold; a longer number is refused rather than rounded.
pub const MAX_DIGITS: usize = 28;

/// A value from an input as error messages quote it: at most 64 characters,
/// control characters escaped, so that a hostile page or CSV cell (megabytes
/// long, or holding line breaks) still gives one short error line.
pub fn echo(s: &str) -> String {
    const MAX: usize = 64;
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Significant digits printed for a value computed in the other direction (DESIGN asks for ≥ 6).
pub const INVERSE_DIGITS: u32 = 10;

/// A three-letter currency code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            Ok(Currency([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase(), b[2].to_ascii_uppercase()]))
        } else {
            Err(Error::invalid(format!("'{}' is not a three-letter currency code", echo(s))))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A quoted pair `BASE/QUOTE`: the rate is the value of one BASE in QUOTE.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Pair {
    pub base: Currency,
    pub quote: Currency,
}

impl Pair {
    pub fn new(base: Currency, quote: Currency) -> Result<Pair, Error> {
        if base == quote {
            return Err(Error::invalid(format!("{base}/{quote} is not a pair: the two currencies are the same")));
        }
        Ok(Pair { base, quote })
    }

    pub fn inverse(self) -> Pair {
        Pair { base: self.quote, quote: self.base }
    }

    /// The direction a series is shown in by default and keyed by in the store:
    /// `XXX/USD` when one side is USD (the ticker's direction), otherwise
    /// alphabetical order.
    pub fn canonical(self) -> Pair {
        if self.base == Currency::USD || (self.quote != Currency::USD && self.base > self.quote) {
            self.inverse()
        } else {
            self
        }
    }

    pub fn is_canonical(self) -> bool {
        self.canonical() == self
    }
}

impl FromStr for Pair {
    type Err = Error;
    /// `KZT/USD`, `usd/kzt`, or a bare `KZT` meaning against USD.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        match s.split_once('/') {
            Some((a, b)) => Pair::new(a.parse()?, b.parse()?),
            None => Pair::new(s.parse()?, Currency::USD),
        }
    }
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.quote)
    }
}

/// An exact, positive rate, kept with its scale (`0.28490` stays `0.28490`).
#[derive(Clone, Copy, Debug)]
pub struct Rate(Decimal);

impl Rate {
    pub fn decimal(&self) -> Decimal {
        self.0
    }

    /// Numeric equality: `0.2849` equals `0.28490`.
    pub fn same_value(&self, other: &Rate) -> bool {
        self.0 == other.0
    }

    /// The rate in the other direction, to [`INVERSE_DIGITS`] significant digits.
    pub fn inverse(&self) -> Rate {
        let one = Decimal::ONE;
        // A positive rate never divides by zero; checked_div guards overflow on absurd values.
        let inv = one.checked_div(self.0).unwrap_or(Decimal::MAX);
        Rate(round_significant(inv, INVERSE_DIGITS))
    }

    /// A computed value (a cross rate, a conversion) rounded to
    /// [`INVERSE_DIGITS`] significant digits; `None` unless positive.
    pub fn computed(d: Decimal) -> Option<Rate> {
        let r = round_significant(d, INVERSE_DIGITS);
        (r > Decimal::ZERO).then_some(Rate(r))
    }

    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl FromStr for Rate {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let d = parse_exact_decimal(s).map_err(|why| Error::invalid(format!("rate '{}' {why}", echo(s))))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(Error::invalid(format!("rate '{}' is negative", echo(s))));
        }
        if d.is_zero() {
            return Err(Error::invalid(format!("rate '{}' is zero", echo(s))));
        }
        Ok(Rate(d))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A change in percent as the page printed it; `-0` keeps its sign in
/// storage and output but equals `0`.
#[derive(Clone, Debug)]
pub struct Change {
    value: Decimal,
    negative_zero: bool,
}

impl Change {
    pub fn value(&self) -> Decimal {
        self.value
    }
    pub fn same_value(&self, other: &Change) -> bool {
        self.value == other.value
    }
}

impl FromStr for Change {
    type Err = Error;
    /// `0.28`, `-0.28`, `-0`, with or without a trailing `%`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim();
        // Pages set a falling change with the typographic minus (U+2212).
        let ascii;
        let t = match t.strip_prefix('\u{2212}') {
            Some(rest) => {
                ascii = format!("-{rest}");
                ascii.as_str()
            }
            None => t,
        };
        let value = parse_exact_decimal(t).map_err(|why| Error::invalid(format!("change '{}' {why}", echo(s))))?;
        let negative_zero = value.is_zero() && t.starts_with('-');
        Ok(Change { value, negative_zero })
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative_zero {
            write!(f, "-{}", self.value)
        } else {
            write!(f, "{}", self.value)
        }
    }
}

/// Equality of optional changes: absent equals absent only.
pub fn same_change(a: &Option<Change>, b: &Option<Change>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.same_value(y),
        _ => false,
    }
}

/// Parses a plain decimal exactly; refuses anything that would be rounded.
fn parse_exact_decimal(s: &str) -> Result<Decimal, &'static str> {
    let t = s.trim();
    if t.is_empty() {
        return Err("is empty");
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    // One pass (a bulk ingest parses millions): only digits and at most one
    // point; the digits, and the significant ones (from the first non-zero).
    let (mut digits, mut significant, mut points) = (0usize, 0usize, 0usize);
    let plain = body.bytes().all(|b| match b {
        b'0'..=b'9' => {
            digits += 1;
            if significant > 0 || b != b'0' {
                significant += 1;
            }
            true
        }
        b'.' => {
            points += 1;
            points == 1
        }
        _ => false,
    });
    if !plain || digits == 0 {
        // Scientific notation (`1e-5`): its value must obey the same limits
        // as written out, so that the stored text reads back.
        return match parse_scientific(t) {
            Some(d) if !d.to_string().contains(['e', 'E']) => parse_exact_decimal(&d.to_string()),
            _ => Err("is not a number"),
        };
    }
    if significant > MAX_DIGITS || digits > MAX_DIGITS + 1 {
        return Err("has more digits than a decimal can hold (28)");
    }
    Decimal::from_str_exact(t).map_err(|_| "has more digits than a decimal can hold (28)")
}

fn parse_scientific(t: &str) -> Option<Decimal> {
    if !t.contains(['e', 'E']) || t.len() > 40 {
        return None;
    }
    let (mantissa, exp) = t.split_once(['e', 'E'])?;
    let exp: i32 = exp.parse().ok()?;
    if exp.abs() > 28 {
        return None;
    }
    let m = parse_exact_decimal(mantissa).ok()?;
    let d = if exp >= 0 {
        m.checked_mul(Decimal::from_i128_with_scale(10i128.pow(exp as u32), 0))?
    } else {
        let mut d = m;
        d.set_scale(m.scale() + (-exp) as u32).ok()?;
        d
    };
    Some(d)
}

/// Rounds to `digits` significant digits and drops trailing zeros.
pub fn round_significant(d: Decimal, digits: u32) -> Decimal {
    if d.is_zero() {
        return d;
    }
    // Number of digits before the decimal point (≤ 0 for values below 1):
    // the mantissa's digits less the scale (478.77 → 5 - 2 = 3; 0.00192 →
    // 3 - 5 = -2, two zeros after the point), counted without formatting.
    let mut mantissa_digits = 0i64;
    let mut m = d.mantissa().unsigned_abs();
    while m > 0 {
        m /= 10;
        mantissa_digits += 1;
    }
    let int_digits = mantissa_digits - i64::from(d.scale());
    let dp = (digits as i64 - int_digits).clamp(0, 28) as u32;
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven).normalize()
}

/// A UTC instant, to the second: how every observation is keyed and printed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Instant(i64);

impl Instant {
    pub fn from_unix(secs: i64) -> Instant {
        Instant(secs)
    }
    pub fn unix(&self) -> i64 {
        self.0
    }
    pub fn now() -> Instant {
        Instant(Utc::now().timestamp())
    }
    pub fn start_of_day(d: NaiveDate) -> Instant {
        Instant(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0))
    }
    pub fn datetime(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.0, 0).single().unwrap_or_default()
    }
    /// RFC 3339 with `Z`.
    pub fn rfc3339(&self) -> String {
        self.datetime().to_rfc3339_opts(SecondsFormat::Secs, true)
    }
    /// Parses RFC 3339 (any offset, converted to UTC) or a bare date (midnight UTC).
    pub fn parse(s: &str) -> Result<Instant, Error> {
        let t = s.trim();
        if let Some(i) = Instant::parse_utc_fast(t) {
            return Ok(i);
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
            return Ok(Instant(dt.timestamp()));
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(Instant::start_of_day(d));
        }
        let why = time_problem(t).map(|w| format!(": {w}")).unwrap_or_default();
        Err(Error::invalid(format!("'{}' is not a date (YYYY-MM-DD) or an RFC 3339 time{why}", echo(s))))
    }
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

impl Instant {
    /// `YYYY-MM-DDTHH:MM:SSZ`, the form fxsnap writes, without the general
    /// parser (a bulk load reads millions); anything else returns None.
    fn parse_utc_fast(t: &str) -> Option<Instant> {
        let b = t.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
        };
        let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
        let time = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
        Some(Instant(time.and_utc().timestamp()))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

/// A short label saying where observations came from. Shared, not copied:
/// every observation of a bulk load carries its source.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Source(std::sync::Arc<str>);

impl Source {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A label given as input (a CSV `source` column, `--source`): stored
    /// in lower case, as DESIGN v2 says labels are. (Parsing keeps the case,
    /// so a label stored by version 1 reads back exactly as stored.)
    pub fn label(s: &str) -> Result<Source, Error> {
        let parsed: Source = s.parse()?;
        Ok(Source(parsed.0.to_ascii_lowercase().into()))
    }

    /// Whether two labels name the same source: `--source NBK` selects `nbk`.
    pub fn matches(&self, other: &Source) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl FromStr for Source {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        if t.is_empty() || t.len() > 64 || !t.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(Error::invalid(format!("'{}' is not a source label (1-64 letters, digits, '-', '_' or '.')", echo(s))));
        }
        Ok(Source(t.into()))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One rate of one pair at one instant from one source.
#[derive(Clone, Debug)]
pub struct Observation {
    pub source: Source,
    pub pair: Pair,
    pub at: Instant,
    pub rate: Rate,
    pub change: Option<Change>,
}

impl Observation {
    /// The rate in the asked direction: exact when stored that way, else computed.
    pub fn rate_as(&self, pair: Pair) -> Rate {
        if pair == self.pair {
            self.rate
        } else {
            self.rate.inverse()
        }
    }

    /// The change in the asked direction: kept when stored that way; otherwise
    /// (1+c)^-1 - 1 would be invented, so it is left out.
    pub fn change_as(&self, pair: Pair) -> Option<Change> {
        if pair == self.pair {
            self.change.clone()
        } else {
            None
        }
    }

    /// Same value for de-duplication: numerically equal rate (in the same
    /// direction, or exact inverses) and numerically equal change.
    pub fn same_value(&self, other: &Observation) -> bool {
        if self.pair == other.pair {
            self.rate.same_value(&other.rate) && same_change(&self.change, &other.change)
        } else {
            // Changes in opposite directions cannot be compared exactly.
            self.rate.decimal().checked_mul(other.rate.decimal()) == Some(Decimal::ONE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_keeps_scale_and_refuses_bad_values() {
        assert_eq!("0.28490".parse::<Rate>().unwrap().to_string(), "0.28490");
        assert!("0".parse::<Rate>().is_err());
        assert!("0.00000".parse::<Rate>().is_err());
        assert!("-0.01144".parse::<Rate>().is_err());
        assert!("0.01l44".parse::<Rate>().is_err());
        assert!("1,5".parse::<Rate>().is_err());
        assert!("0.1234567890123456789012345678901234567890".parse::<Rate>().is_err());
        assert_eq!("1e-5".parse::<Rate>().unwrap().to_string(), "0.00001");
        assert!("1e28".parse::<Rate>().is_err(), "29 digits written out");
        assert_eq!("1e27".parse::<Rate>().unwrap().to_string().parse::<Rate>().unwrap().to_string(), "1000000000000000000000000000");
    }

    #[test]
    fn change_keeps_negative_zero_but_equals_zero() {
        let a: Change = "-0%".parse().unwrap();
        let b: Change = "0%".parse().unwrap();
        assert_eq!(a.to_string(), "-0");
        assert_eq!(b.to_string(), "0");
        assert!(a.same_value(&b));
        assert_eq!("-0.28%".parse::<Change>().unwrap().to_string(), "-0.28");
        assert_eq!("\u{2212}0.28%".parse::<Change>().unwrap().to_string(), "-0.28");
        assert_eq!("\u{2212}0%".parse::<Change>().unwrap().to_string(), "-0");
        assert!("\u{2212}\u{2212}1%".parse::<Change>().is_err());
    }

    #[test]
    fn pairs_parse_and_canonicalise() {
        let p: Pair = "usd/kzt".parse().unwrap();
        assert_eq!(p.to_string(), "USD/KZT");
        assert_eq!(p.canonical().to_string(), "KZT/USD");
        assert_eq!("KZT".parse::<Pair>().unwrap().to_string(), "KZT/USD");
        assert!("KZT/KZT".parse::<Pair>().is_err());
        assert!("KZ/USD".parse::<Pair>().is_err());
        assert_eq!("GBP/EUR".parse::<Pair>().unwrap().canonical().to_string(), "EUR/GBP");
    }

    #[test]
    fn inverse_has_ten_significant_digits() {
        let r: Rate = "0.00192".parse().unwrap();
        assert_eq!(r.inverse().to_string(), "520.8333333");
        let r: Rate = "0.00008".parse().unwrap();
        assert_eq!(r.inverse().to_string(), "12500");
        let r: Rate = "255.2605119".parse().unwrap();
        assert_eq!(r.inverse().to_string(), "0.003917566382");
    }

    #[test]
    fn significant_rounding_counts_digits_as_the_formatted_value_did() {
        // The former way: the integer part's digits, or the zeros after the point, from the text.
        fn by_text(d: Decimal, digits: u32) -> Decimal {
            let abs = d.abs();
            let int_digits: i64 = if abs >= Decimal::ONE {
                abs.trunc().to_string().len() as i64
            } else {
                let s = abs.to_string();
                let frac = s.split_once('.').map(|x| x.1).unwrap_or("");
                -(frac.chars().take_while(|c| *c == '0').count() as i64)
            };
            let dp = (digits as i64 - int_digits).clamp(0, 28) as u32;
            d.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven).normalize()
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut values: Vec<Decimal> = ["1", "1.000", "0.5000", "999.99999", "0.00192", "478.77", "12149.84", "0.00000000001", "1000"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let scale = (x % 20) as u32;
            values.push(Decimal::new((x >> 8) as i64 % 1_000_000_000_000, scale));
        }
        for v in values {
            for digits in [1, 5, 10] {
                assert_eq!(round_significant(v, digits), by_text(v, digits), "{v} to {digits}");
                let inv = Decimal::ONE.checked_div(v).unwrap_or(Decimal::ONE);
                assert_eq!(round_significant(inv, digits), by_text(inv, digits), "1/{v} to {digits}");
            }
        }
    }

    #[test]
    fn instants_parse_dates_and_offsets() {
        assert_eq!(Instant::parse("2025-12-12").unwrap().rfc3339(), "2025-12-12T00:00:00Z");
        assert_eq!(Instant::parse("2025-12-12T05:00:00+05:00").unwrap().rfc3339(), "2025-12-12T00:00:00Z");
        assert!(Instant::parse("2025-02-31").is_err());
        assert_eq!(Instant::parse("2025-12-12T23:59:59Z").unwrap().unix(), 1_765_583_999);
        assert!(Instant::parse("2025-02-29T00:00:00Z").is_err());
        assert!(Instant::parse("2025-12-12T24:00:00Z").is_err());
        assert!(Instant::parse("2025-12-12T1a:00:00Z").is_err());
    }
}
