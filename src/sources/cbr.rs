//! CBR, the Central Bank of Russia: the daily document (`<ValCurs
//! Date="DD.MM.YYYY">` with `<Valute>`s: `<CharCode>`, `<Nominal>`,
//! `<Value>` and `<VunitRate>`, comma decimals, windows-1251) and the dynamic
//! form for one currency over a range (`<ValCurs ID="R01335" DateRange1=…>`
//! with `<Record Date Id>`s), whose currency is known only by CBR's id.
//! `VunitRate` (the value per unit) must agree with Value/Nominal: a
//! document where it does not is refused, as a sign of a misread.
//!
//! One day is the daily document (`XML_daily.asp?date_req=DD/MM/YYYY`),
//! which has every currency; a range is one dynamic request per currency
//! (by CBR's id) for the whole range. CBR publishes the next day's rate the
//! day before, so its document may be dated a day ahead of UTC's today.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Profile, currencies, dmy, is_iso_date, Head, Match, Request, Source};
use crate::error::{Error, Result};
use crate::model::{echo, Currency, Instant, Rate};
use crate::read::bank::{date_dmy, parse_value, require_date, BankDocument, Decimals, Rows};
use crate::read::format::{BankFormat, Format};
use crate::read::xml;

pub struct Cbr;

const HOME: &str = "RUB";
/// `<ValCurs Date="DD.MM.YYYY">`: every currency on one day, X/RUB.
pub const DAILY: BankFormat = BankFormat { name: "cbr-daily", source: "cbr", root: Some("ValCurs"), by_request: false };
/// `<ValCurs ID="R01335" DateRange1=…>`: one currency over a range.
pub const DYNAMIC: BankFormat = BankFormat { name: "cbr-dynamic", source: "cbr", root: Some("ValCurs"), by_request: false };
const FORMATS: &[Format] = &[Format::Bank(DAILY), Format::Bank(DYNAMIC)];
const ONE_DAY: &[Format] = &[Format::Bank(DAILY)];
const RANGE: &[Format] = &[Format::Bank(DYNAMIC)];

/// The currencies asked for over a range: the five, USD, EUR and CNY.
pub const DYNAMIC_CURRENCIES: [&str; 8] = ["KGS", "KZT", "TJS", "UZS", "TMT", "USD", "EUR", "CNY"];

fn day_url(d: NaiveDate) -> String {
    format!("https://www.cbr.ru/scripts/XML_daily.asp?date_req={}", dmy(d, Some('/')))
}

/// CBR's dynamic document for one currency id over a range.
pub fn dynamic_url(id: &str, from: NaiveDate, to: NaiveDate) -> String {
    format!("https://www.cbr.ru/scripts/XML_dynamic.asp?date_req1={}&date_req2={}&VAL_NM_RQ={id}", dmy(from, Some('/')), dmy(to, Some('/')))
}

static PROFILE: Profile = Profile {
    label: "cbr",
    name: "Central Bank of Russia",
    country: "Russia",
    home: Some(HOME),
    data_url: "https://www.cbr.ru/scripts/XML_daily.asp",
};

impl Source for Cbr {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        FORMATS
    }
    fn day_url(&self, d: NaiveDate) -> Option<String> {
        Some(day_url(d))
    }
    fn day_formats(&self) -> &'static [Format] {
        ONE_DAY
    }
    fn past(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Request>> {
        if from >= to {
            return Ok(super::days(from, to).filter_map(|d| self.day_request(d)).collect());
        }
        Ok(currencies(&DYNAMIC_CURRENCIES)
            .filter_map(|cur| Some(Request::per_currency(self.label(), dynamic_url(cbr_id(cur)?, from, to), RANGE, cur)))
            .collect())
    }
    fn publishes_ahead(&self) -> u64 {
        1
    }
    /// `<ValCurs>` is NBT's root too: CBR's range, its `DD.MM.YYYY` date, or
    /// (without a date of NBT's form) its `<VunitRate>`/`<NumCode>` marks.
    fn recognize(&self, head: &Head<'_>) -> Option<Match> {
        let Head::Xml { root: "ValCurs", text, .. } = head else { return None };
        if head.attr("ID").is_some() || head.attr("DateRange1").is_some() {
            return Some(Match::Sure(DYNAMIC));
        }
        let date = head.attr("Date");
        let dmy = date.is_some_and(|d| {
            let d = d.trim().as_bytes();
            d.len() == 10 && d[2] == b'.' && d[5] == b'.'
        });
        let marks = !date.is_some_and(is_iso_date) && (text.contains("<VunitRate>") || text.contains("<NumCode>"));
        (dmy || marks).then_some(Match::Sure(DAILY))
    }
    fn read(&self, format: BankFormat, bytes: &[u8], _currency: Option<Currency>) -> Result<BankDocument> {
        if format == DYNAMIC {
            read_dynamic(bytes)
        } else {
            read_daily(bytes)
        }
    }
}

