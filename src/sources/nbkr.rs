//! NBKR, the National Bank of the Kyrgyz Republic: `daily.xml` and
//! `weekly.xml` (`<CurrencyRates Name="…" Date="DD.MM.YYYY">` with
//! `<Currency ISOCode>`, `<Nominal>`, `<Value>` in comma decimals; the
//! weekly file adds `<ValidFor>`), and the history page, whose rows
//! (`<!--date-->25.06.2005<!--date-->` … `<!--value-->40,9614<!--value-->`)
//! name no currency: the request's `valuta_id` does.
//!
//! Quirks: the current files name no date in their URL, and their `Date`
//! is the day the rates take effect — published the evening before, so a
//! day ahead of UTC's today. The past is the history page, one request per
//! currency and calendar year (one covers at most about a year).

use chrono::{Datelike, NaiveDate};

use super::{Profile, currencies, Head, Match, Request, Source};
use crate::error::{Error, Result};
use crate::model::{Currency, Instant, Pair};
use crate::read::bank::{date_dmy, require_date, BankDocument, Decimals, Rows};
use crate::read::format::{BankFormat, Format};
use crate::read::xml;

pub struct Nbkr;

const HOME: &str = "KGS";
/// `daily.xml`: USD, EUR, CNY, KZT, RUB.
pub const DAILY: BankFormat = BankFormat { name: "nbkr-daily", source: "nbkr", root: Some("CurrencyRates"), by_request: false };
/// `weekly.xml`: some 40 other currencies, each `<ValidFor>7</ValidFor>`.
pub const WEEKLY: BankFormat = BankFormat { name: "nbkr-weekly", source: "nbkr", root: Some("CurrencyRates"), by_request: false };
/// The history page of one currency (named by its request's `valuta_id`).
pub const HISTORY: BankFormat = BankFormat { name: "nbkr-history", source: "nbkr", root: None, by_request: true };
const FORMATS: &[Format] = &[Format::Bank(DAILY), Format::Bank(WEEKLY), Format::Bank(HISTORY)];
/// Either current file may answer either URL.
const CURRENT: &[Format] = &[Format::Bank(DAILY), Format::Bank(WEEKLY)];
const PAST: &[Format] = &[Format::Bank(HISTORY)];

/// The currencies asked for on the history page: every one with a known
/// `valuta_id` (all with nominal 1).
pub const HISTORY_CURRENCIES: [&str; 8] = ["USD", "EUR", "CNY", "KZT", "RUB", "TJS", "UZS", "TMT"];

static PROFILE: Profile = Profile {
    label: "nbkr",
    name: "National Bank of the Kyrgyz Republic",
    country: "Kyrgyzstan",
    home: Some(HOME),
    data_url: "https://www.nbkr.kg/XML/daily.xml",
};

impl Source for Nbkr {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        FORMATS
    }
    fn current(&self, _today: NaiveDate) -> Vec<Request> {
        vec![
            Request::undated(self.label(), "https://www.nbkr.kg/XML/daily.xml", CURRENT),
            Request::undated(self.label(), "https://www.nbkr.kg/XML/weekly.xml", CURRENT),
        ]
    }
    fn past(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Request>> {
        let mut out = Vec::new();
        for (start, end) in years(from, to) {
            for cur in currencies(&HISTORY_CURRENCIES) {
                let Some(id) = history_valuta_id(cur) else { continue };
                out.push(Request::per_currency(self.label(), history_url(id, start, end), PAST, cur));
            }
        }
        Ok(out)
    }
    fn publishes_ahead(&self) -> u64 {
        1
    }
    fn recognize(&self, head: &Head<'_>) -> Option<Match> {
        let Head::Xml { root: "CurrencyRates", text, .. } = head else { return None };
        let weekly = match head.attr("Name").map(str::to_ascii_lowercase) {
            Some(n) if n.contains("weekly") => true,
            Some(n) if n.contains("daily") => false,
            _ => text.contains("<ValidFor>"),
        };
        Some(Match::Sure(if weekly { WEEKLY } else { DAILY }))
    }
    fn read(&self, format: BankFormat, bytes: &[u8], currency: Option<Currency>) -> Result<BankDocument> {
        match (format == HISTORY, currency) {
            (true, Some(c)) => read_history(bytes, c),
            (true, None) => Err(Error::invalid(
                "is NBKR's history page, which names no currency (its request did): `fxsnap fetch nbkr --from … --to …` reads it",
            )),
            (false, _) => read(bytes, format),
        }
    }
    /// The history page, by its rows' marks.
    fn by_request(&self, head: &[u8]) -> Option<BankFormat> {
        head.windows(DATE_MARK.len()).any(|w| w == DATE_MARK.as_bytes()).then_some(HISTORY)
    }
    fn currency_of_url(&self, url: &str) -> Option<Currency> {
        history_currency_of_url(url)
    }
    /// A range without rates gives the page without rows.
    fn page_without_rows(&self, body: &[u8]) -> Option<Result<()>> {
        if self.by_request(body).is_some() {
            return None;
        }
        Some(if xml::looks_like_html(body) {
            Ok(())
        } else {
            Err(Error::invalid("not nbkr's history page (no <!--date--> rows, and not HTML)"))
        })
    }
}

