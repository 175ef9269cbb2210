//! English names and ISO 4217 numeric codes of the currencies the bundled
//! central banks quote (and a few more), for `/currencies` and
//! `/v2/currency/{code}`. A code the store holds but this table lacks is
//! named by its code, as Frankfurter does.

/// (code, ISO numeric, English name), sorted by code.
const TABLE: &[(&str, &str, &str)] = &[
    ("AED", "784", "United Arab Emirates Dirham"),
    ("AFN", "971", "Afghan Afghani"),
    ("AMD", "051", "Armenian Dram"),
    ("ARS", "032", "Argentine Peso"),
    ("AUD", "036", "Australian Dollar"),
    ("AZN", "944", "Azerbaijani Manat"),
    ("BDT", "050", "Bangladeshi Taka"),
    ("BGN", "975", "Bulgarian Lev"),
    ("BHD", "048", "Bahraini Dinar"),
    ("BND", "096", "Brunei Dollar"),
    ("BOB", "068", "Bolivian Boliviano"),
    ("BRL", "986", "Brazilian Real"),
    ("BYN", "933", "Belarusian Ruble"),
    ("CAD", "124", "Canadian Dollar"),
    ("CHF", "756", "Swiss Franc"),
    ("CNY", "156", "Chinese Renminbi Yuan"),
    ("CUP", "192", "Cuban Peso"),
    ("CZK", "203", "Czech Koruna"),
    ("DKK", "208", "Danish Krone"),
    ("DZD", "012", "Algerian Dinar"),
    ("EGP", "818", "Egyptian Pound"),
    ("ETB", "230", "Ethiopian Birr"),
    ("EUR", "978", "Euro"),
    ("GBP", "826", "British Pound"),
    ("GEL", "981", "Georgian Lari"),
    ("HKD", "344", "Hong Kong Dollar"),
    ("HUF", "348", "Hungarian Forint"),
    ("IDR", "360", "Indonesian Rupiah"),
    ("ILS", "376", "Israeli New Shekel"),
    ("INR", "356", "Indian Rupee"),
    ("IQD", "368", "Iraqi Dinar"),
    ("IRR", "364", "Iranian Rial"),
    ("ISK", "352", "Icelandic Króna"),
    ("JOD", "400", "Jordanian Dinar"),
    ("JPY", "392", "Japanese Yen"),
    ("KGS", "417", "Kyrgyzstani Som"),
    ("KHR", "116", "Cambodian Riel"),
    ("KRW", "410", "South Korean Won"),
    ("KWD", "414", "Kuwaiti Dinar"),
    ("KZT", "398", "Kazakhstani Tenge"),
    ("LAK", "418", "Lao Kip"),
    ("LBP", "422", "Lebanese Pound"),
    ("LYD", "434", "Libyan Dinar"),
    ("MAD", "504", "Moroccan Dirham"),
    ("MDL", "498", "Moldovan Leu"),
    ("MKD", "807", "Macedonian Denar"),
    ("MMK", "104", "Myanmar Kyat"),
    ("MNT", "496", "Mongolian Tögrög"),
    ("MOP", "446", "Macanese Pataca"),
    ("MRU", "929", "Mauritanian Ouguiya"),
    ("MXN", "484", "Mexican Peso"),
    ("MYR", "458", "Malaysian Ringgit"),
    ("NGN", "566", "Nigerian Naira"),
    ("NOK", "578", "Norwegian Krone"),
    ("NZD", "554", "New Zealand Dollar"),
    ("OMR", "512", "Omani Rial"),
    ("PHP", "608", "Philippine Peso"),
    ("PKR", "586", "Pakistani Rupee"),
    ("PLN", "985", "Polish Złoty"),
    ("QAR", "634", "Qatari Riyal"),
    ("RON", "946", "Romanian Leu"),
    ("RSD", "941", "Serbian Dinar"),
    ("RUB", "643", "Russian Ruble"),
    ("SAR", "682", "Saudi Riyal"),
    ("SDG", "938", "Sudanese Pound"),
    ("SEK", "752", "Swedish Krona"),
    ("SGD", "702", "Singapore Dollar"),
    ("SYP", "760", "Syrian Pound"),
    ("THB", "764", "Thai Baht"),
    ("TJS", "972", "Tajikistani Somoni"),
    ("TMT", "934", "Turkmenistani Manat"),
    ("TND", "788", "Tunisian Dinar"),
    ("TRY", "949", "Turkish Lira"),
    ("TWD", "901", "New Taiwan Dollar"),
    ("UAH", "980", "Ukrainian Hryvnia"),
    ("USD", "840", "United States Dollar"),
    ("UYU", "858", "Uruguayan Peso"),
    ("UZS", "860", "Uzbekistan Som"),
    ("VES", "928", "Venezuelan Bolívar Soberano"),
    ("VND", "704", "Vietnamese Đồng"),
    ("XDR", "960", "Special Drawing Rights"),
    ("YER", "886", "Yemeni Rial"),
    ("ZAR", "710", "South African Rand"),
];

/// The English name of a code (the code itself when unknown).
pub(crate) fn name(code: &str) -> &str {
    entry(code).map(|e| e.2).unwrap_or(code)
}

/// Every code the table knows, sorted (the currencies the OpenAPI documents list).
pub(crate) fn codes() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|e| e.0)
}

/// The ISO 4217 numeric code, when known.
pub(crate) fn numeric(code: &str) -> Option<&'static str> {
    entry(code).map(|e| e.1)
}

/// Whether the code is an ISO 4217 code this table knows.
pub(crate) fn known(code: &str) -> bool {
    entry(code).is_some()
}

fn entry(code: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    TABLE.binary_search_by(|e| e.0.cmp(code)).ok().map(|i| &TABLE[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_names_every_code_it_lists() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(name("KZT"), "Kazakhstani Tenge");
        assert_eq!(numeric("USD"), Some("840"));
        assert_eq!(name("QQQ"), "QQQ");
    }
}
