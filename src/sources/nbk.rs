//! NBK, the National Bank of Kazakhstan: `<rates>` with `<date>DD.MM.YYYY</date>`
//! and `<item>`s (`<title>` code, `<description>` KZT per `<quant>` units).
//! The root's own `<title>`, `<description>` and `<link>` describe the feed,
//! not a currency; `<change>` is an absolute change, not stored; a reply with
//! `<info>` and no items is an empty day. One URL per day, today's included.

use chrono::NaiveDate;

use super::{dmy, Head, Match, Profile, Source};
use crate::error::Result;
use crate::model::{Currency, Instant};
use crate::read::bank::{date_dmy, require_date, BankDocument, Decimals, Rows};
use crate::read::format::{BankFormat, Format};

pub struct Nbk;

const HOME: &str = "KZT";

/// `<rates>`, X/KZT.
pub const DOCUMENT: BankFormat = BankFormat { name: "nbk", source: "nbk", root: Some("rates"), by_request: false };
const FORMATS: &[Format] = &[Format::Bank(DOCUMENT)];

fn day_url(d: NaiveDate) -> String {
    format!("https://nationalbank.kz/rss/get_rates.cfm?fdate={}", dmy(d, Some('.')))
}

static PROFILE: Profile = Profile {
    label: "nbk",
    name: "National Bank of Kazakhstan",
    country: "Kazakhstan",
    home: Some(HOME),
    data_url: "https://nationalbank.kz/rss/get_rates.cfm",
};

impl Source for Nbk {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        FORMATS
    }
    fn day_url(&self, d: NaiveDate) -> Option<String> {
        Some(day_url(d))
    }
    fn recognize(&self, head: &Head<'_>) -> Option<Match> {
        (head.root() == Some("rates")).then_some(Match::Sure(DOCUMENT))
    }
    fn read(&self, _format: BankFormat, bytes: &[u8], _currency: Option<Currency>) -> Result<BankDocument> {
        read(bytes)
    }
}

pub fn read(bytes: &[u8]) -> Result<BankDocument> {
    let root = DOCUMENT.root_of(bytes)?;
    let date = require_date(root.child_text("date"), date_dmy)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new(DOCUMENT, HOME, Decimals::Dot)?;
    for item in root.children_named("item") {
        let code = item.child_text("title").unwrap_or("");
        rows.push(code, item.child_text("quant"), item.child_text("description"), at)?;
    }
    Ok(rows.finish(DOCUMENT, Some(date)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbk-2026-04-01.xml");

    #[test]
    fn one_url_per_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let r = Nbk.current(d("2026-04-01"));
        assert_eq!(r[0].url, "https://nationalbank.kz/rss/get_rates.cfm?fdate=01.04.2026");
        assert_eq!(r[0].asked_date, Some(d("2026-04-01")));
        assert_eq!(Nbk.past(d("2026-03-30"), d("2026-04-01")).unwrap().len(), 3);
    }

    #[test]
    fn reads_every_item_and_not_the_feeds_own_title() {
        let doc = read(DOC).unwrap();
        assert_eq!(doc.rows.len(), 39);
        assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
        assert_eq!(doc.date.unwrap().to_string(), "2026-04-01");
        assert_eq!(doc.source.as_str(), "nbk");
        assert_eq!(rate_of(&doc, "USD/KZT"), "478.77");
        assert_eq!(rate_of(&doc, "KGS/KZT"), "5.47");
        assert_eq!(rate_of(&doc, "UZS/KZT"), "0.0393");
        assert_eq!(rate_of(&doc, "TJS/KZT"), "50.19");
        assert!(doc.rows.iter().all(|o| o.at.rfc3339() == "2026-04-01T00:00:00Z" && o.change.is_none()));
        assert!(!doc.rows.iter().any(|o| o.pair.base.as_str() == "TMT"), "NBK quotes no TMT");
        assert!(!doc.is_empty_day());
    }

    #[test]
    fn an_info_reply_is_an_empty_day() {
        let reply = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rates><date>05.04.2026</date><info>Нет данных</info></rates>";
        let doc = read(reply.as_bytes()).unwrap();
        assert!(doc.is_empty_day());
        assert_eq!(doc.date.unwrap().to_string(), "2026-04-05");
    }

    #[test]
    fn a_bad_row_is_skipped_and_the_rest_kept() {
        let text = std::str::from_utf8(DOC).unwrap();
        let text = text.replacen("<description>478.77</description>", "<description>0</description>", 1);
        let text = text.replacen("<quant>10</quant>", "<quant>3</quant>", 1);
        let doc = read(text.as_bytes()).unwrap();
        assert_eq!(doc.rows.len(), 37);
        assert_eq!(doc.skipped.len(), 2, "{:?}", doc.skipped);
        assert!(doc.skipped.iter().any(|s| s.starts_with("USD:") && s.contains("zero")), "{:?}", doc.skipped);
        assert!(doc.skipped.iter().any(|s| s.starts_with("AMD:") && s.contains("nominal '3'")), "{:?}", doc.skipped);
        assert_eq!(rate_of(&doc, "KGS/KZT"), "5.47");
    }

    #[test]
    fn conflicts_and_dates_refuse_the_document() {
        let text = std::str::from_utf8(DOC).unwrap();
        let twice = text.replacen("<title>AZN</title>", "<title>AUD</title>", 1);
        assert_eq!(read_err(read(twice.as_bytes())), "lists AUD twice with different values (328.01 and 282.46): refused");
        let same_twice =
            text.replacen("</rates>", "<item><title>USD</title><description>478.770</description><quant>1</quant></item></rates>", 1);
        assert_eq!(read(same_twice.as_bytes()).unwrap().rows.len(), 39);
        let impossible = text.replacen("<date>01.04.2026</date>", "<date>31.02.2026</date>", 1);
        assert_eq!(read_err(read(impossible.as_bytes())), "date '31.02.2026' does not exist");
        let missing = text.replacen("<date>01.04.2026</date>", "", 1);
        assert_eq!(read_err(read(missing.as_bytes())), "has no date");
        assert!(read_err(read(&DOC[..DOC.len() / 2])).contains("cut short"));
    }
}