/// NBKR's history page for one currency from `from` to `to` (within one year).
pub fn history_url(valuta_id: u32, from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "https://www.nbkr.kg/index1.jsp?beg_day={:02}&beg_month={:02}&beg_year={}&end_day={:02}&end_month={:02}&end_year={}&item=1562&lang=ENG&valuta_id={valuta_id}",
        from.day(),
        from.month(),
        from.year(),
        to.day(),
        to.month(),
        to.year()
    )
}

/// `from..=to` cut at year boundaries.
fn years(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = NaiveDate::from_ymd_opt(start.year(), 12, 31).map_or(to, |e| e.min(to));
        out.push((start, end));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

/// Daily or weekly, as the `Name` attribute says (`requested` when it says neither).
pub fn read(bytes: &[u8], requested: BankFormat) -> Result<BankDocument> {
    let root = requested.root_of(bytes)?;
    let format = match root.attr("Name") {
        Some(n) if n.to_ascii_lowercase().contains("weekly") => WEEKLY,
        Some(n) if n.to_ascii_lowercase().contains("daily") => DAILY,
        _ => requested,
    };
    let date = require_date(root.attr("Date"), date_dmy)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new(format, HOME, Decimals::Comma)?;
    for c in root.children_named("Currency") {
        rows.push(c.attr("ISOCode").unwrap_or(""), c.child_text("Nominal"), c.child_text("Value"), at)?;
    }
    Ok(rows.finish(format, Some(date)))
}

/// The history page's `valuta_id` for a currency (all with nominal 1).
pub fn history_valuta_id(currency: Currency) -> Option<u32> {
    Some(match currency.as_str() {
        "USD" => 15,
        "EUR" => 20,
        "CNY" => 24,
        "KZT" => 40,
        "RUB" => 44,
        "TJS" => 45,
        "UZS" => 46,
        "TMT" => 108,
        _ => return None,
    })
}

/// The currency of an NBKR history request, from its URL's `valuta_id`
/// (how an archived response is read again without its request).
pub fn history_currency_of_url(url: &str) -> Option<Currency> {
    if !url.contains("nbkr.kg") && !url.contains("index1.jsp") {
        return None;
    }
    let query = url.split_once('?')?.1;
    let id: u32 = query.split('&').find_map(|kv| kv.strip_prefix("valuta_id="))?.parse().ok()?;
    currencies(&HISTORY_CURRENCIES).find(|c| history_valuta_id(*c) == Some(id))
}

const DATE_MARK: &str = "<!--date-->";
const VALUE_MARK: &str = "<!--value-->";

/// The text between the next pair of `mark`s after `from`: (text, end).
fn marked<'a>(page: &'a str, from: usize, mark: &str) -> Result<Option<(&'a str, usize)>> {
    let Some(open) = page[from..].find(mark).map(|i| from + i + mark.len()) else { return Ok(None) };
    let close =
        page[open..].find(mark).map(|i| open + i).ok_or_else(|| Error::invalid(format!("is cut short: a {mark} is never closed")))?;
    Ok(Some((&page[open..close], close + mark.len())))
}

