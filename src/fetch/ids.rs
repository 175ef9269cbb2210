//! The currencies asked for in per-currency requests. Their ids are the
//! readers' tables (`read::cbr`'s `VAL_NM_RQ`, `read::nbkr`'s `valuta_id`),
//! so a request and the reader of its answer agree.

use crate::model::Currency;

/// CBR dynamic requests: the five, USD, EUR and CNY.
pub const CBR_DYNAMIC: [&str; 8] = ["KGS", "KZT", "TJS", "UZS", "TMT", "USD", "EUR", "CNY"];
/// NBKR history pages: every currency with a known `valuta_id` (all nominal 1).
pub const NBKR_HISTORY: [&str; 8] = ["USD", "EUR", "CNY", "KZT", "RUB", "TJS", "UZS", "TMT"];

/// A code of the tables above as a currency (they hold valid codes only).
pub fn currency(code: &str) -> Option<Currency> {
    code.parse().ok()
}

/// CBR's id of a currency (`R01335` for KZT).
pub fn cbr_id(c: Currency) -> Option<&'static str> {
    crate::read::cbr::cbr_id(c)
}

/// NBKR's `valuta_id` of a currency for its history page (15 for USD).
pub fn nbkr_valuta_id(c: Currency) -> Option<u32> {
    crate::read::nbkr::history_valuta_id(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asked_currency_has_an_id() {
        for c in CBR_DYNAMIC {
            assert!(currency(c).and_then(cbr_id).is_some(), "{c}");
        }
        for c in NBKR_HISTORY {
            assert!(currency(c).and_then(nbkr_valuta_id).is_some(), "{c}");
        }
        assert_eq!(currency("KZT").and_then(cbr_id), Some("R01335"));
        assert_eq!(currency("TMT").and_then(cbr_id), Some("R01710A"));
        assert_eq!(currency("USD").and_then(nbkr_valuta_id), Some(15));
    }
}
