//! NBKR, the National Bank of the Kyrgyz Republic: `daily.xml` and
//! `weekly.xml` (`<CurrencyRates Name="…" Date="DD.MM.YYYY">` with
//! `<Currency ISOCode>`, `<Nominal>`, `<Value>` in comma decimals; the
//! weekly file adds `<ValidFor>`), and the history page, whose rows
//! (`<!--date-->25.06.2005<!--date-->` … `<!--value-->40,9614<!--value-->`)
//! name no currency: the request's `valuta_id` does.

use super::bank::{date_dmy, require_date, BankDocument, Decimals, Rows};
use super::{root_of, xml, Format};
use crate::error::{Error, Result};
use crate::model::{Currency, Instant, Pair};

/// Daily or weekly, as the `Name` attribute says (`requested` when it says neither).
pub fn read(bytes: &[u8], requested: Format) -> Result<BankDocument> {
    let root = root_of(bytes, requested)?;
    let format = match root.attr("Name") {
        Some(n) if n.to_ascii_lowercase().contains("weekly") => Format::NbkrWeekly,
        Some(n) if n.to_ascii_lowercase().contains("daily") => Format::NbkrDaily,
        _ => requested,
    };
    let date = require_date(root.attr("Date"), date_dmy)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new("nbkr", Decimals::Comma)?;
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
    ["USD", "EUR", "CNY", "KZT", "RUB", "TJS", "UZS", "TMT"]
        .iter()
        .filter_map(|c| c.parse::<Currency>().ok())
        .find(|c| history_valuta_id(*c) == Some(id))
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
    let mut rows = Rows::new("nbkr", Decimals::Comma)?;
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
    Ok(rows.finish(Format::NbkrHistory, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DAILY: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbkr-daily-2026-05-24.xml");
    const HISTORY: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbkr-history-USD-2005-06.html");

    #[test]
    fn reads_the_daily_file() {
        let doc = read(DAILY, Format::NbkrDaily).unwrap();
        assert_eq!(doc.format, Format::NbkrDaily);
        assert_eq!(doc.rows.len(), 5);
        assert_eq!(doc.date.unwrap().to_string(), "2026-05-24");
        assert_eq!(rate_of(&doc, "USD/KGS"), "87.4500");
        assert_eq!(rate_of(&doc, "KZT/KGS"), "0.1859");
        assert_eq!(rate_of(&doc, "RUB/KGS"), "1.2263");
        assert!(doc.rows.iter().all(|o| o.at.rfc3339() == "2026-05-24T00:00:00Z" && o.source.as_str() == "nbkr"));
    }

    #[test]
    fn reads_a_weekly_file_by_its_name() {
        let text = std::str::from_utf8(DAILY).unwrap().replace("Daily Exchange Rates", "Weekly Exchange Rates").replace(
            "</CurrencyRates>",
            "<Currency ISOCode=\"UZS\">\n<Nominal>100</Nominal>\n<Value>0,7170</Value>\n<ValidFor>7</ValidFor>\n</Currency>\n</CurrencyRates>",
        );
        let doc = read(text.as_bytes(), Format::NbkrDaily).unwrap();
        assert_eq!(doc.format, Format::NbkrWeekly);
        assert_eq!(doc.rows.len(), 6);
        assert_eq!(rate_of(&doc, "UZS/KGS"), "0.007170");
    }

    #[test]
    fn an_empty_file_is_an_empty_day() {
        let doc = read(b"<?xml version=\"1.0\" encoding=\"windows-1251\" ?>\n<CurrencyRates Name=\"Daily Exchange Rates\" Date=\"25.05.2026\">\n</CurrencyRates>", Format::NbkrDaily).unwrap();
        assert!(doc.is_empty_day());
    }

    #[test]
    fn reads_the_history_page_for_the_requested_currency() {
        let usd: Currency = "USD".parse().unwrap();
        let doc = read_history(HISTORY, usd).unwrap();
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
        let page = std::str::from_utf8(HISTORY).unwrap();
        assert!(read_err(read_history(page.replacen("25.06.2005", "31.06.2005", 1).as_bytes(), usd)).contains("does not exist"));
        assert!(read_err(read_history(&HISTORY[..60], usd)).contains("cut short"));
        assert!(read_history(b"<html>no rows</html>", usd).unwrap().is_empty_day());
    }
}
