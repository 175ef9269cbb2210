//! The currencies asked for in per-currency requests, and the banks' ids
//! for them (feeds README: CBR's `VAL_NM_RQ`, NBKR's `valuta_id`).

use crate::model::Currency;

/// CBR dynamic requests: the five, USD, EUR and CNY (every id the feeds README lists).
pub const CBR_DYNAMIC: [&str; 8] = ["KGS", "KZT", "TJS", "UZS", "TMT", "USD", "EUR", "CNY"];
/// NBKR history pages: every currency with a known `valuta_id` (all nominal 1).
pub const NBKR_HISTORY: [&str; 8] = ["USD", "EUR", "CNY", "KZT", "RUB", "TJS", "UZS", "TMT"];

const CBR_IDS: [(&str, &str); 8] = [
    ("USD", "R01235"),
    ("EUR", "R01239"),
    ("CNY", "R01375"),
    ("KZT", "R01335"),
    ("KGS", "R01370"),
    ("TJS", "R01670"),
    ("UZS", "R01717"),
    ("TMT", "R01710A"),
];

const NBKR_IDS: [(&str, u32); 8] =
    [("USD", 15), ("EUR", 20), ("CNY", 24), ("KZT", 40), ("RUB", 44), ("TJS", 45), ("UZS", 46), ("TMT", 108)];

/// A code of the tables above as a currency (they hold valid codes only).
pub fn currency(code: &str) -> Option<Currency> {
    code.parse().ok()
}

/// CBR's id of a currency (`R01335` for KZT).
pub fn cbr_id(c: Currency) -> Option<&'static str> {
    CBR_IDS.iter().find(|(k, _)| *k == c.as_str()).map(|(_, id)| *id)
}

/// NBKR's `valuta_id` of a currency for its history page (15 for USD).
pub fn nbkr_valuta_id(c: Currency) -> Option<u32> {
    NBKR_IDS.iter().find(|(k, _)| *k == c.as_str()).map(|(_, id)| *id)
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
        assert_eq!(currency("USD").and_then(nbkr_valuta_id), Some(15));
    }
}
