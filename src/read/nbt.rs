//! NBT, the National Bank of Tajikistan: `<ValCurs Date="YYYY-MM-DD">` with
//! `<Valute>`s (`<CharCode>`, `<Nominal>`, `<Value>`: TJS per Nominal units,
//! dot decimals). `CharCode` is trusted, not the numeric `ID`.
//! Source: National Bank of Tajikistan, www.nbt.tj.

use super::bank::{date_iso, require_date, BankDocument, Decimals, Rows};
use super::{root_of, Format};
use crate::error::Result;
use crate::model::Instant;

pub fn read(bytes: &[u8]) -> Result<BankDocument> {
    let root = root_of(bytes, Format::Nbt)?;
    let date = require_date(root.attr("Date"), date_iso)?;
    let at = Instant::start_of_day(date);
    let mut rows = Rows::new("nbt", Decimals::Dot)?;
    for v in root.children_named("Valute") {
        rows.push(v.child_text("CharCode").unwrap_or(""), v.child_text("Nominal"), v.child_text("Value"), at)?;
    }
    Ok(rows.finish(Format::Nbt, Some(date)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbt-2026-05-18.xml");

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
