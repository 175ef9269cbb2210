//! What every bank reader shares: the document it yields, the rules for a
//! row ("N units of X = V" → X/HOME = V/N as a decimal shift, skipped rows
//! with their reason), duplicate detection and the document's date.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::format::{BankFormat, Format};
use crate::error::{Error, Result};
use crate::model::{echo, Currency, Instant, Observation, Pair, Rate, Source};

/// A bank document as read: every currency it quotes, against its home currency.
#[derive(Debug, Clone)]
pub struct BankDocument {
    pub format: Format,
    pub source: Source,
    /// The document's own date; `None` for ranges (CBR dynamic, NBKR history).
    pub date: Option<NaiveDate>,
    pub rows: Vec<Observation>,
    /// One short reason per skipped row (`XDR: nominal '3' is not a power of ten`).
    pub skipped: Vec<String>,
}

impl BankDocument {
    /// A recognized document that says it has no rates for its date (NBK's
    /// `<info>` reply, an empty `<CurrencyRates>`, an empty CBU array): no
    /// row read and none skipped.
    pub fn is_empty_day(&self) -> bool {
        self.rows.is_empty() && self.skipped.is_empty()
    }
}

/// How a format writes its decimals.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decimals {
    Dot,
    /// `87,4500` (NBKR, CBR); a dot is accepted too.
    Comma,
}

/// The power of ten a nominal is (`"100"` → 2); `None` unless it is a
/// positive power of ten written plainly.
pub fn nominal_exponent(nominal: &str) -> Option<u32> {
    let t = nominal.trim();
    let digits = t.strip_prefix('1')?;
    if digits.len() > 27 || !digits.bytes().all(|b| b == b'0') {
        return None;
    }
    Some(digits.len() as u32)
}

/// V/N as a decimal shift: `0.0780` per 100 → `0.000780`, every digit kept.
pub fn per_unit(value: Decimal, exponent: u32) -> Option<Decimal> {
    let mut d = value;
    d.set_scale(value.scale().checked_add(exponent)?).ok()?;
    Some(d)
}

/// A value as the format writes it, parsed exactly.
pub fn parse_value(text: &str, decimals: Decimals) -> Result<Rate> {
    let t = text.trim();
    let normal: Cow<'_, str> =
        if decimals == Decimals::Comma && t.contains(',') { Cow::Owned(t.replacen(',', ".", 1)) } else { Cow::Borrowed(t) };
    if normal.contains(',') {
        return Err(Error::invalid(format!("rate '{}' is not a number", echo(t))));
    }
    normal.parse::<Rate>().map_err(|e| Error::invalid(e.to_string().replace(&*normal, t)))
}

/// A date written `DD.MM.YYYY`.
pub fn date_dmy(text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() != 3 || parts[0].len() != 2 || parts[1].len() != 2 || parts[2].len() != 4 {
        return Err(Error::invalid(format!("date '{}' is not DD.MM.YYYY", echo(t))));
    }
    ymd(t, parts[2], parts[1], parts[0])
}

/// A date written `YYYY-MM-DD`.
pub fn date_iso(text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(Error::invalid(format!("date '{}' is not YYYY-MM-DD", echo(t))));
    }
    ymd(t, parts[0], parts[1], parts[2])
}

fn ymd(t: &str, y: &str, m: &str, d: &str) -> Result<NaiveDate> {
    let num = |s: &str| if s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u32>().ok() } else { None };
    let (Some(y), Some(m), Some(d)) = (num(y), num(m), num(d)) else {
        return Err(Error::invalid(format!("date '{}' is not a date", echo(t))));
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| Error::invalid(format!("date '{}' does not exist", echo(t))))
}

/// The document's date, required: missing or impossible refuses the document.
pub fn require_date(text: Option<&str>, parse: fn(&str) -> Result<NaiveDate>) -> Result<NaiveDate> {
    match text.map(str::trim) {
        None | Some("") => Err(Error::invalid("has no date")),
        Some(t) => parse(t),
    }
}

/// Collects a document's rows under the shared rules.
pub struct Rows {
    source: Source,
    home: Currency,
    decimals: Decimals,
    rows: Vec<Observation>,
    skipped: Vec<String>,
    /// Index of each (pair, time) in `rows`, for duplicates.
    seen: HashMap<(Pair, Instant), usize>,
}

impl Rows {
    /// Rows of a document of `format`, quoted in `home` (its source's currency).
    pub fn new(format: BankFormat, home: &str, decimals: Decimals) -> Result<Rows> {
        let source = format.source.parse()?;
        let home = home.parse()?;
        Ok(Rows { source, home, decimals, rows: Vec::new(), skipped: Vec::new(), seen: HashMap::new() })
    }

    pub fn home(&self) -> Currency {
        self.home
    }

    pub fn skip(&mut self, reason: String) {
        self.skipped.push(reason);
    }

    /// Reads one row: `nominal` units of `code` are worth `value` home units.
    /// A bad row is skipped with its reason; a currency listed twice with two
    /// values at one time refuses the document.
    pub fn push(&mut self, code: &str, nominal: Option<&str>, value: Option<&str>, at: Instant) -> Result<Option<Rate>> {
        match self.row(code, nominal, value) {
            Err(reason) => {
                self.skipped.push(reason);
                Ok(None)
            }
            Ok((pair, rate)) => self.keep(pair, rate, at).map(Some),
        }
    }