/// The history page of one currency (the one the request named): one row
/// per `<!--date-->`, each at its own date; the document has no date of its own.
pub fn read_history(bytes: &[u8], currency: Currency) -> Result<BankDocument> {
    xml::check_size(bytes)?;
    // Only ASCII markers, dates and digits matter; the rest may be any encoding.
    let page = String::from_utf8_lossy(bytes);
    let mut rows = Rows::new(HISTORY, HOME, Decimals::Comma)?;
    Pair::new(currency, rows.home()).map_err(|_| Error::invalid(format!("quotes {currency}, the som itself")))?;
    let mut pos = 0;
    while let Some((date, end)) = marked(&page, pos, DATE_MARK)? {
        let date = date_dmy(date)?;
        let Some((value, after)) = marked(&page, end, VALUE_MARK)? else {
            return Err(Error::invalid(format!("has a date ({date}) without a value: cut short?")));
        };
        if page[end..after].contains(DATE_MARK) {
            return Err(Error::invalid(format!("has a date ({date}) without a value")));
        }
        rows.push(currency.as_str(), Some("1"), Some(value), Instant::start_of_day(date))?;
        pos = after;
    }
    if page[pos..].contains(VALUE_MARK) {
        return Err(Error::invalid("has a value without a date"));
    }
    Ok(rows.finish(HISTORY, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DAILY_DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbkr-daily-2026-05-24.xml");
    const HISTORY_DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbkr-history-USD-2005-06.html");

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn current_files_and_history_pages_per_currency_and_year() {
        let r = Nbkr.current(d("2026-04-25"));
        assert_eq!(r.len(), 2);
        assert!(!r[0].dated);
        let r = Nbkr.past(d("2005-06-01"), d("2005-06-30")).unwrap();
        assert_eq!(r.len(), HISTORY_CURRENCIES.len());
        assert!(r.iter().any(|q| q.url
            == "https://www.nbkr.kg/index1.jsp?beg_day=01&beg_month=06&beg_year=2005&end_day=30&end_month=06&end_year=2005&item=1562&lang=ENG&valuta_id=15"));
        assert_eq!(Nbkr.past(d("2024-12-30"), d("2026-01-02")).unwrap().len(), 3 * HISTORY_CURRENCIES.len());
        for c in currencies(&HISTORY_CURRENCIES) {
            assert!(history_valuta_id(c).is_some(), "{c}");
        }
        assert_eq!(history_currency_of_url(&r[0].url), r[0].currency);
        assert!(Nbkr.page_without_rows(HISTORY_DOC).is_none());
        assert!(matches!(Nbkr.page_without_rows(b"<html><p>no rows</p></html>"), Some(Ok(()))));
        assert!(matches!(Nbkr.page_without_rows(b"<rates/>"), Some(Err(_))));
    }

    #[test]
    fn reads_the_daily_file() {
        let doc = read(DAILY_DOC, DAILY).unwrap();
        assert_eq!(doc.format, Format::Bank(DAILY));
        assert_eq!(doc.rows.len(), 5);
        assert_eq!(doc.date.unwrap().to_string(), "2026-05-24");
        assert_eq!(rate_of(&doc, "USD/KGS"), "87.4500");
        assert_eq!(rate_of(&doc, "KZT/KGS"), "0.1859");
        assert_eq!(rate_of(&doc, "RUB/KGS"), "1.2263");
        assert!(doc.rows.iter().all(|o| o.at.rfc3339() == "2026-05-24T00:00:00Z" && o.source.as_str() == "nbkr"));
    }

    #[test]
    fn reads_a_weekly_file_by_its_name() {
        let text = std::str::from_utf8(DAILY_DOC).unwrap().replace("Daily Exchange Rates", "Weekly Exchange Rates").replace(
            "</CurrencyRates>",
            "<Currency ISOCode=\"UZS\">\n<Nominal>100</Nominal>\n<Value>0,7170</Value>\n<ValidFor>7</ValidFor>\n</Currency>\n</CurrencyRates>",
        );
        let doc = read(text.as_bytes(), DAILY).unwrap();
        assert_eq!(doc.format, Format::Bank(WEEKLY));
        assert_eq!(doc.rows.len(), 6);
        assert_eq!(rate_of(&doc, "UZS/KGS"), "0.007170");
    }

    #[test]
    fn an_empty_file_is_an_empty_day() {
        let doc = read(b"<?xml version=\"1.0\" encoding=\"windows-1251\" ?>\n<CurrencyRates Name=\"Daily Exchange Rates\" Date=\"25.05.2026\">\n</CurrencyRates>", DAILY).unwrap();
        assert!(doc.is_empty_day());
    }

    #[test]
    fn reads_the_history_page_for_the_requested_currency() {
        let usd: Currency = "USD".parse().unwrap();
        let doc = read_history(HISTORY_DOC, usd).unwrap();
        assert_eq!(doc.rows.len(), 4);
        assert_eq!(doc.date, None);
        let first = &doc.rows[0];
        assert_eq!(
            (first.pair.to_string(), first.rate.to_string(), first.at.rfc3339()),
            ("USD/KGS".into(), "40.9614".into(), "2005-06-25T00:00:00Z".into())
        );
        assert_eq!(doc.rows[3].at.rfc3339(), "2005-06-04T00:00:00Z");
        assert_eq!(doc.rows[3].rate.to_string(), "40.9879");
        assert_eq!(history_valuta_id(usd), Some(15));
        assert_eq!(history_valuta_id("TMT".parse().unwrap()), Some(108));
        assert_eq!(history_valuta_id("GBP".parse().unwrap()), None);
        let page = std::str::from_utf8(HISTORY_DOC).unwrap();
        assert!(read_err(read_history(page.replacen("25.06.2005", "31.06.2005", 1).as_bytes(), usd)).contains("does not exist"));
        assert!(read_err(read_history(&HISTORY_DOC[..60], usd)).contains("cut short"));
        assert!(read_history(b"<html>no rows</html>", usd).unwrap().is_empty_day());
    }
}