/// CBR's ids and the currencies they stand for: every pair of the daily document.
const IDS: [(&str, &str); 54] = [
    ("R01010", "AUD"),
    ("R01020A", "AZN"),
    ("R01030", "DZD"),
    ("R01035", "GBP"),
    ("R01060", "AMD"),
    ("R01080", "BHD"),
    ("R01090B", "BYN"),
    ("R01105", "BOB"),
    ("R01115", "BRL"),
    ("R01135", "HUF"),
    ("R01150", "VND"),
    ("R01200", "HKD"),
    ("R01210", "GEL"),
    ("R01215", "DKK"),
    ("R01230", "AED"),
    ("R01235", "USD"),
    ("R01239", "EUR"),
    ("R01240", "EGP"),
    ("R01270", "INR"),
    ("R01280", "IDR"),
    ("R01300", "IRR"),
    ("R01335", "KZT"),
    ("R01350", "CAD"),
    ("R01355", "QAR"),
    ("R01370", "KGS"),
    ("R01375", "CNY"),
    ("R01395", "CUP"),
    ("R01500", "MDL"),
    ("R01503", "MNT"),
    ("R01520", "NGN"),
    ("R01530", "NZD"),
    ("R01535", "NOK"),
    ("R01540", "OMR"),
    ("R01565", "PLN"),
    ("R01580", "SAR"),
    ("R01585F", "RON"),
    ("R01589", "XDR"),
    ("R01625", "SGD"),
    ("R01670", "TJS"),
    ("R01675", "THB"),
    ("R01685", "BDT"),
    ("R01700J", "TRY"),
    ("R01710A", "TMT"),
    ("R01717", "UZS"),
    ("R01720", "UAH"),
    ("R01760", "CZK"),
    ("R01770", "SEK"),
    ("R01775", "CHF"),
    ("R01800", "ETB"),
    ("R01805F", "RSD"),
    ("R01810", "ZAR"),
    ("R01815", "KRW"),
    ("R01820", "JPY"),
    ("R02005", "MMK"),
];

/// CBR's id for a currency (`USD` → `R01235`), for `XML_dynamic.asp?VAL_NM_RQ=`.
pub fn cbr_id(currency: Currency) -> Option<&'static str> {
    IDS.iter().find(|(_, c)| *c == currency.as_str()).map(|(id, _)| *id)
}

/// The currency a CBR id stands for (case-insensitive).
pub fn currency_of_cbr_id(id: &str) -> Option<Currency> {
    IDS.iter().find(|(i, _)| i.eq_ignore_ascii_case(id.trim())).and_then(|(_, c)| c.parse().ok())
}

/// Checks `VunitRate` against the per-unit rate: equal to within half a unit
/// of VunitRate's own last printed digit.
fn check_unit_rate(code: &str, per_unit: &Rate, unit_rate: Option<&str>) -> Result<()> {
    let Some(text) = unit_rate.filter(|t| !t.is_empty()) else { return Ok(()) };
    let printed = parse_value(text, Decimals::Comma).map_err(|e| Error::invalid(format!("{}: VunitRate {e}", echo(code))))?;
    let diff = (per_unit.decimal() - printed.decimal()).abs();
    let half_unit = Decimal::new(5, printed.decimal().scale().saturating_add(1).min(28));
    if diff > half_unit {
        return Err(Error::invalid(format!("{}: VunitRate {} disagrees with Value/Nominal = {per_unit}: refused", echo(code), echo(text))));
    }
    Ok(())
}

