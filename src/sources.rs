//! The built-in sources: their labels, who publishes them and what they
//! quote. One table, read by the readers, `fetch`, the chart captions and
//! the report, so a source's full name is written once.

use crate::model::Currency;

/// One built-in source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinSource {
    /// The label stored with its observations (`nbk`).
    pub label: &'static str,
    /// Who publishes it, for captions and the report.
    pub name: &'static str,
    /// The currency its documents quote others in (`KZT` for nbk); `None`
    /// for the ticker, which quotes against USD.
    pub home: Option<&'static str>,
}

/// Every built-in source, in the order `fetch` asks them.
pub const BUILTIN: [BuiltinSource; 7] = [
    BuiltinSource { label: "timesca", name: "The Times of Central Asia ticker", home: None },
    BuiltinSource { label: "nbk", name: "National Bank of Kazakhstan", home: Some("KZT") },
    BuiltinSource { label: "nbkr", name: "National Bank of the Kyrgyz Republic", home: Some("KGS") },
    BuiltinSource { label: "cbu", name: "Central Bank of Uzbekistan", home: Some("UZS") },
    BuiltinSource { label: "nbt", name: "National Bank of Tajikistan", home: Some("TJS") },
    BuiltinSource { label: "cbt", name: "Central Bank of Turkmenistan", home: Some("TMT") },
    BuiltinSource { label: "cbr", name: "Central Bank of Russia", home: Some("RUB") },
];

/// The built-in source with this label (case-insensitive).
pub fn builtin(label: &str) -> Option<&'static BuiltinSource> {
    BUILTIN.iter().find(|s| s.label.eq_ignore_ascii_case(label))
}

/// A source's full name for captions: the built-in name, or the label
/// itself for a source a CSV named (`nbu` gets its known name too).
pub fn full_name(label: &str) -> &str {
    match builtin(label) {
        Some(s) => s.name,
        None if label.eq_ignore_ascii_case("nbu") => "National Bank of Ukraine (cross rates via the hryvnia)",
        None => label,
    }
}

impl BuiltinSource {
    /// The home currency as a type (the table holds valid codes only).
    pub fn home_currency(&self) -> Option<Currency> {
        self.home.and_then(|c| c.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_home_currency_parses_and_labels_are_lower_case() {
        for s in BUILTIN {
            assert_eq!(s.label, s.label.to_ascii_lowercase());
            assert_eq!(s.home.is_some(), s.home_currency().is_some(), "{}", s.label);
        }
        assert_eq!(full_name("NBK"), "National Bank of Kazakhstan");
        assert_eq!(full_name("other"), "other");
    }
}
