//! What a pair's values mean in words, for panel titles: `KGS/USD` is "US dollars per som",
//! `USD/KGS` "som per US dollar". A pair `B/Q` is so many Q per one B.

/// (singular, plural) names of the currencies a chart names in words; any other currency is
/// named by its code.
const NAMES: [(&str, &str, &str); 12] = [
    ("USD", "US dollar", "US dollars"),
    ("KGS", "som", "som"),
    ("KZT", "tenge", "tenge"),
    ("TJS", "somoni", "somoni"),
    ("UZS", "sum", "sum"),
    ("TMT", "manat", "manat"),
    ("RUB", "rouble", "roubles"),
    ("EUR", "euro", "euros"),
    ("CNY", "yuan", "yuan"),
    ("UAH", "hryvnia", "hryvnias"),
    ("GBP", "pound sterling", "pounds sterling"),
    ("CHF", "Swiss franc", "Swiss francs"),
];

/// The name of one unit of `code` (`"som"`), or the code itself.
pub fn singular(code: &str) -> &str {
    NAMES.iter().find(|n| n.0.eq_ignore_ascii_case(code)).map_or(code, |n| n.1)
}

/// The name of several units of `code` (`"US dollars"`), or the code itself.
pub fn plural(code: &str) -> &str {
    NAMES.iter().find(|n| n.0.eq_ignore_ascii_case(code)).map_or(code, |n| n.2)
}

/// What the values of `base/quote` mean: `"<quote, plural> per <base, singular>"`.
pub fn meaning(base: &str, quote: &str) -> String {
    format!("{} per {}", plural(quote), singular(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_in_words() {
        assert_eq!(meaning("KGS", "USD"), "US dollars per som");
        assert_eq!(meaning("USD", "KGS"), "som per US dollar");
        assert_eq!(meaning("KZT", "RUB"), "roubles per tenge");
        assert_eq!(meaning("XAU", "EUR"), "euros per XAU");
        assert_eq!(meaning("usd", "ZZZ"), "ZZZ per US dollar");
    }
}
