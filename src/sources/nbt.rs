//! NBT, the National Bank of Tajikistan: `<ValCurs Date="YYYY-MM-DD">` with
//! `<Valute>`s (`<CharCode>`, `<Nominal>`, `<Value>`: TJS per Nominal units,
//! dot decimals). `CharCode` is trusted, not the numeric `ID`. One URL per
//! day. Quirk: for a date outside its archive NBT silently answers with
//! today's document; its `Date` then differs from the day asked, and `fetch`
//! stores it under its own date and says so.
//! Source: National Bank of Tajikistan, www.nbt.tj.

use chrono::NaiveDate;

use super::{is_iso_date, Head, Match, Profile, Source};
use crate::error::Result;
use crate::model::{Currency, Instant};
use crate::read::bank::{date_iso, require_date, BankDocument, Decimals, Rows};
use crate::read::format::{BankFormat, Format};

pub struct Nbt;

const HOME: &str = "TJS";
/// `<ValCurs Date="YYYY-MM-DD">`, X/TJS.
pub const DOCUMENT: BankFormat = BankFormat { name: "nbt", source: "nbt", root: Some("ValCurs"), by_request: false };
const FORMATS: &[Format] = &[Format::Bank(DOCUMENT)];

fn day_url(d: NaiveDate) -> String {
    format!("https://www.nbt.tj/en/kurs/export_xml.php?date={d}&export=xmlout")
}

static PROFILE: Profile = Profile {
    label: "nbt",
    name: "National Bank of Tajikistan",
    country: "Tajikistan",
    home: Some(HOME),
    data_url: "https://www.nbt.tj/en/kurs/export_xml.php",
};

impl Source for Nbt {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        FORMATS
    }
    fn day_url(&self, d: NaiveDate) -> Option<String> {
        Some(day_url(d))
    }
    /// `<ValCurs>` is CBR's root too: a `YYYY-MM-DD` date is surely NBT's;
    /// a `<ValCurs>` without one (and without CBR's range) may be.
    fn recognize(&self, head: &Head<'_>) -> Option<Match> {
        if head.root() != Some("ValCurs") || head.attr("ID").is_some() || head.attr("DateRange1").is_some() {
            return None;
        }
        Some(if head.attr("Date").is_some_and(is_iso_date) { Match::Sure(DOCUMENT) } else { Match::Maybe(DOCUMENT) })
    }
    fn read(&self, _format: BankFormat, bytes: &[u8], _currency: Option<Currency>) -> Result<BankDocument> {
        read(bytes)
    }
}

pub fn read(bytes: &[u8]) -> Result<BankDocument> {
    let root = DOCUMENT.root_of(bytes)?;
    let date = require_date(root.attr("Date"), date_iso)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new(DOCUMENT, HOME, Decimals::Dot)?;
    for v in root.children_named("Valute") {
        rows.push(v.child_text("CharCode").unwrap_or(""), v.child_text("Nominal"), v.child_text("Value"), at)?;
    }
    Ok(rows.finish(DOCUMENT, Some(date)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbt-2026-05-18.xml");

    #[test]
    fn one_url_per_day() {
        let d: NaiveDate = "2026-05-18".parse().unwrap();
        assert_eq!(Nbt.current(d)[0].url, "https://www.nbt.tj/en/kurs/export_xml.php?date=2026-05-18&export=xmlout");
    }

    #[test]
    fn reads_every_valute_keeping_every_digit() {
        let doc = read(DOC).unwrap();
        assert_eq!(doc.rows.len(), 36);
        assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
        assert_eq!(doc.date.unwrap().to_string(), "2026-05-18");
        assert_eq!(rate_of(&doc, "USD/TJS"), "9.3450");
        assert_eq!(rate_of(&doc, "KGS/TJS"), "0.10686");
        assert_eq!(rate_of(&doc, "KZT/TJS"), "0.01971");
        assert_eq!(rate_of(&doc, "UZS/TJS"), "0.000780");
    }

    #[test]
    fn refuses_an_impossible_date() {
        let text = std::str::from_utf8(DOC).unwrap().replacen("2026-05-18", "2026-02-31", 1);
        assert_eq!(read_err(read(text.as_bytes())), "date '2026-02-31' does not exist");
    }
}
