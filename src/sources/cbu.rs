//! CBU, the Central Bank of Uzbekistan: a JSON array of objects whose values
//! are all strings (`"Ccy":"USD"`, `"Nominal":"1"`, `"Rate":"12149.84"`,
//! `"Date":"03.04.2026"`). Values are kept as text, never as floats; `Diff`
//! (an absolute change) and the names are not stored. One URL per day.
//! Real documents do contain wrong values now and then: a bad row is
//! skipped and counted.

use std::fmt;

use chrono::NaiveDate;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Head, Match, Profile, Source};
use crate::error::{Error, Result};
use crate::model::{Currency, Instant};
use crate::read::bank::{date_dmy, BankDocument, Decimals, Rows};
use crate::read::format::{BankFormat, Format};
use crate::read::xml;

pub struct Cbu;

const HOME: &str = "UZS";
/// A JSON array of `{"Ccy","Nominal","Rate","Date",…}`, X/UZS.
pub const DOCUMENT: BankFormat = BankFormat { name: "cbu", source: "cbu", root: None, by_request: false };
const FORMATS: &[Format] = &[Format::Bank(DOCUMENT)];

fn day_url(d: NaiveDate) -> String {
    format!("https://cbu.uz/en/arkhiv-kursov-valyut/json/all/{d}/")
}

static PROFILE: Profile = Profile {
    label: "cbu",
    name: "Central Bank of Uzbekistan",
    country: "Uzbekistan",
    home: Some(HOME),
    data_url: "https://cbu.uz/en/arkhiv-kursov-valyut/json/",
};

impl Source for Cbu {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        FORMATS
    }
    fn day_url(&self, d: NaiveDate) -> Option<String> {
        Some(day_url(d))
    }
    /// An empty array (no rates that day), or objects with `"Ccy"`.
    fn recognize(&self, head: &Head<'_>) -> Option<Match> {
        match head {
            Head::JsonArray(rest) if rest.starts_with(']') || (rest.starts_with('{') && rest.contains("\"Ccy\"")) => {
                Some(Match::Sure(DOCUMENT))
            }
            _ => None,
        }
    }
    fn json_shape(&self) -> Option<&'static str> {
        Some("objects with \"Ccy\", \"Nominal\", \"Rate\" and \"Date\"")
    }
    fn read(&self, _format: BankFormat, bytes: &[u8], _currency: Option<Currency>) -> Result<BankDocument> {
        read(bytes)
    }
}

/// The most objects read: CBU publishes about 75; the bound keeps memory small.
const MAX_ROWS: usize = 100_000;

/// A value as its text: a string as is, a number as written (serde_json's
/// arbitrary precision hands it over as a one-entry map under a private
/// key); anything else is no value, and is skipped without being built.
#[derive(Debug, Default)]
struct Text(Option<String>);

/// The key under which serde_json (arbitrary_precision) passes a number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text(Some(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text(Some(s)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Text, E> {
                Ok(Text(Some(n.to_string())))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Text, E> {
                Ok(Text(Some(n.to_string())))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
                // Never a float: its text is already lost.
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut text = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == NUMBER_TOKEN && text.is_none() {
                        text = Some(map.next_value::<String>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Text(text))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default)]
struct Row {
    ccy: Text,
    nominal: Text,
    rate: Text,
    date: Text,
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Row, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with Ccy, Nominal, Rate and Date")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut row = Row::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "Ccy" => row.ccy = map.next_value()?,
                        "Nominal" => row.nominal = map.next_value()?,
                        "Rate" => row.rate = map.next_value()?,
                        "Date" => row.date = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(row)
            }
        }
        d.deserialize_map(V)
    }
}

/// The array, at most [`MAX_ROWS`] long.
struct Bounded(Vec<Row>);

impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bounded, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bounded;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("CBU's JSON array of rates")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bounded, A::Error> {
                let mut rows = Vec::new();
                while let Some(row) = seq.next_element::<Row>()? {
                    if rows.len() == MAX_ROWS {
                        return Err(de::Error::custom(format!("more than {MAX_ROWS} objects")));
                    }
                    rows.push(row);
                }
                Ok(Bounded(rows))
            }
        }
        d.deserialize_seq(V)
    }
}