/// One row: skipped with its reason, or kept after its VunitRate check.
fn push_checked(rows: &mut Rows, code: &str, el: &xml::Element, at: Instant) -> Result<()> {
    match rows.row(code, el.child_text("Nominal"), el.child_text("Value")) {
        Err(reason) => rows.skip(reason),
        Ok((pair, rate)) => {
            check_unit_rate(code, &rate, el.child_text("VunitRate"))?;
            rows.keep(pair, rate, at)?;
        }
    }
    Ok(())
}

/// The daily document: every currency at the document's date.
pub fn read_daily(bytes: &[u8]) -> Result<BankDocument> {
    let root = DAILY.root_of(bytes)?;
    let date = require_date(root.attr("Date"), date_dmy)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new(DAILY, HOME, Decimals::Comma)?;
    for v in root.children_named("Valute") {
        push_checked(&mut rows, v.child_text("CharCode").unwrap_or(""), v, at)?;
    }
    Ok(rows.finish(DAILY, Some(date)))
}

/// The dynamic form: one currency (by CBR id), each record at its own date.
pub fn read_dynamic(bytes: &[u8]) -> Result<BankDocument> {
    let root = DYNAMIC.root_of(bytes)?;
    let id = root.attr("ID").unwrap_or("").trim();
    let currency =
        currency_of_cbr_id(id).ok_or_else(|| Error::invalid(format!("names the CBR id '{}', which fxsnap does not know", echo(id))))?;
    let mut rows = Rows::new(DYNAMIC, HOME, Decimals::Comma)?;
    for r in root.children_named("Record") {
        let date = require_date(r.attr("Date"), date_dmy)?;
        let code = match r.attr("Id").map(str::trim) {
            None | Some("") => currency,
            Some(rid) if rid.eq_ignore_ascii_case(id) => currency,
            Some(rid) => match currency_of_cbr_id(rid) {
                Some(c) => c,
                None => {
                    rows.skip(format!("record of {date}: unknown CBR id '{}'", echo(rid)));
                    continue;
                }
            },
        };
        push_checked(&mut rows, code.as_str(), r, Instant::start_of_day(date))?;
    }
    Ok(rows.finish(DYNAMIC, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DAILY_DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-daily-2026-04-25.xml");
    const USD: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-dynamic-USD-2026-03.xml");
    const KZT: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-dynamic-KZT-2026-03.xml");

    /// The fixture as text, edited, and back in its own encoding.
    fn edit(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
        assert!(text.contains(from), "{from}");
        encoding_rs::WINDOWS_1251.encode(&text.replacen(from, to, 1)).0.into_owned()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_day_is_the_daily_document_and_a_range_one_request_per_currency() {
        assert_eq!(Cbr.current(d("2026-04-25"))[0].url, "https://www.cbr.ru/scripts/XML_daily.asp?date_req=25/04/2026");
        let r = Cbr.past(d("2026-04-25"), d("2026-04-25")).unwrap();
        assert_eq!((r.len(), r[0].expects), (1, ONE_DAY));
        let r = Cbr.past(d("2026-03-01"), d("2026-03-05")).unwrap();
        assert_eq!(r.len(), DYNAMIC_CURRENCIES.len());
        assert!(r
            .iter()
            .any(|q| q.url == "https://www.cbr.ru/scripts/XML_dynamic.asp?date_req1=01/03/2026&date_req2=05/03/2026&VAL_NM_RQ=R01335"));
        assert!(currencies(&DYNAMIC_CURRENCIES).all(|c| cbr_id(c).is_some()));
    }

    #[test]
    fn reads_the_daily_document() {
        let doc = read_daily(DAILY_DOC).unwrap();
        assert_eq!(doc.rows.len(), 54);
        assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
        assert_eq!(doc.date.unwrap().to_string(), "2026-04-25");
        assert_eq!(rate_of(&doc, "USD/RUB"), "75.5273");
        assert_eq!(rate_of(&doc, "KZT/RUB"), "0.163172");
        assert_eq!(rate_of(&doc, "UZS/RUB"), "0.00628322");
        assert_eq!(rate_of(&doc, "TMT/RUB"), "21.5792");
        assert_eq!(rate_of(&doc, "IRR/RUB"), "0.0000539256", "VunitRate 5,39256E-05 agrees");
    }

    #[test]
    fn every_daily_id_is_in_the_table() {
        let root = crate::read::xml::parse(DAILY_DOC).unwrap();
        let mut n = 0;
        for v in root.children_named("Valute") {
            let code: Currency = v.child_text("CharCode").unwrap().parse().unwrap();
            assert_eq!(currency_of_cbr_id(v.attr("ID").unwrap()), Some(code));
            assert_eq!(cbr_id(code), v.attr("ID"));
            n += 1;
        }
        assert_eq!(n, IDS.len());
        for (code, id) in [
            ("USD", "R01235"),
            ("EUR", "R01239"),
            ("CNY", "R01375"),
            ("KZT", "R01335"),
            ("KGS", "R01370"),
            ("TJS", "R01670"),
            ("UZS", "R01717"),
            ("TMT", "R01710A"),
        ] {
            assert_eq!(cbr_id(code.parse().unwrap()), Some(id));
        }
        assert_eq!(cbr_id("RUB".parse().unwrap()), None);
    }

    #[test]
    fn a_disagreeing_vunitrate_refuses_the_document() {
        let bad = edit(DAILY_DOC, "<VunitRate>0,163172</VunitRate>", "<VunitRate>0,163173</VunitRate>");
        assert_eq!(read_err(read_daily(&bad)), "KZT: VunitRate 0,163173 disagrees with Value/Nominal = 0.163172: refused");
        let rounded = edit(DAILY_DOC, "<VunitRate>0,163172</VunitRate>", "<VunitRate>0,1632</VunitRate>");
        assert!(read_daily(&rounded).is_ok(), "VunitRate rounded to its own digits agrees");
        let sci = edit(DAILY_DOC, "<VunitRate>5,39256E-05</VunitRate>", "<VunitRate>5,39257E-05</VunitRate>");
        assert!(read_err(read_daily(&sci)).starts_with("IRR: VunitRate 5,39257E-05 disagrees"));
        let junk = edit(DAILY_DOC, "<VunitRate>0,163172</VunitRate>", "<VunitRate>x</VunitRate>");
        assert!(read_err(read_daily(&junk)).starts_with("KZT: VunitRate"));
    }

    #[test]
    fn reads_the_dynamic_form_by_id() {
        let usd = read_dynamic(USD).unwrap();
        assert_eq!(usd.rows.len(), 3);
        assert_eq!(usd.date, None);
        let got: Vec<String> = usd.rows.iter().map(|o| format!("{} {} {}", o.at.rfc3339(), o.pair, o.rate)).collect();
        assert_eq!(
            got,
            ["2026-03-03T00:00:00Z USD/RUB 77.1734", "2026-03-04T00:00:00Z USD/RUB 77.6093", "2026-03-05T00:00:00Z USD/RUB 77.8009"]
        );
        let kzt = read_dynamic(KZT).unwrap();
        assert_eq!(kzt.rows.len(), 3);
        assert_eq!(kzt.rows[0].pair.to_string(), "KZT/RUB");
        assert_eq!(kzt.rows[0].rate.to_string(), "0.155104");
        assert_eq!(kzt.rows[2].rate.to_string(), "0.156198");
        let unknown = edit(USD, "ValCurs ID=\"R01235\"", "ValCurs ID=\"R99999\"");
        assert_eq!(read_err(read_dynamic(&unknown)), "names the CBR id 'R99999', which fxsnap does not know");
        let bad_date = edit(USD, "Record Date=\"04.03.2026\"", "Record Date=\"31.02.2026\"");
        assert_eq!(read_err(read_dynamic(&bad_date)), "date '31.02.2026' does not exist");
        let twice = edit(USD, "Record Date=\"04.03.2026\"", "Record Date=\"03.03.2026\"");
        assert!(read_err(read_dynamic(&twice)).starts_with("lists USD twice with different values"));
    }
}
