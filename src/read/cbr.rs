//! CBR, the Central Bank of Russia: the daily document (`<ValCurs
//! Date="DD.MM.YYYY">` with `<Valute>`s: `<CharCode>`, `<Nominal>`,
//! `<Value>` and `<VunitRate>`, comma decimals, windows-1251) and the dynamic
//! form for one currency over a range (`<ValCurs ID="R01335" DateRange1=…>`
//! with `<Record Date Id>`s), whose currency is known only by CBR's id.
//! `VunitRate` (the value per unit) must agree with Value/Nominal: a
//! document where it does not is refused, as a sign of a misread.

use rust_decimal::Decimal;

use super::bank::{date_dmy, parse_value, require_date, BankDocument, Decimals, Rows};
use super::{root_of, Format};
use crate::error::{Error, Result};
use crate::model::{echo, Currency, Instant, Rate};

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
fn push_checked(rows: &mut Rows, code: &str, el: &super::xml::Element, at: Instant) -> Result<()> {
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
    let root = root_of(bytes, Format::CbrDaily)?;
    let date = require_date(root.attr("Date"), date_dmy)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new("cbr", Decimals::Comma)?;
    for v in root.children_named("Valute") {
        push_checked(&mut rows, v.child_text("CharCode").unwrap_or(""), v, at)?;
    }
    Ok(rows.finish(Format::CbrDaily, Some(date)))
}

/// The dynamic form: one currency (by CBR id), each record at its own date.
pub fn read_dynamic(bytes: &[u8]) -> Result<BankDocument> {
    let root = root_of(bytes, Format::CbrDynamic)?;
    let id = root.attr("ID").unwrap_or("").trim();
    let currency =
        currency_of_cbr_id(id).ok_or_else(|| Error::invalid(format!("names the CBR id '{}', which fxsnap does not know", echo(id))))?;
    let mut rows = Rows::new("cbr", Decimals::Comma)?;
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
    Ok(rows.finish(Format::CbrDynamic, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DAILY: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-daily-2026-04-25.xml");
    const USD: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-dynamic-USD-2026-03.xml");
    const KZT: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-dynamic-KZT-2026-03.xml");

    /// The fixture as text, edited, and back in its own encoding.
    fn edit(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
        assert!(text.contains(from), "{from}");
        encoding_rs::WINDOWS_1251.encode(&text.replacen(from, to, 1)).0.into_owned()
    }

    #[test]
    fn reads_the_daily_document() {
        let doc = read_daily(DAILY).unwrap();
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
        let root = crate::read::xml::parse(DAILY).unwrap();
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
        let bad = edit(DAILY, "<VunitRate>0,163172</VunitRate>", "<VunitRate>0,163173</VunitRate>");
        assert_eq!(read_err(read_daily(&bad)), "KZT: VunitRate 0,163173 disagrees with Value/Nominal = 0.163172: refused");
        let rounded = edit(DAILY, "<VunitRate>0,163172</VunitRate>", "<VunitRate>0,1632</VunitRate>");
        assert!(read_daily(&rounded).is_ok(), "VunitRate rounded to its own digits agrees");
        let sci = edit(DAILY, "<VunitRate>5,39256E-05</VunitRate>", "<VunitRate>5,39257E-05</VunitRate>");
        assert!(read_err(read_daily(&sci)).starts_with("IRR: VunitRate 5,39257E-05 disagrees"));
        let junk = edit(DAILY, "<VunitRate>0,163172</VunitRate>", "<VunitRate>x</VunitRate>");
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