pub fn read(bytes: &[u8]) -> Result<BankDocument> {
    xml::check_size(bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Bounded(objects) = serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid(format!("is not CBU's JSON (an array of objects with Ccy, Nominal, Rate, Date): {}", xml::one_line(&e.to_string())))
    })?;
    let mut date = None;
    let mut rows = Rows::new(DOCUMENT, HOME, Decimals::Dot)?;
    for (n, o) in objects.iter().enumerate() {
        let text = o.date.0.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let d = date_dmy(text.ok_or_else(|| Error::invalid(format!("has no date in object {}", n + 1)))?)?;
        match date {
            None => date = Some(d),
            Some(first) if first != d => return Err(Error::invalid(format!("mixes two dates ({first} and {d})"))),
            Some(_) => {}
        }
        let Some(code) = o.ccy.0.as_deref() else {
            rows.skip(format!("object {}: no Ccy", n + 1));
            continue;
        };
        rows.push(code, Some(o.nominal.0.as_deref().unwrap_or("")), o.rate.0.as_deref(), Instant::start_of_day(d))?;
    }
    Ok(rows.finish(DOCUMENT, date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{rate_of, read_err};

    const DOC: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbu-2026-04-03.json");

    #[test]
    fn one_url_per_day() {
        let d: NaiveDate = "2026-04-03".parse().unwrap();
        assert_eq!(Cbu.current(d)[0].url, "https://cbu.uz/en/arkhiv-kursov-valyut/json/all/2026-04-03/");
    }

    #[test]
    fn reads_every_object_as_text() {
        let doc = read(DOC).unwrap();
        assert_eq!(doc.rows.len(), 75);
        assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
        assert_eq!(doc.date.unwrap().to_string(), "2026-04-03");
        assert_eq!(rate_of(&doc, "USD/UZS"), "12149.84");
        assert_eq!(rate_of(&doc, "TMT/UZS"), "3471.38");
        assert_eq!(rate_of(&doc, "IRR/UZS"), "0.009");
        assert_eq!(rate_of(&doc, "RUB/UZS"), "151.10");
        assert!(doc.rows.iter().all(|o| o.change.is_none() && o.source.as_str() == "cbu"));
    }

    #[test]
    fn empty_array_is_an_empty_day_and_other_json_is_refused() {
        assert!(read(b"[]").unwrap().is_empty_day());
        assert!(read_err(read(b"{\"Ccy\":\"USD\"}")).starts_with("is not CBU's JSON"));
        assert!(read_err(read(&DOC[..DOC.len() - 10])).starts_with("is not CBU's JSON"));
        let two_dates =
            br#"[{"Ccy":"USD","Nominal":"1","Rate":"1","Date":"03.04.2026"},{"Ccy":"EUR","Nominal":"1","Rate":"2","Date":"04.04.2026"}]"#;
        assert_eq!(read_err(read(two_dates)), "mixes two dates (2026-04-03 and 2026-04-04)");
        let no_date = br#"[{"Ccy":"USD","Nominal":"1","Rate":"1"}]"#;
        assert_eq!(read_err(read(no_date)), "has no date in object 1");
        let number = br#"[{"Ccy":"USD","Nominal":1,"Rate":12149.840000000000000001,"Date":"03.04.2026"}]"#;
        assert_eq!(rate_of(&read(number).unwrap(), "USD/UZS"), "12149.840000000000000001", "a number keeps its text");
        let odd = br#"[{"Ccy":"USD","Nominal":"1","Rate":[1,[2,{"a":3}]],"Date":"03.04.2026"},{"Ccy":"EUR","Nominal":"1","Rate":{"x":"1"},"Date":"03.04.2026"}]"#;
        let doc = read(odd).unwrap();
        assert_eq!(doc.skipped, ["USD: no value", "EUR: no value"]);
    }
}
