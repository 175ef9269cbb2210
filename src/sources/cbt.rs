//! CBT, the Central Bank of Turkmenistan: `<cbt_currency_rate>` with `<date>`
//! (`DD.MM.YYYY`, or `YYYY-MM-DD` in 2020–2023 files) and `<rate code>`s.
//! X/TMT comes from `<rate_tmt>` per `<multiplier>` units only: `<rate_usd>`
//! mixes directions (units per USD for most, USD per unit for EUR, GBP, AUD)
//! and is not an official quote, so it is never read.
//!
//! One URL per day (`/kurs/YYYY/DDMMYYYY.xml`); the archive starts
//! 2020-04-17. Quirks: Sundays answer 404, which is no error (no document
//! that day); the site refuses some default client User-Agents (403), so
//! `fetch` always sends its own (`fxsnap/<version>`, `fetch::http`).

use chrono::{Datelike, NaiveDate, Weekday};

use super::{dmy, Head, Match, Profile, Source};
use crate::error::Result;
use crate::model::{Currency, Instant};
use crate::read::bank::{date_dmy, date_iso, require_date, BankDocument, Decimals, Rows};
use crate::read::format::{BankFormat, Format};

pub struct Cbt;

const HOME: &str = "TMT";
/// `<cbt_currency_rate>`, X/TMT.
pub const DOCUMENT: BankFormat = BankFormat { name: "cbt", source: "cbt", root: Some("cbt_currency_rate"), by_request: false };
const FORMATS: &[Format] = &[Format::Bank(DOCUMENT)];

fn day_url(d: NaiveDate) -> String {
    format!("https://cbt.tm/kurs/{:04}/{}.xml", d.year(), dmy(d, None))
}

static PROFILE: Profile = Profile {
    label: "cbt",
    name: "Central Bank of Turkmenistan",
    country: "Turkmenistan",
    home: Some(HOME),
    data_url: "https://cbt.tm/kurs/",
};

impl Source for Cbt {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        FORMATS
    }
    fn day_url(&self, d: NaiveDate) -> Option<String> {
        Some(day_url(d))
    }
    /// No document on Sundays: the 404 that says so is no error.
    fn no_document(&self, asked: Option<NaiveDate>, status: u16) -> bool {
        status == 404 && asked.is_some_and(|d| d.weekday() == Weekday::Sun)
    }
    fn recognize(&self, head: &Head<'_>) -> Option<Match> {
        (head.root() == DOCUMENT.root).then_some(Match::Sure(DOCUMENT))
    }
    fn read(&self, _format: BankFormat, bytes: &[u8], _currency: Option<Currency>) -> Result<BankDocument> {
        read(bytes)
    }
}

fn date_either(text: &str) -> Result<NaiveDate> {
    if text.contains('-') {
        date_iso(text)
    } else {
        date_dmy(text)
    }
}

pub fn read(bytes: &[u8]) -> Result<BankDocument> {
    let root = DOCUMENT.root_of(bytes)?;
    let date = require_date(root.child_text("date"), date_either)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new(DOCUMENT, HOME, Decimals::Dot)?;
    for r in root.children_named("rate") {
        rows.push(r.attr("code").unwrap_or(""), r.child_text("multiplier"), r.child_text("rate_tmt"), at)?;
    }
    Ok(rows.finish(DOCUMENT, Some(date)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbt-2026-05-20.xml");

    #[test]
    fn one_url_per_day_and_sundays_404_is_no_document() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(Cbt.current(d("2026-05-20"))[0].url, "https://cbt.tm/kurs/2026/20052026.xml");
        assert!(Cbt.no_document(Some(d("2026-05-24")), 404), "a Sunday");
        assert!(!Cbt.no_document(Some(d("2026-05-25")), 404), "a Monday");
        assert!(!Cbt.no_document(Some(d("2026-05-24")), 500));
        assert!(!Cbt.no_document(None, 404));
    }

    #[test]
    fn reads_rate_tmt_and_never_rate_usd() {
        let doc = read(DOC).unwrap();
        assert_eq!(doc.rows.len(), 48);
        assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
        assert_eq!(doc.date.unwrap().to_string(), "2026-05-20");
        assert_eq!(rate_of(&doc, "USD/TMT"), "3.5");
        assert_eq!(rate_of(&doc, "KZT/TMT"), "0.007424");
        assert_eq!(rate_of(&doc, "EUR/TMT"), "4.0649");
        assert_eq!(rate_of(&doc, "UZS/TMT"), "0.0002913");
        // Every rate_usd of the document, as printed and as a decimal: none is stored.
        let root = crate::read::xml::parse(DOC).unwrap();
        let usd: Vec<String> = root.children_named("rate").filter_map(|r| r.child_text("rate_usd")).map(String::from).collect();
        assert_eq!(usd.len(), 48);
        for (r, o) in root.children_named("rate").zip(&doc.rows) {
            assert_eq!(r.attr("code"), Some(o.pair.base.as_str()));
            let printed = r.child_text("rate_usd").unwrap();
            if printed != "1" && r.child_text("rate_tmt") != Some(printed) {
                assert_ne!(o.rate.to_string(), printed, "{}", o.pair);
                assert_ne!(o.rate.decimal(), printed.parse::<rust_decimal::Decimal>().unwrap(), "{}", o.pair);
            }
        }
        assert!(!doc.rows.iter().any(|o| o.rate.to_string() == "471.44" || o.rate.to_string() == "1.1614"));
    }

    #[test]
    fn reads_iso_dates_and_refuses_impossible_ones() {
        let text = std::str::from_utf8(DOC).unwrap();
        let iso = text.replacen("<date>20.05.2026</date>", "<date>2022-05-20</date>", 1);
        assert_eq!(read(iso.as_bytes()).unwrap().date.unwrap().to_string(), "2022-05-20");
        let bad = text.replacen("<date>20.05.2026</date>", "<date>31.02.2026</date>", 1);
        assert_eq!(read_err(read(bad.as_bytes())), "date '31.02.2026' does not exist");
    }
}