    /// Keeps one read row (duplicates and conflicts checked).
    pub fn keep(&mut self, pair: Pair, rate: Rate, at: Instant) -> Result<Rate> {
        if let Some(&i) = self.seen.get(&(pair, at)) {
            let before = &self.rows[i].rate;
            if before.same_value(&rate) {
                return Ok(rate);
            }
            return Err(Error::invalid(format!("lists {} twice with different values ({before} and {rate}): refused", pair.base)));
        }
        self.seen.insert((pair, at), self.rows.len());
        self.rows.push(Observation { source: self.source.clone(), pair, at, rate, change: None });
        Ok(rate)
    }

    /// The pair and per-unit rate of a row, or why it is skipped.
    pub fn row(&self, code: &str, nominal: Option<&str>, value: Option<&str>) -> Result<(Pair, Rate), String> {
        let code_t = code.trim();
        let shown = echo(code_t);
        let currency: Currency = code_t.parse().map_err(|_| format!("'{shown}' is not a three-letter currency code"))?;
        let pair = Pair::new(currency, self.home).map_err(|_| format!("{shown}: the document's own currency quoted against itself"))?;
        let nominal = nominal.map(str::trim).unwrap_or("1");
        let exponent =
            nominal_exponent(nominal).ok_or_else(|| format!("{shown}: nominal '{}' is not a positive power of ten", echo(nominal)))?;
        let value = value.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| format!("{shown}: no value"))?;
        let rate = parse_value(value, self.decimals).map_err(|e| format!("{shown}: {e}"))?;
        let shifted =
            per_unit(rate.decimal(), exponent).ok_or_else(|| format!("{shown}: '{}' per {nominal} has too many digits", echo(value)))?;
        let rate: Rate = shifted.to_string().parse().map_err(|e| format!("{shown}: {e}"))?;
        Ok((pair, rate))
    }

    pub fn finish(self, format: BankFormat, date: Option<NaiveDate>) -> BankDocument {
        BankDocument { format: Format::Bank(format), source: self.source, date, rows: self.rows, skipped: self.skipped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Formats like the banks' own (sources/ uses read/, not the other way).
    const NBK: BankFormat = BankFormat { name: "nbk", source: "nbk", root: Some("rates"), by_request: false };
    const NBKR: BankFormat = BankFormat { name: "nbkr-daily", source: "nbkr", root: Some("CurrencyRates"), by_request: false };

    #[test]
    fn nominals_are_positive_powers_of_ten() {
        assert_eq!(nominal_exponent("1"), Some(0));
        assert_eq!(nominal_exponent(" 10000 "), Some(4));
        for bad in ["3", "0", "-10", "10.0", "1e3", "", "01", "110", "1000000000000000000000000000000"] {
            assert_eq!(nominal_exponent(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_shift_keeps_every_digit() {
        let r = |s: &str, n: u32| per_unit(s.parse::<Decimal>().unwrap(), n).unwrap().to_string();
        assert_eq!(r("0.0780", 2), "0.000780");
        assert_eq!(r("62.8322", 4), "0.00628322");
        assert_eq!(r("0.09", 1), "0.009");
        assert_eq!(r("478.77", 0), "478.77");
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(date_dmy("01.04.2026").unwrap().to_string(), "2026-04-01");
        assert_eq!(date_iso("2026-05-18").unwrap().to_string(), "2026-05-18");
        assert_eq!(date_dmy("31.02.2026").unwrap_err().to_string(), "date '31.02.2026' does not exist");
        assert!(date_dmy("2026-02-01").is_err());
        assert!(date_iso("2026-1-01").is_err());
        assert!(date_dmy("+1.04.2026").is_err());
        assert_eq!(require_date(None, date_dmy).unwrap_err().to_string(), "has no date");
    }

    #[test]
    fn rows_skip_bad_ones_and_refuse_conflicts() {
        let at = Instant::from_unix(0);
        let mut rows = Rows::new(NBK, "KZT", Decimals::Dot).unwrap();
        assert!(rows.push("USD", Some("1"), Some("478.77"), at).unwrap().is_some());
        assert!(rows.push("XDR", Some("3"), Some("1"), at).unwrap().is_none());
        assert!(rows.push("EUR", Some("1"), Some("0"), at).unwrap().is_none());
        assert!(rows.push("EURO", Some("1"), Some("1"), at).unwrap().is_none());
        assert!(rows.push("KZT", Some("1"), Some("1"), at).unwrap().is_none());
        assert!(rows.push("GBP", Some("1"), Some("1,5"), at).unwrap().is_none());
        assert!(rows.push("USD", Some("1"), Some("478.770"), at).is_ok(), "same value twice: kept once");
        let e = rows.push("USD", Some("1"), Some("478.78"), at).unwrap_err().to_string();
        assert_eq!(e, "lists USD twice with different values (478.77 and 478.78): refused");
        let doc = rows.finish(NBK, None);
        assert_eq!(doc.rows.len(), 1);
        assert_eq!(doc.skipped.len(), 5, "{:?}", doc.skipped);
        assert!(doc.skipped[0].contains("nominal '3'"), "{:?}", doc.skipped);
        assert!(doc.skipped[1].contains("zero"), "{:?}", doc.skipped);
        let mut comma = Rows::new(NBKR, "KGS", Decimals::Comma).unwrap();
        assert_eq!(comma.push("USD", Some("1"), Some("87,4500"), at).unwrap().unwrap().to_string(), "87.4500");
    }
}
